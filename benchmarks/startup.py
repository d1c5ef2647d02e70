"""Start-up cost of the command line: CPU time of `flowlab --help` and `flowlab validate FILE` beside
`python -c pass`, measured side by side in one run (best of N, user + system CPU of the child process).

The command is run the way its console script runs it (the entry point `flowlab.cli:main` of pyproject.toml, called
from `python -c`), so the figures hold for the checkout on PYTHONPATH even where an older install made the script.

Each command runs once untimed first, with Python's bytecode cache on as in an installed package (`child_process.py`
says why: some sandboxes set PYTHONDONTWRITEBYTECODE).

Targets (issue "Fast and pleasant"): both within 10x of `python -c pass`.

    python benchmarks/startup.py            # best of 5
    python benchmarks/startup.py --runs 10
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from child_process import run_child

SCENARIO = Path(__file__).resolve().parent.parent / "scenarios" / "operate.yaml"


def cpu_seconds(command: list[str], runs: int) -> float:
    """The least user + system CPU time of `runs` runs of `command`, after one untimed run that fills the bytecode
    cache (`child_process.run_child`)."""
    run_child(command)
    return min(run_child(command).cpu_s for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    flowlab = [sys.executable, "-c", "import sys; sys.argv[0] = 'flowlab'; from flowlab.cli import main; main()"]
    base = cpu_seconds([sys.executable, "-c", "pass"], runs)
    print(f"python -c pass: {base * 1000:.0f} ms CPU (best of {runs})")
    for arguments in (["--help"], ["validate", str(SCENARIO)]):
        seconds = cpu_seconds([*flowlab, *arguments], runs)
        shown = " ".join(["flowlab", arguments[0]])
        print(f"{shown:18} {seconds * 1000:6.0f} ms CPU = {seconds / base:5.1f}x python -c pass (target <= 10x)")


if __name__ == "__main__":
    main()
