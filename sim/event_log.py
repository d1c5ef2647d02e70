"""The simulated event log: the lifecycle of every stage visit, in the XES columns mining reads.

Per visit: `schedule` when the item became ready for the stage (from then on it waits: hand-off, gate, batch,
queue), `start` when a person took it on, a `suspend` / `resume` pair for every off-duty gap of a calendared team
the work spans (nights, weekends: work = complete − start minus the suspended time), and `complete`.

The contract (DESIGN.md, "The event log") is the column list below, in this order and with these dtypes. Times are
timezone-aware UTC: the run's start plus the simulated hours, to the microsecond. Only events that happened before
the horizon are written (a visit still queued at the horizon has only its `schedule`; one in service no `complete`).
Cases that arrived before the warm-up are left out entirely, so a log holds the same cases as the statistics.

`org:resource` is the person who did the work, ``<team>-<k>`` for server k (1..capacity) of the team, and
`org:group` the team (the XES org extension's key for a group): mining counts distinct resources as people, so a
log naming only teams would make a five-person team look like one person working five times as hard. A `schedule`
event has no person yet (`org:resource` missing), only the team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.people import visits_by_schedule
from sim.replications import Replications

if TYPE_CHECKING:
    from sim.calendar import WeekSchedule
    from sim.recording import Recording

TIMESTAMP_DTYPE = pd.DatetimeTZDtype(unit="us", tz="UTC")
"""The dtype of `time:timestamp` and `case:arrival`: microseconds, UTC."""

EVENT_LOG_DTYPES: dict[str, object] = {
    "case:concept:name": "str",
    "concept:name": "str",
    "concept:instance": "str",
    "lifecycle:transition": "str",
    "time:timestamp": TIMESTAMP_DTYPE,
    "org:resource": "str",
    "org:group": "str",
    "case:item": "str",
    "case:stream": "str",
    "case:scenario": "str",
    "case:priority": "int64",
    "case:replication": "int64",
    "case:parent": "str",
    "case:arrival": TIMESTAMP_DTYPE,
}
"""The columns of a simulated event log, in order, with their pandas dtypes (`case:parent` is NaN when none)."""

_MICROSECONDS_PER_HOUR = 3_600_000_000
LIFECYCLE_ORDER = ("schedule", "start", "suspend", "resume", "complete")
"""The transitions a simulated visit goes through, in the order events at the same moment are written."""


def hours_to_timestamps(start: datetime, hours: np.ndarray | pd.Series) -> pd.DatetimeIndex:
    """UTC timestamps of simulated times: `start` (timezone-aware) plus `hours`, rounded to the microsecond."""
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"the run start must be timezone-aware (got {start.isoformat()})")
    origin = pd.Timestamp(start).tz_convert("UTC").as_unit("us")
    origin_us = origin.tz_localize(None).to_datetime64().astype("int64")
    offsets = np.rint(np.asarray(hours, dtype="float64") * _MICROSECONDS_PER_HOUR).astype("int64")
    return pd.DatetimeIndex((origin_us + offsets).view("datetime64[us]")).tz_localize("UTC")


def kept_cases(cases: pd.DataFrame, warmup_h: float) -> pd.DataFrame:
    """The cases that count: those that arrived at or after `warmup_h` hours (earlier ones are the warm-up)."""
    return cases.loc[cases["arrival_h"] >= warmup_h]


def number_visits(visits: pd.DataFrame) -> pd.Series:
    """Each visit's 0-based number within its case, in the order the case became ready for its stages."""
    codes, _ = pd.factorize(visits["case"])
    return pd.Series(_visit_numbers(codes, visits["ready_h"].to_numpy(dtype="float64")), index=visits.index)


def _visit_numbers(case_codes: np.ndarray, ready_h: np.ndarray) -> np.ndarray:
    """`number_visits` on integer case codes: a stable sort by (case, ready time), then a count within each case."""
    order = np.lexsort((ready_h, case_codes))
    grouped = case_codes[order]
    position = np.arange(len(order), dtype=np.int64)
    first = np.ones(len(order), dtype=bool)
    first[1:] = grouped[1:] != grouped[:-1]
    starts = np.maximum.accumulate(np.where(first, position, 0))
    numbers = np.empty(len(order), dtype=np.int64)
    numbers[order] = position - starts
    return numbers


