"""Screenshot an HTML report with headless Chromium, to look at what a reader sees.

Run: `python tools/screenshot_report.py REPORT.html OUT.png [--width 1400] [--height 3000]`.
Uses `/usr/bin/chromium` (or `chromium` / `chromium-browser` on PATH) with a fresh, throw-away profile.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str:
    """Path of a Chromium executable; raises FileNotFoundError naming the places looked at."""
    for candidate in CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    raise FileNotFoundError(f"no Chromium found (looked for {', '.join(CANDIDATES)}); "
                            "install it with: apt-get install -y chromium")


def take_screenshot(report: Path, out: Path, *, width: int = 1400, height: int = 3000) -> Path:
    """Render `report` in headless Chromium at width × height CSS pixels and write the PNG to `out`."""
    if not report.is_file():
        raise FileNotFoundError(f"{report}: no such report")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="flowlab-chromium-") as profile:
        command = [
            find_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--hide-scrollbars", f"--user-data-dir={profile}", f"--screenshot={out.resolve()}",
            f"--window-size={width},{height}", report.resolve().as_uri(),
        ]
        subprocess.run(command, check=True, capture_output=True, timeout=180)
    if not out.is_file():
        raise RuntimeError(f"Chromium ran but wrote no screenshot to {out}")
    return out


def main() -> None:
    """Parse the command line and take the screenshot."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    path = take_screenshot(args.report, args.out, width=args.width, height=args.height)
    sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
