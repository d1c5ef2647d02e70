"""Weekly (time-varying Poisson) and renewal arrivals: the file's keys, the records they build, the moments drawn."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from sim.build import arrival_times, weekly_arrival_times
from sim.distributions import Exponential, Fixed, Lognormal
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.network import (
    ItemClass,
    Network,
    PoissonArrivals,
    RenewalArrivals,
    RunSettings,
    Stage,
    Team,
    WeeklyArrivals,
)
from sim.scenario import Scenario, load_network

START = datetime(2026, 1, 5, tzinfo=UTC)
OFFICE_DAY = [0] * 8 + [2.5, 4, 4, 3.5, 2, 3, 3.5, 3, 2, 1] + [0] * 6

SCENARIO = """\
version: 1
name: arrivals
run: {{start: "2026-01-05T08:00:00+00:00", horizon: 4w}}
teams:
  desk: {{capacity: 2}}
streams:
  operate:
    stages:
      - {{name: Triage, team: desk, work: 10m}}
items:
  application:
    stream: operate
    arrival: {arrival}
    route: [Triage]
"""


def load(tmp_path: Path, arrival: str) -> Network:
    path = tmp_path / "arrivals.yaml"
    path.write_text(SCENARIO.format(arrival=arrival), encoding="utf-8")
    return load_network(path)


def network(arrivals: object, start: datetime = START, horizon_h: float = 1000.0) -> Network:
    return Network(
        name="arrivals",
        run=RunSettings(start=start, horizon_h=horizon_h),
        teams={"T": Team("T", 1000)},
        stages={"S": Stage("S", "s", "T", Fixed(0.1))},
        item_classes={"x": ItemClass("x", "s", ("S",), arrivals)},  # type: ignore[arg-type]
    )


def times_of(net: Network, until_h: float, seed: int = 1) -> list[float]:
    times = arrival_times(net, net.item_classes["x"], np.random.SeedSequence(seed, spawn_key=(0,)))
    assert times is not None
    return list(itertools.takewhile(lambda time: time < until_h, times))


class TestTheFile:
    def test_weekly_rates_build_the_168_hours_of_the_week_monday_first(self, tmp_path: Path) -> None:
        net = load(tmp_path, f"{{kind: weekly, rates: {{tue: {OFFICE_DAY}, sat: {[1] * 24}}}}}")
        arrivals = net.item_classes["application"].arrivals
        assert isinstance(arrivals, WeeklyArrivals)
        assert arrivals.rates_per_h == tuple([0.0] * 24 + OFFICE_DAY + [0.0] * 72 + [1.0] * 24 + [0.0] * 24)

    def test_renewal_gap_takes_any_work_time_distribution(self, tmp_path: Path) -> None:
        net = load(tmp_path, "{kind: renewal, gap: {kind: lognormal, mean: 30m, cv: 1.8}}")
        assert net.item_classes["application"].arrivals == RenewalArrivals(Lognormal(0.5, 1.8))
        net = load(tmp_path, "{kind: renewal, gap: 2h}")
        assert net.item_classes["application"].arrivals == RenewalArrivals(Fixed(2.0))

    def test_the_json_schema_shows_both_kinds(self) -> None:
        definitions = Scenario.model_json_schema()["$defs"]
        weekly = definitions["WeeklyArrivalSpec"]["properties"]["rates"]
        assert set(weekly["propertyNames"]["enum"]) == {"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
        assert weekly["additionalProperties"]["minItems"] == weekly["additionalProperties"]["maxItems"] == 24
        assert "gap" in definitions["RenewalArrivalSpec"]["properties"]
        kinds = definitions["ItemClassSpec"]["properties"]["arrival"]["discriminator"]["mapping"]
        assert {"weekly", "renewal"} <= set(kinds)


class TestWeekly:
    def test_arrivals_only_in_the_hours_with_a_rate_in_the_start_timezone(self) -> None:
        """Start on a Wednesday 10:30 at +02:00; rates only on Monday 10-11 and Tuesday 14-15 local time."""
        rates = [0.0] * 168
        rates[10], rates[24 + 14] = 5.0, 2.0
        start = datetime(2026, 1, 7, 10, 30, tzinfo=timezone(timedelta(hours=2)))
        times = times_of(network(WeeklyArrivals(tuple(rates)), start), 168.0 * 100)
        local = [start + timedelta(hours=time) for time in times]
        cells = {(moment.weekday(), moment.hour) for moment in local}
        assert cells == {(0, 10), (1, 14)}
        assert 0.85 * 700 < len(times) < 1.15 * 700

    def test_all_zero_rates_mean_no_arrivals(self) -> None:
        net = network(WeeklyArrivals(tuple([0.0] * 168)))
        assert arrival_times(net, net.item_classes["x"], np.random.SeedSequence(1)) is None
        assert len(simulate(net, seed=1).cases) == 0

    def test_a_flat_week_is_a_poisson_process_of_that_rate(self) -> None:
        """Inverting a constant cumulative rate with exponential(1) steps gives exponential gaps of mean 1/rate."""
        steps = iter(np.random.default_rng(3).exponential(1.0, 50_000).tolist())
        times = np.array(list(itertools.islice(weekly_arrival_times([2.0] * 168, 37.25, steps), 40_000)))
        gaps = np.diff(times, prepend=0.0)
        assert (gaps >= 0).all()
        assert gaps.mean() == pytest.approx(0.5, rel=0.02)
        assert gaps.std() == pytest.approx(0.5, rel=0.03)

    def test_the_steps_map_through_the_cumulative_rate(self) -> None:
        """Rate 1 in hour 0 of the week, 0 after, 3 in hour 2, from a start 30 minutes into the week: steps of 0.25
        cover the first half hour's 0.5 of cumulative rate, then resume in hour 2 at 3 per hour."""
        rates = [1.0, 0.0, 3.0] + [0.0] * 165
        moments = weekly_arrival_times(rates, 0.5, iter([0.25, 0.25, 0.25, 0.75, 100.0]))
        assert list(itertools.islice(moments, 4)) == pytest.approx([0.25, 0.5, 1.5 + 0.25 / 3, 1.5 + 1.0 / 3])

    def test_a_network_with_a_wrong_week_is_refused(self) -> None:
        net = network(WeeklyArrivals((1.0,) * 24))
        with pytest.raises(ScenarioError, match="needs 168 hourly rates"):
            arrival_times(net, net.item_classes["x"], np.random.SeedSequence(1))


class TestRenewal:
    def test_exponential_gaps_give_the_poisson_arrivals_of_the_same_rate(self) -> None:
        """Both draw exponential gaps on the class's arrival stream: the same moments, to the bit."""
        poisson = times_of(network(PoissonArrivals(0.5)), 500.0, seed=4)
        renewal = times_of(network(RenewalArrivals(Exponential(2.0))), 500.0, seed=4)
        assert poisson == renewal

    def test_fixed_gaps_are_evenly_spaced_from_one_gap_after_the_start(self) -> None:
        assert times_of(network(RenewalArrivals(Fixed(1.5))), 7.0) == pytest.approx([1.5, 3.0, 4.5, 6.0])

    def test_a_network_with_gaps_of_mean_zero_is_refused(self) -> None:
        net = network(RenewalArrivals(Fixed(0.0)))
        with pytest.raises(ScenarioError, match="renewal gaps of mean 0"):
            arrival_times(net, net.item_classes["x"], np.random.SeedSequence(1))
