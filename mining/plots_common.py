"""Shared helpers of the plots: saving a figure as PNG and SVG, readable duration units, label wrapping, colours.

Figures are built with `matplotlib.figure.Figure` directly (no pyplot state), so they render with Agg and
never open a window.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

from matplotlib.figure import Figure

__all__ = [
    "WAIT_COLOUR",
    "WORK_COLOUR",
    "choose_time_unit",
    "format_hours",
    "save_figure",
    "wrap_label",
]

WAIT_COLOUR = "#d9534f"
"""Colour of waiting time in every plot (red: time lost)."""
WORK_COLOUR = "#2e8b57"
"""Colour of work time in every plot (green: time adding value)."""
SIDE_COLOURS = ("#1f77b4", "#ff7f0e")
"""Colours of the two logs (A / simulated, B / observed) in comparison plots."""
DPI = 110


def save_figure(figure: Figure, path: str | Path) -> list[Path]:
    """Write `figure` as `<path>.png` and `<path>.svg` (any suffix of `path` is replaced); return both paths."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix.lower() in {".png", ".svg"} else base
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".png", ".svg"):
        target = base.with_name(base.name + suffix)
        figure.savefig(target, dpi=DPI, bbox_inches="tight", facecolor="white")
        written.append(target)
    return written


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


def wrap_label(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap `text` to lines of `width` characters, keeping at most `max_lines` (the last ends in '…' if cut)."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(width - 1, 1)].rstrip() + "…"
    return "\n".join(lines)
