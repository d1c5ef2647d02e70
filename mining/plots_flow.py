"""Work in progress and queue lengths over time, as step plots."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from mining.errors import EventLogError
from mining.plots_common import ROOM_STYLE, choose_time_unit, save_figure, wrap_label
from mining.stage_times import require_columns
from mining.time_units import format_hours, format_number

__all__ = ["draw_lead_time_histogram", "draw_queue_lengths", "plot_lead_time_histogram", "plot_queue_lengths"]

_PERIOD_NAMES = {"h": "hour", "D": "day", "W": "week", "MS": "month", "ME": "month"}
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
    period: str | None = None,
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
        period: with datetime times, draw the mean per period (a pandas alias such as "D") of hourly samples
            of the step function instead of every step: long runs stay readable.
    """
    columns = (time_column, value_column) if group_column is None else (time_column, value_column, group_column)
    require_columns(series, columns)
    if series.empty:
        raise EventLogError(f"cannot plot {title.lower()}: the table is empty")
    return save_figure(draw_queue_lengths(series, time_column, value_column, group_column, title=title,
                                          value_label=value_label, period=period), path)


@rc_context(ROOM_STYLE)  # text made for a room: the settings apply to the artists made inside
def draw_queue_lengths(series: pd.DataFrame, time_column: str, value_column: str, group_column: str | None, *,
                       title: str, value_label: str, period: str | None) -> Figure:
    """The step plot of `plot_queue_lengths` as a figure (its arguments are the same)."""
    figure = Figure(figsize=(11.0, 5.0), layout="constrained")
    axes = figure.add_subplot()
    if group_column is None:
        groups = [(None, series)]
    else:
        means = series.groupby(group_column)[value_column].mean().sort_values(ascending=False)
        keep = list(means.index[:MAX_SERIES])
        groups = [(name, series[series[group_column] == name]) for name in keep]
    smooth = period is not None and pd.api.types.is_datetime64_any_dtype(series[time_column])
    for name, group in groups:
        ordered = group.sort_values(time_column, kind="stable")
        label = None if name is None else wrap_label(str(name), 24)
        if smooth:
            steps = ordered.drop_duplicates(time_column, keep="last").set_index(time_column)[value_column]
            means = steps.resample("1h").last().ffill().resample(period).mean()
            axes.plot(means.index, means.to_numpy(dtype=float), linewidth=1.6, label=label)
        else:
            axes.step(ordered[time_column], ordered[value_column], where="post", linewidth=1.2, label=label)
    axes.set_title(title if group_column is None or len(groups) == series[group_column].nunique()
                   else f"{title} (the {len(groups)} longest on average)")
    axes.set_xlabel("time (UTC)" if pd.api.types.is_datetime64_any_dtype(series[time_column]) else time_column)
    axes.set_ylabel(f"{value_label} (mean per {_PERIOD_NAMES.get(str(period), period)})" if smooth else value_label)
    axes.set_ylim(bottom=0)
    axes.grid(alpha=0.3)
    if group_column is not None:
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.autofmt_xdate()
    return figure


def plot_lead_time_histogram(lead_times_h: np.ndarray, path: str | Path, *, title: str = "Lead time") -> list[Path]:
    """Histogram of case lead times (hours in, readable unit on the axis) with p50/p85/p95 lines; PNG and SVG."""
    values = np.asarray(lead_times_h, dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        raise EventLogError(f"cannot plot {title.lower()}: no finite lead times")
    return save_figure(draw_lead_time_histogram(values, title), path)


@rc_context(ROOM_STYLE)  # text made for a room: the settings apply to the artists made inside
def draw_lead_time_histogram(values: np.ndarray, title: str = "Lead time") -> Figure:
    """The histogram of `plot_lead_time_histogram` as a figure, of finite lead times in hours."""
    unit, factor = choose_time_unit(float(np.median(values)))
    figure = Figure(figsize=(10.0, 5.0), layout="constrained")
    axes = figure.add_subplot()
    bins: int | np.ndarray = min(60, max(10, len(values) // 20))
    scaled = values * factor
    positive = scaled[scaled > 0]
    skewed = len(positive) > 1 and np.quantile(positive, 0.95) > 10 * np.median(positive)
    if skewed:  # a long tail squeezes a linear histogram into one bar: use log-spaced bins
        scaled = positive
        bins = np.geomspace(positive.min(), positive.max(), bins + 1)
        axes.set_xscale("log")
        # plain numbers (0.1, 1, 10, 1,000) instead of matplotlib's 10^n in mathtext: they read at a glance in a
        # room, and mathtext's parser costs a tenth of a second the first time it runs
        axes.xaxis.set_major_formatter(FuncFormatter(_plain_number))
        axes.xaxis.set_minor_formatter(NullFormatter())
    # matplotlib's stub types `bins` as int | Sequence[float] | str | None, but hist takes any array-like edges
    axes.hist(scaled, bins=bins, color="#1f77b4", alpha=0.75, edgecolor="white")  # type: ignore[arg-type]
    for quantile, style in ((0.5, "-"), (0.85, "--"), (0.95, ":")):
        hours = float(np.quantile(values, quantile))
        axes.axvline(hours * factor, color="#333333", linestyle=style, linewidth=1.2,
                     label=f"p{round(quantile * 100)} = {format_hours(hours, (unit, factor))}")
    axes.set_xlabel(f"lead time ({unit}{', log scale' if skewed else ''})")
    axes.set_ylabel("cases")
    axes.set_title(f"{title} distribution ({len(values):,} cases)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper right")
    return figure


def _plain_number(value: float, _: int | None = None) -> str:
    """A tick label of a log axis as a plain number: 0.01, 0.1, 1, 10, 1,000."""
    return format_number(value, max(0, -math.floor(math.log10(value))))

