"""Flow measures on hand-built logs whose wait and work times are worked out by hand in the comments."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from mining.columns import ACTIVITY, ARRIVAL, CASE, INSTANCE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.errors import EventLogError
from mining.measures import (
    compute_arrivals,
    compute_case_times,
    compute_flow_summary,
    compute_handovers,
    compute_rework,
    compute_stage_times,
    compute_throughput,
    compute_wip,
    summarize_stages,
)


def at(clock: str, day: int = 1) -> pd.Timestamp:
    return pd.Timestamp(f"2024-01-{day:02d} {clock}", tz="UTC")


def two_case_log() -> pd.DataFrame:
    """8 events, 2 cases, each X (by r1) then Y (by r2), with start and complete.

    case a: X 08:00-09:00, Y 10:00-12:00      case b: X 09:30-11:00, Y 12:00-12:30
    """
    return pd.DataFrame(
        {
            CASE: ["a"] * 4 + ["b"] * 4,
            ACTIVITY: ["X", "X", "Y", "Y"] * 2,
            LIFECYCLE: ["start", "complete"] * 4,
            TIMESTAMP: [at("08:00"), at("09:00"), at("10:00"), at("12:00"),
                        at("09:30"), at("11:00"), at("12:00"), at("12:30")],
            RESOURCE: ["r1", "r1", "r2", "r2"] * 2,
        }
    )  # fmt: skip


class TestObservedStageTimes:
    """Logs with start events: wait = start - ready, work = complete - start, nothing estimated."""

    def test_hand_computed_wait_and_work(self) -> None:
        """a.X: no arrival, ready = own start 08:00 → wait 0, work 1 h. a.Y: ready = a.X done 09:00 → wait 1 h
        (09:00→10:00), work 2 h. b.X: wait 0, work 1.5 h (09:30→11:00). b.Y: ready 11:00 → wait 1 h, work 0.5 h."""
        stage_times = compute_stage_times(two_case_log())
        assert list(zip(stage_times[CASE], stage_times[ACTIVITY], strict=True)) == [
            ("a", "X"),
            ("a", "Y"),
            ("b", "X"),
            ("b", "Y"),
        ]
        assert stage_times["wait_h"].tolist() == [0.0, 1.0, 0.0, 1.0]
        assert stage_times["work_h"].tolist() == [1.0, 2.0, 1.5, 0.5]
        assert [at("08:00"), at("09:00"), at("09:30"), at("11:00")] == stage_times["ready"].tolist()
        assert not stage_times["estimated"].any()
        assert stage_times[RESOURCE].tolist() == ["r1", "r2", "r1", "r2"]

    def test_case_times(self) -> None:
        """a: lead 08:00→12:00 = 4 h, work 1+2 = 3 h, wait 1 h, efficiency 3/4.
        b: lead 09:30→12:30 = 3 h, work 1.5+0.5 = 2 h, wait 1 h, efficiency 2/3."""
        case_times = compute_case_times(two_case_log())
        assert case_times[CASE].tolist() == ["a", "b"]
        assert case_times["lead_time_h"].tolist() == [4.0, 3.0]
        assert case_times["work_h"].tolist() == [3.0, 2.0]
        assert case_times["wait_h"].tolist() == [1.0, 1.0]
        assert case_times["flow_efficiency"].tolist() == pytest.approx([0.75, 2 / 3])
        assert case_times["events"].tolist() == [4, 4]

    def test_arrival_column_sets_the_first_ready(self) -> None:
        """With case:arrival = 07:00 for a, a.X waits 07:00→08:00 = 1 h and a's lead time is 5 h."""
        log = two_case_log()
        log[ARRIVAL] = [at("07:00")] * 4 + [at("09:30")] * 4
        stage_times = compute_stage_times(log)
        assert stage_times["wait_h"].tolist() == [1.0, 1.0, 0.0, 1.0]
        assert compute_case_times(log)["lead_time_h"].tolist() == [5.0, 3.0]

    def test_pairs_by_instance(self) -> None:
        """Two overlapping visits of X in one case: instance ids pair the first start with the later complete."""
        log = pd.DataFrame(
            {
                CASE: ["c"] * 4,
                ACTIVITY: ["X"] * 4,
                LIFECYCLE: ["start", "start", "complete", "complete"],
                TIMESTAMP: [at("08:00"), at("09:00"), at("10:00"), at("11:00")],
                INSTANCE: ["i1", "i2", "i2", "i1"],
            }
        )
        stage_times = compute_stage_times(log)
        # i1: 08:00→11:00 = 3 h; i2: 09:00→10:00 = 1 h
        assert sorted([3.0, 1.0]) == sorted(stage_times["work_h"].tolist())

    def test_input_frame_is_not_modified(self) -> None:
        log = two_case_log()
        before = log.copy(deep=True)
        compute_flow_summary(log)
        pd.testing.assert_frame_equal(before, log)


