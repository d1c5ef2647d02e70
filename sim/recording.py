"""What one replication records: plain lists appended during the run, turned into DataFrames once at the end.

The engine appends rows to a `Recorder` (lists of lists/tuples holding integer indexes for names), and
`Recorder.finish` builds the frozen `Recording` with fixed column order and dtypes. Times are hours after the run
start (float64); NaN marks what had not happened yet at the horizon.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "BUSY_COLUMNS",
    "CASE_COLUMNS",
    "QUEUE_COLUMNS",
    "VISIT_COLUMNS",
    "Recorder",
    "Recording",
]

VISIT_COLUMNS = ("case", "item", "stream", "stage", "team", "ready_h", "start_h", "complete_h", "batch")
CASE_COLUMNS = ("case", "item", "stream", "scenario", "priority", "parent", "arrival_h", "complete_h", "sla_h")
QUEUE_COLUMNS = ("time_h", "stage", "queue_length")
BUSY_COLUMNS = ("time_h", "team", "busy")

# Positions inside a visit row as the engine appends it: [case, item index, stage index, team index, ready, start,
# complete, batch]; start/complete/team are filled in as the visit progresses.
V_CASE, V_ITEM, V_STAGE, V_TEAM, V_READY, V_START, V_COMPLETE, V_BATCH = range(8)
# Positions inside a case row: [case, item index, priority, parent, arrival, complete].
C_CASE, C_ITEM, C_PRIORITY, C_PARENT, C_ARRIVAL, C_COMPLETE = range(6)


@dataclass(frozen=True, slots=True)
class Recording:
    """Everything one replication produced, as DataFrames (times in hours after the run start; warm-up included).

    Attributes:
        visits: one row per stage visit (`VISIT_COLUMNS`); a batch member has the batch's start/complete and id.
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
        self.visits: list[list] = []
        self.cases: list[list] = []
        self.queues: list[tuple[float, int, int]] = [(0.0, s, 0) for s in range(len(self.stage_names))]
        self.busy: list[tuple[float, int, int]] = [(0.0, t, 0) for t in range(len(self.team_names))]

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
        rows = self.visits
        if rows:
            case, item, stage, team, ready, start, complete, batch = zip(*rows, strict=True)
        else:
            case = item = stage = team = ready = start = complete = batch = ()
        item_index = np.asarray(item, dtype=np.intp)
        return pd.DataFrame(
            {
                "case": pd.array(case, dtype="str"),
                "item": pd.array(_names(self.item_names, item_index), dtype="str"),
                "stream": pd.array(_names(self.item_streams, item_index), dtype="str"),
                "stage": pd.array(_names(self.stage_names, np.asarray(stage, dtype=np.intp)), dtype="str"),
                "team": pd.array(_names(self.team_names, np.asarray(team, dtype=np.intp)), dtype="str"),
                "ready_h": np.asarray(ready, dtype=np.float64),
                "start_h": np.asarray(start, dtype=np.float64),
                "complete_h": np.asarray(complete, dtype=np.float64),
                "batch": np.asarray(batch, dtype=np.int64),
            },
            columns=list(VISIT_COLUMNS),
        )

    def _case_frame(self) -> pd.DataFrame:
        rows = self.cases
        if rows:
            case, item, priority, parent, arrival, complete = zip(*rows, strict=True)
        else:
            case = item = priority = parent = arrival = complete = ()
        item_index = np.asarray(item, dtype=np.intp)
        return pd.DataFrame(
            {
                "case": pd.array(case, dtype="str"),
                "item": pd.array(_names(self.item_names, item_index), dtype="str"),
                "stream": pd.array(_names(self.item_streams, item_index), dtype="str"),
                "scenario": pd.array(_names(self.item_scenarios, item_index), dtype="str"),
                "priority": np.asarray(priority, dtype=np.int64),
                "parent": pd.array(list(parent), dtype="str"),
                "arrival_h": np.asarray(arrival, dtype=np.float64),
                "complete_h": np.asarray(complete, dtype=np.float64),
                "sla_h": np.asarray(self.item_slas, dtype=np.float64)[item_index]
                if len(item_index)
                else np.empty(0, dtype=np.float64),
            },
            columns=list(CASE_COLUMNS),
        )

    @staticmethod
    def _sample_frame(rows: list[tuple[float, int, int]], columns: tuple[str, str, str], names: tuple[str, ...]):
        time, index, value = zip(*rows, strict=True) if rows else ((), (), ())
        return pd.DataFrame(
            {
                columns[0]: np.asarray(time, dtype=np.float64),
                columns[1]: pd.array(_names(names, np.asarray(index, dtype=np.intp)), dtype="str"),
                columns[2]: np.asarray(value, dtype=np.int64),
            },
            columns=list(columns),
        )
