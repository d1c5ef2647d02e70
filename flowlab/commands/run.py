"""`flowlab run`: simulate a scenario's replications, write the results folder and print the summary."""

from __future__ import annotations

import hashlib
import logging
import math
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer
from rich.console import Console
from rich.table import Table

from flowlab.builtin_scenarios import DEFAULT_SCENARIO_NAME, builtin_scenarios_folder
from flowlab.headline import HEADLINE_NOTE, constraint_rows, headline_rows, render_estimate
from flowlab.interruptions import command_guard, guarded, pause_point
from flowlab.options import ReportOption, SvgOption
from mining.time_units import column_unit, format_hours
from sim.durations import parse_duration
from sim.errors import ClusterError, ScenarioError

if TYPE_CHECKING:  # the heavy modules are imported where a command runs, so `flowlab --help` stays light
    from flowlab.run_results import RunResults
    from mining.replication_summary import Summary
    from sim.network import Network
    from sim.recording import Recording
    from sim.replications import Replications

DEFAULT_SCENARIO = builtin_scenarios_folder() / DEFAULT_SCENARIO_NAME
"""The built-in end-to-end IT4IT chain, inside the installed package or the checkout (see flowlab.builtin_scenarios)."""
TOP_ITEM_CLASSES = 10
USAGE_ERROR = 2


HorizonOption = Annotated[str | None, typer.Option(help="Simulated time, e.g. 26w (default: the scenario's).")]
WarmupOption = Annotated[
    str | None, typer.Option(help="Warm-up left out of the statistics, e.g. 4w (default: the scenario's).")
]
WorkersOption = Annotated[int | None, typer.Option(help="Local processes (default: every core; 1: in-process).")]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Dask scheduler address (tcp://host:port): run the replications there.")
]


@contextmanager
def replication_progress(console: Console, total: int) -> Iterator[Callable[[int], None]]:
    """A 'simulating' progress bar of `total` replications; yields the callback that advances it by one (and is the
    `work` moment of the test hook, `flowlab.interruptions.pause_point`)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn  # not for --help

    with Progress(
        TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("replications", total=total)

        def advance(_: int) -> None:
            progress.advance(task)
            pause_point("work")

        yield advance


def read_scenario_file(path: Path, errors: Console) -> str:
    """The scenario file's text, read once: what is simulated and what the results folder keeps, whatever happens
    to the file during the run. A file that cannot be read is a usage error naming it."""
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(errors, f"{path.name}: cannot read the file ({error})") from None


@contextmanager
def quiet_cluster_logs(scheduler: str | None) -> Iterator[None]:
    """While a run on a Dask cluster lasts, show only Dask's critical log records.

    Dask's client logs its own tracebacks on stderr when it loses or cannot reach the scheduler; the run then ends
    with one ClusterError message saying what happened, so those tracebacks would only bury it. Local runs are left
    alone, and the levels are restored afterwards.
    """
    if scheduler is None:
        yield
        return
    try:
        import distributed  # noqa: F401  # importing it configures its loggers: quieten them after that
    except ImportError:  # run_replications says how to install it
        yield
        return
    names = [name for name in logging.root.manager.loggerDict if name.split(".")[0] == "distributed"]
    saved = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


MAX_FOLDER_NAME = 80
"""Characters of a name kept in a results folder's name (file systems allow 255 bytes; the seed, a '.partial'
suffix and a temporary id come on top)."""


def safe_folder_name(name: str, fallback: str = "scenario") -> str:
    """`name` with every run of characters other than letters, digits, '.', '_' and '-' made one '-'; a name longer
    than `MAX_FOLDER_NAME` is cut and ends in 8 hex digits of its hash, so two long names stay apart."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or fallback
    if len(safe) <= MAX_FOLDER_NAME:
        return safe
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    return f"{safe[: MAX_FOLDER_NAME - 9].rstrip('-.')}-{digest}"


def default_results_dir(network: Network) -> Path:
    """`results/<scenario name>-<seed>` under the current directory (the name made safe for a folder)."""
    return Path("results") / f"{safe_folder_name(network.name)}-{network.run.seed}"


def fail(console: Console, message: str) -> typer.Exit:
    """Print `message` in red (brackets in names kept as they are) and return the exit with the usage-error code."""
    console.print(message, style="red", markup=False, highlight=False)
    return typer.Exit(code=USAGE_ERROR)


def hours_option(value: str | None, option: str) -> float | None:
    """A duration option (``26w``) in hours, None when not given; a bad value is a usage error naming the option."""
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint=option) from None


def check_run_options(
    horizon: str | None, warmup: str | None, workers: int | None
) -> tuple[float | None, float | None]:
    """The --horizon and --warmup options in hours (None when not given); bad values and --workers < 1 are usage
    errors naming the option."""
    if workers is not None and workers < 1:
        raise typer.BadParameter(f"must be >= 1 (got {workers})", param_hint="--workers")
    return hours_option(horizon, "--horizon"), hours_option(warmup, "--warmup")


