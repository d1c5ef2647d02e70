"""Interrupted commands leave the earlier results folder as it was and no debris (issue 12, class 12).

Real signals are sent to `flowlab run`, `mine` and `sweep` running in a subprocess, at three moments held by the test
hook (`FLOWLAB_TEST_PAUSE_AT`, see `flowlab.interruptions`): while the main work is under way, while the report is
drawn, and just before the finished folder is renamed into place. Nothing here is timed: the test waits for the
command to reach the moment (its pause file appears), sends the signal, and waits for the process to end.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

import flowlab.report
import flowlab.run_results
import flowlab.sweeping
import sim.replications
from flowlab.cli import app
from flowlab.folders import MANIFEST_FILE, read_manifest, write_folder
from flowlab.interruptions import Terminated, guard_command, terminate_as_interrupt
from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP

REPO = Path(__file__).resolve().parent.parent
SCENARIO = REPO / "scenarios" / "operate.yaml"
RUN_OPTIONS = ["--replications", "2", "--horizon", "2w", "--warmup", "1d", "--workers", "1"]
SWEEP_OPTIONS = ["--set", "teams.service-desk.capacity=3", *RUN_OPTIONS]
WAIT_S = 300.0
"""How long the test waits for a command to reach a moment or to end (generous: the machine may be busy)."""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) by relative path, with its bytes."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in sorted(folder.rglob("*"))
            if path.is_file()}


def debris(parent: Path) -> list[str]:
    """Scratch and set-aside entries in `parent` (what an interrupted write could leave)."""
    return sorted(entry.name for entry in parent.iterdir() if entry.name.endswith((".partial", ".old")))


def write_small_log(folder: Path) -> Path:
    """Six cases X → Y (every third one X → Y → X), start and complete events, two resources."""
    rows = []
    base = pd.Timestamp("2024-03-01 08:00", tz="UTC")
    for number in range(6):
        clock = base + pd.Timedelta(hours=3 * number)
        for activity in ["X", "Y", "X"] if number % 3 == 0 else ["X", "Y"]:
            clock += pd.Timedelta(minutes=30)
            rows.append((f"case-{number}", activity, "start", clock, f"r-{activity}"))
            clock += pd.Timedelta(hours=1)
            rows.append((f"case-{number}", activity, "complete", clock, f"r-{activity}"))
    log = pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE])
    log[TIMESTAMP] = log[TIMESTAMP].dt.strftime("%Y-%m-%dT%H:%M:%S%z")
    path = folder / "small.csv"
    log.to_csv(path, index=False)
    return path


def command_arguments(command: str, inputs: Path) -> list[str]:
    """The arguments of a small `command` (run, mine or sweep), before `--out`."""
    if command == "run":
        return ["run", str(SCENARIO), *RUN_OPTIONS]
    if command == "sweep":
        return ["sweep", str(SCENARIO), *SWEEP_OPTIONS]
    return ["mine", str(inputs / "small.csv"), "--no-conformance"]


@pytest.fixture(scope="module")
def earlier_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A complete results folder of each command, written once (in-process) and copied by each test."""
    place = tmp_path_factory.mktemp("earlier")
    write_small_log(place)
    folders = {}
    for command in ("run", "mine", "sweep"):
        out = place / command
        result = CliRunner().invoke(app, [*command_arguments(command, place), "--out", str(out)])
        assert 0 == result.exit_code, result.output
        folders[command] = out
    return folders


def start_paused(arguments: list[str], moment: str, pause: Path, cwd: Path) -> subprocess.Popen[str]:
    """Start `python -m flowlab.cli ARGUMENTS` that pauses at `moment`, with Ctrl-C acting as in a terminal."""
    environment = {**os.environ, "FLOWLAB_TEST_PAUSE_AT": moment, "FLOWLAB_TEST_PAUSE_FILE": str(pause),
                   "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}

    def default_interrupts() -> None:  # a test runner may ignore SIGINT, and children inherit that
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen([sys.executable, "-m", "flowlab.cli", *arguments], cwd=cwd, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_interrupts, start_new_session=True)  # noqa: PLW1509


def wait_for_pause(process: subprocess.Popen[str], pause: Path) -> None:
    """Wait until the command has reached its moment (its pause file exists); fail if it ended before."""
    waited = 0.0
    while not pause.exists():
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"the command ended ({process.returncode}) before its pause:\n{out}\n{err}")
        if waited > WAIT_S:
            process.kill()
            pytest.fail("the command never reached its pause")
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            waited += 0.1


EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGKILL: -signal.SIGKILL}
MESSAGES = {signal.SIGINT: "interrupted; {out} left unchanged", signal.SIGTERM: "interrupted by SIGTERM; {out} left "
            "unchanged"}


@pytest.mark.slow
@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM",
                                                                                         "SIGKILL"])
@pytest.mark.parametrize("moment", ["work", "report", "swap"])
@pytest.mark.parametrize("command", ["run", "mine", "sweep"])
def test_a_signal_leaves_the_earlier_folder_and_no_debris(
    tmp_path: Path, earlier_folders: dict[str, Path], command: str, moment: str, number: signal.Signals
) -> None:
    """Whatever the moment, `--out` is still the earlier complete folder, byte for byte; SIGINT and SIGTERM say so
    in one line and exit 130 / 143 leaving no scratch; after SIGKILL the next write beside it removes the scratch."""
    parent = tmp_path / "results"
    parent.mkdir()
    write_small_log(tmp_path)
    out = parent / "out"
    shutil.copytree(earlier_folders[command], out)
    before = snapshot(out)
    pause = tmp_path / "pause"
    process = start_paused([*command_arguments(command, tmp_path), "--out", str(out)], moment, pause, tmp_path)
    wait_for_pause(process, pause)
    assert moment == pause.read_text(encoding="utf-8").split()[0]
    if moment in {"report", "swap"} or command == "mine":  # the scratch folder exists at these moments
        assert [] != debris(parent)
    process.send_signal(number)
    _, stderr = process.communicate(timeout=WAIT_S)
    assert EXIT_CODES[number] == process.returncode, stderr
    assert "Traceback" not in stderr
    if number == signal.SIGKILL:
        write_folder(parent / "next", "mine", lambda folder: (folder / "table.csv").write_text("x\n"))
    else:
        assert MESSAGES[number].format(out=out) in stderr
    assert [] == debris(parent)
    expected = ["next", "out"] if number == signal.SIGKILL else ["out"]
    assert expected == sorted(entry.name for entry in parent.iterdir())
    assert before == snapshot(out)


@pytest.mark.slow
def test_the_next_command_removes_what_sigkill_left(tmp_path: Path) -> None:
    """A `flowlab mine` killed in the middle leaves its scratch folder; the next `flowlab mine` beside it (another
    --out in the same folder) removes it, and writes its own folder."""
    write_small_log(tmp_path)
    parent = tmp_path / "results"
    pause = tmp_path / "pause"
    process = start_paused(["mine", str(tmp_path / "small.csv"), "--no-conformance", "--out", str(parent / "a")],
                           "report", pause, tmp_path)
    wait_for_pause(process, pause)
    process.kill()
    process.communicate(timeout=WAIT_S)
    left = debris(parent)
    assert 1 == len(left) and left[0].startswith(".a-") and left[0].endswith(".partial")
    result = subprocess.run([sys.executable, "-m", "flowlab.cli", "mine", str(tmp_path / "small.csv"),
                             "--no-conformance", "--no-report", "--out", str(parent / "b")],
                            cwd=tmp_path, capture_output=True, text=True, timeout=WAIT_S, check=False)
    assert 0 == result.returncode, result.stderr
    assert ["b"] == sorted(entry.name for entry in parent.iterdir())
    assert "mine" == read_manifest(parent / "b").kind


class TestGuard:
    """guard_command: one line and an exit code for an interrupt, SIGTERM or an OSError; SIGTERM raises inside."""

    def _run(self, error: BaseException, *, out: Path | None = Path("results/x"), written: bool = False) -> tuple[
            int, str]:
        console = Console(record=True, width=400)
        with pytest.raises(typer.Exit) as ended, guard_command(console, out) as guard:
            guard.written = written
            raise error
        return ended.value.exit_code, console.export_text().strip()

    def test_ctrl_c(self) -> None:
        assert (130, "interrupted; results/x left unchanged") == self._run(KeyboardInterrupt())

    def test_sigterm(self) -> None:
        assert (143, "interrupted by SIGTERM; results/x left unchanged") == self._run(Terminated())

    def test_after_the_folder_was_written(self) -> None:
        assert (130, "interrupted; results/x was written completely before that") == self._run(
            KeyboardInterrupt(), written=True)

    def test_before_the_folder_is_known(self) -> None:
        assert (130, "interrupted; nothing written") == self._run(KeyboardInterrupt(), out=None)

    def test_a_full_disk(self) -> None:
        error = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "results/.x-1-0123456789ab.partial/cases.csv")
        code, message = self._run(error)
        assert 1 == code
        assert ("error: No space left on device (results/.x-1-0123456789ab.partial/cases.csv); results/x left "
                "unchanged; free some space or choose another --out") == message

    def test_a_refusal_is_left_to_the_command(self) -> None:
        with pytest.raises(FileExistsError), guard_command(Console(), Path("x")):
            raise FileExistsError("refusing to replace x")

    def test_sigterm_raises_inside_and_the_handler_is_put_back(self) -> None:
        previous = signal.getsignal(signal.SIGTERM)
        with pytest.raises(Terminated), terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises as soon as the signal arrives, at the latest during this sleep
        assert previous == signal.getsignal(signal.SIGTERM)


