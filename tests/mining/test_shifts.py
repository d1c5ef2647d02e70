"""Working hours from when people are seen working (`mining.shifts`), against small hand-made logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining.calibrate import calibrate_log
from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.shifts import _apportion, learn_calendar, on_duty_by_hour, people_groups

MONDAY = pd.Timestamp("2026-01-05", tz="UTC")


def _visits(people: dict[str, tuple[list[int], int, int]], weeks: int = 4, per_day: int = 4) -> pd.DataFrame:
    """Visits of each person on their weekdays (Monday 0), `per_day` of them spread evenly between the opening and
    closing hours, one hour long at most (ending at the closing hour at the latest), for `weeks` weeks."""
    rows = []
    for person, (days, opening, closing) in people.items():
        for week in range(weeks):
            for day in days:
                base = MONDAY + pd.Timedelta(days=7 * week + day, hours=opening)
                step = (closing - opening) / per_day
                for k in range(per_day):
                    start = base + pd.Timedelta(hours=k * step)
                    rows.append({RESOURCE: person, "start": start, "complete": start + pd.Timedelta(hours=step)})
    return pd.DataFrame(rows)


class TestLearnCalendar:
    def test_office_hours(self) -> None:
        learned = learn_calendar(_visits({"ann": ([0, 1, 2, 3, 4], 9, 17)}))
        assert learned["calendar"] == {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "hours": ["09:00", "17:00"]}

    def test_around_the_clock_is_none(self) -> None:
        learned = learn_calendar(_visits({"bob": ([0, 1, 2, 3, 4, 5, 6], 0, 24)}, per_day=24))
        assert learned["calendar"] is None
        assert learned["calendar_rule"] == "works around the clock"


class TestPeopleGroups:
    def test_two_shifts_are_found_with_their_hours_and_head_counts(self) -> None:
        early = {f"early-{k}": ([0, 1, 2, 3, 4], 6, 14) for k in range(3)}
        late = {f"late-{k}": ([0, 1, 2, 3, 4], 14, 22) for k in range(2)}
        groups = people_groups(_visits(early | late))
        assert groups is not None and len(groups) == 2
        first, second = groups
        assert first["name"] == "shift-1" and first["calendar"]["hours"] == ["06:00", "14:00"]
        assert second["calendar"]["hours"] == ["14:00", "22:00"]
        # every member is seen on every working day: the head counts are the group sizes
        assert (first["count"], second["count"]) == (3, 2)
        assert sorted(first["members"]) == ["early-0", "early-1", "early-2"]

    def test_a_weekend_crew_is_a_group_of_its_own(self) -> None:
        week = {f"week-{k}": ([0, 1, 2, 3, 4], 8, 16) for k in range(2)}
        weekend = {"sat-sun": ([5, 6], 8, 16)}
        groups = people_groups(_visits(week | weekend, per_day=8))
        assert groups is not None
        assert sorted(group["calendar"]["weekdays"] == ["sat", "sun"] for group in groups) == [False, True]

    def test_people_keeping_the_same_hours_need_no_groups(self) -> None:
        same = {"a": ([0, 1, 2, 3, 4], 8, 16), "b": ([0, 1, 2, 3, 4], 8, 16), "c": ([0, 1, 2, 3, 4], 8, 17)}
        assert people_groups(_visits(same)) is None

    def test_occasional_resources_are_not_grouped(self) -> None:
        # 'temp' works 2 weeks x 1 day x 4 visits = 8 visits: too few for hours of its own
        people = {"a": ([0, 1, 2, 3, 4], 8, 16), "b": ([0, 1, 2, 3, 4], 8, 16)}
        visits = pd.concat([_visits(people), _visits({"temp": ([5], 18, 22)}, weeks=2)], ignore_index=True)
        assert people_groups(visits) is None


def test_head_counts_are_shared_by_largest_remainders() -> None:
    # 1.4, 1.4, 0.2 of 3: floors 1, 1, 0; the one left goes to the first largest remainder
    assert _apportion([1.4, 1.4, 0.2], 3) == [2, 1, 0]
    assert _apportion([2.5, 0.5], 3) == [3, 0]
    assert _apportion([1.0, 1.0, 1.0], 3) == [1, 1, 1]


class TestOnDutyByHour:
    def test_people_on_duty_follow_the_calendars(self) -> None:
        calendar = {"weekdays": ["mon"], "hours": ["08:30", "17:00"]}
        table = on_duty_by_hour(_visits({"a": ([0], 9, 17)}), [(2, calendar), (1, None)])
        on_duty = table.set_index("hour_of_week")["on_duty"]
        assert on_duty[8] == pytest.approx(2 * 0.5 + 1)  # on duty for half of 08:00–09:00
        assert on_duty[9] == pytest.approx(3) and on_duty[16] == pytest.approx(3)
        assert on_duty[17] == pytest.approx(1) and on_duty[24 + 9] == pytest.approx(1)

    def test_seen_working_is_a_mean_over_the_weeks(self) -> None:
        # one person seen 10:00–10:30 on Mondays for 3 weeks, and once 12:00–12:30 on the second Monday
        visits = _visits({"a": ([0], 10, 10.5)}, weeks=3, per_day=1)
        extra = pd.DataFrame({RESOURCE: ["a"], "start": [MONDAY + pd.Timedelta(days=7, hours=12)]})
        visits = pd.concat([visits, extra.assign(complete=extra["start"] + pd.Timedelta(minutes=30))])
        seen = on_duty_by_hour(visits, []).set_index("hour_of_week")["seen_working"]
        assert seen[10] == pytest.approx(1.0)
        # the period observed runs from the first Monday 10:00 to the third: Monday 12:00 occurred twice in it
        assert seen[12] == pytest.approx(1 / 2)
        assert float(seen.drop([10, 12]).abs().sum()) == 0.0


def _log(visits: pd.DataFrame) -> pd.DataFrame:
    """An event log (start and complete events) with one visit per case, activity 'Do'."""
    visits = visits.sort_values("start", kind="stable").reset_index(drop=True)
    cases = [f"c{k}" for k in range(len(visits))]
    rows = []
    for case, visit in zip(cases, visits.to_dict(orient="records"), strict=True):
        for lifecycle in ("start", "complete"):
            rows.append({CASE: case, ACTIVITY: "Do", LIFECYCLE: lifecycle, TIMESTAMP: visit[lifecycle],
                         RESOURCE: visit[RESOURCE]})  # fmt: skip
    return pd.DataFrame(rows)


class TestCalibratedPeople:
    @pytest.fixture(scope="class")
    @classmethod
    def log(cls) -> pd.DataFrame:
        early = {f"early-{k}": ([0, 1, 2, 3, 4], 6, 14) for k in range(3)}
        late = {f"late-{k}": ([0, 1, 2, 3, 4], 14, 22) for k in range(2)}
        return _log(_visits(early | late, weeks=6))

    def test_people_with_different_hours_get_groups(self, log: pd.DataFrame) -> None:
        team = calibrate_log(log).scenario["teams"]["team-1"]
        assert "calendar" not in team
        assert "capacity" not in team and sum(group["count"] for group in team["people"]) == 5
        assert [group["calendar"]["hours"] for group in team["people"]] == [["06:00", "14:00"], ["14:00", "22:00"]]

    def test_team_rule_gives_one_calendar(self, log: pd.DataFrame) -> None:
        calibration = calibrate_log(log, calendars="team")
        team = calibration.scenario["teams"]["team-1"]
        assert "people" not in team and team["calendar"]["hours"] == ["06:00", "22:00"]
        assert np.isclose(calibration.on_duty["on_duty"].max(), team["capacity"])

    def test_unknown_rule_is_refused(self, log: pd.DataFrame) -> None:
        with pytest.raises(ValueError, match="calendars must be 'person' or 'team'"):
            calibrate_log(log, calendars="shift")


def test_the_on_duty_picture_reads_in_a_room() -> None:
    """Two teams' on-duty profiles: at most the projector width, every text at least 12 pt, nothing overlapping."""
    from mining.plots_calibration import draw_on_duty
    from mining.plots_common import readability_problems

    office = {"weekdays": ["mon", "tue", "wed", "thu", "fri"], "hours": ["09:00", "17:00"]}
    visits = _visits({"a": ([0, 1, 2, 3, 4], 9, 17), "b": ([5, 6], 10, 16)})
    table = pd.concat([on_duty_by_hour(visits, [(2, office)]).assign(team="team-1"),
                       on_duty_by_hour(visits, [(1, None)]).assign(team="team-2")])  # fmt: skip
    assert [] == readability_problems(draw_on_duty(table))
