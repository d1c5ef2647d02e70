"""A run's measures (`flowlab.run_results.collect_results`: `mining`'s definitions applied to the simulated log,
joined with the engine's utilisation, queues and wait causes) on the hand-built recording
(tests/unit/handbuilt_recording.py), every number worked by hand.

The figures are sums and ratios of a few exact binary fractions, so equality within 1e-12 is exact up to float
rounding of the additions.
"""

from __future__ import annotations

import dataclasses
import json
import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from handbuilt_recording import HORIZON_H, handbuilt_replications
from scipy import stats

from flowlab.run_results import STAGE_COLUMNS, RunResults, collect_results
from mining.estimates import Estimate, confidence_interval, paired_difference
from mining.flow_measures import MEASURE_COLUMNS
from sim.distributions import Fixed
from sim.engine import simulate
from sim.engine_measures import time_average
from sim.network import CadenceGate, ItemClass, Network, RunSettings, ScheduledArrivals, Stage, Team
from sim.replications import Replications

EXACT = 1e-12
C1, C2, C3 = "r0-x-000001", "r0-x-000002", "r0-y-000003"
CASE = "case:concept:name"


def run(count: int = 1, warmup_h: float = 0.0) -> RunResults:
    return collect_results(handbuilt_replications(count=count, warmup_h=warmup_h))


class TestCaseTable:
    """Lead time = complete − arrival; work = Σ(complete − start); wait = lead − work."""

    def test_columns(self) -> None:
        columns = list(run().cases.columns)
        assert {"lead_time_h", "work_h", "wait_h", "flow_efficiency", "finished", "case:item", "sla_met"} <= {*columns}

    def test_completed_cases(self) -> None:
        table = run().cases.set_index(CASE)
        # case 1: arrives 0, S1 1–3, S2 3–5 → lead 5, work 2 + 2 = 4, wait 1, efficiency 0.8, SLA 10h met
        # case 3: arrives 5, S1 5–8, S2 9–11 → lead 6, work 3 + 2 = 5, wait 1, efficiency 5/6, SLA 4h missed
        expected = {
            C1: (5.0, 4.0, 1.0, 0.8, True),
            C3: (6.0, 5.0, 1.0, 5 / 6, False),
        }
        for case, (lead, work, wait, efficiency, met) in expected.items():
            row = table.loc[case]
            assert pytest.approx(lead, abs=EXACT) == row["lead_time_h"]
            assert pytest.approx(work, abs=EXACT) == row["work_h"]
            assert pytest.approx(wait, abs=EXACT) == row["wait_h"]
            assert pytest.approx(efficiency, abs=EXACT) == row["flow_efficiency"]
            assert bool(row["sla_met"]) is met

    def test_case_in_progress_has_no_lead_time_and_no_verdict(self) -> None:
        row = run().cases.set_index(CASE).loc[C2]
        assert math.isnan(row["lead_time_h"])
        assert math.isnan(row["work_h"])
        assert row["sla_met"] is pd.NA

    def test_class_and_replication(self) -> None:
        table = run(count=2).cases.set_index(CASE)
        assert ("y", 1) == (table.loc["r1-y-000003", "case:item"], table.loc["r1-y-000003", "case:replication"])
        assert not table.loc[C2, "finished"]


