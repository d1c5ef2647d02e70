"""The simulated event log: one `start` and one `complete` row per stage visit, in the XES columns mining reads.

The contract (DESIGN.md, "The event log") is the column list below, in this order and with these dtypes. Times are
timezone-aware UTC: the run's start plus the simulated hours, to the microsecond. Only events that happened before
the horizon are written (a visit still queued at the horizon has no row; one in service has only its `start`).
Cases that arrived before the warm-up are left out entirely, so a log holds the same cases as the statistics.

`org:resource` is the person who did the work, ``<team>-<k>`` for server k (1..capacity) of the team, and
`org:group` the team (the XES org extension's key for a group): mining counts distinct resources as people, so a
log naming only teams would make a five-person team look like one person working five times as hard.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.replications import Replications

if TYPE_CHECKING:
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
    "case:priority": "int64",
    "case:replication": "int64",
    "case:parent": "str",
    "case:arrival": TIMESTAMP_DTYPE,
}
"""The columns of a simulated event log, in order, with their pandas dtypes (`case:parent` is NaN when none)."""

_MICROSECONDS_PER_HOUR = 3_600_000_000


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
    order = visits.sort_values(["case", "ready_h"], kind="stable")
    return order.groupby("case", sort=False).cumcount().reindex(visits.index)


def _frames(source: Recording | Replications) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(source, Replications):
        return source.visits, source.cases
    return source.visits, source.cases.assign(replication=source.replication)


def build_event_log(
    source: Recording | Replications, start: datetime, *, warmup_h: float | None = None
) -> pd.DataFrame:
    """The event log of one recording or of all replications, with the columns and dtypes of `EVENT_LOG_DTYPES`.

    Args:
        source: a `Recording` (one replication) or `Replications`.
        start: the timezone-aware moment simulated hour 0 stands for (the scenario's `run.start`).
        warmup_h: cases arriving before this many hours are left out; None takes the warm-up of `Replications`
            (0 for a bare `Recording`).

    Rows are sorted by timestamp, then case, then visit number, with a visit's `start` before its `complete`.
    `concept:instance` (``<case>#<visit number>``) pairs a start with its complete.
    """
    if warmup_h is None:
        warmup_h = source.warmup_h if isinstance(source, Replications) else 0.0
    visits, cases = _frames(source)
    cases = kept_cases(cases, warmup_h)
    visits = visits.loc[visits["case"].isin(cases["case"])]
    sequence = number_visits(visits)
    attributes = cases.set_index("case")[["item", "stream", "priority", "replication", "parent", "arrival_h"]]
    visits = (
        visits[["case", "stage", "team", "server", "start_h", "complete_h"]]
        .assign(sequence=sequence)
        .join(attributes, on="case")
    )
    columns = [
        "case", "stage", "sequence", "team", "server", "item", "stream", "priority", "replication", "parent",
        "arrival_h",
    ]  # fmt: skip
    parts = []
    for transition, column, order in (("start", "start_h", 0), ("complete", "complete_h", 1)):
        happened = visits.loc[visits[column].notna()]
        parts.append(happened[columns].assign(transition=transition, order=order, time_h=happened[column]))
    events = pd.concat(parts, ignore_index=True).sort_values(
        ["time_h", "case", "sequence", "order"], kind="stable", ignore_index=True
    )
    case_ids = events["case"].astype("str")
    teams = events["team"].astype("str")
    log = pd.DataFrame(
        {
            "case:concept:name": case_ids,
            "concept:name": events["stage"].astype("str"),
            "concept:instance": case_ids + "#" + events["sequence"].astype("int64").astype("str"),
            "lifecycle:transition": events["transition"].astype("str"),
            "time:timestamp": hours_to_timestamps(start, events["time_h"]),
            "org:resource": teams + "-" + events["server"].astype("int64").astype("str"),
            "org:group": teams,
            "case:item": events["item"].astype("str"),
            "case:stream": events["stream"].astype("str"),
            "case:priority": events["priority"].astype("int64"),
            "case:replication": events["replication"].astype("int64"),
            "case:parent": events["parent"].astype("str"),
            "case:arrival": hours_to_timestamps(start, events["arrival_h"]),
        }
    )
    return log.astype(EVENT_LOG_DTYPES)
