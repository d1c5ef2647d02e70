"""Per-stage flow measures of an event log: visits, wait and work (hours), share of all waiting, rework, throughput.

The stage table of `flowlab mine`, of each replication of `flowlab run` and of the bottleneck ranking; built from
`compute_stage_times` (one row per completed visit). With a window, a visit counts when it became ready inside it
(the per-visit form of the warm-up rule of `mining.flow_measures`), and throughput counts the visits completed inside
it, whichever case they belong to.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from mining.columns import ACTIVITY, CASE
from mining.flow_measures import Window
from mining.stage_times import require_columns

__all__ = ["MIN_SPLIT_KNOWN", "STAGE_SUMMARY_COLUMNS", "summarize_stages"]

STAGE_SUMMARY_COLUMNS = (
    ACTIVITY, "visits", "cases", "wait_mean_h", "wait_p50_h", "wait_p85_h", "work_mean_h", "work_p85_h",
    "wait_total_h", "wait_share", "rework_rate", "throughput_per_day", "estimated", "split_known", "elapsed_mean_h",
)  # fmt: skip
"""Columns of `summarize_stages` after the group columns, in order."""

MIN_SPLIT_KNOWN = 0.5
"""Below this share of a stage's visits with a known wait/work split, its wait and work are reported as unknown
(NaN): the few visits a complete-only log without resources can split (the first of a case: zero and zero) say
nothing about the rest, and an unknown must never print as 0."""


def summarize_stages(
    stage_times: pd.DataFrame, *, by: Sequence[str] = (), window: Window | None = None
) -> pd.DataFrame:
    """Per activity (and `by` group): visits, cases, wait/work mean and quantiles (hours), wait_share, rework_rate,
    throughput per day, estimated.

    `wait_share` is the stage's share of all the waiting of its group (from the visits whose wait is known);
    `split_known` the share of its visits whose wait/work split is known (observed or estimated from resources) —
    below `MIN_SPLIT_KNOWN` the stage's wait and work columns are NaN (unknown); `elapsed_mean_h` the mean time from
    ready to complete, which every log has (wait and work together, unsplit);
    `rework_rate` the share of visits that repeat the stage within the same case; `throughput_per_day` the visits
    completed in the window ÷ its days (default window: first ready moment to last completion). Sorted by group,
    then wait_share, largest first.
    """
    require_columns(stage_times, (CASE, ACTIVITY, "ready", "complete", "wait_h", "work_h", "estimated"))
    keys = [*by, ACTIVITY]
    columns = [CASE, *keys, "ready", "complete", "wait_h", "work_h", "estimated"]
    frame = stage_times[[*dict.fromkeys([*columns, *(["elapsed_h"] if "elapsed_h" in stage_times.columns else [])])]]
    if "elapsed_h" not in frame.columns:
        frame = frame.assign(elapsed_h=(frame["complete"] - frame["ready"]) / pd.Timedelta(hours=1))
    if window is None and len(frame):
        window = Window(pd.Timestamp(frame["ready"].min()), pd.Timestamp(frame["complete"].max()))
    repeat = frame.groupby([CASE, ACTIVITY], sort=False, observed=True).cumcount().to_numpy() > 0
    frame = frame.assign(repeat=repeat)
    done = frame
    if window is not None:
        done = frame.loc[frame["complete"].between(window.start, window.end).to_numpy()]
        frame = frame.loc[frame["ready"].between(window.start, window.end).to_numpy()]
    grouped = frame.groupby(keys, sort=True, observed=True)
    wait = grouped["wait_h"]
    work = grouped["work_h"]
    summary = pd.DataFrame(
        {
            "visits": grouped.size(),
            "cases": grouped[CASE].nunique(),
            "wait_mean_h": wait.mean(),
            "wait_p50_h": wait.quantile(0.5),
            "wait_p85_h": wait.quantile(0.85),
            "work_mean_h": work.mean(),
            "work_p85_h": work.quantile(0.85),
            "wait_total_h": wait.sum(),
            "rework_rate": grouped["repeat"].mean(),
            "estimated": grouped["estimated"].any(),
            "split_known": wait.count() / grouped.size(),
            "elapsed_mean_h": grouped["elapsed_h"].mean(),
        }
    )
    unknown = summary["split_known"] < MIN_SPLIT_KNOWN
    summary.loc[unknown, ["wait_mean_h", "wait_p50_h", "wait_p85_h", "work_mean_h", "work_p85_h", "wait_total_h"]] = (
        np.nan
    )
    days = window.days if window is not None else 0.0
    completions = done.groupby(keys, sort=True, observed=True).size().reindex(summary.index, fill_value=0)
    summary["throughput_per_day"] = completions / days if days > 0 else np.nan
    if by:
        total_wait = summary.groupby(level=list(range(len(by))))["wait_total_h"].transform("sum")
    else:
        total_wait = pd.Series(summary["wait_total_h"].sum(), index=summary.index)
    summary["wait_share"] = (summary["wait_total_h"] / total_wait.where(total_wait > 0)).fillna(0.0).where(~unknown)
    summary = summary.reset_index()
    summary = summary.sort_values([*by, "wait_share", "visits"], ascending=[*(True for _ in by), False, False],
                                  kind="stable").reset_index(drop=True)  # fmt: skip
    summary[ACTIVITY] = summary[ACTIVITY].astype("str")
    return summary[[*by, *STAGE_SUMMARY_COLUMNS]]
