"""The self-contained HTML report of a results folder (`flowlab run`, `mine`, `compare`, `sweep` or `calibrate`).

`write_report(folder)` draws the plots into `folder/plots/` and writes `folder/report.html` with the images
embedded as base64 PNG, so the page opens in a browser from a file with no server and no network. The plots are
PNG; SVG copies are drawn too when asked for (`svg=True`, the commands' `--svg`).

Commands call it on their scratch folder before it is renamed into place (`flowlab.folders.write_folder`), so the
report is part of the one atomic write; `flowlab run` hands over what it holds in memory (`run=`) instead of having
the event log read back and measured again. `flowlab report FOLDER` rebuilds the report of an existing folder from
its files; there `plots/` and `report.html` are each replaced atomically (a scratch folder, a scratch file, one
rename each): a failure leaves the previous report (or none), never half of one.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import pandas as pd

from flowlab.folders import (
    FolderKind,
    ResultsFolderError,
    make_scratch,
    read_manifest,
    remove_scratch,
    replace_folder,
    write_file_atomically,
)
from flowlab.headline import HEADLINE_NOTE, constraint_rows, headline_rows, render_estimate
from flowlab.interruptions import pause_point
from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.dfg import discover_dfg
from mining.errors import EventLogError
from mining.plots import (
    attach_groups,
    figure_formats,
    format_difference,
    format_hours,
    plot_dfg,
    plot_lead_time_histogram,
    plot_queue_lengths,
    plot_value_stream_map,
    summarize_value_stream,
)
from mining.readable_tables import column_label, readable_table
from mining.stage_times import compute_case_times, compute_stage_times
from mining.time_units import format_number
from mining.validate import repair_log
from mining.wait_causes import WAIT_CAUSE_NOTE
from sim.errors import ScenarioError
from sim.scenario_loader import read_scenario_yaml

if TYPE_CHECKING:
    from flowlab.run_results import RunResults

__all__ = ["PLOTS_DIR", "REPORT_FILE", "write_report"]

REPORT_FILE = "report.html"
"""Name of the report inside the results folder."""
PLOTS_DIR = "plots"
"""Folder of the plots (PNG, and SVG on request) inside the results folder."""
EVENT_LOG_FILE = "event_log.parquet"
"""The event log of a run folder (the name its repairs are reported under)."""
_MAX_TABLE_ROWS = 40
_LIBRARIES = ("flowlab", "pm4py", "simpy", "pandas", "numpy", "scipy", "matplotlib")


@dataclass
class _Report:
    """What the page shows, gathered from one results folder."""

    title: str
    kind: str
    source: str
    headline: list[tuple[str, str]] = field(default_factory=list)
    headline_note: str = ""
    """What the headline's labels mean, shown under it."""
    lead_tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    """Tables shown right after the headline, before the figures (the answer a page is read for)."""
    figures: list[tuple[str, Path]] = field(default_factory=list)
    tables: list[tuple[str, pd.DataFrame]] = field(default_factory=list)
    table_notes: dict[str, str] = field(default_factory=dict)
    """Text shown under a table's heading, by table title (how to read it)."""
    facts: list[tuple[str, str]] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)
    """What the page would show but the data lacks, and why: said once, near the top, instead of pages of n/a."""
    attachments: list[tuple[str, str]] = field(default_factory=list)


def write_report(
    results_dir: str | Path,
    *,
    kind: FolderKind | None = None,
    svg: bool = False,
    run: RunResults | None = None,
    shown_as: str | Path | None = None,
) -> Path:
    """Build `report.html` (and `plots/`) in a `flowlab run`, `mine`, `compare`, `sweep` or `calibrate` folder.

    The kind of folder is read from its manifest (`flowlab.folders.read_manifest`, which recognises a folder written
    before manifests by its files), or given as `kind` by a command that writes the report into its folder before
    the manifest is there. `svg` draws every plot as SVG too. `run`, the results `flowlab run` holds in memory,
    spares reading the event log back and measuring it again (same page: the folder's files are what `run` wrote).
    `shown_as` is the folder's name on the page when `results_dir` is a scratch folder that will be renamed to it.
    Returns the path of the report.
    """
    folder = Path(results_dir)
    if not folder.is_dir():
        raise EventLogError(f"{folder}: not a results folder (no such directory)")
    shown = str(shown_as if shown_as is not None else folder)
    builders: dict[str, Callable[[Path, Path], _Report]] = {
        "compare": _compare_report, "mine": _mine_report, "calibrate": _calibrate_report,
        "sweep": lambda place, scratch: _sweep_report(place, scratch, shown),
        "run": lambda place, scratch: _run_report(place, scratch, run, shown),
    }  # fmt: skip
    kind = kind if kind is not None else read_manifest(folder).kind
    if kind not in builders:
        raise ResultsFolderError(f"{folder}: a flowlab {kind} folder has no report (reports are made of "
                                 f"{', '.join(builders)} folders)")
    scratch = make_scratch(folder, PLOTS_DIR)
    try:
        pause_point("report")
        with figure_formats(svg=svg):
            report = builders[kind](folder, scratch)
        page = _render(report, svg=any(scratch.glob("*.svg")))
        replace_folder(scratch, folder / PLOTS_DIR)
    except BaseException:
        remove_scratch(scratch)
        raise
    target = folder / REPORT_FILE
    write_file_atomically(target, page.encode("utf-8"))
    return target