def _frames(source: Recording | Replications) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(source, Replications):
        return source.visits, source.cases
    return source.visits, source.cases.assign(replication=source.replication)


def _activities(source: Recording | Replications) -> Mapping[str, str]:
    """Stage name -> the activity name the log writes for it, where the two differ (the same in every replication)."""
    first = _first(source)
    return first.activities if first is not None else {}


def _first(source: Recording | Replications) -> Recording | None:
    """The recording whose schedules, activities and resource names stand for all (the same in every replication)."""
    if isinstance(source, Replications):
        return source.recordings[0] if source.recordings else None
    return source


def suspensions(
    visits: pd.DataFrame, schedules: Mapping[str, WeekSchedule], horizon_h: float,
    server_schedules: Mapping[str, Sequence[WeekSchedule | None]] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The off-duty gaps each started visit of a calendared team (or, for people who keep different hours, of its
    server, `server_schedules`) spans: (visit row, suspend_h, resume_h) arrays.

    A visit in service at the horizon counts up to the horizon; a resume after the horizon is NaN (not yet)."""
    rows: list[np.ndarray] = []
    closes: list[np.ndarray] = []
    opens: list[np.ndarray] = []
    start_h = visits["start_h"].to_numpy(dtype="float64")
    end_h = np.nan_to_num(visits["complete_h"].to_numpy(dtype="float64"), nan=horizon_h)
    if not schedules and not server_schedules:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    team = visits["team"].to_numpy(dtype=object)
    server = visits["server"].to_numpy(dtype="int64") if server_schedules else None
    started = ~np.isnan(start_h)
    for group, schedule in visits_by_schedule(team, server, schedules, server_schedules or {}):
        mine = group[started[group]]
        owner, close, reopen = schedule.gaps_between(start_h[mine], end_h[mine])
        rows.append(mine[owner])
        closes.append(close)
        opens.append(np.where(reopen < horizon_h, reopen, np.nan))
    if not rows:
        return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
    return np.concatenate(rows), np.concatenate(closes), np.concatenate(opens)


def _strings(values: pa.Array | pa.ChunkedArray) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as the pandas ``str`` dtype."""
    return pd.array(values, dtype="str")


def _joined(text: pa.Array, separator: str, numbers: np.ndarray) -> pa.Array:
    """``<text><separator><number>`` element-wise, in Arrow (large strings, as pandas keeps them)."""
    text = text.cast(pa.large_string())
    return pc.binary_join_element_wise(
        text, pa.array(numbers).cast(pa.large_string()), pa.scalar(separator, type=pa.large_string())
    )


def build_event_log(
    source: Recording | Replications, start: datetime, *, warmup_h: float | None = None
) -> pd.DataFrame:
    """The event log of one recording or of all replications, with the columns and dtypes of `EVENT_LOG_DTYPES`.

    Args:
        source: a `Recording` (one replication) or `Replications`.
        start: the timezone-aware moment simulated hour 0 stands for (the scenario's `run.start`).
        warmup_h: cases arriving before this many hours are left out; None takes the warm-up of `Replications`
            (0 for a bare `Recording`).

    Rows are sorted by timestamp, then case, then visit number, then `LIFECYCLE_ORDER`. `concept:instance`
    (``<case>#<visit number>``) ties a visit's events together.

    The row order is computed on numeric keys (case ids replaced by their rank among the kept cases) and every
    column is built once, by taking from the visit or case columns, to keep the peak memory near the log's own.
    """
    if warmup_h is None:
        warmup_h = source.warmup_h if isinstance(source, Replications) else 0.0
    horizon_h = source.horizon_h
    visits, cases = _frames(source)
    cases = kept_cases(cases, warmup_h)
    case_ids = pa.array(cases["case"].array)
    # Each visit's kept case (its row in `cases`), -1 for a case left out.
    case_row = pc.index_in(pa.array(visits["case"].array), value_set=case_ids).fill_null(-1).to_numpy()
    kept = np.flatnonzero(case_row >= 0)
    case_row = case_row[kept]
    case_rank = np.empty(len(cases), dtype=np.int64)  # a case's place in string order, for sorting on integers
    case_rank[pc.sort_indices(case_ids).to_numpy()] = np.arange(len(cases), dtype=np.int64)
    sequence = _visit_numbers(case_row, visits["ready_h"].to_numpy(dtype="float64")[kept])
    pieces: list[tuple[np.ndarray, np.ndarray]] = []  # per lifecycle transition: (kept visit, time)
    for column in ("ready_h", "start_h"):
        times = visits[column].to_numpy(dtype="float64")[kept]
        happened = np.flatnonzero(~np.isnan(times))
        pieces.append((happened, times[happened]))
    first = _first(source)
    schedules, server_schedules = (first.schedules, first.server_schedules) if first is not None else ({}, {})
    owner, suspend_h, resume_h = suspensions(visits.iloc[kept], schedules, horizon_h, server_schedules)
    pieces.append((owner, suspend_h))
    resumed = ~np.isnan(resume_h)
    pieces.append((owner[resumed], resume_h[resumed]))
    complete_h = visits["complete_h"].to_numpy(dtype="float64")[kept]
    completed = np.flatnonzero(~np.isnan(complete_h))
    pieces.append((completed, complete_h[completed]))
    del complete_h, completed, owner, suspend_h, resume_h
    event_visit = np.concatenate([visit for visit, _ in pieces])  # into the kept visits
    time_h = np.concatenate([times for _, times in pieces])
    order = np.concatenate([np.full(len(visit), k, dtype=np.int8) for k, (visit, _) in enumerate(pieces)])
    del pieces
    rows = np.lexsort((order, sequence[event_visit], case_rank[case_row[event_visit]], time_h))
    event_visit, time_h, order = event_visit[rows], time_h[rows], order[rows]
    del rows
    event_case = case_row[event_visit]  # the event's row in `cases`
    event_sequence = sequence[event_visit]
    event_source = kept[event_visit]  # the event's row in `visits`
    del event_visit, sequence, case_row, kept, case_rank

    event_case_ids = case_ids.take(event_case)
    teams = pa.array(visits["team"].array).take(event_source)
    columns = {
        "case:concept:name": _strings(event_case_ids),
        "concept:name": _activity_names(visits["stage"], _activities(source)).take(event_source),
        "concept:instance": _strings(_joined(event_case_ids, "#", event_sequence)),
        "lifecycle:transition": pd.Categorical.from_codes(order, categories=list(LIFECYCLE_ORDER)).astype("str"),
        "time:timestamp": hours_to_timestamps(start, time_h),
        "org:resource": _resource_names(
            pc.if_else(
                pa.array(order == 0),  # a schedule event: nobody has taken the item on yet
                pa.scalar(None, type=pa.large_string()),
                _joined(teams, "-", visits["server"].to_numpy(dtype="int64")[event_source]),
            ),
            first.resources if first is not None else {},
        ),
        "org:group": _strings(teams),
        "case:item": cases["item"].array.take(event_case),
        "case:stream": cases["stream"].array.take(event_case),
        "case:scenario": cases["scenario"].array.take(event_case),
        "case:priority": cases["priority"].to_numpy(dtype="int64")[event_case],
        "case:replication": cases["replication"].to_numpy(dtype="int64")[event_case],
        "case:parent": cases["parent"].array.take(event_case),
        "case:arrival": hours_to_timestamps(start, cases["arrival_h"].to_numpy(dtype="float64")[event_case]),
    }
    del event_case_ids, teams, event_case, event_sequence, event_source, time_h, order
    return pd.DataFrame(columns).astype(EVENT_LOG_DTYPES)


def _resource_names(
    joined: pa.Array | pa.ChunkedArray, resources: Mapping[str, Sequence[str]]
) -> pd.arrays.ArrowStringArray:
    """``<team>-<k>`` as the event log names the person: as it is, or by `resources` (a team whose people keep
    different hours, `sim.people.resource_names`)."""
    names = _strings(joined)
    renamed = {f"{team}-{k}": name for team, people in resources.items() for k, name in enumerate(people, start=1)}
    renamed = {old: new for old, new in renamed.items() if old != new}
    if not renamed:
        return names
    return pd.Series(names).replace(renamed).array


def _activity_names(stages: pd.Series, activities: Mapping[str, str]) -> pd.api.extensions.ExtensionArray:
    """The stage column as the log's activity names (a stage's `activity` label where it has one)."""
    if not activities:
        return stages.array
    return stages.map(activities).fillna(stages).astype("str").array
