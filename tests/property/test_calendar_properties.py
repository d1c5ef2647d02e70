"""The calendar's bisection path against two independent references, over generated calendars and moments.

1. `ReferenceWalk`: the day-by-day interval walk that `WeekSchedule.next_working_moment` and `finish_time` used before
   they bisected a precomputed walk, kept here verbatim. The new path must give the *same floats* (compared with
   ``==``, not a tolerance), so that a seeded run writes the same event log as before.
2. A count of working ticks (1/64 hour) on calendars, run starts, moments and work given in whole ticks: the week
   as 10,752 tick cells marked working straight from the `WorkingCalendar` (no merging of intervals, no week
   arithmetic shared with `sim.calendar`), and the finish found where the running count of working cells reaches
   the work; everything is exact in binary floats, so the comparison is exact too.

Calendars cover odd hours (minutes and fractions of a second), overnight windows (a Sunday night shift runs into
Monday), all week around the clock, one day a week, and run starts on any weekday and UTC offset; moments fall
inside, outside and exactly on the edges of working time. The scenario format has no holidays, so there are none.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from sim.calendar import HOURS_PER_WEEK, WeekSchedule, build_week_schedule
from sim.network import WorkingCalendar


class ReferenceWalk:
    """The earlier implementation: walks the intervals of three weeks, built anew on every call."""

    def __init__(self, schedule: WeekSchedule) -> None:
        self.intervals = schedule.intervals
        self.origin_h = schedule.origin_h
        self.weekly_h = schedule.weekly_h

    def _walk(self) -> tuple[tuple[float, float], ...]:
        return tuple((a + k * HOURS_PER_WEEK, b + k * HOURS_PER_WEEK) for k in range(3) for a, b in self.intervals)

    def _anchor(self, time_h: float) -> tuple[float, float]:
        week_hour = (time_h + self.origin_h) % HOURS_PER_WEEK
        return time_h - week_hour, week_hour

    def next_working_moment(self, time_h: float) -> float:
        base, week_hour = self._anchor(time_h)
        for a, b in self._walk():
            if b > week_hour:
                return time_h if a <= week_hour else base + a
        raise AssertionError("unreachable")

    def finish_time(self, time_h: float, work_h: float) -> float:
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
        raise AssertionError("unreachable")


# ---------------------------------------------------------------- strategies

ALL_WEEK = WorkingCalendar(weekdays=frozenset(range(7)), day_start_h=0.0, day_end_h=24.0)
SUNDAY_NIGHTS = WorkingCalendar(weekdays=frozenset({6}), day_start_h=22.0, day_end_h=6.0)


@st.composite
def calendars(draw: st.DrawFn) -> WorkingCalendar:
    """Any days (one to seven) with a daily window of odd hours, overnight when the end is not after the start."""
    weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    start = draw(st.floats(0.0, 23.99, allow_nan=False))
    end = draw(st.floats(0.01, 24.0, allow_nan=False))
    assume(abs(end - start) >= 0.01)  # windows of at least 36 seconds (a day less a hair when overnight)
    return WorkingCalendar(weekdays=weekdays, day_start_h=start, day_end_h=end)


@st.composite
def run_starts(draw: st.DrawFn) -> datetime:
    """A run start on any day of a week and at any second, in a UTC offset of whole quarter hours."""
    offset = timezone(timedelta(minutes=15 * draw(st.integers(-48, 56))))
    moment = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(seconds=draw(st.integers(0, 7 * 86_400 - 1)))
    return moment.astimezone(offset) + timedelta(microseconds=draw(st.integers(0, 999_999)))


@st.composite
def moments(draw: st.DrawFn, schedule: WeekSchedule) -> float:
    """A simulated time: anywhere in a few years, or exactly on an interval's edge (plus or minus a hair)."""
    if draw(st.booleans()):
        return draw(st.floats(-10.0, 3 * 52 * HOURS_PER_WEEK, allow_nan=False))
    week = draw(st.integers(0, 150))
    edge = draw(st.sampled_from([a for a, _ in schedule.intervals] + [b for _, b in schedule.intervals]))
    hair = draw(st.sampled_from([0.0, 1e-12, -1e-12, 1e-9, -1e-9]))
    return week * HOURS_PER_WEEK + edge - schedule.origin_h + hair


