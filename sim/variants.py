"""What-if variants of a scenario, run side by side: every (variant, replication) pair in one pool of workers.

An analyst's sweep ("one, two or three testers"; "weekly or daily change window") is a handful of networks that
differ in one setting. Running them one after another leaves cores idle between variants; here all their
replications are queued together. Every variant uses the same seed, and the engine gives each arrival process and
each stage its own named random stream, so replication `i` of every variant sees the same arrivals and work-time
draws where the variants agree (common random numbers): the differences come from the change, not from luck
(`flowlab.variant_comparison` judges them by paired differences).
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.network import Network
from sim.replications import (
    ProgressCallback,
    Replications,
    Task,
    replication_tasks,
    run_tasks,
    with_run_settings,
)

__all__ = ["run_variants"]


def run_variants(
    variants: Mapping[str, Network],
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon_h: float | None = None,
    warmup_h: float | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> dict[str, Replications]:
    """Run the replications of every variant in one pool; the results by variant name, in the given order.

    Args:
        variants: name -> network (e.g. the baseline and copies with one setting changed).
        replications, seed, horizon_h, warmup_h: overrides of every variant's `run` settings; without them each
            variant keeps its own (give a seed so that the variants share their random streams).
        workers, scheduler: as in `run_replications` (None: every local core; 1: sequentially in this process).
        progress: called once per finished replication of any variant (in completion order) with a running
            number from 0 to the total number of replications - 1.

    Each variant's result equals `run_replications(network, ...)` of that variant alone, whatever `workers`.

    Raises:
        ValueError: no variants, or a run setting out of range (named, with the variant).
    """
    if not variants:
        raise ValueError("run_variants needs at least one variant (got none)")
    settled: dict[str, Network] = {}
    for name, network in variants.items():
        try:
            settled[name] = with_run_settings(
                network, replications=replications, seed=seed, horizon_h=horizon_h, warmup_h=warmup_h
            )
        except ValueError as exc:
            raise ValueError(f"variant {name!r}: {exc}") from exc
    tasks: list[Task] = []
    spans: dict[str, tuple[int, int]] = {}
    for name, network in settled.items():
        first = len(tasks)
        tasks += replication_tasks(network)
        spans[name] = (first, len(tasks))
    recordings = run_tasks(tasks, workers=workers, scheduler=scheduler, progress=progress)
    return {
        name: Replications(network=settled[name], recordings=tuple(recordings[first:stop]))
        for name, (first, stop) in spans.items()
    }
