"""Which stages hold the work: stages ranked by their share of all waiting, each with its evidence.

Where the log cannot split wait from work for most visits (complete-only, no resources), the ranking uses what
every log has instead: the time elapsed before each activity (ready to complete), and says so
(`ranked_by(table) == "elapsed"`), rather than ranking by a wait it does not know.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY, RESOURCE
from mining.stage_measures import MIN_SPLIT_KNOWN, summarize_stages
from mining.stage_times import require_columns

__all__ = [
    "BOTTLENECK_COLUMNS",
    "RANKED_BY_ATTR",
    "compute_peak_queues",
    "estimate_utilisation",
    "rank_bottlenecks",
    "ranked_by",
]

BOTTLENECK_COLUMNS = [
    "rank",
    ACTIVITY,
    "wait_share",
    "wait_mean_h",
    "wait_p85_h",
    "peak_queue",
    "visits",
    "resources",
    "utilisation",
    "work_mean_h",
    "estimated",
    "split_known",
    "elapsed_mean_h",
    "elapsed_share",
]
RANKED_BY_ATTR = "flowlab:ranked_by"
"""Key of `DataFrame.attrs` saying what `rank_bottlenecks` ranked by: ``"wait"`` or ``"elapsed"``."""


def compute_peak_queues(stage_times: pd.DataFrame) -> pd.Series:
    """Per activity, the most visits waiting for it at one moment (from the [ready, start) intervals).

    Visits whose start is unknown (unsplit estimates) are left out; activities with none give 0.
    """
    require_columns(stage_times, (ACTIVITY, "ready", "start"))
    activity_codes, activity_names = pd.factorize(stage_times[ACTIVITY])
    ready = timestamps_ns(stage_times["ready"])
    start = timestamps_ns(stage_times["start"])
    nat = np.iinfo(np.int64).min
    waiting = (start != nat) & (ready != nat) & (start > ready)
    n = int(waiting.sum())
    codes = np.concatenate([activity_codes[waiting], activity_codes[waiting]])
    times = np.concatenate([ready[waiting], start[waiting]])
    steps = np.concatenate([np.ones(n, dtype=np.int64), -np.ones(n, dtype=np.int64)])
    # at equal times the departures go first, so an item leaving as another arrives is not counted twice
    order = np.lexsort((steps, times, codes))
    codes, steps = codes[order], steps[order]
    queue = pd.Series(steps).groupby(codes).cumsum().to_numpy()
    peaks = np.zeros(len(activity_names), dtype=np.int64)
    np.maximum.at(peaks, codes, queue)
    return pd.Series(peaks, index=pd.Index(activity_names, name=ACTIVITY), name="peak_queue")


def estimate_utilisation(stage_times: pd.DataFrame) -> pd.DataFrame:
    """Per activity: resources (distinct known resources) and utilisation = busy hours / (resources × observed hours).

    The observed period runs from the earliest ready moment to the latest completion in the log; busy time
    is the sum of known work. NaN where no resource or no work is known.
    """
    require_columns(stage_times, (ACTIVITY, "ready", "complete", "work_h"))
    grouped = stage_times.groupby(ACTIVITY, sort=True)
    if RESOURCE in stage_times.columns:
        resources = grouped[RESOURCE].nunique()
    else:
        resources = pd.Series(0, index=grouped.size().index)
    busy_h = grouped["work_h"].sum(min_count=1)
    period_h = (stage_times["complete"].max() - stage_times["ready"].min()) / pd.Timedelta(hours=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        utilisation = busy_h / (resources.where(resources > 0) * period_h) if period_h > 0 else busy_h * np.nan
    return pd.DataFrame({"resources": resources.astype(np.int64), "utilisation": utilisation.astype(float)})


def rank_bottlenecks(stage_times: pd.DataFrame, *, utilisation: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Stages ranked by their share of all waiting (largest first), with the evidence for each.

    Columns: rank (1 = worst), concept:name, wait_share, wait_mean_h, wait_p85_h, peak_queue (most items
    waiting at once), visits, resources, utilisation, work_mean_h, estimated. `utilisation` maps activity
    → utilisation (0 to 1) when it is known from elsewhere (e.g. a simulation's team capacities); it then
    replaces the estimate from the log (`estimate_utilisation`). Stages with equal wait share are ordered by
    their peak queue, then by mean wait. When fewer than `MIN_SPLIT_KNOWN` of all visits have a known wait/work
    split, stages are ranked by `elapsed_share` (their share of all the time elapsed before activities) instead,
    and `ranked_by` says so.
    """
    summary = summarize_stages(stage_times).set_index(ACTIVITY)
    evidence = summary.join(compute_peak_queues(stage_times)).join(estimate_utilisation(stage_times))
    evidence["peak_queue"] = evidence["peak_queue"].fillna(0).astype(np.int64)
    if utilisation is not None:
        given = pd.Series(dict(utilisation), dtype=float)
        unknown = sorted(set(given.index) - set(evidence.index))
        if unknown:
            raise ValueError(
                f"utilisation names activities not in the log: {unknown}; activities: {sorted(evidence.index)}"
            )
        evidence.loc[given.index, "utilisation"] = given
    elapsed_total = (evidence["elapsed_mean_h"] * evidence["visits"]).fillna(0.0)
    total = elapsed_total.sum()
    evidence["elapsed_share"] = elapsed_total / total if total > 0 else 0.0
    split_known = stage_times["wait_h"].notna().mean() if len(stage_times) else 1.0
    by = "wait" if split_known >= MIN_SPLIT_KNOWN else "elapsed"
    keys = ["wait_share", "peak_queue", "wait_mean_h"] if by == "wait" else ["elapsed_share", "visits"]
    evidence = evidence.sort_values(keys, ascending=False, kind="stable", na_position="last").reset_index()
    evidence["rank"] = np.arange(1, len(evidence) + 1)
    table = evidence[BOTTLENECK_COLUMNS]
    table.attrs[RANKED_BY_ATTR] = by
    return table


def ranked_by(table: pd.DataFrame) -> str:
    """What a `rank_bottlenecks` table is ranked by: ``"wait"`` (share of all waiting) or ``"elapsed"``."""
    return str(table.attrs.get(RANKED_BY_ATTR, "wait"))
