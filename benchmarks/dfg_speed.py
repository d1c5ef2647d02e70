"""Speed of flowlab's performance DFG beside pm4py's `discover_performance_dfg`, side by side in one run.

    /work/venv/bin/python benchmarks/dfg_speed.py               # BPIC 2012 W, BPIC 2013 incidents, ~1M tiled
    /work/venv/bin/python benchmarks/dfg_speed.py --events 2000000 --repeats 7

Each log is read once with `mining.read_log` (as `flowlab mine` reads it); both sides then get the same frame in
memory: flowlab's `discover_performance_dfg` the whole log (it picks the completions itself), pm4py the complete
events already filtered out (the filter is not timed, which favours pm4py). Each call is repeated `--repeats`
times, alternating the two sides, and the median wall time of each is printed with the ratio (pm4py ÷ flowlab;
issue 11's target is ≥ 5). The large log is BPIC 2012 W tiled (case ids suffixed, each copy shifted by the log's
span) to about `--events` events. Before timing, the two results are checked to agree (counts exactly, mean and
median within 1e-6 relative). Logs not found under ../shared/data are skipped with a note.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mining.columns import ACTIVITY, CASE, LIFECYCLE, TIMESTAMP

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
BPIC2012 = DATA / "bpic2012-w-two-ts" / "BPI_Challenge_2012_W_Two_TS.xes.gz"
BPIC2013 = DATA / "bpic2013-incidents" / "07_bpic2013_incidents.xes.gz"
KEYS = {"case_id_key": CASE, "activity_key": ACTIVITY, "timestamp_key": TIMESTAMP}


def read(path: Path, **options: Any) -> pd.DataFrame:
    from mining import read_log

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # repairs are reported by `flowlab mine`, not needed here
        return read_log(path, **options)


def tile(log: pd.DataFrame, events: int) -> pd.DataFrame:
    """`log` repeated until it has about `events` events: copy k has case ids suffixed `~k`, times shifted."""
    copies = max(1, round(events / len(log)))
    span = log[TIMESTAMP].max() - log[TIMESTAMP].min() + pd.Timedelta(days=1)
    parts = []
    for k in range(copies):
        part = log.copy()
        part[CASE] = (part[CASE].astype(str) + f"~{k}").astype(log[CASE].dtype)
        part[TIMESTAMP] = part[TIMESTAMP] + k * span
        parts.append(part)
    tiled = pd.concat(parts, ignore_index=True)
    for column in tiled.columns:  # one Arrow chunk per column, as `read_log` returns a log
        if isinstance(tiled[column].dtype, pd.StringDtype):
            tiled[column] = pd.Series(tiled[column].to_numpy(dtype=object), dtype=tiled[column].dtype)
    return tiled


def completions(log: pd.DataFrame) -> pd.DataFrame:
    """The frame pm4py gets: complete events when the log has start/complete, else every row."""
    if LIFECYCLE not in log.columns:
        return log
    transitions = log[LIFECYCLE].astype(str)
    return log[transitions == "complete"] if transitions.isin(["start", "complete"]).any() else log


def check_agreement(ours: pd.DataFrame, theirs: dict[tuple[str, str], dict[str, float]]) -> None:
    """Stop the benchmark if the two sides do not compute the same thing."""
    mine = {(str(s), str(t)): (c, m, d) for s, t, c, m, d in ours[["source", "target", "count", "mean_h",
                                                                   "median_h"]].itertuples(index=False)}
    if set(mine) != set(theirs):
        raise SystemExit(f"edge sets differ: {len(mine)} vs {len(theirs)}")
    for edge, stats in theirs.items():
        _, mean, median = mine[edge]
        for value, reference in ((mean, stats["mean"] / 3600), (median, stats["median"] / 3600)):
            if not np.isclose(value, reference, rtol=1e-6, atol=1e-12):
                raise SystemExit(f"{edge}: {value} h vs pm4py {reference} h")


def side_by_side(name: str, log: pd.DataFrame, repeats: int) -> None:
    import pm4py

    from mining.dfg import discover_dfg, discover_performance_dfg

    theirs_input = completions(log)
    their_call: Callable[[], Any] = lambda: pm4py.discover_performance_dfg(theirs_input, **KEYS)  # noqa: E731
    check_agreement(discover_performance_dfg(log), their_call()[0])
    calls: dict[str, Callable[[], Any]] = {
        "flowlab discover_performance_dfg": lambda: discover_performance_dfg(log),
        "flowlab discover_dfg (graph)": lambda: discover_dfg(log),
        "pm4py discover_performance_dfg": their_call,
    }
    times: dict[str, list[float]] = {label: [] for label in calls}
    for _ in range(repeats):
        for label, call in calls.items():
            began = time.perf_counter()
            call()
            times[label].append(time.perf_counter() - began)
    medians = {label: statistics.median(values) for label, values in times.items()}
    pm4py_s = medians["pm4py discover_performance_dfg"]
    print(f"\n{name}: {len(log):,} events, {len(theirs_input):,} completions, "
          f"{log[CASE].nunique():,} cases, {log[ACTIVITY].nunique():,} activities (median of {repeats})")
    for label, seconds in medians.items():
        ratio = "" if label.startswith("pm4py") else f"   pm4py / flowlab = {pm4py_s / seconds:5.1f}x"
        print(f"  {label:<34} {seconds * 1000:9.1f} ms{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="size of the tiled log (default 1,000,000)")
    parser.add_argument("--repeats", type=int, default=5, help="repetitions per call (median; default 5)")
    arguments = parser.parse_args()
    from mining.discovery import quiet_pm4py

    with quiet_pm4py():
        if BPIC2012.exists():
            bpic2012 = read(BPIC2012)
            side_by_side("BPIC 2012 W (start + complete)", bpic2012, arguments.repeats)
            side_by_side(f"BPIC 2012 W tiled to ~{arguments.events:,} events", tile(bpic2012, arguments.events),
                         arguments.repeats)
        else:
            print(f"skipped: {BPIC2012} not found")
        if BPIC2013.exists():
            side_by_side("BPIC 2013 incidents (status as part of the activity)",
                         read(BPIC2013, classifier=[ACTIVITY, LIFECYCLE]), arguments.repeats)
        else:
            print(f"skipped: {BPIC2013} not found")


if __name__ == "__main__":
    main()
