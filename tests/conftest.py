"""Shared test fixtures: where the real public event logs are, and a count of the real-log tests that ran."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
TEST_DATA_DIR = Path(__file__).resolve().parent / "data"
# The real logs live beside the checkout (../shared/data); FLOWLAB_SHARED_DATA points elsewhere if needed.
SHARED_DATA_DIR = Path(os.environ.get("FLOWLAB_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

_real_log_outcomes: dict[str, int] = {"passed": 0, "failed": 0, "skipped": 0}


def shared_log(relative: str) -> Path:
    """Path of a real log under ../shared/data; skips the calling test cleanly when the folder is absent."""
    path = SHARED_DATA_DIR / relative
    if not path.exists():
        pytest.skip(f"real log {relative} not found under {SHARED_DATA_DIR}")
    return path


@pytest.fixture
def shared_data_dir() -> Path:
    """The folder of real public event logs; skips when it is absent."""
    if not SHARED_DATA_DIR.is_dir():
        pytest.skip(f"{SHARED_DATA_DIR} is absent")
    return SHARED_DATA_DIR


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count outcomes of tests marked `real_log` so the session can say how many really ran."""
    if "real_log" not in report.keywords:
        return
    if report.skipped and report.when in ("setup", "call"):
        _real_log_outcomes["skipped"] += 1
    elif report.when == "call":
        _real_log_outcomes["passed" if report.passed else "failed"] += 1
    elif report.failed:  # an error in setup or teardown
        _real_log_outcomes["failed"] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the count of real-log tests that ran (CI has ../shared/data, so there they must run)."""
    counts = _real_log_outcomes
    terminalreporter.write_line(
        f"real-log tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped "
        f"(data folder: {SHARED_DATA_DIR}, present: {SHARED_DATA_DIR.is_dir()})"
    )
