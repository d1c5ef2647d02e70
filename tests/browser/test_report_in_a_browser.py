"""`report.html` of a run and of a mine, opened in a real browser (headless Chromium, as `.ci/run` installs it).

Each page must load every image (naturalWidth > 0), fetch nothing from the network (only the page's own file and
its embedded `data:` images), log no console error, and fit a 1280 px wide window without horizontal scrolling.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from browser_page import WINDOW_WIDTH, find_chromium, open_page

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(find_chromium() is None and os.environ.get("CI") != "true",
                       reason="no Chromium on PATH (apt-get install -y chromium; .ci/run installs it)"),
]


def _flowlab(*arguments: str) -> None:
    command = [sys.executable, "-m", "flowlab.cli", *arguments]
    finished = subprocess.run(command, check=False, capture_output=True, text=True, timeout=600)
    assert 0 == finished.returncode, finished.stdout[-2000:] + finished.stderr[-2000:]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A default `flowlab run`, and `flowlab mine` of the log it wrote."""
    folder = tmp_path_factory.mktemp("browser")
    _flowlab("run", "--out", str(folder / "run"))
    _flowlab("mine", str(folder / "run" / "event_log.parquet"), "--no-conformance", "--out", str(folder / "mine"))
    return {kind: folder / kind / "report.html" for kind in ("run", "mine")}


@pytest.mark.parametrize("kind", ["run", "mine"])
def test_report_reads_in_a_browser(reports: dict[str, Path], kind: str) -> None:
    assert find_chromium() is not None, "CI must have Chromium: .ci/run installs it (apt-get install -y chromium)"
    page = reports[kind]
    seen = open_page(page)
    assert [] == seen.errors
    fetched = [url for url in seen.requests if not url.startswith(("data:", page.resolve().as_uri()))]
    assert [] == fetched
    assert len(seen.images) >= 3  # the value stream map, the lead times and the DFG at least
    assert [] == [image for image in seen.images if not image["complete"] or image["naturalWidth"] <= 0]
    assert seen.client_width <= WINDOW_WIDTH
    assert seen.scroll_width <= WINDOW_WIDTH, f"the page scrolls sideways: {seen.scroll_width} px wide"


def test_the_checks_catch_a_bad_page(tmp_path: Path) -> None:
    """The browser check itself: a missing image, a fetch (to a closed port on this machine), a console error and a
    too wide element are all seen."""
    assert find_chromium() is not None, "CI must have Chromium: .ci/run installs it (apt-get install -y chromium)"
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img alt="gone" src="missing.png">'
                    '<img alt="remote" src="http://127.0.0.1:9/x.png">'
                    '<div style="width: 2000px">wide</div><script>console.error("broken")</script></body></html>',
                    encoding="utf-8")
    seen = open_page(page)
    assert "broken" in seen.errors
    assert "http://127.0.0.1:9/x.png" in seen.requests
    assert [0, 0] == [image["naturalWidth"] for image in seen.images]
    assert seen.scroll_width > WINDOW_WIDTH
