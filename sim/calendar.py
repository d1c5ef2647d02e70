"""Working-calendar arithmetic: when a team with office hours starts a job and when the job's work is done.

Simulated time is in hours after the run start. A calendar repeats every week (168 h), so every computation maps a
time onto the week (hours after Monday 00:00 in the run start's timezone), walks the working intervals from there,
and maps back. Daylight-saving shifts are not modelled: the run start's UTC offset holds for the whole run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sim.network import WorkingCalendar

HOURS_PER_WEEK = 168.0
HOURS_PER_DAY = 24.0

__all__ = ["HOURS_PER_WEEK", "WeekSchedule", "build_week_schedule", "week_hour_of"]


def week_hour_of(moment: datetime) -> float:
    """Hours after Monday 00:00 (in the moment's own timezone) at which `moment` falls, in [0, 168)."""
    return (
        moment.weekday() * HOURS_PER_DAY
        + moment.hour
        + moment.minute / 60
        + (moment.second + moment.microsecond / 1e6) / 3600
    )


@dataclass(frozen=True, slots=True)
class WeekSchedule:
    """A team's working intervals within the week, anchored to the simulation clock.

    Attributes:
        intervals: sorted, disjoint (start, end) pairs in week hours, within [0, 168].
        origin_h: the week hour at simulated time 0 (the run start).
        weekly_h: working hours per week (> 0).
    """

    intervals: tuple[tuple[float, float], ...]
    origin_h: float
    weekly_h: float

    def _walk(self) -> tuple[tuple[float, float], ...]:
        """The intervals of three consecutive weeks: enough to finish any remainder of at most one week's work."""
        return tuple((a + k * HOURS_PER_WEEK, b + k * HOURS_PER_WEEK) for k in range(3) for a, b in self.intervals)

    def _anchor(self, time_h: float) -> tuple[float, float]:
        """Split a simulated time into (simulated time of the week's Monday 00:00, week hour)."""
        week_hour = (time_h + self.origin_h) % HOURS_PER_WEEK
        return time_h - week_hour, week_hour

    def next_working_moment(self, time_h: float) -> float:
        """The earliest simulated time >= `time_h` (hours) at which the team is working (an interval end is off)."""
        base, week_hour = self._anchor(time_h)
        for a, b in self._walk():
            if b > week_hour:
                return time_h if a <= week_hour else base + a
        raise AssertionError("unreachable: a schedule with working hours always has a next working moment")

    def finish_time(self, time_h: float, work_h: float) -> float:
        """When `work_h` hours of work started (or waiting to start) at `time_h` are done, counting working hours only.

        Work that ends exactly at the end of a working interval finishes then, not at the next interval's start.
        """
        if work_h <= 0:
            return self.next_working_moment(time_h)
        base, week_hour = self._anchor(time_h)
        weeks = math.floor(work_h / self.weekly_h)
        remaining = work_h - weeks * self.weekly_h
        if remaining <= 0:
            weeks, remaining = weeks - 1, self.weekly_h
        base += weeks * HOURS_PER_WEEK
        for a, b in self._walk():
            if b <= week_hour:
                continue
            begin = max(a, week_hour)
            available = b - begin
            if remaining <= available:
                return base + begin + remaining
            remaining -= available
        raise AssertionError("unreachable: three weeks of intervals hold more than one week's work")


def build_week_schedule(calendar: WorkingCalendar, start: datetime) -> WeekSchedule:
    """Turn a team's calendar into a `WeekSchedule` anchored at the run `start` (timezone-aware).

    A daily window whose end is not after its start (e.g. 22:00-06:00) runs overnight into the next day.
    Raises ValueError when the calendar has no working hours at all.
    """
    pieces: list[tuple[float, float]] = []
    for day in sorted(calendar.weekdays):
        begin = day * HOURS_PER_DAY + calendar.day_start_h
        end = day * HOURS_PER_DAY + calendar.day_end_h
        if calendar.day_end_h <= calendar.day_start_h:
            end += HOURS_PER_DAY
        if end > HOURS_PER_WEEK:  # Sunday's overnight shift continues into Monday morning
            pieces.append((begin, HOURS_PER_WEEK))
            pieces.append((0.0, end - HOURS_PER_WEEK))
        else:
            pieces.append((begin, end))
    pieces.sort()
    merged: list[tuple[float, float]] = []
    for a, b in pieces:
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    weekly = sum(b - a for a, b in merged)
    if weekly <= 0:
        raise ValueError(f"a working calendar needs working hours in the week (got {calendar})")
    return WeekSchedule(intervals=tuple(merged), origin_h=week_hour_of(start), weekly_h=weekly)