class TestStageTable:
    """Per stage: visits, wait/work, utilisation of the team, time-average queue, throughput, wait share."""

    def test_columns_and_order(self) -> None:
        table = run().stages_by_replication
        assert ["replication", *STAGE_COLUMNS] == list(table.columns)
        assert ["S1", "S2"] == table["stage"].tolist()
        assert ["a", "b"] == table["team"].tolist()
        assert ["s", "s"] == table["stream"].tolist()

    def test_hand_computed_values(self) -> None:
        table = run().stages_by_replication.set_index("stage")
        # S1 waits 1, 1, 0; works 2, 1, 3. S2 (completed visits only, as for any log) waits 0, 1; works 2, 2; the
        # visit of case 2 still in service at 12 has no completion yet, so it is not a stage visit of the log.
        expected_s1 = {
            "visits": 3,
            "wait_mean_h": 2 / 3,
            "wait_p85_h": 1.0,
            "work_mean_h": 2.0,
            "utilisation": 6 / 12,  # team a busy 6 h of a 12 h window, capacity 1
            "mean_queue_length": 2 / 12,  # one item queued during 0–1 and 2–3
            "throughput_per_day": 3 / 0.5,  # three completions in half a day
            "wait_share": 2 / 3,  # S1 waited 2 h of the 3 h waited in all
        }
        expected_s2 = {
            "visits": 2,
            "wait_mean_h": 0.5,
            "wait_p85_h": 0.85,  # sorted waits 0, 1: position 0.85 → 0 + 0.85 · (1 − 0)
            "work_mean_h": 2.0,
            "utilisation": 10 / (2 * 12),  # 10 server-hours of 2 servers × 12 h
            "mean_queue_length": 3 / 12,  # one item queued during 4–6 and 8–9
            "throughput_per_day": 2 / 0.5,
            "wait_share": 1 / 3,
        }
        for stage, expected in (("S1", expected_s1), ("S2", expected_s2)):
            actual = table.loc[stage, list(expected)].to_dict()
            assert pytest.approx(expected, abs=EXACT) == actual

    def test_pooled_equals_single_replication_when_replications_agree(self) -> None:
        """Two identical replications: means, shares and time averages are those of one; visits add up.

        The pooled 85th percentile is that of the pooled waits: S1 waits 0, 0, 1, 1, 1, 1 → position 4.25 → 1;
        S2 waits 0, 0, 1, 1 → position 2.55 → 1.
        """
        one = run(count=1).stages
        two = run(count=2).stages
        assert [6, 4] == two["visits"].tolist()
        assert [1.0, 1.0] == two["wait_p85_h"].tolist()
        columns = ["wait_mean_h", "work_mean_h", "utilisation", "mean_queue_length", "wait_share"]
        pd.testing.assert_frame_equal(one[columns], two[columns])
        assert list(two.columns) == list(STAGE_COLUMNS)


class TestTimeAverage:
    """Step functions sampled at their changes, averaged over a window."""

    def test_step_function_by_hand(self) -> None:
        samples = pd.DataFrame({"time_h": [0.0, 2.0, 5.0], "k": ["q", "q", "q"], "v": [1, 3, 0]})
        # 1 during 0–2, 3 during 2–5, 0 during 5–10: area 2 + 9 = 11 over 10 h
        assert pytest.approx({"q": 1.1}, abs=EXACT) == time_average(samples, ["k"], "v", 0.0, 10.0).to_dict()
        # window 3–10: 3 during 3–5 → 6 over 7 h
        assert pytest.approx({"q": 6 / 7}, abs=EXACT) == time_average(samples, ["k"], "v", 3.0, 10.0).to_dict()

    def test_last_sample_at_the_same_time_wins(self) -> None:
        samples = pd.DataFrame({"time_h": [0.0, 0.0], "k": ["q", "q"], "v": [0, 4]})
        assert {"q": 4.0} == time_average(samples, ["k"], "v", 0.0, 1.0).to_dict()


class TestWarmup:
    """Per-case measures keep cases arriving at or after the warm-up; time averages use [warm-up, horizon]."""

    def test_case_table_drops_early_arrivals(self) -> None:
        table = run(warmup_h=2.0).cases
        assert table[CASE].tolist() == [C2, C3]

    def test_window_measures_use_the_window(self) -> None:
        table = run(warmup_h=2.0).stages_by_replication.set_index("stage")
        # team a busy 2–3, 3–4, 5–8 inside [2, 12]: 5 h of 10; queue S1 holds 1 during 2–3: 1 h of 10
        assert pytest.approx(0.5, abs=EXACT) == table.loc["S1", "utilisation"]
        assert pytest.approx(0.1, abs=EXACT) == table.loc["S1", "mean_queue_length"]
        # S1 completions at 3, 4 and 8 all fall in the window, whoever the case: 3 per 10/24 day
        assert pytest.approx(3 / (10 / 24), abs=EXACT) == table.loc["S1", "throughput_per_day"]
        # only the visits ready in the window count for waits: S1 of cases 2 and 3, waits 1, 0
        assert 2 == table.loc["S1", "visits"]
        assert pytest.approx(0.5, abs=EXACT) == table.loc["S1", "wait_mean_h"]

    def test_wip_and_throughput_over_the_window(self) -> None:
        measures = run(warmup_h=2.0).measures.iloc[0]
        # in the system within [2, 12]: case 1 during 2–5 (3 h), case 2 during 2–12 (10 h), case 3 during 5–11 (6 h)
        assert pytest.approx(19 / 10, abs=EXACT) == measures["wip"]
        # completions at 5 (case 1) and 11 (case 3) in 10/24 day
        assert pytest.approx(2 / (10 / 24), abs=EXACT) == measures["throughput_per_day"]
        # only case 3 completed among the kept cases
        assert 1 == measures["completed"]
        assert pytest.approx(6.0, abs=EXACT) == measures["lead_time_mean_h"]


