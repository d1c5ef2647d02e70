"""Shared helpers of the plots: saving a figure (PNG, and SVG on request), readable duration units, label wrapping,
colours.

Figures are built with `matplotlib.figure.Figure` directly (no pyplot state), so they render with Agg and
never open a window.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.textpath import TextToPath

from mining.time_units import choose_time_unit, format_hours

__all__ = [
    "MIN_FONT_PT",
    "PROJECTOR_WIDTH_IN",
    "ROOM_STYLE",
    "WAIT_COLOUR",
    "WORK_COLOUR",
    "choose_time_unit",
    "drop_colliding_texts",
    "figure_formats",
    "fit_label",
    "format_difference",
    "format_hours",
    "readability_problems",
    "save_figure",
    "saved_formats",
    "text_width_in",
    "wrap_label",
]

WAIT_COLOUR = "#d9534f"
"""Colour of waiting time in every plot (red: time lost)."""
WORK_COLOUR = "#2e8b57"
"""Colour of work time in every plot (green: time adding value)."""
SIDE_COLOURS = ("#1f77b4", "#ff7f0e")
"""Colours of the two logs (A / simulated, B / observed) in comparison plots."""
DPI = 96
"""Pixels per inch of the PNGs: a figure `PROJECTOR_WIDTH_IN` wide is then exactly the 1,176 CSS px a report shows
in a 1280 px window, one image pixel per screen pixel (sharper than scaled, and fewer pixels to draw and encode)."""
PNG_COMPRESSION = 3
"""zlib level of the PNGs (Pillow's default, 6, takes about twice as long to encode for files a few % smaller)."""
_FORMATS: ContextVar[tuple[str, ...]] = ContextVar("figure_formats", default=("png",))
"""The files each plot writes: PNG (what the HTML report embeds) and, when asked for, SVG."""


@contextmanager
def figure_formats(*, svg: bool) -> Iterator[None]:
    """While inside, every plot is written as PNG and, with `svg`, also as SVG (drawing it a second time)."""
    token = _FORMATS.set(("png", "svg") if svg else ("png",))
    try:
        yield
    finally:
        _FORMATS.reset(token)


def saved_formats() -> tuple[str, ...]:
    """The formats plots are written in here and now: ``("png",)`` or ``("png", "svg")`` (see `figure_formats`)."""
    return _FORMATS.get()
PROJECTOR_WIDTH_IN = 12.25
"""Widest figure, inches, of the pictures made for a room: a report in a 1280 px window shows a figure at most
1,176 CSS px wide (the page's margins take the rest), 12.25 in at 96 px per inch, so a figure no wider than this is
shown at its full size or larger and its point sizes hold."""
MIN_FONT_PT = 12.0
"""Smallest text, points, in the pictures made for a room (readable on a projector at 1280 px)."""
ROOM_STYLE: dict[Any, float] = {"font.size": MIN_FONT_PT, "axes.titlesize": 15.0, "axes.labelsize": 13.0,
              "xtick.labelsize": MIN_FONT_PT, "ytick.labelsize": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT}
"""matplotlib settings of a chart made for a room (`matplotlib.rc_context(ROOM_STYLE)` while it is drawn)."""


_CHEAP_TEXT: dict[Any, Any] = {"text.hinting": "no_hinting"}
"""Glyphs drawn as the font shapes them, without FreeType's hinting pass: at 96 dpi and >= 12 pt the text reads the
same, and hinting is most of the cost of drawing the many small labels of a report's pictures (from the parallel
attempt at the run's cost on branch runcost: the value stream map's save 0.27 -> 0.20 CPU-s)."""


def save_figure(figure: Figure, path: str | Path) -> list[Path]:
    """Write `figure` as `<path>.png`, and `<path>.svg` inside `figure_formats(svg=True)` (any suffix of `path` is
    replaced); return the paths, PNG first.

    The figure is saved at its own size: its layout (fixed margins, or a layout engine) decides what fits, so it is
    drawn once per format rather than twice as a tight bounding box would need.
    """
    base = Path(path)
    base = base.with_suffix("") if base.suffix.lower() in {".png", ".svg"} else base
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    with rc_context(_CHEAP_TEXT):
        for suffix in saved_formats():
            target = base.with_name(f"{base.name}.{suffix}")
            if suffix == "png":
                figure.savefig(target, dpi=DPI, facecolor="white", pil_kwargs={"compress_level": PNG_COMPRESSION})
            else:
                figure.savefig(target, dpi=DPI, facecolor="white")
            written.append(target)
    return written


def format_difference(hours: float, low: float = math.nan, high: float = math.nan) -> str:
    """A signed difference in hours with its confidence interval, all three in one unit: '+8.8 h [+6.2, +11.4]'.

    NaN `hours` gives 'n/a'; NaN bounds leave the interval out.
    """
    if math.isnan(hours):
        return "n/a"
    with_interval = not (math.isnan(low) or math.isnan(high))
    largest = max(abs(hours), abs(low), abs(high)) if with_interval else abs(hours)
    unit, factor = choose_time_unit(largest) if largest > 0 else ("h", 1.0)
    digits = 0 if largest * factor >= 100 or unit == "min" else 1

    def signed(value: float) -> str:
        rounded = round(value * factor, digits)
        return f"{rounded if rounded != 0 else 0.0:+.{digits}f}"  # no "-0.0" for a tiny negative value

    return f"{signed(hours)} {unit}" + (f" [{signed(low)}, {signed(high)}]" if with_interval else "")


def wrap_label(text: str, width: int, max_lines: int = 2) -> str:
    """Wrap `text` to lines of `width` characters, keeping at most `max_lines` (the last ends in '…' if cut)."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1][: max(width - 1, 1)].rstrip() + "…"
    return "\n".join(lines)


_TEXT_TO_PATH = TextToPath()


@lru_cache(maxsize=8192)
def text_width_in(text: str, fontsize: float, weight: str = "normal") -> float:
    """Width in inches of one line of `text` in matplotlib's default font at `fontsize` points and `weight`."""
    if not text:
        return 0.0
    prop = FontProperties(size=fontsize, weight=weight)
    width, _, _ = _TEXT_TO_PATH.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72.0


_NARROWEST_EM = 0.2
"""A lower bound on any glyph's advance width, in ems (the narrowest in DejaVu Sans, 'i' and 'l', are 0.28)."""


def fit_label(
    text: str,
    width_in: float,
    *,
    fontsize: float,
    max_lines: int = 2,
    min_fontsize: float = 7.0,
    weight: str = "normal",
) -> tuple[str, float]:
    """Wrap and, if needed, shrink `text` so every line is at most `width_in` inches wide; return (text, size).

    Tries the largest font size first (from `fontsize` down to `min_fontsize` in half points) with word
    wrapping into at most `max_lines` lines; only when nothing fits at `min_fontsize` are long words broken and,
    as a last resort, the last line is cut and ends in '…'. Widths are measured from the font's glyphs.
    """
    text = " ".join(str(text).split())
    # Every glyph is at least _NARROWEST_EM of the font size wide, so no more characters than this can ever fit in
    # `max_lines` lines: the rest is cut before the search, which would otherwise take time cubic in the length
    # (a 10,000-character activity name took minutes); what is cut always ends up behind the '…'.
    most = int(max_lines * width_in * 72.0 / (_NARROWEST_EM * min_fontsize)) + max_lines + 1
    text = text[:most]
    size = fontsize
    while size >= min_fontsize - 1e-9:
        for chars in range(len(text), 0, -1):
            lines = textwrap.wrap(text, width=chars, break_long_words=False, break_on_hyphens=True) or [""]
            if len(lines) > max_lines:
                break
            if all(text_width_in(line, size, weight) <= width_in for line in lines):
                return "\n".join(lines), size
        size -= 0.5
    size = min_fontsize
    for chars in range(len(text), 0, -1):  # break long words, keep what fits, ellipsize the rest
        lines = textwrap.wrap(text, width=chars, break_long_words=True) or [""]
        if all(text_width_in(line, size, weight) <= width_in for line in lines[:max_lines]):
            if len(lines) > max_lines:
                lines = lines[:max_lines]
                last = lines[-1]
                while last and text_width_in(last.rstrip() + "…", size, weight) > width_in:
                    last = last[:-1]
                lines[-1] = last.rstrip() + "…"
            return "\n".join(lines), size
    return "…", size


def _renderer(figure: Figure) -> RendererAgg:
    """The Agg renderer of `figure` (attaching an Agg canvas to a figure made without one)."""
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    return canvas.get_renderer()


def _visible_texts(figure: Figure) -> list[Text]:
    return [text for text in figure.findobj(Text) if text.get_visible() and text.get_text().strip()]


def drop_colliding_texts(figure: Figure, optional: Sequence[Text]) -> int:
    """Hide each of the `optional` texts (in their order of priority) whose drawn box meets the box of a text kept
    before it or of any other text of the figure; return how many were hidden.

    The pictures place their labels to avoid each other; this is the guarantee where no free spot was found (an edge
    count on a crowded graph): a label is left out rather than drawn over another.
    """
    renderer = _renderer(figure)
    chosen = {id(text) for text in optional}
    kept = [text.get_window_extent(renderer) for text in _visible_texts(figure) if id(text) not in chosen]
    hidden = 0
    for text in optional:
        if not text.get_visible():
            continue
        box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in kept):
            text.set_visible(False)
            hidden += 1
        else:
            kept.append(box)
    return hidden


def readability_problems(figure: Figure, *, min_font_pt: float = MIN_FONT_PT,
                         max_width_in: float = PROJECTOR_WIDTH_IN) -> list[str]:
    """What keeps `figure` from reading on a projector: a figure wider than `max_width_in`, a visible text smaller
    than `min_font_pt`, two visible texts whose drawn boxes overlap. Empty when it reads well."""
    problems = []
    width = float(figure.get_figwidth())
    if width > max_width_in + 1e-9:
        problems.append(f"figure {width:.2f} in wide (at most {max_width_in} in)")
    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()  # legends and tick labels find their places only when drawn
    texts = _visible_texts(figure)
    problems += [f"{text.get_text()!r} at {float(text.get_fontsize()):.1f} pt" for text in texts
                 if float(text.get_fontsize()) < min_font_pt - 1e-9]
    renderer = _renderer(figure)
    boxes = [(text, text.get_window_extent(renderer)) for text in texts]
    for index, (first, box) in enumerate(boxes):
        problems += [f"{first.get_text()!r} overlaps {second.get_text()!r}" for second, other in boxes[index + 1:]
                     if box.overlaps(other)]
    return problems
