"""Does calibration generalise? The protocol of `calibration_protocol.py` on every real log in ../shared/data.

Each log is split by case start (the cases that ended before the moment 80% of its cases had started train the
model; those that started after it are held out), calibrated with flowlab's defaults, simulated for as many cases
as the held-out part from its first start with several seeds, and scored with the field's distances. Beside the
model's CTD stand the two points that frame it: replaying the train cases' own cycle times (a model that explains
the cycle times should come close) and two simulations of the model against each other (the noise floor). Nothing
here is tuned per log: the logs differ in size, in having start events, resources, or finished cases.

    python benchmarks/calibration_generalisation.py              # 3 seeds per log
    python benchmarks/calibration_generalisation.py --seeds 5 --only helpdesk production
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import pandas as pd
from calibration_protocol import CASE, calibrate_timed, mean_sd, model_network, score_model, split_by_case_start

from mining.log_distance import activity_instances
from mining.read import read_log

DATA = Path(os.environ.get("FLOWLAB_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
STATUS = ["concept:name", "lifecycle:transition"]
LOGS: dict[str, tuple[str, dict]] = {
    "helpdesk": ("helpdesk/helpdesk.xes.gz", {}),
    "bpic2013-incidents": ("bpic2013-incidents/07_bpic2013_incidents.xes.gz", {"classifier": STATUS}),
    "bpic2013-closed": ("bpic2013-closed-problems/06_bpic2013_closed.xes.gz", {"classifier": STATUS}),
    "bpic2013-open": ("bpic2013-open-problems/BPI_Challenge_2013_open_problems.xes.gz", {"classifier": STATUS}),
    "production": ("production-manufacturing/Production.csv", {"start_timestamp": "start_time"}),
    "bpic2012-w-two-ts": ("bpic2012-w-two-ts/BPI_Challenge_2012_W_Two_TS.xes.gz", {}),
    "roadtraffic-sample": ("roadtraffic-sample/roadtraffic100traces.xes", {}),
    "road-traffic-fines": ("road-traffic-fines/road_fine.xes.gz", {}),
}
"""Name → (file under ../shared/data, the read options `flowlab mine` would be given for it)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--share", type=float, default=0.8, help="share of the cases (by start) before the split")
    parser.add_argument("--only", nargs="*", choices=list(LOGS), help="these logs only")
    arguments = parser.parse_args()
    rows = []
    for name in arguments.only or list(LOGS):
        relative, options = LOGS[name]
        path = DATA / relative
        if not path.is_file():
            print(f"{name}: {path} not found, skipped")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the repairs each reader makes are the readers' tests' business
            log = read_log(path, **options)
        train, test = split_by_case_start(log, arguments.share)
        calibration, seconds = calibrate_timed(train, name=name)
        held_out = activity_instances(test)
        train_cases, test_cases = train[CASE].nunique(), held_out[CASE].nunique()
        print(f"{name}: {train_cases:,} train cases, {test_cases:,} held out; calibrated in {seconds:.1f} s")
        for note in calibration.notes:
            print(f"  note: {note}")
        began = time.perf_counter()
        network = model_network(calibration, held_out["start"].min())
        scores = score_model(network, held_out, activity_instances(train), arguments.seeds)
        table = scores.per_seed
        rows.append({
            "log": name, "train": train_cases, "test": test_cases, "calibrate_s": round(seconds, 1),
            "ctd_h": mean_sd(table["ctd_h"]), "replay_ctd_h": round(scores.replay_ctd_h, 1),
            "floor_ctd_h": round(scores.floor_ctd_h, 1), "red_h": mean_sd(table["red_h"]),
            "aed_h": mean_sd(table["aed_h"]), "car_h": mean_sd(table["car_h"]), "ngd2": mean_sd(table["ngd2"]),
            "open_at_cap": scores.unfinished, "simulate_s": round(time.perf_counter() - began, 1),
        })  # fmt: skip
    print()
    with pd.option_context("display.width", 250, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
    print("\nctd_h etc.: mean ± sd over the seeds; replay_ctd_h: the train cases' own cycle times against the held-out "
          "ones; floor_ctd_h: two simulations of the model against each other")  # fmt: skip


if __name__ == "__main__":
    main()
