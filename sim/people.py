"""People who keep different hours within one team: each server's own working week, its name in the event log, and
the team's hours as the sum or union of its people's.

A team's servers are numbered 1..capacity group by group, in the order of its `people` (a plain team: all on the
team's calendar). These helpers are what the engine, the event log, the measures and the load check share about it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from sim.network import Team, WorkingCalendar

if TYPE_CHECKING:  # numpy and the calendar arithmetic load only where a run needs them (`flowlab validate` does not)
    from datetime import datetime

    import numpy as np

    from sim.calendar import WeekSchedule

HOURS_PER_WEEK = 168.0

__all__ = [
    "person_hours_per_week",
    "resource_names",
    "server_calendars",
    "server_schedules",
    "team_schedule",
    "visits_by_schedule",
]


def server_calendars(team: Team) -> list[WorkingCalendar | None]:
    """The calendar of each server 1..capacity (index 0 is server 1)."""
    if not team.people:
        return [team.calendar] * team.capacity
    return [group.calendar for group in team.people for _ in range(group.count)]


def server_schedules(team: Team, start: datetime) -> list[WeekSchedule | None]:
    """Each server's working week anchored at the run `start` (None: always on duty), one schedule object per
    distinct calendar (servers that keep the same hours share it)."""
    from sim.calendar import build_week_schedule

    built: dict[WorkingCalendar, WeekSchedule | None] = {}
    schedules: list[WeekSchedule | None] = []
    for calendar in server_calendars(team):
        if calendar is None:
            schedules.append(None)
            continue
        if calendar not in built:
            schedule = build_week_schedule(calendar, start)
            built[calendar] = None if schedule.always_on else schedule
        schedules.append(built[calendar])
    return schedules


def team_schedule(schedules: Sequence[WeekSchedule | None]) -> WeekSchedule | None:
    """The hours in which at least one of the servers is on duty (None: someone always is)."""
    from sim.calendar import WeekSchedule, merge_intervals

    if any(schedule is None for schedule in schedules) or not schedules:
        return None
    merged = merge_intervals(piece for schedule in schedules if schedule is not None for piece in schedule.intervals)
    if merged == [(0.0, HOURS_PER_WEEK)]:
        return None
    first = next(schedule for schedule in schedules if schedule is not None)
    return WeekSchedule(intervals=tuple(merged), origin_h=first.origin_h, weekly_h=sum(b - a for a, b in merged))


def resource_names(team: Team) -> list[str]:
    """Each server's name in the event log: ``<team>-<k>`` (k = 1..capacity), or ``<team>-<group>-<j>`` for the
    j-th person of a named group."""
    if not team.people:
        return [f"{team.name}-{k}" for k in range(1, team.capacity + 1)]
    names: list[str] = []
    for group in team.people:
        for j in range(1, group.count + 1):
            names.append(f"{team.name}-{len(names) + 1}" if group.name is None else f"{team.name}-{group.name}-{j}")
    return names


def person_hours_per_week(team: Team) -> float:
    """Working hours a week of all the team's people together (capacity × 168 for a team always on duty)."""
    total = 0.0
    for calendar in server_calendars(team):
        if calendar is None:
            total += HOURS_PER_WEEK
            continue
        day_h = calendar.day_end_h - calendar.day_start_h
        total += len(calendar.weekdays) * (day_h if day_h > 0 else day_h + 24.0)
    return total


def visits_by_schedule(
    team: np.ndarray, server: np.ndarray | None, schedules: Mapping[str, WeekSchedule],
    server_schedules: Mapping[str, Sequence[WeekSchedule | None]],
) -> Iterator[tuple[np.ndarray, WeekSchedule]]:  # fmt: skip
    """(rows, schedule) for every group of rows (visits, jobs) whose worker keeps one working week: by team for
    plain calendared teams (`schedules`), by server for teams whose people keep different hours (`server_schedules`,
    which then needs `server`, the server ids 1..capacity). Rows of always-on workers are left out."""
    import numpy as np

    for name, schedule in schedules.items():
        if name in server_schedules:
            continue
        rows = np.flatnonzero(team == name)
        if len(rows):
            yield rows, schedule
    for name, per_server in server_schedules.items():
        if server is None:
            raise ValueError(f"team {name!r} has people with hours of their own: the rows need their server ids")
        mine = team == name
        distinct: dict[int, WeekSchedule] = {id(s): s for s in per_server if s is not None}
        for key, schedule in distinct.items():
            ids = [k + 1 for k, s in enumerate(per_server) if s is not None and id(s) == key]
            rows = np.flatnonzero(mine & np.isin(server, ids))
            if len(rows):
                yield rows, schedule
