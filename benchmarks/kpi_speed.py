"""The lead / service / waiting KPI set from a 1M-row CSV event log, flowlab beside polars, whole processes.

Each side reads the CSV (start and complete events with `concept:instance`), pairs every start with its complete and
computes, per visit, the service time (complete - start) and the waiting time (start - the previous completion in its
case), and per case the lead time; it prints the three means. Both sides run as fresh processes taking turns; CPU
seconds (user + system, every thread) and wall seconds are reported, least of the rounds. Issue 11's target: flowlab
within 2x of polars. polars is not a flowlab dependency: `pip install polars` to run this.

    python benchmarks/kpi_speed.py               # 100,000 cases, 1,000,000 events, 5 rounds
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
from pathlib import Path

from child_process import ChildRun, run_child
from mining_speed import build_log

CHECKOUT = Path(__file__).resolve().parent.parent
FLOWLAB = """
import warnings; warnings.simplefilter("ignore")
from mining.read import read_log
from mining.stage_times import compute_case_times, compute_stage_times
log = read_log({path!r})
visits = compute_stage_times(log)
cases = compute_case_times(log, stage_times=visits)
print(visits["work_h"].mean(), visits["wait_h"].mean(), cases["lead_time_h"].mean())
"""
POLARS = """
import polars as pl
events = pl.read_csv({path!r}, try_parse_dates=True)
case, time, instance = "case:concept:name", "time:timestamp", "concept:instance"
starts = events.filter(pl.col("lifecycle:transition") == "start").select(instance, pl.col(time).alias("start"))
visits = (events.filter(pl.col("lifecycle:transition") == "complete").rename({{time: "complete"}})
          .join(starts, on=instance).sort(case, "complete")
          .with_columns(previous=pl.col("complete").shift(1).over(case)))
first = events.group_by(case).agg(pl.col(time).min().alias("arrival"))
visits = visits.join(first, on=case).with_columns(ready=pl.coalesce("previous", "arrival"))
hours = 3_600_000_000
service = ((pl.col("complete") - pl.col("start")).dt.total_microseconds() / hours).mean()
waiting = ((pl.col("start") - pl.col("ready")).dt.total_microseconds() / hours).mean()
lead = (events.group_by(case).agg((pl.col(time).max() - pl.col(time).min()).dt.total_microseconds() / hours)
        .get_column(time).mean())
print(visits.select(service).item(), visits.select(waiting).item(), lead)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    if importlib.util.find_spec("polars") is None:
        sys.exit("polars is not installed (it is not a flowlab dependency): pip install polars")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "log.csv"
        log = build_log(arguments.cases)
        log.assign(**{"time:timestamp": log["time:timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%S%z")}).to_csv(
            path, index=False
        )
        print(f"{len(log):,} rows, {arguments.cases:,} cases, {path.stat().st_size / 1e6:.0f} MB CSV; "
              f"{arguments.rounds} rounds, sides taking turns, least kept")
        sides = {"flowlab": FLOWLAB, "polars": POLARS}
        results: dict[str, list[ChildRun]] = {name: [] for name in sides}
        for _ in range(arguments.rounds):
            for name, code in sides.items():
                command = [sys.executable, "-c", code.format(path=str(path))]
                results[name].append(run_child(command, checkout=CHECKOUT))
    for name, runs in results.items():
        print(f"  {name:8} {min(r.cpu_s for r in runs):5.2f} CPU-s  {min(r.wall_s for r in runs):5.2f} s wall   "
              f"means (service h, waiting h, lead h): {runs[0].stdout}")
    cpu = {name: min(r.cpu_s for r in runs) for name, runs in results.items()}
    wall = {name: min(r.wall_s for r in runs) for name, runs in results.items()}
    print(f"flowlab / polars: {cpu['flowlab'] / cpu['polars']:.2f}x CPU, {wall['flowlab'] / wall['polars']:.2f}x wall "
          "(target <= 2x)")


if __name__ == "__main__":
    main()
