"""The charts of a sweep: each variant's paired difference to the baseline, with its 95% CI, around a zero line.

Replication r of every variant shares its random numbers with replication r of the baseline, so the chart shows the
paired difference (variant − baseline, replication by replication) and its interval: a bar whose interval crosses
the zero line is no real difference, and is drawn hatched and pale.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from mining.plots_common import SIDE_COLOURS, WORK_COLOUR, choose_time_unit, save_figure

__all__ = ["plot_sweep", "plot_sweep_groups"]

_LABEL_WIDTH = 34
"""Characters per line of a variant label; a longer label takes more lines, never cut."""
_VARIANT_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22")
_NOT_REAL_ALPHA = 0.35
_NOT_REAL_HATCH = "///"


def plot_sweep(table: pd.DataFrame, path: str | Path, *, baseline: str = "baseline") -> list[Path]:
    """Paired differences to the baseline, one row per variant: lead time (mean, p85), flow efficiency,
    throughput and SLA attainment, each with its 95% CI; saved as PNG and SVG.

    `table` is the sweep's `variants.csv` (`sim.variants.compare_variants` columns: hours and fractions 0–1).
    """
    reference = table.loc[table["variant"] == baseline]
    rows = table.loc[table["variant"] != baseline].iloc[::-1].reset_index(drop=True)  # barh draws bottom-up
    labels = [_wrap(name) for name in rows["variant"]]
    lines = sum(label.count("\n") + 1 for label in labels)
    figure = Figure(figsize=(16, 2.2 + 0.3 * lines + 0.25 * len(rows)), layout="constrained")
    if rows.empty:
        figure.text(0.5, 0.5, "no variant besides the baseline", ha="center")
        return save_figure(figure, path)
    axes = figure.subplots(1, 4, sharey=True, width_ratios=(3, 2, 2, 2))
    unit, factor = choose_time_unit(_reach(rows, ("lead_time_mean", "lead_time_p85"), "_h"))
    positions = np.arange(len(rows), dtype="float64")
    for stem, shift, colour in (("lead_time_mean", 0.2, SIDE_COLOURS[0]), ("lead_time_p85", -0.2, SIDE_COLOURS[1])):
        _bars(axes[0], rows, stem, unit="_h", positions=positions + shift, factor=factor, colour=colour, height=0.38)
    for panel, stem, unit_suffix, scale, colour in (
        (axes[1], "flow_efficiency_total", "", 100.0, WORK_COLOUR),
        (axes[2], "throughput", "_per_day", 1.0, "#6a5acd"),
        (axes[3], "sla_attainment", "", 100.0, "#b8860b"),
    ):
        _bars(panel, rows, stem, unit=unit_suffix, positions=positions, factor=scale, colour=colour)
    base = reference.iloc[0] if not reference.empty else None
    titles = (
        f"Lead time\nbaseline: mean {_shown(base, 'lead_time_mean_h', factor)} {unit}, "
        f"p85 {_shown(base, 'lead_time_p85_h', factor)} {unit}",
        f"Flow efficiency (total work / total lead time)\nbaseline {_shown(base, 'flow_efficiency_total', 100.0)} %",
        f"Throughput\nbaseline {_shown(base, 'throughput_per_day', 1.0)} cases/day",
        f"SLA attainment\nbaseline {_shown(base, 'sla_attainment', 100.0)} %",
    )
    x_labels = (
        f"Δ lead time vs baseline ({unit})",
        "Δ flow efficiency (percentage points)",
        "Δ throughput (cases/day)",
        "Δ SLA attainment (percentage points)",
    )
    for panel, title, x_label in zip(axes, titles, x_labels, strict=True):
        _finish(panel, title, x_label)
    axes[0].set_yticks(positions, labels)
    figure.legend(
        handles=[
            Patch(color=SIDE_COLOURS[0], label="lead time mean"),
            Patch(color=SIDE_COLOURS[1], label="lead time 85th percentile"),
            *_real_handles(),
        ],
        loc="outside lower left",
        ncols=4,
        fontsize="small",
        frameon=False,
    )
    figure.suptitle("Paired difference to the baseline (variant − baseline, same random numbers), with 95% CI")
    return save_figure(figure, path)


def plot_sweep_groups(
    by_class: pd.DataFrame, by_stream: pd.DataFrame, path: str | Path, *, baseline: str = "baseline"
) -> list[Path]:
    """The paired difference of the mean lead time per stream and per work item class, a bar per variant with
    its 95% CI; saved as PNG and SVG.

    `by_class` and `by_stream` are the sweep's `variants_by_class.csv` (group column `item`) and
    `variants_by_stream.csv` (`stream`).
    """
    panels = [(frame, column) for frame, column in ((by_stream, "stream"), (by_class, "item")) if not frame.empty]
    variants = [name for name in dict.fromkeys(by_class["variant"]) if name != baseline]
    sizes = [max(frame[column].nunique(), 1) * max(len(variants), 1) for frame, column in panels]
    figure = Figure(figsize=(12, 1.8 + 0.22 * sum(sizes) + 0.5 * len(panels)), layout="constrained")
    if not panels or not variants:
        figure.text(0.5, 0.5, "no variant besides the baseline", ha="center")
        return save_figure(figure, path)
    axes = figure.subplots(len(panels), 1, height_ratios=sizes, squeeze=False)[:, 0]
    reach = max(_reach(frame.loc[frame["variant"] != baseline], ("lead_time_mean",), "_h") for frame, _ in panels)
    unit, factor = choose_time_unit(reach)
    colours = {name: _VARIANT_COLOURS[index % len(_VARIANT_COLOURS)] for index, name in enumerate(variants)}
    height = 0.8 / len(variants)
    for panel, (frame, column) in zip(axes, panels, strict=True):
        groups = list(dict.fromkeys(frame[column]))[::-1]
        centres = np.arange(len(groups), dtype="float64")
        for offset, name in enumerate(variants):
            rows = frame.loc[frame["variant"] == name].set_index(column).reindex(groups).reset_index()
            shift = 0.4 - height * (offset + 0.5)
            _bars(
                panel,
                rows,
                "lead_time_mean",
                unit="_h",
                positions=centres + shift,
                factor=factor,
                colour=colours[name],
                height=height * 0.9,
            )
        panel.set_yticks(centres, [_wrap(str(group)) for group in groups])
        title = "per stream" if column == "stream" else "per work item class"
        _finish(panel, f"Mean lead time, {title}", f"Δ mean lead time vs baseline ({unit})")
    figure.legend(
        handles=[*(Patch(color=colour, label=_wrap(name)) for name, colour in colours.items()), *_real_handles()],
        loc="outside lower left",
        ncols=min(len(colours) + 2, 4),
        fontsize="small",
        frameon=False,
    )
    figure.suptitle("Paired difference to the baseline by stream and item class, with 95% CI")
    return save_figure(figure, path)


def _bars(
    axes: Axes,
    rows: pd.DataFrame,
    stem: str,
    *,
    unit: str,
    positions: np.ndarray,
    factor: float,
    colour: str,
    height: float = 0.6,
) -> None:
    """Horizontal bars of the differences with CI error bars: solid where real, pale and hatched where not."""
    differences = rows[f"{stem}_diff{unit}"].astype("float64").to_numpy() * factor
    errors = _errors(rows[f"{stem}_diff_ci{unit}"]) * factor
    real = rows[f"{stem}_diff_real"].fillna(False).astype(bool).to_numpy()
    for selected, alpha, hatch in ((real, 1.0, None), (~real, _NOT_REAL_ALPHA, _NOT_REAL_HATCH)):
        if not selected.any():
            continue
        axes.barh(
            positions[selected],
            np.nan_to_num(differences[selected]),
            height=height,
            color=colour,
            alpha=alpha,
            hatch=hatch,
            edgecolor=colour,
            xerr=errors[selected],
            capsize=3,
            error_kw={"alpha": 1.0, "elinewidth": 1.0},
        )


def _finish(axes: Axes, title: str, x_label: str) -> None:
    axes.axvline(0.0, color="black", linewidth=1.0)
    axes.set_title(title, fontsize="medium")
    axes.set_xlabel(x_label)
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    low, high = axes.get_xlim()
    reach = max(abs(low), abs(high), 1e-9)
    axes.set_xlim(-reach, reach)  # zero in the middle: left of it is less, right more


def _real_handles() -> list[Patch]:
    return [
        Patch(facecolor="grey", label="real: 95% CI excludes 0"),
        Patch(
            facecolor="grey",
            alpha=_NOT_REAL_ALPHA,
            hatch=_NOT_REAL_HATCH,
            label="no real difference: CI contains 0",
        ),
    ]


def _reach(rows: pd.DataFrame, stems: tuple[str, ...], unit: str) -> float:
    """The largest |difference| + half-width among the columns, in hours (1 when there is none)."""
    values = [(rows[f"{stem}_diff{unit}"].abs() + _errors(rows[f"{stem}_diff_ci{unit}"])).max() for stem in stems]
    finite = [float(value) for value in values if pd.notna(value) and value > 0]
    return max(finite, default=1.0)


def _shown(row: pd.Series | None, column: str, factor: float) -> str:
    if row is None or pd.isna(row[column]):
        return "n/a"
    value = float(row[column]) * factor
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 1 else f"{value:,.2f}"


def _wrap(text: str) -> str:
    """A label on lines of at most `_LABEL_WIDTH` characters, broken after a comma or a space where possible."""
    lines: list[str] = []
    for part in str(text).split(", "):
        candidate = f"{lines[-1]}, {part}" if lines else part
        if lines and len(candidate) <= _LABEL_WIDTH:
            lines[-1] = candidate
        else:
            if lines:
                lines[-1] += ","
            lines += _split(part)
    return "\n".join(lines)


def _split(part: str) -> list[str]:
    """One setting `path=value` on lines of `_LABEL_WIDTH`, breaking at dots or spaces, never dropping text."""
    lines = [""]
    for piece in _pieces(part):
        if lines[-1] and len(lines[-1]) + len(piece) > _LABEL_WIDTH:
            lines.append("")
        lines[-1] += piece
    return [line.rstrip() for line in lines]


def _pieces(part: str) -> list[str]:
    pieces, current = [], ""
    for character in part:
        current += character
        if character in ". =" or len(current) >= _LABEL_WIDTH:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


def _errors(half_widths: pd.Series) -> np.ndarray:
    """CI half-widths for error bars; none (0) where a single replication gives no interval."""
    return np.array(
        [
            0.0 if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)
            for value in half_widths
        ],
        dtype="float64",
    )
