"""Speed of flowlab's mining beside pm4py's own call for the same figure, measured side by side in one run.

    /work/venv/bin/python benchmarks/mining_speed.py            # 100,000 cases, 1,000,000 events
    /work/venv/bin/python benchmarks/mining_speed.py --cases 5000

Builds a synthetic log (start + complete events, 5 visits per case, 20 resources, fixed seed), writes it as
Parquet, CSV and XES, then times each flowlab call and the pm4py call that gives the same figure, and prints the
ratio. Targets from issue 3: every measure at least 5x faster than pm4py, XES import at least 3x faster than
pm4py's default reader, all item-1 measures under 3 s, peak memory under 2 GB.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mining.columns import ACTIVITY, CASE, INSTANCE, LIFECYCLE, RESOURCE, TIMESTAMP

ACTIVITIES = np.array(["Triage", "Analyse", "Build", "Test", "Deploy", "Review"])
VISITS_PER_CASE = 5
RESOURCES = 20


def build_log(cases: int, seed: int = 20240301) -> pd.DataFrame:
    """A start + complete log of `cases` × 5 visits, column-wise; exponential waits and works, 20 resources."""
    rng = np.random.default_rng(seed)
    visits = cases * VISITS_PER_CASE
    case = np.repeat(np.arange(cases), VISITS_PER_CASE)
    arrival_s = np.cumsum(rng.exponential(600.0, cases))  # one case every 10 minutes
    wait_s = rng.exponential(3_600.0, visits)
    work_s = rng.exponential(1_800.0, visits)
    step_s = (wait_s + work_s).reshape(cases, VISITS_PER_CASE)
    complete_s = arrival_s[:, None] + np.cumsum(step_s, axis=1)
    complete_s = complete_s.reshape(-1)
    start_s = complete_s - work_s
    activity = ACTIVITIES[rng.integers(0, len(ACTIVITIES), visits)]
    who = np.char.add("r", rng.integers(0, RESOURCES, visits).astype(str))
    case_id = np.char.add("case-", case.astype(str))
    epoch = pd.Timestamp("2024-01-01", tz="UTC")
    instance = np.arange(visits).astype(str)
    frame = pd.DataFrame(
        {
            CASE: np.concatenate([case_id, case_id]),
            ACTIVITY: np.concatenate([activity, activity]),
            LIFECYCLE: np.repeat(["start", "complete"], visits),
            TIMESTAMP: epoch + pd.to_timedelta(np.concatenate([start_s, complete_s]).round(), unit="s"),
            RESOURCE: np.concatenate([who, who]),
            INSTANCE: np.concatenate([instance, instance]),
        }
    )
    order = np.lexsort((frame[LIFECYCLE].to_numpy() == "complete", frame[TIMESTAMP].to_numpy(), case.tolist() * 2))
    return frame.iloc[order].reset_index(drop=True)


def write_xes(log: pd.DataFrame, path: Path) -> None:
    """A plain XES 1.0 file of the log, built column-wise (pm4py's exporter is too slow for a million events)."""
    from xml.sax.saxutils import quoteattr

    def attribute(kind: str, key: str, values: pd.Series) -> pd.Series:
        quoted = values.astype(str).map(quoteattr)  # per distinct value cost is small; escaping is needed
        return f'<{kind} key="{key}" value=' + quoted + "/>"

    stamps = log[TIMESTAMP].dt.strftime("%Y-%m-%dT%H:%M:%S.000+00:00")
    events = (
        "<event>"
        + attribute("string", ACTIVITY, log[ACTIVITY])
        + attribute("string", LIFECYCLE, log[LIFECYCLE])
        + attribute("string", RESOURCE, log[RESOURCE])
        + attribute("string", INSTANCE, log[INSTANCE])
        + '<date key="time:timestamp" value="'
        + stamps
        + '"/></event>'
    )
    case = log[CASE].to_numpy()
    first = np.ones(len(log), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    last = np.ones(len(log), dtype=bool)
    last[:-1] = first[1:]
    opening = np.where(first, "<trace>" + attribute("string", "concept:name", log[CASE]), "")
    closing = np.where(last, "</trace>", "")
    body = "\n".join((opening + events + closing).tolist())
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0">\n' + body + "\n</log>\n", encoding="utf-8"
    )


def timed(call: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best wall time of `repeat` calls (seconds), and the last result."""
    best = float("inf")
    result = None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = call()
        best = min(best, time.perf_counter() - began)
    return best, result


def row(label: str, ours: float | None, theirs: float | None, target: float | None = None) -> None:
    def seconds(value: float | None) -> str:
        return "      n/a" if value is None else f"{value:8.3f}s"

    ratio = "" if ours is None or theirs is None else f"{theirs / ours:7.1f}x"
    verdict = ""
    if target is not None and ours is not None and theirs is not None:
        verdict = "  ok" if theirs / ours >= target else f"  BELOW {target:g}x"
    print(f"{label:<44} flowlab {seconds(ours)}   pm4py {seconds(theirs)}   {ratio}{verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000, help="number of cases (10 events each)")
    parser.add_argument("--skip-xes", action="store_true", help="leave out the (slow) XES import comparison")
    arguments = parser.parse_args()
    warnings.filterwarnings("ignore")

    import pm4py

    from mining.bottlenecks import rank_bottlenecks
    from mining.discovery import discover_dfg, quiet_pm4py
    from mining.measures import (
        compute_arrivals,
        compute_case_times,
        compute_flow_summary,
        compute_handovers,
        compute_rework,
        compute_stage_times,
        compute_throughput,
        compute_wip,
        summarize_stages,
    )

    try:
        from mining.read import read_log
    except ImportError:
        read_log = None

    log = build_log(arguments.cases)
    print(f"synthetic log: {arguments.cases:,} cases, {len(log):,} events (start + complete), {RESOURCES} resources")
    keys = {"case_id_key": CASE, "activity_key": ACTIVITY, "timestamp_key": TIMESTAMP}

    with tempfile.TemporaryDirectory() as folder:
        parquet, csv, xes = Path(folder) / "log.parquet", Path(folder) / "log.csv", Path(folder) / "log.xes"
        log.to_parquet(parquet, index=False)
        log.to_csv(csv, index=False)
        if not arguments.skip_xes:
            write_xes(log, xes)

        def pm4py_csv() -> pd.DataFrame:
            frame = pd.read_csv(csv)
            return pm4py.format_dataframe(frame, case_id=CASE, activity_key=ACTIVITY, timestamp_key=TIMESTAMP)

        def pm4py_parquet() -> pd.DataFrame:
            return pm4py.format_dataframe(
                pd.read_parquet(parquet), case_id=CASE, activity_key=ACTIVITY, timestamp_key=TIMESTAMP
            )

        reader = (lambda path: (lambda: read_log(path))) if read_log else (lambda path: None)
        for label, path, theirs_call, target in (
            ("import Parquet (vs read_parquet+format_dataframe)", parquet, pm4py_parquet, None),
            ("import CSV (vs read_csv+format_dataframe)", csv, pm4py_csv, None),
            ("import XES (vs pm4py.read_xes default)", xes, lambda: pm4py.read_xes(str(xes)), 3.0),
        ):
            if path == xes and arguments.skip_xes:
                continue
            ours_call = reader(path)
            ours = timed(ours_call)[0] if ours_call else None
            with quiet_pm4py():
                theirs = timed(theirs_call)[0]
            row(label, ours, theirs, target)

    # pm4py wants one row per visit with a start column for service time; built outside the timing
    visits = log[log[LIFECYCLE] == "complete"].merge(
        log.loc[log[LIFECYCLE] == "start", [INSTANCE, TIMESTAMP]].rename(columns={TIMESTAMP: "start_timestamp"}),
        on=INSTANCE,
    )

    ours, stage_times = timed(lambda: compute_stage_times(log), repeat=2)
    ours_summary, _ = timed(lambda: summarize_stages(compute_stage_times(log)), repeat=2)

    def pm4py_wait_and_work() -> Any:
        """pm4py's own route from a start/complete log to per-event waiting and service time."""
        from pm4py.objects.log.util import interval_lifecycle

        event_log = pm4py.convert_to_event_log(log, case_id_key=CASE)
        return interval_lifecycle.assign_lead_cycle_time(event_log)

    with quiet_pm4py():
        theirs, _ = timed(pm4py_wait_and_work, repeat=1)
    row("stage wait+work (vs assign_lead_cycle_time)", ours, theirs, 5.0)
    row("  …with per-stage summary", ours_summary, theirs, 5.0)
    theirs, _ = timed(
        lambda: pm4py.get_service_time(visits, start_timestamp_key="start_timestamp", **keys), repeat=1
    )
    row("stage work only (vs get_service_time, paired)", ours, theirs, 5.0)
    print("    (get_service_time is given the start/complete pairs ready-made; flowlab pairs them itself)")

    ours, _ = timed(lambda: compute_case_times(log, stage_times=stage_times), repeat=2)
    ours_full, _ = timed(lambda: compute_case_times(log), repeat=1)
    theirs, _ = timed(lambda: pm4py.get_all_case_durations(log, **keys), repeat=1)
    row("case lead times (vs get_all_case_durations)", ours, theirs, 5.0)
    row("  …including the stage times", ours_full, theirs, 5.0)

    ours, _ = timed(lambda: discover_dfg(log), repeat=2)
    completes = log[log[LIFECYCLE] == "complete"]
    theirs, _ = timed(lambda: pm4py.discover_performance_dfg(completes, **keys), repeat=1)
    row("performance DFG (vs discover_performance_dfg)", ours, theirs, 5.0)

    def all_measures() -> None:
        stage = compute_stage_times(log)
        cases = compute_case_times(log, stage_times=stage)
        summarize_stages(stage)
        compute_throughput(log, case_times=cases)
        compute_wip(log, case_times=cases)
        compute_arrivals(log, case_times=cases)
        compute_rework(log, stage_times=stage)
        compute_handovers(log, stage_times=stage)
        compute_flow_summary(log, stage_times=stage, case_times=cases)
        rank_bottlenecks(stage)

    total, _ = timed(all_measures, repeat=2)
    verdict = "ok" if total < 3.0 else "ABOVE 3 s"
    print(f"{'all item-1 measures + bottleneck ranking':<44} flowlab {total:8.3f}s   (target < 3 s: {verdict})")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 if sys.platform != "darwin" else 1024**2)
    print(f"{'peak memory of the whole run (maxrss)':<44} {peak_mb:,.0f} MB   (target < 2048 MB)")


if __name__ == "__main__":
    main()
