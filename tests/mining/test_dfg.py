"""The directly-follows graph and the variants (mining.dfg): hand-counted small logs, a log with as many activities
as cases (memory stays in proportion to the events), and pm4py's own numbers on the real logs."""

from __future__ import annotations

import tracemalloc
from functools import cache

import numpy as np
import pandas as pd
import pytest

from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.dfg import (
    END_NODE,
    START_NODE,
    count_directly_follows,
    discover_dfg,
    discover_performance_dfg,
    list_variants,
)
from mining.errors import EventLogError
from tests.conftest import shared_log


def at(hour: float) -> pd.Timestamp:
    return pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=hour)


def small_log() -> pd.DataFrame:
    """c1: A(1) B(3) C(4); c2: A(0) C(2); c3: A(0) B(4) C(5) — complete times in hours, plus start events."""
    rows = []
    for case, trace in (("c1", [("A", 1), ("B", 3), ("C", 4)]), ("c2", [("A", 0), ("C", 2)]),
                        ("c3", [("A", 0), ("B", 4), ("C", 5)])):  # fmt: skip
        for activity, done in trace:
            rows += [(case, activity, "start", at(done - 0.5), "r"), (case, activity, "complete", at(done), "r")]
    return pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE])


def complete_only(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    """A log without a lifecycle column (every row a completion) from (case, activity, hour) rows, in that order."""
    return pd.DataFrame(
        {CASE: [r[0] for r in rows], ACTIVITY: [r[1] for r in rows], TIMESTAMP: [at(r[2]) for r in rows]}
    )


class TestHandCounted:
    """Small logs whose DFG and variants are counted by hand."""

    def test_graph(self) -> None:
        """A→B twice (2 h, 4 h), B→C twice (1 h, 1 h), A→C once (2 h); completions only."""
        graph = discover_dfg(small_log())
        assert graph.edges["A", "B"] == {"count": 2, "mean_h": 3.0, "median_h": 3.0}
        assert graph.edges["B", "C"] == {"count": 2, "mean_h": 1.0, "median_h": 1.0}
        assert graph.edges["A", "C"] == {"count": 1, "mean_h": 2.0, "median_h": 2.0}
        assert {"A": 3, "B": 2, "C": 3} == {node: graph.nodes[node]["count"] for node in graph.nodes}
        assert graph.graph["start_activities"] == {"A": 3}
        assert graph.graph["end_activities"] == {"C": 3}

    def test_performance_table(self) -> None:
        """Most frequent first, ties by source then target; the median of an even count is the middle mean."""
        log = complete_only([("x", "A", 0), ("x", "B", 1), ("y", "A", 0), ("y", "B", 4), ("z", "A", 0),
                             ("z", "B", 10), ("z", "A", 11)])  # fmt: skip
        table = discover_performance_dfg(log)
        assert table["source"].tolist() == ["A", "B"]
        assert table["target"].tolist() == ["B", "A"]
        assert table["count"].tolist() == [3, 1]
        assert table["mean_h"].tolist() == [5.0, 1.0]  # (1 + 4 + 10) / 3; 11 - 10
        assert table["median_h"].tolist() == [4.0, 1.0]

    def test_unsorted_rows_and_ties(self) -> None:
        """Rows in any order give the same graph; equal timestamps keep their order in the log."""
        rows = [("c1", "A", 0), ("c1", "B", 1), ("c1", "C", 1), ("c2", "A", 0), ("c2", "C", 2)]
        shuffled = [rows[index] for index in (4, 1, 0, 3, 2)]  # B (1 h) still before C (1 h) in c1
        expected = {("A", "B"): 1, ("B", "C"): 1, ("A", "C"): 1}
        for log in (complete_only(rows), complete_only(shuffled)):
            graph = discover_dfg(log)
            assert expected == {edge: graph.edges[edge]["count"] for edge in graph.edges}

    def test_with_start_and_end_edges(self) -> None:
        edges = count_directly_follows(small_log())
        assert {(START_NODE, "A"): 3, ("A", "B"): 2, ("B", "C"): 2, ("A", "C"): 1, ("C", END_NODE): 3} == {
            (row.source, row.target): row.count for row in edges.itertuples()
        }
        assert edges["count"].tolist() == sorted(edges["count"].tolist(), reverse=True)

    def test_variants(self) -> None:
        variants = list_variants(small_log())
        assert variants["variant"].tolist() == ["A → B → C", "A → C"]
        assert variants["cases"].tolist() == [2, 1]
        assert variants["length"].tolist() == [3, 2]
        assert variants["share"].tolist() == [2 / 3, 1 / 3]
        assert variants["lead_time_mean_h"].tolist() == [4.0, 2.0]  # (3 + 5) / 2 and 2

    def test_variants_are_exact_sequences(self) -> None:
        """A prefix, a repetition and a reordering are each their own variant; same sequences are one."""
        log = complete_only([("a", "X", 0), ("a", "Y", 1), ("b", "X", 0), ("c", "X", 0), ("c", "X", 1),
                             ("d", "Y", 0), ("d", "X", 1), ("e", "X", 5), ("e", "Y", 7)])  # fmt: skip
        variants = list_variants(log)
        assert {"X → Y": 2, "X": 1, "X → X": 1, "Y → X": 1} == dict(
            zip(variants["variant"], variants["cases"], strict=True)
        )
        assert variants.loc[variants["variant"] == "X → Y", "lead_time_mean_h"].item() == 1.5

    def test_empty_log(self) -> None:
        log = small_log().iloc[:0]
        assert discover_dfg(log).number_of_nodes() == 0
        assert discover_performance_dfg(log).empty
        assert list_variants(log).empty
        assert count_directly_follows(log).empty

    @pytest.mark.parametrize("column", [CASE, ACTIVITY, TIMESTAMP])
    def test_missing_values_are_refused(self, column: str) -> None:
        """A frame not read by `read_log` may have holes: an error names the column and the row, never a wrong
        edge."""
        log = small_log()
        if column != TIMESTAMP:
            log[column] = log[column].astype(object)
        log.loc[3, column] = pd.NaT if column == TIMESTAMP else None  # row 3: c1's B completion
        with pytest.raises(EventLogError, match=rf"1 completion event\(s\) have no {column} \(first at row 3 "):
            discover_dfg(log)

    def test_input_frame_is_not_modified(self) -> None:
        log = small_log().iloc[::-1]
        before = log.copy(deep=True)
        discover_dfg(log)
        list_variants(log)
        count_directly_follows(log)
        pd.testing.assert_frame_equal(before, log)


class TestAsManyActivitiesAsCases:
    """A mixed-up activity column (one value per case) must not cost activities² memory."""

    def test_memory_grows_with_events_not_activities_squared(self) -> None:
        """10,151 activities: a dense count matrix alone would be 10,151² × 8 bytes = 824 MB."""
        cases = 10_151
        ids = np.array([f"case-{i}" for i in range(cases)], dtype=object)
        log = pd.DataFrame({
            CASE: np.repeat(ids, 2),
            ACTIVITY: np.array([f"ticket-{i}" for i in range(cases)] + ["close"] * cases, dtype=object)
            .reshape(2, cases).T.reshape(-1),
            TIMESTAMP: at(0) + pd.to_timedelta(np.arange(2 * cases), unit="min"),
        })
        tracemalloc.start()
        try:
            graph = discover_dfg(log)
            variants = list_variants(log)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 100 * 2**20, f"peak {peak / 2**20:.0f} MiB"
        assert graph.number_of_nodes() == cases + 1
        assert graph.number_of_edges() == cases
        assert graph.edges["ticket-7", "close"] == {"count": 1, "mean_h": 1 / 60, "median_h": 1 / 60}
        assert len(variants) == cases
        assert variants["cases"].eq(1).all()


@cache
def _pm4py_log(relative: str) -> pd.DataFrame:
    import pm4py

    return pm4py.read_xes(str(shared_log(relative)), show_progress_bar=False)


def _completions(log: pd.DataFrame) -> pd.DataFrame:
    """What pm4py should get: the complete events when the log has start/complete, else every row."""
    transitions = log[LIFECYCLE].astype(str).str.lower() if LIFECYCLE in log.columns else None
    if transitions is None or not transitions.isin(["start", "complete"]).any():
        return log
    return log[transitions == "complete"]


REAL_LOGS = [
    "helpdesk/helpdesk.xes.gz",
    "bpic2012-w-two-ts/BPI_Challenge_2012_W_Two_TS.xes.gz",
    "bpic2013-incidents/07_bpic2013_incidents.xes.gz",
    "bpic2013-closed-problems/06_bpic2013_closed.xes.gz",
    "roadtraffic-sample/roadtraffic100traces.xes",
]


@pytest.mark.real_log
@pytest.mark.parametrize("relative", REAL_LOGS)
class TestAgainstPm4py:
    """Counts exactly, durations to 1e-6 relative, start/end activities and variants, on the real logs."""

    def test_performance_dfg(self, relative: str) -> None:
        import pm4py

        log = _pm4py_log(relative)
        theirs = _completions(log)
        graph = discover_dfg(log)
        frequency, start, end = pm4py.discover_dfg(theirs)
        performance, _, _ = pm4py.discover_performance_dfg(theirs)
        assert dict(frequency) == {edge: graph.edges[edge]["count"] for edge in graph.edges}
        assert set(performance) == set(graph.edges)
        for edge, stats in performance.items():
            assert graph.edges[edge]["mean_h"] == pytest.approx(stats["mean"] / 3600, rel=1e-6, abs=1e-12)
            assert graph.edges[edge]["median_h"] == pytest.approx(stats["median"] / 3600, rel=1e-6, abs=1e-12)
        assert graph.graph["start_activities"] == dict(start)
        assert graph.graph["end_activities"] == dict(end)

    def test_variants(self, relative: str) -> None:
        import pm4py

        log = _pm4py_log(relative)
        variants = list_variants(log)
        theirs = {" → ".join(variant): count for variant, count in pm4py.get_variants(_completions(log)).items()}
        assert theirs == dict(zip(variants["variant"], variants["cases"], strict=True))
