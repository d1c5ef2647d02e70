"""CPU time of the engine's simulate phase on `scenarios/it4it-e2e.yaml` over 208 weeks, and proof of same numbers.

The simulate phase is `sim.engine.simulate` for one replication (the SimPy run and the building of its `Recording`),
after the scenario is loaded; loading, the event log and the report are not counted. Each repetition runs in the
same process after one untimed warm-up run, and the median CPU seconds (`time.process_time`) are printed with the
number of event-log events per CPU second.

With `--ref PATH` (a git worktree of another commit, e.g. ``git worktree add /work/wt-cal-ref main``) the same
measurement runs on that tree too. Each tree is measured in its own subprocess whose PYTHONPATH puts the tree first,
and the two alternate (this tree, the reference, this tree, ...) so that a busy machine slows both alike; the ratio
reference ÷ this tree is printed (above 1: this tree is faster).

With `--instructions` (needs valgrind) each tree's simulate phase is also counted in machine instructions:
valgrind's cachegrind counts the instructions of a fresh process that loads the scenario, with and without one
simulate phase (no warm-up run), and the difference is printed. The count does not depend on what else the machine
is doing, so it stays comparable on a busy machine where CPU seconds do not.

With `--check` each tree also prints a SHA-256 of its recording's frames (visits, cases, queues, busy: the raw
float64 hours) and of the DESIGN.md event log built from it, and the run says whether the two trees agree byte for
byte (exit status 1 when they do not).

    python benchmarks/engine_speed.py                                   # this tree only
    python benchmarks/engine_speed.py --ref /work/wt-cal-ref --check    # before/after, side by side
    python benchmarks/engine_speed.py --ref /work/wt-cal-ref --instructions --rounds 1 --repeats 1
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TREE = HERE.parent
SCENARIO = TREE / "scenarios" / "it4it-e2e.yaml"
HOURS_PER_WEEK = 168.0


def frame_digest(frame: Any) -> str:
    """SHA-256 of a DataFrame's column names, dtypes and every value (pandas' per-row hashes, in row order)."""
    import pandas as pd

    digest = hashlib.sha256()
    digest.update(repr([(str(name), str(dtype)) for name, dtype in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def measure(scenario: Path, weeks: float, repeats: int, replication: int, check: bool) -> dict[str, Any]:
    """Inside a worker: time `repeats` simulate phases of the scenario; with `check`, digest the results too."""
    import sim
    from sim.engine import simulate
    from sim.event_log import build_event_log
    from sim.scenario import load_network

    network = load_network(scenario)
    network = dataclasses.replace(network, run=dataclasses.replace(network.run, horizon_h=weeks * HOURS_PER_WEEK))
    seed = network.run.seed
    recording = simulate(network, seed=seed, replication=replication)  # warm-up: imports, caches
    seconds = []
    for _ in range(repeats):
        began = time.process_time()
        recording = simulate(network, seed=seed, replication=replication)
        seconds.append(time.process_time() - began)
    log = build_event_log(recording, network.run.start, warmup_h=network.run.warmup_h)
    result: dict[str, Any] = {"tree": str(Path(sim.__file__).parent.parent), "seconds": seconds, "events": len(log)}
    if check:
        result["recording"] = {
            name: frame_digest(getattr(recording, name)) for name in ("visits", "cases", "queues", "busy")
        }
        result["event_log"] = frame_digest(log)
    return result


def count_once(scenario: Path, weeks: float, replication: int, simulate_it: bool) -> None:
    """Inside a worker run by valgrind: load the scenario and, with `simulate_it`, run one simulate phase."""
    from sim.engine import simulate
    from sim.scenario import load_network

    network = load_network(scenario)
    network = dataclasses.replace(network, run=dataclasses.replace(network.run, horizon_h=weeks * HOURS_PER_WEEK))
    if simulate_it:
        simulate(network, seed=network.run.seed, replication=replication)


def count_instructions(tree: Path, arguments: argparse.Namespace) -> int:
    """Instructions of one simulate phase of `tree`: cachegrind's count with the phase minus the count without."""
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind (e.g. apt-get install valgrind); it is not on PATH")
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    counts = []
    for phase in ("load", "simulate"):
        command = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null", sys.executable,
            str(Path(__file__).resolve()), "--worker", "--count", phase, "--weeks", str(arguments.weeks),
            "--replication", str(arguments.replication), "--scenario", str(arguments.scenario),
        ]  # fmt: skip
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or found is None:
            sys.exit(f"counting the instructions of {tree} ({phase}) failed:\n{done.stderr[-2000:]}")
        counts.append(int(found.group(1).replace(",", "")))
    return counts[1] - counts[0]


