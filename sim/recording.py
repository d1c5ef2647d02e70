"""What one replication records: flat lists of numbers appended during the run, turned into DataFrames at the end.

The engine extends flat lists of a `Recorder` (integer indexes stand for names and cases) and keeps one row per
case; `Recorder.compact` moves the lists' contents into float64 arrays now and then, so a long run holds 8 bytes
per number rather than a Python object, and `Recorder.finish` builds the frozen `Recording` with fixed column order
and dtypes. Times are hours after the run start (float64); NaN marks what had not happened yet at the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.calendar import WeekSchedule

__all__ = [
    "BUSY_COLUMNS",
    "CASE_COLUMNS",
    "QUEUE_COLUMNS",
    "SAMPLE_STRIDE",
    "VISIT_COLUMNS",
    "VISIT_STRIDE",
    "Recorder",
    "Recording",
]

VISIT_COLUMNS = (
    "case", "item", "stream", "stage", "team", "server", "ready_h", "handoff_done_h", "gate_done_h", "queued_h",
    "escalated_h", "start_h", "complete_h", "batch",
)  # fmt: skip
CASE_COLUMNS = ("case", "item", "stream", "scenario", "priority", "parent", "arrival_h", "complete_h", "sla_h")
QUEUE_COLUMNS = ("time_h", "stage", "queue_length")
BUSY_COLUMNS = ("time_h", "team", "busy")

# The engine extends `Recorder.visits` with 13 numbers per completed visit, in this order: case index (the case's row
# number, `C_INDEX`), item index, stage index, team index, server id, ready, hand-off done, gate done, queued,
# escalated, start, complete, batch. Flat lists of atoms keep the garbage collector out of the hot path;
# `Recorder.compact` turns them into float64 blocks (exact for the integers, all far below 2**53) that reshape into
# columns.
VISIT_STRIDE = 13
SAMPLE_STRIDE = 3  # queues and busy: time, stage or team index, value
# Positions inside a case row: who the item is, then its current (not yet completed) visit, so that visits still
# under way at the horizon can be written out at the end.
# C_SERVER is only meaningful once C_START is set (a visit not yet started may still hold the previous visit's).
# C_INDEX is the case's row number (its position in `Recorder.cases`), which the visits record instead of its id.
# C_HANDOFF_DONE, C_GATE_DONE, C_QUEUED and C_ESCALATED are the moments the visit's hand-off and gate waits ended,
# it joined its team's queue, and escalation moved it (NaN: not yet, or never).
(
    C_CASE, C_ITEM, C_PRIORITY, C_PARENT, C_ARRIVAL, C_COMPLETE, C_STAGE, C_TEAM, C_READY, C_START, C_BATCH, C_SERVER,
    C_INDEX, C_HANDOFF_DONE, C_GATE_DONE, C_QUEUED, C_ESCALATED,
) = range(17)  # fmt: skip
COMPACT_VALUES = 1 << 19
"""`Recorder.compact` moves a list into an array once it holds this many numbers (4 MB of float64)."""


@dataclass(frozen=True, slots=True)
class Recording:
    """Everything one replication produced, as DataFrames (times in hours after the run start; warm-up included).

    Attributes:
        visits: one row per stage visit (`VISIT_COLUMNS`); `server` is the id (1..capacity) of the team member who
            served it, -1 when not started by the horizon; a batch member has the batch's server, start/complete
            and id. Between ready and start the visit waited for its hand-off (until `handoff_done_h`), its gate
            (until `gate_done_h`), its batch (until `queued_h`) and then in the team's queue, after `escalated_h` at
            the team escalation moved it to (NaN when not escalated); `team` is the team that served it.
        cases: one row per work item (`CASE_COLUMNS`); `complete_h` NaN when still in progress at the horizon.
        queues: step samples of items waiting for a server per stage (`QUEUE_COLUMNS`), one row per change,
            starting with a 0 at time 0 for every stage.
        busy: step samples of busy servers per team (`BUSY_COLUMNS`), one row per change, starting with 0 at time 0.
        horizon_h: simulated hours.
        replication: the replication number (also in the case ids).
        network_name: the network's name.
        schedules: the working week of each team that has off-duty time, by team name (work of its visits
            progresses only inside it).
        activities: the activity name of each stage whose event-log name differs from its own, by stage name.
        server_schedules: for a team whose people keep different hours (`sim.people`), the working week of each
            server 1..capacity (None: always on duty); `schedules` then holds the hours in which any of them is.
        resources: for such a team, each server's name in the event log, by team name (others: ``<team>-<k>``).
    """

    visits: pd.DataFrame
    cases: pd.DataFrame
    queues: pd.DataFrame
    busy: pd.DataFrame
    horizon_h: float
    replication: int
    network_name: str
    schedules: Mapping[str, WeekSchedule] = field(default_factory=dict)
    activities: Mapping[str, str] = field(default_factory=dict)
    server_schedules: Mapping[str, tuple[WeekSchedule | None, ...]] = field(default_factory=dict)
    resources: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _names(values: Sequence[str], indexes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Look up names by index in one vectorised step (a ``str`` array)."""
    return pd.array(list(values), dtype="str").take(indexes)


