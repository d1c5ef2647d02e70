"""Working-calendar arithmetic: exact start and finish times for a Mon–Fri 08:00–17:00 team (9 h a day, 45 h a week)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from sim.calendar import HOURS_PER_WEEK, build_week_schedule, week_hour_of
from sim.network import WorkingCalendar

OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=8.0, day_end_h=17.0)
MONDAY = datetime(2026, 1, 5, 0, 0, tzinfo=UTC)  # a Monday, midnight: simulated hour h is week hour h


def at(day: int, hour: float) -> float:
    """Simulated hours of weekday `day` (0 = Monday of the first week), `hour` o'clock."""
    return day * 24.0 + hour


class TestFinishTime:
    """Work only progresses inside working hours; it is stretched over nights and weekends."""

    schedule = build_week_schedule(OFFICE, MONDAY)

    def test_ten_hours_from_friday_four_pm_end_monday_five_pm(self) -> None:
        """1 h on Friday (16–17) + 9 h on Monday (08–17) = 10 h: done at Monday 17:00, not Tuesday morning."""
        assert at(7, 17.0) == self.schedule.finish_time(at(4, 16.0), 10.0)

    def test_twelve_hours_from_friday_four_pm_end_tuesday_ten_am(self) -> None:
        """1 h Friday + 9 h Monday + 2 h Tuesday."""
        assert at(8, 10.0) == self.schedule.finish_time(at(4, 16.0), 12.0)

    def test_work_inside_one_day(self) -> None:
        assert at(1, 13.5) == self.schedule.finish_time(at(1, 9.0), 4.5)

    def test_start_on_saturday_moves_to_monday_morning(self) -> None:
        assert at(7, 10.0) == self.schedule.finish_time(at(5, 11.0), 2.0)

    def test_exactly_one_week_of_work(self) -> None:
        """45 h from Monday 08:00 is the whole week: done Friday 17:00."""
        assert at(4, 17.0) == self.schedule.finish_time(at(0, 8.0), 45.0)

    def test_several_weeks_of_work(self) -> None:
        """100 h from Wednesday 12:00 = 2 weeks (90 h) + 10 h: Wednesday 12:00 two weeks later + 10 working hours."""
        assert at(14 + 3, 13.0) == self.schedule.finish_time(at(2, 12.0), 100.0)

    def test_zero_work_starts_and_ends_at_the_next_working_moment(self) -> None:
        assert at(1, 8.0) == self.schedule.finish_time(at(0, 20.0), 0.0)


class TestNextWorkingMoment:
    """Where a job granted a server actually starts."""

    schedule = build_week_schedule(OFFICE, MONDAY)

    def test_inside_hours_is_now(self) -> None:
        assert at(2, 9.25) == self.schedule.next_working_moment(at(2, 9.25))

    def test_closing_time_is_off(self) -> None:
        assert at(3, 8.0) == self.schedule.next_working_moment(at(2, 17.0))

    def test_before_opening(self) -> None:
        assert at(2, 8.0) == self.schedule.next_working_moment(at(2, 3.0))

    def test_friday_evening_goes_to_monday(self) -> None:
        assert at(7, 8.0) == self.schedule.next_working_moment(at(4, 18.0))

    def test_second_week(self) -> None:
        assert at(14, 8.0) == self.schedule.next_working_moment(at(13, 12.0))


class TestAnchoring:
    """The week is anchored at the run start, in the run start's timezone."""

    def test_run_starting_friday_four_pm_in_its_own_timezone(self) -> None:
        """Simulated 0 = Friday 16:00 at UTC+2: 10 h of work ends Monday 17:00 local = 3 days + 1 h later."""
        start = datetime(2026, 1, 9, 16, 0, tzinfo=timezone(timedelta(hours=2)))
        schedule = build_week_schedule(OFFICE, start)
        assert 4 * 24 + 16.0 == week_hour_of(start)
        assert 3 * 24 + 1.0 == schedule.finish_time(0.0, 10.0)

    def test_overnight_window_runs_into_the_next_day(self) -> None:
        """A 22:00–06:00 shift on Sunday wraps into Monday morning of the next week."""
        night = WorkingCalendar(weekdays=frozenset({6}), day_start_h=22.0, day_end_h=6.0)
        schedule = build_week_schedule(night, MONDAY)
        assert ((0.0, 6.0), (6 * 24 + 22.0, HOURS_PER_WEEK)) == schedule.intervals
        assert 8.0 == schedule.weekly_h
        assert HOURS_PER_WEEK + 3.0 == schedule.finish_time(at(6, 22.0), 5.0)

    def test_calendar_without_working_hours_is_refused(self) -> None:
        with pytest.raises(ValueError, match="needs working hours"):
            build_week_schedule(WorkingCalendar(weekdays=frozenset(), day_start_h=8.0, day_end_h=17.0), MONDAY)
