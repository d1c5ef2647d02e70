"""A floor under a calibrated team's size: never fewer people than the work the log shows in progress at once.

`mining.calibrate` sizes a team by the distinct resources it sees working per active day; where people do several
things at once, or the log names fewer resources than did the work, that is smaller than the visits the log shows
in progress together, and a model of that size would build queues the log never had.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY

__all__ = ["median_daily_peak", "raise_to_concurrency"]

NS_PER_DAY = 24 * 3_600_000_000_000


def median_daily_peak(visits: pd.DataFrame) -> int:
    """The median, over the days on which `visits` (observed `start` and `complete`) began, of the most of them in
    progress at once that day (0 without visits)."""
    known = visits.loc[visits["start"].notna() & visits["complete"].notna()]
    if known.empty:
        return 0
    begin, end = timestamps_ns(known["start"]), timestamps_ns(known["complete"])
    moments = np.concatenate([begin, end])
    steps = np.concatenate([np.ones(len(begin), dtype=np.int64), -np.ones(len(end), dtype=np.int64)])
    order = np.lexsort((steps, moments))  # an end before a start at the same moment: back to back is not overlap
    level = np.cumsum(steps[order])
    day = moments[order] // NS_PER_DAY
    rising = steps[order] > 0
    return round(float(pd.Series(level[rising]).groupby(day[rising]).max().median()))


def raise_to_concurrency(pools: pd.DataFrame, stage_times: pd.DataFrame, team_of: dict[str, str]) -> pd.DataFrame:
    """`pools` (one row per team, `mining.calibrate._pools`) with each team's capacity raised to at least the
    `median_daily_peak` of its visits with observed starts, the rule saying so. A team whose people keep different
    hours (`people` groups) keeps the head counts of its groups: their hours, not their number, are what was learned
    per group."""
    observed = stage_times.loc[~stage_times["estimated"].to_numpy(dtype=bool)] if len(stage_times) else stage_times
    if pools.empty or observed.empty:
        return pools
    activity = observed[ACTIVITY].astype(str)
    pools = pools.copy()
    for index, row in pools.iterrows():
        if isinstance(row.get("people"), list):
            continue
        members = [name for name, team in team_of.items() if team == row["team"]]
        peak = median_daily_peak(observed.loc[activity.isin(members)])
        if peak > int(row["capacity"]):
            pools.at[index, "capacity_rule"] = (f"{row['capacity_rule']}, raised to {peak}: the median of the days' "
                                                "peaks of its visits in progress at once")  # fmt: skip
            pools.at[index, "capacity"] = peak
    return pools