def start_option(value: str | None) -> datetime | None:
    """The --start option as a timezone-aware moment (None when not given); anything else is a usage error."""
    if value is None:
        return None
    example = "e.g. 2026-03-02T08:00:00+01:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"must be an ISO 8601 moment with a UTC offset, {example} (got {value!r})", param_hint="--start"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise typer.BadParameter(
            f"must carry a UTC offset such as +01:00 or Z, {example} (got {value!r})", param_hint="--start"
        )
    return moment


def cases_option(value: int | None) -> int | None:
    """The --cases option (None when not given); below 1 is a usage error."""
    if value is not None and value < 1:
        raise typer.BadParameter(f"must be >= 1 (got {value})", param_hint="--cases")
    return value


def describe_run(network: Network) -> str:
    """The line saying what is about to run: replications of a horizon, or of a number of cases."""
    run = network.run
    if run.max_cases is None:
        length = f"{format_hours(run.horizon_h)} (warm-up {format_hours(run.warmup_h)})"
    else:
        length = (
            f"{run.max_cases} cases each, until every item is done (the horizon {format_hours(run.horizon_h)} caps "
            f"the run; warm-up {format_hours(run.warmup_h)})"
        )
    return f"{network.name}: {run.replications} replications of {length}, seed {run.seed}, from {run.start.isoformat()}"


def report_cases(console: Console, replications: Replications) -> None:
    """After a run of a number of cases: say when it ended, or that the horizon cut it short and how many items it
    left open (their lead times are then missing from the completed-only figures)."""
    run = replications.network.run

    def counted(recording: Recording) -> int:  # the cases of the N: from outside, arrived after the warm-up
        cases = recording.cases
        return int((cases["parent"].isna() & (cases["arrival_h"] >= run.warmup_h)).sum())

    short = []
    still_open = 0
    for recording in replications.recordings:
        unfinished = int(recording.cases["complete_h"].isna().sum())
        still_open += unfinished
        if unfinished or counted(recording) < cast(int, run.max_cases):
            short.append(recording)
    if not short:
        console.print(
            f"every item done: {run.max_cases} cases per replication (spawned items besides), the longest "
            f"replication ended after {format_hours(replications.horizon_h)}",
            markup=False,
        )
        return
    arrived_fewest = min(counted(recording) for recording in replications.recordings)
    console.print(
        f"warning: the horizon {format_hours(run.horizon_h)} ended {len(short)} of {len(replications)} "
        f"replications before every item was done: {still_open} items still open in all, and as few as "
        f"{arrived_fewest} of the {run.max_cases} cases arrived in one replication; raise --horizon to let them finish",
        style="yellow",
        markup=False,
    )


def percent(value: float) -> str:
    """A share as a percentage with one decimal."""
    return f"{value:.1%}"


def _mean_of(value: object) -> float:
    """The mean of an estimate ``{"mean", …}`` or a plain number; NaN when neither."""
    mean = value.get("mean") if isinstance(value, dict) else value
    return float(mean) if isinstance(mean, int | float) else math.nan


def summary_tables(summary: Summary) -> tuple[Table, Table]:
    """The headline table (mean ± 95% CI half-width across replications; the rows `report.html` shows too) and the
    per item class lead times."""
    headline = Table(title=f"Summary: {summary.replications} replications, {summary.completed_cases} completed cases")
    headline.caption = HEADLINE_NOTE
    if summary.replications < 2:
        headline.title = f"Summary: one replication, no confidence interval (run two or more for one); " \
                         f"{summary.completed_cases} completed cases"
    headline.add_column("measure")
    headline.add_column("mean ± 95% CI", justify="right")
    values = summary.to_dict()
    for name, value in [*headline_rows(values, end="the horizon"), *constraint_rows(values)]:
        headline.add_row(name, value)
    items = Table(title=f"Lead time per item class (longest {TOP_ITEM_CLASSES})")
    items.add_column("item class")
    items.add_column("completed", justify="right")
    rows = list(zip(summary.item_lead_times[:TOP_ITEM_CLASSES], values["item_lead_times"], strict=False))
    unit = column_unit([_mean_of(shown["lead_time_h"]) for _, shown in rows])  # one unit for the column
    items.add_column("lead time ± 95% CI", justify="right")
    for entry, shown in rows:
        items.add_row(entry.item, str(entry.completed), render_estimate(shown["lead_time_h"], "duration", unit))
    return headline, items


UNFINISHED_WARNING_SHARE = 0.05
"""Above this share of unfinished cases the completed-only lead time is biased low enough to warn about."""


