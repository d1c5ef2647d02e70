"""Which stages hold the work: stages ranked by their share of all waiting, each with its evidence."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY, RESOURCE
from mining.stage_measures import summarize_stages
from mining.stage_times import require_columns

__all__ = ["BOTTLENECK_COLUMNS", "compute_peak_queues", "estimate_utilisation", "rank_bottlenecks"]

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
]


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
    their peak queue, then by mean wait.
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
    evidence = evidence.sort_values(
        ["wait_share", "peak_queue", "wait_mean_h"], ascending=False, kind="stable", na_position="last"
    ).reset_index()
    evidence["rank"] = np.arange(1, len(evidence) + 1)
    return evidence[BOTTLENECK_COLUMNS]
