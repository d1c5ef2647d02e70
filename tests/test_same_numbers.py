"""One measure, one number: the console, `summary.json` and `report.html` of one `flowlab run` and one `flowlab mine`
show each shared measure under the same name and with the same value (after the rounding each one shows).

The texts are read back independently of the code that wrote them: a number and its unit (%, min, h, d) are parsed
from the console row and from the report's headline cell of each label, converted to the summary's unit, and
compared with `summary.json` within half a unit of the last digit shown.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from conftest import SCENARIOS_DIR, shared_log
from typer.testing import CliRunner

from flowlab.cli import app

runner = CliRunner()
WIDE = {"COLUMNS": "250"}  # one console row per table row, whatever the terminal

SHARED = {
    # label: (key in the summary, kind)
    "lead time mean (completed)": ("lead_time_mean_h", "duration"),
    "lead time p85 (completed)": ("lead_time_p85_h", "duration"),
    "lead time p50 (Kaplan–Meier)": ("lead_time_km_p50_h", "duration"),
    "flow efficiency (total work ÷ total lead)": ("flow_efficiency_total", "share"),
    "flow efficiency (mean per case)": ("flow_efficiency_mean", "share"),
    "throughput (cases per day)": ("throughput_per_day", "rate"),
    "WIP (mean cases in the system)": ("wip", "rate"),
}
NUMBER = re.compile(r"(-?[\d,]*\.?\d+)\s*(%|min|h|d)?")
TO_HOURS = {"min": 1 / 60, "h": 1.0, "d": 24.0}


def _first_number(text: str, kind: str) -> tuple[float, float]:
    """The first number of `text` in the summary's unit, and half a unit of its last digit (the rounding)."""
    match = NUMBER.search(text)
    assert match is not None, f"no number in {text!r}"
    digits, unit = match.group(1).replace(",", ""), match.group(2)
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    value, half_step = float(digits), 0.5 * 10.0**-decimals
    if kind == "share":
        assert unit == "%", text
        return value / 100, half_step / 100
    if kind == "duration":
        assert unit in TO_HOURS, text
        return value * TO_HOURS[unit], half_step * TO_HOURS[unit]
    return value, half_step


def _console_rows(output: str) -> dict[str, str]:
    """label -> value of every two-cell row of the rich tables in `output`."""
    rows = {}
    for line in output.splitlines():
        cells = [cell.strip() for cell in re.split(r"[│┃]", line) if cell.strip()]
        if len(cells) == 2:
            rows[cells[0]] = cells[1]
    return rows


def _report_rows(report: Path) -> dict[str, str]:
    """label -> value of the report's headline cells."""
    page = report.read_text(encoding="utf-8")
    pairs = re.findall(r'<div class="label">(.*?)</div><div class="value">(.*?)</div>', page)
    return {html.unescape(label): html.unescape(value) for label, value in pairs}


def _check_same(values: dict, console: dict[str, str], report: dict[str, str], labels: dict) -> None:
    for label, (key, kind) in labels.items():
        expected = values[key]
        expected = expected["mean"] if isinstance(expected, dict) else expected
        assert expected is not None, f"{key} is unknown in summary.json"
        for where, rows in (("console", console), ("report.html", report)):
            assert label in rows, f"{label!r} is not in the {where} (rows: {sorted(rows)})"
            shown, rounding = _first_number(rows[label], kind)
            assert abs(shown - expected) <= rounding + 1e-9, f"{where} shows {rows[label]!r} for {key}={expected}"


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """vsm-classic (calendared teams, a quarter of the cases unfinished) run short, with its console output."""
    out = tmp_path_factory.mktemp("same") / "run"
    arguments = ["run", str(SCENARIOS_DIR / "vsm-classic.yaml"), "--replications", "3", "--horizon", "16w"]
    result = runner.invoke(app, [*arguments, "--warmup", "3w", "--workers", "1", "--out", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    return out, result.output


class TestRun:
    def test_shared_measures_are_equal(self, run_folder: tuple[Path, str]) -> None:
        out, output = run_folder
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]
        console, report = _console_rows(output), _report_rows(out / "report.html")
        _check_same(summary, console, report, SHARED)

    def test_counts_are_equal(self, run_folder: tuple[Path, str]) -> None:
        out, output = run_folder
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))["summary"]
        console, report = _console_rows(output), _report_rows(out / "report.html")
        label = "unfinished at the horizon (share)"
        for rows in (console, report):
            assert rows["completed cases"].replace(",", "") == str(summary["completed_cases"])
            assert rows[label].split(" ")[0].replace(",", "") == str(summary["unfinished_cases"])
        assert summary["unfinished_cases"] > 0  # the scenario leaves work open: the row is not a trivial 0


class TestMine:
    def test_shared_measures_are_equal_on_the_run_log(self, run_folder: tuple[Path, str], tmp_path: Path) -> None:
        out = tmp_path / "mined"
        result = runner.invoke(
            app, ["mine", str(run_folder[0] / "event_log.parquet"), "--no-conformance", "--out", str(out)], env=WIDE
        )
        assert result.exit_code == 0, result.output
        flow = json.loads((out / "summary.json").read_text(encoding="utf-8"))["flow"]
        _check_same(flow, _console_rows(result.output), _report_rows(out / "report.html"), SHARED)

    @pytest.mark.real_log
    def test_shared_measures_are_equal_on_a_real_log(self, tmp_path: Path) -> None:
        log = shared_log("helpdesk/finale.csv")
        out = tmp_path / "mined"
        result = runner.invoke(app, ["mine", str(log), "--no-conformance", "--out", str(out)], env=WIDE)
        assert result.exit_code == 0, result.output
        flow = json.loads((out / "summary.json").read_text(encoding="utf-8"))["flow"]
        labels = {label: spec for label, spec in SHARED.items() if "Kaplan" not in label}  # complete-only: no open
        _check_same(flow, _console_rows(result.output), _report_rows(out / "report.html"), labels)
