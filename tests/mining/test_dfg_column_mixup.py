"""A mixed-up activity column (one value per case): `flowlab mine` warns, finishes and stays within bounded memory;
the check's thresholds and the picture's activity limit, unit by unit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from mining.activity_check import MIN_SUSPECT_ACTIVITIES, suspect_activity_column
from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.dfg import keep_frequent_activities
from tests.conftest import REPO_ROOT


def mixed_up_log(cases: int) -> pd.DataFrame:
    """Each case: one event whose "activity" is the case's own ticket number, then a shared `close` 30 min later."""
    origin = pd.Timestamp("2024-01-01", tz="UTC")
    rows = []
    for index in range(cases):
        rows.append((f"case-{index}", f"ticket-{index}", origin + pd.Timedelta(minutes=10 * index), "complete", "r1"))
        rows.append((f"case-{index}", "close", origin + pd.Timedelta(minutes=10 * index + 30), "complete", "r2"))
    return pd.DataFrame(rows, columns=["case", "activity", "time", "lifecycle", "resource"])


def log_of(cases: int, activities: int) -> pd.DataFrame:
    """`cases` one-event cases cycling through `activities` activity names."""
    return pd.DataFrame({
        CASE: [f"c{i}" for i in range(cases)],
        ACTIVITY: [f"a{i % activities}" for i in range(cases)],
        TIMESTAMP: pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(range(cases), unit="h"),
    })


class TestSuspectActivityColumn:
    """The warning needs many activities and nearly as many activities as cases."""

    def test_one_activity_per_case_is_suspect(self) -> None:
        text = suspect_activity_column(log_of(1_000, 1_000), "ticket_no")
        assert text is not None
        assert "'ticket_no' has 1,000 distinct values for 1,000 cases (100%)" in text
        assert "--activity COLUMN" in text

    def test_half_as_many_activities_as_cases_is_suspect(self) -> None:
        assert suspect_activity_column(log_of(1_000, 500)) is not None
        assert suspect_activity_column(log_of(1_000, 499)) is None

    def test_few_activities_are_never_suspect(self) -> None:
        """A small log where each case has its own activity is below the floor."""
        below = MIN_SUSPECT_ACTIVITIES - 1
        assert suspect_activity_column(log_of(below, below)) is None
        assert suspect_activity_column(log_of(MIN_SUSPECT_ACTIVITIES, MIN_SUSPECT_ACTIVITIES)) is not None


class TestKeepFrequentActivities:
    def graph(self) -> nx.DiGraph:
        graph = nx.DiGraph(start_activities={"a": 5, "c": 1}, end_activities={"b": 4, "d": 2})
        graph.add_nodes_from([("a", {"count": 9}), ("b", {"count": 7}), ("c", {"count": 7}), ("d", {"count": 1})])
        graph.add_edges_from([("a", "b", {"count": 4}), ("b", "c", {"count": 3}), ("c", "d", {"count": 1})])
        return graph

    def test_most_frequent_kept_with_their_edges(self) -> None:
        """b and c tie at 7: the name decides, so c stays only with room for 3."""
        kept = keep_frequent_activities(self.graph(), 2)
        assert set(kept.nodes) == {"a", "b"}
        assert list(kept.edges(data="count")) == [("a", "b", 4)]
        assert kept.graph == {"start_activities": {"a": 5}, "end_activities": {"b": 4}, "activities_total": 4}
        assert set(keep_frequent_activities(self.graph(), 3).nodes) == {"a", "b", "c"}

    def test_small_graph_unchanged(self) -> None:
        graph = self.graph()
        assert keep_frequent_activities(graph, 4) is graph
        with pytest.raises(ValueError, match=r"max_activities must be >= 1 \(got 0\)"):
            keep_frequent_activities(graph, 0)


_RUN_MINE = textwrap.dedent("""
    import resource, sys
    from flowlab.cli import app
    try:
        app(sys.argv[1:], standalone_mode=False)
    finally:
        print(f"maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}", file=sys.stderr)
""")


def test_mine_warns_and_finishes_within_bounded_memory(tmp_path: Path) -> None:
    """5,000 cases, each with its own "activity": a warning naming the column and the counts; the run finishes
    with every table, a DFG picture of the most frequent activities, and a peak far below the gigabytes a dense
    5,001² layout or canvas took (the whole process, imports included, is held under 1.5 GB)."""
    source = tmp_path / "mixed.csv"
    mixed_up_log(5_000).to_csv(source, index=False)
    out = tmp_path / "out"
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, "-c", _RUN_MINE, "mine", str(source), "--case", "case", "--activity", "activity",
         "--timestamp", "time", "--lifecycle", "lifecycle", "--resource", "resource", "--no-conformance",
         "--out", str(out)],
        capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=900, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    stderr = " ".join(result.stderr.split())
    assert "warning: mixed.csv: the activity column 'activity' has 5,001 distinct values for 5,000 cases" in stderr
    assert "pass --activity COLUMN" in stderr
    peak_kb = int(result.stderr.rsplit("maxrss_kb=", 1)[1].split()[0])
    assert peak_kb < 1_500 * 1024, f"peak {peak_kb / 1024:.0f} MB"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert len(summary["warnings"]) == 1
    assert len(pd.read_csv(out / "variants.csv")) == 5_000
    assert (out / "dfg.png").is_file()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "the 60 most frequent of 5,001 activities" in page
    assert "not drawn: 5,001 stages, more than 60" in page
