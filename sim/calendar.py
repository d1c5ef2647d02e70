"""Working-calendar arithmetic: when a team with office hours starts a job and when the job's work is done.

Simulated time is in hours after the run start. A calendar repeats every week (168 h), so every computation maps a
time onto the week (hours after Monday 00:00 in the run start's timezone), walks the working intervals from there,
and maps back. Daylight-saving shifts are not modelled: the run start's UTC offset holds for the whole run.

Besides the working intervals a schedule knows its *off-duty gaps* (from one closing to the next opening, the
weekend included), numbered along the whole simulated time line: gap ``j`` is the ``j % n``-th gap of week
``j // n``. The engine waits for openings with them, and the event log writes a job's `suspend` / `resume` pairs
and counts its working hours with the vectorised `working_hours_at`.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from sim.network import WorkingCalendar

HOURS_PER_WEEK = 168.0
HOURS_PER_DAY = 24.0

__all__ = ["HOURS_PER_WEEK", "WeekSchedule", "build_week_schedule", "merge_intervals", "week_hour_of"]


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
    gap_starts: tuple[float, ...] = field(init=False)
    """Week hours at which the team goes off duty (sorted; a closing at 168 is the end of the week)."""
    gap_ends: tuple[float, ...] = field(init=False)
    """Week hours at which it is back on duty, one per gap start (above 168 for the gap that spans the week's end)."""
    walk_begins: tuple[float, ...] = field(init=False, repr=False, compare=False)
    """The interval starts of three consecutive weeks (``a + k * 168``, k = 0, 1, 2): enough to finish any remainder
    of at most one week's work that begins in the first."""
    walk_ends: tuple[float, ...] = field(init=False, repr=False, compare=False)
    """The matching interval ends, strictly increasing: bisected to find the interval a moment falls in or before."""
    walk_lengths: tuple[float, ...] = field(init=False, repr=False, compare=False)
    """``end - begin`` of each of them, computed once."""

    def __post_init__(self) -> None:
        walk = [(a + k * HOURS_PER_WEEK, b + k * HOURS_PER_WEEK) for k in range(3) for a, b in self.intervals]
        object.__setattr__(self, "walk_begins", tuple(a for a, _ in walk))
        object.__setattr__(self, "walk_ends", tuple(b for _, b in walk))
        object.__setattr__(self, "walk_lengths", tuple(b - a for a, b in walk))
        starts: list[float] = []
        ends: list[float] = []
        for (_, b), (a, _) in zip(self.intervals, self.intervals[1:], strict=False):
            starts.append(b)
            ends.append(a)
        first, last = self.intervals[0][0], self.intervals[-1][1]
        if last < first + HOURS_PER_WEEK:  # the gap from the week's last closing to the next week's first opening
            starts.append(last)
            ends.append(first + HOURS_PER_WEEK)
        object.__setattr__(self, "gap_starts", tuple(starts))
        object.__setattr__(self, "gap_ends", tuple(ends))

    # ------------------------------------------------------------ off-duty gaps (scalar, for the engine)

    @property
    def always_on(self) -> bool:
        """True when the calendar has no off-duty time at all (24/7)."""
        return not self.gap_starts

    def gaps_started_by(self, time_h: float, *, strictly_before: bool = False) -> int:
        """How many off-duty gaps began at or before `time_h` (or strictly before it), counted from the week of the
        run start: the number of the next gap to begin."""
        week = math.floor((time_h + self.origin_h) / HOURS_PER_WEEK)
        week_hour = time_h + self.origin_h - week * HOURS_PER_WEEK
        find = bisect_left if strictly_before else bisect_right
        return week * len(self.gap_starts) + find(self.gap_starts, week_hour)

    def gap(self, number: int) -> tuple[float, float]:
        """Gap `number` as (closing, reopening) in simulated hours."""
        week, position = divmod(number, len(self.gap_starts))
        base = week * HOURS_PER_WEEK - self.origin_h
        return base + self.gap_starts[position], base + self.gap_ends[position]

    # ------------------------------------------------------------ vectorised (for the log and the statistics)

    def working_hours_at(self, times_h: np.ndarray) -> np.ndarray:
        """Working hours from the run start's week's Monday 00:00 up to each simulated time (a non-decreasing step-free
        ramp): the working time between a and b is ``working_hours_at(b) - working_hours_at(a)``. NaN stays NaN."""
        times = np.asarray(times_h, dtype="float64") + self.origin_h
        week = np.floor(times / HOURS_PER_WEEK)
        week_hour = times - week * HOURS_PER_WEEK
        begins = np.array([a for a, _ in self.intervals])
        lengths = np.array([b - a for a, b in self.intervals])
        before = np.concatenate(([0.0], np.cumsum(lengths)))
        index = np.searchsorted(begins, np.nan_to_num(week_hour), side="right") - 1
        inside = np.where(index >= 0, np.minimum(week_hour - begins[index], lengths[index]), 0.0)
        return week * self.weekly_h + np.where(index >= 0, before[np.maximum(index, 0)] + inside, 0.0)

    def gaps_between(self, begin_h: np.ndarray, end_h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The off-duty gaps that begin strictly inside (begin, end) of each interval: (interval index, closing,
        reopening) arrays, in interval order then time order. A job in service over such a gap is suspended at the
        closing and resumed at the reopening."""
        begin_h = np.asarray(begin_h, dtype="float64")
        end_h = np.asarray(end_h, dtype="float64")
        n_gaps = len(self.gap_starts)
        empty = np.empty(0, dtype="float64")
        if n_gaps == 0 or len(begin_h) == 0:
            return np.empty(0, dtype=np.int64), empty, empty
        starts = np.asarray(self.gap_starts)
        ends = np.asarray(self.gap_ends)

        def counted(times: np.ndarray, side: str) -> np.ndarray:
            shifted = times + self.origin_h
            week = np.floor(shifted / HOURS_PER_WEEK)
            found = np.searchsorted(starts, shifted - week * HOURS_PER_WEEK, side=side)  # type: ignore[call-overload]
            return (week * n_gaps + found).astype(np.int64)

        first = counted(begin_h, "right")
        count = np.maximum(counted(end_h, "left") - first, 0)
        owner = np.repeat(np.arange(len(begin_h)), count)
        offsets = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        number = first[owner] + offsets
        week, position = np.divmod(number, n_gaps)
        base = week * HOURS_PER_WEEK - self.origin_h
        return owner, base + starts[position], base + ends[position]

    # ------------------------------------------------------------ the engine's two questions (scalar, per job)
    #
    # Both map the moment onto its week, bisect the precomputed three-week walk for the first interval that ends
    # after it, and compute from there. `finish_time` then crosses the intervals one by one, subtracting each one's
    # length from what remains: work takes at most a week after whole weeks are taken off, so a job crosses a few
    # intervals at most, and the subtraction in this order keeps every float what the day-by-day walk of earlier
    # versions gave (a cumulative-sum lookup would round differently in the last bit, and move event times).

    def next_working_moment(self, time_h: float) -> float:
        """The earliest simulated time >= `time_h` (hours) at which the team is working (an interval end is off)."""
        week_hour = (time_h + self.origin_h) % HOURS_PER_WEEK
        begin = self.walk_begins[bisect_right(self.walk_ends, week_hour)]
        return time_h if begin <= week_hour else time_h - week_hour + begin

    def finish_time(self, time_h: float, work_h: float) -> float:
        """When `work_h` hours of work started (or waiting to start) at `time_h` are done, counting working hours only.

        Work that ends exactly at the end of a working interval finishes then, not at the next interval's start.
        Whole weeks of work are taken off first (each is `weekly_h` working hours and 168 clock hours); the rest,
        more than 0 and at most `weekly_h`, is laid over the intervals from `time_h` on.
        """
        if work_h <= 0:
            return self.next_working_moment(time_h)
        week_hour = (time_h + self.origin_h) % HOURS_PER_WEEK
        base = time_h - week_hour
        weeks = math.floor(work_h / self.weekly_h)
        remaining = work_h - weeks * self.weekly_h
        if remaining <= 0:
            weeks, remaining = weeks - 1, self.weekly_h
        base += weeks * HOURS_PER_WEEK
        index = bisect_right(self.walk_ends, week_hour)
        begin = max(self.walk_begins[index], week_hour)  # later than the interval's start: begins inside it
        available = self.walk_ends[index] - begin
        if remaining > available:
            lengths, begins = self.walk_lengths, self.walk_begins
            while remaining > available:
                remaining -= available
                index += 1
                begin = begins[index]
                available = lengths[index]
        return base + begin + remaining


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
    merged = merge_intervals(pieces)
    weekly = sum(b - a for a, b in merged)
    if weekly <= 0:
        raise ValueError(f"a working calendar needs working hours in the week (got {calendar})")
    return WeekSchedule(intervals=tuple(merged), origin_h=week_hour_of(start), weekly_h=weekly)


def merge_intervals(pieces: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    """Week-hour intervals sorted, empty ones dropped, overlapping or touching ones joined: the hours in which any of
    them is on duty."""
    merged: list[tuple[float, float]] = []
    for a, b in sorted(pieces):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged
