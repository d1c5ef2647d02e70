"""The directly-follows graph and the trace variants of an event log — the one home of both concepts.

`flowlab mine`, `flowlab compare`, the report and the plots all read them from here, with one definition:
the completion events of each case are taken in time order (ties keep their order in the log, as pm4py does);
`b` directly follows `a` when `b`'s completion is the next completion after `a`'s in the same case; a case's
variant is its sequence of completed activities.

Everything is computed on integer codes, sparsely: a directly-follows pair is one int64 key (source code ×
number of activities + target code) and only the pairs that occur are counted, so a log with as many activities as
cases (a mixed-up activity column: 10,000 "activities") needs memory in proportion to its events, never an
activities × activities matrix. Counts, means and medians agree with pm4py's `discover_dfg`,
`discover_performance_dfg` and `get_variants` (tests/mining/test_dfg.py checks them on the real logs).
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from mining.codes import NAT, NS_PER_HOUR, factorize_cases, factorize_column, is_lexsorted, timestamps_ns
from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.errors import EventLogError
from mining.pairing import completion_mask
from mining.stage_times import require_columns

__all__ = [
    "END_NODE",
    "START_NODE",
    "VARIANT_SEPARATOR",
    "CompletionSequences",
    "completion_sequences",
    "count_directly_follows",
    "discover_dfg",
    "discover_performance_dfg",
    "list_variants",
]

VARIANT_SEPARATOR = " → "
"""Between the activity names of a variant's label."""
START_NODE = "▶ start"
"""Artificial source of every case in `count_directly_follows` (so first activities count as edges)."""
END_NODE = "■ end"
"""Artificial sink of every case in `count_directly_follows`."""


@dataclass(frozen=True, slots=True)
class CompletionSequences:
    """The completion events of a log as codes, each case's events contiguous and in time order.

    Attributes:
        case: case code per event; each case's events are contiguous (codes need not be dense).
        activity: activity code per event, an index into `names`.
        names: the activity names (str), one per code.
        timestamp_ns: completion time per event, int64 nanoseconds since the epoch (UTC).
    """

    case: np.ndarray
    activity: np.ndarray
    names: np.ndarray
    timestamp_ns: np.ndarray

    @property
    def follows(self) -> np.ndarray:
        """Per event: True when the previous event belongs to the same case (it has a predecessor)."""
        follows = np.zeros(len(self.case), dtype=bool)
        follows[1:] = self.case[1:] == self.case[:-1]
        return follows

    @property
    def case_starts(self) -> np.ndarray:
        """Index of each case's first event; `len(case)` appended as the end of the last case."""
        first = np.flatnonzero(~self.follows)
        return np.append(first, len(self.case)).astype(np.int64)


def completion_sequences(log: pd.DataFrame) -> CompletionSequences:
    """The completion events of `log` (see `mining.stage_times.completion_mask`) as codes in case order.

    A log that is already sorted by case and time (as `read_log` returns it) is not sorted again; otherwise the
    events are ordered by case (first appearance), then timestamp, keeping the log's order among equal timestamps.
    """
    require_columns(log)
    mask = completion_mask(log)
    rows = None if mask.all() else mask  # every row a completion (BPIC 2013): no filtered copies of the columns
    case = factorize_cases(log[CASE], rows)[0]  # only the completions' ids: cheaper than all rows' runs, then masked
    activity, names = factorize_column(log[ACTIVITY], rows)
    ts = timestamps_ns(log[TIMESTAMP]) if rows is None else timestamps_ns(log[TIMESTAMP])[rows]
    for column, missing in ((CASE, case < 0), (ACTIVITY, activity < 0), (TIMESTAMP, ts == NAT)):
        if missing.any():
            raise EventLogError(f"{int(missing.sum()):,} completion event(s) have no {column} (first at row "
                                f"{int(np.flatnonzero(mask)[np.argmax(missing)])} of the log); every event needs "
                                f"a case, an activity and a timestamp")
    if not is_lexsorted([ts, case]):
        order = np.lexsort((ts, case))  # stable: equal timestamps keep their order in the log
        case, activity, ts = case[order], activity[order], ts[order]
    return CompletionSequences(case=case.astype(np.int64, copy=False), activity=activity.astype(np.int64, copy=False),
                               names=names.to_numpy().astype(str).astype(object), timestamp_ns=ts)


