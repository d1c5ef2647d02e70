"""Reading a 1M-event Parquet log and computing every case's lead time, end to end, flowlab beside pandas + pm4py.

Each side is a whole fresh process (its imports included, as a person running a script pays them), timed in CPU
seconds (user + system of the child), the two sides taking turns; the least of the rounds is kept. Issue 11's target:
flowlab at least 2x faster than pandas + pm4py.

    python benchmarks/read_speed.py              # 100,000 cases, 1,000,000 events, 5 rounds
    python benchmarks/read_speed.py --cases 20000 --rounds 3
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from child_process import run_child
from mining_speed import build_log

CHECKOUT = Path(__file__).resolve().parent.parent
SIDES = {
    "flowlab (read_log + compute_lead_times)": (
        "import warnings; warnings.simplefilter('ignore')\n"
        "from mining.read import read_log\n"
        "from mining.stage_times import compute_lead_times\n"
        "lead = compute_lead_times(read_log({path!r}))\n"
        "assert len(lead) == {cases}\n"
    ),
    "pandas + pm4py (read_parquet + get_all_case_durations)": (
        "import warnings; warnings.simplefilter('ignore')\n"
        "import pandas as pd, pm4py\n"
        "lead = pm4py.get_all_case_durations(pd.read_parquet({path!r}))\n"
        "assert len(lead) == {cases}\n"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "log.parquet"
        log = build_log(arguments.cases)
        log.to_parquet(path, index=False)
        print(f"{len(log):,} events, {arguments.cases:,} cases, {path.stat().st_size / 1e6:.1f} MB Parquet; "
              f"{arguments.rounds} rounds, sides taking turns, least CPU kept")
        times: dict[str, list[float]] = {name: [] for name in SIDES}
        for _ in range(arguments.rounds):
            for name, code in SIDES.items():
                code_run = [sys.executable, "-c", code.format(path=str(path), cases=arguments.cases)]
                times[name].append(run_child(code_run, checkout=CHECKOUT).cpu_s)
    (ours, theirs) = (min(values) for values in times.values())
    for name, values in times.items():
        print(f"  {name:58} {min(values):5.2f} CPU-s  (rounds: {', '.join(f'{v:.2f}' for v in values)})")
    print(f"pandas + pm4py / flowlab = {theirs / ours:.2f}x (target >= 2x)")


if __name__ == "__main__":
    main()