def enospc(path: Path) -> OSError:
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


class TestFullDisk:
    """No space left while a command writes: one message, no traceback, exit 1, the earlier folder intact."""

    @pytest.mark.parametrize("command", ["run", "mine"])
    def test_while_the_report_is_written(self, tmp_path: Path, earlier_folders: dict[str, Path], command: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
        out = tmp_path / "out"
        shutil.copytree(earlier_folders[command], out)
        before = snapshot(out)

        def full(path: Path, data: bytes) -> None:
            path.with_name("half.html").write_bytes(data[: len(data) // 2])
            raise enospc(path)

        monkeypatch.setattr(flowlab.report, "write_file_atomically", full)
        write_small_log(tmp_path)
        result = CliRunner().invoke(app, [*command_arguments(command, tmp_path), "--out", str(out)])
        assert 1 == result.exit_code, result.output
        assert isinstance(result.exception, SystemExit)  # typer.Exit: a message, not a traceback
        assert "No space left on device" in result.output
        assert f"{out} left unchanged; free some space or choose another --out" in result.output
        assert before == snapshot(out)
        assert ["out", "small.csv"] == sorted(entry.name for entry in tmp_path.iterdir())

    def test_while_the_tables_are_written(self, tmp_path: Path, earlier_folders: dict[str, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
        out = tmp_path / "out"
        shutil.copytree(earlier_folders["run"], out)
        before = snapshot(out)
        real = flowlab.run_results._write_files

        def full(folder: Path, *arguments: object) -> None:
            real(folder, *arguments)  # type: ignore[arg-type]
            raise enospc(folder / "summary.json")

        monkeypatch.setattr(flowlab.run_results, "_write_files", full)
        result = CliRunner().invoke(app, ["run", str(SCENARIO), *RUN_OPTIONS, "--out", str(out)])
        assert 1 == result.exit_code, result.output
        assert isinstance(result.exception, SystemExit)
        assert f"{out} left unchanged" in result.output
        assert before == snapshot(out)
        assert ["out"] == [entry.name for entry in tmp_path.iterdir()]


class TestScenarioReadOnce:
    """The scenario text read at the start is what is simulated and what the results folder keeps."""

    @pytest.fixture
    def scenario(self, tmp_path: Path) -> Path:
        path = tmp_path / "operate.yaml"
        shutil.copyfile(SCENARIO, path)
        return path

    @staticmethod
    def rewritten(text: str) -> str:
        """The scenario with more service-desk agents: different numbers if it were simulated."""
        changed = text.replace("  service-desk:\n    capacity: 2", "  service-desk:\n    capacity: 5")
        assert changed != text
        return "# rewritten during the run\n" + changed

    def _undisturbed(self, tmp_path: Path, scenario: Path) -> dict[str, object]:
        out = tmp_path / "undisturbed"
        result = CliRunner().invoke(app, ["run", str(scenario), *RUN_OPTIONS, "--no-report", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]

    @pytest.mark.parametrize("change", ["rewrite", "delete"])
    def test_run(self, tmp_path: Path, scenario: Path, change: str, monkeypatch: pytest.MonkeyPatch) -> None:
        original = scenario.read_bytes()
        expected = self._undisturbed(tmp_path, scenario)
        real = sim.replications.run_replications

        def disturbed(*arguments: object, **options: object) -> object:
            if change == "rewrite":
                scenario.write_text(self.rewritten(original.decode("utf-8")), encoding="utf-8")
            else:
                scenario.unlink()
            return real(*arguments, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(sim.replications, "run_replications", disturbed)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["run", str(scenario), *RUN_OPTIONS, "--no-report", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        assert original == (out / "operate.yaml").read_bytes()
        assert expected == json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]

    def test_sweep(self, tmp_path: Path, scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        original = scenario.read_bytes()
        real = flowlab.sweeping.run_variants

        def disturbed(*arguments: object, **options: object) -> object:
            scenario.write_text(self.rewritten(original.decode("utf-8")), encoding="utf-8")
            return real(*arguments, **options)  # type: ignore[arg-type]

        monkeypatch.setattr(flowlab.sweeping, "run_variants", disturbed)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["sweep", str(scenario), *SWEEP_OPTIONS, "--no-report", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        assert original == (out / "variants" / "00-baseline" / "operate.yaml").read_bytes()
        variant = (out / "variants" / "01-service-desk.capacity-3" / "operate.yaml").read_text(encoding="utf-8")
        assert "rewritten" not in variant and "capacity: 3" in variant


class TestReportFromMemory:
    """`flowlab run` draws its report from what it holds; `flowlab report` of the folder draws the very same page."""

    def test_same_page_and_pictures_as_rebuilt_from_the_files(self, tmp_path: Path) -> None:
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["run", str(SCENARIO), *RUN_OPTIONS, "--out", str(out)])
        assert 0 == result.exit_code, result.output
        rebuilt = tmp_path / "rebuilt"
        shutil.copytree(out, rebuilt)
        result = CliRunner().invoke(app, ["report", str(rebuilt)])
        assert 0 == result.exit_code, result.output
        page = (out / "report.html").read_text(encoding="utf-8")
        assert (rebuilt / "report.html").read_text(encoding="utf-8").replace(str(rebuilt), str(out)) == page
        assert snapshot(out / "plots") == snapshot(rebuilt / "plots")
        assert ["dfg.png", "lead_time.png", "queues.png", "vsm.png"] == sorted(snapshot(out / "plots"))
        assert "read as the miner reads it" in page  # the repairs of the log, found in memory as from the file

    def test_no_report_and_svg(self, tmp_path: Path) -> None:
        bare = tmp_path / "bare"
        result = CliRunner().invoke(app, ["run", str(SCENARIO), *RUN_OPTIONS, "--no-report", "--out", str(bare)])
        assert 0 == result.exit_code, result.output
        assert not (bare / "report.html").exists() and not (bare / "plots").exists()
        assert f"flowlab report {bare}" in result.output
        assert "report.html" not in read_manifest(bare).files
        result = CliRunner().invoke(app, ["report", str(bare), "--svg"])
        assert 0 == result.exit_code, result.output
        assert {"dfg.svg", "lead_time.svg", "queues.svg", "vsm.svg"} <= set(snapshot(bare / "plots"))
        assert "plots also as PNG and SVG" in (bare / "report.html").read_text(encoding="utf-8")
        assert MANIFEST_FILE in snapshot(bare)



class TestCompareAndCalibrate:
    """compare and calibrate share the guard: an interrupt while their report is drawn leaves the earlier folder."""

    @pytest.mark.parametrize("case", [
        ("compare", KeyboardInterrupt(), 130, "interrupted; {out} left unchanged"),
        ("calibrate", Terminated(), 143, "interrupted by SIGTERM; {out} left unchanged"),
    ], ids=["compare", "calibrate"])
    def test_interrupted_while_drawing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       case: tuple[str, BaseException, int, str]) -> None:
        command, error, code, message = case
        log = write_small_log(tmp_path)
        arguments = [command, str(log), *([str(log)] if command == "compare" else [])]
        out = tmp_path / "out"
        first = CliRunner().invoke(app, [*arguments, "--out", str(out)])
        assert 0 == first.exit_code, first.output
        before = snapshot(out)

        def interrupted(*arguments: object, **options: object) -> Path:
            raise error

        monkeypatch.setattr(flowlab.report, "_render", interrupted)
        result = CliRunner().invoke(app, [*arguments, "--out", str(out)])
        assert code == result.exit_code, result.output
        assert message.format(out=out) in result.output
        assert before == snapshot(out)
        assert ["out", "small.csv"] == sorted(entry.name for entry in tmp_path.iterdir())

    def test_compare_without_report(self, tmp_path: Path) -> None:
        log = write_small_log(tmp_path)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["compare", str(log), str(log), "--no-report", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        assert {MANIFEST_FILE, "comparison.json", "edges.csv", "stages.csv"} == set(snapshot(out))

    def test_mine_without_report(self, tmp_path: Path) -> None:
        log = write_small_log(tmp_path)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["mine", str(log), "--no-conformance", "--no-report", "--out", str(out)])
        assert 0 == result.exit_code, result.output
        written = set(snapshot(out))
        assert {"stage_times.parquet", "summary.json", MANIFEST_FILE} <= written
        assert not {name for name in written if name.endswith((".png", ".svg", ".html"))}


def test_an_unknown_pause_moment_is_refused() -> None:
    from flowlab.interruptions import pause_point

    with pytest.raises(ValueError, match="unknown pause moment 'reprot'; expected one of work, report, swap"):
        pause_point("reprot")
