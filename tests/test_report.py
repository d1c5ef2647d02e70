"""The HTML report and the `flowlab compare` / `flowlab report` commands, end to end on small logs."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from flowlab.cli import app
from flowlab.folders import MANIFEST_FILE, Manifest, read_manifest
from flowlab.report import write_report
from mining.errors import EventLogError

ORIGIN = pd.Timestamp("2024-05-06 09:00", tz="UTC")


def write_log(path: Path, *, slow_build: float = 1.0, stages: tuple[str, ...] = ("plan", "build", "test"),
              complete_only: bool = False) -> Path:
    """A tiny start/complete log of 6 cases through plan → build → test, with 'build' waits scaled by slow_build.

    `stages` keeps only those stages; `complete_only` leaves the start events out.
    """
    rows = []
    for case in range(6):
        clock = ORIGIN + pd.Timedelta(hours=5 * case)
        arrival = clock
        for stage, wait_h, work_h in (("plan", 1.0, 2.0), ("build", 4.0 * slow_build, 3.0), ("test", 2.0, 1.0)):
            if stage not in stages:
                continue
            clock += pd.Timedelta(hours=wait_h + case * 0.1)
            if not complete_only:
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
        expected = {"comparison.json", "stages.csv", "edges.csv", "report.html", "plots", MANIFEST_FILE}
        assert expected == {path.name for path in out.iterdir()}
        manifest = read_manifest(out)
        assert "compare" == manifest.kind
        assert (str(a), str(b)) == manifest.inputs
        assert f"flowlab compare {a} {b}" == manifest.command
        assert {"comparison.json", "report.html", "plots/lead_time_cdf.png"} <= set(manifest.files)
        data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
        assert "build" == data["stages"][0]["stage"]
        # build waits 4 h + 0.1 h × case in the base log and 5 × 4 h + the same in the slow one: +16 h
        assert 16.0 == pytest.approx(data["stages"][0]["wait_mean_h_difference"])
        assert "build" == data["bottlenecks"]["top_a"]
        assert 0.0 == data["control_flow"]["dfg_distance"]
        assert {"a": "slow", "b": "base"} == data["names"]
        # same routes (NGD 0); every case's cycle is longer by the extra wait, so CTD > 0; CFLD only on request
        assert 0.0 == data["log_distances"]["ngd2"] and data["log_distances"]["cfld"] is None
        assert data["log_distances"]["ctd_h"] > 0
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "CTD · RED · AED · CAR" in page
        assert_self_contained(page)
        assert page.count('src="data:image/png;base64,') == 4  # CDF, stage bars, two value stream maps
        assert "A: slow vs B: base" in page

    def test_columns_follow_the_inputs(self, tmp_path: Path) -> None:
        """Two observed logs: stages.csv and edges.csv say _a / _b, and nothing calls either side simulated."""
        a = write_log(tmp_path / "slow.parquet", slow_build=5.0)
        b = write_log(tmp_path / "base.parquet")
        out = tmp_path / "cmp"
        result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        for table in ("stages.csv", "edges.csv"):
            columns = pd.read_csv(out / table).columns
            assert not [name for name in columns if name.endswith(("_simulated", "_observed"))], table
        assert {"wait_mean_h_a", "wait_mean_h_b", "visits_a", "visits_b"} <= set(pd.read_csv(out / "stages.csv"))
        assert "simulated" not in result.output
        assert "simulated" not in (out / "comparison.json").read_text(encoding="utf-8")
        assert "A: slow — 6 cases" in result.output

    def test_absent_stage(self, tmp_path: Path) -> None:
        """A stage that B lacks is 'only in A' in stages.csv, the console and the report, never −100 %."""
        a = write_log(tmp_path / "full.parquet")
        b = write_log(tmp_path / "short.parquet", stages=("plan", "build"))
        out = tmp_path / "cmp"
        result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        stages = pd.read_csv(out / "stages.csv").set_index("stage")
        assert "only in A" == stages.loc["test", "present"]
        assert 0 == stages.loc["test", "visits_b"]
        assert stages.loc["test", ["wait_mean_h_difference", "total_mean_h_relative"]].isna().all()
        assert "stages only in A (absent in B): test (6 visits)" in " ".join(result.output.split())
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "only in A" in page
        assert ">absent</td>" in page
        for text in (result.output, page):
            assert "-100%" not in text
            assert "−100" not in text

    def test_estimated_side_is_named(self, tmp_path: Path) -> None:
        """A complete-only B next to a start+complete A: B's wait/work is said to be estimated, per side."""
        a = write_log(tmp_path / "measured.parquet")
        b = write_log(tmp_path / "completions.parquet", complete_only=True)
        out = tmp_path / "cmp"
        result = CliRunner().invoke(app, ["compare", str(a), str(b), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        output = " ".join(result.output.split())
        assert "A: measured — 6 cases, 18 stage visits; wait/work measured (start and complete events)" in output
        assert "B: completions — 6 cases, 18 stage visits; wait/work estimated from completions" in output
        assert "note: one log's wait/work is measured (start events) and the other's estimated" in output
        stages = pd.read_csv(out / "stages.csv")
        assert [False] * 3 == stages["estimated_a"].tolist()
        assert [True] * 3 == stages["estimated_b"].tolist()
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "estimated from completions" in page

    def test_run_folder_is_labelled_simulated(self, tmp_path: Path) -> None:
        """A flowlab run folder (event log + summary.json naming its scenario) is shown as 'simulated (name)'."""
        run = tmp_path / "whatif"
        run.mkdir()
        write_log(run / "event_log.parquet", slow_build=2.0)
        (run / "summary.json").write_text(json.dumps({"scenario": "tiny", "replications": 1}), encoding="utf-8")
        b = write_log(tmp_path / "base.parquet")
        out = tmp_path / "cmp"
        result = CliRunner().invoke(app, ["compare", str(run), str(b), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        data = json.loads((out / "comparison.json").read_text(encoding="utf-8"))
        assert {"a": "simulated (whatif)", "b": "base"} == data["names"]
        assert "wait_mean_h_a" in pd.read_csv(out / "stages.csv").columns

    def test_does_not_replace_the_run_it_reads(self, tmp_path: Path) -> None:
        """`--out` naming input A, a run folder: refused, the run kept, nothing left beside it."""
        run = tmp_path / "whatif"
        run.mkdir()
        write_log(run / "event_log.parquet", slow_build=2.0)
        (run / "summary.json").write_text(json.dumps({"scenario": "tiny", "replications": 1}), encoding="utf-8")
        b = write_log(tmp_path / "base.parquet")
        result = CliRunner().invoke(app, ["compare", str(run), str(b), "--out", str(run)])
        assert 2 == result.exit_code
        assert (f"error: refusing to replace {run}: it is a flowlab run folder, not a compare folder"
                in " ".join(result.output.split()))
        assert ["event_log.parquet", "summary.json"] == sorted(path.name for path in run.iterdir())
        assert ["base.parquet", "whatif"] == sorted(path.name for path in tmp_path.iterdir())

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
    """write_report takes the kind of folder from its manifest, refuses what is not a results folder and leaves
    nothing behind."""

    def test_unknown_folder(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"not a results folder: expected flowlab.json, or .*comparison.json"):
            write_report(tmp_path)
        assert ["notes.txt"] == sorted(path.name for path in tmp_path.iterdir())

    def test_missing_folder(self, tmp_path: Path) -> None:
        with pytest.raises(EventLogError, match="no such directory"):
            write_report(tmp_path / "absent")

    def test_a_folder_from_before_manifests_is_recognised_by_its_files(self, tmp_path: Path) -> None:
        out = tmp_path / "mined"
        mined = CliRunner().invoke(app, ["mine", str(write_log(tmp_path / "log.parquet")), "--out", str(out)])
        assert 0 == mined.exit_code, mined.output
        (out / MANIFEST_FILE).unlink(missing_ok=True)
        (out / "report.html").unlink()
        page = write_report(out).read_text(encoding="utf-8")
        assert "flowlab mine ·" in page
        assert "Value stream map" in page

    def test_the_manifest_decides_not_the_files(self, tmp_path: Path) -> None:
        """A calibrate folder holding stage times is still a calibrate folder (not a mine one): without its scenario
        it has nothing to report, and says so."""
        write_log(tmp_path / "stage_times.parquet")
        manifest = Manifest(kind="calibrate", format_version=1, flowlab_version="0.1.0",
                            created="2026-01-05T09:30:12+00:00", command="", inputs=(), files=("stage_times.parquet",))
        (tmp_path / MANIFEST_FILE).write_text(json.dumps(asdict(manifest)), encoding="utf-8")
        with pytest.raises(EventLogError, match=r"a flowlab calibrate folder without its scenario.yaml"):
            write_report(tmp_path)
        assert [MANIFEST_FILE, "stage_times.parquet"] == sorted(path.name for path in tmp_path.iterdir())

    def test_a_malformed_manifest_is_one_clean_line(self, tmp_path: Path) -> None:
        (tmp_path / MANIFEST_FILE).write_text('{"kind": "minde"}', encoding="utf-8")
        result = CliRunner().invoke(app, ["report", str(tmp_path)])
        assert 2 == result.exit_code
        assert "Traceback" not in result.output
        message = " ".join(result.output.split())
        assert message.startswith(f"error: {tmp_path / MANIFEST_FILE}: not a valid flowlab manifest: kind: input "
                                  "should be 'run', 'mine', 'compare', 'sweep' or 'calibrate' (got 'minde')")


class TestWhatTheLogLacks:
    """A log without start events and resources: the report says once what is missing and why, instead of a value
    stream map of n/a and columns of n/a; every number on the page is written for people (no e-notation)."""

    def test_complete_only_log_without_resources(self, tmp_path: Path) -> None:
        log = write_log(tmp_path / "log.parquet", complete_only=True)
        pd.read_parquet(log).drop(columns="org:resource").to_parquet(log, index=False)
        out = tmp_path / "mined"
        result = CliRunner().invoke(app, ["mine", str(log), "--no-conformance", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "<h2>Not in this log</h2>" in page
        missing = page.split("<h2>Not in this log</h2>", 1)[1].split("</section>", 1)[0]
        assert "value stream map" in missing and "no start events and no resources" in missing
        assert "flow efficiency (total work ÷ total lead)" in missing and "SLA attainment" in missing
        assert "<h2>Value stream map</h2>" not in page
        assert "<h2>Directly-follows graph" in page and "<h2>Lead time distribution</h2>" in page
        assert ">n/a<" not in page  # no headline card and no table cell says n/a: it is said once, above
        assert re.search(r"\d\.\d+e[-+]\d", page) is None
        assert_self_contained(page)

    def test_a_full_log_has_no_such_section(self, tmp_path: Path) -> None:
        out = tmp_path / "mined"
        result = CliRunner().invoke(app, ["mine", str(write_log(tmp_path / "log.parquet")), "--no-conformance",
                                          "--out", str(out)])
        assert 0 == result.exit_code, result.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert "<h2>Value stream map</h2>" in page
        # SLA attainment alone is missing: a mined log carries no SLA target
        missing = page.split("<h2>Not in this log</h2>", 1)[1].split("</section>", 1)[0]
        assert ["SLA attainment (completed)"] == re.findall(r"<b>(.*?)</b>", missing)
        assert "Wait mean (h)" in page  # the stage table in one unit per column, named in the heading
