"""The simulated event log: column order, dtypes, exact timestamps, sorting, start/complete pairing, warm-up."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd
import pytest
from handbuilt_recording import (
    START,
    START_UTC,
    handbuilt_recording,
    handbuilt_replications,
)

from sim.event_log import EVENT_LOG_DTYPES, build_event_log, hours_to_timestamps

C1, C2, C3 = "r0-x-000001", "r0-x-000002", "r0-y-000003"


def _at(hours: float) -> pd.Timestamp:
    return pd.Timestamp(START_UTC) + pd.Timedelta(hours=hours)


class TestColumnsAndDtypes:
    """The log has the contract's columns, in order, with fixed dtypes — also when it is empty."""

    def test_columns_in_order(self) -> None:
        log = build_event_log(handbuilt_recording(), START)
        assert list(EVENT_LOG_DTYPES) == list(log.columns)
        assert [
            "case:concept:name", "concept:name", "concept:instance", "lifecycle:transition", "time:timestamp",
            "org:resource", "org:group", "case:item", "case:stream", "case:scenario", "case:priority",
            "case:replication", "case:parent", "case:arrival",
        ] == list(log.columns)  # fmt: skip

    def test_dtypes(self) -> None:
        log = build_event_log(handbuilt_recording(), START)
        expected = {
            "case:concept:name": "str",
            "concept:name": "str",
            "concept:instance": "str",
            "lifecycle:transition": "str",
            "time:timestamp": "datetime64[us, UTC]",
            "org:resource": "str",
            "org:group": "str",
            "case:item": "str",
            "case:stream": "str",
            "case:scenario": "str",
            "case:priority": "int64",
            "case:replication": "int64",
            "case:parent": "str",
            "case:arrival": "datetime64[us, UTC]",
        }
        assert expected == {column: str(dtype) for column, dtype in log.dtypes.items()}

    def test_empty_log_keeps_dtypes(self) -> None:
        """A warm-up beyond every arrival leaves no case, but the columns and dtypes stay."""
        log = build_event_log(handbuilt_recording(), START, warmup_h=100.0)
        assert 0 == len(log)
        assert {c: str(d) for c, d in build_event_log(handbuilt_recording(), START).dtypes.items()} == {
            c: str(d) for c, d in log.dtypes.items()
        }


class TestRows:
    """Exact rows of the hand-built recording (see tests/unit/handbuilt_recording.py)."""

    def test_exact_trace_sorted_by_time_case_visit_and_transition(self) -> None:
        log = build_event_log(handbuilt_recording(), START)
        actual = list(
            zip(
                log["time:timestamp"],
                log["case:concept:name"],
                log["concept:name"],
                log["lifecycle:transition"],
                log["org:resource"].fillna("nobody yet"),
                log["org:group"],
                strict=True,
            )
        )
        expected = [
            (_at(0), C1, "S1", "schedule", "nobody yet", "a"),  # ready: joins S1's queue on arrival
            (_at(1), C1, "S1", "start", "a-1", "a"),
            (_at(2), C2, "S1", "schedule", "nobody yet", "a"),
            (_at(3), C1, "S1", "complete", "a-1", "a"),  # the same case's earlier visit completes first ...
            (_at(3), C1, "S2", "schedule", "nobody yet", "b"),  # ... then its next visit is ready ...
            (_at(3), C1, "S2", "start", "b-1", "b"),  # ... and starts at the same moment
            (_at(3), C2, "S1", "start", "a-1", "a"),
            (_at(4), C2, "S1", "complete", "a-1", "a"),
            (_at(4), C2, "S2", "schedule", "nobody yet", "b"),
            (_at(5), C1, "S2", "complete", "b-1", "b"),
            (_at(5), C3, "S1", "schedule", "nobody yet", "a"),
            (_at(5), C3, "S1", "start", "a-1", "a"),
            (_at(6), C2, "S2", "start", "b-2", "b"),  # in service at the horizon: no complete row
            (_at(8), C3, "S1", "complete", "a-1", "a"),
            (_at(8), C3, "S2", "schedule", "nobody yet", "b"),
            (_at(9), C3, "S2", "start", "b-1", "b"),
            (_at(11), C3, "S2", "complete", "b-1", "b"),
        ]
        assert expected == actual

    def test_timestamps_are_utc_start_plus_hours(self) -> None:
        """The start is 08:00+01:00, so hour 0 (the first schedule) is 07:00 UTC and hour 1 (the first start) 08:00."""
        log = build_event_log(handbuilt_recording(), START)
        assert [pd.Timestamp("2026-01-05T07:00:00Z"), pd.Timestamp("2026-01-05T08:00:00Z")] == list(
            log["time:timestamp"].iloc[:2]
        )

    def test_instance_pairs_start_and_complete(self) -> None:
        log = build_event_log(handbuilt_recording(), START)
        pairs = log.pivot(index="concept:instance", columns="lifecycle:transition", values="time:timestamp")
        assert {f"{C1}#0", f"{C1}#1", f"{C2}#0", f"{C2}#1", f"{C3}#0", f"{C3}#1"} == set(pairs.index)
        assert pd.isna(pairs.loc[f"{C2}#1", "complete"])
        completed = pairs.dropna()
        assert bool((completed["start"] <= completed["complete"]).all())
        assert (_at(9), _at(11)) == (pairs.loc[f"{C3}#1", "start"], pairs.loc[f"{C3}#1", "complete"])

    def test_case_attributes(self) -> None:
        log = build_event_log(handbuilt_recording(), START)
        per_case = log.drop_duplicates("case:concept:name").set_index("case:concept:name")
        assert ["x", "x", "y"] == per_case.loc[[C1, C2, C3], "case:item"].tolist()
        assert [2, 2, 1] == per_case.loc[[C1, C2, C3], "case:priority"].tolist()
        assert [0, 0, 0] == per_case["case:replication"].tolist()
        assert per_case.loc[C3, "case:parent"] == C1
        assert pd.isna(per_case.loc[C1, "case:parent"])
        assert [_at(0), _at(2), _at(5)] == per_case.loc[[C1, C2, C3], "case:arrival"].tolist()


class TestWarmup:
    """Cases that arrived before the warm-up are left out of the log; later ones stay whole."""

    def test_case_arriving_before_warmup_is_dropped(self) -> None:
        log = build_event_log(handbuilt_recording(), START, warmup_h=2.0)
        assert {C2, C3} == set(log["case:concept:name"])
        assert 11 == len(log)  # C2: 2 schedules, 2 starts, 1 complete; C3: 2 of each

    def test_replications_use_their_own_warmup(self) -> None:
        log = build_event_log(handbuilt_replications(warmup_h=2.0, count=2), START)
        assert {C2, C3, "r1-x-000002", "r1-y-000003"} == set(log["case:concept:name"])
        assert [0, 1] == sorted(log["case:replication"].unique().tolist())


class TestTimestamps:
    """Hours become microsecond UTC timestamps; a naive start is refused."""

    def test_fraction_of_an_hour_to_the_microsecond(self) -> None:
        stamps = hours_to_timestamps(START, np.array([0.5, 1 / 3600]))
        assert [pd.Timestamp("2026-01-05T07:30:00Z"), pd.Timestamp("2026-01-05T07:00:01Z")] == list(stamps)

    def test_naive_start_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            hours_to_timestamps(datetime(2026, 1, 5, 8), np.array([1.0]))