# ---- gathering --------------------------------------------------------------------------------------------------


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise EventLogError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(data, dict):
        raise EventLogError(f"{path}: expected a JSON object (got {type(data).__name__})")
    return data


def _mean(value: Any) -> float | None:
    """A summary number, plain or as {mean, half_width} (run summaries); None when absent."""
    if isinstance(value, dict):
        value = value.get("mean")
    return float(value) if isinstance(value, int | float) and np.isfinite(value) else None


def _measure_kind(key: str) -> str:
    """How a summary measure reads: a duration (hours), a share (0–1) or a plain number."""
    if key.endswith("_h"):
        return "duration"
    return "share" if key.startswith(("flow_efficiency", "sla_", "unfinished_share", "utilisation")) else "rate"


def _stage_plots(report: _Report, stage_times: pd.DataFrame, case_times: pd.DataFrame, scratch: Path,
                 order: list[str] | None = None, *, with_value_stream_map: bool = True) -> None:
    """The value stream map, lead-time distribution and directly-follows graph of one log's stage times.

    `order` (stage names, e.g. the scenario's order) overrides the order of first occurrence in the map;
    `with_value_stream_map` False leaves the map out (a log that cannot split wait from work).
    """
    summary = summarize_value_stream(stage_times)
    if order:
        rank = {name: position for position, name in enumerate(order)}
        summary = summary.assign(_rank=summary[ACTIVITY].map(rank).fillna(len(rank)).to_numpy(dtype=float))
        summary = summary.sort_values(["_rank", "position"], kind="stable").drop(columns="_rank")
    if with_value_stream_map:
        report.figures.append(("Value stream map", plot_value_stream_map(summary, case_times, scratch / "vsm")[0]))
    lead_times = case_times["lead_time_h"].to_numpy(dtype=float)
    if np.isfinite(lead_times).any():
        report.figures.append(("Lead time distribution",
                               plot_lead_time_histogram(lead_times, scratch / "lead_time")[0]))
    else:  # a run whose gate never opened, whose batch never filled: say so rather than fail
        report.headline_note = (f"{report.headline_note} · No case finished, so there is no lead time to show: "
                                "every case was still open at the end.").lstrip(" ·")
    graph = _graph_from_stage_times(stage_times)
    share = summary.set_index(ACTIVITY)["wait_share"].astype(float).to_dict()
    teams = {str(stage): str(team) for stage, team in zip(summary[ACTIVITY], summary["resource"], strict=True)
             if team}
    report.figures.append(("Directly-follows graph (colour: share of waiting)",
                           plot_dfg(graph, scratch / "dfg", wait_share=share, teams=teams or None)[0]))


_MIN_KNOWN_SPLIT = 0.5
"""Least share of visits with a known wait/work split for a value stream map to be drawn."""
_SPLIT_COLUMNS = ("wait_", "work_", "utilisation", "visits_with_cause", "estimated", "split_known")
"""Columns of the mined tables that need the wait/work split."""
_REASONS = {
    "flow efficiency": "needs the work in each visit: start events, or resources to estimate it from",
    "SLA attainment": "needs an SLA target, which an event log does not carry",
    "Kaplan–Meier": "the unfinished cases are too many for this quantile to be reached",
    "lead time": "no case finished",
}


def _known_split_share(stage_times: pd.DataFrame) -> float:
    """Share of visits whose wait and work are both known (measured, or estimated from resources)."""
    if stage_times.empty or not {"wait_h", "work_h"} <= set(stage_times.columns):
        return 0.0
    known = np.isfinite(stage_times["wait_h"].to_numpy(dtype=float)) & np.isfinite(
        stage_times["work_h"].to_numpy(dtype=float))
    return float(known.mean())


def _why_no_split(stage_times: pd.DataFrame, known: float) -> str:
    has_resources = "org:resource" in stage_times.columns and bool(stage_times["org:resource"].notna().any())
    lacks = "start events" + ("" if has_resources else " and no resources")
    return (f"the log has no {lacks}, so the time before an activity cannot be split into waiting and work "
            f"(known for {known:.0%} of visits); lead times, the directly-follows graph and the variants below "
            "need only completion times")


def _move_unknown_headline(report: _Report, values: dict[str, Any]) -> None:
    """Headline measures that read 'n/a' leave the headline for the page's one 'not in this log' list, each once,
    with why the log lacks it."""
    kept = []
    for label, text in report.headline:
        if text.strip() not in ("n/a", "n/a ± n/a"):
            kept.append((label, text))
            continue
        reason = next((why for key, why in _REASONS.items() if key.lower() in label.lower()),
                      "the log does not hold what it needs")
        if label.startswith("lead time") and "Kaplan" not in label and values.get("completed"):
            reason = "the log does not hold what it needs"
        report.missing.append((label, reason))
    report.headline = kept


def _graph_from_stage_times(stage_times: pd.DataFrame) -> nx.DiGraph:
    """`mining.dfg.discover_dfg` of the visits' completions (the report holds stage times, not the event log)."""
    completions = pd.DataFrame({CASE: stage_times[CASE].to_numpy(), ACTIVITY: stage_times[ACTIVITY].to_numpy(),
                                TIMESTAMP: stage_times["complete"].to_numpy()})
    return discover_dfg(completions)


