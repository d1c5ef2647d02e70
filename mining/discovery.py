"""Process discovery on the completion events: Inductive Miner model and token-based conformance.

pm4py does the mining; this module feeds it a fresh frame of completion events only (the caller's frame is
never modified), passes the column keys explicitly, and keeps pm4py's progress bars quiet. The directly-follows
graph and the variants live in `mining.dfg` (their one home); they are re-exported here for older imports.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.dfg import discover_dfg, list_variants
from mining.pairing import completion_mask
from mining.stage_times import require_columns

__all__ = [
    "ProcessModel",
    "check_conformance",
    "completion_events",
    "discover_dfg",  # defined in mining.dfg, named here too for older imports
    "discover_process_model",
    "list_variants",  # defined in mining.dfg, named here too for older imports
]


@dataclass(frozen=True, slots=True)
class ProcessModel:
    """An accepting Petri net found by the Inductive Miner, and the same model as BPMN."""

    net: Any
    initial_marking: Any
    final_marking: Any
    bpmn: Any


@contextlib.contextmanager
def quiet_pm4py() -> Iterator[None]:
    """Switch pm4py's tqdm progress bars off for the duration of the block, then restore the setting."""
    from pm4py.util import constants

    previous = constants.SHOW_PROGRESS_BAR
    constants.SHOW_PROGRESS_BAR = False
    try:
        yield
    finally:
        constants.SHOW_PROGRESS_BAR = previous


def completion_events(log: pd.DataFrame) -> pd.DataFrame:
    """A new frame of the completion events only (case, activity, timestamp as plain str/UTC), sorted in case order.

    Sorted by case (first appearance), then timestamp, then original row order, as pm4py wants it.
    """
    require_columns(log)
    mask = completion_mask(log)
    events = pd.DataFrame(
        {
            CASE: log[CASE].to_numpy()[mask].astype(str),
            ACTIVITY: log[ACTIVITY].to_numpy()[mask].astype(str),
            TIMESTAMP: pd.DatetimeIndex(timestamps_ns(log[TIMESTAMP])[mask].view("datetime64[ns]")).tz_localize("UTC"),
        }
    )
    case_order = pd.factorize(events[CASE])[0]
    order = np.lexsort((np.arange(len(events)), timestamps_ns(events[TIMESTAMP]), case_order))
    return events.iloc[order].reset_index(drop=True)


def discover_process_model(log: pd.DataFrame, *, noise_threshold: float = 0.0) -> ProcessModel:
    """Inductive Miner Petri net (and its BPMN conversion) of the completion events.

    `noise_threshold` (0 to 1) is the Inductive Miner's infrequent-behaviour filter; 0 keeps every path.
    """
    import pm4py

    events = completion_events(log)
    with quiet_pm4py():
        net, initial, final = pm4py.discover_petri_net_inductive(
            events,
            noise_threshold=noise_threshold,
            activity_key=ACTIVITY,
            timestamp_key=TIMESTAMP,
            case_id_key=CASE,
        )
        bpmn = pm4py.convert_to_bpmn(net, initial, final)
    return ProcessModel(net=net, initial_marking=initial, final_marking=final, bpmn=bpmn)


def check_conformance(log: pd.DataFrame, model: ProcessModel) -> dict[str, float]:
    """Token-based replay of the completion events on the model: fitness and precision, each in [0, 1].

    Keys: `fitness` (pm4py's log fitness), `average_trace_fitness`, `fitting_traces_share`, `precision`.
    """
    import pm4py

    events = completion_events(log)
    keys = {"activity_key": ACTIVITY, "timestamp_key": TIMESTAMP, "case_id_key": CASE}
    with quiet_pm4py():
        fitness = pm4py.fitness_token_based_replay(
            events, model.net, model.initial_marking, model.final_marking, **keys
        )
        precision = pm4py.precision_token_based_replay(
            events, model.net, model.initial_marking, model.final_marking, **keys
        )
    return {
        "fitness": float(fitness["log_fitness"]),
        "average_trace_fitness": float(fitness["average_trace_fitness"]),
        "fitting_traces_share": float(fitness["perc_fit_traces"]) / 100.0,
        "precision": float(precision),
    }