class TestReplicationMeasures:
    """One row per replication, by hand for the hand-built recording."""

    def test_hand_computed(self) -> None:
        measures = run().measures.iloc[0]
        expected = {
            "completed": 2,
            "lead_time_mean_h": 5.5,
            "lead_time_p50_h": 5.5,
            "lead_time_p85_h": 5.85,  # leads 5 and 6: 5 + 0.85 · 1
            "lead_time_p95_h": 5.95,
            "flow_efficiency_total": 9 / 11,  # total work 4 + 5 over total lead 5 + 6
            "flow_efficiency_mean": (4 / 5 + 5 / 6) / 2,  # the two cases' own ratios
            "throughput_per_day": 2 / 0.5,
            "wip": (5 + 10 + 6) / HORIZON_H,  # cases in the system 0–5, 2–12, 5–11
            "sla_attainment": 0.5,  # case 1 met its 10 h, case 3 missed its 4 h
        }
        assert pytest.approx(expected, abs=EXACT) == measures[list(expected)].to_dict()


class TestConfidenceInterval:
    """Half-width t(0.975, n − 1) · s / √n; NaN with one value."""

    def test_against_hand_computation(self) -> None:
        values = [4.0, 6.0, 5.0, 9.0]
        mean = 6.0
        s = math.sqrt(((4 - 6) ** 2 + 0 + (5 - 6) ** 2 + (9 - 6) ** 2) / 3)  # sqrt(14/3)
        expected_half_width = stats.t.ppf(0.975, 3) * s / math.sqrt(4)  # 3.182446… · 2.160247 / 2
        estimate = confidence_interval(values)
        assert (mean, 4) == (estimate.mean, estimate.n)
        assert pytest.approx(expected_half_width, rel=1e-12) == estimate.half_width
        assert pytest.approx(3.4374, abs=1e-4) == estimate.half_width

    def test_one_value_has_no_interval(self) -> None:
        estimate = confidence_interval([3.0])
        assert (3.0, 1) == (estimate.mean, estimate.n)
        assert math.isnan(estimate.half_width)

    def test_nan_values_are_left_out(self) -> None:
        assert 2 == confidence_interval([np.nan, 2.0, 4.0]).n

    def test_no_values(self) -> None:
        estimate = confidence_interval([])
        assert 0 == estimate.n
        assert math.isnan(estimate.mean)


class TestPairedDifference:
    """Differences variant − baseline of the same replication number, then a t interval over those differences."""

    # Student's t, 97.5% quantile, 2 degrees of freedom, in closed form: with 2 degrees of freedom the quantile of
    # probability p is (2p − 1) / √(2p(1 − p)) (printed tables: 4.303)
    T_975_2 = 0.95 / math.sqrt(2 * 0.975 * 0.025)

    def test_against_hand_computation(self) -> None:
        # differences 11 − 10, 7 − 5, 13 − 10 = 1, 2, 3: mean 2, s = 1, half-width t(0.975, 2) · 1 / √3
        estimate = paired_difference({0: 11.0, 1: 7.0, 2: 13.0}, {0: 10.0, 1: 5.0, 2: 10.0})
        assert (2.0, 3) == (estimate.mean, estimate.n)
        assert pytest.approx(self.T_975_2 / math.sqrt(3), rel=1e-12) == estimate.half_width
        assert pytest.approx(2.4841, abs=1e-4) == estimate.half_width
        assert not estimate.excludes_zero  # 2 ± 2.48 reaches below 0

    def test_pairs_by_replication_number_not_by_position(self) -> None:
        # by position the differences would be 13 − 10, 11 − 5, 7 − 10 = 3, 6, −3 (s = √21), not 1, 2, 3 (s = 1)
        variant = pd.Series([13.0, 11.0, 7.0], index=[2, 0, 1])
        estimate = paired_difference(variant, {0: 10.0, 1: 5.0, 2: 10.0})
        assert pytest.approx(self.T_975_2 / math.sqrt(3), rel=1e-12) == estimate.half_width

    @pytest.mark.parametrize(("shift", "real"), [(2.0, False), (3.0, True), (-3.0, True)])
    def test_real_only_when_the_interval_excludes_zero(self, shift: float, real: bool) -> None:
        # differences shift − 1, shift, shift + 1: mean = shift, half-width 2.484 (3 ± 2.48 excludes 0, 2 ± 2.48 not)
        baseline = {0: 5.0, 1: 5.0, 2: 5.0}
        variant = {0: 5.0 + shift - 1, 1: 5.0 + shift, 2: 5.0 + shift + 1}
        estimate = paired_difference(variant, baseline)
        assert pytest.approx(shift, abs=EXACT) == estimate.mean
        assert real is estimate.excludes_zero

    def test_identical_values_are_no_difference(self) -> None:
        """Common random numbers and a change that changes nothing: exactly 0 ± 0, which is not real."""
        estimate = paired_difference({0: 3.5, 1: 7.25, 2: 1.0}, {0: 3.5, 1: 7.25, 2: 1.0})
        assert Estimate(0.0, 0.0, 3) == estimate
        assert not estimate.excludes_zero

    def test_one_pair_has_no_interval_and_is_not_real(self) -> None:
        estimate = paired_difference({0: 9.0}, {0: 1.0})
        assert (8.0, 1) == (estimate.mean, estimate.n)
        assert math.isnan(estimate.half_width)
        assert not estimate.excludes_zero

    def test_a_pair_with_a_missing_value_is_left_out(self) -> None:
        estimate = paired_difference({0: np.nan, 1: 2.0, 2: 3.0, 3: 4.0}, {0: 1.0, 1: 1.0, 2: 1.0, 3: np.nan})
        assert (1.5, 2) == (estimate.mean, estimate.n)

    def test_different_replications_are_an_error(self) -> None:
        with pytest.raises(ValueError, match=r"the variant has replications \[0, 1, 2\] and the baseline \[0, 1\]"):
            paired_difference({0: 1.0, 1: 2.0, 2: 3.0}, {0: 1.0, 1: 2.0})

    def test_a_replication_given_twice_is_an_error(self) -> None:
        with pytest.raises(ValueError, match=r"the baseline has replication\(s\) \[1\] more than once"):
            paired_difference({0: 1.0, 1: 2.0}, pd.Series([1.0, 2.0, 3.0], index=[0, 1, 1]))


