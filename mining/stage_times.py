"""Wait and work time of every stage visit, per case, and per stage.

A *stage visit* is one execution of an activity in a case. Its **ready** moment is when the item became
available to the stage: its `schedule` event where the log has one, else the latest completion of *another* visit
of the same case at or before the visit began (never its own: an instantaneous visit beside a longer parallel one
would otherwise show no wait), else the case's arrival (`case:arrival`, else the case's first event).
**wait** = start - ready and **work** = complete - start minus the visit's suspended time (each `suspend` up to the
`resume` that closes it, counted for the visit of that activity that had started by then), in hours: a 1 h job of a
team that stops for the night is 1 h of work, not 16.

Which start, schedule or suspend belongs to which complete or resume is decided in one place, `mining.pairing`
(each closing event takes the earliest opening event still open before it, within (case, activity), or within
`concept:instance` when the log has usable instance ids); paired visits have observed times (`estimated=False`).

When a visit has no start event (complete-only logs such as helpdesk, or an unpaired complete), the split
is **estimated** (`estimated=True`) by this rule:

* ready as above; for the first visit of a complete-only case without `case:arrival` that is the visit's own
  completion (nothing before the first event is observable, so the first visit of such a case has zero wait and
  zero work, which keeps lead time = last - first event as in pm4py);
* with a known resource, start = max(ready, the resource's previous completion in the whole log): a
  resource is assumed to do one thing at a time and to start this visit as soon as both it and the item
  were free. This gives the longest work and the shortest wait the data allow;
* without a resource nothing splits the gap, so start is NaT and `wait_h` and `work_h` are NaN; the
  unsplit gap complete - ready is always in `elapsed_h`.

Everything is column-wise (sorts, group shifts, merges); the input frame is never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.codes import NAT, NS_PER_HOUR, factorize_cases, factorize_column, is_lexsorted, timestamps_ns, to_utc
from mining.columns import ACTIVITY, ARRIVAL, CASE, RESOURCE, TIMESTAMP
from mining.errors import EventLogError
from mining.pairing import (
    completion_from_flags,
    lifecycle_flags,
    pair_visits,
    scheduled_moments,
    suspended_ns,
    transition_masks,
)

__all__ = [
    "STAGE_TIME_COLUMNS",
    "compute_case_times",
    "compute_lead_times",
    "compute_stage_times",
]

STAGE_TIME_COLUMNS = [
    CASE,
    ACTIVITY,
    RESOURCE,
    "ready",
    "start",
    "complete",
    "wait_h",
    "work_h",
    "elapsed_h",
    "estimated",
]
_REQUIRED = (CASE, ACTIVITY, TIMESTAMP)


def require_columns(log: pd.DataFrame, columns: tuple[str, ...] = _REQUIRED) -> None:
    """Raise EventLogError naming the missing columns and the columns found."""
    missing = [column for column in columns if column not in log.columns]
    if missing:
        raise EventLogError(f"event log is missing column(s) {missing}; columns found: {list(map(str, log.columns))}")


def _case_arrivals(log: pd.DataFrame, case_codes: np.ndarray, n_cases: int) -> np.ndarray | None:
    """Per case code: `case:arrival` in int64 ns (NaT where unknown), or None without the column."""
    if ARRIVAL not in log.columns:
        return None
    arrival = timestamps_ns(log[ARRIVAL])
    out = np.full(n_cases, np.iinfo(np.int64).max, dtype=np.int64)
    known = arrival != NAT
    np.minimum.at(out, case_codes[known], arrival[known])
    out[out == np.iinfo(np.int64).max] = NAT
    return out


def compute_stage_times(log: pd.DataFrame) -> pd.DataFrame:
    """One row per stage visit: ready/start/complete (UTC) and wait_h, work_h, elapsed_h in hours.

    Columns: `case:concept:name, concept:name, org:resource, ready, start, complete, wait_h, work_h,
    elapsed_h, estimated`; sorted by case, then ready, then complete. See the module docstring for the
    estimation rule used when a visit has no start event.
    """
    require_columns(log)
    case_codes, case_names = factorize_cases(log[CASE])
    activity_codes, activity_names = factorize_column(log[ACTIVITY])
    ts = timestamps_ns(log[TIMESTAMP])
    flags = lifecycle_flags(log)
    paired = pair_visits(log, case_codes, activity_codes, flags, ts)
    group_key = case_codes * (int(activity_codes.max(initial=0)) + 1) + activity_codes
    is_complete = completion_from_flags(flags, len(log))
    masks = transition_masks(log, "schedule", "suspend", "resume")
    scheduled = scheduled_moments(masks["schedule"], group_key, is_complete, ts, paired["row"])
    suspended = suspended_ns(masks["suspend"], masks["resume"], group_key, ts, paired)
    has_resource_column = RESOURCE in log.columns
    if has_resource_column:
        resource_codes, resource_names = factorize_column(log[RESOURCE])
        res = resource_codes[paired["row"]]
        from_start = paired["start_row"]
        fill = (res < 0) & (from_start >= 0)
        res[fill] = resource_codes[from_start[fill]]
    else:
        res = np.full(len(paired["row"]), -1, dtype=np.int64)

    # order visits within a case by when they began (start, else complete), then complete
    began = np.where(paired["start"] != NAT, paired["start"], paired["complete"])
    keys = [paired["row"], paired["complete"], began, paired["case"]]
    order = slice(None) if is_lexsorted(keys) else np.lexsort(keys)  # a log sorted by case mostly is
    case = paired["case"][order]
    start = paired["start"][order]
    complete = paired["complete"][order]
    act = paired["act"][order]
    res = res[order]
    scheduled = scheduled[order]
    suspended = suspended[order]
    observed = start != NAT
    visits = pd.DataFrame({"case": case, "complete": complete})
    first = np.ones(len(visits), dtype=bool)
    first[1:] = case[1:] != case[:-1]

    # ready = latest completion among the earlier visits of the case
    previous_max = visits.groupby("case", sort=False)["complete"].cummax().to_numpy()
    ready = np.empty_like(complete)
    ready[1:] = previous_max[:-1]
    ready[first] = NAT
    begin = np.where(observed, start, complete)
    overlapping = (ready != NAT) & (ready > begin)
    if overlapping.any():
        # parallel branches: take the latest completion in the case that is not after this visit began
        ready[overlapping] = _latest_completion_before(case, complete, np.flatnonzero(overlapping), begin[overlapping])
    # no earlier completion: the case's arrival (`case:arrival`, else its first event)
    arrivals = _case_arrivals(log, case_codes, len(case_names))
    first_event = np.full(len(case_names), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_event, case_codes, ts)
    if arrivals is not None:
        first_event = np.where(arrivals != NAT, arrivals, first_event)
    no_ready = ready == NAT
    ready[no_ready] = first_event[case[no_ready]]
    has_schedule = (scheduled != NAT) & (scheduled <= begin)
    ready[has_schedule] = scheduled[has_schedule]
    ready = np.minimum(ready, begin)  # a ready moment after the start (clock skew) would make wait negative

    # estimated starts
    estimated = ~observed
    if estimated.any():
        by_resource = np.lexsort((complete, res))
        res_sorted = res[by_resource]
        prev_done = np.full(len(visits), NAT, dtype=np.int64)
        same = np.zeros(len(visits), dtype=bool)
        same[1:] = (res_sorted[1:] == res_sorted[:-1]) & (res_sorted[1:] >= 0)
        prev_sorted = np.full(len(visits), NAT, dtype=np.int64)
        prev_sorted[1:] = complete[by_resource][:-1]
        prev_sorted[~same] = NAT
        prev_done[by_resource] = prev_sorted
        with_resource = estimated & (res >= 0)
        start = start.copy()
        start[with_resource] = np.minimum(
            np.maximum(ready[with_resource], prev_done[with_resource]), complete[with_resource]
        )
        # the first visit of a case without arrival has no observable ready moment: zero wait and work
        start[estimated & (ready == complete)] = complete[estimated & (ready == complete)]

    split = start != NAT
    wait_h = np.full(len(visits), np.nan)
    work_h = np.full(len(visits), np.nan)
    wait_h[split] = (start[split] - ready[split]) / NS_PER_HOUR
    work_h[split] = (complete[split] - start[split] - np.where(observed, suspended, 0)[split]) / NS_PER_HOUR
    out = pd.DataFrame(
        {
            CASE: pd.Categorical.from_codes(case, categories=case_names),
            ACTIVITY: pd.Categorical.from_codes(act, categories=activity_names),
            RESOURCE: pd.Categorical.from_codes(res, categories=resource_names)
            if has_resource_column
            else pd.Categorical.from_codes(res, categories=pd.Index([], dtype="str")),
        }
    )
    out["ready"] = to_utc(ready)
    out["start"] = to_utc(start)
    out["complete"] = to_utc(complete)
    out["wait_h"] = wait_h
    out["work_h"] = work_h
    out["elapsed_h"] = (complete - ready) / NS_PER_HOUR
    out["estimated"] = estimated
    return out


def _latest_completion_before(
    case: np.ndarray, complete: np.ndarray, query: np.ndarray, moment: np.ndarray
) -> np.ndarray:
    """For each queried visit (an index into `case`/`complete`), the latest completion of *another* visit of the same
    case at or before `moment` (NaT if none). A visit never counts its own completion: an instantaneous visit beside
    a longer parallel one would otherwise be ready at its own completion and show no wait at all."""
    right = pd.DataFrame({"case": case, "time": complete, "index": np.arange(len(case))})
    right = right.sort_values("time", kind="stable")
    left = pd.DataFrame({"case": case[query], "time": moment, "q": np.arange(len(query))})
    left = left.sort_values("time", kind="stable")
    before = pd.merge_asof(left, right, on="time", by="case", direction="backward", allow_exact_matches=False)
    result = np.full(len(query), NAT, dtype=np.int64)
    index = before["index"].to_numpy(dtype=float)  # row numbers, exact in a float
    matched = ~np.isnan(index)
    result[before["q"].to_numpy()[matched]] = complete[index[matched].astype(np.int64)]
    # a completion exactly at the moment counts too, unless the only one there is the visit's own
    at_moment = pd.DataFrame({"case": case, "time": complete}).value_counts()
    key = pd.MultiIndex.from_arrays([case[query], moment], names=["case", "time"])
    others = at_moment.reindex(key, fill_value=0).to_numpy() - (complete[query] == moment)
    result[others > 0] = moment[others > 0]
    return result


def _case_spans(log: pd.DataFrame) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray, np.ndarray]:
    """Per event its case code; per case: name, arrival and end (int64 ns UTC) and number of events.

    arrival is `case:arrival` where known, else the case's first event; end is its last event. When each
    case's events are contiguous (a log sorted by case) the minimum and maximum are taken with
    `np.minimum.reduceat` / `np.maximum.reduceat` over the case boundaries, without any grouping.
    """
    case_codes, case_names = factorize_cases(log[CASE])
    n_cases = len(case_names)
    ts = timestamps_ns(log[TIMESTAMP])
    if len(ts) and case_codes[0] == 0 and bool((np.diff(case_codes) >= 0).all()):
        bounds = np.flatnonzero(np.diff(case_codes, prepend=-1))
        first = np.minimum.reduceat(ts, bounds)
        end = np.maximum.reduceat(ts, bounds)
        events = np.diff(bounds, append=len(ts))
    else:
        by_case = pd.DataFrame({"case": case_codes, "ts": ts}).groupby("case", sort=True)["ts"]
        first = by_case.min().to_numpy()
        end = by_case.max().to_numpy()
        events = np.bincount(case_codes, minlength=n_cases)
    arrival = first.copy()
    arrivals = _case_arrivals(log, case_codes, n_cases)
    if arrivals is not None:
        known = arrivals != NAT
        arrival[known] = arrivals[known]
    return case_codes, case_names, arrival, end, events


def _unfinished_cases(log: pd.DataFrame, case_codes: np.ndarray, n_cases: int) -> np.ndarray:
    """Per case code: True when the case has a visit that was scheduled or started but never completed.

    A (case, activity) with more `schedule` (or more `start`) events than `complete` events has an open visit;
    a complete-only log has none, so there every case counts as finished."""
    flags = lifecycle_flags(log)
    unfinished = np.zeros(n_cases, dtype=bool)
    if flags is None:
        return unfinished
    is_schedule = transition_masks(log, "schedule")["schedule"]
    if not flags[0].any() and is_schedule is None:
        return unfinished
    activity_codes, _ = factorize_column(log[ACTIVITY])
    group = case_codes * (int(activity_codes.max(initial=0)) + 1) + activity_codes
    groups, group_codes = np.unique(group, return_inverse=True)
    completes = np.bincount(group_codes, weights=flags[1], minlength=len(groups))
    opened = np.bincount(group_codes, weights=flags[0], minlength=len(groups))
    if is_schedule is not None:
        opened = np.maximum(opened, np.bincount(group_codes, weights=is_schedule, minlength=len(groups)))
    open_groups = groups[opened > completes]
    unfinished[open_groups // (int(activity_codes.max(initial=0)) + 1)] = True
    return unfinished


def compute_lead_times(log: pd.DataFrame) -> pd.DataFrame:
    """Per case, lead time alone: case id, arrival, end (UTC) and lead_time_h (hours), in order of first event.

    The same arrival, end and lead_time_h as `compute_case_times`, without pairing or splitting stage visits,
    so it costs about one pass over the case and timestamp columns (pm4py's `get_all_case_durations` gives
    the same figure in seconds, from the first event unless the log has `case:arrival`).
    """
    require_columns(log, (CASE, TIMESTAMP))
    _codes, case_names, arrival, end, _events = _case_spans(log)
    return pd.DataFrame(
        {
            CASE: pd.array(case_names, dtype="str"),
            "arrival": to_utc(arrival),
            "end": to_utc(end),
            "lead_time_h": (end - arrival) / NS_PER_HOUR,
        }
    )


def compute_case_times(log: pd.DataFrame, *, stage_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per case: arrival, end (UTC), lead_time_h, work_h, wait_h (hours), flow_efficiency, events, estimated,
    finished.

    arrival is `case:arrival` when the log has it, else the case's first event; end is its last event.
    A case is unfinished (`finished` False) when a visit of it was scheduled or started but not completed by the
    end of the log: its lead time, work, wait and flow efficiency are NaN (its `end` is its last event so far,
    the moment its age is censored at).
    work_h sums the work of the stage visits (NaN when a visit of the case could not be split, see
    `compute_stage_times`); wait_h = lead_time_h − work_h: everything that is not work is waiting (queues, hand-offs,
    gates, and the nights a job was suspended over), as on a value stream map's time line, so lead = work + wait
    (negative only where visits of one case overlap in time); flow_efficiency = work_h / lead_time_h (NaN for a zero
    lead time).
    `stage_times` may be passed when already computed from the same log, to save the work.
    """
    require_columns(log)
    if stage_times is None:
        stage_times = compute_stage_times(log)
    codes, case_names, arrival, end, events = _case_spans(log)
    n_cases = len(case_names)
    finished = ~_unfinished_cases(log, codes, n_cases)

    visit_case = _codes_in(stage_times[CASE], case_names)
    work = stage_times["work_h"].to_numpy(dtype=float)
    unsplit = np.bincount(visit_case, weights=np.isnan(work), minlength=n_cases)
    work_h = np.bincount(visit_case, weights=np.nan_to_num(work), minlength=n_cases).astype(float)
    work_h[unsplit > 0] = np.nan
    estimated = np.bincount(visit_case, weights=stage_times["estimated"].to_numpy(dtype=bool), minlength=n_cases) > 0
    lead_time_h = np.where(finished, (end - arrival) / NS_PER_HOUR, np.nan)
    work_h[~finished] = np.nan
    wait_h = lead_time_h - work_h  # NaN where either is
    with np.errstate(divide="ignore", invalid="ignore"):
        flow_efficiency = np.where(lead_time_h > 0, work_h / lead_time_h, np.nan)
    return pd.DataFrame(
        {
            CASE: pd.array(case_names, dtype="str"),
            "arrival": to_utc(arrival),
            "end": to_utc(end),
            "lead_time_h": lead_time_h,
            "work_h": work_h,
            "wait_h": wait_h,
            "flow_efficiency": flow_efficiency,
            "events": events,
            "estimated": estimated,
            "finished": finished,
        }
    )


def _codes_in(values: pd.Series, names: pd.Index) -> np.ndarray:
    """Position of each value in `names` (-1 if absent); cheap for the categorical columns of stage times."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        if values.cat.categories.equals(names):
            return values.cat.codes.to_numpy().astype(np.int64)
        lookup = np.append(names.get_indexer(values.cat.categories.astype(str)), -1)
        return lookup[values.cat.codes.to_numpy()]
    return names.get_indexer(values.astype(str))
