"""The results folder of a run: event log, tables, summary and the scenario, written all at once or not at all.

Everything is written into a temporary sibling folder first and renamed into place at the end, so a failure (a full
disk, an interrupt) never leaves a half-written result where a finished one is expected. Files:

| file | what |
|---|---|
| `event_log.parquet` | the event log (`sim.event_log.build_event_log`), post-warm-up cases, all replications |
| `cases.csv` | one row per post-warm-up case (`sim.statistics.compute_case_table`) |
| `stages.csv` | per stage, pooled over replications (`pool_stage_table`) |
| `stages_by_replication.csv` | per replication and stage (`compute_stage_table`) |
| `replications.csv` | the summary measures of each replication (`compute_replication_measures`) |
| `queues.parquet`, `busy.parquet` | queue-length and busy-server step samples of every replication (whole horizon) |
| `summary.json` | scenario, run settings, library versions and the `Summary` (means with 95% CI half-widths) |
| the scenario file | a copy, under its own name, so the folder says what was run |
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.event_log import build_event_log
from sim.replications import Replications
from sim.statistics import (
    Summary,
    build_summary,
    compute_case_table,
    compute_replication_measures,
    compute_stage_table,
    pool_stage_table,
)

RESULTS_FORMAT_VERSION = 1
"""Version of the folder layout, written into `summary.json`."""
SUMMARY_FILE = "summary.json"
VERSIONED_PACKAGES = ("flowlab", "simpy", "numpy", "pandas", "scipy")


@dataclass(frozen=True, eq=False)
class RunResults:
    """The replications of a run and every table computed from them (hours; see `sim.statistics`)."""

    replications: Replications
    event_log: pd.DataFrame
    cases: pd.DataFrame
    stages: pd.DataFrame
    stages_by_replication: pd.DataFrame
    measures: pd.DataFrame
    summary: Summary


def collect_results(replications: Replications) -> RunResults:
    """Compute the event log, the case, stage and per-replication tables and the summary, each once."""
    cases = compute_case_table(replications)
    measures = compute_replication_measures(replications, cases)
    stages = pool_stage_table(replications)
    summary = build_summary(measures, cases, stages, warmup_h=replications.warmup_h, horizon_h=replications.horizon_h)
    return RunResults(
        replications=replications,
        event_log=build_event_log(replications, replications.network.run.start),
        cases=cases,
        stages=stages,
        stages_by_replication=compute_stage_table(replications),
        measures=measures,
        summary=summary,
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
        "versions": library_versions(),
        "summary": results.summary.to_dict(),
    }


def _write_files(folder: Path, results: RunResults, scenario_path: Path | None) -> None:
    replications = results.replications
    results.event_log.to_parquet(folder / "event_log.parquet", index=False)
    results.cases.to_csv(folder / "cases.csv", index=False)
    results.stages.to_csv(folder / "stages.csv", index=False)
    results.stages_by_replication.to_csv(folder / "stages_by_replication.csv", index=False)
    results.measures.to_csv(folder / "replications.csv", index=False)
    replications.queues.to_parquet(folder / "queues.parquet", index=False)
    replications.busy.to_parquet(folder / "busy.parquet", index=False)
    if scenario_path is not None:
        shutil.copyfile(scenario_path, folder / scenario_path.name)
    document = summary_document(results, scenario_path)
    (folder / SUMMARY_FILE).write_text(json.dumps(document, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def write_results(out_dir: str | Path, results: RunResults, *, scenario_path: str | Path | None = None) -> Path:
    """Write the results folder `out_dir` (see the module docstring) atomically and return its path.

    An existing `out_dir` is replaced only when it is empty or a previous results folder (it holds `summary.json`);
    anything else raises FileExistsError, so a mistyped `--out` never deletes someone's folder.
    """
    target = Path(out_dir)
    source = Path(scenario_path) if scenario_path is not None else None
    if target.exists() and not _replaceable(target):
        raise FileExistsError(
            f"refusing to replace {target}: it exists and is not a flowlab results folder (no {SUMMARY_FILE})"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.writing-", dir=target.parent))
    try:
        _write_files(staging, results, source)
        _move_into_place(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def _replaceable(folder: Path) -> bool:
    return folder.is_dir() and (not any(folder.iterdir()) or (folder / SUMMARY_FILE).is_file())


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename `staging` to `target`; a previous `target` is moved aside first and removed only afterwards."""
    if not target.exists():
        os.replace(staging, target)
        return
    # rename(2) may replace an empty directory: mkdtemp reserves a unique name beside the target
    previous = Path(tempfile.mkdtemp(prefix=f".{target.name}.previous-", dir=target.parent))
    os.replace(target, previous)
    try:
        os.replace(staging, target)
    except OSError:
        os.replace(previous, target)
        raise
    shutil.rmtree(previous)
