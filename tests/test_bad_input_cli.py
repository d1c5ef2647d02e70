"""The `flowlab` command on hostile and malformed input (issue 12, classes 9–11), as a person runs it: a separate
process, one message on stderr, a non-zero exit, no traceback; or, where the input is valid but odd (no case
finishes, a very long name), a complete results folder."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.unit.test_bad_input_scenarios import BASE, laughs

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG = "case,activity,timestamp\nc1,A,2024-01-01T10:00:00Z\nc1,B,2024-01-01T12:00:00Z\nc2,A,2024-01-02T09:00:00Z\n"


def flowlab(*arguments: str | Path, cwd: Path, limits: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200", **(limits or {})}
    return subprocess.run(
        [sys.executable, "-m", "flowlab.cli", *map(str, arguments)],
        cwd=cwd, env=environment, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def refused(result: subprocess.CompletedProcess, *parts: str) -> None:
    """Exit code non-zero, each of `parts` in stderr, no traceback anywhere."""
    assert result.returncode != 0, result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    text = " ".join(result.stderr.split())
    for part in parts:
        assert part in text, result.stderr


class TestClass9HangsAndBlowUps:
    def test_yaml_alias_bomb(self, tmp_path: Path) -> None:
        (tmp_path / "bomb.yaml").write_text(BASE.replace("name: tiny", f"name: {laughs()}"))
        refused(flowlab("validate", "bomb.yaml", cwd=tmp_path), "bomb.yaml: line 2", "FLOWLAB_MAX_YAML_NODES")

    def test_yaml_nested_thousands_deep(self, tmp_path: Path) -> None:
        (tmp_path / "deep.yaml").write_text(BASE + "extra: " + "[" * 5000 + "]" * 5000 + "\n")
        refused(flowlab("run", "deep.yaml", cwd=tmp_path), "deep.yaml: line 26", "FLOWLAB_MAX_YAML_DEPTH")

    def test_gzip_bomb(self, tmp_path: Path) -> None:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
        member = compressor.compress(b"\0" * (1 << 26)) + compressor.flush()
        with (tmp_path / "bomb.xes.gz").open("wb") as stream:
            stream.write(gzip.compress(b'<?xml version="1.0"?>\n'))
            for _ in range(32):  # 2 GB inflated
                stream.write(member)
        result = flowlab("mine", "bomb.xes.gz", cwd=tmp_path, limits={"FLOWLAB_MAX_INFLATED_MB": "32"})
        refused(result, "bomb.xes.gz: inflates to more than 32 MB", "FLOWLAB_MAX_INFLATED_MB=N")
        assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())

    def test_long_cell(self, tmp_path: Path) -> None:
        (tmp_path / "cell.csv").write_text(LOG + "c3," + "x" * 200_000 + ",2024-01-03T10:00:00Z\n")
        refused(flowlab("mine", "cell.csv", cwd=tmp_path), "cell.csv: column 'activity' at row 4",
                "FLOWLAB_MAX_CELL_CHARS")  # fmt: skip

    def test_horizon_of_19000_years(self, tmp_path: Path) -> None:
        (tmp_path / "tiny.yaml").write_text(BASE)
        refused(flowlab("run", "tiny.yaml", "--horizon", "991000w", cwd=tmp_path), "the horizon must end by 2262-04-11")

    def test_endless_rework_loop(self, tmp_path: Path) -> None:
        (tmp_path / "loop.yaml").write_text(BASE.replace("route: [A, B]", "route: [A, B]\n    rework:\n"
                                            "      - {after: B, to: A, probability: 1, max_loops: 1000000000}"))
        result = flowlab("run", "loop.yaml", "--workers", "1", cwd=tmp_path, limits={"FLOWLAB_MAX_VISITS": "300"})
        refused(result, "loop.yaml: tiny: replication 0 stopped at", "FLOWLAB_MAX_VISITS=N")


class TestClass10Tracebacks:
    @pytest.mark.parametrize("year", ["1500", "2262", "9999"])
    def test_years_outside_the_nanosecond_range(self, tmp_path: Path, year: str) -> None:
        (tmp_path / "log.csv").write_text(LOG + f"c2,B,{year}-06-01T10:00:00Z\n")
        refused(flowlab("mine", "log.csv", "--no-conformance", cwd=tmp_path),
                "log.csv: column 'time:timestamp' has timestamps outside 1677-09-21 .. 2262-04-11 at row 4")

    def test_scenario_start_outside_the_range(self, tmp_path: Path) -> None:
        (tmp_path / "old.yaml").write_text(BASE.replace('"2026-01-05', '"1500-01-05'))
        refused(flowlab("run", "old.yaml", cwd=tmp_path), "old.yaml: run.start must lie between 1677-09-22")

    def test_unknown_timestamp_format(self, tmp_path: Path) -> None:
        (tmp_path / "log.csv").write_text(LOG)
        refused(flowlab("mine", "log.csv", "--timestamp-format", "%Q", cwd=tmp_path),
                "log.csv: timestamp format '%Q' is not a strptime format")

    def test_malformed_ocel(self, tmp_path: Path) -> None:
        document = {"ocel:global-log": {"ocel:object-types": ["order"]}, "ocel:events": {"e1": None},
                    "ocel:objects": {"o1": None}}  # fmt: skip
        (tmp_path / "log.jsonocel").write_text(json.dumps(document))
        refused(flowlab("mine", "log.jsonocel", "--case", "order", cwd=tmp_path),
                "log.jsonocel: ocel:objects['o1'] must be an object with ocel:type (got null)")

    def test_stage_map_neither_yaml_nor_csv(self, tmp_path: Path) -> None:
        (tmp_path / "a.csv").write_text(LOG)
        (tmp_path / "map.yaml").write_bytes(b"\xff\xfe\x00\x01 not text")
        refused(flowlab("compare", "a.csv", "a.csv", "--stage-map", "map.yaml", cwd=tmp_path),
                "map.yaml: the stage map is not UTF-8 text")

    @pytest.mark.parametrize(
        "old, new",
        [
            ("streams:", "gates:\n  yearly: {every: 52w, offset: 51w, open_for: 1h}\nstreams:"),  # never opens
            ("        work: 1h\n      - name: B", "        work: 1h\n        batch: {size: 1000}\n      - name: B"),
            ("        work: 1h\n      - name: B", "        work: 100w\n      - name: B"),
        ],
        ids=["gate never opens", "batch never fills", "work longer than the run"],
    )
    def test_a_run_in_which_no_case_finishes(self, tmp_path: Path, old: str, new: str) -> None:
        text = BASE.replace(old, new)
        if "yearly" in text:
            text = text.replace("        work: 1h\n      - name: B", "        work: 1h\n        gate: yearly\n"
                                "      - name: B")  # fmt: skip
        (tmp_path / "stuck.yaml").write_text(text)
        result = flowlab("run", "stuck.yaml", "--out", "out", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
        assert "no case finished before the horizon" in " ".join(result.stdout.split())
        summary = json.loads((tmp_path / "out" / "summary.json").read_text())["summary"]
        assert summary["completed_cases"] == 0
        assert summary["unfinished_cases"] > 20  # about 28 days of one arrival a day, none of them done
        assert "No case finished" in (tmp_path / "out" / "report.html").read_text()
        again = flowlab("report", "out", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert "Traceback" not in again.stderr

    def test_scenario_name_too_long_for_a_file_name(self, tmp_path: Path) -> None:
        (tmp_path / "long.yaml").write_text(BASE.replace("name: tiny", "name: " + "n" * 300))
        result = flowlab("run", "long.yaml", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        (folder,) = (tmp_path / "results").iterdir()
        assert len(folder.name) < 100 and (folder / "report.html").is_file()


class TestClass11AcceptedButWrong:
    def test_repeated_column(self, tmp_path: Path) -> None:
        (tmp_path / "twice.csv").write_text("case,activity,timestamp,activity\nc1,A,2024-01-01T10:00:00Z,B\n")
        refused(flowlab("mine", "twice.csv", cwd=tmp_path),
                "twice.csv: the header names column 'activity' 2 times (columns 2, 4)")

    def test_external_entity_after_a_long_comment(self, tmp_path: Path) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-42")
        (tmp_path / "xxe.xes").write_text(
            '<?xml version="1.0"?>\n<!--' + "c" * 100_000 + "-->\n"
            f'<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>\n<log><trace><event>'
            '<string key="concept:name" value="&xxe;"/><date key="time:timestamp" value="2024-01-01T00:00:00Z"/>'
            "</event></trace></log>\n"
        )  # fmt: skip
        result = flowlab("mine", "xxe.xes", cwd=tmp_path)
        refused(result, "xxe.xes: refused a DOCTYPE/ENTITY declaration at line 3")
        assert "TOP-SECRET" not in result.stdout + result.stderr
        assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())
