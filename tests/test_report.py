"""The HTML report and the `flowlab compare` / `flowlab report` commands, end to end on small logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.report import write_report
from mining.errors import EventLogError

ORIGIN = pd.Timestamp("2024-05-06 09:00", tz="UTC")


def write_log(path: Path, *, slow_build: float = 1.0) -> Path:
    """A tiny start/complete log of 6 cases through plan → build → test, with 'build' waits scaled by slow_build."""
    rows = []
    for case in range(6):
        clock = ORIGIN + pd.Timedelta(hours=5 * case)
        arrival = clock
        for stage, wait_h, work_h in (("plan", 1.0, 2.0), ("build", 4.0 * slow_build, 3.0), ("test", 2.0, 1.0)):
            clock += pd.Timedelta(hours=wait_h + case * 0.1)
            rows.append((f"c{case}", stage, "start", clock, f"team {stage}", arrival))
            clock += pd.Timedelta(hours=work_h)
            rows.append((f"c{case}", stage, "complete", clock, f"team {stage}", arrival))
    frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "lifecycle:transition",
                                        "time:timestamp", "org:resource", "case:arrival"])
    frame.to_parquet(path, index=False)
    return path


def assert_self_contained(page: str) -> None:
    assert re.search(r'src="https?:', page) is None
    assert re.search(r'href="https?:', page) is None
    assert 'src="data:image/png;base64,' in page


class TestCompareCommand:
    """`flowlab compare A B --out DIR` writes tables, JSON, plots and the report, and prints the summary."""

    def test_writes_everything(self, tmp_path: Path) -> None:
        a = write_log(tmp_path / "slow.parquet", slow_build=5.0)
        b = write_log(tmp_path / "base.parquet")
        out = tmp_path / "cmp"
        result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        assert "build" in result.output
        assert "Wasserstein" in result.output
        expected = {"comparison.json", "stages.csv", "edges.csv", "report.html", "plots"}
        assert expected == {path.name for path in out.iterdir()}
        data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
        assert "build" == data["stages"][0]["stage"]
        # build waits 4 h + 0.1 h × case in the base log and 5 × 4 h + the same in the slow one: +16 h
        assert 16.0 == pytest.approx(data["stages"][0]["wait_mean_h_difference"])
        assert "build" == data["bottlenecks"]["top_a"]
        assert 0.0 == data["control_flow"]["dfg_distance"]
        page = (out / "report.html").read_text(encoding="utf-8")
        assert_self_contained(page)
        assert page.count('src="data:image/png;base64,') == 4  # CDF, stage bars, two value stream maps

    def test_missing_log_exits_2(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(app, ["compare", str(tmp_path / "nope.parquet"), str(tmp_path)])
        assert 2 == result.exit_code
        assert f"error: {tmp_path / 'nope.parquet'}: no such file or folder" in result.output


class TestReportOfAMineFolder:
    """`flowlab report` on a `flowlab mine` folder: the value stream map first, the summary numbers in it."""

    def test_report(self, tmp_path: Path) -> None:
        log = write_log(tmp_path / "log.parquet")
        out = tmp_path / "mined"
        runner = CliRunner()
        mined = runner.invoke(app, ["mine", str(log), "--out", str(out)])
        assert 0 == mined.exit_code, mined.output
        result = runner.invoke(app, ["report", str(out)])
        assert 0 == result.exit_code, result.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert_self_contained(page)
        assert page.index("Value stream map") < page.index("Lead time distribution")
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        # lead time of case i: arrival → 13 h of wait and work + 0.3 h × i; mean over i = 0..5 is 13.75 h
        assert 13.75 == pytest.approx(summary["flow"]["lead_time_mean_h"])
        assert "13.7 h" in page  # format_hours rounds 13.75 half-to-even
        assert {"vsm.png", "vsm.svg", "dfg.png", "lead_time.png"} <= {path.name for path in (out / "plots").iterdir()}


class TestWriteReport:
    """write_report refuses what is not a results folder and leaves nothing behind."""

    def test_unknown_folder(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"not a results folder: expected comparison.json"):
            write_report(tmp_path)
        assert ["notes.txt"] == sorted(path.name for path in tmp_path.iterdir())

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(EventLogError, match="no such directory"):
            write_report(tmp_path / "absent")
