"""Durations and rates written with units (``"30m"``, ``"4h"``, ``"1d 4h"``, ``"12/d"``), as analysts write them.

The simulator's clock runs in **hours**; every parsed value is returned in hours (or per hour).
"""

from __future__ import annotations

import math
import re

HOURS_PER_UNIT: dict[str, float] = {
    "s": 1 / 3600,
    "m": 1 / 60,
    "h": 1.0,
    "d": 24.0,
    "w": 168.0,
}
_PART = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhdw])\s*")
_RATE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*/\s*([smhdw])\s*$")
UNITS_HELP = "a number with a unit: s, m, h, d or w (e.g. '30m', '4h', '2d', '1w', '1d 4h')"


def parse_duration(text: str) -> float:
    """Parse ``"1d 4h"`` into hours (28.0). Raises ValueError naming the accepted forms."""
    if not isinstance(text, str):
        raise ValueError(f"a duration must be a string with a unit, {UNITS_HELP} (got {text!r})")
    position, total, matched = 0, 0.0, False
    while position < len(text):
        match = _PART.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read duration {text!r}: expected {UNITS_HELP}")
        total += float(match.group(1)) * HOURS_PER_UNIT[match.group(2)]
        position, matched = match.end(), True
    if not matched:
        raise ValueError(f"cannot read duration {text!r}: expected {UNITS_HELP}")
    return total


def parse_rate(text: str) -> float:
    """Parse ``"12/d"`` into events per hour (0.5). Raises ValueError naming the accepted form."""
    match = _RATE.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"cannot read rate {text!r}: expected a count per unit such as '12/d', '0.5/h' or '3/w'")
    return float(match.group(1)) / HOURS_PER_UNIT[match.group(2)]


def spell_duration(hours: float) -> str:
    """Hours in the scenario file's own spelling, rounded: ``0.5 -> '30m'``, ``28 -> '1.2d'``, ``400 -> '2.4w'``.

    For messages about scenario values (a user can paste the text back into the file; `parse_duration` reads it).
    Measures shown to people use the one formatter of the console and report, `mining.time_units.format_hours`
    (sim does not import mining: the two meet only through the log and scenario formats).
    """
    if math.isnan(hours):
        return "n/a"
    magnitude = abs(hours)
    if magnitude < 1:
        return f"{hours * 60:.0f}m"
    if magnitude < 24:
        return f"{hours:.1f}h"
    if magnitude < 24 * 14:
        return f"{hours / 24:.1f}d"
    return f"{hours / 168:.1f}w"
