"""Throughput of the engine against a minimal hand-written SimPy model of the same network, and peak memory.

The network: a 7-stage tandem line of M/M/2 stations at utilisation 0.8 (arrivals 1.6/h, mean work 1h per stage).
Both sides are measured in this one run, one after the other, so a busy machine slows both alike and the ratio
stays fair. flowlab is timed twice: the run alone (its `Recording`) and the run plus the full DESIGN.md event log
(`build_event_log`: start and complete rows with UTC timestamps). Target: flowlab within 1.25x of the hand-written
model. Memory: peak memory for 1,000,000 events (500,000 visits) under 400 MB, measured as the growth of the peak
resident memory of a fresh process above its memory after the imports, while it simulates and builds the event
log (resident memory, since pyarrow's string buffers are invisible to tracemalloc).

    python benchmarks/sim_throughput.py              # 100,000 items
    python benchmarks/sim_throughput.py --items 5000 # a quick look
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import simpy

from sim.distributions import Exponential
from sim.engine import simulate
from sim.event_log import build_event_log
from sim.network import ItemClass, Network, PoissonArrivals, RunSettings, Stage, Team

STAGES = 7
SERVERS = 2
ARRIVAL_RATE_PER_H = 1.6
MEAN_WORK_H = 1.0  # utilisation = 1.6 * 1 / 2 = 0.8


def build_line(items: int) -> Network:
    """The tandem line, with a horizon long enough for about `items` arrivals (all items, not only completed ones)."""
    stages = {
        f"S{k}": Stage(name=f"S{k}", stream="line", team=f"T{k}", work=Exponential(MEAN_WORK_H)) for k in range(STAGES)
    }
    return Network(
        name="tandem-line",
        run=RunSettings(start=datetime(2026, 1, 5, tzinfo=UTC), horizon_h=items / ARRIVAL_RATE_PER_H),
        teams={f"T{k}": Team(name=f"T{k}", capacity=SERVERS) for k in range(STAGES)},
        stages=stages,
        item_classes={
            "job": ItemClass(
                name="job", stream="line", route=tuple(stages), arrivals=PoissonArrivals(ARRIVAL_RATE_PER_H)
            )
        },
    )


def hand_written(items: int, seed: int) -> list[tuple[int, int, float, float]]:
    """The same line as plain SimPy: `simpy.Resource` per stage, a generator per item, numpy exponential draws."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    horizon = items / ARRIVAL_RATE_PER_H
    resources = [simpy.Resource(env, capacity=SERVERS) for _ in range(STAGES)]
    log: list[tuple[int, int, float, float]] = []
    work = iter(rng.exponential(MEAN_WORK_H, items * STAGES * 2).tolist())

    def item(case: int):
        for stage, resource in enumerate(resources):
            with resource.request() as request:
                yield request
                start = env.now
                yield env.timeout(next(work))
                log.append((case, stage, start, env.now))

    def arrivals():
        for case, gap in enumerate(rng.exponential(1 / ARRIVAL_RATE_PER_H, items * 2).tolist(), start=1):
            if env.now + gap >= horizon:
                return
            yield env.timeout(gap)
            env.process(item(case))

    env.process(arrivals())
    env.run(until=horizon)
    return log


def _timed(function, *args, **kwargs):
    gc.collect()
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - began


def _simulate_with_log(network: Network, seed: int) -> tuple[int, int]:
    """One run plus its event log; returns (completed visits, events in the log)."""
    recording = simulate(network, seed=seed)
    log = build_event_log(recording, network.run.start)
    return int(recording.visits["complete_h"].notna().sum()), len(log)


def _memory_mb(key: str) -> float:
    status = Path("/proc/self/status").read_text(encoding="ascii")
    return next(int(line.split()[1]) for line in status.splitlines() if line.startswith(key)) / 1024


def _peak_rss_child(visits: int, queue: multiprocessing.Queue) -> None:
    network = build_line(max(1, round(visits / STAGES)))
    simulate(build_line(50), seed=0)  # load every lazily imported module before the baseline is read
    baseline = _memory_mb("VmRSS:")
    _, events = _simulate_with_log(network, 7)
    queue.put((baseline, _memory_mb("VmHWM:"), events))


def peak_memory_mb(visits: int) -> tuple[float, float, int]:
    """Resident memory (MB) of a fresh process after its imports, and its peak (/proc VmHWM) while it simulates
    about `visits` visits and builds the event log; with the number of events."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_peak_rss_child, args=(visits, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def main() -> None:
    """Measure both sides, print visits per second and their ratio, then the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="work items to send down the line")
    parser.add_argument("--memory-visits", type=int, default=500_000, help="visits for the peak-memory run (0: skip)")
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    simulate(build_line(200), seed=0)  # warm the imports and caches of both sides before timing
    hand_written(200, 0)

    network = build_line(arguments.items)
    recording, flowlab_s = _timed(simulate, network, seed=arguments.seed)
    flowlab_visits = int(recording.visits["complete_h"].notna().sum())
    del recording
    gc.collect()
    (_, events), with_log_s = _timed(_simulate_with_log, network, arguments.seed)
    log, simpy_s = _timed(hand_written, arguments.items, arguments.seed)
    simpy_visits = len(log)

    flowlab_rate = flowlab_visits / flowlab_s
    simpy_rate = simpy_visits / simpy_s
    print(f"items {arguments.items:,}  stages {STAGES}  M/M/{SERVERS} at rho 0.8")
    print(f"flowlab simulate (full Recording): {flowlab_visits:,} visits in {flowlab_s:.2f}s = {flowlab_rate:,.0f}/s")
    print(f"hand-written SimPy:                {simpy_visits:,} visits in {simpy_s:.2f}s = {simpy_rate:,.0f}/s")
    print(f"flowlab simulate + event log:      {events:,} events in {with_log_s:.2f}s")
    per_visit = simpy_visits / flowlab_visits
    print(f"time ratio flowlab / hand-written: {flowlab_s / simpy_s * per_visit:.2f}x (target <= 1.25x)")
    print(f"  …with the full event log:        {with_log_s / simpy_s * per_visit:.2f}x (target <= 1.25x)")
    if arguments.memory_visits > 0:
        baseline_mb, peak_mb, events = peak_memory_mb(arguments.memory_visits)
        print(
            f"peak memory simulating and logging {events:,} events: {peak_mb - baseline_mb:.0f} MB above the "
            f"{baseline_mb:.0f} MB of the imported libraries (peak resident {peak_mb:.0f} MB; target < 400 MB)"
        )


if __name__ == "__main__":
    main()
