"""Throughput of the engine against a minimal hand-written SimPy model of the same network, and peak memory.

The network: a 7-stage tandem line of M/M/2 stations at utilisation 0.8 (arrivals 1.6/h, mean work 1h per stage).
Both sides are measured in this one run, one after the other, so a busy machine slows both alike and the ratio
stays fair. Target: flowlab within 1.25x of the hand-written model; peak memory for 1,000,000 events
(500,000 visits) under 400 MB.

    python benchmarks/sim_throughput.py              # 100,000 items
    python benchmarks/sim_throughput.py --items 5000 # a quick look
"""

from __future__ import annotations

import argparse
import gc
import time
import tracemalloc
from datetime import UTC, datetime

import numpy as np
import simpy

from sim.distributions import Exponential
from sim.engine import simulate
from sim.network import ItemClass, Network, PoissonArrivals, RunSettings, Stage, Team
from sim.recording import Recording

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


def peak_memory_mb(visits: int) -> tuple[float, int]:
    """Peak traced memory (MB) of one `simulate` of the line sized for about `visits` visits, and the visits made."""
    network = build_line(max(1, round(visits / STAGES)))
    tracemalloc.start()
    recording: Recording = simulate(network, seed=7)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, len(recording.visits)


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
    log, simpy_s = _timed(hand_written, arguments.items, arguments.seed)
    simpy_visits = len(log)

    flowlab_rate = flowlab_visits / flowlab_s
    simpy_rate = simpy_visits / simpy_s
    print(f"items {arguments.items:,}  stages {STAGES}  M/M/{SERVERS} at rho 0.8")
    print(f"flowlab simulate (full Recording): {flowlab_visits:,} visits in {flowlab_s:.2f}s = {flowlab_rate:,.0f}/s")
    print(f"hand-written SimPy:                {simpy_visits:,} visits in {simpy_s:.2f}s = {simpy_rate:,.0f}/s")
    print(
        f"time ratio flowlab / hand-written: {flowlab_s / simpy_s * simpy_visits / flowlab_visits:.2f}x "
        "(target <= 1.25x)"
    )
    if arguments.memory_visits > 0:
        peak_mb, visits = peak_memory_mb(arguments.memory_visits)
        print(
            f"peak memory (tracemalloc) for {visits:,} visits = {2 * visits:,} events: {peak_mb:.0f} MB "
            "(target < 400 MB)"
        )


if __name__ == "__main__":
    main()
