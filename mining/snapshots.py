"""State-snapshot logs: each row records the state of a case *after* an update, as ITSM tools export them.

Read as ordinary events, such a log puts the time spent in a state on the wrong activity: the row "In Progress" at
10:00 is the moment the case *entered* In Progress, and the time until the next row is time spent *in* it. Read as
states (`read_log(..., states=True)`, `flowlab mine --states`), each run of rows with the same state becomes one
visit of that state that completes when the case leaves it (the next different state's first row); the case's
arrival is its first row, so the time elapsed before each completion is exactly the time spent in that state. The
final state of a case completes on entry (it is where the case ended). The resource of a visit is whoever made the
update that left the state (the next state's first row); that of the final state, whoever entered it.

`looks_like_snapshots` is the test `read_log` uses to suggest this reading: many rows repeating the state of the
row before them in the same case (an update of another field) is the mark of a snapshot export.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.codes import factorize_cases, factorize_column
from mining.columns import ACTIVITY, ARRIVAL, CASE, INSTANCE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.errors import EventLogError

__all__ = ["SNAPSHOT_REPEAT_SHARE", "looks_like_snapshots", "read_states", "repeated_share"]

SNAPSHOT_REPEAT_SHARE = 0.3
"""Share of rows repeating their case's previous state above which a complete-only log looks like snapshots."""


def _run_heads(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first row of each case, first row of each run of equal states within a case) as boolean masks; `log` is
    sorted by case then time, as `read_log` returns it."""
    case_codes, _ = factorize_cases(log[CASE])
    state_codes, _ = factorize_column(log[ACTIVITY])
    case_head = np.ones(len(log), dtype=bool)
    case_head[1:] = case_codes[1:] != case_codes[:-1]
    run_head = case_head.copy()
    run_head[1:] |= state_codes[1:] != state_codes[:-1]
    return case_head, run_head


def repeated_share(log: pd.DataFrame) -> float:
    """Share of the rows after a case's first that repeat the state (activity) of the row before them."""
    case_head, run_head = _run_heads(log)
    later = int((~case_head).sum())
    return float((~run_head).sum() / later) if later else 0.0


def looks_like_snapshots(log: pd.DataFrame) -> bool:
    """True for a complete-only log in which more than `SNAPSHOT_REPEAT_SHARE` of the rows repeat the state of the
    row before them in the same case (and at least 20 do)."""
    if LIFECYCLE in log.columns and (log[LIFECYCLE] != "complete").any():
        return False
    case_head, run_head = _run_heads(log)
    repeats = int((~run_head).sum())
    return repeats >= 20 and repeats > SNAPSHOT_REPEAT_SHARE * max(int((~case_head).sum()), 1)


def read_states(log: pd.DataFrame, *, source: str = "<frame>") -> tuple[pd.DataFrame, int]:
    """The visits of a state-snapshot log (see the module docstring) and how many repeated rows were merged.

    `log` is a complete-only log as `read_log` returns it (sorted by case, then time). The result has the same
    columns plus `case:arrival`; one complete event per state visit, stamped when the case left the state.
    """
    if LIFECYCLE in log.columns and (log[LIFECYCLE] != "complete").any():
        raise EventLogError(
            f"{source}: reading as state snapshots needs one row per state change, but the log has "
            f"{sorted(set(log[LIFECYCLE]) - {'complete'})} lifecycle events (expected complete-only rows; "
            "leave out --states for a log with start events)"
        )
    case_head, run_head = _run_heads(log)
    heads = np.flatnonzero(run_head)
    entered = log[TIMESTAMP].to_numpy()[heads]
    last_of_case = np.ones(len(heads), dtype=bool)
    last_of_case[:-1] = case_head[heads[1:]]
    left = entered.copy()
    left[:-1] = np.where(last_of_case[:-1], entered[:-1], entered[1:])
    states = log.iloc[heads].reset_index(drop=True)
    if RESOURCE in states.columns:
        leaver = np.where(last_of_case, heads, np.append(heads[1:], heads[-1]))
        states[RESOURCE] = log[RESOURCE].to_numpy()[leaver]
    states[TIMESTAMP] = pd.Series(left, dtype=log[TIMESTAMP].dtype)
    arrival = log[TIMESTAMP].groupby(factorize_cases(log[CASE])[0]).transform("min").to_numpy()[heads]
    states[ARRIVAL] = pd.Series(arrival, dtype=log[TIMESTAMP].dtype)
    states = states.drop(columns=[INSTANCE], errors="ignore")
    return states, len(log) - len(heads)
