"""Cost of a default `flowlab run` (the default scenario, its report included, into a temporary folder) beside
`python -c "import pandas, simpy, pyarrow.parquet, scipy.stats"`, measured side by side in one run: user + system
CPU of the child processes (the replications' worker processes included), the least of N repetitions, the two
commands taking turns so that a busy moment of the machine hits both.

Target (issue "Fast and pleasant"): the run within 3x of the imports.

    python benchmarks/run_cost.py               # least of 3
    python benchmarks/run_cost.py --runs 5
    python benchmarks/run_cost.py --no-report   # the run without its report, for comparison
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

IMPORTS = "import pandas, simpy, pyarrow.parquet, scipy.stats"


def cpu_seconds(command: list[str], cwd: Path) -> float:
    """User + system CPU time of one run of `command` and every process it waited for (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    completed = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if completed.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stderr.decode(errors='replace')}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each command (the least is shown)")
    parser.add_argument("--no-report", action="store_true", help="pass --no-report to flowlab run")
    options = parser.parse_args()
    flowlab = shutil.which("flowlab") or sys.exit("the flowlab command is not installed (pip install -e .)")
    base_times: list[float] = []
    run_times: list[float] = []
    with tempfile.TemporaryDirectory() as temporary:
        place = Path(temporary)
        run = [flowlab, "run", "--out", str(place / "run")] + (["--no-report"] if options.no_report else [])
        for _ in range(options.runs):
            base_times.append(cpu_seconds([sys.executable, "-c", IMPORTS], place))
            run_times.append(cpu_seconds(run, place))
    base, cost = min(base_times), min(run_times)
    print(f"python -c {IMPORTS!r}: {base:6.2f} CPU-s (least of {options.runs}: "
          f"{', '.join(f'{value:.2f}' for value in base_times)})")
    print(f"{' '.join(['flowlab', *run[1:2], *run[4:]]):>63}: {cost:6.2f} CPU-s (least of {options.runs}: "
          f"{', '.join(f'{value:.2f}' for value in run_times)})")
    print(f"ratio: {cost / base:.2f}x the imports (target <= 3x)")


if __name__ == "__main__":
    main()
