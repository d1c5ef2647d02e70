"""A run's results: the simulated event log measured by `mining`'s one definition of every flow measure, joined
with what only the engine knows, and the results folder written all at once or not at all.

The measures are computed on the log of *all* cases (the warm-up ones too) over the window [warm-up, horizon] (for
a run of a number of cases, [warm-up, the end of its longest replication], the same for every replication): the
per-case measures count the cases that arrived in it, the time-window measures (throughput, WIP, per-stage
throughput) whatever happens in it (see `mining.flow_measures`). The written log holds the cases that arrived after
the warm-up, so `flowlab mine` of it sees the same cases but not the warm-up's work still in progress at the
window's start: its throughput and WIP can be a little lower than the run's.

The folder is written by `flowlab.folders.write_folder`: into a hidden sibling first, the report included, and
renamed into place at the end, so a failure (a full disk, an interrupt) never leaves a half-written result where a
finished one is expected. Files:

| file | what |
|---|---|
| `event_log.parquet` | the event log (`sim.event_log.build_event_log`), post-warm-up cases, all replications |
| `cases.csv` | one row per post-warm-up case: `mining.compute_case_times` with its class, stream, replication, SLA |
| `stages.csv` | per stage, pooled over replications (`STAGE_COLUMNS`) |
| `stages_by_replication.csv` | per replication and stage |
| `replications.csv` | the summary measures of each replication (`mining.flow_measures.MEASURE_COLUMNS`) |
| `queues.parquet`, `busy.parquet` | queue-length and busy-server step samples of every replication (whole horizon) |
| `summary.json` | scenario, run settings, library versions and the `Summary` (means with 95% CI half-widths) |
| the scenario file | the text that was simulated (read once, at the start), under the file's name |
| `flowlab.json` | the manifest: a `run` folder, the command, the scenario it read, the files it holds |

In `summary.json`, `max_cases` is the number of cases of a run by `--cases` (null for a run by horizon) and
`window_end_h` the end of the measures' window (the horizon, or the end of the longest replication).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from flowlab.folders import write_folder
from mining.columns import ACTIVITY
from mining.flow_measures import (
    MEASURE_COLUMNS,
    Window,
    attach_case_attributes,
    compute_flow_measures,
    sla_verdicts,
)
from mining.replication_summary import Summary, summarize_replications
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_case_times, compute_stage_times
from sim.engine_measures import WAIT_CAUSES, compute_engine_stage_measures
from sim.event_log import build_event_log, hours_to_timestamps
from sim.replications import Replications

__all__ = ["GROUPINGS", "STAGE_COLUMNS", "RunResults", "collect_results", "write_results"]

RESULTS_FORMAT_VERSION = 2
"""Version of the folder layout, written into `summary.json` (2: measures from the log, two flow efficiencies)."""
SUMMARY_FILE = "summary.json"
VERSIONED_PACKAGES = ("flowlab", "simpy", "numpy", "pandas", "scipy", "pm4py")

GROUPINGS = {"item": "case:item", "stream": "case:stream"}
"""What the measures can be grouped by (work item class or stream) and the case attribute that holds it."""

STAGE_COLUMNS = (
    "stage", "stream", "team", "visits", "wait_mean_h", "wait_p85_h", "work_mean_h", "utilisation",
    "mean_queue_length", "throughput_per_day", "wait_share", *(f"wait_{cause}_mean_h" for cause in WAIT_CAUSES),
)  # fmt: skip
"""Columns of the run's stage tables (`replication` first in the per-replication one)."""

REPLICATION = "case:replication"


