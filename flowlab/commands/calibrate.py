"""`flowlab calibrate LOG`: discover a simulation scenario from an event log and write it, with its evidence.

The results folder (kind `calibrate`) holds `scenario.yaml` (every number commented with where it came from),
the tables behind it (`work_fits.csv`, `routing.csv`, `arrivals.csv`, `pools.csv`, `on_duty.csv`), `notes.txt` (what
the log could not tell), `calibration.png` (the weekly arrival profile and each activity's fitted work time over its
histogram) and `on_duty.png` (per team, the people on duty by the calibrated hours beside those seen working).
The scenario is checked by loading it as `flowlab run` would before anything is written.
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from flowlab.interruptions import command_guard, guarded, pause_point
from flowlab.options import (
    ActivityOption,
    CaseOption,
    ClassifierOption,
    LifecycleOption,
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

if TYPE_CHECKING:
    from mining.calibrate import Calibration

SCENARIO_FILE = "scenario.yaml"


def _stem(path: Path) -> str:
    name = path.name
    for suffix in (".gz", ".xes", ".csv", ".parquet", ".pq"):
        name = name.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "log"


@guarded
def calibrate_command(
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
    name: Annotated[str | None, typer.Option(help="Scenario name (default: the log's file name).")] = None,
    stream: Annotated[
        str, typer.Option(help="Name of the scenario's stream (e.g. an IT4IT value stream).")
    ] = "calibrated",
    stage_map: Annotated[
        Path | None,
        typer.Option("--stage-map", help="YAML or CSV renaming the log's activities to stages (activity, stage).",
                     show_default=False),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed written into the scenario's run settings.")] = 1,
    calendars: Annotated[
        str,
        typer.Option(help="Working hours learned per group of people who keep different hours within a team "
                     "('person') or one calendar per team ('team').", show_choices=True),
    ] = "person",
    out: Annotated[
        Path | None, typer.Option(help="Results folder (default: results/calibrate-<log name>/).", show_default=False)
    ] = None,
    svg: SvgOption = False,
) -> None:
    """Calibrate a simulation scenario from an event log: arrivals, routing, work times, pools, delays."""
    from flowlab.folders import write_folder
    from flowlab.reading import read_log_with_repairs
    from flowlab.report import write_report
    from flowlab.scenario_yaml import dump_scenario
    from mining.calibrate import calibrate_log
    from mining.compare import load_stage_map
    from mining.plots import figure_formats
    from mining.plots_calibration import plot_calibration, plot_on_duty
    from sim.errors import ScenarioError
    from sim.scenario import load_network

    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    target = out if out is not None else Path("results") / f"calibrate-{_stem(log)}"
    command_guard().out = target
    began = time.perf_counter()
    try:
        if not log.exists():
            raise EventLogError(f"{log}: no such file")
        with console.status(f"reading {log.name} …"):
            frame, _ = read_log_with_repairs(
                log, console, **read_options(
                    case=case, activity=activity, timestamp=timestamp, start_timestamp=start_timestamp,
                    resource=resource, lifecycle=lifecycle, classifier=classifier, timestamp_format=timestamp_format,
                    timezone=timezone, separator=separator, states=states,
                ),
            )  # fmt: skip
        pause_point("work")
        with console.status("discovering arrivals, routing, work times and pools …"):
            mapping = load_stage_map(stage_map) if stage_map is not None else None
            calibration = calibrate_log(
                frame, name=name or _stem(log), seed=seed, stream=stream, stage_map=mapping, calendars=calendars
            )
        header = (
            f"Calibrated by flowlab from {log.name}.\n"
            "Each number says where it came from; edit any of them for a what-if.\n"
            "Simulate a period of your own: flowlab run scenario.yaml --start <ISO time> --cases <N> --horizon 52w\n"
            "(with --cases the horizon only caps the run: give one long enough for every case to finish)"
        ) + "".join(f"\nNote: {note}" for note in calibration.notes)  # what the log could not tell, never silently
        text = dump_scenario(calibration.scenario, calibration.comments, header=header)

        def fill(folder: Path) -> None:
            (folder / SCENARIO_FILE).write_text(text, encoding="utf-8")
            try:
                load_network(folder / SCENARIO_FILE)
            except ScenarioError as error:  # a bug of ours, not the user's: say so plainly
                raise EventLogError(f"the calibrated scenario does not load ({error}); please report this") from None
            calibration.work_fits.to_csv(folder / "work_fits.csv", index=False)
            calibration.routing.to_csv(folder / "routing.csv", index=False)
            calibration.arrivals.to_csv(folder / "arrivals.csv", index=False)
            calibration.pools.to_csv(folder / "pools.csv", index=False)
            calibration.on_duty.to_csv(folder / "on_duty.csv", index=False)
            (folder / "notes.txt").write_text("".join(f"{note}\n" for note in calibration.notes), encoding="utf-8")
            stages = next(iter(calibration.scenario["streams"].values()))["stages"]
            with figure_formats(svg=svg):
                plot_calibration(calibration.arrivals, calibration.observed_work_h, stages, folder / "calibration")
                plot_on_duty(calibration.on_duty, folder / "on_duty")
                write_report(folder, kind="calibrate", svg=svg)

        with console.status("writing the scenario and the calibration report …"):
            write_folder(target, "calibrate", fill, command=f"flowlab calibrate {log}", inputs=[str(log)])
    except (EventLogError, FileExistsError, ValueError) as error:
        errors.print(f"error: {error}", style="bold red", markup=False)
        raise typer.Exit(code=2) from None
    command_guard().written = True
    _print_summary(console, calibration, target, time.perf_counter() - began)


def _describe(spec: dict) -> str:
    """A distribution spec in a few words: its kind and mean (an empirical one's mean from its samples)."""
    from mining.time_units import format_hours
    from sim.durations import parse_duration

    if spec["kind"] == "empirical":
        samples = [parse_duration(sample) for sample in spec["samples"]]
        return f"empirical, mean {format_hours(sum(samples) / len(samples))}"
    if spec["kind"] == "fixed":
        return f"fixed {format_hours(parse_duration(spec['value']))}"
    cv = f", cv {spec['cv']}" if "cv" in spec else ""
    return f"{spec['kind']}, mean {format_hours(parse_duration(spec['mean']))}{cv}"


def _print_summary(console: Console, calibration: Calibration, target: Path, seconds: float) -> None:
    from flowlab.scenario_yaml import team_size

    scenario = calibration.scenario
    stages = next(iter(scenario["streams"].values()))["stages"]
    table = Table(title=f"Calibrated scenario {scenario['name']} ({seconds:.1f} s)", title_justify="left")
    for column in ("stage", "team", "work", "extraneous delay"):
        table.add_column(column)
    ways: dict[str, list[dict]] = {}  # the flow's delays by the stage they lead into
    for row in (scenario["items"]["case"].get("flow_delays") or {}).values():
        for into_stage, spec in row.items():
            ways.setdefault(into_stage, []).append(spec)
    for stage in stages:
        delay = stage.get("handoff")
        into = ways.get(stage["name"], [])
        text = "–" if delay is None else _describe(delay)
        if into:
            text = (_describe(into[0]) if len(into) == 1 else f"{len(into)} ways in") + (
                "" if delay is None else f"; {text}")
        table.add_row(stage["name"], f"{stage['team']} ({team_size(scenario['teams'][stage['team']])})",
                      _describe(stage["work"]), text)  # fmt: skip
    console.print(table)
    console.print(f"arrivals: {scenario['items']['case']['arrival']['kind']}", markup=False)
    for note in calibration.notes:
        console.print(f"note: {note}", style="yellow", markup=False)
    console.print(f"scenario: {target / SCENARIO_FILE}", markup=False)
    console.print(f"report:   {target / 'report.html'} (fitted vs observed, the evidence tables)", markup=False)
