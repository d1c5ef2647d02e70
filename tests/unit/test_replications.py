"""Replications: one SeedSequence, child i for replication i, so the numbers do not depend on where they ran."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from sim.distributions import Exponential
from sim.event_log import build_event_log
from sim.network import ItemClass, Network, PoissonArrivals, RunSettings, Stage, Team
from sim.replications import Replications, replication_seeds, run_replications, with_run_settings

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def small_network(replications: int = 3, seed: int = 7) -> Network:
    """An M/M/1 (λ = 0.5/h, mean work 1 h) feeding an M/M/2: a few hundred visits in 200 hours."""
    return Network(
        name="small",
        run=RunSettings(start=START, horizon_h=200.0, warmup_h=20.0, replications=replications, seed=seed),
        teams={"one": Team("one", 1), "two": Team("two", 2)},
        stages={
            "First": Stage("First", "s", "one", Exponential(1.0)),
            "Second": Stage("Second", "s", "two", Exponential(2.0)),
        },
        item_classes={"job": ItemClass("job", "s", ("First", "Second"), PoissonArrivals(0.5))},
        streams=("s",),
    )


def _frames(replications: Replications) -> dict[str, pd.DataFrame]:
    return {
        "visits": replications.visits,
        "cases": replications.cases,
        "queues": replications.queues,
        "busy": replications.busy,
    }


def _assert_same(expected: Replications, actual: Replications) -> None:
    for name, frame in _frames(expected).items():
        pd.testing.assert_frame_equal(frame, _frames(actual)[name], obj=name)


class TestSeeds:
    """Replication i always gets child i of SeedSequence(seed).spawn(n)."""

    def test_child_i_is_the_same_whatever_the_count(self) -> None:
        few, many = replication_seeds(5, 2), replication_seeds(5, 4)
        assert [child.generate_state(2).tolist() for child in few] == [
            child.generate_state(2).tolist() for child in many[:2]
        ]

    def test_children_differ(self) -> None:
        first, second = replication_seeds(5, 2)
        assert not np.array_equal(first.generate_state(4), second.generate_state(4))


class TestReproducibility:
    """Same seed, same log; other seed, other log; parallel equals sequential."""

    def test_same_seed_same_event_log(self) -> None:
        one = build_event_log(run_replications(small_network(), workers=1), START)
        two = build_event_log(run_replications(small_network(), workers=1), START)
        pd.testing.assert_frame_equal(one, two)

    def test_different_seed_different_event_log(self) -> None:
        one = build_event_log(run_replications(small_network(seed=7), workers=1), START)
        two = build_event_log(run_replications(small_network(seed=8), workers=1), START)
        assert not one.equals(two)

    def test_parallel_equals_sequential(self) -> None:
        sequential = run_replications(small_network(), workers=1)
        parallel = run_replications(small_network(), workers=2)
        _assert_same(sequential, parallel)
        assert [0, 1, 2] == [recording.replication for recording in parallel.recordings]

    def test_a_replication_does_not_depend_on_how_many_ran(self) -> None:
        """Replication 1 of a 2-replication run equals replication 1 of a 3-replication run."""
        two = run_replications(small_network(), replications=2, workers=1)
        three = run_replications(small_network(), replications=3, workers=1)
        pd.testing.assert_frame_equal(two.recordings[1].visits, three.recordings[1].visits)

    def test_dask_cluster_equals_local(self) -> None:
        """An in-process Dask cluster, reached through its scheduler address, gives the local numbers."""
        distributed = pytest.importorskip("distributed")
        with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as (
            cluster
        ):
            remote = run_replications(small_network(), scheduler=cluster.scheduler_address)
        _assert_same(run_replications(small_network(), workers=1), remote)


class TestOverrides:
    """Horizon, warm-up, seed and replications override the network's run settings."""

    def test_overrides_are_applied(self) -> None:
        result = run_replications(small_network(), replications=2, seed=11, horizon_h=50.0, warmup_h=5.0, workers=1)
        assert dataclasses.replace(small_network().run, replications=2, seed=11, horizon_h=50.0, warmup_h=5.0) == (
            result.network.run
        )
        assert 2 == len(result)
        assert [50.0, 50.0] == [recording.horizon_h for recording in result.recordings]

    def test_progress_called_once_per_replication(self) -> None:
        finished: list[int] = []
        run_replications(small_network(), workers=1, progress=finished.append)
        assert [0, 1, 2] == sorted(finished)

    @pytest.mark.parametrize(
        ("changes", "message"),
        [
            ({"replications": 0}, r"replications must be >= 1 \(got 0\)"),
            ({"horizon_h": 0.0}, r"horizon must be > 0 hours \(got 0.0\)"),
            ({"warmup_h": -1.0}, r"warm-up must be >= 0 hours \(got -1.0\)"),
            ({"warmup_h": 200.0}, r"warm-up must be shorter than the horizon \(got warm-up 200.0 h, horizon 200.0 h\)"),
            ({"seed": -3}, r"seed must be >= 0 \(got -3\)"),
        ],
    )
    def test_invalid_settings_are_refused(self, changes: dict, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            with_run_settings(small_network(), **changes)

    def test_workers_below_one_refused(self) -> None:
        with pytest.raises(ValueError, match=r"workers must be >= 1 \(got 0\)"):
            run_replications(small_network(), workers=0)
