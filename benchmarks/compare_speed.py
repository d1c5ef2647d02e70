"""How long `compare_logs` takes on two 10,000-case logs (the target is under 10 s on a laptop core).

Run: `python benchmarks/compare_speed.py [--cases N]`; prints the log sizes and the wall time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from mining.compare import compare_logs

STAGES = [f"stage {index:02d}" for index in range(12)]


def build_log(cases: int, seed: int, rework: float = 0.1) -> pd.DataFrame:
    """A start/complete log of `cases` items through `STAGES` in order, with exponential waits and rework loops."""
    rng = np.random.default_rng(seed)
    n_stages = len(STAGES)
    # each case visits every stage; some visit a stage twice (rework right after the first visit)
    stage_index = np.tile(np.arange(n_stages), cases)
    case_index = np.repeat(np.arange(cases), n_stages)
    repeat = rng.random(len(stage_index)) < rework
    stage_index = np.concatenate([stage_index, stage_index[repeat]])
    case_index = np.concatenate([case_index, case_index[repeat]])
    order = np.lexsort((stage_index, case_index))
    stage_index, case_index = stage_index[order], case_index[order]
    wait_h = rng.exponential(2.0 + stage_index, size=len(stage_index))
    work_h = rng.lognormal(np.log(0.5 + 0.1 * stage_index), 0.5)
    arrival_h = np.cumsum(rng.exponential(0.5, size=cases))
    elapsed = wait_h + work_h
    cumulative = np.cumsum(elapsed)
    first = np.r_[True, case_index[1:] != case_index[:-1]]
    case_start = np.maximum.accumulate(np.where(first, np.arange(len(first)), 0))
    before = cumulative - elapsed - (cumulative - elapsed)[case_start]
    start_h = arrival_h[case_index] + before + wait_h
    complete_h = start_h + work_h
    origin = pd.Timestamp("2024-01-01", tz="UTC")
    n = len(stage_index)
    frame = pd.DataFrame(
        {
            "case:concept:name": np.tile(np.char.add("case-", case_index.astype(str)), 2),
            "concept:name": np.tile(np.array(STAGES)[stage_index], 2),
            "lifecycle:transition": np.repeat(["start", "complete"], n),
            "time:timestamp": origin + pd.to_timedelta(np.concatenate([start_h, complete_h]), unit="h"),
            "org:resource": np.tile(np.char.add("team-", (stage_index % 4).astype(str)), 2),
            "case:arrival": origin + pd.to_timedelta(np.tile(arrival_h[case_index], 2), unit="h"),
        }
    )
    return frame.sort_values(["time:timestamp"], kind="stable").reset_index(drop=True)


def main() -> None:
    """Build two logs from the same process with different seeds and time `compare_logs` on them."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=10_000)
    args = parser.parse_args()
    log_a = build_log(args.cases, seed=1)
    log_b = build_log(args.cases, seed=2)
    began = time.perf_counter()
    comparison = compare_logs(log_a, log_b)
    elapsed = time.perf_counter() - began
    print(f"{args.cases} cases each, {len(log_a)} and {len(log_b)} events")
    print(f"compare_logs: {elapsed:.2f} s")
    print(f"wasserstein (relative) {comparison.lead_time.wasserstein_relative:.4f}, "
          f"KS {comparison.lead_time.ks_statistic:.4f}, DFG distance {comparison.control_flow.dfg_distance:.4f}, "
          f"variant overlap {comparison.control_flow.variant_overlap:.4f}")


if __name__ == "__main__":
    main()