def _run_report(folder: Path, scratch: Path, run: RunResults | None, shown: str) -> _Report:
    """A run folder's page; its log, cases, stages and queues taken from `run` when given, else from the files;
    `shown` names the folder on the page."""
    document = _read_json(folder / "summary.json") if (folder / "summary.json").is_file() else {}
    if run is None:
        from flowlab.reading import read_log_with_repairs  # the readers of every format: only when rebuilding

        log, repairs = read_log_with_repairs(folder / EVENT_LOG_FILE)
    else:  # the log as `flowlab mine` (and `flowlab report`) would read it back: the same repairs, in memory
        log, found = repair_log(run.event_log, source=EVENT_LOG_FILE)
        repairs = [f"{EVENT_LOG_FILE}: {repair.message}" for repair in found]
    stage_times = attach_groups(compute_stage_times(log), log)  # teams (org:group) when the log names persons
    cases = run.cases if run is not None else pd.read_csv(folder / "cases.csv") if (folder / "cases.csv").is_file() \
        else None
    case_times = None
    if cases is not None:
        # the post-warm-up cases the summary measures; the plots show the completed ones
        if "finished" in cases.columns:
            cases = cases.loc[cases["finished"].astype(bool)]
        if {"lead_time_h", "work_h"} <= set(cases.columns) and not cases.empty:
            case_times = cases
    if case_times is None:  # no case table to show: the log's own cases
        case_times = compute_case_times(log, stage_times=stage_times)
    summary = document.get("summary", {}) if isinstance(document.get("summary"), dict) else {}
    name = str(document.get("scenario", folder.name))
    report = _Report(title=f"{name} — simulation results", kind="flowlab run", source=shown)
    report.headline = [*headline_rows(summary, end="the horizon"), *constraint_rows(summary)]
    report.headline_note = HEADLINE_NOTE
    stage_table = run.stages if run is not None else pd.read_csv(folder / "stages.csv") \
        if (folder / "stages.csv").is_file() else None
    order = ([str(name) for name in stage_table["stage"]] if stage_table is not None
             and "stage" in stage_table.columns else None)
    _stage_plots(report, stage_times, case_times, scratch, order)
    queues = run.replications.queues if run is not None else pd.read_parquet(folder / "queues.parquet") \
        if (folder / "queues.parquet").is_file() else None
    if queues is not None:  # noqa: SIM102 (main's shape kept)
        if {"time_h", "stage", "queue_length"} <= set(queues.columns) and not queues.empty:
            if "replication" in queues.columns:
                queues = queues[queues["replication"] == queues["replication"].min()]
            start = pd.Timestamp(document["start"]) if document.get("start") else None
            time = start + pd.to_timedelta(queues["time_h"], unit="h") if start is not None else queues["time_h"]
            queues = queues.assign(time=time)
            report.figures.append(("Queue length per stage (first replication)",
                                   plot_queue_lengths(queues, scratch / "queues", value_column="queue_length",
                                                      group_column="stage", title="Queue length per stage",
                                                      value_label="items waiting", period="D")[0]))
    if stage_table is not None:  # two tables a window can hold: the measures, then the wait by cause
        causes = [column for column in stage_table.columns
                  if column.startswith("wait_") and column.endswith("_mean_h") and column != "wait_mean_h"]
        report.tables.append(("Stages (pooled over replications)", stage_table.drop(columns=causes)))
        if causes:
            report.tables.append(("Mean wait per visit by cause (pooled over replications)",
                                  stage_table[["stage", *causes]] if "stage" in stage_table.columns
                                  else stage_table[causes]))
    measures = {key: value for key, value in summary.items() if isinstance(value, dict) and "mean" in value}
    if measures:
        report.tables.append(("Summary (mean ± 95% confidence half-width across replications)",
                              pd.DataFrame([{"Measure": column_label(key), "Mean ± 95% CI half-width":
                                             render_estimate(value, _measure_kind(key)), "Replications": value.get("n")}
                                            for key, value in measures.items()])))
    report.facts = [
        ("scenario", str(document.get("scenario_source", name))),
        ("seed", str(document.get("seed", "n/a"))),
        ("replications", str(document.get("replications", "n/a"))),
        ("start", str(document.get("start", "n/a"))),
        ("horizon / warm-up", f"{format_hours(float(document.get('horizon_h', float('nan'))))} / "
                              f"{format_hours(float(document.get('warmup_h', float('nan'))))}"),
        ("events in the log", f"{len(log):,}"),
    ]
    report.facts += [("read as the miner reads it", message) for message in repairs]
    scenario_file = document.get("scenario_file")
    if isinstance(scenario_file, str) and (folder / Path(scenario_file).name).is_file():
        report.attachments.append((f"Scenario {Path(scenario_file).name}",
                                   (folder / Path(scenario_file).name).read_text(encoding="utf-8")))
    return report


