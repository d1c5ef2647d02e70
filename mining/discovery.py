"""Process discovery on the completion events: directly-follows graph, Inductive Miner model, variants,
token-based conformance.

pm4py does the mining; this module feeds it a fresh frame of completion events only (the caller's frame is
never modified), passes the column keys explicitly, and keeps pm4py's progress bars quiet. The DFG and the
variants are computed column-wise here (pm4py's `discover_performance_dfg` gives the same numbers; the tests
check it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from mining.codes import factorize_cases, factorize_column, is_lexsorted, timestamps_ns
from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.pairing import completion_mask
from mining.stage_times import require_columns

__all__ = [
    "ProcessModel",
    "check_conformance",
    "completion_events",
    "discover_dfg",
    "discover_process_model",
    "list_variants",
]

_NS_PER_HOUR = 3_600_000_000_000
VARIANT_SEPARATOR = " → "


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


def _completion_codes(log: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index, np.ndarray]:
    """Completion events as codes in case order: case code, activity code, activity names, timestamp (ns)."""
    require_columns(log)
    mask = completion_mask(log)
    case = factorize_cases(log[CASE], mask)[0]
    activity_codes, activity_names = factorize_column(log[ACTIVITY], mask)
    ts = timestamps_ns(log[TIMESTAMP])[mask]
    if is_lexsorted([ts, case]):  # a log sorted by case then time (as `read_log` returns it) needs no sort
        return case, activity_codes, activity_names, ts
    order = np.lexsort((ts, case))  # stable: equal timestamps keep their order in the log
    return case[order], activity_codes[order], activity_names, ts[order]


def discover_dfg(log: pd.DataFrame) -> nx.DiGraph:
    """Frequency and performance directly-follows graph of the completion events.

    Nodes are activities (attribute `count`: occurrences); edge a→b means b directly followed a in a case,
    with attributes `count`, `mean_h` and `median_h` (time from a's completion to b's, hours). Graph
    attributes `start_activities` and `end_activities` map activity → number of cases.
    """
    case, activity_codes, activity_names, ts = _completion_codes(log)
    follows = np.zeros(len(case), dtype=bool)
    follows[1:] = case[1:] == case[:-1]
    previous = np.flatnonzero(follows) - 1
    n_activities = len(activity_names)
    # one integer key per (source, target): counts and means by bincount, only the median needs a groupby
    key = activity_codes[previous] * n_activities + activity_codes[follows]
    gaps_h = (ts[follows] - ts[previous]) / _NS_PER_HOUR
    medians = pd.Series(gaps_h).groupby(key, sort=True).median()
    present = medians.index.to_numpy()
    sizes = np.bincount(key, minlength=n_activities * n_activities)[present]
    means = np.bincount(key, weights=gaps_h, minlength=n_activities * n_activities)[present] / sizes
    edges = pd.DataFrame({"size": sizes, "mean": means, "median": medians.to_numpy()}, index=present)
    graph = nx.DiGraph()
    names = activity_names.to_numpy()
    counts = np.bincount(activity_codes, minlength=len(names))
    for code in np.flatnonzero(counts):
        graph.add_node(str(names[code]), count=int(counts[code]))
    for edge, size, mean, median in zip(
        edges.index.to_numpy(), edges["size"].to_numpy(), edges["mean"].to_numpy(), edges["median"].to_numpy(),
        strict=True,
    ):
        graph.add_edge(
            str(names[edge // n_activities]),
            str(names[edge % n_activities]),
            count=int(size),
            mean_h=float(mean),
            median_h=float(median),
        )
    first = np.ones(len(case), dtype=bool)
    first[1:] = ~follows[1:]
    last = np.ones(len(case), dtype=bool)
    last[:-1] = ~follows[1:]
    graph.graph["start_activities"] = _count_names(names, activity_codes[first])
    graph.graph["end_activities"] = _count_names(names, activity_codes[last])
    return graph


def _count_names(names: np.ndarray, codes: np.ndarray) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    return {str(names[code]): int(counts[code]) for code in np.flatnonzero(counts)}


def list_variants(log: pd.DataFrame) -> pd.DataFrame:
    """The distinct activity sequences of the cases: variant (activities joined by " → "), length, cases,
    share (of all cases), lead_time_mean_h (first to last completion, hours); most frequent first.
    """
    case, activity_codes, activity_names, ts = _completion_codes(log)
    columns = ["variant", "length", "cases", "share", "lead_time_mean_h"]
    if len(case) == 0:
        return pd.DataFrame({name: pd.Series(dtype="string" if name == "variant" else "float64") for name in columns})
    case = pd.factorize(case)[0]  # dense codes of the cases that have completions
    n_cases = int(case.max()) + 1
    lengths = np.bincount(case, minlength=n_cases)
    case_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(len(case)) - case_start[case]
    # each case as one padded row of activity codes; identical rows are one variant
    matrix = np.full((n_cases, int(lengths.max())), -1, dtype=np.int32)
    matrix[case, position] = activity_codes
    unique_rows, variant_of_case, cases_per_variant = np.unique(matrix, axis=0, return_inverse=True, return_counts=True)
    variant_of_case = variant_of_case.reshape(-1)
    duration_h = (ts[case_start + lengths - 1] - ts[case_start]) / _NS_PER_HOUR
    lead_mean = np.bincount(variant_of_case, weights=duration_h) / cases_per_variant
    names = activity_names.to_numpy().astype(str)
    labels = [VARIANT_SEPARATOR.join(names[row[row >= 0]]) for row in unique_rows]  # one per variant, not per case
    out = pd.DataFrame(
        {
            "variant": pd.array(labels, dtype="string"),
            "length": (unique_rows >= 0).sum(axis=1).astype(np.int64),
            "cases": cases_per_variant.astype(np.int64),
            "share": cases_per_variant / n_cases,
            "lead_time_mean_h": lead_mean,
        }
    )
    return out.sort_values(["cases", "variant"], ascending=[False, True], kind="stable").reset_index(drop=True)


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
