"""Write the reference figures `tests/mining/test_log_distance.py` checks flowlab's log distances against.

Run it in an environment that has the `log-distance-measures` package (2.2; it pins pandas below 3, so not flowlab's
own environment), e.g.::

    python3 -m venv /tmp/ldm && /tmp/ldm/bin/pip install log-distance-measures==2.2.0
    /tmp/ldm/bin/python tools/make_log_distance_fixtures.py                 # synthetic pairs → tests/data/log_distance
    /tmp/ldm/bin/python tools/make_log_distance_fixtures.py --bpic ../shared/data/calibration

The synthetic pairs are drawn here (seeded) and written beside their figures; with `--bpic` it also scores the public
BPIC 2012 W train split against its test split and stores only the figures (the logs stay in ../shared/data).
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from log_distance_measures.absolute_event_distribution import absolute_event_distribution_distance
from log_distance_measures.case_arrival_distribution import case_arrival_distribution_distance
from log_distance_measures.config import AbsoluteTimestampType, EventLogIDs, discretize_to_hour
from log_distance_measures.control_flow_log_distance import control_flow_log_distance
from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
from log_distance_measures.n_gram_distribution import n_gram_distribution_distance
from log_distance_measures.relative_event_distribution import relative_event_distribution_distance

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "log_distance"
IDS = EventLogIDs(case="case_id", activity="activity", start_time="start_time", end_time="end_time",
                  resource="resource")  # fmt: skip
ACTIVITIES = list("ABCDEFG")


def synthetic(seed: int, cases: int, activities: int, spread_h: float) -> pd.DataFrame:
    """Random cases of 1–8 activity instances, with gaps and overlaps, times to the microsecond (no exact ties)."""
    rng = np.random.default_rng(seed)
    origin = pd.Timestamp("2024-03-04 07:13:00", tz="UTC")
    rows = []
    for case in range(cases):
        clock = origin + pd.Timedelta(hours=float(rng.uniform(0, spread_h)))
        for _ in range(int(rng.integers(1, 9))):
            clock += pd.Timedelta(hours=float(rng.exponential(3.0)))
            end = clock + pd.Timedelta(hours=float(rng.lognormal(0.0, 1.0)))
            rows.append((f"c{case}", ACTIVITIES[int(rng.integers(0, activities))], clock.round("us"), end.round("us"),
                         f"r{int(rng.integers(0, 5))}"))  # fmt: skip
            if rng.random() < 0.7:
                clock = end
    return pd.DataFrame(rows, columns=["case_id", "activity", "start_time", "end_time", "resource"])


def figures(a: pd.DataFrame, b: pd.DataFrame, *, cfld: bool = True) -> dict[str, float]:
    both = AbsoluteTimestampType.BOTH
    out = {
        "ctd_h": cycle_time_distribution_distance(a, IDS, b, IDS, bin_size=timedelta(hours=1)),
        "red_h": relative_event_distribution_distance(a, IDS, b, IDS, both, discretize_to_hour),
        "aed_h": absolute_event_distribution_distance(a, IDS, b, IDS, both, discretize_to_hour),
        "car_h": case_arrival_distribution_distance(a, IDS, b, IDS),
        "ngd2": n_gram_distribution_distance(a, IDS, b, IDS, n=2),
    }
    if cfld:
        out["cfld"] = control_flow_log_distance(a, IDS, b, IDS, False)
    return {key: float(value) for key, value in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bpic", type=Path, help="folder holding BPIC_2012_W_train.csv.gz and _test.csv.gz")
    arguments = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    expected = {}
    pairs = {"small": (1, 2, 12, 9, 4, 48.0), "wide": (3, 4, 60, 45, 7, 400.0), "one-activity": (5, 6, 20, 25, 1, 30.0)}
    for name, (seed_a, seed_b, cases_a, cases_b, activities, spread) in pairs.items():
        a, b = synthetic(seed_a, cases_a, activities, spread), synthetic(seed_b, cases_b, activities, spread * 1.3)
        a.to_csv(OUT / f"{name}_a.csv", index=False)
        b.to_csv(OUT / f"{name}_b.csv", index=False)
        expected[name] = figures(a, b)
    if arguments.bpic is not None:
        read = {side: pd.read_csv(arguments.bpic / f"BPIC_2012_W_{side}.csv.gz") for side in ("train", "test")}
        for frame in read.values():
            for column in ("start_time", "end_time"):
                frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        expected["bpic2012w_test_vs_train"] = figures(read["test"], read["train"], cfld=False)
    (OUT / "expected.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(expected, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