@st.composite
def work_amounts(draw: st.DrawFn, schedule: WeekSchedule) -> float:
    """Work in hours: none, a little, several weeks, or exact multiples and fractions of a week's working hours."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.floats(0.0, 40.0, allow_nan=False))
    if choice == 1:
        return draw(st.floats(0.0, 600.0, allow_nan=False))
    if choice == 2:
        return draw(st.integers(1, 5)) * schedule.weekly_h
    return schedule.weekly_h * draw(st.sampled_from([0.5, 1 / 3, 0.999999, 1.000001, 2.5]))


# ---------------------------------------------------------------- 1. the same floats as the earlier walk


class TestSameFloatsAsTheEarlierWalk:
    """`next_working_moment` and `finish_time` equal the walk of earlier versions bit for bit."""

    @settings(max_examples=400, deadline=None)
    @given(calendar=calendars(), start=run_starts(), data=st.data())
    def test_generated_calendars(self, calendar: WorkingCalendar, start: datetime, data: st.DataObject) -> None:
        schedule = build_week_schedule(calendar, start)
        reference = ReferenceWalk(schedule)
        for _ in range(10):
            time_h = data.draw(moments(schedule))
            work_h = data.draw(work_amounts(schedule))
            assert reference.next_working_moment(time_h) == schedule.next_working_moment(time_h)
            assert reference.finish_time(time_h, work_h) == schedule.finish_time(time_h, work_h)

    @settings(max_examples=100, deadline=None)
    @given(
        calendar=st.sampled_from([ALL_WEEK, SUNDAY_NIGHTS]),
        start=run_starts(),
        time_h=st.floats(-5.0, 20_000.0, allow_nan=False),
        work_h=st.floats(0.0, 2_000.0, allow_nan=False),
    )
    def test_all_week_and_a_sunday_night_shift(
        self, calendar: WorkingCalendar, start: datetime, time_h: float, work_h: float
    ) -> None:
        """Around the clock (one interval meeting itself at the week's end) and one overnight shift a week that is
        split at Monday 00:00 into two touching intervals."""
        schedule = build_week_schedule(calendar, start)
        reference = ReferenceWalk(schedule)
        assert reference.next_working_moment(time_h) == schedule.next_working_moment(time_h)
        assert reference.finish_time(time_h, work_h) == schedule.finish_time(time_h, work_h)


# ---------------------------------------------------------------- 2. against counting ticks one by one
#
# A tick is 1/64 hour (56.25 s): calendar edges, run starts (whole quarter hours), moments and work given in ticks
# are exact binary floats, and so is every sum and difference of them, so the bisection path must land on the very
# tick the count finds (compared with ``==``). In minutes, 1/60 h is not exact: a week of a one-minute calendar
# would then hold a hair less than one minute of work, and work of one minute would spill into the next week.

TICKS_PER_HOUR = 64
TICKS_PER_DAY = 24 * TICKS_PER_HOUR
TICKS_PER_WEEK = 7 * TICKS_PER_DAY


def working_ticks(calendar: WorkingCalendar) -> np.ndarray:
    """The week's ticks (from Monday 00:00), True where the calendar works: each listed day's window, an overnight
    window running into the next day (Sunday's into Monday)."""
    cells = np.zeros(TICKS_PER_WEEK, dtype=bool)
    begin = round(calendar.day_start_h * TICKS_PER_HOUR)
    end = round(calendar.day_end_h * TICKS_PER_HOUR)
    if end <= begin:
        end += TICKS_PER_DAY
    for day in calendar.weekdays:
        for tick in range(day * TICKS_PER_DAY + begin, day * TICKS_PER_DAY + end):
            cells[tick % TICKS_PER_WEEK] = True
    return cells


def counted_finish(cells: np.ndarray, origin: int, start: int, work: int) -> int:
    """The tick at which `work` working ticks begun at tick `start` are done (for no work: the first working tick at
    or after `start`), counting the working ticks of the simulated time line from `start` on."""
    ahead = 5 * TICKS_PER_WEEK  # more than the work of the tests needs
    working = cells[(np.arange(start, start + ahead) + origin) % TICKS_PER_WEEK]
    if work == 0:
        return start + int(np.argmax(working))
    done = np.cumsum(working)
    assert done[-1] >= work
    return start + int(np.searchsorted(done, work)) + 1  # the end of the tick that completes the work


@st.composite
def tick_calendars(draw: st.DrawFn) -> WorkingCalendar:
    """Calendars on whole ticks: one to seven days, windows of odd length, overnight ones included."""
    weekdays = frozenset(draw(st.sets(st.integers(0, 6), min_size=1, max_size=7)))
    start = draw(st.integers(0, TICKS_PER_DAY - 1))
    length = draw(st.integers(1, TICKS_PER_DAY))
    end = start + length
    return WorkingCalendar(
        weekdays=weekdays,
        day_start_h=start / TICKS_PER_HOUR,
        day_end_h=(end if end <= TICKS_PER_DAY else end - TICKS_PER_DAY) / TICKS_PER_HOUR,
    )


class TestAgainstCountingTicks:
    """On whole ticks, the bisection path finds exactly what counting working ticks finds."""

    @settings(max_examples=300, deadline=None)
    @given(
        calendar=tick_calendars(),
        quarter_hours=st.integers(0, 7 * 24 * 4 - 1),
        start=st.integers(0, 3 * TICKS_PER_WEEK),
        work_fraction=st.floats(0.0, 2.2, allow_nan=False),
    )
    def test_next_working_moment_and_finish_time(
        self, calendar: WorkingCalendar, quarter_hours: int, start: int, work_fraction: float
    ) -> None:
        cells = working_ticks(calendar)
        run_start = datetime(2026, 1, 5, tzinfo=UTC) + timedelta(minutes=15 * quarter_hours)
        origin = quarter_hours * TICKS_PER_HOUR // 4
        schedule = build_week_schedule(calendar, run_start)
        assert origin / TICKS_PER_HOUR == schedule.origin_h
        work = round(work_fraction * int(cells.sum()))  # up to a little over two weeks' work
        expected_start = counted_finish(cells, origin, start, 0) / TICKS_PER_HOUR
        expected_finish = counted_finish(cells, origin, start, work) / TICKS_PER_HOUR
        assert expected_start == schedule.next_working_moment(start / TICKS_PER_HOUR)
        assert expected_finish == schedule.finish_time(start / TICKS_PER_HOUR, work / TICKS_PER_HOUR)

    def test_the_count_itself_on_office_hours(self) -> None:
        """The reference, checked by hand: Mon-Fri 08:00-17:00, run from Monday 00:00; 10 h from Friday 16:00 end
        Monday 17:00; from Saturday noon the first working moment is Monday 08:00."""
        cells = working_ticks(WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=8.0, day_end_h=17.0))
        assert 45 * TICKS_PER_HOUR == cells.sum()
        friday_4pm = (4 * 24 + 16) * TICKS_PER_HOUR
        assert (7 * 24 + 17) * TICKS_PER_HOUR == counted_finish(cells, 0, friday_4pm, 10 * TICKS_PER_HOUR)
        assert (7 * 24 + 8) * TICKS_PER_HOUR == counted_finish(cells, 0, (5 * 24 + 12) * TICKS_PER_HOUR, 0)
