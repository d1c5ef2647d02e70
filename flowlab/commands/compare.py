"""`flowlab compare A B`: two event logs (or results folders) side by side — tables, distances, plots, report."""

from __future__ import annotations

import json
import math
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flowlab.folders import replace_folder
from flowlab.reading import read_log_with_repairs
from mining.errors import EventLogError

EVENT_LOG_FILE = "event_log.parquet"


def _log_path(path: Path) -> Path:
    """The event-log file of a command argument: the file itself, or `event_log.parquet` in a results folder."""
    if path.is_dir():
        inner = path / EVENT_LOG_FILE
        if not inner.is_file():
            raise EventLogError(f"{path}: a results folder must hold {EVENT_LOG_FILE} (not found)")
        return inner
    if not path.is_file():
        raise EventLogError(f"{path}: no such file or folder")
    return path


def _label(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".xes", ".csv", ".parquet", ".pq"):
        name = name.removesuffix(suffix)
    return name or str(path)


def compare_command(
    log_a: Annotated[Path, typer.Argument(help="Event log or results folder A (simulated, or what-if A).",
                                          show_default=False)],
    log_b: Annotated[Path, typer.Argument(help="Event log or results folder B (observed, or what-if B); "
                                          "relative differences are relative to B.", show_default=False)],
    stage_map: Annotated[Path | None, typer.Option("--stage-map", help="YAML or CSV mapping B's stage names to "
                                                   "A's (observed, simulated).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: results/compare-A-vs-B).",
                                             show_default=False)] = None,
) -> None:
    """Compare two logs: per-stage wait/work, lead-time distances, control flow, bottlenecks; tables, plots, report."""
    console = Console()
    errors = Console(stderr=True, soft_wrap=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            target, comparison = _compare(log_a, log_b, stage_map, out)
    except EventLogError as error:
        errors.print(f"error: {error}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from error
    for warning in caught:
        errors.print(f"note: {warning.message}", style="yellow", markup=False, highlight=False)
    _print_summary(console, comparison, target)


def _compare(log_a: Path, log_b: Path, stage_map: Path | None, out: Path | None) -> tuple[Path, Any]:
    from flowlab.report import PLOTS_DIR, write_report
    from mining.compare import compare_logs
    from mining.measures import compute_case_times, compute_stage_times
    from mining.plots import (
        plot_lead_time_cdf,
        plot_stage_comparison,
        plot_value_stream_map,
        summarize_value_stream,
    )

    path_a, path_b = _log_path(log_a), _log_path(log_b)
    label_a, label_b = _label(log_a), _label(log_b)
    if label_a == label_b:
        label_a, label_b = f"A: {label_a}", f"B: {label_b}"
    target = out if out is not None else Path("results") / f"compare-{_label(log_a)}-vs-{_label(log_b)}"
    console = Console()
    log_a_frame, repairs_a = read_log_with_repairs(path_a, console)
    log_b_frame, repairs_b = read_log_with_repairs(path_b, console)
    comparison = compare_logs(log_a_frame, log_b_frame, stage_map=stage_map, labels=(label_a, label_b))
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", suffix=".partial", dir=target.parent))
    try:
        comparison.stages.to_csv(scratch / "stages.csv", index=False)
        comparison.edges.to_csv(scratch / "edges.csv", index=False)
        document = {**comparison.to_dict(), "sources": [str(path_a), str(path_b)],
                    "stage_map": str(stage_map) if stage_map else None, "repairs": [repairs_a, repairs_b]}
        (scratch / "comparison.json").write_text(json.dumps(document, indent=2, allow_nan=False) + "\n",
                                                 encoding="utf-8")
        plots = scratch / PLOTS_DIR
        plot_lead_time_cdf(comparison.lead_times_simulated_h, comparison.lead_times_observed_h,
                           plots / "lead_time_cdf", labels=comparison.labels,
                           wasserstein_relative=comparison.lead_time.wasserstein_relative,
                           ks_statistic=comparison.lead_time.ks_statistic)
        plot_stage_comparison(comparison.stages, plots / "stage_comparison", labels=comparison.labels)
        for suffix, frame, label in (("a", log_a_frame, label_a), ("b", log_b_frame, label_b)):
            stage_times = compute_stage_times(frame)
            plot_value_stream_map(summarize_value_stream(stage_times),
                                  compute_case_times(frame, stage_times=stage_times), plots / f"vsm_{suffix}",
                                  title=f"Value stream map — {label}")
        write_report(scratch)
        if target.exists() and not (target / "comparison.json").is_file() and any(target.iterdir()):
            raise EventLogError(f"{target}: exists and is not an earlier comparison; choose another --out")
        replace_folder(scratch, target)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return target, comparison


def _print_summary(console: Console, comparison: Any, target: Path) -> None:
    from mining.plots import format_hours

    lead, flow, neck = comparison.lead_time, comparison.control_flow, comparison.bottlenecks
    label_a, label_b = comparison.labels
    table = Table(title=f"{label_a} vs {label_b}")
    table.add_column("measure")
    table.add_column("value", justify="right")
    rows = [
        (f"lead time mean, {label_a} / {label_b}",
         f"{format_hours(lead.mean_simulated_h)} / {format_hours(lead.mean_observed_h)}"),
        ("Wasserstein distance / mean lead time", f"{lead.wasserstein_relative:.3f}"),
        ("Kolmogorov–Smirnov statistic", f"{lead.ks_statistic:.3f}"),
        ("DFG distance (half L1, 0..1)", f"{flow.dfg_distance:.3f}"),
        ("variant overlap (weighted) / Jaccard", f"{flow.variant_overlap:.3f} / {flow.variant_jaccard:.3f}"),
        (f"top bottleneck, {label_a} / {label_b}", f"{neck.top_simulated} / {neck.top_observed}"),
        ("same bottleneck", "yes" if neck.same_top else "no"),
        ("Spearman of stage wait shares", "n/a" if math.isnan(neck.spearman) else f"{neck.spearman:.2f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    console.print(table)
    stages = Table(title="Top 5 stage differences (mean wait + work per visit)")
    for column in ("stage", f"{label_a}", f"{label_b}", "difference", "relative"):
        stages.add_column(column, justify="left" if column == "stage" else "right")
    for row in comparison.stages.head(5).itertuples(index=False):
        relative = row.total_mean_h_relative
        stages.add_row(str(row.stage), format_hours(row.total_mean_h_simulated),
                       format_hours(row.total_mean_h_observed), format_hours(row.total_mean_h_difference),
                       "n/a" if math.isnan(relative) else f"{relative:+.0%}")
    console.print(stages)
    console.print(f"results: {target} (report: {target / 'report.html'})")