def warn_unfinished(console: Console, summary: Summary) -> None:
    """Warn when many cases were still open at the horizon: their lead times are missing from the completed-only
    figures, which are then too low (the Kaplan–Meier rows count them as censored)."""
    share = summary.unfinished_share.mean
    if summary.completed_cases == 0:
        console.print(
            f"warning: no case finished before the horizon ({summary.unfinished_cases} still open), so there is no "
            "lead time, flow efficiency or SLA attainment to show; look for a gate that never opens, a batch that "
            "never fills or work longer than the run, or run longer (--horizon)",
            style="yellow", markup=False,
        )
    elif not math.isnan(share) and share > UNFINISHED_WARNING_SHARE:
        console.print(
            f"warning: {percent(share)} of the cases ({summary.unfinished_cases}) were unfinished at the horizon; "
            f"the completed-only lead times are biased low — see the Kaplan–Meier rows, or run longer (--horizon)",
            style="yellow",
            markup=False,
        )


@guarded
def run_command(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario YAML file (default: the built-in it4it-e2e.yaml, the seven IT4IT streams chained).",
            show_default=False,
        ),
    ] = None,
    *,
    replications: Annotated[int | None, typer.Option(help="Number of replications (default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the replication streams (default: the scenario's).")] = None,
    horizon: HorizonOption = None,
    warmup: WarmupOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/<scenario name>-<seed> here).")
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Start of the run (simulated time 0), ISO 8601 with a UTC offset, e.g. 2026-03-02T08:00:00+01:00 "
            "(default: the scenario's run.start)."
        ),
    ] = None,
    cases: Annotated[
        int | None,
        typer.Option(
            help="Stop the arrivals after N items in all (spawned items not counted) and run until every item is "
            "done; the horizon then only caps the run. The warm-up is 0 unless --warmup is given (then the N "
            "cases are those arriving after it)."
        ),
    ] = None,
    report: ReportOption = True,
    svg: SvgOption = False,
) -> None:
    """Simulate a scenario: replications in parallel, a results folder, and a summary with 95% confidence intervals."""
    from flowlab.collector import set_aside_imports
    from flowlab.run_results import collect_results, write_results
    from sim.load_check import check_offered_load
    from sim.replications import run_replications, with_run_settings
    from sim.scenario import load_network

    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    horizon_h, warmup_h = check_run_options(horizon, warmup, workers)
    start_at, max_cases = start_option(start), cases_option(cases)
    if max_cases is not None and warmup_h is None:
        warmup_h = 0.0  # a run of N cases starts empty and counts every case
    if scenario is None:
        scenario = DEFAULT_SCENARIO
        if not scenario.is_file():
            raise fail(errors, f"the default scenario {scenario} is missing; name a scenario file: flowlab run FILE")
    text = read_scenario_file(scenario, errors)
    try:
        network = load_network(scenario, start=start_at, text=text)
    except ScenarioError as error:
        raise fail(errors, str(error) if start_at is None else f"with --start {start}:\n{error}") from None
    try:
        network = with_run_settings(
            network,
            replications=replications,
            seed=seed,
            horizon_h=horizon_h,
            warmup_h=warmup_h,
            max_cases=max_cases,
        )
    except ValueError as error:
        raise fail(errors, f"{scenario.name}: {error}") from None
    for warning in check_offered_load(network):
        console.print(f"warning: {scenario.name}: {warning.message}", style="yellow", markup=False)
    set_aside_imports()  # pandas, SimPy and the scenario's models: alive until the process exits

    run = network.run
    results_dir = out if out is not None else default_results_dir(network)
    command_guard().out = results_dir
    console.print(describe_run(network), markup=False)
    with replication_progress(console, run.replications) as advance:
        try:
            with quiet_cluster_logs(scheduler):
                result = run_replications(network, workers=workers, scheduler=scheduler, progress=advance)
        except ClusterError as error:
            raise fail(errors, str(error)) from None
        except ScenarioError as error:  # a limit the run reached (sim.limits)
            raise fail(errors, f"{scenario.name}: {error}") from None
    results = collect_results(result)

    def draw(folder: Path, held: RunResults) -> None:
        from flowlab.report import write_report  # matplotlib and the plots: not for --no-report

        set_aside_imports()  # matplotlib's objects too
        write_report(folder, kind="run", svg=svg, run=held, shown_as=results_dir)

    try:
        with console.status("writing the results, the plots and the HTML report …" if report
                            else "writing the results …"):
            write_results(results_dir, results, scenario_path=scenario, scenario_text=text.encode("utf-8"),
                          command=f"flowlab run {scenario.name}", report=draw if report else None)
    except FileExistsError as error:
        raise fail(errors, str(error)) from None
    command_guard().written = True

    headline, items = summary_tables(results.summary)
    console.print(headline)
    console.print(items)
    if run.max_cases is None:
        warn_unfinished(console, results.summary)
    else:
        report_cases(console, result)
    console.print(f"results: {results_dir}", markup=False, soft_wrap=True)
    print_report_line(console, results_dir, report, label="report: ")


def print_report_line(console: Console, folder: Path, report: bool, *, label: str = "report:") -> None:
    """Where the folder's report is, or how to draw it when the command ran with --no-report."""
    if report:
        console.print(f"{label} {folder / 'report.html'} (open it in a browser)", markup=False, soft_wrap=True)
    else:
        console.print(f"{label} none (--no-report); draw it with: flowlab report {folder}", markup=False,
                      soft_wrap=True)
