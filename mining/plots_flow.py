"""Work in progress and queue lengths over time, as step plots."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from mining.errors import EventLogError
from mining.plots_common import save_figure
from mining.stage_times import require_columns

__all__ = ["plot_queue_lengths"]

MAX_SERIES = 8
"""Most queues drawn in one plot; the ones with the largest mean length are kept."""


def plot_queue_lengths(
    series: pd.DataFrame,
    path: str | Path,
    *,
    time_column: str = "time",
    value_column: str = "wip",
    group_column: str | None = None,
    title: str = "Work in progress over time",
    value_label: str = "open work items",
) -> list[Path]:
    """Step plot of a count over time (WIP from `compute_wip`, or queue lengths per stage); write PNG and SVG.

    Args:
        series: rows of (`time_column`, `value_column`) meaning "the count from this moment on", optionally in
            long format with one series per value of `group_column` (e.g. the stage of a queue).
        path: output path; `.png` and `.svg` are written.
        time_column: datetime (or numeric) column.
        value_column: the count.
        group_column: column naming the series; at most `MAX_SERIES` with the largest mean are drawn.
        title: figure title.
        value_label: y-axis label (it is a count of items).
    """
    columns = (time_column, value_column) if group_column is None else (time_column, value_column, group_column)
    require_columns(series, columns)
    if series.empty:
        raise EventLogError(f"cannot plot {title.lower()}: the table is empty")
    figure = Figure(figsize=(10.0, 4.5))
    axes = figure.add_subplot()
    if group_column is None:
        groups = [(None, series)]
    else:
        means = series.groupby(group_column)[value_column].mean().sort_values(ascending=False)
        keep = list(means.index[:MAX_SERIES])
        groups = [(name, series[series[group_column] == name]) for name in keep]
    for name, group in groups:
        ordered = group.sort_values(time_column, kind="stable")
        axes.step(ordered[time_column], ordered[value_column], where="post", linewidth=1.2,
                  label=None if name is None else str(name))
    axes.set_title(title if group_column is None or len(groups) == series[group_column].nunique()
                   else f"{title} (the {len(groups)} longest on average)")
    axes.set_xlabel("time (UTC)" if pd.api.types.is_datetime64_any_dtype(series[time_column]) else time_column)
    axes.set_ylabel(value_label)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if group_column is not None:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    figure.autofmt_xdate()
    figure.tight_layout()
    return save_figure(figure, path)
