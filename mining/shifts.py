"""Working hours learned from when resources are seen working: a team's calendar, and the shifts of its people.

A calendar is the scenario format's mapping ``{"weekdays": [...], "hours": ["HH:MM", "HH:MM"]}`` (None: around the
clock). `learn_calendar` reads one from a set of visits; `people_groups` splits a team into groups of people who
keep the same hours (an early and a late shift, a weekend crew), each with its own calendar and head count, when its
regular people differ; `on_duty_by_hour` sets the hours the log shows people working beside the hours a calendar
puts them on duty, per hour of the week, for the calibration report.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from mining.columns import RESOURCE

__all__ = [
    "MIN_PERSON_VISITS",
    "SHIFT_DISTANCE",
    "WEEKDAYS",
    "calendar_hours",
    "learn_calendar",
    "on_duty_by_hour",
    "people_groups",
]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ROUND_THE_CLOCK_H = 22.5
"""A calendar whose hours span at least this much of every day of the week is written as none (around the clock):
work spread evenly over the day puts the 2.5 % quantile of the starts and the 97.5 % quantile of the completions
about 0.6 h from midnight each."""
DAY_SHARE = 0.02
"""Least share of the work seen on a weekday for the weekday to be a working day."""
MIN_PERSON_VISITS = 30
"""Fewest visits of a resource for its own hours to be learned (and the resource to count as one of the team's
regular people)."""
SHIFT_DISTANCE = 0.3
"""Jaccard distance between two people's working half-hours of the week (average linkage) below which they keep the
same hours: one group. Two office-hours people whose days end half an hour apart are at about 0.06; an 06–14 and a
14–22 shift at 1."""
SLOTS = 7 * 48
"""Half-hours in a week: a calendar as a set of slots."""


def _clock(hours: float) -> str:
    return f"{int(hours):02d}:{round((hours % 1) * 60):02d}"


def learn_calendar(seen: pd.DataFrame) -> dict[str, Any]:
    """A calendar from visits (`start`, `complete`): the weekdays with at least `DAY_SHARE` of the work, and the
    hours from the 2.5 % quantile of the starts to the 97.5 % quantile of the completions (to the half hour).

    Returns ``{"calendar": mapping or None, "calendar_rule": how it was read}``; the calendar is None when the work
    goes on around the clock or spans midnight (hours that one daily window cannot describe).
    """
    begin = seen["start"].fillna(seen["complete"])
    weekday_share = begin.dt.day_of_week.value_counts(normalize=True)
    days = [WEEKDAYS[day] for day in sorted(weekday_share.index) if weekday_share[day] >= DAY_SHARE]
    clock_start = begin.dt.hour + begin.dt.minute / 60
    clock_end = seen["complete"].dt.hour + seen["complete"].dt.minute / 60
    opening = math.floor(float(clock_start.quantile(0.025)) * 2) / 2
    closing = min(math.ceil(float(clock_end.quantile(0.975)) * 2) / 2, 24.0)
    if closing - opening >= ROUND_THE_CLOCK_H and len(days) == 7:
        return {"calendar": None, "calendar_rule": "works around the clock"}
    if closing <= opening:
        return {"calendar": None, "calendar_rule": "hours not learnable (work spans midnight)"}
    return {
        "calendar": {"weekdays": days, "hours": [_clock(opening), _clock(closing)]},
        "calendar_rule": f"days with ≥ {DAY_SHARE:.0%} of its work; hours from the 2.5% quantile of starts to the "
        f"97.5% of completions ({len(seen):,} visits)",
    }


def calendar_hours(calendar: dict[str, Any] | None) -> tuple[list[int], float, float]:
    """Weekday numbers (Monday 0), opening and closing hour of a calendar (None: every day, 0 to 24)."""
    if calendar is None:
        return list(range(7)), 0.0, 24.0
    opening, closing = (int(part[:2]) + int(part[3:]) / 60 for part in calendar["hours"])
    return [WEEKDAYS.index(day) for day in calendar["weekdays"]], opening, closing


def _slots(calendar: dict[str, Any] | None) -> np.ndarray:
    """The half-hours of the week a calendar is on duty, as a boolean vector of `SLOTS`."""
    days, opening, closing = calendar_hours(calendar)
    on = np.zeros(SLOTS, dtype=bool)
    for day in days:
        on[day * 48 + round(opening * 2): day * 48 + round(closing * 2)] = True
    return on


def _apportion(sizes: list[float], total: int) -> list[int]:
    """Whole head counts summing to `total`, shared in proportion to `sizes` by largest remainders."""
    scaled = np.asarray(sizes, dtype=float) * total / max(sum(sizes), 1e-12)
    counts = np.floor(scaled).astype(int)
    for index in np.argsort(-(scaled - counts), kind="stable")[: total - int(counts.sum())]:
        counts[index] += 1
    return [int(count) for count in counts]


def people_groups(seen: pd.DataFrame) -> list[dict[str, Any]] | None:
    """The team's people in groups that keep the same hours, or None when one calendar describes them all.

    `seen` is the team's visits with a resource. Each resource with at least `MIN_PERSON_VISITS` visits gets its own
    calendar (`learn_calendar`); the calendars are clustered by the Jaccard distance of their half-hours of the week
    (average linkage, cut at `SHIFT_DISTANCE`). A group's calendar is learned from its members' visits together, and
    its size is the mean number of its members seen on the team's active days that fall on the group's weekdays; the
    team's head count, the sum of these rounded, is shared among the groups by largest remainders. Each group:
    ``{"name", "count", "calendar", "members", "size", "rule"}``.
    """
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    resource = seen[RESOURCE].astype(str)
    visits = resource.value_counts()
    regulars = sorted(visits.index[visits >= MIN_PERSON_VISITS])
    if len(regulars) < 2:
        return None
    own = {person: learn_calendar(seen.loc[resource == person])["calendar"] for person in regulars}
    slots = np.array([_slots(own[person]) for person in regulars])
    labels = fcluster(linkage(pdist(slots, metric="jaccard"), method="average"), SHIFT_DISTANCE, criterion="distance")
    if len(set(labels)) < 2:
        return None
    day = seen["complete"].dt.floor("D")
    active_days = pd.Index(day.unique())
    groups: list[dict[str, Any]] = []
    for label in sorted(set(labels)):
        members = [person for person, mine in zip(regulars, labels, strict=True) if mine == label]
        theirs = resource.isin(members)
        learned = learn_calendar(seen.loc[theirs])
        weekdays, _, _ = calendar_hours(learned["calendar"])
        their_days = active_days[np.isin(active_days.day_of_week, weekdays)]
        per_day = seen.loc[theirs].groupby(day[theirs])[RESOURCE].nunique().reindex(their_days, fill_value=0)
        groups.append({"calendar": learned["calendar"], "members": members, "size": float(per_day.mean()),
                       "rule": f"{len(members)} people who keep these hours, {per_day.mean():.2f} of them seen on "
                       f"an average working day ({len(their_days)} days)"})  # fmt: skip
    total = max(1, round(sum(group["size"] for group in groups)))
    for group, count in zip(groups, _apportion([group["size"] for group in groups], total), strict=True):
        group["count"] = count
    groups = [group for group in groups if group["count"] > 0]
    if len(groups) < 2:
        return None
    groups.sort(key=lambda group: (calendar_hours(group["calendar"])[1], calendar_hours(group["calendar"])[0]))
    for number, group in enumerate(groups, start=1):
        group["name"] = f"shift-{number}"
    return groups


def on_duty_by_hour(
    seen: pd.DataFrame, calendars: list[tuple[int, dict[str, Any] | None]], *, tz: Any = None
) -> pd.DataFrame:
    """Per hour of the week (Monday 00:00 = 0): the mean number of distinct resources the log shows starting or
    completing work in that hour (`seen`), and the people a set of calendars puts on duty then (`calendars`: head
    count and calendar pairs; the half-hours of an hour averaged).

    The two differ in level (a person on duty is not always seen working), not in shape: the plot shows whether the
    calibrated hours cover the hours people work.
    """
    begin = seen["start"].fillna(seen["complete"])
    moments = pd.concat([begin, seen["complete"]], ignore_index=True)
    who = pd.concat([seen[RESOURCE], seen[RESOURCE]], ignore_index=True).astype(str)
    if tz is not None:
        moments = moments.dt.tz_convert(tz)
    hour = moments.dt.floor("h")
    distinct = pd.DataFrame({"hour": hour, "who": who}).drop_duplicates()
    counts = distinct.groupby("hour").size()
    seen_per_hour = np.zeros(168)
    if len(counts):
        # the mean over the times each hour of the week occurred in the observed period
        occurred = np.bincount(_hour_of_week(pd.date_range(hour.min(), hour.max(), freq="h")), minlength=168)
        total = np.bincount(_hour_of_week(counts.index), weights=counts.to_numpy(float), minlength=168)
        seen_per_hour = np.divide(total, occurred, out=np.zeros(168), where=occurred > 0)
    on_duty = np.zeros(168)
    for count, calendar in calendars:
        on_duty += count * _slots(calendar).reshape(168, 2).mean(axis=1)
    return pd.DataFrame({"hour_of_week": np.arange(168), "seen_working": seen_per_hour, "on_duty": on_duty})


def _hour_of_week(stamps: pd.DatetimeIndex) -> np.ndarray:
    return np.asarray(stamps.day_of_week * 24 + stamps.hour)
