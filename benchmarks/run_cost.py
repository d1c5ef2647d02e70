"""Cost of a default `flowlab run` (the default scenario, its report included, into a temporary folder) beside
`python -c "import pandas, simpy, pyarrow.parquet, scipy.stats"`, measured side by side in one run: user + system
CPU of the child processes (the replications' worker processes included), the least of N repetitions, the commands
taking turns so that a busy moment of the machine hits each of them.

Each checkout's run goes once untimed first, with Python's bytecode cache on as in an installed package
(`child_process.py` says why).

Target (issue "Fast and pleasant"): the run within 3x of the imports.

    python benchmarks/run_cost.py                       # least of 3
    python benchmarks/run_cost.py --runs 5
    python benchmarks/run_cost.py --no-report           # the run without its report, for comparison
    python benchmarks/run_cost.py --against /work/main  # also the same run of another checkout (before / after)
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from child_process import run_child

IMPORTS = "import pandas, simpy, pyarrow.parquet, scipy.stats"
CHECKOUT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="repetitions of each command (the least is shown)")
    parser.add_argument("--no-report", action="store_true", help="pass --no-report to flowlab run")
    parser.add_argument("--against", type=Path, help="another flowlab checkout to measure beside this one")
    options = parser.parse_args()
    flowlab = [sys.executable, "-m", "flowlab.cli", "run"]
    extra = ["--no-report"] if options.no_report else []
    checkouts = {"this checkout": CHECKOUT}
    if options.against is not None:
        checkouts[f"{options.against}"] = options.against.resolve()
    times: dict[str, list[float]] = {"imports": [], **{name: [] for name in checkouts}}
    with tempfile.TemporaryDirectory() as temporary:
        place = Path(temporary)
        for checkout in checkouts.values():  # untimed: fills the bytecode cache (child_process.child_environment)
            run_child([*flowlab, "--out", str(place / "warm-up"), *extra], cwd=place, checkout=checkout)
            shutil.rmtree(place / "warm-up")
        for _ in range(options.runs):
            times["imports"].append(run_child([sys.executable, "-c", IMPORTS], cwd=place).cpu_s)
            for name, checkout in checkouts.items():
                out = place / "run"
                command = [*flowlab, "--out", str(out), *extra]
                times[name].append(run_child(command, cwd=place, checkout=checkout).cpu_s)
    base = min(times["imports"])

    def shown(values: list[float]) -> str:
        return f"{min(values):6.2f} CPU-s (least of {options.runs}: {', '.join(f'{value:.2f}' for value in values)})"

    print(f"python -c {IMPORTS!r}: {shown(times['imports'])}")
    for name in checkouts:
        cost = min(times[name])
        print(f"flowlab run {' '.join(extra)} ({name}): {shown(times[name])} = {cost / base:.2f}x the imports "
              "(target <= 3x)")


if __name__ == "__main__":
    main()
