"""`flowlab compare A B`: two event logs (or results folders) side by side — tables, distances, plots, report."""

from __future__ import annotations

import json
import math
import shlex
import warnings
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from flowlab.interruptions import command_guard, guarded, pause_point
from flowlab.options import ReportOption, SvgOption
from mining.errors import EventLogError

EVENT_LOG_FILE = "event_log.parquet"
TOP_STAGES = 8
"""Stage differences printed on the console (all are in stages.csv and the report)."""


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
    """The display name of an input: the file name without its log suffixes, or the folder name."""
    name = path.name
    for suffix in (".gz", ".xes", ".csv", ".parquet", ".pq"):
        name = name.removesuffix(suffix)
    return name or str(path)


def _is_run_folder(path: Path) -> bool:
    """True for a `flowlab run` results folder (its manifest says so): its event log is a simulation."""
    from flowlab.folders import read_manifest

    return path.is_dir() and read_manifest(path).kind == "run"


def _names(log_a: Path, log_b: Path) -> tuple[str, str]:
    """Display names of the two inputs: their stems, 'simulated (stem)' for a run folder, 'A: …'/'B: …' if equal."""
    name_a, name_b = _label(log_a), _label(log_b)
    if name_a == name_b:
        name_a, name_b = f"A: {name_a}", f"B: {name_b}"
    return (f"simulated ({name_a})" if _is_run_folder(log_a) else name_a,
            f"simulated ({name_b})" if _is_run_folder(log_b) else name_b)


