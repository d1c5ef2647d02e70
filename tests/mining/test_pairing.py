"""Start/complete pairing by time (mining/pairing.py), checked against a plain-Python queue and on a hand-made log
with the BPI Challenge 2012 pattern, whose measures are recomputed here independently, row by row."""

from __future__ import annotations

import csv
import math
import warnings
from collections import defaultdict, deque
from datetime import datetime
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mining.discovery import discover_dfg
from mining.errors import LogRepairWarning
from mining.pairing import pair_open_close
from mining.read import read_log
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_case_times, compute_stage_times
from mining.validate import REPAIRS_ATTR

DATA = Path(__file__).resolve().parents[1] / "data"
PATTERN = DATA / "bpic2012_pattern.csv"


def reference_pairs(closes: list[bool], group: list[int], when: list[int]) -> list[int]:
    """Each closer takes the earliest opener still open in its group; events in time order, openers first on ties."""
    order = sorted(range(len(closes)), key=lambda i: (when[i], closes[i], i))
    open_: dict[int, deque[int]] = defaultdict(deque)
    out = [-1] * len(closes)
    for i in order:
        if not closes[i]:
            open_[group[i]].append(i)
        elif open_[group[i]]:
            out[i] = open_[group[i]].popleft()
    return out


events = st.lists(st.tuples(st.booleans(), st.integers(0, 3), st.integers(0, 6)), max_size=40)


