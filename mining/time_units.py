"""Durations for people: the unit that suits a number of hours, and short text in it. Light on purpose (no
pandas, no matplotlib): the console's headline uses it as well as the plots."""

from __future__ import annotations

import math

__all__ = ["choose_time_unit", "format_hours"]


def choose_time_unit(hours: float) -> tuple[str, float]:
    """A readable unit for durations around `hours`: ("min", 60), ("h", 1) or ("d", 1/24), as (name, factor)."""
    if hours < 1.0:
        return "min", 60.0
    if hours < 72.0:
        return "h", 1.0
    return "d", 1.0 / 24.0


def format_hours(hours: float) -> str:
    """A duration in hours as short text in the most readable unit: '35 min', '4.2 h', '3.1 d'; NaN as 'n/a'."""
    if math.isnan(hours):
        return "n/a"
    unit, factor = choose_time_unit(abs(hours))
    value = hours * factor
    return f"{value:.0f} {unit}" if abs(value) >= 100 or unit == "min" else f"{value:.1f} {unit}"