@guarded
def compare_command(
    log_a: Annotated[Path, typer.Argument(help="Event log or results folder A (e.g. a what-if variant, or a "
                                          "simulation).", show_default=False)],
    log_b: Annotated[Path, typer.Argument(help="Event log or results folder B, the reference: differences are "
                                          "A − B, relative differences relative to B.", show_default=False)],
    *,
    stage_map: Annotated[Path | None, typer.Option("--stage-map", help="YAML or CSV mapping B's stage names to "
                                                   "A's (name in B, name in A).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: results/compare-A-vs-B).",
                                             show_default=False)] = None,
    cfld: Annotated[bool, typer.Option("--cfld", help="Also compute the control-flow log distance (CFLD): "
                                       "quadratic in the cases, seconds at a few thousand.")] = False,
    report: ReportOption = True,
    svg: SvgOption = False,
) -> None:
    """Compare two logs: per-stage wait/work with 95% CIs, lead-time distances, control flow, bottlenecks.

    Columns and fields say _a / _b for the two inputs; their names (file or folder names, "simulated (…)" for a
    flowlab run folder) are in comparison.json and the headers.
    """
    console = Console()
    errors = Console(stderr=True, soft_wrap=True)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            target, comparison = _compare(log_a, log_b, stage_map, out, cfld=cfld, report=report, svg=svg)
    except (EventLogError, FileExistsError) as error:
        errors.print(f"error: {error}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from error
    command_guard().written = True
    for warning in caught:
        errors.print(f"note: {warning.message}", style="yellow", markup=False, highlight=False)
    _print_summary(console, comparison, target, report=report)


def field_distances(distances: Any) -> str:
    """The four time distances of a `LogDistances` as one line of hours."""
    return " · ".join(f"{value:,.1f}" for value in (distances.ctd_h, distances.red_h, distances.aed_h, distances.car_h))


def _compare(
    log_a: Path,
    log_b: Path,
    stage_map: Path | None,
    out: Path | None,
    *,
    cfld: bool = False,
    report: bool = True,
    svg: bool = False,
) -> tuple[Path, Any]:
    from flowlab.folders import write_folder
    from flowlab.reading import read_log_with_repairs
    from flowlab.report import PLOTS_DIR, write_report
    from mining.compare import compare_logs
    from mining.measures import compute_case_times, compute_stage_times
    from mining.plots import (
        figure_formats,
        plot_lead_time_cdf,
        plot_stage_comparison,
        plot_value_stream_map,
        summarize_value_stream,
    )

    path_a, path_b = _log_path(log_a), _log_path(log_b)
    label_a, label_b = _names(log_a, log_b)
    target = out if out is not None else Path("results") / f"compare-{_label(log_a)}-vs-{_label(log_b)}"
    command_guard().out = target
    console = Console()
    log_a_frame, repairs_a = read_log_with_repairs(path_a, console)
    log_b_frame, repairs_b = read_log_with_repairs(path_b, console)
    pause_point("work")
    comparison = compare_logs(log_a_frame, log_b_frame, stage_map=stage_map, names=(label_a, label_b), cfld=cfld)

    def fill(scratch: Path) -> None:
        comparison.stages.to_csv(scratch / "stages.csv", index=False)
        comparison.edges.to_csv(scratch / "edges.csv", index=False)
        document = {**comparison.to_dict(), "sources": {"a": str(path_a), "b": str(path_b)},
                    "stage_map": str(stage_map) if stage_map else None,
                    "repairs": {"a": repairs_a, "b": repairs_b}}
        (scratch / "comparison.json").write_text(json.dumps(document, indent=2, allow_nan=False) + "\n",
                                                 encoding="utf-8")
        if not report:  # --no-report: tables only, no pictures
            return
        with figure_formats(svg=svg):
            plots = scratch / PLOTS_DIR
            plot_lead_time_cdf(comparison.lead_times_a_h, comparison.lead_times_b_h,
                               plots / "lead_time_cdf", labels=comparison.names,
                               wasserstein_relative=comparison.lead_time.wasserstein_relative,
                               ks_statistic=comparison.lead_time.ks_statistic)
            plot_stage_comparison(comparison.stages, plots / "stage_comparison", labels=comparison.names)
            for suffix, frame, label in (("a", log_a_frame, label_a), ("b", log_b_frame, label_b)):
                stage_times = compute_stage_times(frame)
                plot_value_stream_map(summarize_value_stream(stage_times),
                                      compute_case_times(frame, stage_times=stage_times), plots / f"vsm_{suffix}",
                                      title=f"Value stream map — {label}")
            write_report(scratch, kind="compare", svg=svg)

    options = ["--stage-map", str(stage_map)] if stage_map else []
    write_folder(target, "compare", fill, command=shlex.join(["flowlab", "compare", str(log_a), str(log_b), *options]),
                 inputs=[str(log_a), str(log_b), *options[1:]])
    return target, comparison


def _cell(value: str) -> Text:
    """A table cell shown as written (names may hold brackets, which rich would read as markup)."""
    return Text(value)


def _yes(flag: Any) -> bool:
    """A nullable boolean of the stage table as a plain bool (NA, not applicable, counts as no)."""
    import pandas as pd

    return not pd.isna(flag) and bool(flag)


def _print_summary(console: Console, comparison: Any, target: Path, *, report: bool = True) -> None:
    from mining.compare import CONFIDENCE, MIN_VISITS, MIXED_SPLIT, ONLY_IN_A, ONLY_IN_B, PRESENT_BOTH
    from mining.plots import format_difference, format_hours

    lead, flow, neck = comparison.lead_time, comparison.control_flow, comparison.bottlenecks
    side_a, side_b = comparison.sides
    for letter, side in (("A", side_a), ("B", side_b)):
        console.print(f"{letter}: {side.name} — {side.cases:,} cases, {side.visits:,} stage visits; "
                      f"wait/work {side.wait_work}", markup=False, highlight=False)
    if comparison.mixed_split:
        console.print(f"note: {MIXED_SPLIT}", style="yellow", markup=False, highlight=False)
    table = Table(title=Text(f"A: {side_a.name} vs B: {side_b.name}"))
    table.add_column("measure")
    table.add_column("value (A / B)", justify="right")
    rows = [
        ("lead time mean, A / B", f"{format_hours(lead.mean_a_h)} / {format_hours(lead.mean_b_h)}"),
        ("Wasserstein distance / B's mean lead time", f"{lead.wasserstein_relative:.3f}"),
        ("Kolmogorov–Smirnov statistic", f"{lead.ks_statistic:.3f}"),
        ("DFG distance (half L1, 0..1)", f"{flow.dfg_distance:.3f}"),
        ("variant overlap (weighted) / Jaccard", f"{flow.variant_overlap:.3f} / {flow.variant_jaccard:.3f}"),
        ("top bottleneck, A / B", f"{neck.top_a} / {neck.top_b}"),
        ("same bottleneck", "yes" if neck.same_top else "no"),
        ("Spearman of stage wait shares", "n/a" if math.isnan(neck.spearman) else f"{neck.spearman:.2f}"),
        ("CTD · RED · AED · CAR (hours, as Simod scores)", field_distances(comparison.distances)),
        ("NGD2 · CFLD (0–1)", f"{comparison.distances.ngd2:.3f} · "
         + ("not computed (--cfld)" if comparison.distances.cfld is None else f"{comparison.distances.cfld:.3f}")),
    ]
    for name, value in rows:
        table.add_row(_cell(name), _cell(value))
    console.print(table)
    ranked = comparison.stages
    shown = ranked[ranked["present"] == PRESENT_BOTH].head(TOP_STAGES)
    stages = Table(title=f"Stage differences A − B, mean per visit with {CONFIDENCE:.0%} Welch CI "
                         f"(top {len(shown)} of {len(ranked)})",
                   caption=f"ranked by the difference the CIs support (the bound closest to 0); stages with fewer "
                           f"than {MIN_VISITS} visits on a side come after the rest")
    for column in ("stage", "visits A / B", "wait A / B", "Δ wait [CI]", "work A / B", "Δ work [CI]", "note"):
        stages.add_column(column, justify="left" if column in {"stage", "note"} else "right", overflow="fold")
    for row in shown.itertuples(index=False):
        notes = []
        if _yes(row.small_sample):
            notes.append(f"small sample (< {MIN_VISITS} visits)")
        # a side estimated throughout says so once, in its header line; a partly estimated side says it per stage
        estimated = [letter for letter, flag, side in (("A", row.estimated_a, side_a), ("B", row.estimated_b, side_b))
                     if _yes(flag) and side.estimated_visits < side.visits]
        if estimated:
            notes.append(f"{' and '.join(estimated)} estimated")
        stages.add_row(
            _cell(str(row.stage)), f"{row.visits_a:,} / {row.visits_b:,}",
            f"{format_hours(row.wait_mean_h_a)} / {format_hours(row.wait_mean_h_b)}",
            format_difference(row.wait_mean_h_difference, row.wait_mean_h_difference_ci_low,
                              row.wait_mean_h_difference_ci_high),
            f"{format_hours(row.work_mean_h_a)} / {format_hours(row.work_mean_h_b)}",
            format_difference(row.work_mean_h_difference, row.work_mean_h_difference_ci_low,
                              row.work_mean_h_difference_ci_high),
            _cell("; ".join(notes)),
        )
    console.print(stages)
    for present, where in ((ONLY_IN_A, "only in A (absent in B)"), (ONLY_IN_B, "only in B (absent in A)")):
        absent = ranked[ranked["present"] == present]
        if not absent.empty:
            visits = absent["visits_a"] if present == ONLY_IN_A else absent["visits_b"]
            listed = ", ".join(f"{stage} ({count:,} visit{'' if count == 1 else 's'})"
                               for stage, count in zip(absent["stage"], visits, strict=True))
            console.print(f"stages {where}: {listed}", markup=False, highlight=False)
    shown = f"report: {target / 'report.html'}" if report else f"no report (--no-report): flowlab report {target}"
    console.print(f"results: {target} ({shown})", markup=False, highlight=False)
