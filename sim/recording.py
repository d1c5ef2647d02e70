"""What one replication records: plain lists appended during the run, turned into DataFrames once at the end.

The engine extends flat lists of a `Recorder` (integer indexes stand for names) and keeps one row per case, and
`Recorder.finish` builds the frozen `Recording` with fixed column order and dtypes. Times are hours after the run
start (float64); NaN marks what had not happened yet at the horizon.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

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

VISIT_COLUMNS = ("case", "item", "stream", "stage", "team", "server", "ready_h", "start_h", "complete_h", "batch")
CASE_COLUMNS = ("case", "item", "stream", "scenario", "priority", "parent", "arrival_h", "complete_h", "sla_h")
QUEUE_COLUMNS = ("time_h", "stage", "queue_length")
BUSY_COLUMNS = ("time_h", "team", "busy")

# The engine extends `Recorder.visits` with 9 values per completed visit, in this order: case, item index, stage
# index, team index, server id, ready, start, complete, batch. Flat lists of atoms keep the garbage collector out of
# the hot path and turn into columns by slicing.
VISIT_STRIDE = 9
SAMPLE_STRIDE = 3  # queues and busy: time, stage or team index, value
# Positions inside a case row: who the item is, then its current (not yet completed) visit, so that visits still
# under way at the horizon can be written out at the end.
# C_SERVER is only meaningful once C_START is set (a visit not yet started may still hold the previous visit's).
C_CASE, C_ITEM, C_PRIORITY, C_PARENT, C_ARRIVAL, C_COMPLETE, C_STAGE, C_TEAM, C_READY, C_START, C_BATCH, C_SERVER = (
    range(12)
)


@dataclass(frozen=True, slots=True)
class Recording:
    """Everything one replication produced, as DataFrames (times in hours after the run start; warm-up included).

    Attributes:
        visits: one row per stage visit (`VISIT_COLUMNS`); `server` is the id (1..capacity) of the team member who
            served it, -1 when not started by the horizon; a batch member has the batch's server, start/complete
            and id.
        cases: one row per work item (`CASE_COLUMNS`); `complete_h` NaN when still in progress at the horizon.
        queues: step samples of items waiting for a server per stage (`QUEUE_COLUMNS`), one row per change,
            starting with a 0 at time 0 for every stage.
        busy: step samples of busy servers per team (`BUSY_COLUMNS`), one row per change, starting with 0 at time 0.
        horizon_h: simulated hours.
        replication: the replication number (also in the case ids).
        network_name: the network's name.
    """

    visits: pd.DataFrame
    cases: pd.DataFrame
    queues: pd.DataFrame
    busy: pd.DataFrame
    horizon_h: float
    replication: int
    network_name: str


def _names(values: Sequence[str], indexes: np.ndarray) -> np.ndarray:
    """Look up names by index in one vectorised step (object array of str)."""
    return np.asarray(values, dtype=object)[indexes] if len(indexes) else np.empty(0, dtype=object)


class Recorder:
    """The lists one run appends to; names are kept as indexes into the tuples given here until `finish`."""

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
        self.visits: list[str | int | float] = []
        self.cases: list[list] = []
        self.queues: list[float | int] = [value for s in range(len(self.stage_names)) for value in (0.0, s, 0)]
        self.busy: list[float | int] = [value for t in range(len(self.team_names)) for value in (0.0, t, 0)]

    @staticmethod
    def new_case(case: str, item: int, priority: int, parent: str | None, arrival_h: float) -> list:
        """A case row (positions `C_*`): no visit under way yet (stage -1), not complete (NaN)."""
        return [case, item, priority, parent, arrival_h, math.nan, -1, -1, math.nan, math.nan, -1, -1]

    def finish(self, *, horizon_h: float, replication: int, network_name: str) -> Recording:
        """Build the `Recording`'s DataFrames once, from the rows appended during the run."""
        return Recording(
            visits=self._visit_frame(),
            cases=self._case_frame(),
            queues=self._sample_frame(self.queues, QUEUE_COLUMNS, self.stage_names),
            busy=self._sample_frame(self.busy, BUSY_COLUMNS, self.team_names),
            horizon_h=float(horizon_h),
            replication=int(replication),
            network_name=network_name,
        )

    def _visit_frame(self) -> pd.DataFrame:
        flat = list(self.visits)
        for row in self.cases:  # visits under way at the horizon: started (or not) but not complete
            if row[C_STAGE] >= 0 and math.isnan(row[C_COMPLETE]):
                flat.extend(
                    (
                        row[C_CASE],
                        row[C_ITEM],
                        row[C_STAGE],
                        row[C_TEAM],
                        -1 if math.isnan(row[C_START]) else row[C_SERVER],
                        row[C_READY],
                        row[C_START],
                        math.nan,
                        row[C_BATCH],
                    )
                )
        columns = [flat[k::VISIT_STRIDE] for k in range(VISIT_STRIDE)]
        case, item, stage, team, server, ready, start, complete, batch = columns
        item_index = np.asarray(item, dtype=np.intp)
        return pd.DataFrame(
            {
                "case": pd.array(case, dtype="str"),
                "item": pd.array(_names(self.item_names, item_index), dtype="str"),
                "stream": pd.array(_names(self.item_streams, item_index), dtype="str"),
                "stage": pd.array(_names(self.stage_names, np.asarray(stage, dtype=np.intp)), dtype="str"),
                "team": pd.array(_names(self.team_names, np.asarray(team, dtype=np.intp)), dtype="str"),
                "server": np.asarray(server, dtype=np.int64),
                "ready_h": np.asarray(ready, dtype=np.float64),
                "start_h": np.asarray(start, dtype=np.float64),
                "complete_h": np.asarray(complete, dtype=np.float64),
                "batch": np.asarray(batch, dtype=np.int64),
            },
            columns=list(VISIT_COLUMNS),
        )

    def _case_frame(self) -> pd.DataFrame:
        rows = self.cases
        case = [row[C_CASE] for row in rows]
        item = [row[C_ITEM] for row in rows]
        priority = [row[C_PRIORITY] for row in rows]
        parent = [row[C_PARENT] for row in rows]
        arrival = [row[C_ARRIVAL] for row in rows]
        complete = [row[C_COMPLETE] for row in rows]
        item_index = np.asarray(item, dtype=np.intp)
        return pd.DataFrame(
            {
                "case": pd.array(case, dtype="str"),
                "item": pd.array(_names(self.item_names, item_index), dtype="str"),
                "stream": pd.array(_names(self.item_streams, item_index), dtype="str"),
                "scenario": pd.array(_names(self.item_scenarios, item_index), dtype="str"),
                "priority": np.asarray(priority, dtype=np.int64),
                "parent": pd.array(parent, dtype="str"),
                "arrival_h": np.asarray(arrival, dtype=np.float64),
                "complete_h": np.asarray(complete, dtype=np.float64),
                "sla_h": np.asarray(self.item_slas, dtype=np.float64)[item_index]
                if len(item_index)
                else np.empty(0, dtype=np.float64),
            },
            columns=list(CASE_COLUMNS),
        )

    @staticmethod
    def _sample_frame(flat: list[float | int], columns: tuple[str, str, str], names: tuple[str, ...]) -> pd.DataFrame:
        time, index, value = (flat[k::SAMPLE_STRIDE] for k in range(SAMPLE_STRIDE))
        return pd.DataFrame(
            {
                columns[0]: np.asarray(time, dtype=np.float64),
                columns[1]: pd.array(_names(names, np.asarray(index, dtype=np.intp)), dtype="str"),
                columns[2]: np.asarray(value, dtype=np.int64),
            },
            columns=list(columns),
        )
