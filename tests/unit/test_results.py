"""The results folder is written whole or not at all, and never replaces a folder that is not a result."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from handbuilt_recording import handbuilt_replications

import flowlab.run_results
from flowlab.run_results import collect_results, write_results
from sim.event_log import EVENT_LOG_DTYPES


@pytest.fixture
def results() -> flowlab.run_results.RunResults:
    return collect_results(handbuilt_replications(count=2))


def _fail_midway(folder: Path, results: flowlab.run_results.RunResults, scenario_path: Path | None,
                 scenario_text: bytes | None) -> None:
    (folder / "event_log.parquet").write_text("half", encoding="utf-8")
    raise OSError("disk full")


class TestAtomicWrite:
    """A failure while writing leaves neither a half-written folder nor a temporary sibling."""

    def test_failure_leaves_nothing(self, results, tmp_path: Path, monkeypatch) -> None:
        monkeypatch.setattr(flowlab.run_results, "_write_files", _fail_midway)
        with pytest.raises(OSError, match="disk full"):
            write_results(tmp_path / "out", results)
        assert [] == list(tmp_path.iterdir())

    def test_failure_keeps_the_previous_result(self, results, tmp_path: Path, monkeypatch) -> None:
        out = write_results(tmp_path / "out", results)
        before = (out / "summary.json").read_text(encoding="utf-8")
        monkeypatch.setattr(flowlab.run_results, "_write_files", _fail_midway)
        with pytest.raises(OSError, match="disk full"):
            write_results(out, results)
        assert (out / "summary.json").read_text(encoding="utf-8") == before
        assert ["out"] == [path.name for path in tmp_path.iterdir()]

    def test_refuses_a_folder_that_is_not_a_result(self, results, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
        with pytest.raises(FileExistsError, match=r"refusing to replace .*not a flowlab results folder"):
            write_results(tmp_path, results)
        assert ["notes.txt"] == [path.name for path in tmp_path.iterdir()]


class TestContent:
    """What the files hold."""

    def test_event_log_round_trips_with_its_dtypes(self, results, tmp_path: Path) -> None:
        out = write_results(tmp_path / "out", results)
        log = pd.read_parquet(out / "event_log.parquet")
        pd.testing.assert_frame_equal(results.event_log, log)
        assert {column: str(dtype) for column, dtype in log.dtypes.items()} == {
            column: str(pd.Series([], dtype=dtype).dtype) for column, dtype in EVENT_LOG_DTYPES.items()
        }

    def test_summary_json(self, results, tmp_path: Path) -> None:
        out = write_results(tmp_path / "out", results)
        document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert ("handbuilt", 2, 12.0) == (document["scenario"], document["replications"], document["horizon_h"])
        assert document["scenario_file"] is None
        assert {"mean": 5.5, "half_width": 0.0, "n": 2} == document["summary"]["lead_time_mean_h"]

    def test_tables(self, results, tmp_path: Path) -> None:
        out = write_results(tmp_path / "out", results)
        assert ["S1", "S2"] == pd.read_csv(out / "stages.csv")["stage"].tolist()
        assert 6 == len(pd.read_csv(out / "cases.csv"))
        assert [0, 1] == pd.read_csv(out / "replications.csv")["replication"].tolist()
        assert {
            "time_h",
            "stage",
            "queue_length",
            "replication",
        } == set(pd.read_parquet(out / "queues.parquet").columns)
