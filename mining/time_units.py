"""Durations and numbers for people: the one formatter of the console, the report and the plots.

Light on purpose (no pandas, no matplotlib): the console's headline imports it. It lives in `mining/` because
mining, its plots and `flowlab/` (console and report) all show measures; `sim/` keeps only the scenario-file spelling
of a duration (`sim.durations.spell_duration`, '1.2d', which `parse_duration` reads back) for its error messages,
since sim and mining never import each other. Tables use `mining.readable_tables`, built on these functions.

Rules: a duration is shown in the unit that suits it ('35 min', '4.2 h', '3.1 d'), with three significant digits at
most and never in scientific notation; a column of durations is shown in one unit, chosen from its median
(`column_unit`); a number too small for the digits shown reads '< 0.001', never '1.02e-05' or a false '0.000'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["UNKNOWN", "choose_time_unit", "column_unit", "decimals_for", "format_hours", "format_number",
           "format_share"]

UNKNOWN = "n/a"
"""How an unknown value (NaN, None) reads."""


def choose_time_unit(hours: float) -> tuple[str, float]:
    """A readable unit for durations around `hours`: ("s", 3600), ("min", 60), ("h", 1) or ("d", 1/24), as
    (name, factor); a value in hours times the factor is in that unit."""
    hours = abs(hours)
    if 0 < hours < 1.0 / 60.0:
        return "s", 3600.0
    if hours < 1.0:
        return "min", 60.0
    if hours < 72.0:
        return "h", 1.0
    return "d", 1.0 / 24.0


def decimals_for(magnitude: float) -> int:
    """Digits after the point that show a typical value of `magnitude` with about three significant digits
    (0 from 100 up, 1 from 1, then more for smaller values, at most 4)."""
    magnitude = abs(magnitude)
    if not math.isfinite(magnitude) or magnitude == 0 or magnitude >= 100:
        return 0
    if magnitude >= 1:
        return 1
    return min(4, 1 - math.floor(math.log10(magnitude)))


def _fixed(value: float, decimals: int) -> str:
    """`value` with `decimals` digits and thousands separators; '< 0.01'-style when nonzero but rounding to 0."""
    text = f"{value:,.{decimals}f}"
    if value != 0 and float(text.replace(",", "")) == 0:
        smallest = f"{10.0 ** -decimals:.{decimals}f}"
        return f"< {smallest}" if value > 0 else f"> -{smallest}"
    return text.removeprefix("-") if float(text.replace(",", "")) == 0 else text  # no "-0.0"


def format_hours(hours: float | None, unit: tuple[str, float] | None = None, *, with_unit: bool = True,
                 decimals: int | None = None) -> str:
    """A duration in hours as short text: '35 min', '4.2 h', '3.1 d', '12 s'; NaN or None as 'n/a'.

    Args:
        hours: the duration in hours.
        unit: (name, factor) from `choose_time_unit` or `column_unit` to show it in (default: the value's own).
        with_unit: False leaves the unit's name out (for a table column whose heading names it).
        decimals: digits after the point (default: about three significant digits).
    """
    if hours is None or not math.isfinite(hours):
        return UNKNOWN
    name, factor = unit if unit is not None else choose_time_unit(hours)
    value = hours * factor
    if decimals is None:
        decimals = 0 if name in ("min", "s") and abs(value) >= 1 else decimals_for(value)
    text = _fixed(value, decimals)
    return f"{text} {name}" if with_unit else text


def format_number(value: float | int | None, decimals: int | None = None) -> str:
    """A count or measure for people: '1,234', '3.14', '0.012', '< 0.001'; NaN or None as 'n/a'.

    `decimals` fixes the digits after the point (a table column uses one for all its cells); by default they follow
    the value's magnitude (`decimals_for`), and whole numbers have none.
    """
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return UNKNOWN
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2 if 1 <= abs(value) < 10 else decimals_for(value)
    return _fixed(float(value), decimals)


def format_share(value: float | None, decimals: int = 1) -> str:
    """A share in [0, 1] as a percentage: '12.5%'; a nonzero share too small to show reads '< 0.1%'."""
    if value is None or not math.isfinite(value):
        return UNKNOWN
    return _fixed(100.0 * value, decimals) + "%"


def column_unit(hours: Iterable[float]) -> tuple[str, float]:
    """The one unit of a column of durations in hours, chosen from the median of its known magnitudes (so most
    cells read naturally); ("h", 1.0) for a column without any known value."""
    known = sorted(abs(value) for value in hours if value is not None and math.isfinite(value))
    if not known:
        return "h", 1.0
    middle = len(known) // 2
    median = known[middle] if len(known) % 2 else (known[middle - 1] + known[middle]) / 2
    return choose_time_unit(median if median > 0 else max(known))


_UNIT_HOURS = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}


def duration_hours(text: str) -> float:
    """Hours of a duration string as `mining.calibrate` writes them into a scenario ('1.5h', '30m', '2d', '0.5s')."""
    return float(text[:-1]) * _UNIT_HOURS[text[-1]]
