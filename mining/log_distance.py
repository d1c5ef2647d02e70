"""How far apart two event logs are, in the measures simulation-model discovery publishes (Simod and its peers):
cycle-time distribution distance (CTD), relative and absolute event distribution distances (RED, AED), case arrival
distance (CAR), n-gram distance (NGD) and control-flow log distance (CFLD).

The definitions are those of the `log-distance-measures` package (2.2) with its default settings, computed here on
numpy and scipy (`scipy.stats.wasserstein_distance`, `scipy.optimize.linear_sum_assignment`) and rapidfuzz
(Damerau–Levenshtein) rather than through it, because that package pins pandas below 3; tests check the figures
against values it produced (`tests/data/log_distance/`). Each log is a table of activity instances: case, activity,
start and end (UTC); `activity_instances` turns a flowlab event log into one.

- **CTD** (hours): Wasserstein distance between the cases' cycle times (last end − first start), in whole hours
  above the shortest cycle time of both logs;
- **RED** (hours): the same between every start and end, in whole hours after its case's first start;
- **AED** (hours): the same between every start and end, in whole hours after the first hour of both logs;
- **CAR** (hours): the same between the cases' first starts, in whole hours after the first hour of both logs;
- **NGD** (0–1): the sum of absolute differences of the n-gram counts of the activity sequences (cases padded with
  n − 1 start and end marks), divided by the number of n-grams of both logs;
- **CFLD** (0–1): the mean normalised Damerau–Levenshtein distance between the cases' activity sequences, paired one
  to one so that the sum is least (quadratic in the number of cases).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.stats import wasserstein_distance

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY, CASE
from mining.stage_times import compute_stage_times

__all__ = [
    "LogDistances",
    "absolute_event_distance",
    "activity_instances",
    "case_arrival_distance",
    "control_flow_log_distance",
    "cycle_time_distance",
    "instances_from_stage_times",
    "log_distances",
    "n_gram_distance",
    "relative_event_distance",
]

START, END = "start", "end"
_NS_PER_HOUR = 3_600_000_000_000


def activity_instances(log: pd.DataFrame) -> pd.DataFrame:
    """A flowlab event log as activity instances: case, activity, start, end (one row per completed stage visit; a
    visit without a start event is an instant at its completion, as the field scores complete-only logs)."""
    return instances_from_stage_times(compute_stage_times(log))


def instances_from_stage_times(stage_times: pd.DataFrame) -> pd.DataFrame:
    """The activity instances of a `compute_stage_times` table: its observed start (a visit whose start was only
    estimated, or not known at all, starts at its completion) and its completion."""
    complete = stage_times["complete"]
    observed = stage_times["start"].notna()
    if "estimated" in stage_times.columns:
        observed &= ~stage_times["estimated"].astype(bool)
    return pd.DataFrame(
        {
            CASE: stage_times[CASE].astype("str").to_numpy(),
            ACTIVITY: stage_times[ACTIVITY].astype("str").to_numpy(),
            START: stage_times["start"].where(observed, complete).to_numpy(),
            END: complete.to_numpy(),
        }
    )


def _case_codes(instances: pd.DataFrame) -> tuple[np.ndarray, int]:
    codes, names = pd.factorize(instances[CASE], sort=False)
    return codes, len(names)


def _case_first_start(instances: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per instance its case code; per case its first start (ns)."""
    codes, n = _case_codes(instances)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, codes, timestamps_ns(instances[START]))
    return codes, first


