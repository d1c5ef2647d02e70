"""Results folders are written whole or not at all, with a manifest that says what kind of folder they are."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path

import pytest

from flowlab import folders
from flowlab.folders import MANIFEST_FILE, Manifest, ResultsFolderError, read_manifest, write_folder


def _fill_two_files(folder: Path) -> None:
    (folder / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (folder / "plots").mkdir()
    (folder / "plots" / "chart.svg").write_text("<svg/>", encoding="utf-8")


def _fill_then_fail(error: BaseException):
    def fill(folder: Path) -> None:
        (folder / "table.csv").write_text("half", encoding="utf-8")
        raise error

    return fill


def _names(folder: Path) -> list[str]:
    """Everything in `folder`, hidden entries (scratch and set-aside folders) included."""
    return sorted(path.name for path in folder.iterdir())


class TestWriteFolder:
    """write_folder: the files of `fill`, then the manifest, then one rename into place."""

    def test_the_manifest_says_what_the_folder_is_and_holds(self, tmp_path: Path) -> None:
        out = write_folder(tmp_path / "out", "mine", _fill_two_files, command="flowlab mine log.csv",
                           inputs=["log.csv"])
        assert tmp_path / "out" == out
        assert [MANIFEST_FILE, "plots", "table.csv"] == _names(out)
        manifest = read_manifest(out)
        assert "mine" == manifest.kind
        assert 1 == manifest.format_version
        assert metadata.version("flowlab") == manifest.flowlab_version
        assert "flowlab mine log.csv" == manifest.command
        assert ("log.csv",) == manifest.inputs
        assert ("plots/chart.svg", "table.csv") == manifest.files
        assert timedelta(0) == datetime.fromisoformat(manifest.created).utcoffset()
        assert ["out"] == _names(tmp_path)  # no scratch left beside it

    def test_a_failing_fill_leaves_nothing(self, tmp_path: Path) -> None:
        with pytest.raises(RuntimeError, match="disk full"):
            write_folder(tmp_path / "out", "mine", _fill_then_fail(RuntimeError("disk full")))
        assert [] == _names(tmp_path)

    @pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt()])
    def test_a_failure_keeps_the_previous_folder(self, tmp_path: Path, error: BaseException) -> None:
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        before = {name: (out / name).read_bytes() for name in (MANIFEST_FILE, "table.csv")}
        with pytest.raises(type(error)):
            write_folder(out, "mine", _fill_then_fail(error))
        assert before == {name: (out / name).read_bytes() for name in before}
        assert ["out"] == _names(tmp_path)

    def test_a_failed_rename_puts_the_previous_folder_back(self, tmp_path: Path, monkeypatch) -> None:
        """Where the system cannot exchange two folders in one step: set aside, rename, put back on failure."""
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        before = (out / MANIFEST_FILE).read_bytes()
        real_replace = os.replace

        def replace(source: str | Path, target: str | Path) -> None:
            if str(source).endswith(".partial"):
                raise OSError("rename refused")
            real_replace(source, target)

        monkeypatch.setattr(folders, "_exchange", lambda first, second: False)
        monkeypatch.setattr(folders.os, "replace", replace)
        with pytest.raises(OSError, match="rename refused"):
            write_folder(out, "mine", _fill_two_files)
        monkeypatch.undo()
        assert before == (out / MANIFEST_FILE).read_bytes()
        assert ["out"] == _names(tmp_path)

    def test_a_failed_exchange_keeps_the_previous_folder(self, tmp_path: Path, monkeypatch) -> None:
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        before = (out / MANIFEST_FILE).read_bytes()

        def exchange(first: Path, second: Path) -> bool:
            raise OSError(28, "No space left on device", str(second))

        monkeypatch.setattr(folders, "_exchange", exchange)
        with pytest.raises(OSError, match="No space left"):
            write_folder(out, "mine", _fill_two_files)
        assert before == (out / MANIFEST_FILE).read_bytes()
        assert ["out"] == _names(tmp_path)

    @pytest.mark.parametrize("exchange", [True, False], ids=["exchanged", "set aside"])
    def test_replaced_in_either_way(self, tmp_path: Path, monkeypatch, exchange: bool) -> None:
        if not exchange:
            monkeypatch.setattr(folders, "_exchange", lambda first, second: False)
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        write_folder(out, "mine", lambda folder: (folder / "other.csv").write_text("x", encoding="utf-8"))
        assert [MANIFEST_FILE, "other.csv"] == _names(out)
        assert ["out"] == _names(tmp_path)

    def test_replaces_a_previous_folder_of_its_kind(self, tmp_path: Path) -> None:
        out = write_folder(tmp_path / "out", "compare", _fill_two_files)

        def fill_other(folder: Path) -> None:
            (folder / "other.csv").write_text("x", encoding="utf-8")

        write_folder(out, "compare", fill_other)
        assert [MANIFEST_FILE, "other.csv"] == _names(out)
        assert ("other.csv",) == read_manifest(out).files
        assert ["out"] == _names(tmp_path)

    @pytest.mark.parametrize(("marker", "kind"), [
        ("comparison.json", "compare"),
        ("sweep.json", "sweep"),
        (("summary.json", "event_log.parquet"), "run"),
        (("summary.json", "stage_times.parquet"), "mine"),
    ])
    def test_replaces_a_folder_written_before_manifests(self, tmp_path: Path, marker: str | tuple[str, ...],
                                                        kind: folders.FolderKind) -> None:
        old = tmp_path / "old"
        old.mkdir()
        for name in (marker,) if isinstance(marker, str) else marker:
            (old / name).write_text("{}", encoding="utf-8")
        write_folder(old, kind, _fill_two_files)
        assert kind == read_manifest(old).kind
        assert [MANIFEST_FILE, "plots", "table.csv"] == _names(old)

    def test_fills_an_empty_folder(self, tmp_path: Path) -> None:
        (tmp_path / "out").mkdir()
        write_folder(tmp_path / "out", "sweep", _fill_two_files)
        assert "sweep" == read_manifest(tmp_path / "out").kind

    @pytest.mark.parametrize("content", [["notes.txt"], ["event_log.parquet"]])
    def test_refuses_a_folder_that_is_not_a_result(self, tmp_path: Path, content: list[str]) -> None:
        """Someone's folder (an event log alone is data, not a result) is kept, and `fill` never runs."""
        precious = tmp_path / "precious"
        precious.mkdir()
        for name in content:
            (precious / name).write_text("keep me", encoding="utf-8")
        calls: list[Path] = []
        expected = rf"refusing to replace {re.escape(str(precious))}: it exists and is not a flowlab results folder"
        with pytest.raises(FileExistsError, match=expected):
            write_folder(precious, "run", calls.append)
        assert [] == calls
        assert content == _names(precious)
        assert ["precious"] == _names(tmp_path)

    def test_refuses_a_results_folder_of_another_kind(self, tmp_path: Path) -> None:
        """`flowlab compare RUN B --out RUN` must not delete the run it compares."""
        run = write_folder(tmp_path / "run", "run", _fill_two_files)
        with pytest.raises(FileExistsError, match=r"it is a flowlab run folder, not a compare folder"):
            write_folder(run, "compare", _fill_two_files)
        assert "run" == read_manifest(run).kind

    def test_refuses_a_file(self, tmp_path: Path) -> None:
        (tmp_path / "out").write_text("keep me", encoding="utf-8")
        with pytest.raises(FileExistsError, match="is not a folder"):
            write_folder(tmp_path / "out", "mine", _fill_two_files)
        assert "keep me" == (tmp_path / "out").read_text(encoding="utf-8")

    def test_unknown_kind(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="kind must be one of run, mine, compare, sweep, calibrate"):
            write_folder(tmp_path / "out", "fit", _fill_two_files)  # type: ignore[arg-type]
        assert [] == _names(tmp_path)

    def test_the_folder_is_as_shared_as_any_new_folder(self, tmp_path: Path) -> None:
        """The permissions follow the umask, not the private 0700 of a temporary folder."""
        umask = os.umask(0o022)
        try:
            out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        finally:
            os.umask(umask)
        assert 0o755 == out.stat().st_mode & 0o777