class TestGroupMeasures:
    """`compute_replication_measures` per work item class and per stream, by hand for the hand-built recording."""

    def test_per_item_class_by_hand(self) -> None:
        table = run().group_measures("item")
        assert ["replication", "item", *MEASURE_COLUMNS] == list(table.columns)
        rows = table.set_index("item")
        # x: case 1 done (lead 5, work 4, SLA 10 h met), case 2 open at 12; y: case 3 (lead 6, work 5, SLA 4 h missed)
        expected = {
            "x": {"completed": 1, "lead_time_mean_h": 5.0, "lead_time_p85_h": 5.0, "flow_efficiency_total": 0.8,
                  "throughput_per_day": 1 / 0.5, "wip": (5 + 10) / HORIZON_H, "sla_attainment": 1.0},
            "y": {"completed": 1, "lead_time_mean_h": 6.0, "lead_time_p85_h": 6.0, "flow_efficiency_total": 5 / 6,
                  "throughput_per_day": 1 / 0.5, "wip": 6 / HORIZON_H, "sla_attainment": 0.0},
        }  # fmt: skip
        for item, values in expected.items():
            assert pytest.approx(values, abs=EXACT) == rows.loc[item, list(values)].to_dict()

    def test_one_stream_equals_the_whole(self) -> None:
        results = run(count=2)
        by_stream = results.group_measures("stream").drop(columns="stream")
        pd.testing.assert_frame_equal(results.measures, by_stream, check_dtype=False)

    def test_counts_throughput_and_wip_add_up_over_the_classes(self) -> None:
        results = run(count=2)
        summed = (
            results.group_measures("item")
            .groupby("replication")[["completed", "throughput_per_day", "wip"]]
            .sum()
        )
        whole = results.measures.set_index("replication")
        pd.testing.assert_frame_equal(whole[["completed", "throughput_per_day", "wip"]], summed)

    def test_a_class_without_cases_has_a_row(self) -> None:
        replications = handbuilt_replications()
        network = replications.network
        quiet = dataclasses.replace(network.item_classes["x"], name="z")
        replications = dataclasses.replace(
            replications, network=dataclasses.replace(network, item_classes={**network.item_classes, "z": quiet})
        )
        row = collect_results(replications).group_measures("item").set_index("item").loc["z"]
        assert (0, 0.0, 0.0) == (row["completed"], row["throughput_per_day"], row["wip"])
        assert math.isnan(row["lead_time_mean_h"])

    def test_unknown_grouping(self) -> None:
        with pytest.raises(ValueError, match="choose one of item, stream"):
            run().group_measures("team")