def _calibrate_report(folder: Path, scratch: Path) -> _Report:
    """A calibration: what was discovered (headline), the fitted-vs-observed picture, the evidence tables, the
    scenario text and what the log could not tell."""
    from flowlab.scenario_yaml import team_size

    if not (folder / "scenario.yaml").is_file():
        raise ResultsFolderError(f"{folder}: a flowlab calibrate folder without its scenario.yaml")
    try:  # the loader with the nesting and alias limits (sim.limits): a results folder may come from elsewhere
        scenario = read_scenario_yaml((folder / "scenario.yaml").read_text(encoding="utf-8"), "scenario.yaml")
    except ScenarioError as error:
        raise ResultsFolderError(f"{folder}: {error}") from None
    if not isinstance(scenario, dict):
        raise ResultsFolderError(f"{folder / 'scenario.yaml'}: not a scenario (expected a mapping)")
    stages = [stage for stream in scenario.get("streams", {}).values() for stage in stream.get("stages", [])]
    teams = scenario.get("teams", {})
    items: dict[str, Any] = scenario.get("items") or {}
    first_item: dict[str, Any] = next(iter(items.values()), {})
    arrival: dict[str, Any] = first_item.get("arrival") or {}
    report = _Report(title=f"{scenario.get('name', folder.name)} — calibrated scenario", kind="flowlab calibrate",
                     source=str(scenario.get("description", "")))  # fmt: skip
    report.headline = [
        ("stages", str(len(stages))),
        ("teams (people)", ", ".join(f"{name} ({team_size(team)}{' in shifts' if 'people' in team else ''})"
                                     for name, team in teams.items())),
        ("arrivals", str(arrival.get("kind", "n/a"))),
        ("extraneous delays (stages · ways between stages)",
         f"{sum('handoff' in stage for stage in stages)} · "
         f"{sum(len(row) for row in (first_item.get('flow_delays') or {}).values())}"),
    ]
    notes = (folder / "notes.txt").read_text(encoding="utf-8").splitlines() if (folder / "notes.txt").is_file() else []
    report.headline_note = "; ".join(notes) if notes else "the log gave every part of the model (see the tables)"
    pictures = (("calibration.png", "Arrivals over the week, and each activity's work time: observed and fitted"),
                ("on_duty.png", "Working hours per team: people on duty by the calibrated calendars, and people "
                 "seen working"))  # fmt: skip
    for name, title in pictures:
        if (folder / name).is_file():
            shutil.copyfile(folder / name, scratch / name)
            report.figures.append((title, scratch / name))
    tables = (("work_fits.csv", "Fitted durations (work, extraneous delays)"), ("pools.csv", "Resource pools"),
              ("routing.csv", "Routing (first-order, start and end included)"))  # fmt: skip
    for name, title in tables:
        if (folder / name).is_file():
            report.tables.append((title, pd.read_csv(folder / name)))
    report.attachments.append(("scenario.yaml", (folder / "scenario.yaml").read_text(encoding="utf-8")))
    return report


def _sweep_report(folder: Path, scratch: Path, shown: str) -> _Report:
    from flowlab.sweep_plot import plot_sweep, plot_sweep_groups  # a run's report needs neither
    from flowlab.sweep_table import GROUP_KEYS, describe_variants, group_file, verdict_lines

    document = _read_json(folder / "sweep.json")
    table = _read_sweep_table(folder / "variants.csv")
    groups = {by: _read_sweep_table(folder / group_file(by)) for by in GROUP_KEYS
              if (folder / group_file(by)).is_file()}
    name = str(document.get("scenario", folder.name))
    baseline_name = str(document.get("baseline", "baseline"))
    report = _Report(title=f"{name} — what-if sweep", kind="flowlab sweep", source=shown)
    baseline = table.loc[table["variant"] == baseline_name]
    verdicts = verdict_lines(table, baseline=baseline_name)
    report.headline = [
        ("Variants", f"{len(table)} (baseline + {len(table) - 1})"),
        ("Baseline lead time (mean)",
         "n/a" if baseline.empty else format_hours(float(baseline["lead_time_mean_h"].iloc[0]))),
        ("Winner (real reduction of the mean lead time)", verdicts[-1].removeprefix("winner: ")),
    ]
    report.figures.append(("Paired difference to the baseline per variant (95% CI)",
                           plot_sweep(table, scratch / "sweep", baseline=baseline_name)[0]))
    if len(groups) == len(GROUP_KEYS):
        report.figures.append(("Paired difference of the mean lead time per stream and item class (95% CI)",
                               plot_sweep_groups(groups["item"], groups["stream"], scratch / "sweep_groups",
                                                 baseline=baseline_name)[0]))
    report.tables.append(("Mean lead time against the baseline (paired 95% CI over replications)",
                          pd.DataFrame({"verdict": verdicts})))
    note = "mean ± 95% CI; Δ = paired difference to the baseline ± 95% CI, 'real' when it excludes 0"
    report.tables.append((f"Variants ({note})", describe_variants(table, baseline=baseline_name)))
    for by, title in (("stream", "Per stream"), ("item", "Per work item class")):
        if by in groups:
            report.tables.append((title, describe_variants(groups[by], by, baseline=baseline_name)))
    folders = {str(entry.get("variant")): str(entry.get("folder")) for entry in document.get("variants", [])}
    report.facts = [
        ("scenario", str(document.get("scenario_file", name))),
        ("seed", str(document.get("seed", "n/a"))),
        ("replications per variant", str(document.get("replications", "n/a"))),
        ("horizon / warm-up", f"{format_hours(float(document.get('horizon_h', float('nan'))))} / "
                              f"{format_hours(float(document.get('warmup_h', float('nan'))))}"),
        ("variants", str(document.get("combined", "every combination"))),
        *((f"results of {variant}", f"{path} (flowlab report it for its own page)")
          for variant, path in folders.items()),
    ]
    return report


