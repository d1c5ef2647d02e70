"""What a log can tell about why a visit waited: for the person who did the work, was that person busy elsewhere?

A visit's wait (start − ready) splits into
- **contention**: the hours in which the resource that finally did the work was busy with other visits (from their
  start to their completion, less the time they were suspended): at most this long did the item wait for that
  person (it may have been held for another reason at the same time, e.g. in a hand-off);
- **other**: the rest of the wait, in which that resource was free. The log cannot tell these causes apart: the
  person off duty, a cadence gate or approval board, a batch filling up, a hand-off, another person of the team
  being the one who was free, or a choice of priorities.

A simulation knows each cause (`sim.engine_measures`); from a log this is what is knowable, and only where the visit's
start and resource are in the log (an estimated start, or no resource, gives NaN: unknown, never 0). The split follows
the resource-contention reading of waiting-time analysis in process mining (Lashkevich et al., "Why am I waiting?
Data-driven analysis of waiting times in business processes", CAiSE 2023).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from mining.codes import factorize_column, timestamps_ns
from mining.columns import ACTIVITY, RESOURCE, TIMESTAMP
from mining.pairing import transition_masks
from mining.stage_times import require_columns

__all__ = ["WAIT_CAUSE_NOTE", "compute_pool_contention", "compute_wait_causes", "summarize_wait_causes"]

WAIT_CAUSE_NOTE = (
    "wait split as far as the log tells: contention = the person who did the work was busy with other work (at most "
    "this long it waited for them); other = that person was free, and the log cannot tell why (off duty, a gate or "
    "board, a batch, a hand-off, a colleague free instead, priorities)"
)
_NAT = np.iinfo(np.int64).min
_NS_PER_HOUR = 3.6e12


def compute_wait_causes(stage_times: pd.DataFrame, log: pd.DataFrame) -> pd.DataFrame:
    """Per stage visit (the rows of `stage_times`): `wait_contention_h` and `wait_other_h` (hours, summing to
    `wait_h`); NaN where the visit's start is estimated or its resource unknown."""
    require_columns(stage_times, (ACTIVITY, "ready", "start", "complete", "wait_h", "estimated"))
    n = len(stage_times)
    contention = np.full(n, np.nan)
    if RESOURCE in stage_times.columns and n:
        resource, names = factorize_column(stage_times[RESOURCE])
        ready, start = timestamps_ns(stage_times["ready"]), timestamps_ns(stage_times["start"])
        complete = timestamps_ns(stage_times["complete"])
        known = (resource >= 0) & ~stage_times["estimated"].to_numpy(dtype=bool) & (start != _NAT)
        pause_resource, pause_time, pause_step = _pauses(log, RESOURCE)
        for code in np.unique(resource[known]):
            mine = known & (resource == code)
            paused = pause_resource == str(names[code])
            times = np.concatenate([start[mine], complete[mine], pause_time[paused]])
            steps = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum()), pause_step[paused]])
            busy_until = _busy_hours_until(times, steps)
            rows = np.flatnonzero(mine)
            contention[rows] = busy_until(start[rows]) - busy_until(ready[rows])
    wait = stage_times["wait_h"].to_numpy(dtype=float)
    contention = np.minimum(np.maximum(contention, 0.0), wait)  # float noise at the edges of an interval
    return pd.DataFrame(
        {"wait_contention_h": contention, "wait_other_h": wait - contention}, index=stage_times.index
    )


def compute_pool_contention(
    stage_times: pd.DataFrame, log: pd.DataFrame, pool_of: Mapping[str, str], size: Mapping[str, int]
) -> pd.Series:
    """Per visit: the hours of its wait in which its whole pool was busy (at least `size[pool]` of the pool's visits
    in progress, suspended time excluded), the pool being `pool_of[activity]`: the contention a simulation of
    pools reproduces (NaN where the visit's start is estimated). A person busy while a colleague was free is not
    contention here, unlike `compute_wait_causes`."""
    require_columns(stage_times, (ACTIVITY, "ready", "start", "complete", "estimated"))
    contention = np.full(len(stage_times), np.nan)
    activity = stage_times[ACTIVITY].astype("str").to_numpy()
    pool = np.array([pool_of.get(name, "") for name in activity], dtype=object)
    ready, start = timestamps_ns(stage_times["ready"]), timestamps_ns(stage_times["start"])
    complete = timestamps_ns(stage_times["complete"])
    known = ~stage_times["estimated"].to_numpy(dtype=bool) & (start != _NAT)
    pauses = _pauses(log, ACTIVITY)
    for name in sorted(set(pool[known])):
        mine = known & (pool == name)
        paused = np.isin(pauses[0], [a for a, p in pool_of.items() if p == name])
        times = np.concatenate([start[mine], complete[mine], pauses[1][paused]])
        steps = np.concatenate([np.ones(mine.sum()), -np.ones(mine.sum()), pauses[2][paused]])
        busy_until = _busy_hours_until(times, steps, at_least=max(int(size.get(name, 1)), 1))
        rows = np.flatnonzero(mine)
        contention[rows] = busy_until(start[rows]) - busy_until(ready[rows])
    wait = stage_times["wait_h"].to_numpy(dtype=float)
    return pd.Series(np.minimum(np.maximum(contention, 0.0), wait), index=stage_times.index)


def _pauses(log: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Suspend (−1) and resume (+1) steps of the log: the value of column `key` on each (its resource or activity,
    as text; empty when the log has no such column or no pauses), its time (ns) and its step."""
    masks = transition_masks(log, "suspend", "resume")
    if key not in log.columns or masks["suspend"] is None:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64), np.empty(0)
    rows = masks["suspend"] | (masks["resume"] if masks["resume"] is not None else False)
    keys = log.loc[rows, key].astype("str").to_numpy(dtype=object)
    return keys, timestamps_ns(log.loc[rows, TIMESTAMP]), np.where(masks["suspend"][rows], -1.0, 1.0)


def _busy_hours_until(
    times: np.ndarray, steps: np.ndarray, at_least: int = 1
) -> Callable[[np.ndarray], np.ndarray]:
    """B(t): hours up to t in which the count of active visits (the cumulative `steps`) was at least `at_least`."""
    order = np.lexsort((steps, times))  # at one moment, ends (−1) before starts (+1)
    times, level = times[order], np.cumsum(steps[order])
    busy = np.concatenate([[0.0], np.cumsum(np.where(level[:-1] >= at_least, np.diff(times), 0) / _NS_PER_HOUR)])

    def busy_until(moments: np.ndarray) -> np.ndarray:
        return np.interp(moments.astype(float), times.astype(float), busy)

    return busy_until


def summarize_wait_causes(stage_times: pd.DataFrame, causes: pd.DataFrame) -> pd.DataFrame:
    """Per activity: mean wait for contention and for other causes (hours) over the visits where they are known, and
    how many visits that is."""
    frame = pd.concat([stage_times[[ACTIVITY]].astype({ACTIVITY: "str"}), causes], axis=1)
    grouped = frame.groupby(ACTIVITY, sort=True)
    return pd.DataFrame(
        {
            "wait_contention_mean_h": grouped["wait_contention_h"].mean(),
            "wait_other_mean_h": grouped["wait_other_h"].mean(),
            "visits_with_cause": grouped["wait_contention_h"].count(),
        }
    ).reset_index()
