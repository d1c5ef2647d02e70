"""Open a page in headless Chromium and report what a reader's browser sees, over the DevTools protocol.

Chromium is started with `--remote-debugging-pipe`: the protocol's JSON messages (each ended by a NUL byte) go over
file descriptors 3 (to the browser) and 4 (from it), so no web-socket library and no port are needed. The page is
opened in a 1280 × 900 window; every request it makes, every console error and uncaught exception is recorded, and
after the load event a script reports each image's natural width and the document's scroll width.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
WINDOW_WIDTH = 1280
_PAGE_FACTS = """JSON.stringify({
  images: Array.from(document.images).map(image => ({alt: image.alt, complete: image.complete,
                                                    naturalWidth: image.naturalWidth})),
  scrollWidth: document.documentElement.scrollWidth,
  clientWidth: document.documentElement.clientWidth,
})"""


def find_chromium() -> str | None:
    """Path of a Chromium executable on PATH, or None."""
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass
class PageReport:
    """What the browser saw while opening one page."""

    requests: list[str] = field(default_factory=list)
    """URL of every request the page made (the page itself included)."""
    errors: list[str] = field(default_factory=list)
    """Console errors, log entries of level error and uncaught exceptions."""
    images: list[dict[str, Any]] = field(default_factory=list)
    scroll_width: int = 0
    client_width: int = 0


class _Pipe:
    """The DevTools protocol over Chromium's debugging pipe: numbered commands, events kept as they arrive."""

    def __init__(self, to_browser: int, from_browser: int, deadline: float) -> None:
        self._out, self._in, self._deadline = to_browser, from_browser, deadline
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._in], [], [], remaining)
            if ready:
                chunk = os.read(self._in, 1 << 16)
                if not chunk:
                    raise ConnectionError("Chromium closed its debugging pipe")
                self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(message)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict[str, Any]:
        """Send a command and return its result; events arriving meanwhile are kept in `events`."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        while True:
            answer = self._read_message()
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise RuntimeError(f"{method}: {answer['error']}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for(self, method: str) -> None:
        """Read messages until an event named `method` has arrived."""
        while not any(event.get("method") == method for event in self.events):
            self.events.append(self._read_message())


def open_page(page: Path, *, timeout_s: float = 120.0) -> PageReport:
    """Open `page` (a local file) in headless Chromium at `WINDOW_WIDTH` px and report what happened."""
    chromium = find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium on PATH")
    to_browser_read, to_browser_write = os.pipe()
    from_browser_read, from_browser_write = os.pipe()

    def connect_pipes() -> None:  # runs in the child: the protocol expects fds 3 and 4 (copied high first, so
        # neither end overwrites the other whatever numbers the pipes got)
        reading, writing = (fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_read, from_browser_write))
        os.dup2(reading, 3)
        os.dup2(writing, 4)

    with tempfile.TemporaryDirectory(prefix="flowlab-browser-test-") as profile:
        process = subprocess.Popen(
            [chromium, "--headless", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-default-apps", "--disable-extensions", f"--user-data-dir={profile}",
             f"--window-size={WINDOW_WIDTH},900", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=connect_pipes, close_fds=False,  # noqa: PLW1509 - preexec only moves two fds
        )
        os.close(to_browser_read)
        os.close(from_browser_write)
        try:
            pipe = _Pipe(to_browser_write, from_browser_read, time.monotonic() + timeout_s)
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Network", "Runtime", "Log"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send("Emulation.setDeviceMetricsOverride",
                      {"width": WINDOW_WIDTH, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
            pipe.send("Page.navigate", {"url": page.resolve().as_uri()}, session)
            pipe.wait_for("Page.loadEventFired")
            facts = json.loads(pipe.send("Runtime.evaluate", {"expression": _PAGE_FACTS, "returnByValue": True},
                                         session)["result"]["value"])
            report = PageReport(images=facts["images"], scroll_width=int(facts["scrollWidth"]),
                                client_width=int(facts["clientWidth"]))
            for event in pipe.events:
                method, params = event.get("method"), event.get("params", {})
                if method == "Network.requestWillBeSent":
                    report.requests.append(str(params["request"]["url"]))
                elif method == "Runtime.exceptionThrown":
                    report.errors.append(str(params["exceptionDetails"].get("text")))
                elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                    report.errors.append(" ".join(str(arg.get("value", arg.get("description")))
                                                  for arg in params.get("args", [])))
                elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                    report.errors.append(str(params["entry"].get("text")))
            with contextlib.suppress(ConnectionError, TimeoutError):
                pipe.send("Browser.close")
            return report
        finally:
            os.close(to_browser_write)
            os.close(from_browser_read)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