def _read_sweep_table(path: Path) -> pd.DataFrame:
    """A sweep's variants table; names such as "NA" stay names (only an empty cell is missing)."""
    table = pd.read_csv(path, keep_default_na=False, na_values=[""])
    if "lead_time_mean_diff_h" not in table.columns:
        raise EventLogError(
            f"{path}: no paired differences (column lead_time_mean_diff_h): written by an older flowlab sweep; "
            "run the sweep again"
        )
    return table


def _bottleneck_text(stage: Any, team: Any, share: Any) -> str:
    if not stage:
        return "none"
    text = str(stage) + (f" ({team})" if team else "")
    return text + (f" · {float(share):.0%} of waiting" if isinstance(share, int | float) else "")


def _mine_report(folder: Path, scratch: Path) -> _Report:
    document = _read_json(folder / "summary.json") if (folder / "summary.json").is_file() else {}
    stage_times = pd.read_parquet(folder / "stage_times.parquet")
    case_times = (pd.read_csv(folder / "case_times.csv") if (folder / "case_times.csv").is_file()
                  else _case_times_from_stage_times(stage_times))
    flow = document.get("flow", {}) if isinstance(document.get("flow"), dict) else {}
    bottlenecks = document.get("bottlenecks") or []
    top = bottlenecks[0] if bottlenecks and isinstance(bottlenecks[0], dict) else {}
    source = str(document.get("log", folder.name))
    report = _Report(title=f"{Path(source).name} — mined event log", kind="flowlab mine", source=source)
    report.headline = headline_rows(flow, end="the end of the log")
    report.headline_note = HEADLINE_NOTE.replace("the window", "the log")
    if flow.get("estimated"):
        report.headline.append(("wait / work split", "estimated: the log lacks start events for some visits"))
    if document.get("bottleneck_ranking") == "elapsed":
        share = top.get("elapsed_share")
        report.headline.append(
            ("longest time before a stage (wait/work split unknown)",
             f"{top.get(ACTIVITY) or 'none'}" + (f" · {float(share):.0%} of the time elapsed before stages"
                                                  if isinstance(share, int | float) else ""))
        )  # fmt: skip
    else:
        report.headline.append(
            ("top bottleneck (stage with most waiting)",
             _bottleneck_text(top.get(ACTIVITY) or top.get("stage"), None, top.get("wait_share")))
        )  # fmt: skip
    report.headline += [("warning", str(text)) for text in document.get("warnings") or []]
    replay = document.get("conformance")
    if isinstance(replay, dict) and "fitness" in replay and "precision" in replay:
        report.headline.append(("fitness / precision (token replay)",
                                f"{replay['fitness']:.3f} / {replay['precision']:.3f}"
                                + (f" — {replay['sample']}" if replay.get("sample") else "")))
    known = _known_split_share(stage_times)
    if known < _MIN_KNOWN_SPLIT:
        report.missing.append(("value stream map (wait and work per activity)", _why_no_split(stage_times, known)))
    _stage_plots(report, stage_times, case_times, scratch, with_value_stream_map=known >= _MIN_KNOWN_SPLIT)
    _move_unknown_headline(report, flow)
    if known < _MIN_KNOWN_SPLIT:  # the split is unknown: so is the stage "with most waiting"
        dropped = [label for label, _ in report.headline if label.startswith("top bottleneck")]
        report.headline = [(label, text) for label, text in report.headline
                           if not label.startswith(("wait / work split", "top bottleneck"))]
        if dropped:
            report.missing.append(("top bottleneck (stage with most waiting)",
                                   "needs the wait before each activity, which this log does not tell from work"))
    if (folder / "wip.csv").is_file():
        wip = pd.read_csv(folder / "wip.csv")
        if {"time", "wip"} <= set(wip.columns) and not wip.empty:
            wip["time"] = pd.to_datetime(wip["time"], utc=True)
            report.figures.append(("Work in progress", plot_queue_lengths(wip, scratch / "wip")[0]))
    report.table_notes["Stages"] = WAIT_CAUSE_NOTE
    for name, title in (("stage_summary.csv", "Stages"), ("bottlenecks.csv", "Bottlenecks"),
                        ("variants.csv", "Trace variants")):
        if (folder / name).is_file():
            table = pd.read_csv(folder / name)
            if known < _MIN_KNOWN_SPLIT:  # said once under "not in this log" instead of columns of n/a and 0
                table = table.drop(columns=[column for column in table.columns if column.startswith(_SPLIT_COLUMNS)])
            report.tables.append((title, table))
    if known < _MIN_KNOWN_SPLIT:
        report.missing.append(("wait, work and utilisation in the tables", "the same reason: they need the split"))
        report.table_notes.pop("Stages", None)  # the note explains wait causes, which are not shown
    report.facts = [("log", source)] + [(key, _fact(value)) for key, value in flow.items() if value is not None]
    unknown = [key for key, value in flow.items() if value is None]
    if unknown:
        report.facts.append(("not in this log", ", ".join(unknown)))
    return report


def _case_times_from_stage_times(stage_times: pd.DataFrame) -> pd.DataFrame:
    grouped = stage_times.groupby(CASE, sort=False)
    lead = (grouped["complete"].max() - grouped["ready"].min()) / pd.Timedelta(hours=1)
    return pd.DataFrame({"lead_time_h": lead.to_numpy(dtype=float),
                         "work_h": grouped["work_h"].sum(min_count=1).to_numpy(dtype=float)})


