"""One child process timed as the benchmarks time them: CPU seconds (user + system, every thread) and wall seconds.

The child runs with Python's bytecode cache on, as an installed package runs (pip compiles the `.pyc` files when it
installs): ``PYTHONDONTWRITEBYTECODE``, which some sandboxes set, is dropped from its environment, so after one
untimed run no module is compiled again. With it set, every run of an editable checkout compiles flowlab's own
modules anew (about 20 ms for `flowlab validate`, more for `flowlab run`), a cost a user's installation never pays.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ChildRun:
    """What one run of a command cost, and what it printed."""

    cpu_s: float
    wall_s: float
    stdout: str


def child_environment(checkout: Path | None = None) -> dict[str, str]:
    """This process's environment with the bytecode cache on (see the module docstring); with `checkout`, flowlab
    is imported from that folder."""
    environment = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    if checkout is not None:
        environment["PYTHONPATH"] = str(checkout)
    return environment


def run_child(command: list[str], *, cwd: Path | None = None, checkout: Path | None = None) -> ChildRun:
    """Run `command` and time it; with `checkout`, flowlab is imported from that folder. A failing command ends the
    benchmark with its stderr: a figure from a run that failed would be no figure."""
    environment = child_environment(checkout)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)[:300]} failed ({done.returncode}):\n{done.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return ChildRun(cpu, wall, done.stdout.strip())
