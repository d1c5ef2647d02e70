"""Discovery: Inductive Miner and conformance (the DFG and the variants: tests/mining/test_dfg.py)."""

from __future__ import annotations

import pandas as pd

from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.discovery import ProcessModel, check_conformance, discover_process_model


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
