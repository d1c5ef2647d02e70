"""`flowlab mine LOG`: read an event log, measure its flow, discover its process, rank its bottlenecks.

The output folder is written by `flowlab.folders.write_folder`: whole or not at all (the report included), with its
manifest, and never over a folder that is not a flowlab results folder; Ctrl-C, SIGTERM or a full disk leave it as
it was (`flowlab.interruptions.guarded`).
"""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from flowlab.commands.run import MAX_FOLDER_NAME, safe_folder_name
from flowlab.interruptions import command_guard, guarded, pause_point
from flowlab.options import (
    ActivityOption,
    CaseOption,
    ClassifierOption,
    LifecycleOption,
    ReportOption,
    ResourceOption,
    SeparatorOption,
    StartTimestampOption,
    StatesOption,
    SvgOption,
    TimestampFormatOption,
    TimestampOption,
    TimezoneOption,
    read_options,
)
from mining.errors import EventLogError

_ARCHIVE_SUFFIXES = (".gz", ".xes", ".csv", ".parquet", ".pq", ".json", ".jsonocel")
TOP_BOTTLENECKS = 5


@guarded
def mine_command(
    log: Annotated[Path, typer.Argument(help="Event log: .parquet, .csv, .xes or .xes.gz.", show_default=False)],
    *,
    case: CaseOption = None,
    activity: ActivityOption = None,
    timestamp: TimestampOption = None,
    start_timestamp: StartTimestampOption = None,
    resource: ResourceOption = None,
    lifecycle: LifecycleOption = None,
    classifier: ClassifierOption = None,
    timestamp_format: TimestampFormatOption = None,
    timezone: TimezoneOption = None,
    separator: SeparatorOption = None,
    states: StatesOption = False,
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: results/mine-<log name>/).", show_default=False)
    ] = None,
    conformance: Annotated[
        bool, typer.Option(help="Discover an Inductive Miner model and replay the log on it.")
    ] = True,
    conformance_budget: Annotated[
        float, typer.Option(min=0.0, metavar="SECONDS",
                            help="About this many seconds for token replay and precision, most frequent variants "
                                 "first; the output says which share of the log was used.")
    ] = 60.0,
    conformance_variants: Annotated[
        int, typer.Option(min=1, metavar="N", help="Mine the model from at most the N most frequent variants.")
    ] = 1000,
    report: ReportOption = True,
    svg: SvgOption = False,
) -> None:
    """Mine an event log: stage wait/work times, flow summary, DFG, variants, bottlenecks, conformance."""
    console = Console()
    errors = Console(stderr=True)
    stem = _log_stem(log)
    stem = safe_folder_name(stem, "log") if len(stem) > MAX_FOLDER_NAME else stem  # a file name may be too long
    target = out if out is not None else Path("results") / f"mine-{stem}"
    command_guard().out = target
    try:
        summary, bottlenecks = _mine(
            log,
            target,
            console,
            errors,
            conformance=(conformance_budget, conformance_variants) if conformance else None,
            report=report,
            svg=svg,
            read_options=read_options(
                case=case, activity=activity, timestamp=timestamp, start_timestamp=start_timestamp,
                resource=resource, lifecycle=lifecycle, classifier=classifier, timestamp_format=timestamp_format,
                timezone=timezone, separator=separator, states=states,
            ),
        )
    except (EventLogError, FileExistsError) as error:
        errors.print(f"error: {error}", style="bold red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    command_guard().written = True
    _print_summary(console, log, target, summary, bottlenecks)
    if not report:
        console.print(f"no report (--no-report); draw it with: flowlab report {target}", markup=False,
                      soft_wrap=True)


def _log_stem(path: Path) -> str:
    name = path.name
    while True:
        lowered = name.lower()
        suffix = next((s for s in _ARCHIVE_SUFFIXES if lowered.endswith(s) and len(name) > len(s)), None)
        if suffix is None:
            return name
        name = name[: -len(suffix)]


def _mine(
    path: Path,
    target: Path,
    console: Console,
    errors: Console,
    *,
    conformance: tuple[float, int] | None,
    read_options: dict[str, Any],
    report: bool = True,
    svg: bool = False,
) -> tuple[dict[str, Any], Any]:
    from flowlab.folders import write_folder
    from flowlab.reading import read_log_with_repairs
    from flowlab.report import write_report
    from mining.activity_check import suspect_activity_column
    from mining.bottlenecks import rank_bottlenecks, ranked_by
    from mining.columns import ACTIVITY
    from mining.dfg import list_variants
    from mining.json_safe import to_json_safe
    from mining.measures import (
        compute_case_times,
        compute_flow_summary,
        compute_handovers,
        compute_stage_times,
        compute_throughput,
        compute_wip,
        summarize_stages,
    )
    from mining.wait_causes import compute_wait_causes, summarize_wait_causes

    if not path.exists():
        raise EventLogError(f"{path}: no such file")
    written: list[tuple[dict[str, Any], Any]] = []

    def fill(scratch: Path) -> None:
        with console.status(f"reading {path.name} …") as status:
            log, repairs = read_log_with_repairs(path, console, **read_options)
            if log.empty:
                raise EventLogError(f"{path}: the log has no events")
            warnings = [text for text in [suspect_activity_column(log, read_options.get("activity") or ACTIVITY)]
                        if text is not None]
            for text in warnings:
                errors.print(f"warning: {path.name}: {text}", style="yellow", markup=False, highlight=False,
                             soft_wrap=True)
            pause_point("work")
            status.update("stage wait and work times …")
            stage_times = compute_stage_times(log)
            case_times = compute_case_times(log, stage_times=stage_times)
            causes = summarize_wait_causes(stage_times, compute_wait_causes(stage_times, log))
            stages = summarize_stages(stage_times).merge(causes, on=ACTIVITY, how="left", validate="one_to_one")
            flow = compute_flow_summary(log, stage_times=stage_times, case_times=case_times)
            ranked = rank_bottlenecks(stage_times)
            ranking = ranked_by(ranked)
            bottlenecks = ranked.merge(causes, on=ACTIVITY, how="left", validate="one_to_one")
            stage_times.to_parquet(scratch / "stage_times.parquet", index=False)
            stages.to_csv(scratch / "stage_summary.csv", index=False)
            case_times.to_csv(scratch / "case_times.csv", index=False)
            bottlenecks.to_csv(scratch / "bottlenecks.csv", index=False)
            compute_throughput(log, case_times=case_times).to_csv(scratch / "throughput.csv", index=False)
            compute_wip(log, case_times=case_times).to_csv(scratch / "wip.csv", index=False)
            compute_handovers(log, stage_times=stage_times).to_csv(scratch / "handovers.csv", index=False)
            status.update("variants and directly-follows graph …")
            list_variants(log).to_csv(scratch / "variants.csv", index=False)
        replay = None
        if conformance is not None:
            replay = _conformance(log, errors, budget_s=conformance[0], max_variants=conformance[1])
        summary = {
            "log": str(path),
            "flow": flow,
            "bottlenecks": bottlenecks.head(TOP_BOTTLENECKS).to_dict(orient="records"),
            "bottleneck_ranking": ranking,
            "conformance": replay,
            "repairs": repairs,
            "warnings": warnings,
        }
        (scratch / "summary.json").write_text(
            json.dumps(to_json_safe(summary), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        if report:
            with console.status("HTML report …"):
                write_report(scratch, kind="mine", svg=svg)
        written.append((summary, bottlenecks))

    write_folder(target, "mine", fill, command=shlex.join(["flowlab", "mine", str(path)]), inputs=[str(path)])
    return written[0]


def _conformance(log: Any, errors: Console, *, budget_s: float, max_variants: int) -> dict[str, Any]:
    """`mining.conformance.measure_conformance` with a progress bar on stderr; its summary.json entry."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from mining.conformance import measure_conformance

    labels = {"discovery": "Inductive Miner model", "fitness": "token replay (variants)", "precision": "precision"}
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=errors, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def progress(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(labels.get(step, step), total=total)
            bar.update(tasks[step], completed=done, total=total)

        result = measure_conformance(log, budget_s=budget_s, max_variants=max_variants, progress=progress)[1]
    return result.to_dict()


def _print_summary(console: Console, path: Path, target: Path, summary: dict[str, Any], bottlenecks: Any) -> None:
    from flowlab.headline import HEADLINE_NOTE, headline_rows

    flow = summary["flow"]
    estimated = bool(flow["estimated"])
    mark = " [yellow](estimated)[/]" if estimated else ""
    table = Table(title=f"Flow of {path.name}", show_header=False, title_justify="left")
    table.add_column("measure", style="bold")
    table.add_column("value")
    table.add_row("cases / events", f"{flow['cases']:,} / {flow['events']:,}")
    table.add_row("period", f"{flow['period_start']} → {flow['period_end']}")
    for name, value in headline_rows(flow, end="the end of the log"):
        table.add_row(name, value)
    table.add_row("WIP (most cases at once)", f"{flow['wip_max']:,}")
    table.caption = HEADLINE_NOTE.replace("the window", "the log")
    replay = summary["conformance"]
    if replay is not None:
        table.add_row("fitness / precision", f"{replay['fitness']:.3f} / {replay['precision']:.3f}")
        table.add_row("conformance computed on", str(replay["sample"]))
    console.print(table)
    if summary.get("bottleneck_ranking") == "elapsed":
        _print_elapsed_ranking(console, bottlenecks)
    else:
        _print_wait_ranking(console, bottlenecks, mark)
        if estimated:
            console.print(
                "[yellow]* estimated:[/] the log has no start events for these visits, so wait and work are split "
                "by the resource rule (see mining.stage_times): the work is an upper bound, the wait a lower one."
            )
    console.print(f"results written to {target}", markup=False)


def _print_wait_ranking(console: Console, bottlenecks: Any, mark: str) -> None:
    from mining.time_units import column_unit, format_hours, format_share
    from mining.wait_causes import WAIT_CAUSE_NOTE

    ranking = Table(title=f"Top {TOP_BOTTLENECKS} bottlenecks (share of all waiting){mark}", title_justify="left")
    top = bottlenecks.head(TOP_BOTTLENECKS)
    wait_unit = column_unit(top["wait_mean_h"].astype(float))  # one unit per column (the median's)
    cause_unit = column_unit([*top["wait_contention_mean_h"].astype(float), *top["wait_other_mean_h"].astype(float)])
    columns = ("#", "stage", "wait share", f"wait mean ({wait_unit[0]})", f"of it busy / other ({cause_unit[0]})",
               "peak queue", "visits", "utilisation")
    for column in columns:
        ranking.add_column(column, justify="left" if column == "stage" else "right")
    for row in top.itertuples(index=False):
        ranking.add_row(
            str(row.rank),
            str(row[1]) + (" *" if row.estimated else ""),
            format_share(row.wait_share),
            format_hours(row.wait_mean_h, wait_unit, with_unit=False),
            f"{format_hours(row.wait_contention_mean_h, cause_unit, with_unit=False)} / "
            f"{format_hours(row.wait_other_mean_h, cause_unit, with_unit=False)}",
            f"{row.peak_queue:,}",
            f"{row.visits:,}",
            format_share(row.utilisation),
        )
    console.print(ranking)
    console.print(f"busy / other: {WAIT_CAUSE_NOTE}", markup=False, highlight=False)


def _print_elapsed_ranking(console: Console, bottlenecks: Any) -> None:
    """The ranking of a log that cannot split wait from work: by the time elapsed before each stage."""
    from mining.time_units import column_unit, format_hours, format_share

    top = bottlenecks.head(TOP_BOTTLENECKS)
    unit = column_unit(top["elapsed_mean_h"].astype(float))  # one unit per column (the median's)
    ranking = Table(title=f"Top {TOP_BOTTLENECKS} stages by time elapsed before them", title_justify="left")
    for column in ("#", "stage", "share of elapsed time", f"mean elapsed ({unit[0]})", "visits",
                   "wait/work split known"):
        ranking.add_column(column, justify="left" if column == "stage" else "right")
    for row in top.itertuples(index=False):
        ranking.add_row(
            str(row.rank), str(row[1]), format_share(row.elapsed_share),
            format_hours(row.elapsed_mean_h, unit, with_unit=False), f"{row.visits:,}",
            format_share(row.split_known),
        )
    console.print(ranking)
    console.print(
        "[yellow]wait and work unknown:[/] most visits have neither a start event nor a resource, so the log cannot "
        "tell waiting from working; stages are ranked by the time from the previous completion in the case to "
        "theirs (wait and work together)."
    )