@dataclass(frozen=True, eq=False)
class RunResults:
    """The replications of a run and every table computed from them (hours, shares 0–1)."""

    replications: Replications
    event_log: pd.DataFrame
    """The written log: cases that arrived after the warm-up."""
    cases: pd.DataFrame
    """Per case that arrived in the window: `compute_case_times` with class, stream, replication and SLA."""
    stages: pd.DataFrame
    stages_by_replication: pd.DataFrame
    measures: pd.DataFrame
    """Per replication: `replication` and the `MEASURE_COLUMNS`."""
    summary: Summary
    window: Window
    stage_times: pd.DataFrame = field(repr=False)
    """Every completed visit of the whole log (warm-up cases too), with its case's class, stream, replication."""
    case_times: pd.DataFrame = field(repr=False)
    """Every case of the whole log, with its class, stream and replication."""

    def group_measures(self, by: str) -> pd.DataFrame:
        """The `MEASURE_COLUMNS` per replication and work item class (`by="item"`) or stream (`by="stream"`).

        Every class (stream) of the network has a row in every replication, also one without a case there.
        """
        column = _grouping(by)
        groups = pd.MultiIndex.from_product(
            [_replication_numbers(self.replications), self._group_names(by)], names=[REPLICATION, column]
        )
        table = compute_flow_measures(
            self.case_times, by=[REPLICATION, column], window=self.window, sla_h=_sla(self.replications), groups=groups
        )
        return table.rename(columns={REPLICATION: "replication", column: by})

    def _group_names(self, by: str) -> list[str]:
        """The classes (streams) of the network in its order, then any other the cases name."""
        network = self.replications.network
        names = list(network.item_classes) if by == "item" else list(network.streams)
        if by == "stream":
            names += [item.stream for item in network.item_classes.values()]
        return list(dict.fromkeys([*names, *self.case_times[_grouping(by)].dropna().astype(str)]))

    def group_bottlenecks(self, by: str) -> pd.DataFrame:
        """Per class (stream): the stage where its cases waited most over all replications, with that stage's share
        of the group's waiting, its mean wait there (hours) and its team's utilisation; None/NaN for a group whose
        cases never waited."""
        column = _grouping(by)
        stages = summarize_stages(self.stage_times, by=[column], window=self.window)
        utilisation = self.stages.set_index("stage")["utilisation"]
        team = self.stages.set_index("stage")["team"]
        rows = []
        for group in self._group_names(by):
            mine = stages.loc[(stages[column].astype(str) == group) & (stages["wait_share"] > 0)]
            row: dict[str, object] = {by: group, "stage": None, "team": None}
            row |= dict.fromkeys(("wait_share", "wait_mean_h", "utilisation"), float("nan"))
            if len(mine):
                top = mine.iloc[0]
                stage = str(top[ACTIVITY])
                row |= {
                    "stage": stage,
                    "team": team.get(stage),
                    "wait_share": float(top["wait_share"]),
                    "wait_mean_h": float(top["wait_mean_h"]),
                    "utilisation": float(utilisation.get(stage, float("nan"))),
                }
            rows.append(row)
        return pd.DataFrame(rows, columns=[by, "stage", "team", "wait_share", "wait_mean_h", "utilisation"])


def _grouping(by: str) -> str:
    if by not in GROUPINGS:
        raise ValueError(f"cannot group the measures by {by!r}; choose one of {', '.join(GROUPINGS)}")
    return GROUPINGS[by]


def _replication_numbers(replications: Replications) -> list[int]:
    return [recording.replication for recording in replications.recordings]


def _sla(replications: Replications) -> dict[str, float]:
    return {name: item.sla_h for name, item in replications.network.item_classes.items() if item.sla_h is not None}


def run_window(replications: Replications) -> Window:
    """[warm-up, horizon] of the run as UTC timestamps, converted as the log's are (to the microsecond), so an event
    at the window's end (the last completion of a run of a number of cases) falls inside it."""
    start, end = hours_to_timestamps(replications.network.run.start, [replications.warmup_h, replications.horizon_h])
    return Window(start, end)


def _stage_table(stage_times: pd.DataFrame, engine: pd.DataFrame, window: Window, by: list[str]) -> pd.DataFrame:
    """The log's stage measures (`summarize_stages`) joined with the engine's, in the engine's (network) order."""
    from_log = summarize_stages(stage_times, by=by, window=window).rename(
        columns={ACTIVITY: "stage", REPLICATION: "replication"}
    )
    keys = ["replication", "stage"] if by else ["stage"]
    table = engine.merge(from_log, on=keys, how="left", validate="one_to_one")
    table["visits"] = table["visits"].fillna(0).astype("int64")
    table["throughput_per_day"] = table["throughput_per_day"].fillna(0.0)
    table["wait_share"] = table["wait_share"].fillna(0.0)
    return table[[*keys[:-1], *STAGE_COLUMNS]]


