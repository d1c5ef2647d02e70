"""Wait and work time of every stage visit, per case, and per stage.

A *stage visit* is one execution of an activity in a case. Its **ready** moment is when the item became
available to the stage: its `schedule` event where the log has one (the k-th schedule of an activity in a case
goes with its k-th completion), else the latest earlier completion in the same case (never its own), or the case's
arrival for the first visit. **wait** = start - ready and **work** = complete - start minus the visit's suspended
time (each `suspend` up to the next `resume` of the same activity in the case, counted for the visit that had
started by then), in hours: a 1 h job of a team that stops for the night is 1 h of work, not 16.

When the log has real `start` events, start and complete are paired by `concept:instance` if that column
is present, else by order of occurrence within (case, activity); the times are observed (`estimated=False`).

When a visit has no start event (complete-only logs such as helpdesk, or an unpaired complete), the split
is **estimated** (`estimated=True`) by this rule:

* ready = the previous completion in the case; for the first visit the case's `case:arrival` when the log
  has it, else the visit's own completion (nothing before the first event is observable, so the first
  visit of such a case has zero wait and zero work, which keeps lead time = last - first event as in pm4py);
* with a known resource, start = max(ready, the resource's previous completion in the whole log): a
  resource is assumed to do one thing at a time and to start this visit as soon as both it and the item
  were free. This gives the longest work and the shortest wait the data allow;
* without a resource nothing splits the gap, so start is NaT and `wait_h` and `work_h` are NaN; the
  unsplit gap complete - ready is always in `elapsed_h`.

Everything is column-wise (sorts, group shifts, merges); the input frame is never modified.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mining.columns import ACTIVITY, ARRIVAL, CASE, INSTANCE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.errors import EventLogError

if TYPE_CHECKING:
    import pyarrow as pa

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
_NS_PER_HOUR = 3_600_000_000_000
_NAT = np.iinfo(np.int64).min  # the int64 view of NaT
_REQUIRED = (CASE, ACTIVITY, TIMESTAMP)


def require_columns(log: pd.DataFrame, columns: tuple[str, ...] = _REQUIRED) -> None:
    """Raise EventLogError naming the missing columns and the columns found."""
    missing = [column for column in columns if column not in log.columns]
    if missing:
        raise EventLogError(f"event log is missing column(s) {missing}; columns found: {list(map(str, log.columns))}")


def timestamps_ns(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC); NaT becomes the int64 minimum."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            raise EventLogError(
                f"column {values.name!r} must hold timezone-aware timestamps (got dtype {values.dtype})"
            )
        values = values.dt.tz_localize("UTC")
    return values.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)


def _to_utc(ns: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def factorize_column(values: pd.Series, rows: np.ndarray | None = None) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) in order of first appearance, and the distinct values as strings.

    Arrow-backed string columns (pandas' default `str`) are dictionary-encoded by pyarrow directly, which
    skips pandas' per-call wrapping; anything else goes through `pd.factorize`. With `rows` (a boolean mask)
    only those rows are encoded, which is cheaper than encoding all and masking the codes.
    """
    arrow = _arrow_strings(values)
    if arrow is not None and rows is not None:
        arrow = arrow.filter(rows)
    if arrow is not None:
        encoded = arrow.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = (
            np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, codes) if arrow.null_count else codes
        )
        return codes.astype(np.int64, copy=False), pd.Index(pd.array(encoded.dictionary, dtype="str"))
    codes, uniques = pd.factorize(values if rows is None else values.to_numpy()[rows])
    return codes.astype(np.int64, copy=False), pd.Index(uniques).astype(str)


def factorize_cases(values: pd.Series, rows: np.ndarray | None = None) -> tuple[np.ndarray, pd.Index]:
    """Like `factorize_column`, but nearly free when each case's events are contiguous (a log sorted by case).

    Runs of equal adjacent values are found with one vectorised comparison; when no case id starts two runs
    the codes are the running count of runs, and only the run heads (one per case) are hashed.
    """
    arrow = _arrow_strings(values)
    if arrow is not None and rows is not None:
        arrow = arrow.filter(rows)
    if arrow is None or arrow.null_count or len(arrow) < 2:
        return factorize_column(values, rows)
    import pyarrow.compute as pc

    heads = np.ones(len(arrow), dtype=bool)
    heads[1:] = pc.not_equal(arrow.slice(1), arrow.slice(0, len(arrow) - 1)).to_numpy(zero_copy_only=False)
    names = arrow.filter(heads)
    if len(pc.unique(names)) != len(names):
        return factorize_column(values, rows)
    return np.cumsum(heads, dtype=np.int64) - 1, pd.Index(pd.array(names, dtype="str"))


