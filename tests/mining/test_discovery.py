"""Discovery: the DFG against pm4py's frequency/performance DFG, variants, Inductive Miner and conformance."""

from __future__ import annotations

import pandas as pd
import pytest

from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.discovery import (
    ProcessModel,
    check_conformance,
    discover_dfg,
    discover_process_model,
    list_variants,
)
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


def read_helpdesk() -> pd.DataFrame:
    import pm4py

    return pm4py.read_xes(str(shared_log("helpdesk/helpdesk.xes.gz")), show_progress_bar=False)


class TestDiscoverDfg:
    def test_hand_counted_edges(self) -> None:
        """A→B twice (2 h, 4 h), B→C twice (1 h, 1 h), A→C once (2 h); completions only."""
        graph = discover_dfg(small_log())
        assert graph.edges["A", "B"] == {"count": 2, "mean_h": 3.0, "median_h": 3.0}
        assert graph.edges["B", "C"] == {"count": 2, "mean_h": 1.0, "median_h": 1.0}
        assert graph.edges["A", "C"] == {"count": 1, "mean_h": 2.0, "median_h": 2.0}
        assert graph.nodes["A"]["count"] == 3
        assert graph.graph["start_activities"] == {"A": 3}
        assert graph.graph["end_activities"] == {"C": 3}

    def test_input_frame_is_not_modified(self) -> None:
        log = small_log()
        before = log.copy(deep=True)
        discover_dfg(log)
        list_variants(log)
        pd.testing.assert_frame_equal(before, log)

    @pytest.mark.real_log
    def test_agrees_with_pm4py_on_helpdesk(self) -> None:
        import pm4py

        log = read_helpdesk()
        graph = discover_dfg(log)
        frequency, start, end = pm4py.discover_dfg(log)
        performance, _, _ = pm4py.discover_performance_dfg(log)
        assert set(graph.edges) == set(frequency)
        assert {edge: graph.edges[edge]["count"] for edge in graph.edges} == dict(frequency)
        for edge, stats in performance.items():
            assert graph.edges[edge]["mean_h"] == pytest.approx(stats["mean"] / 3600, rel=1e-9)
            assert graph.edges[edge]["median_h"] == pytest.approx(stats["median"] / 3600, rel=1e-9)
        assert graph.graph["start_activities"] == dict(start)
        assert graph.graph["end_activities"] == dict(end)


class TestVariants:
    def test_hand_counted(self) -> None:
        variants = list_variants(small_log())
        assert variants["variant"].tolist() == ["A → B → C", "A → C"]
        assert variants["cases"].tolist() == [2, 1]
        assert variants["length"].tolist() == [3, 2]
        assert variants["lead_time_mean_h"].tolist() == [4.0, 2.0]  # (3 + 5) / 2 and 2

    @pytest.mark.real_log
    def test_agrees_with_pm4py_on_helpdesk(self) -> None:
        import pm4py

        log = read_helpdesk()
        ours = dict(zip(list_variants(log)["variant"], list_variants(log)["cases"], strict=True))
        theirs = {" → ".join(variant): count for variant, count in pm4py.get_variants(log).items()}
        assert ours == theirs


class TestModelAndConformance:
    def test_model_replays_its_own_log(self) -> None:
        """The Inductive Miner without noise filtering fits every trace it was built from."""
        log = small_log()
        model = discover_process_model(log)
        assert isinstance(model, ProcessModel)
        assert {t.label for t in model.net.transitions if t.label} == {"A", "B", "C"}
        conformance = check_conformance(log, model)
        assert conformance["fitness"] == 1.0
        assert conformance["fitting_traces_share"] == 1.0
        assert 0.0 < conformance["precision"] <= 1.0
        assert model.bpmn is not None
