"""The value stream map: stage boxes left to right, the wait between them, and the wait/work time line underneath.

The picture trainers draw by hand — weeks of lead time around days of work — from any log, mined or simulated.
Long value streams wrap into rows of at most `STAGES_PER_ROW` stages.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from mining.columns import ACTIVITY, CASE, RESOURCE
from mining.errors import EventLogError
from mining.plots_common import (
    MIN_FONT_PT,
    WAIT_COLOUR,
    WORK_COLOUR,
    fit_label,
    format_hours,
    save_figure,
    text_width_in,
)
from mining.stage_measures import summarize_stages
from mining.stage_times import require_columns
from mining.time_units import format_share

__all__ = ["GROUP", "MAX_STAGES", "STAGES_PER_ROW", "attach_groups", "draw_value_stream_map", "plot_value_stream_map",
           "summarize_value_stream"]

GROUP = "org:group"
"""XES key of the team a resource belongs to (simulated logs: `org:resource` is the person, this the team)."""

STAGES_PER_ROW = 5
"""Most stages drawn in one row of the map (so the figure fits `PROJECTOR_WIDTH_IN` at 12 pt); longer streams wrap."""
MAX_STAGES = 30
"""Most stages drawn: a log with more activities shows its most visited ones and says so."""
_FONT = MIN_FONT_PT
_SLOT = 2.35  # width of one stage column (triangle + box), figure inches
_BOX_LEFT = 0.62  # box starts this far into its column
_BOX_WIDTH = 1.6
_HEAD_HEIGHT = 0.68
_BOX_HEIGHT = 1.9
_ROW_HEIGHT = 3.35


def summarize_value_stream(stage_times: pd.DataFrame) -> pd.DataFrame:
    """`summarize_stages` in process order (mean position of each stage's first visit in its cases) plus `resource`.

    `resource` names who works at the stage: the most frequent team (`org:group`) when the table has that
    column with any value, else the most frequent `org:resource` ('' when neither is known), followed by '+N'
    when N other teams or resources also worked there. `position` is the mean 0-based index of the stage's
    first visit within the cases.
    """
    require_columns(stage_times, (CASE, ACTIVITY, "wait_h", "work_h", "estimated"))
    summary = summarize_stages(stage_times)
    position = stage_times.groupby(CASE, sort=False).cumcount()
    first = stage_times.assign(position=position.to_numpy()).drop_duplicates([CASE, ACTIVITY])
    mean_position = first.groupby(ACTIVITY)["position"].mean()
    summary["position"] = summary[ACTIVITY].map(mean_position).to_numpy(dtype=float)
    who = _team_column(stage_times)
    if who is not None:
        known = stage_times[[ACTIVITY, who]].dropna().astype({ACTIVITY: str, who: str})
        counts = known.value_counts().reset_index(name="n")
        counts = counts[counts["n"] > 0]
        counts = counts.sort_values(["n", who], ascending=[False, True], kind="stable")
        top = counts.drop_duplicates(ACTIVITY).set_index(ACTIVITY)[who]
        others = counts.groupby(ACTIVITY).size() - 1
        label = top.astype(str) + others.reindex(top.index).map(lambda n: f" +{n}" if n > 0 else "")
        summary["resource"] = summary[ACTIVITY].astype(str).map(label).fillna("").astype(str).to_numpy()
    else:
        summary["resource"] = ""
    return summary.sort_values(["position", ACTIVITY], kind="stable").reset_index(drop=True)


def _team_column(stage_times: pd.DataFrame) -> str | None:
    """`org:group` when it holds any value, else `org:resource` when it does, else None."""
    for column in (GROUP, RESOURCE):
        if column in stage_times.columns and stage_times[column].notna().any():
            return column
    return None


def attach_groups(stage_times: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """`stage_times` with an `org:group` column looked up from the log's `org:resource` → `org:group` pairs.

    Simulated logs name the person in `org:resource` (`developers-3`) and the team in `org:group`; the stage
    times keep only the resource. Each resource gets its most frequent group in the log. Returns `stage_times`
    unchanged when the log has no (known) `org:group` or either table lacks `org:resource`.
    """
    if GROUP not in log.columns or RESOURCE not in log.columns or RESOURCE not in stage_times.columns:
        return stage_times
    pairs = log[[RESOURCE, GROUP]].dropna().astype(str)
    if pairs.empty:
        return stage_times
    counts = pairs.value_counts().reset_index(name="n").sort_values(["n", GROUP], ascending=[False, True],
                                                                     kind="stable")
    lookup = counts.drop_duplicates(RESOURCE).set_index(RESOURCE)[GROUP]
    resource = stage_times[RESOURCE].astype("string")
    return stage_times.assign(**{GROUP: resource.map(lookup).astype("string").to_numpy()})


def _case_totals(case_summary: pd.DataFrame) -> tuple[float, float, float, int]:
    """Mean lead time, mean work time (hours), flow efficiency (total work / total lead) and case count."""
    require_columns(case_summary, ("lead_time_h", "work_h"))
    lead = case_summary["lead_time_h"].to_numpy(dtype=float)
    work = case_summary["work_h"].to_numpy(dtype=float)
    known = ~np.isnan(work) & ~np.isnan(lead)
    lead_mean = float(np.nanmean(lead)) if np.isfinite(lead).any() else float("nan")  # none finished: unknown
    work_mean = float(work[known].mean()) if known.any() else float("nan")
    efficiency = float(work[known].sum() / lead[known].sum()) if known.any() and lead[known].sum() > 0 else float("nan")
    return lead_mean, work_mean, efficiency, int(np.isfinite(lead).sum())


def _triangle(axes, x: float, y: float, size: float) -> list[tuple[float, float]]:
    """The corners of an inventory triangle centred at (x, y), its "I" drawn now (the triangles are drawn together
    as one collection by the caller)."""
    axes.text(x, y - size * 0.12, "I", ha="center", va="center", fontsize=_FONT, fontweight="bold", color="#5a3d00",
              zorder=3)
    return [(x - size / 2, y - size * 0.43), (x + size / 2, y - size * 0.43), (x, y + size * 0.43)]


def _shown_stages(stages: pd.DataFrame, max_stages: int) -> tuple[pd.DataFrame, str]:
    """The stages drawn (the `max_stages` most visited, in process order) and, when some are left out, a sentence
    saying which and how much of the visits the drawn ones hold."""
    if len(stages) <= max_stages:
        return stages, ""
    visits = stages["visits"].astype(float)
    kept = visits.sort_values(ascending=False, kind="stable").index[:max_stages]
    shown = stages.loc[sorted(kept)].reset_index(drop=True)
    share = float(visits.loc[kept].sum() / visits.sum()) if visits.sum() > 0 else float("nan")
    return shown, (f"showing the {max_stages} most visited of {len(stages):,} activities "
                   f"({format_share(share, 0)} of all visits)")


def draw_value_stream_map(
    stage_summary: pd.DataFrame,
    case_summary: pd.DataFrame,
    *,
    title: str = "Value stream map",
    max_stages: int = MAX_STAGES,
) -> Figure:
    """The value stream map as a figure no wider than `PROJECTOR_WIDTH_IN`, every text at least `MIN_FONT_PT`.

    Rows of at most `STAGES_PER_ROW` stages read left to right; the totals (mean lead time, work and flow
    efficiency) stand in one line under the title. A log with more than `max_stages` activities shows its most
    visited ones, and says so under the title.
    """
    require_columns(stage_summary, (ACTIVITY, "visits", "wait_mean_h", "work_mean_h"))
    if stage_summary.empty:
        raise EventLogError("cannot draw a value stream map without stages (the stage summary is empty)")
    all_stages = stage_summary.reset_index(drop=True)
    stages, left_out = _shown_stages(all_stages, max_stages)
    n = len(stages)
    per_row = min(n, STAGES_PER_ROW)
    rows = math.ceil(n / per_row)
    lead_mean, work_mean, efficiency, cases = _case_totals(case_summary)

    header = 1.75 + (0.3 if left_out else 0.0)
    width = max(per_row * _SLOT + 0.4, 8.0)
    height = header + rows * _ROW_HEIGHT + 0.1
    figure = Figure(figsize=(width, height))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    y = height - 0.3
    axes.text(0.2, y, title, fontsize=16, fontweight="bold", va="center")
    y -= 0.38
    axes.text(0.2, y, "boxes: mean work per visit · triangles: mean wait before the stage · time line: wait up, "
              "work down", fontsize=_FONT, color="#555555", va="center")
    if left_out:
        y -= 0.3
        axes.text(0.2, y, left_out, fontsize=_FONT, color="#9a3a12", va="center")
    y -= 0.42
    x = 0.2
    for label, value, colour in (
        ("Lead time (mean)", format_hours(lead_mean), "#222222"),
        ("Work (mean)", format_hours(work_mean), WORK_COLOUR),
        ("Flow efficiency", format_share(efficiency), "#2b5b84"),
        ("Cases", f"{cases:,}", "#222222"),
    ):
        axes.text(x, y, label, fontsize=_FONT, color="#555555", va="center")
        x += text_width_in(label, _FONT) + 0.1
        axes.text(x, y, value, fontsize=15, fontweight="bold", color=colour, va="center")
        x += text_width_in(value, 15, "bold") + 0.35
    wait_sum = float(stages["wait_mean_h"].astype(float).sum())
    work_sum = float(stages["work_mean_h"].astype(float).sum())
    note = (f"flow efficiency = total work ÷ total lead time; time-line sums (one visit per stage): wait "
            f"{format_hours(wait_sum)}, work {format_hours(work_sum)}")
    note, note_size = fit_label(note, width - 0.4, fontsize=_FONT, max_lines=1, min_fontsize=_FONT)
    axes.text(0.2, y - 0.33, note, fontsize=note_size, color="#555555", va="center")

    has_resource = "resource" in stages.columns
    # the shapes repeated per stage, drawn as one collection each (a few artists instead of hundreds)
    triangles: list[list[tuple[float, float]]] = []
    time_lines: list[list[tuple[float, float]]] = []
    wait_bars: list[list[tuple[float, float]]] = []
    work_bars: list[list[tuple[float, float]]] = []
    for index, stage in stages.iterrows():
        row, column = divmod(int(index), per_row)
        top = height - header - row * _ROW_HEIGHT  # top of this row
        x0 = 0.2 + column * _SLOT
        box_x = x0 + _BOX_LEFT
        box_top, box_bottom = top - 0.15, top - 0.15 - _BOX_HEIGHT
        middle = box_bottom + (_BOX_HEIGHT - _HEAD_HEIGHT) / 2
        wait_h = float(stage["wait_mean_h"])
        work_h = float(stage["work_mean_h"])
        # wait triangle before the box
        triangles.append(_triangle(axes, x0 + _BOX_LEFT / 2 - 0.02, middle, 0.46))
        axes.annotate("", xy=(box_x, middle), xytext=(x0 + _BOX_LEFT - 0.06, middle),
                      arrowprops={"arrowstyle": "-|>", "color": "#777777", "lw": 0.8})
        # the process box: a header with the name, then who, work and visits
        axes.add_patch(FancyBboxPatch((box_x, box_bottom), _BOX_WIDTH, _BOX_HEIGHT,
                                      boxstyle="round,pad=0,rounding_size=0.06", facecolor="#e8f1fa",
                                      edgecolor="#2b5b84", linewidth=1.2))
        axes.add_patch(FancyBboxPatch((box_x, box_top - _HEAD_HEIGHT), _BOX_WIDTH, _HEAD_HEIGHT,
                                      boxstyle="round,pad=0,rounding_size=0.06", facecolor="#2b5b84",
                                      edgecolor="#2b5b84", linewidth=1.2))
        name, name_size = fit_label(str(stage[ACTIVITY]), _BOX_WIDTH - 0.12, fontsize=_FONT, max_lines=3,
                                    min_fontsize=_FONT, weight="bold")
        axes.text(box_x + _BOX_WIDTH / 2, box_top - _HEAD_HEIGHT / 2, name, ha="center", va="center",
                  fontsize=name_size, color="white", fontweight="bold", linespacing=1.0)
        resource = str(stage["resource"]) if has_resource and pd.notna(stage["resource"]) else ""
        lines = [
            (fit_label(resource, _BOX_WIDTH - 0.16, fontsize=_FONT, max_lines=2, min_fontsize=_FONT)[0], "#333333",
             "normal") if resource else None,
            (f"work {format_hours(work_h)}", WORK_COLOUR, "bold"),
            (f"visits {int(stage['visits']):,}", "#333333", "normal"),
        ]
        y = box_top - _HEAD_HEIGHT - 0.08
        for text, colour, weight in [item for item in lines if item is not None]:
            axes.text(box_x + 0.08, y, text, ha="left", va="top", fontsize=_FONT, color=colour, fontweight=weight,
                      linespacing=1.0)
            y -= 0.25 * (text.count("\n") + 1) + 0.04
        # the time line: wait up (under the triangle), work down (under the box)
        up, down = box_bottom - 0.4, box_bottom - 0.85
        line_start = x0 - (_SLOT - _BOX_LEFT - _BOX_WIDTH) if column > 0 else x0
        time_lines.append([(line_start, down if column > 0 else up), (line_start, up), (box_x, up), (box_x, down),
                           (box_x + _BOX_WIDTH, down)])  # fmt: skip
        wait_bars.append([(line_start, up), (box_x, up)])
        work_bars.append([(box_x, down), (box_x + _BOX_WIDTH, down)])
        axes.text((line_start + box_x) / 2, up + 0.06, format_hours(wait_h), ha="center", va="bottom",
                  fontsize=_FONT, color=WAIT_COLOUR, fontweight="bold")
        axes.text(box_x + _BOX_WIDTH / 2, down - 0.08, format_hours(work_h), ha="center", va="top", fontsize=_FONT,
                  color=WORK_COLOUR, fontweight="bold")
    axes.add_collection(PolyCollection(triangles, facecolors="#f5c26b", edgecolors="#9a6a12", linewidths=1.0,
                                       zorder=2))  # fmt: skip
    axes.add_collection(LineCollection(time_lines, colors="#444444", linewidths=1.3, joinstyle="miter", zorder=2))
    axes.add_collection(LineCollection(wait_bars, colors=WAIT_COLOUR, linewidths=3.5, capstyle="butt", zorder=2.1))
    axes.add_collection(LineCollection(work_bars, colors=WORK_COLOUR, linewidths=3.5, capstyle="butt", zorder=2.1))
    return figure


def plot_value_stream_map(
    stage_summary: pd.DataFrame,
    case_summary: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Value stream map",
    max_stages: int = MAX_STAGES,
) -> list[Path]:
    """Draw the value stream map (`draw_value_stream_map`) and write it as PNG and SVG; return the written paths.

    Args:
        stage_summary: one row per stage in process order (e.g. `summarize_value_stream`), with `concept:name`,
            `visits`, `wait_mean_h`, `work_mean_h` and optionally `resource`.
        case_summary: one row per case with `lead_time_h` and `work_h` (e.g. `compute_case_times`), for the
            totals: mean lead time, mean work time and flow efficiency (total work / total lead time).
        path: output path; `.png` and `.svg` are written beside each other.
        title: figure title.
        max_stages: most stages drawn (the most visited; the figure says how many were left out).
    """
    return save_figure(draw_value_stream_map(stage_summary, case_summary, title=title, max_stages=max_stages), path)