class TestEstimatedStageTimes:
    """Complete-only logs: the split of wait and work is estimated and flagged."""

    def complete_only(self) -> pd.DataFrame:
        log = two_case_log()
        return log[log[LIFECYCLE] == "complete"].reset_index(drop=True)

    def test_with_resources(self) -> None:
        """a.X, b.X: first visits, nothing observable before → 0 wait, 0 work.
        a.Y: ready 09:00, r2 free (no earlier completion) → start 09:00: wait 0, work 3 h.
        b.Y: ready 11:00, r2 busy until a.Y completes 12:00 → start 12:00: wait 1 h, work 0.5 h."""
        stage_times = compute_stage_times(self.complete_only())
        assert stage_times["wait_h"].tolist() == [0.0, 0.0, 0.0, 1.0]
        assert stage_times["work_h"].tolist() == [0.0, 3.0, 0.0, 0.5]
        assert stage_times["estimated"].all()
        assert compute_flow_summary(self.complete_only())["estimated"] is True

    def test_without_resources_leaves_the_gap_unsplit(self) -> None:
        """No resource: wait and work unknown (NaN); elapsed = ready→complete: a.Y 3 h, b.Y 1.5 h."""
        stage_times = compute_stage_times(self.complete_only().drop(columns=RESOURCE))
        assert stage_times["work_h"].isna().tolist() == [False, True, False, True]
        assert stage_times["elapsed_h"].tolist() == [0.0, 3.0, 0.0, 1.5]
        case_times = compute_case_times(self.complete_only().drop(columns=RESOURCE))
        assert case_times["flow_efficiency"].isna().all()
        assert case_times["lead_time_h"].tolist() == [3.0, 1.5]

    def test_status_lifecycle_counts_every_event(self) -> None:
        """BPIC 2013 keeps a status in lifecycle:transition: every event is then a completion."""
        log = self.complete_only().assign(**{LIFECYCLE: "In Progress"})
        assert len(log) == len(compute_stage_times(log))


class TestSummaries:
    def test_summarize_stages(self) -> None:
        """Y holds all waiting (1 h + 1 h), X none; no stage repeats."""
        summary = summarize_stages(compute_stage_times(two_case_log())).set_index(ACTIVITY)
        assert summary.loc["Y", "wait_share"] == 1.0
        assert summary.loc["X", "wait_share"] == 0.0
        assert summary.loc["Y", "work_mean_h"] == 1.25  # (2 + 0.5) / 2
        assert (summary["visits"] == 2).all()
        assert (summary["rework_rate"] == 0).all()

    def test_rework(self) -> None:
        """Case a visits X twice: 1 repeat out of 3 X visits."""
        log = two_case_log()
        extra = pd.DataFrame(
            {CASE: ["a", "a"], ACTIVITY: ["X", "X"], LIFECYCLE: ["start", "complete"],
             TIMESTAMP: [at("13:00"), at("14:00")], RESOURCE: ["r1", "r1"]}
        )  # fmt: skip
        rework = compute_rework(pd.concat([log, extra], ignore_index=True)).set_index(ACTIVITY)
        assert rework.loc["X", "repeat_visits"] == 1
        assert rework.loc["X", "rework_rate"] == pytest.approx(1 / 3)
        assert rework.loc["X", "cases_with_repeat"] == 1

    def test_handovers(self) -> None:
        """Each case passes from r1 to r2 once."""
        handovers = compute_handovers(two_case_log())
        assert list(handovers.itertuples(index=False, name=None)) == [("r1", "r2", 2, 2)]

    def test_wip_step_function(self) -> None:
        """a open 08:00-12:00, b 09:30-12:30: 1, 2, 1, 0."""
        wip = compute_wip(two_case_log())
        assert [at("08:00"), at("09:30"), at("12:00"), at("12:30")] == wip["time"].tolist()
        assert wip["wip"].tolist() == [1, 2, 1, 0]

    def test_throughput(self) -> None:
        throughput = compute_throughput(two_case_log(), period="D")
        assert [at("00:00")] == throughput["period_start"].tolist()
        assert throughput["completed"].tolist() == [2]

    def test_arrivals(self) -> None:
        """One gap 08:00→09:30 = 1.5 h."""
        arrivals = compute_arrivals(two_case_log())
        assert arrivals["interarrival_mean_h"] == 1.5
        assert arrivals["rate_per_day"] == pytest.approx(1 / (1.5 / 24))

    def test_flow_summary(self) -> None:
        """Lead times 4 h and 3 h; mean WIP over 08:00-12:30 = (1·1.5 + 2·2.5 + 1·0.5) / 4.5 = 7/4.5."""
        summary = compute_flow_summary(two_case_log())
        assert summary["cases"] == 2
        assert summary["events"] == 8
        assert summary["lead_time_mean_h"] == 3.5
        assert summary["flow_efficiency_mean"] == pytest.approx((0.75 + 2 / 3) / 2)
        assert summary["flow_efficiency_total"] == pytest.approx((3 + 2) / (4 + 3))
        assert summary["wip"] == pytest.approx(7 / 4.5)
        assert summary["throughput_per_day"] == pytest.approx(2 / (4.5 / 24))
        assert (summary["completed"], summary["unfinished"]) == (2, 0)
        assert summary["estimated"] is False
        assert all(v is None or not isinstance(v, float) or math.isfinite(v) for v in summary.values())


class TestErrors:
    def test_missing_column_lists_the_columns_found(self) -> None:
        with pytest.raises(EventLogError, match=r"missing column\(s\) \['time:timestamp'\].*columns found"):
            compute_stage_times(two_case_log().drop(columns=TIMESTAMP))

    def test_naive_timestamps_are_refused_unless_datetime(self) -> None:
        with pytest.raises(EventLogError, match="timezone-aware"):
            compute_stage_times(two_case_log().assign(**{TIMESTAMP: "2024-01-01"}))

    def test_empty_log(self) -> None:
        empty = two_case_log().iloc[:0]
        assert compute_stage_times(empty).empty
        assert compute_flow_summary(empty)["cases"] == 0
        assert np.isnan(summarize_stages(compute_stage_times(empty))["wait_mean_h"]).all()
