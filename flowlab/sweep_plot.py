"""The chart of a sweep: each variant's lead time (mean and p85) and flow efficiency with their 95% CIs."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from mining.plots_common import SIDE_COLOURS, WORK_COLOUR, choose_time_unit, save_figure, wrap_label

__all__ = ["plot_sweep"]


def plot_sweep(table: pd.DataFrame, path: str | Path) -> list[Path]:
    """Horizontal bars, one row per variant (baseline on top), with 95% CI error bars; saved as PNG and SVG.

    `table` is the sweep's variants table (`variant`, `lead_time_mean_h`, `lead_time_p85_h`, `flow_efficiency`,
    each with its `_ci` half-width column).
    """
    rows = table.iloc[::-1].reset_index(drop=True)  # barh draws bottom-up; the baseline should be on top
    labels = [wrap_label(name, 38) for name in rows["variant"]]
    unit, factor = choose_time_unit(float(rows[["lead_time_mean_h", "lead_time_p85_h"]].max().max()))
    height = 1.4 + 0.55 * len(rows)
    figure = Figure(figsize=(11, height), layout="constrained")
    lead_axes, efficiency_axes = figure.subplots(1, 2, sharey=True, width_ratios=(3, 2))
    positions = range(len(rows))
    lead_axes.barh(
        [p + 0.2 for p in positions],
        rows["lead_time_mean_h"] * factor,
        height=0.38,
        color=SIDE_COLOURS[0],
        xerr=_errors(rows["lead_time_mean_h_ci"]) * factor,
        capsize=3,
        label="mean",
    )
    lead_axes.barh(
        [p - 0.2 for p in positions],
        rows["lead_time_p85_h"] * factor,
        height=0.38,
        color=SIDE_COLOURS[1],
        xerr=_errors(rows["lead_time_p85_h_ci"]) * factor,
        capsize=3,
        label="85th percentile",
    )
    lead_axes.set_yticks(list(positions), labels)
    lead_axes.set_xlabel(f"lead time ({unit})")
    lead_axes.set_title("Lead time (95% CI)")
    figure.legend(loc="outside lower left", ncols=2, fontsize="small", frameon=False)
    efficiency_axes.barh(
        list(positions),
        rows["flow_efficiency"] * 100,
        height=0.6,
        color=WORK_COLOUR,
        xerr=_errors(rows["flow_efficiency_ci"]) * 100,
        capsize=3,
    )
    efficiency_axes.set_xlabel("flow efficiency (work / lead time, %)")
    efficiency_axes.set_title("Flow efficiency (95% CI)")
    for axes in (lead_axes, efficiency_axes):
        axes.grid(axis="x", alpha=0.3)
        axes.set_axisbelow(True)
    return save_figure(figure, path)


def _errors(half_widths: pd.Series) -> pd.Series:
    """CI half-widths for error bars; none (0) where a single replication gives no interval."""
    return half_widths.map(lambda value: 0.0 if value is None or math.isnan(value) else value)
