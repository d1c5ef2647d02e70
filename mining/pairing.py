"""Start/complete pairing and lifecycle handling: which events belong to one visit of an activity.

One home for the rule, used by import (`mining.validate.repair_log`) and by the measures
(`mining.stage_times.compute_stage_times`) alike. Within a group (case and activity, or case and
`concept:instance`), events are taken in time order and **each closing event is paired with the earliest
opening event still open before it** (first in, first out): a complete with its start, a complete with its
schedule, a resume with its suspend. A closing event with nothing open before it stays unpaired (a complete
without a start: an instantaneous event as XES allows, counted by import), and an opening event never closed
stays unpaired (a start still running when the log was cut). Pairing by time rather than by the k-th start and
k-th complete keeps one missing start from shifting every later pair of its group, which is what real logs such as
BPI Challenge 2012 need (about 5% of its (case, activity) groups have unequal start and complete counts).

At equal timestamps an opening event comes before a closing one, so a visit that starts and completes in the same
instant pairs with itself.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.codes import NAT, arrow_strings, factorize_column, is_lexsorted, pa_strings
from mining.columns import INSTANCE, LIFECYCLE

__all__ = [
    "adjacent_pairs",
    "completion_from_flags",
    "completion_mask",
    "has_start_events",
    "lifecycle_flags",
    "pair_open_close",
    "pair_visits",
    "same_values",
    "scheduled_moments",
    "suspended_ns",
    "transition_masks",
]


def pair_open_close(
    rows: np.ndarray, closes: np.ndarray, group: np.ndarray, when: np.ndarray, case: np.ndarray | None = None
) -> np.ndarray:
    """Per row, at each closing event the row of the opening event it closes (-1 when none is open), else -1.

    `rows` are row numbers, `closes` is True at closing events and False at opening ones, `group` an integer key
    (events pair only within a group) and `when` int64 times; `case`, when given, is a key that `group` refines
    (the case), so rows already in (case, time, openers first) order need only a stable sort by group.

    Within a group, in time order with openers first at equal times, a closer is unpaired exactly when no opener is
    open, i.e. when the walk "+1 per opener, -1 per closer" reaches a new low; the k-th paired closer then closes
    the k-th opener (first in, first out). All of it is vectorised: one sort and a running minimum per group,
    without a Python loop over groups.
    """
    n = len(rows)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    side = closes.astype(np.int8)
    in_order = is_lexsorted([side, when, group if case is None else case])
    order = np.argsort(group, kind="stable") if in_order else np.lexsort((np.arange(n), side, when, group))
    group_sorted, closes_sorted = group[order], closes[order]
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = group_sorted[1:] != group_sorted[:-1]
    # a group that runs opener, closer, opener, closer … (the usual log) pairs each closer with the event before it;
    # only the other groups need the walk
    irregular = new_group & closes_sorted  # begins with a closer
    irregular[:-1] |= new_group[1:] & ~closes_sorted[:-1]  # ends with an opener
    irregular[-1] |= not closes_sorted[-1]
    irregular[1:] |= (closes_sorted[1:] == closes_sorted[:-1]) & ~new_group[1:]  # two of a kind in a row
    if irregular.any():
        group_id = np.cumsum(new_group) - 1
        in_irregular = np.zeros(int(group_id[-1]) + 1, dtype=bool)
        in_irregular[group_id[irregular]] = True
        walked = np.flatnonzero(in_irregular[group_id])
        regular_closers = np.flatnonzero(closes_sorted & ~in_irregular[group_id])
        opener_of = _walk(group_sorted[walked], closes_sorted[walked])
        closer_positions = np.flatnonzero(opener_of >= 0)
        out[order[walked[closer_positions]]] = rows[order[walked[opener_of[closer_positions]]]]
    else:
        regular_closers = np.flatnonzero(closes_sorted)
    out[order[regular_closers]] = rows[order[regular_closers - 1]]
    return out


def _walk(group_sorted: np.ndarray, closes_sorted: np.ndarray) -> np.ndarray:
    """For events sorted by group, then time (openers first on ties): at each closer the position of the opener it
    closes (-1 when none is open), else -1; the walk and running minimum `pair_open_close` describes."""
    n = len(group_sorted)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    new_group = np.ones(n, dtype=bool)
    new_group[1:] = group_sorted[1:] != group_sorted[:-1]
    group_id = np.cumsum(new_group) - 1
    first = np.flatnonzero(new_group)
    step = np.where(closes_sorted, -1, 1).astype(np.int64)
    walk = np.cumsum(step)
    walk -= (walk - step)[first][group_id]  # the walk restarts at 0 in every group
    # running minimum per group: earlier groups get a larger offset, so they never undercut a later group's values
    offset = (group_id[-1] + 1 - group_id) * (2 * n + 1)
    low = np.minimum(np.minimum.accumulate(walk + offset) - offset, 0)
    low_before = np.zeros(n, dtype=np.int64)
    low_before[1:] = low[:-1]
    low_before[first] = 0
    paired_close = closes_sorted & (walk >= low_before)
    openers = np.flatnonzero(~closes_sorted)
    openers_before = np.cumsum(~closes_sorted) - (~closes_sorted)  # openers in earlier positions (all groups)
    openers_before_group = openers_before[first][group_id]
    close_positions = np.flatnonzero(paired_close)
    rank = np.cumsum(paired_close) - 1  # paired closers before, all groups
    rank_in_group = rank[close_positions] - (np.cumsum(paired_close) - paired_close)[first][group_id[close_positions]]
    out[close_positions] = openers[openers_before_group[close_positions] + rank_in_group]
    return out


def lifecycle_flags(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
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
    arrow = arrow_strings(values)
    if arrow is None or arrow.null_count:
        return None
    import pyarrow.compute as pc

    is_start = pc.equal(arrow, "start").to_numpy(zero_copy_only=False)
    is_complete = pc.equal(arrow, "complete").to_numpy(zero_copy_only=False)
    if bool((is_start | is_complete).all()):
        return is_start, is_complete
    known = pc.is_in(arrow, value_set=pa_strings(("schedule", "suspend", "resume", "start", "complete")))
    return (is_start, is_complete) if bool(pc.all(known).as_py()) else None


def transition_masks(log: pd.DataFrame, *transitions: str) -> dict[str, np.ndarray | None]:
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
    flags = lifecycle_flags(log)
    return flags is not None and bool(flags[0].any())


def completion_mask(log: pd.DataFrame) -> np.ndarray:
    """Rows that complete a stage visit.

    Rows with `lifecycle:transition == complete`; when the log has neither start nor complete transitions
    (BPIC 2013 keeps a status there) or no lifecycle column, every row counts as a completion.
    """
    return completion_from_flags(lifecycle_flags(log), len(log))


def completion_from_flags(flags: tuple[np.ndarray, np.ndarray] | None, n_rows: int) -> np.ndarray:
    if flags is None or not (flags[0].any() or flags[1].any()):
        return np.ones(n_rows, dtype=bool)
    return flags[1]


def adjacent_pairs(
    is_start: np.ndarray,
    is_complete: np.ndarray,
    when: np.ndarray,
    case: np.ndarray,
    keys: list[np.ndarray | pd.Series],
) -> tuple[np.ndarray, np.ndarray] | None:
    """The pairs of the cases in the simplest shape, found without sorting or grouping, and the rows of the others.

    With the starts and completes in (case, time) order (the other transitions left out), a case whose every start
    is directly followed by its complete (same case and `keys`: activity, and instance id when the log has them)
    alternates start, complete in each of its groups, so these are exactly the pairs `pair_open_close` makes.
    Returns (start_of, rest): per row, at such a complete the row of its start, else -1; and True at the starts
    and completes of the other cases, which the caller pairs in full (in most logs a few cases, where a tie of
    timestamps put another event between a start and its complete). None when the starts and completes are not
    in (case, time) order.

    `case` holds integer case codes and `when` int64 times; each of `keys` is an integer array or a column of
    strings, and a missing value never matches.
    """
    n = len(is_start)
    rows = np.flatnonzero(is_start | is_complete)
    if len(rows) < 2:
        return None
    if len(rows) < n:  # the other transitions (schedule, suspend …) take no part in the pairs: found without them
        found = adjacent_pairs(
            is_start[rows],
            is_complete[rows],
            when[rows],
            case[rows],
            [key[rows] if isinstance(key, np.ndarray) else key.iloc[rows] for key in keys],
        )
        if found is None:
            return None
        start_of, rest = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=bool)
        closers = np.flatnonzero(found[0] >= 0)
        start_of[rows[closers]] = rows[found[0][closers]]
        rest[rows] = found[1]
        return start_of, rest
    if not is_lexsorted([when, case]):
        return None
    opens_pair = np.zeros(n, dtype=bool)  # a start whose complete is the next row
    opens_pair[:-1] = is_start[:-1] & is_complete[1:]
    for key in [case, *keys]:
        opens_pair[:-1] &= _equal_to_next(key)
    closes_pair = np.zeros(n, dtype=bool)
    closes_pair[1:] = opens_pair[:-1]
    stray = ~(opens_pair | closes_pair)  # an event in no such pair: its case is paired in full
    rest = np.zeros(n, dtype=bool)
    if stray.any():
        stray_case = np.zeros(int(case.max()) + 1, dtype=bool)
        stray_case[case[stray]] = True
        rest = stray_case[case]
    start_of = np.full(n, -1, dtype=np.int64)
    closers = np.flatnonzero(closes_pair & ~rest)
    start_of[closers] = closers - 1
    return start_of, rest


def _equal_to_next(values: np.ndarray | pd.Series) -> np.ndarray:
    """Per row but the last: True when the value equals the next row's, neither missing (strings compared by Arrow
    without copying them)."""
    if isinstance(values, np.ndarray):
        return values[1:] == values[:-1]
    arrow = arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        equal = pc.fill_null(pc.equal(arrow.slice(0, len(arrow) - 1), arrow.slice(1)), False)
        return equal.to_numpy(zero_copy_only=False)
    array = values.to_numpy()
    known = pd.notna(array)
    return known[1:] & known[:-1] & (array[1:] == array[:-1])


def same_values(values: pd.Series, left: np.ndarray, right: np.ndarray) -> bool:
    """True when `values` at rows `left` equal `values` at rows `right`, pairwise, with no missing value."""
    arrow = arrow_strings(values)
    if arrow is not None:
        import pyarrow.compute as pc

        equal = pc.equal(arrow.take(left), arrow.take(right))
        return equal.null_count == 0 and bool(pc.all(equal).as_py() if len(equal) else True)
    array = values.to_numpy()
    a, b = array[left], array[right]
    return bool((pd.notna(a) & pd.notna(b) & (a == b)).all())


def pair_visits(
    log: pd.DataFrame,
    case_codes: np.ndarray,
    activity_codes: np.ndarray,
    flags: tuple[np.ndarray, np.ndarray] | None,
    ts: np.ndarray,
) -> dict[str, np.ndarray]:
    """One entry per completion, in row order, with its start (NaT when unmatched): arrays case, act, row,
    start_row, start, complete.

    Starts and completes are grouped by (concept:instance when usable, case, activity) and paired by
    `pair_open_close`. Pairing within (case, activity) first and checking that every pair shares its
    `concept:instance` gives the same pairs without hashing the instance ids (usually one per visit); only when a
    pair disagrees are the instance ids factorized and used.
    """
    is_complete = completion_from_flags(flags, len(log))
    complete_rows = np.flatnonzero(is_complete)
    if flags is None or not flags[0].any():
        return {"case": case_codes[complete_rows], "act": activity_codes[complete_rows], "row": complete_rows,
                "start_row": np.full(len(complete_rows), -1), "start": np.full(len(complete_rows), NAT),
                "complete": ts[complete_rows]}  # fmt: skip
    rows = np.flatnonzero(flags[0] | is_complete)
    start_of = np.full(len(log), -1, dtype=np.int64)
    keys = [activity_codes, *([log[INSTANCE]] if INSTANCE in log.columns else [])]
    split = adjacent_pairs(flags[0], is_complete, ts, case_codes, keys)
    if split is not None:  # the cases in the simplest shape are paired; the others below
        start_of, rest = split
        rows = rows[rest[rows]]
    if len(rows):
        side = is_complete[rows]  # False: start, True: complete
        case, act, when = case_codes[rows], activity_codes[rows], ts[rows]
        group_key = case * (int(act.max(initial=0)) + 1) + act
        paired = pair_open_close(rows, side, group_key, when, case)
        if INSTANCE in log.columns:
            matched = paired >= 0
            if not same_values(log[INSTANCE], paired[matched], rows[matched]):
                instance, _ = factorize_column(log[INSTANCE])
                instance = instance[rows]
                if not (instance < 0).any():
                    combined = pd.factorize(instance * (int(group_key.max()) + 1) + group_key)[0]
                    paired = pair_open_close(rows, side, combined.astype(np.int64), when)
        start_of[rows] = paired
    start_rows = start_of[complete_rows]
    start = np.where(start_rows >= 0, ts[start_rows], NAT)
    complete = ts[complete_rows]
    return {"case": case_codes[complete_rows], "act": activity_codes[complete_rows], "row": complete_rows,
            "start_row": start_rows, "start": start, "complete": complete}  # fmt: skip


def scheduled_moments(
    is_schedule: np.ndarray | None,
    group_key: np.ndarray,
    is_complete: np.ndarray,
    ts: np.ndarray,
    complete_rows: np.ndarray,
) -> np.ndarray:
    """Per completion (in `complete_rows` order): the time of its `schedule` event, NaT where it has none.

    Within a (case, activity) each completion closes the earliest schedule still open before it."""
    if is_schedule is None:
        return np.full(len(complete_rows), NAT, dtype=np.int64)
    rows = np.flatnonzero(is_schedule | is_complete)
    side = is_complete[rows]
    schedule_of = pair_open_close(rows, side, group_key[rows], ts[rows])[side]
    return np.where(schedule_of >= 0, ts[np.maximum(schedule_of, 0)], NAT)


def suspended_ns(
    is_suspend: np.ndarray | None,
    is_resume: np.ndarray | None,
    group_key: np.ndarray,
    ts: np.ndarray,
    paired: dict[str, np.ndarray],
) -> np.ndarray:
    """Per completion (in `paired` order): nanoseconds its work was suspended (0 where the log says nothing).

    Each `resume` closes the earliest open `suspend` of the same (case, activity); the pause belongs to the visit
    of that activity that had started last before it."""
    out = np.zeros(len(paired["row"]), dtype=np.int64)
    if is_suspend is None or is_resume is None:
        return out
    rows = np.flatnonzero(is_suspend | is_resume)
    side = is_resume[rows]
    suspend_of = pair_open_close(rows, side, group_key[rows], ts[rows])[side]
    closed = suspend_of >= 0
    suspend_rows = suspend_of[closed]
    span = ts[rows[side][closed]] - ts[suspend_rows]
    started = paired["start"] != NAT
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
