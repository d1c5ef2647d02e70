"""Plots of a comparison of two logs: the lead-time CDFs overlaid, and per-stage wait/work bars side by side."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mining.errors import EventLogError
from mining.plots_common import SIDE_COLOURS, choose_time_unit, save_figure, wrap_label
from mining.stage_times import require_columns

__all__ = ["plot_lead_time_cdf", "plot_stage_comparison"]


def plot_lead_time_cdf(
    lead_times_a_h: np.ndarray,
    lead_times_b_h: np.ndarray,
    path: str | Path,
    *,
    labels: Sequence[str] = ("A", "B"),
    wasserstein_relative: float | None = None,
    ks_statistic: float | None = None,
) -> list[Path]:
    """Overlay the empirical lead-time CDFs of logs A and B (hours in, readable unit on the axis); PNG and SVG.

    `labels` are the display names of A and B (the legend says "A: …", "B: …"). When given, the Wasserstein
    distance relative to B's mean lead time and the KS statistic are printed in the title.
    """
    a = np.sort(np.asarray(lead_times_a_h, dtype=float))
    b = np.sort(np.asarray(lead_times_b_h, dtype=float))
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if len(a) == 0 or len(b) == 0:
        raise EventLogError("cannot plot lead-time CDFs: one of the logs has no finite lead times")
    both = np.concatenate([a, b])
    unit, factor = choose_time_unit(float(np.quantile(both, 0.75)))
    positive = both[both > 0]
    # a long tail or two logs far apart squeeze one curve against the axis: log time axis then
    log_scale = len(positive) > 1 and np.quantile(positive, 0.95) > 30 * np.quantile(positive, 0.05)
    figure = Figure(figsize=(8.5, 5.0))
    axes = figure.add_subplot()
    floor = float(positive.min()) * factor if log_scale else 0.0
    for values, label, colour in ((a, f"A: {labels[0]}", SIDE_COLOURS[0]), (b, f"B: {labels[1]}", SIDE_COLOURS[1])):
        shown = np.maximum(values * factor, floor) if log_scale else values * factor
        axes.step(np.r_[floor, shown], np.r_[0.0, np.arange(1, len(values) + 1) / len(values)],
                  where="post", color=colour, linewidth=2.0, label=f"{label} ({len(values):,} cases)")
        axes.axvline(np.quantile(values, 0.85) * factor, color=colour, linestyle=":", linewidth=1.2)
    axes.set_xlabel(f"lead time ({unit}{', log scale' if log_scale else ''})")
    axes.set_ylabel("share of cases finished within (CDF)")
    axes.set_ylim(0, 1.02)
    if log_scale:
        axes.set_xscale("log")
        axes.set_xlim(left=floor)
    else:
        axes.set_xlim(left=0)
    axes.grid(alpha=0.3)
    lines = []
    if wasserstein_relative is not None:
        lines.append(f"Wasserstein / mean lead time of B {wasserstein_relative:.3f}")
    if ks_statistic is not None:
        lines.append(f"KS statistic {ks_statistic:.3f}")
    title = "Lead time distribution (dotted: 85th percentile)"
    axes.set_title(title + ("\n" + " · ".join(lines) if lines else ""), fontsize=11)
    axes.legend(loc="upper left")
    figure.tight_layout()
    return save_figure(figure, path)


def plot_stage_comparison(
    stages: pd.DataFrame,
    path: str | Path,
    *,
    labels: Sequence[str] = ("A", "B"),
    max_stages: int = 30,
) -> list[Path]:
    """Horizontal bars of mean wait and work per stage for both logs (the `Comparison.stages` table); PNG and SVG.

    Each stage gets two stacked bars (wait then work), one per log (A on top), and its visit counts under its
    name; stages keep the table's ranking (first on top) and at most `max_stages` are drawn. A stage absent from
    one log gets the word "absent" instead of a bar, a stage with few visits is marked "few visits", and a side
    whose wait/work split is estimated from completions says so in the legend.
    """
    require_columns(stages, ("stage", "visits_a", "visits_b", "wait_mean_h_a", "work_mean_h_a", "wait_mean_h_b",
                             "work_mean_h_b"))
    table = stages.head(max_stages).iloc[::-1].reset_index(drop=True)
    if table.empty:
        raise EventLogError("cannot plot the stage comparison: the stage table is empty")
    totals = pd.concat([table["wait_mean_h_a"].fillna(0) + table["work_mean_h_a"].fillna(0),
                        table["wait_mean_h_b"].fillna(0) + table["work_mean_h_b"].fillna(0)])
    unit, factor = choose_time_unit(float(totals.max()))
    n = len(table)
    figure = Figure(figsize=(10.0, max(3.0, 0.62 * n + 1.8)))
    axes = figure.add_subplot()
    positions = np.arange(n)
    height = 0.38
    for offset, side, label, colour in ((height / 2, "a", f"A: {labels[0]}", SIDE_COLOURS[0]),
                                        (-height / 2, "b", f"B: {labels[1]}", SIDE_COLOURS[1])):
        estimated = ("estimated_" + side in table.columns
                     and bool(table["estimated_" + side].astype("boolean").fillna(False).any()))
        note = " (estimated from completions)" if estimated else ""
        absent = table[f"visits_{side}"].to_numpy() == 0
        wait = table[f"wait_mean_h_{side}"].fillna(0).to_numpy(dtype=float) * factor
        work = table[f"work_mean_h_{side}"].fillna(0).to_numpy(dtype=float) * factor
        axes.barh(positions + offset, wait, height=height, color=colour, alpha=0.45, edgecolor=colour,
                  label=f"{label}: wait{note}")
        axes.barh(positions + offset, work, left=wait, height=height, color=colour, edgecolor=colour,
                  label=f"{label}: work{note}")
        for position in positions[absent]:
            axes.text(0, position + offset, f" absent in {label[0]}", va="center", ha="left", fontsize=8,
                      color=colour, style="italic")
    few = (table["small_sample"].astype("boolean").fillna(False).to_numpy(dtype=bool)
           if "small_sample" in table.columns else np.zeros(n, dtype=bool))
    names = [f"{wrap_label(name, 34, 2)}\n{visits_a:,} / {visits_b:,} visits{' · small sample' if small else ''}"
             for name, visits_a, visits_b, small in zip(table["stage"], table["visits_a"], table["visits_b"], few,
                                                         strict=True)]
    axes.set_yticks(positions, names, fontsize=8)
    for tick, small in zip(axes.get_yticklabels(), few, strict=True):
        if small:
            tick.set_color("#8a6d00")
    axes.set_xlabel(f"mean time per visit ({unit}); light = wait, dark = work")
    axes.set_title("Wait and work per stage (ranked as in the stage table; visits A / B under each name)",
                   fontsize=11)
    axes.grid(axis="x", alpha=0.3)
    axes.set_ylim(-0.7, n - 0.3)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    return save_figure(figure, path)