class TestPairOpenClose:
    @settings(max_examples=300, deadline=None)
    @given(events)
    def test_matches_a_queue_per_group(self, rows: list[tuple[bool, int, int]]) -> None:
        closes = [r[0] for r in rows]
        group = [r[1] for r in rows]
        when = [r[2] for r in rows]
        got = pair_open_close(
            np.arange(len(rows)), np.array(closes, dtype=bool), np.array(group, dtype=np.int64),
            np.array(when, dtype=np.int64),
        )
        assert got.tolist() == reference_pairs(closes, group, when)

    @settings(max_examples=200, deadline=None)
    @given(events)
    def test_the_sorted_fast_path_gives_the_same_pairs(self, rows: list[tuple[bool, int, int]]) -> None:
        # rows sorted by (case, time, openers first): the function may skip its sort; groups refine cases
        rows = sorted(rows, key=lambda r: (r[1] // 2, r[2], r[0]))
        closes = np.array([r[0] for r in rows], dtype=bool)
        group = np.array([r[1] for r in rows], dtype=np.int64)
        when = np.array([r[2] for r in rows], dtype=np.int64)
        fast = pair_open_close(np.arange(len(rows)), closes, group, when, group // 2)
        assert fast.tolist() == reference_pairs(closes.tolist(), group.tolist(), when.tolist())

    def test_a_complete_without_a_start_does_not_shift_the_later_pairs(self) -> None:
        # complete, start, complete, start, complete: the k-th start / k-th complete rule pairs the first start with
        # the first complete (backwards in time); by time the first complete is unpaired
        closes = np.array([True, False, True, False, True])
        got = pair_open_close(np.arange(5), closes, np.zeros(5, dtype=np.int64), np.arange(5, dtype=np.int64))
        assert got.tolist() == [-1, -1, 1, -1, 3]


def _time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() / 3600


def independent_visits(path: Path) -> tuple[list[dict[str, object]], dict[str, tuple[float, float]]]:
    """Visits and (arrival, end) per case from the CSV, computed with the documented rules, one row at a time."""
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by_case: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_case[row["case"]].append(row)
    started_activities = {row["activity"] for row in rows if row["lifecycle"] == "start"}
    assert started_activities  # the file has starts
    visits: list[dict[str, object]] = []
    spans: dict[str, tuple[float, float]] = {}
    for case, events in by_case.items():
        events.sort(key=lambda r: (_time(r["timestamp"]), r["lifecycle"] != "start"))
        queues: dict[str, deque[dict[str, str]]] = defaultdict(deque)
        mine: list[dict[str, object]] = []
        for event in events:
            if event["lifecycle"] == "start":
                queues[event["activity"]].append(event)
                continue
            start = queues[event["activity"]].popleft() if queues[event["activity"]] else None
            mine.append({
                "case": case, "activity": event["activity"], "resource": event["resource"],
                "start": _time(start["timestamp"]) if start else None, "complete": _time(event["timestamp"]),
            })
        kept = [e for e in events if e["lifecycle"] == "complete"] + [
            e for e in events if e["lifecycle"] == "start" and not any(e in q for q in queues.values())
        ]  # starts never completed are dropped on import
        arrival = min(_time(e["timestamp"]) for e in kept)
        spans[case] = (arrival, max(v["complete"] for v in mine))  # type: ignore[type-var]
        for visit in mine:
            begin = visit["start"] if visit["start"] is not None else visit["complete"]
            earlier = [other["complete"] for other in mine if other is not visit and other["complete"] <= begin]
            visit["ready"] = max(earlier) if earlier else arrival  # type: ignore[type-var]
        visits += mine
    # a visit without a start: its resource starts it as soon as both it and the item were free
    for visit in visits:
        if visit["start"] is None:
            before = [
                other["complete"] for other in visits
                if other["resource"] == visit["resource"] and other["complete"] < visit["complete"]
            ]
            start = max([visit["ready"], *before])  # type: ignore[type-var]
            visit["start"] = min(start, visit["complete"])  # type: ignore[type-var]
            visit["estimated"] = True
        else:
            visit["estimated"] = False
        visit["wait_h"] = visit["start"] - visit["ready"]  # type: ignore[operator]
        visit["work_h"] = visit["complete"] - visit["start"]  # type: ignore[operator]
    return visits, spans


@pytest.fixture(scope="module")
def pattern() -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogRepairWarning)
        log = read_log(PATTERN, case="case", activity="activity", lifecycle="lifecycle", timestamp="timestamp",
                       resource="resource")
    return log, [str(w.message) for w in caught if issubclass(w.category, LogRepairWarning)]


class TestBpic2012Pattern:
    """A complete without a start followed by further visits of its activity, and starts and completes of one
    activity interleaved across visits: mined with the repairs reported, and every measure as recomputed here."""

    def test_is_read_with_its_repairs_reported_not_refused(self, pattern: tuple[pd.DataFrame, list[str]]) -> None:
        log, messages = pattern
        kinds = {repair["kind"]: repair["rows"] for repair in log.attrs[REPAIRS_ATTR]}
        assert kinds == {"unmatched_complete": 3, "unmatched_start": 1}
        assert any("kept 3 complete event(s) that had no open start" in m and "'c1', 'c2', 'c3'" in m
                   for m in messages)
        assert any("dropped 1 start event(s) without a complete event (cases 'c2')" in m for m in messages)
        assert not any("sorted the events" in m for m in messages)  # the file is sorted: no false alarm

    def test_visits_agree_with_an_independent_computation(self, pattern: tuple[pd.DataFrame, list[str]]) -> None:
        log, _ = pattern
        expected, _ = independent_visits(PATTERN)
        got = compute_stage_times(log)
        assert len(got) == len(expected) == 12
        key = ["case", "activity", "complete"]
        frame = pd.DataFrame(expected).sort_values(key).reset_index(drop=True)
        got = got.assign(
            case=got["case:concept:name"].astype(str), activity=got["concept:name"].astype(str),
            complete=got["complete"].map(lambda t: t.timestamp() / 3600),
        ).sort_values(key).reset_index(drop=True)
        for column in ("wait_h", "work_h"):
            np.testing.assert_allclose(got[column].to_numpy(), frame[column].to_numpy(dtype=float), atol=1e-9,
                                       err_msg=column)
        assert got["estimated"].tolist() == frame["estimated"].tolist()

    def test_per_activity_wait_and_work(self, pattern: tuple[pd.DataFrame, list[str]]) -> None:
        log, _ = pattern
        expected, _ = independent_visits(PATTERN)
        table = summarize_stages(compute_stage_times(log)).set_index("concept:name")
        for activity in ("W_Assess", "W_Call", "W_Check"):
            mine = [v for v in expected if v["activity"] == activity]
            assert table.loc[activity, "visits"] == len(mine)
            for measure in ("wait", "work"):
                mean = sum(v[f"{measure}_h"] for v in mine) / len(mine)  # type: ignore[misc]
                assert math.isclose(table.loc[activity, f"{measure}_mean_h"], mean, abs_tol=1e-9), (activity, measure)

    def test_lead_times(self, pattern: tuple[pd.DataFrame, list[str]]) -> None:
        log, _ = pattern
        _, spans = independent_visits(PATTERN)
        cases = compute_case_times(log).set_index("case:concept:name")
        for case, (arrival, end) in spans.items():
            assert math.isclose(cases.loc[case, "lead_time_h"], end - arrival, abs_tol=1e-9), case
        assert cases["finished"].all()

    def test_directly_follows_graph(self, pattern: tuple[pd.DataFrame, list[str]]) -> None:
        log, _ = pattern
        expected, _ = independent_visits(PATTERN)
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for case in {v["case"] for v in expected}:
            trace = sorted((v for v in expected if v["case"] == case), key=lambda v: v["complete"])  # type: ignore
            for a, b in pairwise(trace):
                counts[(str(a["activity"]), str(b["activity"]))] += 1
        graph = discover_dfg(log)
        assert {(a, b): data["count"] for a, b, data in graph.edges(data=True)} == dict(counts)


class TestReadyNeverCountsTheVisitsOwnCompletion:
    def test_instant_visit_beside_a_parallel_visit(self) -> None:
        t = pd.Timestamp("2024-05-06 08:00", tz="UTC")
        h = pd.Timedelta(hours=1)
        log = pd.DataFrame({
            "case:concept:name": ["c"] * 6,
            "concept:name": ["Long", "Instant", "Instant", "Next", "Next", "Long"],
            "lifecycle:transition": ["start", "start", "complete", "start", "complete", "complete"],
            "time:timestamp": [t, t + 4 * h, t + 4 * h, t + 5 * h, t + 6 * h, t + 12 * h],
            "org:resource": ["a", "b", "b", "c", "c", "a"],
        })
        visits = compute_stage_times(log).set_index("concept:name")
        # Instant: nothing else completed before 12:00, so it was ready at the case's arrival (08:00), not at its
        # own completion; Next: ready at Instant's completion; Long: ready at arrival
        assert visits.loc["Instant", "wait_h"] == 4.0
        assert visits.loc["Instant", "work_h"] == 0.0
        assert visits.loc["Next", "wait_h"] == 1.0
        assert visits.loc["Long", "wait_h"] == 0.0
        assert visits.loc["Long", "work_h"] == 12.0


class TestOnlyRepairsTheInputNeeded:
    def test_an_activity_instance_table_with_overlapping_instances_is_not_reported_as_unsorted(
        self, tmp_path: Path
    ) -> None:
        path = tmp_path / "instances.csv"
        path.write_text(
            "case,activity,start,end\n"
            "c1,Review,2024-01-01 09:00,2024-01-01 12:00\n"
            "c1,Legal,2024-01-01 10:00,2024-01-01 11:00\n"  # overlaps Review: its start precedes Review's end
            "c1,Sign,2024-01-01 13:00,2024-01-01 13:30\n"
            "c2,Review,2024-01-01 09:30,2024-01-01 10:30\n",
            encoding="utf-8",
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", LogRepairWarning)
            log = read_log(path, case="case", activity="activity", start_timestamp="start", timestamp="end")
        assert [str(w.message) for w in caught if issubclass(w.category, LogRepairWarning)] == []
        assert log.attrs[REPAIRS_ATTR] == []
        visits = compute_stage_times(log).set_index("concept:name")
        assert visits.loc["Legal", "work_h"] == 1.0
        assert visits.loc["Review", "work_h"].tolist() == [3.0, 1.0]


class TestInstanceIds:
    def test_instance_ids_win_over_first_in_first_out(self, tmp_path: Path) -> None:
        # two overlapping visits of one activity; the second started finishes first: only the ids tell
        path = tmp_path / "instances.csv"
        path.write_text(
            "case,activity,lifecycle,timestamp,concept:instance\n"
            "c,Review,start,2024-01-01T08:00:00Z,i1\n"
            "c,Review,start,2024-01-01T09:00:00Z,i2\n"
            "c,Review,complete,2024-01-01T10:00:00Z,i2\n"
            "c,Review,complete,2024-01-01T14:00:00Z,i1\n",
            encoding="utf-8",
        )
        log = read_log(path, case="case", activity="activity", lifecycle="lifecycle", timestamp="timestamp")
        assert log.attrs[REPAIRS_ATTR] == []
        assert sorted(compute_stage_times(log)["work_h"].tolist()) == [1.0, 6.0]  # not 2 h and 5 h


class TestAdjacentPairs:
    """Cases whose every start is directly followed by its complete are paired without grouping
    (`mining.pairing.adjacent_pairs`), the others in full: the pairs, the repairs and the visits are those of the
    full pairing of every case, on logs with ties, overlaps, lone events and mismatched instance ids."""

    @staticmethod
    def random_log(seed: int, with_instances: bool) -> pd.DataFrame:
        rng = np.random.default_rng(seed)
        rows = []
        for case in range(int(rng.integers(1, 12))):
            moment = 0
            for instance in range(1, int(rng.integers(2, 7))):
                activity = str(rng.choice(["a", "b", "c"]))
                moment += int(rng.integers(0, 3))  # ties are frequent
                work = int(rng.integers(0, 3))
                shape = rng.random()
                ids = [str(instance), str(instance)]
                if shape < 0.1:
                    ids[1] = str(instance + 100)  # a complete that names another instance
                if rng.random() < 0.3:  # a schedule event, which takes no part in the pairs
                    rows.append((f"c{case}", activity, "schedule", max(moment - 1, 0), ids[0]))
                if shape < 0.85 or shape >= 0.95:
                    rows.append((f"c{case}", activity, "start", moment, ids[0]))
                if shape < 0.95:  # else a start never completed
                    rows.append((f"c{case}", activity, "complete", moment + work, ids[1]))
                if rng.random() < 0.2:  # an overlapping visit
                    rows.append((f"c{case}", activity, "start", moment + 1, str(instance + 200)))
                    rows.append((f"c{case}", activity, "complete", moment + work + 1, str(instance + 200)))
        frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "lifecycle:transition", "hour",
                                            "concept:instance"])
        frame["time:timestamp"] = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(frame.pop("hour"), unit="h")
        frame = frame.sort_values(["case:concept:name", "time:timestamp"], kind="stable").reset_index(drop=True)
        return frame if with_instances else frame.drop(columns="concept:instance")

    @given(seed=st.integers(0, 10_000), with_instances=st.booleans())
    @settings(max_examples=150, deadline=None)
    def test_same_as_pairing_every_case_in_full(self, seed: int, with_instances: bool) -> None:
        from unittest import mock

        from mining.validate import repair_log

        log = self.random_log(seed, with_instances)
        fast_log, fast_repairs = repair_log(log)
        fast_visits = compute_stage_times(fast_log)
        with mock.patch("mining.validate.adjacent_pairs", return_value=None), \
                mock.patch("mining.pairing.adjacent_pairs", return_value=None):
            full_log, full_repairs = repair_log(log)
            full_visits = compute_stage_times(full_log)
        pd.testing.assert_frame_equal(fast_log, full_log)
        assert [repair.message for repair in fast_repairs] == [repair.message for repair in full_repairs]
        pd.testing.assert_frame_equal(fast_visits, full_visits)

    def test_a_tie_sends_only_its_case_to_the_full_pairing(self) -> None:
        from mining.pairing import adjacent_pairs

        # case 0: start a, complete a; case 1: start b, start a, complete b (tie), complete a
        is_start = np.array([True, False, True, True, False, False])
        when = np.array([0, 1, 0, 5, 5, 6], dtype=np.int64)
        case = np.array([0, 0, 1, 1, 1, 1])
        activity = np.array([0, 0, 1, 0, 1, 0])
        split = adjacent_pairs(is_start, ~is_start, when, case, [activity])
        assert split is not None
        start_of, rest = split
        assert start_of.tolist() == [-1, 0, -1, -1, -1, -1]
        assert rest.tolist() == [False, False, True, True, True, True]
        assert adjacent_pairs(is_start, ~is_start, when[::-1].copy(), case, [activity]) is None  # not in time order
