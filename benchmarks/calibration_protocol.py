"""The protocol by which the field scores a discovered simulation model, shared by the calibration benchmarks.

Calibrate on a log's earlier cases only, simulate as many cases as its later (held-out) cases from their first
start, and measure the simulated log against the held-out one with the distances Simod publishes
(`mining.log_distance`: CTD, RED, AED, CAR, NGD2, and CFLD on request), over several seeds. Two reference points
frame a model's CTD: replaying the earlier cases' own cycle times (what a model that explains its cycle times
should reach), and two simulations of the model against each other (the noise floor at that case count).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from flowlab.scenario_yaml import dump_scenario
from mining.calibrate import Calibration, calibrate_log
from mining.log_distance import activity_instances, cycle_time_distance, log_distances
from sim.engine import simulate
from sim.event_log import build_event_log
from sim.network import Network
from sim.replications import with_run_settings
from sim.scenario import load_network

CASE = "case:concept:name"
RUN_CAP_H = 5 * 52 * 168.0
"""The horizon that caps a run of a number of cases: long enough for every case to arrive and finish."""


def split_by_case_start(log: pd.DataFrame, share: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A temporal split as the published ones are made: the cases that ended before the moment by which `share` of
    the cases had started (train), and the cases that started at or after it (test); cases running across that
    moment are in neither."""
    times = log.groupby(CASE, observed=True)["time:timestamp"].agg(["min", "max"])
    cutoff = times["min"].quantile(share)
    train = times.index[times["max"] < cutoff]
    test = times.index[times["min"] >= cutoff]
    case = log[CASE]
    return log.loc[case.isin(train)].reset_index(drop=True), log.loc[case.isin(test)].reset_index(drop=True)


def model_network(calibration: Calibration, start: pd.Timestamp) -> Network:
    """The calibrated scenario as `flowlab run` reads it (written and loaded: what a user would run), from `start`."""
    text = dump_scenario(calibration.scenario, calibration.comments)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        return load_network(path, start=pd.Timestamp(start).to_pydatetime())


def simulate_cases(network: Network, cases: int, seed: int) -> tuple[pd.DataFrame, int]:
    """Activity instances of `cases` simulated cases from the network's start (the run ends when all are done), and
    how many were still open at the cap (left out)."""
    settled = with_run_settings(network, seed=seed, max_cases=cases, replications=1, warmup_h=0.0, horizon_h=RUN_CAP_H)
    recording = simulate(settled, seed=seed, replication=0)
    unfinished = int(recording.cases["complete_h"].isna().sum())
    return activity_instances(build_event_log(recording, settled.run.start)), unfinished


@dataclass
class Scores:
    """One model scored on one held-out log."""

    per_seed: pd.DataFrame
    """One row per seed: the distances (`mining.log_distance.LogDistances.to_dict`)."""
    replay_ctd_h: float
    """CTD of the train cases' own cycle times against the held-out ones."""
    floor_ctd_h: float
    """CTD of two simulations of the model (seeds 1 and 2) against each other."""
    unfinished: int
    """Simulated cases still open at the cap, over all seeds."""
    seconds: float
    """Simulating and scoring, all seeds."""


def score_model(network: Network, test: pd.DataFrame, train: pd.DataFrame, seeds: int, *, cfld: bool = False,
                progress: bool = True) -> Scores:  # fmt: skip
    """Simulate as many cases as `test` (activity instances) holds, `seeds` times, and score each against it."""
    began = time.perf_counter()
    cases = test[CASE].nunique()
    rows, simulated, unfinished = [], [], 0
    for seed in range(1, seeds + 1):
        clock = time.perf_counter()
        instances, still_open = simulate_cases(network, cases, seed)
        unfinished += still_open
        simulated.append(instances)
        rows.append(log_distances(test, instances, cfld=cfld).to_dict())
        if progress:
            print(f"  seed {seed}: {time.perf_counter() - clock:.1f} s, "
                  + ", ".join(f"{key} {value:.3f}" for key, value in rows[-1].items() if value is not None)
                  + (f" ({still_open} cases still open at the cap, left out)" if still_open else ""))  # fmt: skip
    floor = cycle_time_distance(simulated[0], simulated[1]) if len(simulated) > 1 else float("nan")
    return Scores(pd.DataFrame(rows), cycle_time_distance(train, test), floor, unfinished,
                  time.perf_counter() - began)  # fmt: skip


def mean_sd(values: pd.Series) -> str:
    """'mean ± sd' of the non-missing values (sd with one degree of freedom less)."""
    array = values.dropna().to_numpy(dtype=float)
    if not len(array):
        return "n/a"
    sd = float(np.std(array, ddof=1)) if len(array) > 1 else float("nan")
    return f"{array.mean():.3f} ± {sd:.3f}"


def calibrate_timed(train: pd.DataFrame, **options: object) -> tuple[Calibration, float]:
    """`calibrate_log` on `train` and the seconds it took."""
    began = time.perf_counter()
    calibration = calibrate_log(train, **options)  # type: ignore[arg-type]
    return calibration, time.perf_counter() - began