class TestReadManifest:
    """read_manifest: the validated manifest; for an older folder, its kind recognised by its files."""

    def test_round_trip(self, tmp_path: Path) -> None:
        manifest = Manifest(kind="calibrate", format_version=1, flowlab_version="9.9.9",
                            created="2026-01-05T09:30:12+00:00", command="flowlab calibrate log.xes",
                            inputs=("log.xes", "base.yaml"), files=("fitted.yaml", "summary.json"))
        (tmp_path / MANIFEST_FILE).write_text(json.dumps(asdict(manifest)), encoding="utf-8")
        assert manifest == read_manifest(tmp_path)

    def test_unknown_keys_are_ignored(self, tmp_path: Path) -> None:
        """A manifest from a later flowlab with more to say still reads."""
        out = write_folder(tmp_path / "out", "sweep", _fill_two_files)
        document = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
        (out / MANIFEST_FILE).write_text(json.dumps({**document, "host": "lab-3"}), encoding="utf-8")
        assert "sweep" == read_manifest(out).kind

    @pytest.mark.parametrize(("change", "expected"), [
        ({"kind": "fit"}, r"kind: input should be 'run', 'mine', 'compare', 'sweep' or 'calibrate' \(got 'fit'\)"),
        ({"format_version": "1"}, r"format_version: input should be a valid integer \(got '1'\)"),
        ({"format_version": 0}, r"format_version: input should be greater than or equal to 1 \(got 0\)"),
        ({"inputs": "log.csv"}, r"inputs: input should be a valid array \(got 'log.csv'\)"),
        ({"files": ["a.csv", 3]}, r"files\[1\]: input should be a valid string \(got 3\)"),
        ({"kind": None, "command": None}, r"kind: .*; command: input should be a valid string \(got None\)"),
    ])
    def test_a_malformed_manifest_names_the_file_the_field_and_the_rule(
        self, tmp_path: Path, change: dict[str, object], expected: str
    ) -> None:
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        document = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
        (out / MANIFEST_FILE).write_text(json.dumps({**document, **change}), encoding="utf-8")
        where = re.escape(str(out / MANIFEST_FILE))
        with pytest.raises(ResultsFolderError, match=rf"^{where}: not a valid flowlab manifest: {expected}$"):
            read_manifest(out)

    @pytest.mark.parametrize(("text", "expected"), [
        ('{"kind": "mine",', r"not valid JSON \(EOF while parsing"),
        ("[1, 2]", r"input should be an object \(got \[1, 2\]\)"),
        ('{"kind": "mine"}', r"format_version: field required; flowlab_version: field required"),
    ])
    def test_a_manifest_that_is_no_record(self, tmp_path: Path, text: str, expected: str) -> None:
        (tmp_path / MANIFEST_FILE).write_text(text, encoding="utf-8")
        where = re.escape(str(tmp_path / MANIFEST_FILE))
        with pytest.raises(ResultsFolderError, match=rf"^{where}: not a valid flowlab manifest: {expected}"):
            read_manifest(tmp_path)

    @pytest.mark.parametrize(("files", "kind"), [
        (("comparison.json", "stages.csv"), "compare"),
        (("sweep.json", "variants.csv"), "sweep"),
        (("event_log.parquet", "summary.json"), "run"),
        (("stage_times.parquet", "summary.json"), "mine"),
    ])
    def test_a_folder_from_before_manifests(self, tmp_path: Path, files: tuple[str, ...], kind: str) -> None:
        for name in files:
            (tmp_path / name).write_text("{}", encoding="utf-8")
        manifest = read_manifest(tmp_path)
        assert kind == manifest.kind
        assert 0 == manifest.format_version
        assert tuple(sorted(files)) == manifest.files

    def test_a_folder_that_is_no_result(self, tmp_path: Path) -> None:
        (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
        expected = r"not a results folder: expected flowlab.json, or .*comparison.json \(flowlab compare\)"
        with pytest.raises(ResultsFolderError, match=rf"{expected}.*files found: \['notes.txt'\]"):
            read_manifest(tmp_path)

    def test_no_such_folder(self, tmp_path: Path) -> None:
        with pytest.raises(ResultsFolderError, match="no such directory"):
            read_manifest(tmp_path / "absent")


def _dead_pid() -> int:
    """The id of a process that has ended (and been waited for)."""
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


class TestDebris:
    """What a killed write leaves is named after its process, and the next write beside it clears it away."""

    def test_the_scratch_is_named_after_the_process(self, tmp_path: Path) -> None:
        seen: list[str] = []
        write_folder(tmp_path / "out", "mine", lambda folder: seen.append(folder.name))
        assert re.fullmatch(rf"\.out-{os.getpid()}-[0-9a-f]{{12}}\.partial", seen[0])

    def test_a_dead_process_scratch_is_removed_by_the_next_write(self, tmp_path: Path) -> None:
        dead = _dead_pid()
        stale = tmp_path / f".out-{dead}-0123456789ab.partial"
        (stale / "plots").mkdir(parents=True)
        (stale / "plots" / "half.png").write_bytes(b"half")
        stale_file = tmp_path / f".report.html-{dead}-0123456789ab.partial"
        stale_file.write_text("half", encoding="utf-8")
        write_folder(tmp_path / "other", "mine", _fill_two_files)
        assert ["other"] == _names(tmp_path)

    def test_a_living_process_scratch_is_left_alone(self, tmp_path: Path) -> None:
        """It may be another command writing right now (here: this very process)."""
        living = tmp_path / f".out-{os.getpid()}-0123456789ab.partial"
        living.mkdir()
        write_folder(tmp_path / "other", "mine", _fill_two_files)
        assert [living.name, "other"] == _names(tmp_path)

    def test_other_hidden_entries_are_left_alone(self, tmp_path: Path) -> None:
        dead = _dead_pid()
        names = (".git", f".out-{dead}-xyz.partial", f".out-{dead}-0123456789ab.tmp",
                 f"out-{dead}-0123456789ab.partial")
        for name in names:
            (tmp_path / name).mkdir()
        before = _names(tmp_path)
        assert [] == folders.remove_stale_scratch(tmp_path)
        assert before == _names(tmp_path)

    def test_an_earlier_folder_set_aside_comes_back_when_its_place_is_empty(self, tmp_path: Path) -> None:
        """Killed between the two renames of `replace_folder`: the earlier folder is put back, the new scratch
        removed, so `--out` is again the earlier complete folder."""
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        before = (out / MANIFEST_FILE).read_bytes()
        dead = _dead_pid()
        os.replace(out, tmp_path / f".out-{dead}-0123456789ab.old")
        (tmp_path / f".out-{dead}-abcdef012345.partial").mkdir()
        folders.remove_stale_scratch(tmp_path)
        assert ["out"] == _names(tmp_path)
        assert before == (out / MANIFEST_FILE).read_bytes()

    def test_an_earlier_folder_set_aside_is_removed_when_its_place_is_taken(self, tmp_path: Path) -> None:
        out = write_folder(tmp_path / "out", "mine", _fill_two_files)
        (tmp_path / f".out-{_dead_pid()}-0123456789ab.old").mkdir()
        folders.remove_stale_scratch(tmp_path)
        assert ["out"] == _names(tmp_path)
        assert "mine" == read_manifest(out).kind

    def test_permissions_follow_the_umask(self, tmp_path: Path) -> None:
        umask = os.umask(0o027)
        try:
            out = write_folder(tmp_path / "out", "mine", _fill_two_files)
            folders.write_file_atomically(out / "report.html", b"<html></html>")
        finally:
            os.umask(umask)
        assert 0o750 == out.stat().st_mode & 0o777
        assert 0o640 == (out / "report.html").stat().st_mode & 0o777


class TestWriteFileAtomically:
    """One file of an existing folder (a rebuilt report) replaced whole or not at all."""

    def test_replaces_the_file(self, tmp_path: Path) -> None:
        (tmp_path / "report.html").write_text("old", encoding="utf-8")
        folders.write_file_atomically(tmp_path / "report.html", b"new")
        assert ["report.html"] == _names(tmp_path)
        assert b"new" == (tmp_path / "report.html").read_bytes()

    def test_a_failure_keeps_the_old_file_and_leaves_no_scratch(self, tmp_path: Path, monkeypatch) -> None:
        (tmp_path / "report.html").write_text("old", encoding="utf-8")

        def replace(source: str | Path, target: str | Path) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(folders.os, "replace", replace)
        with pytest.raises(OSError, match="No space left"):
            folders.write_file_atomically(tmp_path / "report.html", b"new")
        monkeypatch.undo()
        assert ["report.html"] == _names(tmp_path)
        assert b"old" == (tmp_path / "report.html").read_bytes()
