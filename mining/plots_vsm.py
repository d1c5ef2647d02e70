"""The value stream map: stage boxes left to right, the wait between them, and the wait/work time line underneath.

The picture trainers draw by hand — weeks of lead time around days of work — from any log, mined or simulated.
Long value streams wrap into rows of at most `STAGES_PER_ROW` stages.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Polygon

from mining.columns import ACTIVITY, CASE, RESOURCE
from mining.errors import EventLogError
from mining.plots_common import WAIT_COLOUR, WORK_COLOUR, fit_label, format_hours, save_figure, text_width_in
from mining.stage_measures import summarize_stages
from mining.stage_times import require_columns

__all__ = ["GROUP", "STAGES_PER_ROW", "attach_groups", "plot_value_stream_map", "summarize_value_stream"]

GROUP = "org:group"
"""XES key of the team a resource belongs to (simulated logs: `org:resource` is the person, this the team)."""

STAGES_PER_ROW = 7
"""Most stages drawn in one row of the map; longer streams wrap."""
_SLOT = 2.3  # width of one stage column (triangle + box), figure inches
_BOX_LEFT = 0.7  # box starts this far into its column
_BOX_WIDTH = 1.5
_ROW_HEIGHT = 3.0
_SUMMARY_WIDTH = 2.8


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


def _draw_triangle(axes, x: float, y: float, size: float) -> None:
    axes.add_patch(Polygon([(x - size / 2, y - size * 0.43), (x + size / 2, y - size * 0.43), (x, y + size * 0.43)],
                           closed=True, facecolor="#f5c26b", edgecolor="#9a6a12", linewidth=1.0))
    axes.text(x, y - size * 0.12, "I", ha="center", va="center", fontsize=8, fontweight="bold", color="#5a3d00")


def plot_value_stream_map(
    stage_summary: pd.DataFrame,
    case_summary: pd.DataFrame,
    path: str | Path,
    *,
    title: str = "Value stream map",
) -> list[Path]:
    """Draw the value stream map and write it as PNG and SVG; return the written paths.

    Args:
        stage_summary: one row per stage in process order (e.g. `summarize_value_stream`), with `concept:name`,
            `visits`, `wait_mean_h`, `work_mean_h` and optionally `resource`.
        case_summary: one row per case with `lead_time_h` and `work_h` (e.g. `compute_case_times`), for the
            totals box: mean lead time, mean work time and flow efficiency (total work / total lead time).
        path: output path; `.png` and `.svg` are written beside each other.
        title: figure title.
    """
    require_columns(stage_summary, (ACTIVITY, "visits", "wait_mean_h", "work_mean_h"))
    if stage_summary.empty:
        raise EventLogError("cannot draw a value stream map without stages (the stage summary is empty)")
    stages = stage_summary.reset_index(drop=True)
    n = len(stages)
    per_row = min(n, STAGES_PER_ROW)
    rows = math.ceil(n / per_row)
    lead_mean, work_mean, efficiency, cases = _case_totals(case_summary)

    width = per_row * _SLOT + 0.3 + _SUMMARY_WIDTH + 0.3
    height = rows * _ROW_HEIGHT + 0.7
    figure = Figure(figsize=(width, height))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, width)
    axes.set_ylim(0, height)
    axes.set_axis_off()
    axes.text(0.2, height - 0.35, title, fontsize=15, fontweight="bold", va="center")
    axes.text(0.2 + text_width_in(title, 15, "bold") + 0.3, height - 0.37,
              "boxes: mean work per visit · triangles: mean wait before the stage · time line: wait up, work down",
              fontsize=10, color="#555555", va="center")

    has_resource = "resource" in stages.columns
    for index, stage in stages.iterrows():
        row, column = divmod(int(index), per_row)
        top = height - 0.7 - row * _ROW_HEIGHT  # top of this row
        x0 = 0.2 + column * _SLOT
        box_x = x0 + _BOX_LEFT
        box_top, box_bottom = top - 0.2, top - 1.65
        wait_h = float(stage["wait_mean_h"])
        work_h = float(stage["work_mean_h"])
        # wait triangle before the box, with its mean wait
        _draw_triangle(axes, x0 + _BOX_LEFT / 2, box_bottom + 0.75, 0.42)
        axes.annotate("", xy=(box_x, box_bottom + 0.75), xytext=(x0 + _BOX_LEFT - 0.08, box_bottom + 0.75),
                      arrowprops={"arrowstyle": "-|>", "color": "#777777", "lw": 0.8})
        # the process box
        axes.add_patch(FancyBboxPatch((box_x, box_bottom), _BOX_WIDTH, box_top - box_bottom,
                                      boxstyle="round,pad=0,rounding_size=0.06", facecolor="#e8f1fa",
                                      edgecolor="#2b5b84", linewidth=1.2))
        axes.add_patch(FancyBboxPatch((box_x, box_top - 0.5), _BOX_WIDTH, 0.5,
                                      boxstyle="round,pad=0,rounding_size=0.06", facecolor="#2b5b84",
                                      edgecolor="#2b5b84", linewidth=1.2))
        name, name_size = fit_label(str(stage[ACTIVITY]), _BOX_WIDTH - 0.16, fontsize=9.5, max_lines=2,
                                    min_fontsize=7.0, weight="bold")
        axes.text(box_x + _BOX_WIDTH / 2, box_top - 0.25, name, ha="center", va="center", fontsize=name_size,
                  color="white", fontweight="bold", linespacing=1.0)
        resource = str(stage["resource"]) if has_resource and pd.notna(stage["resource"]) else ""
        lines = [
            (*fit_label(resource, _BOX_WIDTH - 0.2, fontsize=9.5, max_lines=1, min_fontsize=7.0), "#333333",
             "normal") if resource else None,
            (f"work {format_hours(work_h)}", 9.5, WORK_COLOUR, "bold"),
            (f"visits {int(stage['visits']):,}", 9.5, "#333333", "normal"),
        ]
        y = box_top - 0.67
        for text, size, colour, weight in [item for item in lines if item is not None]:
            axes.text(box_x + 0.1, y, text, ha="left", va="center", fontsize=size, color=colour, fontweight=weight)
            y -= 0.28
        # the time line: wait up (under the triangle), work down (under the box)
        up, down = box_bottom - 0.45, box_bottom - 0.95
        line_start = x0 - (_SLOT - _BOX_LEFT - _BOX_WIDTH) if column > 0 else x0
        axes.plot([line_start, line_start, box_x, box_x, box_x + _BOX_WIDTH],
                  [down if column > 0 else up, up, up, down, down],
                  color="#444444", linewidth=1.3, solid_joinstyle="miter")
        axes.plot([line_start, box_x], [up, up], color=WAIT_COLOUR, linewidth=3.5, solid_capstyle="butt")
        axes.plot([box_x, box_x + _BOX_WIDTH], [down, down], color=WORK_COLOUR, linewidth=3.5, solid_capstyle="butt")
        axes.text((line_start + box_x) / 2, up + 0.1, format_hours(wait_h), ha="center", va="bottom", fontsize=10,
                  color=WAIT_COLOUR, fontweight="bold")
        axes.text(box_x + _BOX_WIDTH / 2, down - 0.1, format_hours(work_h), ha="center", va="top", fontsize=10,
                  color=WORK_COLOUR, fontweight="bold")
        if column == per_row - 1 and index < n - 1:
            axes.text(box_x + _BOX_WIDTH + 0.05, box_bottom + 0.75, "↩", fontsize=14, color="#777777",
                      va="center", ha="left")

    # the totals box, right of the first row
    box_x = 0.2 + per_row * _SLOT + 0.2
    box_top = height - 0.9
    axes.add_patch(FancyBboxPatch((box_x, box_top - 2.2), _SUMMARY_WIDTH - 0.2, 2.2,
                                  boxstyle="round,pad=0,rounding_size=0.08", facecolor="#fff8e6",
                                  edgecolor="#9a6a12", linewidth=1.2))
    totals = [
        ("Lead time (mean, all cases)", format_hours(lead_mean), "#222222"),
        ("Work time (mean, all cases)", format_hours(work_mean), WORK_COLOUR),
        ("Flow eff. (total work ÷ lead)", "n/a" if math.isnan(efficiency) else f"{efficiency:.1%}", "#2b5b84"),
    ]
    y = box_top - 0.3
    for label, value, colour in totals:
        axes.text(box_x + 0.15, y, label, fontsize=10.5, color="#555555", va="center")
        axes.text(box_x + 0.15, y - 0.3, value, fontsize=16, fontweight="bold", color=colour, va="center")
        y -= 0.65
    wait_sum = float(stages["wait_mean_h"].astype(float).sum())
    work_sum = float(stages["work_mean_h"].astype(float).sum())
    axes.text(box_x + 0.15, box_top - 2.35,
              f"{cases:,} cases\ntime line sums: wait {format_hours(wait_sum)},\nwork {format_hours(work_sum)} "
              "(one visit per stage)", fontsize=9, color="#555555", va="top", linespacing=1.4)
    return save_figure(figure, path)