def run_worker(tree: Path, arguments: argparse.Namespace, repeats: int) -> dict[str, Any]:
    """Measure `tree` in a fresh interpreter whose PYTHONPATH puts the tree first."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    command = [
        sys.executable, str(Path(__file__).resolve()), "--worker", "--repeats", str(repeats),
        "--weeks", str(arguments.weeks), "--replication", str(arguments.replication), "--scenario",
        str(arguments.scenario),
    ]  # fmt: skip
    if arguments.check:
        command.append("--check")
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the measurement of {tree} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if Path(result["tree"]).resolve() != tree.resolve():
        sys.exit(f"the worker for {tree} imported sim from {result['tree']} (check the tree's layout)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", type=Path, help="a git worktree of the reference commit, measured side by side")
    parser.add_argument("--check", action="store_true", help="compare digests of the recording and the event log")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (one subprocess per tree each)")
    parser.add_argument("--repeats", type=int, default=3, help="timed simulate phases per subprocess")
    parser.add_argument("--weeks", type=float, default=208.0, help="horizon in weeks (default 208)")
    parser.add_argument("--replication", type=int, default=0, help="the replication number (its own random streams)")
    parser.add_argument("--scenario", type=Path, default=SCENARIO, help="the scenario file (default it4it-e2e)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--count", choices=("load", "simulate"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.rounds < 1 or arguments.repeats < 1:
        parser.error("--rounds and --repeats must be >= 1")
    if arguments.worker and arguments.count is not None:
        count_once(arguments.scenario, arguments.weeks, arguments.replication, arguments.count == "simulate")
        return
    if arguments.worker:
        result = measure(arguments.scenario, arguments.weeks, arguments.repeats, arguments.replication, arguments.check)
        print(json.dumps(result))
        return
    if arguments.ref is not None and not (arguments.ref / "sim" / "engine.py").is_file():
        parser.error(f"--ref {arguments.ref}: no sim/engine.py there (expected a worktree of flowlab)")

    trees = {"this tree": TREE} if arguments.ref is None else {"reference": arguments.ref, "this tree": TREE}
    seconds: dict[str, list[float]] = {name: [] for name in trees}
    last: dict[str, dict[str, Any]] = {}
    print(
        f"{arguments.scenario.name}, {arguments.weeks:g} weeks, replication {arguments.replication}: "
        f"{arguments.rounds} rounds x {arguments.repeats} simulate phases per tree"
    )
    for round_number in range(arguments.rounds):
        for name, tree in trees.items():
            result = run_worker(tree, arguments, arguments.repeats)
            seconds[name].extend(result["seconds"])
            last[name] = result
            print(f"  round {round_number + 1} {name}: " + ", ".join(f"{s:.3f}" for s in result["seconds"]) + " CPU-s")
    medians = {name: statistics.median(values) for name, values in seconds.items()}
    for name, tree in trees.items():
        events = last[name]["events"]
        print(
            f"{name} ({tree}): median {medians[name]:.3f} CPU-s, {events} events, "
            f"{events / medians[name]:,.0f} events/CPU-s"
        )
    if arguments.ref is not None:
        print(f"ratio reference / this tree: {medians['reference'] / medians['this tree']:.2f}x")
    if arguments.instructions:
        instructions = {name: count_instructions(tree, arguments) for name, tree in trees.items()}
        for name in trees:
            print(f"{name}: {instructions[name]:,} instructions in one simulate phase (valgrind)")
        if arguments.ref is not None:
            ratio = instructions["reference"] / instructions["this tree"]
            print(f"instruction ratio reference / this tree: {ratio:.2f}x")
    if arguments.check:
        for name in trees:
            print(f"{name}: event log sha256 {last[name]['event_log']}")
            for frame, digest in last[name]["recording"].items():
                print(f"{name}: recording.{frame} sha256 {digest}")
        if arguments.ref is not None:
            same_log = last["reference"]["event_log"] == last["this tree"]["event_log"]
            same_recording = last["reference"]["recording"] == last["this tree"]["recording"]
            print(f"event log identical: {same_log}; recording frames identical: {same_recording}")
            if not (same_log and same_recording):
                sys.exit(1)


if __name__ == "__main__":
    main()
