"""What-if variants: one pool for all (variant, replication) pairs, each variant as if it had run alone."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from sim.replications import run_replications
from sim.variants import run_variants
from tests.unit.test_replications import _assert_same, small_network


def _variants() -> dict:
    baseline = small_network(replications=3, seed=11)
    wider = dataclasses.replace(
        baseline, teams={**baseline.teams, "one": dataclasses.replace(baseline.teams["one"], capacity=2)}
    )
    return {"baseline": baseline, "two at First": wider}


def test_each_variant_equals_its_own_run_whatever_the_workers() -> None:
    variants = _variants()
    parallel = run_variants(variants, workers=2)
    sequential = run_variants(variants, workers=1)
    assert ["baseline", "two at First"] == list(parallel)
    for name, network in variants.items():
        alone = run_replications(network, workers=1)
        _assert_same(alone, parallel[name])
        _assert_same(alone, sequential[name])
        assert 3 == len(parallel[name])


def test_variants_share_their_arrivals_common_random_numbers() -> None:
    """Only a team's capacity differs, so every replication sees the same arrival times in both variants."""
    runs = run_variants(_variants(), workers=1)
    arrivals = {
        name: run.cases.sort_values(["replication", "arrival_h"])[["replication", "arrival_h"]]
        for name, run in runs.items()
    }
    pd.testing.assert_frame_equal(
        arrivals["baseline"].reset_index(drop=True), arrivals["two at First"].reset_index(drop=True)
    )
    # ... while the change shows: a second person at First shortens the wait there
    waits = {name: run.visits.query("stage == 'First'").eval("start_h - ready_h").mean() for name, run in runs.items()}
    assert waits["two at First"] < waits["baseline"]


def test_overrides_apply_to_every_variant_and_progress_counts_every_replication() -> None:
    seen: list[int] = []
    runs = run_variants(_variants(), replications=2, seed=3, workers=1, progress=seen.append)
    assert {2} == {len(run) for run in runs.values()}
    assert {3} == {run.seed for run in runs.values()}
    assert [0, 1, 2, 3] == sorted(seen)


def test_bad_settings_name_the_variant() -> None:
    with pytest.raises(ValueError, match=r"variant 'baseline': warm-up must be shorter than the horizon"):
        run_variants(_variants(), warmup_h=500.0)
    with pytest.raises(ValueError, match="at least one variant"):
        run_variants({})


def test_dask_cluster_runs_every_variant_like_local() -> None:
    """Each distinct network is sent to the cluster once; the numbers are the local ones."""
    distributed = pytest.importorskip("distributed")
    variants = _variants()
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as (
        cluster
    ):
        remote = run_variants(variants, scheduler=cluster.scheduler_address)
    for name, network in variants.items():
        _assert_same(run_replications(network, workers=1), remote[name])