def _arrow_strings(values: pd.Series) -> pa.Array | None:
    """The column as one contiguous pyarrow string array when it is Arrow-backed, else None."""
    import pyarrow as pa

    chunked = getattr(values.array, "_pa_array", None)
    if chunked is None or not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return None
    return chunked.combine_chunks() if isinstance(chunked, pa.ChunkedArray) else chunked


def is_lexsorted(keys: list[np.ndarray]) -> bool:
    """True when the rows are already in `np.lexsort(keys)` order (last key primary), checked in one pass."""
    if not keys or len(keys[0]) < 2:
        return True
    undecided = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in reversed(keys):
        before, after = key[:-1], key[1:]
        if (undecided & (after < before)).any():
            return False
        undecided &= after == before
    return True


def _lifecycle_flags(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """(is_start, is_complete) per row from `lifecycle:transition`, case- and space-insensitive."""
    if LIFECYCLE not in log.columns:
        return None
    exact = _exact_lifecycle_flags(log[LIFECYCLE])
    if exact is not None:
        return exact
    codes, uniques = factorize_column(log[LIFECYCLE])
    normal = uniques.str.strip().str.lower().to_numpy(dtype=object)
    lookup_start = np.append(normal == "start", False)  # code -1 (missing) maps to the last slot
    lookup_complete = np.append(normal == "complete", False)
    return lookup_start[codes], lookup_complete[codes]


def _exact_lifecycle_flags(values: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """The fast path for a normalised log (as `read_log` returns it): every value exactly one of the lower-case
    transitions a visit goes through."""
    arrow = _arrow_strings(values)
    if arrow is None or arrow.null_count:
        return None
    import pyarrow.compute as pc

    is_start = pc.equal(arrow, "start").to_numpy(zero_copy_only=False)
    is_complete = pc.equal(arrow, "complete").to_numpy(zero_copy_only=False)
    if bool((is_start | is_complete).all()):
        return is_start, is_complete
    known = pc.is_in(arrow, value_set=pa_strings(("schedule", "suspend", "resume", "start", "complete")))
    return (is_start, is_complete) if bool(pc.all(known).as_py()) else None


def pa_strings(values: tuple[str, ...]) -> pa.Array:
    """A small pyarrow string array (a value set for `pyarrow.compute.is_in`)."""
    import pyarrow as pa

    return pa.array(values, type=pa.string())


def _transition_masks(log: pd.DataFrame, *transitions: str) -> dict[str, np.ndarray | None]:
    """Per transition, the rows whose `lifecycle:transition` is it (case- and space-insensitive), None where no row
    is; the column is encoded once for all of them."""
    if LIFECYCLE not in log.columns:
        return dict.fromkeys(transitions)
    codes, uniques = factorize_column(log[LIFECYCLE])
    normal = uniques.str.strip().str.lower().to_numpy(dtype=object)
    masks: dict[str, np.ndarray | None] = {}
    for transition in transitions:
        lookup = np.append(normal == transition, False)  # code -1 (missing) maps to the last slot
        masks[transition] = lookup[codes] if lookup.any() else None
    return masks


def has_start_events(log: pd.DataFrame) -> bool:
    """True when the log has `lifecycle:transition == start` events (observed, not estimated, wait/work)."""
    flags = _lifecycle_flags(log)
    return flags is not None and bool(flags[0].any())


def completion_mask(log: pd.DataFrame) -> np.ndarray:
    """Rows that complete a stage visit.

    Rows with `lifecycle:transition == complete`; when the log has neither start nor complete transitions
    (BPIC 2013 keeps a status there) or no lifecycle column, every row counts as a completion.
    """
    return _completion_from_flags(_lifecycle_flags(log), len(log))


def _completion_from_flags(flags: tuple[np.ndarray, np.ndarray] | None, n_rows: int) -> np.ndarray:
    if flags is None or not (flags[0].any() or flags[1].any()):
        return np.ones(n_rows, dtype=bool)
    return flags[1]


def _case_arrivals(log: pd.DataFrame, case_codes: np.ndarray, n_cases: int) -> np.ndarray | None:
    """Per case code: `case:arrival` in int64 ns (NaT where unknown), or None without the column."""
    if ARRIVAL not in log.columns:
        return None
    arrival = timestamps_ns(log[ARRIVAL])
    out = np.full(n_cases, np.iinfo(np.int64).max, dtype=np.int64)
    known = arrival != _NAT
    np.minimum.at(out, case_codes[known], arrival[known])
    out[out == np.iinfo(np.int64).max] = _NAT
    return out


def fifo_pairs(
    rows: np.ndarray, side: np.ndarray, group: np.ndarray, when: np.ndarray, in_time_order: bool
) -> np.ndarray:
    """The start row paired with each complete: within a group, the k-th start with the k-th complete in time order.

    `side` is True at completes; the result is as long as `rows` and holds, at each complete's position, the
    row of its start (-1 when it has none) and -1 at the starts. `in_time_order` says `rows` are already in
    time order within each case, so one stable sort on (group, side) keeps the time order (a radix-like sort
    of one integer key instead of a three-key lexsort).
    """
    order = np.argsort(group * 2 + side, kind="stable") if in_time_order else np.lexsort((when, side, group))
    group_sorted, side_sorted = group[order], side[order]
    new_group = np.ones(len(order), dtype=bool)
    new_group[1:] = group_sorted[1:] != group_sorted[:-1]
    first = np.flatnonzero(new_group)  # starts come first in each group, then its completes
    group_id = np.cumsum(new_group) - 1
    n_starts = np.add.reduceat((~side_sorted).astype(np.int64), first)
    positions = np.flatnonzero(side_sorted)
    owner = group_id[positions]
    k = positions - first[owner] - n_starts[owner]  # rank of the complete within its group
    has_start = k < n_starts[owner]
    out = np.full(len(rows), -1, dtype=np.int64)
    out[order[positions[has_start]]] = rows[order[first[owner[has_start]] + k[has_start]]]
    return out


def _same_values(values: pd.Series, left: np.ndarray, right: np.ndarray) -> bool:
    """True when `values` at rows `left` equal `values` at rows `right`, pairwise, with no missing value."""
    arrow = _arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        equal = pc.equal(arrow.take(left), arrow.take(right))
        return equal.null_count == 0 and bool(pc.all(equal).as_py() if len(equal) else True)
    array = values.to_numpy()
    a, b = array[left], array[right]
    return bool((pd.notna(a) & pd.notna(b) & (a == b)).all())


def _pair_visits(
    log: pd.DataFrame,
    case_codes: np.ndarray,
    activity_codes: np.ndarray,
    flags: tuple[np.ndarray, np.ndarray] | None,
    ts: np.ndarray,
) -> dict[str, np.ndarray]:
    """One entry per completion, in row order, with its start (NaT when unmatched): arrays case, act, row,
    start_row, start, complete.

    Starts and completes are grouped by (concept:instance when usable, case, activity) and the k-th start of a
    group is paired with its k-th complete, both in time order. Pairing within (case, activity) first and
    checking that every pair shares its `concept:instance` gives the same pairs without hashing the instance
    ids (usually one per visit); only when a pair disagrees are the instance ids factorized and used.
    """
    is_complete = _completion_from_flags(flags, len(log))
    complete_rows = np.flatnonzero(is_complete)
    if flags is None or not flags[0].any():
        return {"case": case_codes[complete_rows], "act": activity_codes[complete_rows], "row": complete_rows,
                "start_row": np.full(len(complete_rows), -1), "start": np.full(len(complete_rows), _NAT),
                "complete": ts[complete_rows]}  # fmt: skip
    rows = np.flatnonzero(flags[0] | is_complete)
    side = is_complete[rows]  # False: start, True: complete
    case, act, when = case_codes[rows], activity_codes[rows], ts[rows]
    group_key = case * (int(act.max(initial=0)) + 1) + act
    in_time_order = is_lexsorted([when, case])
    start_of = fifo_pairs(rows, side, group_key, when, in_time_order)
    if INSTANCE in log.columns:
        matched = start_of >= 0
        if not _same_values(log[INSTANCE], start_of[matched], rows[matched]):
            instance, _ = factorize_column(log[INSTANCE])
            instance = instance[rows]
            if not (instance < 0).any():
                combined = pd.factorize(instance * (int(group_key.max()) + 1) + group_key)[0]
                start_of = fifo_pairs(rows, side, combined.astype(np.int64), when, False)
    start_rows = start_of[side]
    start = np.where(start_rows >= 0, ts[start_rows], _NAT)
    complete = ts[complete_rows]
    bad = start > complete  # a start after its complete is no pairing at all
    start[bad] = _NAT
    start_rows[bad] = -1
    return {"case": case_codes[complete_rows], "act": activity_codes[complete_rows], "row": complete_rows,
            "start_row": start_rows, "start": start, "complete": complete}  # fmt: skip


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
    flags = _lifecycle_flags(log)
    paired = _pair_visits(log, case_codes, activity_codes, flags, ts)
    group_key = case_codes * (int(activity_codes.max(initial=0)) + 1) + activity_codes
    is_complete = _completion_from_flags(flags, len(log))
    masks = _transition_masks(log, "schedule", "suspend", "resume")
    scheduled = _scheduled_moments(masks["schedule"], group_key, is_complete, ts, paired["row"])
    suspended = _suspended_ns(masks["suspend"], masks["resume"], group_key, ts, paired)
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
    began = np.where(paired["start"] != _NAT, paired["start"], paired["complete"])
    keys = [paired["row"], paired["complete"], began, paired["case"]]
    order = slice(None) if is_lexsorted(keys) else np.lexsort(keys)  # a log sorted by case mostly is
    case = paired["case"][order]
    start = paired["start"][order]
    complete = paired["complete"][order]
    act = paired["act"][order]
    res = res[order]
    scheduled = scheduled[order]
    suspended = suspended[order]
    observed = start != _NAT
    visits = pd.DataFrame({"case": case, "complete": complete})
    first = np.ones(len(visits), dtype=bool)
    first[1:] = case[1:] != case[:-1]

    # ready = latest completion among the earlier visits of the case
    previous_max = visits.groupby("case", sort=False)["complete"].cummax().to_numpy()
    ready = np.empty_like(complete)
    ready[1:] = previous_max[:-1]
    ready[first] = _NAT
    begin = np.where(observed, start, complete)
    overlapping = (ready != _NAT) & (ready > begin)
    if overlapping.any():
        # parallel branches: take the latest completion in the case that is not after this visit began
        ready[overlapping] = _latest_completion_before(case, complete, case[overlapping], begin[overlapping])
    arrivals = _case_arrivals(log, case_codes, len(case_names))
    no_ready = ready == _NAT
    if arrivals is not None:
        ready[no_ready] = arrivals[case[no_ready]]
        no_ready = ready == _NAT
    ready[no_ready] = begin[no_ready]
    has_schedule = (scheduled != _NAT) & (scheduled <= begin)
    ready[has_schedule] = scheduled[has_schedule]
    ready = np.minimum(ready, begin)  # a ready moment after the start (clock skew) would make wait negative

    # estimated starts
    estimated = ~observed
    if estimated.any():
        by_resource = np.lexsort((complete, res))
        res_sorted = res[by_resource]
        prev_done = np.full(len(visits), _NAT, dtype=np.int64)
        same = np.zeros(len(visits), dtype=bool)
        same[1:] = (res_sorted[1:] == res_sorted[:-1]) & (res_sorted[1:] >= 0)
        prev_sorted = np.full(len(visits), _NAT, dtype=np.int64)
        prev_sorted[1:] = complete[by_resource][:-1]
        prev_sorted[~same] = _NAT
        prev_done[by_resource] = prev_sorted
        with_resource = estimated & (res >= 0)
        start = start.copy()
        start[with_resource] = np.minimum(
            np.maximum(ready[with_resource], prev_done[with_resource]), complete[with_resource]
        )
        # the first visit of a case without arrival has no observable ready moment: zero wait and work
        start[estimated & (ready == complete)] = complete[estimated & (ready == complete)]

    split = start != _NAT
    wait_h = np.full(len(visits), np.nan)
    work_h = np.full(len(visits), np.nan)
    wait_h[split] = (start[split] - ready[split]) / _NS_PER_HOUR
    work_h[split] = (complete[split] - start[split] - np.where(observed, suspended, 0)[split]) / _NS_PER_HOUR
    out = pd.DataFrame(
        {
            CASE: pd.Categorical.from_codes(case, categories=case_names),
            ACTIVITY: pd.Categorical.from_codes(act, categories=activity_names),
            RESOURCE: pd.Categorical.from_codes(res, categories=resource_names)
            if has_resource_column
            else pd.Categorical.from_codes(res, categories=pd.Index([], dtype="str")),
        }
    )
    out["ready"] = _to_utc(ready)
    out["start"] = _to_utc(start)
    out["complete"] = _to_utc(complete)
    out["wait_h"] = wait_h
    out["work_h"] = work_h
    out["elapsed_h"] = (complete - ready) / _NS_PER_HOUR
    out["estimated"] = estimated
    return out


def _scheduled_moments(
    is_schedule: np.ndarray | None,
    group_key: np.ndarray,
    is_complete: np.ndarray,
    ts: np.ndarray,
    complete_rows: np.ndarray,
) -> np.ndarray:
    """Per completion (in `complete_rows` order): the time of its `schedule` event, NaT where it has none.

    Within a (case, activity) the k-th schedule goes with the k-th completion, both in time order."""
    if is_schedule is None:
        return np.full(len(complete_rows), _NAT, dtype=np.int64)
    rows = np.flatnonzero(is_schedule | is_complete)
    side = is_complete[rows]
    schedule_of = fifo_pairs(rows, side, group_key[rows], ts[rows], False)[side]
    return np.where(schedule_of >= 0, ts[np.maximum(schedule_of, 0)], _NAT)


def _suspended_ns(
    is_suspend: np.ndarray | None,
    is_resume: np.ndarray | None,
    group_key: np.ndarray,
    ts: np.ndarray,
    paired: dict[str, np.ndarray],
) -> np.ndarray:
    """Per completion (in `paired` order): nanoseconds its work was suspended (0 where the log says nothing).

    Each `suspend` is closed by the next `resume` of the same (case, activity) and belongs to the visit of that
    activity that had started last before it."""
    out = np.zeros(len(paired["row"]), dtype=np.int64)
    if is_suspend is None or is_resume is None:
        return out
    rows = np.flatnonzero(is_suspend | is_resume)
    side = is_resume[rows]
    suspend_of = fifo_pairs(rows, side, group_key[rows], ts[rows], False)[side]
    closed = suspend_of >= 0
    suspend_rows = suspend_of[closed]
    span = ts[rows[side][closed]] - ts[suspend_rows]
    started = paired["start"] != _NAT
    visits = pd.DataFrame(
        {"key": group_key[paired["row"]][started], "time": paired["start"][started], "visit": np.flatnonzero(started)}
    ).sort_values("time", kind="stable")
    pauses = pd.DataFrame({"key": group_key[suspend_rows], "time": ts[suspend_rows], "span": span}).sort_values(
        "time", kind="stable"
    )
    owner = pd.merge_asof(pauses, visits, on="time", by="key", direction="backward")
    owned = owner["visit"].notna().to_numpy()
    np.add.at(out, owner["visit"].to_numpy()[owned].astype(np.int64), owner["span"].to_numpy()[owned])
    return out


def _latest_completion_before(
    case: np.ndarray, complete: np.ndarray, query_case: np.ndarray, query_time: np.ndarray
) -> np.ndarray:
    """For each query, the latest completion of the same case at or before query_time (NaT if none)."""
    right = pd.DataFrame({"case": case, "time": complete, "index": np.arange(len(case))})
    right = right.sort_values("time", kind="stable")
    left = pd.DataFrame({"case": query_case, "time": query_time, "q": np.arange(len(query_case))})
    left = left.sort_values("time", kind="stable")
    found = pd.merge_asof(left, right, on="time", by="case", direction="backward", allow_exact_matches=True)
    result = np.full(len(query_case), _NAT, dtype=np.int64)
    index = found["index"].to_numpy(dtype=float)
    matched = ~np.isnan(index)
    result[found["q"].to_numpy()[matched]] = complete[index[matched].astype(np.int64)]
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
        known = arrivals != _NAT
        arrival[known] = arrivals[known]
    return case_codes, case_names, arrival, end, events


def _unfinished_cases(log: pd.DataFrame, case_codes: np.ndarray, n_cases: int) -> np.ndarray:
    """Per case code: True when the case has a visit that was scheduled or started but never completed.

    A (case, activity) with more `schedule` (or more `start`) events than `complete` events has an open visit;
    a complete-only log has none, so there every case counts as finished."""
    flags = _lifecycle_flags(log)
    unfinished = np.zeros(n_cases, dtype=bool)
    if flags is None:
        return unfinished
    is_schedule = _transition_masks(log, "schedule")["schedule"]
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
            "arrival": _to_utc(arrival),
            "end": _to_utc(end),
            "lead_time_h": (end - arrival) / _NS_PER_HOUR,
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
    lead_time_h = np.where(finished, (end - arrival) / _NS_PER_HOUR, np.nan)
    work_h[~finished] = np.nan
    wait_h = lead_time_h - work_h  # NaN where either is
    with np.errstate(divide="ignore", invalid="ignore"):
        flow_efficiency = np.where(lead_time_h > 0, work_h / lead_time_h, np.nan)
    return pd.DataFrame(
        {
            CASE: pd.array(case_names, dtype="str"),
            "arrival": _to_utc(arrival),
            "end": _to_utc(end),
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