def _floor_hour(ns: np.ndarray) -> int:
    return int(ns.min() // _NS_PER_HOUR * _NS_PER_HOUR)


def cycle_time_distance(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """CTD: Wasserstein distance of the cycle times in 1-hour bins (hours)."""
    cycles = []
    for instances in (a, b):
        codes, first = _case_first_start(instances)
        last = np.full(len(first), np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(last, codes, timestamps_ns(instances[END]))
        cycles.append(last - first)
    shortest = min(int(cycle.min()) for cycle in cycles)
    return float(wasserstein_distance(*((cycle - shortest) // _NS_PER_HOUR for cycle in cycles)))


def relative_event_distance(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """RED: Wasserstein distance of every start and end, in whole hours after its case's first start (hours)."""
    bins = []
    for instances in (a, b):
        codes, first = _case_first_start(instances)
        moments = np.concatenate([timestamps_ns(instances[START]), timestamps_ns(instances[END])])
        bins.append((moments - np.concatenate([first[codes], first[codes]])) // _NS_PER_HOUR)
    return float(wasserstein_distance(*bins))


def absolute_event_distance(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """AED: Wasserstein distance of every start and end, in whole hours after the first hour of both logs (hours)."""
    moments = [np.concatenate([timestamps_ns(instances[START]), timestamps_ns(instances[END])]) for instances in (a, b)]
    origin = _floor_hour(np.concatenate([timestamps_ns(a[START]), timestamps_ns(b[START])]))
    return float(wasserstein_distance(*((moment - origin) // _NS_PER_HOUR for moment in moments)))


def case_arrival_distance(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """CAR: Wasserstein distance of the cases' first starts, in whole hours after the first hour of both (hours)."""
    arrivals = [_case_first_start(instances)[1] for instances in (a, b)]
    origin = _floor_hour(np.concatenate(arrivals))
    return float(wasserstein_distance(*((arrival - origin) // _NS_PER_HOUR for arrival in arrivals)))


def _sequences(instances: pd.DataFrame, codes_of: dict[str, int]) -> list[np.ndarray]:
    """Each case's activities (as codes ≥ 1) in order of start, then end."""
    ordered = instances.assign(_start=timestamps_ns(instances[START]), _end=timestamps_ns(instances[END]))
    ordered = ordered.sort_values([CASE, "_start", "_end"], kind="stable")
    activity = ordered[ACTIVITY].astype("str").map(codes_of).to_numpy(dtype=np.int64)
    case = ordered[CASE].astype("str").to_numpy()
    if not len(case):
        return []
    first = np.flatnonzero(np.concatenate([[True], case[1:] != case[:-1]]))
    return np.split(activity, first[1:])


def _activity_codes(a: pd.DataFrame, b: pd.DataFrame) -> dict[str, int]:
    names = pd.unique(pd.concat([a[ACTIVITY], b[ACTIVITY]]).astype("str"))
    return {name: code for code, name in enumerate(names, start=1)}  # 0 marks a case's start and end


def n_gram_distance(a: pd.DataFrame, b: pd.DataFrame, n: int = 2) -> float:
    """NGD: the n-gram counts' sum of absolute differences over their total, 0 (same) to 1 (nothing shared)."""
    if n < 1:
        raise ValueError(f"n-grams need n >= 1 (got {n})")
    codes_of = _activity_codes(a, b)
    base = len(codes_of) + 1
    counts = []
    for instances in (a, b):
        grams = []
        for sequence in _sequences(instances, codes_of):
            padded = np.concatenate([np.zeros(n - 1, dtype=np.int64), sequence, np.zeros(n - 1, dtype=np.int64)])
            windows = np.lib.stride_tricks.sliding_window_view(padded, n)
            grams.append(windows @ (base ** np.arange(n - 1, -1, -1, dtype=np.int64)))
        counts.append(pd.Series(np.concatenate(grams) if grams else np.empty(0, dtype=np.int64)).value_counts())
    joined = pd.concat(counts, axis=1).fillna(0.0).to_numpy()
    total = joined.sum()
    return float(np.abs(joined[:, 0] - joined[:, 1]).sum() / total) if total else 0.0


def control_flow_log_distance(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """CFLD: mean normalised Damerau–Levenshtein distance of the cases' activity sequences, optimally paired."""
    from rapidfuzz.distance import DamerauLevenshtein
    from rapidfuzz.process import cdist

    codes_of = _activity_codes(a, b)
    first = [sequence.tolist() for sequence in _sequences(a, codes_of)]
    second = [sequence.tolist() for sequence in _sequences(b, codes_of)]
    cost = cdist(first, second, scorer=DamerauLevenshtein.normalized_distance, dtype=np.float64, workers=-1)
    rows, columns = linear_sum_assignment(cost)
    return float(cost[rows, columns].mean())


@dataclass(frozen=True, slots=True)
class LogDistances:
    """The distances between two logs (hours for the time measures; NGD and CFLD in 0–1, None when not computed)."""

    ctd_h: float
    red_h: float
    aed_h: float
    car_h: float
    ngd2: float
    cfld: float | None

    def to_dict(self) -> dict[str, float | None]:
        """The measures by name."""
        return asdict(self)


def log_distances(a: pd.DataFrame, b: pd.DataFrame, *, cfld: bool = False) -> LogDistances:
    """Every measure between the activity-instance tables `a` and `b` (CFLD only when asked: quadratic in cases).

    Raises:
        ValueError: a log has no activity instance.
    """
    for name, instances in (("first", a), ("second", b)):
        if instances.empty:
            raise ValueError(f"the {name} log has no activity instance to measure")
    return LogDistances(
        ctd_h=cycle_time_distance(a, b),
        red_h=relative_event_distance(a, b),
        aed_h=absolute_event_distance(a, b),
        car_h=case_arrival_distance(a, b),
        ngd2=n_gram_distance(a, b, 2),
        cfld=control_flow_log_distance(a, b) if cfld else None,
    )