def _fact(value: Any) -> str:
    if isinstance(value, float):
        return format_number(value)
    return "n/a" if value is None else str(value)


def _compare_names(data: dict[str, Any]) -> tuple[str, str]:
    """Display names of A and B in comparison.json (`names`; `labels` in folders of older flowlab versions)."""
    names = data.get("names")
    if isinstance(names, dict):
        return str(names.get("a", "A")), str(names.get("b", "B"))
    labels = data.get("labels")
    if isinstance(labels, list) and len(labels) == 2:
        return str(labels[0]), str(labels[1])
    return "A", "B"


def _side_value(frame: pd.DataFrame, column: str, text: Callable[[float], str]) -> list[str]:
    """One side's values as text, 'absent' where that side has no visit of the stage."""
    side = column.rsplit("_", 1)[-1]
    return ["absent" if visits == 0 else text(float(value))
            for value, visits in zip(frame[column], frame[f"visits_{side}"], strict=True)]


def _compare_stage_table(stages: pd.DataFrame, min_visits: Any, sides: dict[str, Any]) -> pd.DataFrame:
    """The ranked stage table as a person reads it: one unit per cell, intervals beside differences, flags.

    A side estimated throughout says so in the headline; only a partly estimated side is flagged per stage.
    """
    partly = {letter: isinstance(side, dict) and side.get("estimated_visits", 0) < side.get("visits", 0)
              for letter, side in sides.items()}

    def hours(value: float) -> str:
        return format_hours(value) if np.isfinite(value) else "n/a"

    def difference(measure: str) -> list[str]:
        return [format_difference(float(value), float(low), float(high)) if present == "both" else ""
                for value, low, high, present in zip(stages[f"{measure}_difference"],
                                                     stages[f"{measure}_difference_ci_low"],
                                                     stages[f"{measure}_difference_ci_high"], stages["present"],
                                                     strict=True)]

    def flags(row: pd.Series) -> str:
        notes = []
        if row["small_sample"] is True:
            notes.append(f"small sample (< {min_visits} visits)")
        notes += [f"{letter}: estimated" for letter in ("A", "B")
                  if row[f"estimated_{letter.lower()}"] is True and partly.get(letter.lower(), True)]
        return "; ".join(notes)

    def total(value: float, relative: float, present: str) -> str:
        if present != "both":
            return ""
        text = format_difference(float(value))
        return text + (f" ({float(relative):+.0%})" if np.isfinite(relative) else "")

    return pd.DataFrame({
        "stage": stages["stage"],
        "seen in": stages["present"],
        "visits A": [f"{int(value):,}" for value in stages["visits_a"]],
        "visits B": [f"{int(value):,}" for value in stages["visits_b"]],
        "wait A": _side_value(stages, "wait_mean_h_a", hours),
        "wait B": _side_value(stages, "wait_mean_h_b", hours),
        "Δ wait [95% CI]": difference("wait_mean_h"),
        "work A": _side_value(stages, "work_mean_h_a", hours),
        "work B": _side_value(stages, "work_mean_h_b", hours),
        "Δ work [95% CI]": difference("work_mean_h"),
        "supported Δ": ["" if not np.isfinite(value) else "0 (CIs include 0)" if value == 0
                        else format_difference(float(value))
                        for value in stages["supported_difference_h"].astype(float)],
        "Δ wait + work (relative to B)": [total(value, relative, present) for value, relative, present in
                                          zip(stages["total_mean_h_difference"].astype(float),
                                              stages["total_mean_h_relative"].astype(float), stages["present"],
                                              strict=True)],
        "flags": [flags(row) for _, row in stages.iterrows()],
    })


def _compare_edge_table(edges: pd.DataFrame) -> pd.DataFrame:
    def percent(values: pd.Series) -> list[str]:
        return [f"{float(value):.1%}" for value in values]

    def points(value: float) -> str:
        rounded = round(100 * float(value), 1)
        return f"{rounded:+.1f}" if rounded != 0 else "0.0"

    return pd.DataFrame({
        "edge": [f"{source} → {target}" for source, target in zip(edges["source"], edges["target"], strict=True)],
        "count A": edges["count_a"], "count B": edges["count_b"],
        "share A": percent(edges["share_a"]), "share B": percent(edges["share_b"]),
        "Δ share A − B (points)": [points(value) for value in edges["share_difference"]],
    })


