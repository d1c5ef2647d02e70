"""Independent replications of one network: in-process, on all local cores, or on a Dask cluster — same numbers.

Every replication draws from its own stream: one ``numpy.random.SeedSequence(seed)`` is spawned into ``n`` children
and replication ``i`` always gets child ``i``, so the results do not depend on how many workers ran them or in which
order they finished. Results are collected in replication order.
"""

from __future__ import annotations

import dataclasses
import os
import signal
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.errors import ClusterError
from sim.limits import run_window_problem
from sim.network import Network

if TYPE_CHECKING:
    from sim.recording import Recording

ProgressCallback = Callable[[int], None]
"""Called once per finished replication (or task) with its number (0-based)."""


@dataclass(frozen=True, eq=False)
class Replications:
    """The recordings of `n` independent replications of `network`, in replication order.

    `network.run` holds the settings actually used (after any override): horizon, warm-up (hours), seed, count.
    The frames `visits`, `cases`, `queues` and `busy` concatenate the recordings and add a `replication` column.
    """

    network: Network
    recordings: tuple[Recording, ...]

    @property
    def horizon_h(self) -> float:
        """Simulated hours of every replication: the end of the window the measures use. With
        `network.run.max_cases`, the end of the longest replication (its last item done, or the horizon that
        capped it), so that window holds every replication's whole run."""
        run = self.network.run
        if run.max_cases is None or not self.recordings:
            return run.horizon_h
        return max(recording.horizon_h for recording in self.recordings)

    @property
    def warmup_h(self) -> float:
        """Hours at the start whose arrivals are left out of the statistics and the written log."""
        return self.network.run.warmup_h

    @property
    def seed(self) -> int:
        """The seed the replication streams were spawned from."""
        return self.network.run.seed

    def __len__(self) -> int:
        return len(self.recordings)

    @cached_property
    def visits(self) -> pd.DataFrame:
        """All stage visits of all replications, with a `replication` column."""
        return _concat(self.recordings, "visits")

    @cached_property
    def cases(self) -> pd.DataFrame:
        """All cases of all replications, with a `replication` column."""
        return _concat(self.recordings, "cases")

    @cached_property
    def queues(self) -> pd.DataFrame:
        """Queue-length step samples of all replications, with a `replication` column."""
        return _concat(self.recordings, "queues")

    @cached_property
    def busy(self) -> pd.DataFrame:
        """Busy-server step samples of all replications, with a `replication` column."""
        return _concat(self.recordings, "busy")


def _concat(recordings: Sequence[Recording], name: str) -> pd.DataFrame:
    frames = [getattr(recording, name).assign(replication=recording.replication) for recording in recordings]
    return pd.concat(frames, ignore_index=True)


def with_run_settings(
    network: Network,
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon_h: float | None = None,
    warmup_h: float | None = None,
    max_cases: int | None = None,
) -> Network:
    """Return `network` with the given run settings replaced (None keeps the scenario's); checks the result.

    `max_cases`: stop the classes' own arrivals after that many items in all have arrived since the warm-up and end
    each replication when every item is done (the horizon then only caps it; see `RunSettings`). The statistics
    then hold exactly those cases (and their spawns); with a number of cases, 0 is the natural warm-up (the run
    starts empty and every case counts), while a warm-up > 0 lets the counted cases meet a loaded system.

    Raises ValueError naming the setting when replications < 1, the horizon is not > 0, the warm-up is negative or
    not shorter than the horizon, the seed is negative or max_cases < 1.
    """
    changes: dict[str, Any] = {
        key: value
        for key, value in {
            "replications": replications,
            "seed": seed,
            "horizon_h": horizon_h,
            "warmup_h": warmup_h,
            "max_cases": max_cases,
        }.items()
        if value is not None
    }
    run = dataclasses.replace(network.run, **changes)
    if run.max_cases is not None and run.max_cases < 1:
        raise ValueError(f"the number of cases must be >= 1 (got {run.max_cases})")
    if run.replications < 1:
        raise ValueError(f"replications must be >= 1 (got {run.replications})")
    if run.seed < 0:
        raise ValueError(f"seed must be >= 0 (got {run.seed})")
    if not run.horizon_h > 0:
        raise ValueError(f"horizon must be > 0 hours (got {run.horizon_h})")
    if run.warmup_h < 0:
        raise ValueError(f"warm-up must be >= 0 hours (got {run.warmup_h})")
    window = run_window_problem(run.start, run.horizon_h, start_name="the start", horizon_name="the horizon")
    if window is not None:
        raise ValueError(window)
    if run.warmup_h >= run.horizon_h:
        raise ValueError(
            f"warm-up must be shorter than the horizon (got warm-up {run.warmup_h} h, horizon {run.horizon_h} h)"
        )
    return dataclasses.replace(network, run=run)