class TestGroupBottlenecks:
    """Per class: the stage with the largest share of that class's waiting, by hand."""

    def test_per_item_class_by_hand(self) -> None:
        table = run().group_bottlenecks("item").set_index("item")
        # x waits 1 + 1 h at S1 (cases 1, 2) and 0 h at S2 (case 2's visit there is not complete); team a busy 6 of 12 h
        assert ("S1", "a") == (table.loc["x", "stage"], table.loc["x", "team"])
        assert (
            pytest.approx([1.0, 1.0, 0.5], abs=EXACT)
            == table.loc["x", ["wait_share", "wait_mean_h", "utilisation"]].tolist()
        )
        # y waits only at S2 (1 h, case 3); team b: 10 server-hours of 2 × 12
        assert ("S2", "b") == (table.loc["y", "stage"], table.loc["y", "team"])
        assert (
            pytest.approx([1.0, 1.0, 10 / 24], abs=EXACT)
            == table.loc["y", ["wait_share", "wait_mean_h", "utilisation"]].tolist()
        )

    def test_one_stream_has_the_overall_bottleneck(self) -> None:
        results = run()
        overall = results.summary.bottleneck
        assert overall is not None
        row = results.group_bottlenecks("stream").set_index("stream").loc["s"]
        assert (overall.stage, overall.team) == (row["stage"], row["team"])
        assert pytest.approx(overall.wait_share, abs=EXACT) == row["wait_share"]  # 2 of 3 waiting hours at S1


class TestSummary:
    """The summary across replications, and its JSON form."""

    def test_identical_replications_have_zero_half_width(self) -> None:
        summary = run(count=3).summary
        assert 3 == summary.replications
        assert 6 == summary.completed_cases
        assert pytest.approx(5.5, abs=EXACT) == summary.lead_time_mean_h.mean
        assert pytest.approx(0.0, abs=EXACT) == summary.lead_time_mean_h.half_width
        assert pytest.approx(0.5, abs=EXACT) == summary.sla_attainment.mean

    def test_item_lead_times_longest_first(self) -> None:
        summary = run().summary
        assert [
            ("y", 6.0, 1),
            ("x", 5.0, 1),
        ] == [(entry.item, entry.lead_time_h.mean, entry.completed) for entry in summary.item_lead_times]

    def test_bottleneck_is_largest_wait_share(self) -> None:
        bottleneck = run().summary.bottleneck
        assert bottleneck is not None
        assert ("S1", "a") == (bottleneck.stage, bottleneck.team)
        assert pytest.approx(2 / 3, abs=EXACT) == bottleneck.wait_share
        assert pytest.approx(6 / 12, abs=EXACT) == bottleneck.utilisation

    def test_to_dict_is_json_safe(self) -> None:
        """One replication: half-widths are NaN, which JSON cannot hold; they become null."""
        data = run().summary.to_dict()
        text = json.dumps(data, allow_nan=False)
        assert {"mean": 5.5, "half_width": None, "n": 1} == json.loads(text)["lead_time_mean_h"]
        assert "S1" == json.loads(text)["bottleneck"]["stage"]


class TestWaitByCause:
    """Each visit's wait split into hand-off, gate, batch, people, off duty and escalation, worked out by hand."""

    def test_handoff_gate_and_people(self) -> None:
        """Hand-off 1 h, a gate opening every 10 h (at 0, 10, …), one person, 2 h of work; items at 0 and 0.5.

        Item 1: hand-off 0–1, gate 1–10, starts at 10. Item 2: hand-off 0.5–1.5, gate 1.5–10, then waits for the
        person until 12. Means per visit: hand-off 1, gate (9 + 8.5) / 2, people (0 + 2) / 2, the rest 0.
        """
        network = Network(
            name="causes",
            run=RunSettings(start=datetime(2026, 1, 5, tzinfo=UTC), horizon_h=50.0),
            teams={"T": Team("T", 1)},
            stages={"S": Stage("S", "s", "T", Fixed(2.0), handoff=Fixed(1.0), gate="g")},
            item_classes={"x": ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 0.5)))},
            gates={"g": CadenceGate("g", every_h=10.0)},
        )
        row = collect_results(Replications(network, (simulate(network, seed=1),))).stages_by_replication.iloc[0]
        causes = {cause: row[f"wait_{cause}_mean_h"] for cause in ("handoff", "gate", "batch", "people", "off_duty",
                                                                   "escalated")}  # fmt: skip
        assert {"handoff": 1.0, "gate": 8.75, "batch": 0.0, "people": 1.0, "off_duty": 0.0, "escalated": 0.0} == causes
        assert row["wait_mean_h"] == sum(causes.values())
