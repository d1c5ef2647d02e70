"""A run of a number of cases (`RunSettings.max_cases`, `flowlab run --cases`): exactly N arrivals from outside, the
run ends when every item is done, the horizon only caps it, and the same seed gives the same bytes anywhere."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pandas as pd
import pytest

from sim.distributions import Exponential, Fixed
from sim.engine import simulate
from sim.network import (
    Batching,
    IntervalArrivals,
    ItemClass,
    Network,
    PoissonArrivals,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.replications import run_replications, with_run_settings

START = datetime(2026, 1, 5, tzinfo=UTC)
OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=9.0, day_end_h=17.0)


def network(max_cases: int | None = None, horizon_h: float = 10_000.0, **changes: object) -> Network:
    """Two classes arriving from outside (Poisson and every 3 h), one spawned after Fix; an office-hours team."""
    items = {
        "call": ItemClass(
            "call", "s", ("Log", "Fix"), PoissonArrivals(0.8), spawn=(Spawn("Fix", "defect", 1, 1, 0.3),)
        ),
        "check": ItemClass("check", "s", ("Log",), IntervalArrivals(every_h=3.0, offset_h=1.0)),
        "defect": ItemClass("defect", "s", ("Fix",), ScheduledArrivals(())),
    }
    base = Network(
        name="cases",
        run=RunSettings(start=START, horizon_h=horizon_h, max_cases=max_cases),
        teams={"desk": Team("desk", 2), "office": Team("office", 2, calendar=OFFICE)},
        stages={
            "Log": Stage("Log", "s", "desk", Exponential(0.5)),
            "Fix": Stage("Fix", "s", "office", Exponential(1.0)),
        },
        item_classes=items,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def external(cases: pd.DataFrame) -> pd.DataFrame:
    return cases.loc[cases["parent"].isna()]


class TestNumberOfCases:
    def test_exactly_n_arrive_from_outside_and_every_item_is_done(self) -> None:
        recording = simulate(network(max_cases=150), seed=3)
        cases = recording.cases
        assert len(external(cases)) == 150
        assert set(external(cases)["item"]) == {"call", "check"}  # both classes share the 150
        assert (cases["parent"].notna()).sum() > 5  # spawned defects come on top
        assert cases["complete_h"].notna().all()
        assert recording.visits["complete_h"].notna().all()

    def test_the_run_ends_when_the_last_item_is_done(self) -> None:
        recording = simulate(network(max_cases=150), seed=3)
        last = recording.cases["complete_h"].max()
        assert recording.horizon_h == last < 10_000.0
        assert recording.busy["time_h"].max() <= last  # nothing happened after it (the calendar keeps ticking)

    def test_the_first_n_arrivals_are_those_of_the_run_by_horizon(self) -> None:
        """Arrivals are drawn as in a run by horizon, so the N cases are the first N of that run."""
        by_cases = external(simulate(network(max_cases=60), seed=5).cases)
        by_horizon = external(simulate(network(), seed=5).cases)
        first = by_horizon.sort_values("arrival_h", kind="stable").head(60)
        assert sorted(by_cases["case"]) == sorted(first["case"])
        assert sorted(by_cases["arrival_h"]) == sorted(first["arrival_h"])

    def test_more_cases_than_the_horizon_brings_is_the_run_by_horizon(self) -> None:
        plain, capped = simulate(network(), seed=2), simulate(network(max_cases=10**9), seed=2)
        assert capped.horizon_h == plain.horizon_h
        for name in ("cases", "visits", "queues", "busy"):
            pd.testing.assert_frame_equal(getattr(plain, name), getattr(capped, name))

    def test_when_the_arrivals_run_out_first_the_run_ends_with_the_last_item(self) -> None:
        only = {"once": ItemClass("once", "s", ("Log",), ScheduledArrivals((2.0, 5.0)))}
        recording = simulate(network(max_cases=10, item_classes=only), seed=1)
        assert len(recording.cases) == 2
        assert recording.horizon_h == recording.cases["complete_h"].max() < 10.0

    def test_the_horizon_caps_a_run_whose_items_cannot_finish(self) -> None:
        """A batch of 5 without a timeout never fills with 3 items: the horizon ends the run, 3 items open."""
        stages = {"Log": Stage("Log", "s", "desk", Fixed(1.0), batch=Batching(size=5))}
        items = {"call": ItemClass("call", "s", ("Log",), PoissonArrivals(1.0))}
        recording = simulate(network(max_cases=3, horizon_h=500.0, stages=stages, item_classes=items), seed=1)
        assert recording.horizon_h == 500.0
        assert len(recording.cases) == 3
        assert recording.cases["complete_h"].isna().all()


class TestReplications:
    def test_same_seed_same_bytes_on_one_core_or_two(self) -> None:
        net = with_run_settings(network(), replications=3, seed=11, max_cases=80)
        one = run_replications(net, workers=1)
        two = run_replications(net, workers=2)
        for name in ("cases", "visits", "queues", "busy"):
            left, right = getattr(one, name), getattr(two, name)
            assert left.to_csv(index=False) == right.to_csv(index=False)
        assert [len(external(recording.cases)) for recording in one.recordings] == [80, 80, 80]

    def test_the_window_ends_with_the_longest_replication(self) -> None:
        result = run_replications(network(), replications=3, seed=4, max_cases=50, workers=1)
        ends = [recording.horizon_h for recording in result.recordings]
        assert len(set(ends)) == 3
        assert result.horizon_h == max(ends) < 10_000.0
        assert run_replications(network(), replications=2, seed=4, workers=1).horizon_h == 10_000.0

    @pytest.mark.parametrize("value", [0, -3])
    def test_a_number_of_cases_below_one_is_refused(self, value: int) -> None:
        with pytest.raises(ValueError, match=rf"the number of cases must be >= 1 \(got {value}\)"):
            with_run_settings(network(), max_cases=value)


def test_with_a_warmup_the_n_cases_are_those_arriving_after_it() -> None:
    """The warm-up's arrivals come on top (the load the counted cases meet); the statistics hold exactly N."""
    net = with_run_settings(network(), warmup_h=48.0, max_cases=60)
    recording = simulate(net, seed=6)
    arrivals = external(recording.cases)["arrival_h"]
    assert (arrivals >= 48.0).sum() == 60
    assert (arrivals < 48.0).sum() > 30
    assert recording.cases["complete_h"].notna().all()