def replication_seeds(seed: int, replications: int) -> list[np.random.SeedSequence]:
    """The independent child seed sequences of one run: child `i` belongs to replication `i`, always."""
    return np.random.SeedSequence(seed).spawn(replications)


def run_one_replication(network: Network, seed: np.random.SeedSequence, replication: int) -> Recording:
    """Run replication number `replication` of `network` from its own seed sequence (a picklable task)."""
    from sim.engine import simulate

    return simulate(network, seed=seed, replication=replication)


def run_replications(
    network: Network,
    *,
    replications: int | None = None,
    seed: int | None = None,
    horizon_h: float | None = None,
    warmup_h: float | None = None,
    max_cases: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> Replications:
    """Run independent replications of `network` and return them in replication order.

    Args:
        network: the resolved network; its `run` settings apply unless overridden here.
        replications, seed, horizon_h, warmup_h, max_cases: overrides of `network.run` (hours for the times; see
            `with_run_settings`).
        workers: local processes; None uses every core when the run is big enough to pay for them (`worth_a_pool`)
            and this process otherwise, 1 runs sequentially in this process.
        scheduler: address of a Dask distributed scheduler (``"tcp://host:port"``); the replications run there.
            Raises ClusterError when Dask is not installed (the `dask` extra), the scheduler cannot be reached or
            the cluster fails during the run; a worker lost during the run only costs time.
        progress: called once per finished replication (in completion order) with its number.

    The results are identical whatever `workers` or `scheduler`: replication `i` always uses child `i` of
    ``SeedSequence(seed).spawn(n)``.
    """
    network = with_run_settings(
        network, replications=replications, seed=seed, horizon_h=horizon_h, warmup_h=warmup_h, max_cases=max_cases
    )
    tasks = replication_tasks(network)
    recordings = run_tasks(tasks, workers=workers, scheduler=scheduler, progress=progress)
    return Replications(network=network, recordings=tuple(recordings))


Task = tuple[Network, np.random.SeedSequence, int]
"""One replication to run: the network, its seed sequence and its replication number."""


def replication_tasks(network: Network) -> list[Task]:
    """The tasks of `network.run.replications` replications, replication `i` with child `i` of the run's seed."""
    seeds = replication_seeds(network.run.seed, network.run.replications)
    return [(network, seed, replication) for replication, seed in enumerate(seeds)]


def run_tasks(
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: ProgressCallback | None = None,
) -> list[Recording]:
    """Run replication tasks in this process, on local processes or on a Dask cluster; results in task order.

    `workers`: local processes (None: every core, or here when `worth_a_pool` says the tasks are too small to pay
    for worker processes; 1: sequentially here). `progress` is called once per finished
    task, in completion order, with the task's index. Each task carries its own seed, so where it runs changes
    nothing in its result.
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be >= 1 (got {workers})")
    if scheduler is not None:
        return _run_on_dask(tasks, scheduler, progress)
    if workers == 1 or len(tasks) == 1 or (workers is None and not worth_a_pool(tasks)):
        return _run_in_process(tasks, progress)
    return _run_on_processes(tasks, min(workers or os.cpu_count() or 1, len(tasks)), progress)


POOL_MIN_VISITS = 100_000
"""Fewest stage visits, over all the tasks, for which local worker processes pay off when `workers` is not given: a
worker costs about half a CPU-second to start (it imports numpy, pandas and SimPy), the engine simulates some
200,000 visits in one."""


def worth_a_pool(tasks: Sequence[Task]) -> bool:
    """Whether `tasks` are worth worker processes: their expected stage visits (`sim.load_check.expected_visits`)
    reach `POOL_MIN_VISITS` (or cannot be told). Where they run changes nothing in their results."""
    from sim.load_check import expected_visits

    total = 0.0
    for network, _, _ in tasks:
        visits = expected_visits(network)
        if visits is None:
            return True
        total += visits
    return total >= POOL_MIN_VISITS


def _run_in_process(tasks: Sequence[Task], progress: ProgressCallback | None) -> list[Recording]:
    recordings = []
    for index, task in enumerate(tasks):
        recordings.append(run_one_replication(*task))
        if progress is not None:
            progress(index)
    return recordings


def _run_on_processes(tasks: Sequence[Task], workers: int, progress: ProgressCallback | None) -> list[Recording]:
    results: dict[int, Recording] = {}
    with ProcessPoolExecutor(max_workers=workers, initializer=_leave_interrupts_to_the_parent) as pool:
        futures = {pool.submit(run_one_replication, *task): index for index, task in enumerate(tasks)}
        try:
            for future in as_completed(futures):
                index = futures[future]
                results[index] = future.result()
                if progress is not None:
                    progress(index)
        except BaseException:  # Ctrl-C, SIGTERM, an error: drop the replications not started, not run them all
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return [results[index] for index in range(len(tasks))]


def _leave_interrupts_to_the_parent() -> None:
    """In a worker: ignore Ctrl-C, which the terminal sends to every process of the group; the parent stops the
    pool (without a traceback from each worker)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


SCHEDULER_CONNECT_TIMEOUT_S = 10.0
"""Seconds to reach a Dask scheduler (and to reconnect to it during a run) before giving up with a ClusterError."""
TASK_RETRIES = 3
"""How often Dask reruns a replication whose attempt failed. A replication is a pure, seeded task, so a rerun gives
the same bytes; a replication whose worker died is rescheduled by Dask anyway (up to its `allowed-failures`)."""


def _run_on_dask(tasks: Sequence[Task], scheduler: str, progress: ProgressCallback | None) -> list[Recording]:
    """Run the tasks on the Dask cluster at `scheduler`, in task order; a lost worker costs time, not the run.

    Each task carries its network (not a scattered copy, which dies with the workers holding it), so Dask can rerun
    any replication on any worker. Raises ClusterError when Dask is missing, the scheduler is unreachable within
    SCHEDULER_CONNECT_TIMEOUT_S, or the cluster fails during the run; an error raised by a replication itself
    propagates unchanged.
    """
    try:
        from distributed import Client, KilledWorker
        from distributed import as_completed as dask_as_completed
    except ImportError:
        raise ClusterError(
            "running on a Dask cluster needs Dask's distributed package, which is not installed: "
            'pip install "flowlab[dask]"'
        ) from None
    cluster_failures = (OSError, CancelledError, KilledWorker)  # CommClosedError and TimeoutError are OSErrors
    try:
        client = Client(scheduler, timeout=SCHEDULER_CONNECT_TIMEOUT_S)
    except ValueError as error:
        raise ClusterError(
            f"{scheduler!r} is not a Dask scheduler address ({error}); expected tcp://host:port"
        ) from None
    except OSError as error:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {SCHEDULER_CONNECT_TIMEOUT_S:g} s ({error}); "
            "check the address (tcp://host:port) and that the scheduler is running"
        ) from None
    results: dict[int, Recording] = {}
    try:
        futures = {
            client.submit(run_one_replication, network, seed, replication, pure=False, retries=TASK_RETRIES): index
            for index, (network, seed, replication) in enumerate(tasks)
        }
        for future in dask_as_completed(list(futures)):
            index = futures[future]
            results[index] = future.result()
            if progress is not None:
                progress(index)
    except cluster_failures as error:
        raise ClusterError(
            f"the Dask cluster at {scheduler!r} failed during the run ({type(error).__name__}: {error}); "
            "no results were written"
        ) from None
    finally:
        client.close(timeout=SCHEDULER_CONNECT_TIMEOUT_S)
    return [results[index] for index in range(len(tasks))]
