"""What-if variants: one pool for all (variant, replication) pairs, each variant as if it had run alone."""

from __future__ import annotations

import dataclasses
import math

import pandas as pd
import pytest

from flowlab.run_results import RunResults, collect_results
from flowlab.variant_comparison import COMPARED_MEASURES, compare_variants, find_winner
from sim.replications import run_replications
from sim.variants import run_variants
from tests.unit.handbuilt_recording import handbuilt_replications
from tests.unit.test_replications import _assert_same, small_network

T_975_2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)  # Student's t 97.5% quantile, 2 degrees of freedom, closed form


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


def _with_lead_times(results: RunResults, added_h: list[float]) -> RunResults:
    """`results` with each replication's mean lead time raised by the given hours (replication order)."""
    measures = results.measures.copy()
    measures["lead_time_mean_h"] += added_h
    return dataclasses.replace(results, measures=measures)


class TestCompareVariants:
    """Paired differences to the baseline, replication by replication, in one table."""

    def test_paired_difference_of_the_mean_lead_time_by_hand(self) -> None:
        # hand-built recording: every replication's mean lead time is 5.5 h; the variants add 1, 2, 3 h (mean 2,
        # s = 1: 2 ± 2.48 contains 0) and 2, 3, 4 h (3 ± 2.48 excludes 0), and −4, −3, −2 h (a real reduction)
        baseline = collect_results(handbuilt_replications(count=3))
        results = {
            "baseline": baseline,
            "noisy": _with_lead_times(baseline, [1.0, 2.0, 3.0]),
            "slower": _with_lead_times(baseline, [2.0, 3.0, 4.0]),
            "faster": _with_lead_times(baseline, [-4.0, -3.0, -2.0]),
        }
        table = compare_variants(results).set_index("variant")
        half_width = T_975_2 / math.sqrt(3)
        expected = {
            "baseline": (5.5, 0.0, 0.0, False),
            "noisy": (7.5, 2.0, half_width, False),
            "slower": (8.5, 3.0, half_width, True),
            "faster": (2.5, -3.0, half_width, True),
        }
        for name, (mean, difference, difference_ci, real) in expected.items():
            row = table.loc[name]
            assert pytest.approx((mean, difference, difference_ci), abs=1e-12) == (
                row["lead_time_mean_h"],
                row["lead_time_mean_diff_h"],
                row["lead_time_mean_diff_ci_h"],
            )
            assert real is bool(row["lead_time_mean_diff_real"])
        # the lead-time change touched nothing else
        assert not table["flow_efficiency_total_diff_real"].any()
        assert "faster" == find_winner(table.reset_index())
        assert find_winner(table.drop(index="faster").reset_index()) is None  # slower is real, but no improvement

    def test_columns_name_their_unit(self) -> None:
        table = compare_variants({"baseline": collect_results(handbuilt_replications(count=2))})
        assert ["variant", "completed", "lead_time_mean_h", "lead_time_mean_ci_h", "lead_time_mean_diff_h",
                "lead_time_mean_diff_ci_h", "lead_time_mean_diff_real"] == list(table.columns[:7])  # fmt: skip
        expected = {"throughput_per_day", "throughput_diff_ci_per_day", "flow_efficiency_total_diff"}
        assert expected <= set(table.columns)
        assert ["bottleneck", "bottleneck_team", "bottleneck_wait_share", "bottleneck_utilisation"] == list(
            table.columns[-4:]
        )
        assert 2 + 5 * len(COMPARED_MEASURES) + 4 == len(table.columns)

    def test_a_change_that_changes_nothing_is_no_real_difference(self) -> None:
        """Common random numbers: the same network under another name gives 0 ± 0 for every measure, per class too."""
        network = small_network(replications=3, seed=5)
        runs = run_variants({"baseline": network, "same": network}, workers=1)
        results = {name: collect_results(run) for name, run in runs.items()}
        for by in (None, "item", "stream"):
            same = compare_variants(results, by=by).query("variant == 'same'")
            for measure in COMPARED_MEASURES:
                assert (same[measure.column("_diff")].fillna(0.0) == 0.0).all(), (by, measure.stem)
                assert not same[measure.real_column].any(), (by, measure.stem)
        assert find_winner(compare_variants(results)) is None

    def test_per_class_rows_with_their_bottleneck(self) -> None:
        results = {"baseline": collect_results(handbuilt_replications(count=2))}
        table = compare_variants(results, by="item").set_index("item")
        assert ["x", "y"] == list(table.index)
        assert [2, 2] == table["completed"].tolist()  # one completed case per class and replication
        assert pytest.approx([5.0, 6.0], abs=1e-12) == table["lead_time_mean_h"].tolist()
        # x waits 2 h at S1 and 2 h at S2 (a tie: the first stage), y only at S2
        assert [("S1", "a"), ("S2", "b")] == list(zip(table["bottleneck"], table["bottleneck_team"], strict=True))

    def test_replications_that_cannot_be_paired_are_an_error(self) -> None:
        results = {
            "baseline": collect_results(handbuilt_replications(count=3)),
            "shorter": collect_results(handbuilt_replications(count=2)),
        }
        with pytest.raises(ValueError, match=r"variant 'shorter' against 'baseline': .*replications \[0, 1\]"):
            compare_variants(results)

    def test_unknown_baseline_or_grouping(self) -> None:
        results = {"baseline": collect_results(handbuilt_replications())}
        with pytest.raises(ValueError, match="'base' is not one of the variants"):
            compare_variants(results, baseline="base")
        with pytest.raises(ValueError, match="choose one of item, stream"):
            compare_variants(results, by="team")