def _table(flat: list[float | int], blocks: list[np.ndarray], stride: int) -> np.ndarray:
    """The compacted blocks and the rest of a flat list as one float64 array of `stride` columns (emptying both).
    `np.fromiter` with the count takes a list of Python numbers in about half the time `np.asarray` does."""
    blocks.append(np.fromiter(flat, dtype=np.float64, count=len(flat)))
    flat.clear()
    table = np.concatenate(blocks).reshape(-1, stride)
    blocks.clear()
    return table


def _compact(flat: list[float | int], blocks: list[np.ndarray]) -> int:
    """Move `flat` into a block when it holds `COMPACT_VALUES` numbers or more; return how many numbers moved."""
    if len(flat) >= COMPACT_VALUES:
        blocks.append(np.fromiter(flat, dtype=np.float64, count=len(flat)))
        moved = len(flat)
        flat.clear()
        return moved
    return 0


class Recorder:
    """The lists one run appends to; names are kept as indexes into the tuples given here until `finish`.

    The engine calls `compact` now and then (it checks lengths only) and `finish` once, which empties the recorder.
    """

    def __init__(
        self,
        *,
        item_names: Sequence[str],
        item_streams: Sequence[str],
        item_scenarios: Sequence[str],
        item_slas: Sequence[float],
        stage_names: Sequence[str],
        team_names: Sequence[str],
    ) -> None:
        self.item_names = tuple(item_names)
        self.item_streams = tuple(item_streams)
        self.item_scenarios = tuple(item_scenarios)
        self.item_slas = tuple(item_slas)
        self.stage_names = tuple(stage_names)
        self.team_names = tuple(team_names)
        self.visits: list[int | float] = []
        self.cases: list[list] = []
        self.queues: list[float | int] = [value for s in range(len(self.stage_names)) for value in (0.0, s, 0)]
        self.busy: list[float | int] = [value for t in range(len(self.team_names)) for value in (0.0, t, 0)]
        self._visit_blocks: list[np.ndarray] = []
        self._compacted_visit_values = 0
        self._queue_blocks: list[np.ndarray] = []
        self._busy_blocks: list[np.ndarray] = []

    def new_case(self, case: str, item: int, priority: int, parent: str | None, arrival_h: float) -> list:
        """A case row (positions `C_*`), appended to `cases`: no visit under way yet (stage -1), not complete (NaN)."""
        nan = math.nan
        cases = self.cases
        row = [case, item, priority, parent, arrival_h, nan, -1, -1, nan, nan, -1, -1, len(cases), nan, nan, nan, nan]
        cases.append(row)
        return row

    def compact(self) -> None:
        """Move each flat list holding `COMPACT_VALUES` numbers or more into a float64 block (the lists stay the
        same objects, so bound `extend` methods remain valid)."""
        self._compacted_visit_values += _compact(self.visits, self._visit_blocks)
        _compact(self.queues, self._queue_blocks)
        _compact(self.busy, self._busy_blocks)

    def visit_count(self) -> int:
        """Completed visits recorded so far (compacted or not)."""
        return (self._compacted_visit_values + len(self.visits)) // VISIT_STRIDE

    def finish(
        self,
        *,
        horizon_h: float,
        replication: int,
        network_name: str,
        schedules: Mapping[str, WeekSchedule] | None = None,
        activities: Mapping[str, str] | None = None,
        server_schedules: Mapping[str, tuple[WeekSchedule | None, ...]] | None = None,
        resources: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Recording:
        """Build the `Recording`'s DataFrames once, from the rows appended during the run, and empty the recorder."""
        case_ids = pd.array(list(map(itemgetter(C_CASE), self.cases)), dtype="str")
        recording = Recording(
            visits=self._visit_frame(case_ids),
            cases=self._case_frame(case_ids),
            queues=self._sample_frame(
                _table(self.queues, self._queue_blocks, SAMPLE_STRIDE), QUEUE_COLUMNS, self.stage_names
            ),
            busy=self._sample_frame(_table(self.busy, self._busy_blocks, SAMPLE_STRIDE), BUSY_COLUMNS, self.team_names),
            horizon_h=float(horizon_h),
            replication=int(replication),
            network_name=network_name,
            schedules=dict(schedules or {}),
            activities=dict(activities or {}),
            server_schedules=dict(server_schedules or {}),
            resources=dict(resources or {}),
        )
        self.cases.clear()
        return recording

    def _visit_frame(self, case_ids: pd.api.extensions.ExtensionArray) -> pd.DataFrame:
        flat = self.visits
        for row in self.cases:  # visits under way at the horizon: started (or not) but not complete
            if row[C_STAGE] >= 0 and math.isnan(row[C_COMPLETE]):
                flat.extend(
                    (
                        row[C_INDEX],
                        row[C_ITEM],
                        row[C_STAGE],
                        row[C_TEAM],
                        -1 if math.isnan(row[C_START]) else row[C_SERVER],
                        row[C_READY],
                        row[C_HANDOFF_DONE],
                        row[C_GATE_DONE],
                        row[C_QUEUED],
                        row[C_ESCALATED],
                        row[C_START],
                        math.nan,
                        row[C_BATCH],
                    )
                )
        table = _table(flat, self._visit_blocks, VISIT_STRIDE)
        item_index = table[:, 1].astype(np.intp)
        return pd.DataFrame(
            {
                "case": case_ids.take(table[:, 0].astype(np.intp)),
                "item": _names(self.item_names, item_index),
                "stream": _names(self.item_streams, item_index),
                "stage": _names(self.stage_names, table[:, 2].astype(np.intp)),
                "team": _names(self.team_names, table[:, 3].astype(np.intp)),
                "server": table[:, 4].astype(np.int64),
                "ready_h": table[:, 5].copy(),
                "handoff_done_h": table[:, 6].copy(),
                "gate_done_h": table[:, 7].copy(),
                "queued_h": table[:, 8].copy(),
                "escalated_h": table[:, 9].copy(),
                "start_h": table[:, 10].copy(),
                "complete_h": table[:, 11].copy(),
                "batch": table[:, 12].astype(np.int64),
            },
            columns=list(VISIT_COLUMNS),
        )

    def _case_frame(self, case_ids: pd.api.extensions.ExtensionArray) -> pd.DataFrame:
        rows = self.cases
        count = len(rows)

        def column(position: int, dtype: type) -> np.ndarray:
            return np.fromiter(map(itemgetter(position), rows), dtype=dtype, count=count)

        item_index = column(C_ITEM, np.intp)
        return pd.DataFrame(
            {
                "case": case_ids,
                "item": _names(self.item_names, item_index),
                "stream": _names(self.item_streams, item_index),
                "scenario": _names(self.item_scenarios, item_index),
                "priority": column(C_PRIORITY, np.int64),
                "parent": pd.array(list(map(itemgetter(C_PARENT), rows)), dtype="str"),
                "arrival_h": column(C_ARRIVAL, np.float64),
                "complete_h": column(C_COMPLETE, np.float64),
                "sla_h": np.asarray(self.item_slas, dtype=np.float64)[item_index]
                if len(item_index)
                else np.empty(0, dtype=np.float64),
            },
            columns=list(CASE_COLUMNS),
        )

    @staticmethod
    def _sample_frame(table: np.ndarray, columns: tuple[str, str, str], names: tuple[str, ...]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                columns[0]: table[:, 0].copy(),
                columns[1]: _names(names, table[:, 1].astype(np.intp)),
                columns[2]: table[:, 2].astype(np.int64),
            },
            columns=list(columns),
        )
