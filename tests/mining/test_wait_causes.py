"""The wait split a log supports (`mining.wait_causes`): contention (the resource that did the work was busy with
other work) and other, worked out by hand on small logs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.stage_times import compute_stage_times
from mining.wait_causes import compute_wait_causes, summarize_wait_causes


def at(clock: str) -> pd.Timestamp:
    return pd.Timestamp(f"2024-01-01 {clock}", tz="UTC")


def log(rows: list[tuple[str, str, str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE]).assign(
        **{TIMESTAMP: lambda frame: frame[TIMESTAMP].map(at)}
    )


def causes_of(events: pd.DataFrame) -> pd.DataFrame:
    stage_times = compute_stage_times(events)
    causes = compute_wait_causes(stage_times, events)
    return pd.concat([stage_times[[CASE, ACTIVITY, "wait_h"]], causes], axis=1).set_index([CASE, ACTIVITY])


class TestContention:
    def test_waiting_while_the_person_works_on_something_else(self) -> None:
        """a: X by r1 09:00–11:00. b: P by r2 08:00–08:00 (ready for X at 08:00), X by r1 11:00–12:00.

        b waits for X from 08:00 to 11:00 (3 h); r1 is busy with a's X 09:00–11:00: contention 2 h, other 1 h."""
        events = log([
            ("a", "X", "start", "09:00", "r1"), ("a", "X", "complete", "11:00", "r1"),
            ("b", "P", "start", "08:00", "r2"), ("b", "P", "complete", "08:00", "r2"),
            ("b", "X", "start", "11:00", "r1"), ("b", "X", "complete", "12:00", "r1"),
        ])  # fmt: skip
        row = causes_of(events).loc[("b", "X")]
        assert (3.0, 2.0, 1.0) == pytest.approx((row["wait_h"], row["wait_contention_h"], row["wait_other_h"]))

    def test_suspended_work_is_not_busy(self) -> None:
        """As above, but a's X is suspended 09:30–10:30: r1 is busy 09:00–09:30 and 10:30–11:00, 1 h in all."""
        events = log([
            ("a", "X", "start", "09:00", "r1"), ("a", "X", "suspend", "09:30", "r1"),
            ("a", "X", "resume", "10:30", "r1"), ("a", "X", "complete", "11:00", "r1"),
            ("b", "P", "start", "08:00", "r2"), ("b", "P", "complete", "08:00", "r2"),
            ("b", "X", "start", "11:00", "r1"), ("b", "X", "complete", "12:00", "r1"),
        ])  # fmt: skip
        row = causes_of(events).loc[("b", "X")]
        assert (1.0, 2.0) == pytest.approx((row["wait_contention_h"], row["wait_other_h"]))

    def test_another_persons_work_is_not_contention(self) -> None:
        """The same waits, but a's X is done by r3: r1 was free all along, so all 3 h are other."""
        events = log([
            ("a", "X", "start", "09:00", "r3"), ("a", "X", "complete", "11:00", "r3"),
            ("b", "P", "start", "08:00", "r2"), ("b", "P", "complete", "08:00", "r2"),
            ("b", "X", "start", "11:00", "r1"), ("b", "X", "complete", "12:00", "r1"),
        ])  # fmt: skip
        row = causes_of(events).loc[("b", "X")]
        assert (0.0, 3.0) == pytest.approx((row["wait_contention_h"], row["wait_other_h"]))


class TestUnknown:
    def test_an_estimated_start_has_no_split(self) -> None:
        """Complete events only: starts are estimated, so the log cannot say who was busy when: NaN, never 0."""
        events = log([
            ("a", "X", "complete", "09:00", "r1"), ("a", "Y", "complete", "10:00", "r1"),
        ])  # fmt: skip
        causes = causes_of(events)
        assert causes["wait_contention_h"].isna().all() and causes["wait_other_h"].isna().all()

    def test_summary_per_stage_counts_the_visits_it_knows(self) -> None:
        events = log([
            ("a", "X", "start", "09:00", "r1"), ("a", "X", "complete", "11:00", "r1"),
            ("b", "P", "start", "08:00", "r2"), ("b", "P", "complete", "08:00", "r2"),
            ("b", "X", "start", "11:00", "r1"), ("b", "X", "complete", "12:00", "r1"),
        ])  # fmt: skip
        stage_times = compute_stage_times(events)
        summary = summarize_wait_causes(stage_times, compute_wait_causes(stage_times, events)).set_index(ACTIVITY)
        # X: a waits 0 (ready at its own start), b waits 2 h contention + 1 h other → means 1.0 and 0.5
        assert (1.0, 0.5, 2) == pytest.approx(tuple(summary.loc["X"]))
        assert not math.isnan(summary.loc["P", "wait_other_mean_h"])


class TestPoolContention:
    def test_only_the_hours_the_whole_pool_was_busy(self) -> None:
        """Pool {r1, r2} of size 2. b waits for X 08:00–11:00; r1 works on a 09:00–11:00, r2 on c 10:00–10:30.
        Both busy only 10:00–10:30: pool contention 0.5 h (the person-level reading says 2 h: r1 was busy)."""
        from mining.wait_causes import compute_pool_contention

        events = log([
            ("a", "X", "start", "09:00", "r1"), ("a", "X", "complete", "11:00", "r1"),
            ("c", "X", "start", "10:00", "r2"), ("c", "X", "complete", "10:30", "r2"),
            ("b", "P", "start", "08:00", "r2"), ("b", "P", "complete", "08:00", "r2"),
            ("b", "X", "start", "11:00", "r1"), ("b", "X", "complete", "12:00", "r1"),
        ])  # fmt: skip
        stage_times = compute_stage_times(events)
        pooled = compute_pool_contention(stage_times, events, {"X": "pool", "P": "pool"}, {"pool": 2})
        row = stage_times.index[(stage_times[CASE] == "b") & (stage_times[ACTIVITY] == "X")][0]
        assert pooled[row] == pytest.approx(0.5)
        assert causes_of(events).loc[("b", "X"), "wait_contention_h"] == pytest.approx(2.0)