def _compare_report(folder: Path, scratch: Path) -> _Report:
    data = _read_json(folder / "comparison.json")
    names = _compare_names(data)
    found_sides = data.get("sides")
    sides: dict[str, Any] = found_sides if isinstance(found_sides, dict) else {}
    sources = data.get("sources")
    source_of = (sources if isinstance(sources, dict)
                 else dict(zip("ab", sources, strict=False)) if isinstance(sources, list) else {})
    lead = data.get("lead_time", {})
    flow = data.get("control_flow", {})
    bottlenecks = data.get("bottlenecks", {})
    report = _Report(title=f"A: {names[0]} vs B: {names[1]} — comparison", kind="flowlab compare",
                     source=" vs ".join(f"{letter.upper()}: {source_of.get(letter, name)}"
                                        for letter, name in zip("ab", names, strict=True)))

    def number(value: Any, digits: int = 3) -> str:
        return "n/a" if value is None else f"{float(value):.{digits}f}"

    def side(letter: str) -> dict[str, Any]:
        entry = sides.get(letter)
        return entry if isinstance(entry, dict) else {}

    spearman = bottlenecks.get("spearman")
    top_a = bottlenecks.get("top_a", bottlenecks.get("top_simulated")) or "none"
    top_b = bottlenecks.get("top_b", bottlenecks.get("top_observed")) or "none"
    report.headline = [
        (f"A · {names[0]}: lead time (mean)",
         format_hours(_mean(lead.get("mean_a_h", lead.get("mean_simulated_h"))) or float("nan"))),
        (f"B · {names[1]}: lead time (mean)",
         format_hours(_mean(lead.get("mean_b_h", lead.get("mean_observed_h"))) or float("nan"))),
        ("A · wait/work", str(side("a").get("wait_work", "n/a"))),
        ("B · wait/work", str(side("b").get("wait_work", "n/a"))),
        ("Wasserstein / B's mean · KS",
         f"{number(lead.get('wasserstein_relative'))} · {number(lead.get('ks_statistic'))}"),
        ("DFG distance · variant overlap",
         f"{number(flow.get('dfg_distance'))} · {number(flow.get('variant_overlap'))}"),
        ("Top bottleneck A · B", f"{top_a} · {top_b}"
                                 + (f" (Spearman {float(spearman):.2f})" if spearman is not None else "")),
    ]
    distances = data.get("log_distances")
    if isinstance(distances, dict):
        report.headline += [
            ("CTD · RED · AED · CAR (hours, as Simod scores)",
             " · ".join(number(distances.get(key), 1) for key in ("ctd_h", "red_h", "aed_h", "car_h"))),
            ("NGD2 · CFLD (0–1)", f"{number(distances.get('ngd2'))} · "
             + ("not computed" if distances.get("cfld") is None else number(distances.get("cfld")))),
        ]  # fmt: skip
    plots = folder / PLOTS_DIR
    for stem, title in (("lead_time_cdf", "Lead time distributions"), ("stage_comparison", "Wait and work per stage"),
                        ("vsm_a", f"Value stream map — A: {names[0]}"), ("vsm_b", f"Value stream map — B: {names[1]}"),
                        ("dfg_a", f"Directly-follows graph — A: {names[0]}"),
                        ("dfg_b", f"Directly-follows graph — B: {names[1]}")):
        for suffix in (".png", ".svg"):
            if (plots / f"{stem}{suffix}").is_file():
                shutil.copy2(plots / f"{stem}{suffix}", scratch / f"{stem}{suffix}")
        if (scratch / f"{stem}.png").is_file():
            report.figures.append((title, scratch / f"{stem}.png"))
    stages = pd.DataFrame(data.get("stages", []))
    if not stages.empty and "present" in stages.columns:
        title = "Stage differences A − B (mean per visit, ranked by the difference the 95% CIs support)"
        report.lead_tables.append((title, _compare_stage_table(stages, data.get("min_visits", "n/a"), sides)))
        mixed = f"Note: {data['mixed_split']}. " if data.get("mixed_split") else ""
        report.table_notes[title] = mixed + (
            f"{data.get('stage_ranking', '')} Absent: the stage has no visit in that log (no difference is "
            "computed). Estimated: that side's wait/work split comes from completion times, not start events. "
            "Every column is in stages.csv beside this report, in hours."
        )
    elif not stages.empty:  # a folder of an older flowlab version: its table as written
        report.tables.append(("Stages", stages))
    edges = pd.DataFrame(data.get("edges", []))
    if not edges.empty and {"count_a", "count_b"} <= set(edges.columns):
        report.tables.append(("Directly-follows edges (largest share difference first)", _compare_edge_table(edges)))
    elif not edges.empty:
        report.tables.append(("Directly-follows edges", edges))
    report.facts = [(f"{letter.upper()}: {name}", f"{source_of.get(letter, 'n/a')} · "
                     f"{side(letter).get('cases', 'n/a')} cases · wait/work {side(letter).get('wait_work', 'n/a')}")
                    for letter, name in zip("ab", names, strict=True)]
    if data.get("stage_map"):
        report.facts.append(("stage map (B → A names)", str(data["stage_map"])))
    report.facts += [(f"lead time: {key}", _fact(value)) for key, value in lead.items()]
    report.facts += [(f"control flow: {key}", _fact(value)) for key, value in flow.items()]
    return report


# ---- rendering ---------------------------------------------------------------------------------------------------