def discover_performance_dfg(log: pd.DataFrame) -> pd.DataFrame:
    """Frequency and performance of each directly-follows pair of the completion events.

    Columns: `source`, `target` (activity names), `count` (times `target` directly followed `source` in a case),
    `mean_h` and `median_h` (time from `source`'s completion to `target`'s, hours); one row per pair that occurs,
    most frequent first (then by source and target). The numbers are pm4py's `discover_performance_dfg`
    (which reports seconds). Memory and time grow with the number of events, not with activities squared.
    """
    return _performance_table(completion_sequences(log))


def _performance_table(sequences: CompletionSequences) -> pd.DataFrame:
    follows = sequences.follows
    target_rows = np.flatnonzero(follows)
    source_rows = target_rows - 1
    n_activities = max(len(sequences.names), 1)
    key = sequences.activity[source_rows] * n_activities + sequences.activity[target_rows]
    gaps_h = (sequences.timestamp_ns[target_rows] - sequences.timestamp_ns[source_rows]) / NS_PER_HOUR
    pair, keys = pd.factorize(key)  # dense codes of the pairs that occur: a hash table, not an n x n array
    n_pairs = len(keys)
    counts = np.bincount(pair, minlength=n_pairs)
    means = np.bincount(pair, weights=gaps_h, minlength=n_pairs) / np.maximum(counts, 1)
    medians = _group_medians(gaps_h, pair, counts)
    names = sequences.names
    source, target = names[keys // n_activities], names[keys % n_activities]
    # most frequent first, then by name: sorted here on codes, not on the finished frame's strings
    rank = np.empty(len(names), dtype=np.int64)
    rank[np.argsort(names.astype(str), kind="stable")] = np.arange(len(names))
    order = np.lexsort((rank[keys % n_activities], rank[keys // n_activities], -counts))
    return pd.DataFrame(
        {
            "source": pd.array(source[order], dtype="string"),
            "target": pd.array(target[order], dtype="string"),
            "count": counts[order].astype(np.int64),
            "mean_h": means[order].astype(float),
            "median_h": medians[order].astype(float),
        }
    )


_LOOP_MEDIANS = 4096
"""Up to this many groups, medians are taken group by group after one radix sort; beyond, by pandas' groupby."""


def _group_medians(values: np.ndarray, group: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of `values` per group code 0..len(counts)-1 (every group non-empty), as pandas computes it."""
    if len(counts) > _LOOP_MEDIANS:
        return pd.Series(values).groupby(group, sort=True).median().to_numpy()
    ordered = values[np.argsort(group.astype(np.uint16), kind="stable")]  # radix sort of small codes: O(n)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    medians = np.empty(len(counts))
    for index, (begin, end) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)):
        segment, half = ordered[begin:end], (end - begin) // 2
        if (end - begin) % 2:
            medians[index] = np.partition(segment, half)[half]
        else:
            low_high = np.partition(segment, (half - 1, half))
            medians[index] = (low_high[half - 1] + low_high[half]) / 2
    return medians


def _count_names(names: np.ndarray, codes: np.ndarray) -> dict[str, int]:
    counts = np.bincount(codes, minlength=len(names))
    return {str(names[code]): int(counts[code]) for code in np.flatnonzero(counts)}


def discover_dfg(log: pd.DataFrame) -> nx.DiGraph:
    """Frequency and performance directly-follows graph of the completion events, for drawing.

    Nodes are activities (attribute `count`: completions); edge a→b has the attributes `count`, `mean_h` and
    `median_h` of `discover_performance_dfg`. Graph attributes `start_activities` and `end_activities` map
    activity → number of cases that begin / end with it.
    """
    sequences = completion_sequences(log)
    table = _performance_table(sequences)
    graph = nx.DiGraph()
    names = sequences.names
    counts = np.bincount(sequences.activity, minlength=len(names))
    graph.add_nodes_from((str(names[code]), {"count": int(counts[code])}) for code in np.flatnonzero(counts))
    graph.add_edges_from(
        (str(source), str(target), {"count": int(count), "mean_h": float(mean), "median_h": float(median)})
        for source, target, count, mean, median in zip(
            table["source"].to_numpy(dtype=object), table["target"].to_numpy(dtype=object),
            table["count"].to_numpy(), table["mean_h"].to_numpy(), table["median_h"].to_numpy(), strict=True,
        )
    )
    starts = sequences.case_starts
    graph.graph["start_activities"] = _count_names(names, sequences.activity[starts[:-1]])
    graph.graph["end_activities"] = _count_names(names, sequences.activity[starts[1:] - 1])
    return graph


def count_directly_follows(log: pd.DataFrame) -> pd.DataFrame:
    """Directly-follows counts with the artificial `START_NODE` → first and last → `END_NODE` edges of each case.

    Columns `source`, `target`, `count`; most frequent first (then by source and target). The edges between
    activities are those of `discover_performance_dfg`; comparing two logs with these counts also compares how
    their cases begin and end.
    """
    sequences = completion_sequences(log)
    inner = _performance_table(sequences)[["source", "target", "count"]]
    starts = sequences.case_starts
    begins = _count_names(sequences.names, sequences.activity[starts[:-1]])
    finishes = _count_names(sequences.names, sequences.activity[starts[1:] - 1])
    ends = [pd.DataFrame({"source": START_NODE, "target": list(begins), "count": list(begins.values())}),
            pd.DataFrame({"source": list(finishes), "target": END_NODE, "count": list(finishes.values())})]
    table = pd.concat([inner.astype({"source": object, "target": object}), *ends], ignore_index=True)
    table["count"] = table["count"].astype(np.int64)
    return table.sort_values(["count", "source", "target"], ascending=[False, True, True],
                             kind="stable").reset_index(drop=True)


def variant_of_cases(sequences: CompletionSequences) -> tuple[np.ndarray, list[np.ndarray]]:
    """Per case (code order) its variant code, and per variant code its activity codes (first case's order).

    Exact: each case's activity codes become one bytes key (no padding to the longest case, no hashing of
    numbers that could collide).
    """
    starts = sequences.case_starts
    if len(starts) <= 1:
        return np.empty(0, dtype=np.int64), []
    buffer = sequences.activity.astype("<i8").tobytes()
    width = 8
    keys = [buffer[begin * width:end * width] for begin, end in zip(starts[:-1].tolist(), starts[1:].tolist(),
                                                                     strict=True)]
    variant, unique_keys = pd.factorize(pd.Series(keys, dtype=object))
    sequences_of = [np.frombuffer(key, dtype="<i8") for key in unique_keys]
    return variant.astype(np.int64), sequences_of


def list_variants(log: pd.DataFrame) -> pd.DataFrame:
    """The distinct activity sequences of the cases, most frequent first (then by label).

    Columns: `variant` (activities joined by " → "), `length`, `cases`, `share` (of all cases with a completion),
    `lead_time_mean_h` (first to last completion, hours, mean over the variant's cases).
    """
    sequences = completion_sequences(log)
    variant, codes = variant_of_cases(sequences)
    columns = ["variant", "length", "cases", "share", "lead_time_mean_h"]
    if len(variant) == 0:
        return pd.DataFrame({name: pd.Series(dtype="string" if name == "variant" else "float64") for name in columns})
    starts = sequences.case_starts
    cases_per_variant = np.bincount(variant, minlength=len(codes))
    duration_h = (sequences.timestamp_ns[starts[1:] - 1] - sequences.timestamp_ns[starts[:-1]]) / NS_PER_HOUR
    lead_mean = np.bincount(variant, weights=duration_h, minlength=len(codes)) / cases_per_variant
    names = sequences.names
    out = pd.DataFrame(
        {
            "variant": pd.array([VARIANT_SEPARATOR.join(names[row]) for row in codes], dtype="string"),
            "length": np.array([len(row) for row in codes], dtype=np.int64),
            "cases": cases_per_variant.astype(np.int64),
            "share": cases_per_variant / len(variant),
            "lead_time_mean_h": lead_mean,
        }
    )
    return out.sort_values(["cases", "variant"], ascending=[False, True], kind="stable").reset_index(drop=True)
