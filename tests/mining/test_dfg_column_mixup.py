"""A mixed-up activity column (one value per case): `flowlab mine` warns, finishes and stays within bounded memory;
the check's thresholds, unit by unit."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

from mining.activity_check import MIN_SUSPECT_ACTIVITIES, suspect_activity_column
from mining.columns import ACTIVITY, CASE, TIMESTAMP
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
    with every table, a DFG picture, and a peak far below the gigabytes a dense 5,001² count, layout or canvas
    took (the whole process, imports included, is held under 1.5 GB)."""
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
    assert (out / "plots" / "dfg.png").is_file()  # the report's one picture of the DFG
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "it looks like an id, not an activity" in page