_CSS = """
body { font-family: -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; margin: 0; color: #1d2733;
       background: #f4f6f9; line-height: 1.45; }
header { background: #1f3b57; color: white; padding: 18px 32px; }
header h1 { margin: 0; font-size: 24px; }
header p { margin: 4px 0 0; color: #c9d6e3; font-size: 13px; }
main { max-width: 1400px; margin: 0 auto; padding: 20px 32px 40px; }
.headline { display: flex; flex-wrap: wrap; gap: 14px; margin: 4px 0 22px; }
.metric { background: white; border-radius: 8px; padding: 12px 18px; box-shadow: 0 1px 3px rgba(0,0,0,.12);
          min-width: 200px; flex: 1; }
.metric .label { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #5b6b7b; }
.metric .value { font-size: 22px; font-weight: 600; color: #1f3b57; margin-top: 2px; }
section { background: white; border-radius: 8px; padding: 14px 20px; margin-bottom: 20px;
          box-shadow: 0 1px 3px rgba(0,0,0,.12); }
section h2 { font-size: 18px; margin: 2px 0 10px; color: #1f3b57; }
figure { margin: 0; }
figure { overflow-x: auto; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; cursor: zoom-in; }
figure img.full { max-width: none; cursor: zoom-out; }
.table-wrap { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 12.5px; width: 100%; }
table.data th { background: #e9eef4; text-align: left; padding: 5px 8px; position: sticky; top: 0; }
table.data td { padding: 4px 8px; border-top: 1px solid #e3e8ee; text-align: right; white-space: nowrap; }
table.data td:first-child, table.data td.text { text-align: left; }
table.data td.text { white-space: normal; min-width: 10em; }
table.data tr:nth-child(even) td { background: #fafbfc; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; font-size: 13px; margin: 0; }
dl.facts dt { color: #5b6b7b; }
dl.facts dd { margin: 0; }
details pre { background: #f6f8fa; padding: 10px; overflow-x: auto; font-size: 12px; }
.note { color: #5b6b7b; font-size: 12px; }
"""


def _image(path: Path) -> str:
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<img alt="{html.escape(path.stem)}" title="click to zoom" onclick="this.classList.toggle(\'full\')" '
            f'src="data:image/png;base64,{encoded}">')


_NUMERIC_CELL = re.compile(r"^(n/a|[<>]? ?[-+]?[\d,.]+ ?(%|[a-z]{1,3})?( ± [\d,.]+ ?(%|[a-z]{1,3})?)?|yes|no|)$")
"""A cell that reads as a number (right-aligned); other cells are text (left-aligned, wrapped)."""


def _table(frame: pd.DataFrame) -> str:
    """The table as people read it (`readable_table`: human labels, one unit per column, no scientific notation);
    columns without any known value are named once under it instead of shown as columns of n/a."""
    readable = readable_table(frame)
    shown = readable.frame.head(_MAX_TABLE_ROWS)
    head = "".join(f"<th>{html.escape(str(column))}</th>" for column in shown.columns)
    text_columns = {index for index, column in enumerate(shown.columns)
                    if not all(_NUMERIC_CELL.match(str(value)) for value in shown[column])}
    rows = "".join(
        "<tr>" + "".join(f'<td class="text">{html.escape(str(value))}</td>' if index in text_columns
                         else f"<td>{html.escape(str(value))}</td>" for index, value in enumerate(row)) + "</tr>"
        for row in shown.itertuples(index=False, name=None)
    )
    note = (f'<p class="note">first {_MAX_TABLE_ROWS} of {len(frame):,} rows</p>' if len(frame) > _MAX_TABLE_ROWS
            else "")
    if readable.unknown:
        note += f'<p class="note">not in this log (no row has a value): {html.escape(", ".join(readable.unknown))}</p>'
    return f'<div class="table-wrap"><table class="data"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody>' \
           f"</table></div>{note}"


def _versions() -> Iterable[tuple[str, str]]:
    for name in _LIBRARIES:
        try:
            yield name, metadata.version(name)
        except metadata.PackageNotFoundError:
            yield name, "not installed"


def _render(report: _Report, *, svg: bool = False) -> str:
    escape = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(report.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(report.title)}</h1><p>{escape(report.kind)} · {escape(report.source)}</p></header>",
        "<main>",
        '<div class="headline">',
    ]
    parts += [f'<div class="metric"><div class="label">{escape(label)}</div>'
              f'<div class="value">{escape(value)}</div></div>' for label, value in report.headline]
    parts.append("</div>")
    if report.headline_note:
        parts.append(f'<p class="note">{escape(report.headline_note)}</p>')
    if report.missing:
        parts.append('<section class="missing"><h2>Not in this log</h2><ul>')
        parts += [f"<li><b>{escape(what)}</b>: {escape(why)}</li>" for what, why in report.missing]
        parts.append("</ul></section>")

    def table_section(title: str, frame: pd.DataFrame) -> str:
        note = report.table_notes.get(title)
        note_html = f'<p class="note">{escape(note)}</p>' if note else ""
        return f"<section><h2>{escape(title)}</h2>{note_html}{_table(frame)}</section>"

    parts += [table_section(title, frame) for title, frame in report.lead_tables]
    for title, path in report.figures:
        parts.append(f"<section><h2>{escape(title)}</h2><figure>{_image(path)}</figure></section>")
    parts += [table_section(title, frame) for title, frame in report.tables]
    facts = [*report.facts, *((f"version of {name}", version) for name, version in _versions())]
    parts.append("<section><h2>Where this comes from</h2><dl class=\"facts\">")
    parts += [f"<dt>{escape(key)}</dt><dd>{escape(value)}</dd>" for key, value in facts]
    parts.append("</dl>")
    for title, text in report.attachments:
        parts.append(f"<details><summary>{escape(title)}</summary><pre>{escape(text)}</pre></details>")
    formats = "PNG and SVG" if svg else "PNG (SVG too with --svg)"
    parts.append(f'<p class="note">plots also as {formats} in {escape(PLOTS_DIR)}/ beside this file</p>')
    parts.append("</section></main></body></html>")
    return "\n".join(parts) + "\n"
