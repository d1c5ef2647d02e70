"""`flowlab mine` end to end on a small log written to tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.folders import read_manifest
from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP

EXPECTED_FILES = {
    "stage_times.parquet",
    "stage_summary.csv",
    "case_times.csv",
    "throughput.csv",
    "wip.csv",
    "handovers.csv",
    "variants.csv",
    "bottlenecks.csv",
    "summary.json",
    "report.html",
    "plots",
    "flowlab.json",
}


def write_small_log(folder: Path) -> Path:
    """Six cases X → Y (every third one X → Y → X), start and complete events, two resources."""
    rows = []
    base = pd.Timestamp("2024-03-01 08:00", tz="UTC")
    for number in range(6):
        case = f"case-{number}"
        clock = base + pd.Timedelta(hours=3 * number)
        route = ["X", "Y", "X"] if number % 3 == 0 else ["X", "Y"]
        for activity in route:
            clock += pd.Timedelta(minutes=30)  # waiting
            rows.append((case, activity, "start", clock, f"r-{activity}"))
            clock += pd.Timedelta(hours=1)  # working
            rows.append((case, activity, "complete", clock, f"r-{activity}"))
    path = folder / "small.csv"
    log = pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE])
    log[TIMESTAMP] = log[TIMESTAMP].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    log.to_csv(path, index=False)
    return path


class TestMineCommand:
    def test_writes_every_result_and_prints_the_summary(self, tmp_path: Path) -> None:
        log = write_small_log(tmp_path)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["mine", str(log), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert {path.name for path in out.iterdir()} == EXPECTED_FILES
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["flow"]["cases"] == 6
        assert summary["flow"]["events"] == 28
        assert summary["flow"]["estimated"] is False
        assert summary["conformance"]["fitness"] == 1.0
        # no arrival column, so a case starts at its first event: X→Y cases last 2.5 h with 2 h of work (0.8),
        # X→Y→X cases (numbers 0 and 3) 4 h with 3 h of work (0.75): mean (4 × 0.8 + 2 × 0.75) / 6
        assert summary["flow"]["flow_efficiency_mean"] == pytest.approx((4 * 0.8 + 2 * 0.75) / 6)
        assert len(pd.read_parquet(out / "stage_times.parquet")) == 14
        manifest = read_manifest(out)
        assert manifest.kind == "mine"
        assert manifest.inputs == (str(log),)
        assert manifest.command == f"flowlab mine {log}"
        assert {"summary.json", "report.html", "plots/vsm.png"} <= set(manifest.files)
        assert "lead time" in result.output
        assert "bottlenecks" in result.output
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no scratch left

    def test_bad_log_is_one_red_line_and_exit_2(self, tmp_path: Path) -> None:
        log = tmp_path / "broken.csv"
        log.write_text("a,b\n1,2\n", encoding="utf-8")
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["mine", str(log), "--out", str(out)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert result.output.strip().startswith("error:")
        assert len(result.output.strip().splitlines()) == 1
        assert not out.exists()
        assert list(tmp_path.iterdir()) == [log]

    def test_refuses_to_replace_a_folder_that_is_not_a_result(self, tmp_path: Path) -> None:
        log = write_small_log(tmp_path)
        out = tmp_path / "precious"
        out.mkdir()
        (out / "notes.txt").write_text("keep me", encoding="utf-8")
        result = CliRunner().invoke(app, ["mine", str(log), "--out", str(out)])
        assert result.exit_code == 2
        assert "Traceback" not in result.output
        assert " ".join(result.output.split()).startswith(
            f"error: refusing to replace {out}: it exists and is not a flowlab results folder"
        )
        assert (out / "notes.txt").read_text(encoding="utf-8") == "keep me"
        assert sorted(path.name for path in tmp_path.iterdir()) == ["precious", "small.csv"]

    def test_missing_file(self, tmp_path: Path) -> None:
        result = CliRunner().invoke(app, ["mine", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "out")])
        assert result.exit_code == 2
        assert "no such file" in result.output