def collect_results(replications: Replications) -> RunResults:
    """Measure the run: the log of every case, its stage and case times, the per-replication measures, the stage
    tables (log and engine joined) and the summary, each once."""
    network = replications.network
    window = run_window(replications)
    log = build_event_log(replications, network.run.start, warmup_h=0.0)
    stage_times = attach_case_attributes(compute_stage_times(log), log)
    case_times = attach_case_attributes(compute_case_times(log, stage_times=stage_times), log)
    numbers = pd.Index(_replication_numbers(replications), name=REPLICATION)
    sla = _sla(replications)
    measures = compute_flow_measures(case_times, by=[REPLICATION], window=window, sla_h=sla, groups=numbers)
    items = compute_flow_measures(case_times, by=[REPLICATION, "case:item"], window=window, sla_h=sla)
    engine_by_replication, engine_pooled = compute_engine_stage_measures(replications)
    stages = _stage_table(stage_times, engine_pooled, window, [])
    by_replication = _stage_table(stage_times, engine_by_replication, window, [REPLICATION])
    summary = summarize_replications(
        measures, items, stages, warmup_h=replications.warmup_h, horizon_h=replications.horizon_h
    )
    arrived = case_times["arrival"].between(window.start, window.end).to_numpy()
    cases = case_times.loc[arrived].reset_index(drop=True)
    cases = pd.concat([cases, sla_verdicts(cases, sla)], axis=1)
    kept = log["case:arrival"] >= window.start
    return RunResults(
        replications=replications,
        event_log=log.loc[kept.to_numpy()].reset_index(drop=True),
        cases=cases,
        stages=stages,
        stages_by_replication=by_replication,
        measures=measures.rename(columns={REPLICATION: "replication"})[["replication", *MEASURE_COLUMNS]],
        summary=summary,
        window=window,
        stage_times=stage_times,
        case_times=case_times,
    )


def library_versions() -> dict[str, str]:
    """Installed versions of flowlab and the libraries whose behaviour the numbers depend on."""
    return {name: metadata.version(name) for name in VERSIONED_PACKAGES}


def summary_document(results: RunResults, scenario_path: Path | None) -> dict:
    """The JSON-safe content of `summary.json`."""
    run = results.replications.network.run
    return {
        "format_version": RESULTS_FORMAT_VERSION,
        "scenario": results.replications.network.name,
        "scenario_file": scenario_path.name if scenario_path is not None else None,
        "scenario_source": str(scenario_path) if scenario_path is not None else None,
        "start": run.start.isoformat(),
        "seed": run.seed,
        "replications": run.replications,
        "horizon_h": run.horizon_h,
        "warmup_h": run.warmup_h,
        "max_cases": run.max_cases,
        "window_end_h": results.replications.horizon_h,
        "versions": library_versions(),
        "summary": results.summary.to_dict(),
    }


def _write_files(folder: Path, results: RunResults, scenario_path: Path | None, scenario_text: bytes | None) -> None:
    replications = results.replications
    results.event_log.to_parquet(folder / "event_log.parquet", index=False)
    results.cases.to_csv(folder / "cases.csv", index=False)
    results.stages.to_csv(folder / "stages.csv", index=False)
    results.stages_by_replication.to_csv(folder / "stages_by_replication.csv", index=False)
    results.measures.to_csv(folder / "replications.csv", index=False)
    replications.queues.to_parquet(folder / "queues.parquet", index=False)
    replications.busy.to_parquet(folder / "busy.parquet", index=False)
    if scenario_path is not None and scenario_text is not None:
        (folder / scenario_path.name).write_bytes(scenario_text)
    elif scenario_path is not None:
        shutil.copyfile(scenario_path, folder / scenario_path.name)
    document = summary_document(results, scenario_path)
    (folder / SUMMARY_FILE).write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_results(
    out_dir: str | Path,
    results: RunResults,
    *,
    scenario_path: str | Path | None = None,
    scenario_text: bytes | None = None,
    command: str = "",
    report: Callable[[Path, RunResults], None] | None = None,
) -> Path:
    """Write the results folder `out_dir` (see the module docstring) atomically, with its `run` manifest, and return
    its path (`flowlab.folders.write_folder`: an existing folder is replaced only when it is empty or a previous run
    folder; anything else raises FileExistsError, so a mistyped `--out` never deletes someone's folder).

    `scenario_text` is the scenario as it was read and simulated, written under `scenario_path`'s name (without it
    the file at `scenario_path` is copied, as it is now). `report(folder, results)`, when given, writes the report
    into the folder before it is renamed into place (e.g. `flowlab.report.write_report` with `run=results`).
    """
    source = Path(scenario_path) if scenario_path is not None else None

    def fill(folder: Path) -> None:
        _write_files(folder, results, source, scenario_text)
        if report is not None:
            report(folder, results)

    return write_folder(
        Path(out_dir),
        "run",
        fill,
        command=command or "flowlab run",
        inputs=[str(source)] if source is not None else [],
    )
