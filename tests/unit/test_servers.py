"""The server pool: the discipline of `simpy.PriorityResource`, and a calendar that decides when work may start.

Exact traces with fixed durations (the run starts Monday 00:00 UTC, so simulated hour h is week hour h), plus one
randomised check of the grant order against SimPy's own priority resource.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import simpy

from flowlab.run_results import collect_results
from sim.distributions import Fixed
from sim.engine import simulate
from sim.event_log import build_event_log
from sim.network import ItemClass, Network, RunSettings, ScheduledArrivals, Stage, Team, WorkingCalendar
from sim.replications import Replications
from sim.servers import ServerPool

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=9.0, day_end_h=17.0)


def at(day: int, hour: float) -> float:
    """Simulated hours of weekday `day` (0 = the first Monday), `hour` o'clock."""
    return day * 24.0 + hour


def office_network(items: list[ItemClass], work_h: float, capacity: int = 1, horizon_h: float = 400.0) -> Network:
    return Network(
        name="servers",
        run=RunSettings(start=MONDAY, horizon_h=horizon_h),
        teams={"T": Team("T", capacity, calendar=OFFICE)},
        stages={"S": Stage("S", "s", "T", Fixed(work_h))},
        item_classes={item.name: item for item in items},
    )


class TestPriorityAtOpening:
    """An idle team off duty starts nothing; at opening it takes the highest-priority waiting item."""

    def test_urgent_item_arriving_later_in_the_night_is_served_first(self) -> None:
        network = office_network(
            [
                ItemClass("routine", "s", ("S",), ScheduledArrivals((at(0, 3.0),)), priority=5),
                ItemClass("urgent", "s", ("S",), ScheduledArrivals((at(0, 4.0),)), priority=1),
            ],
            work_h=1.0,
        )
        visits = simulate(network, seed=1).visits.set_index("item")
        assert (at(0, 9.0), at(0, 10.0)) == (visits.loc["urgent", "start_h"], visits.loc["urgent", "complete_h"])
        assert (at(0, 10.0), at(0, 11.0)) == (visits.loc["routine", "start_h"], visits.loc["routine", "complete_h"])

    def test_a_saturday_arrival_starts_on_monday_at_opening(self) -> None:
        network = office_network([ItemClass("x", "s", ("S",), ScheduledArrivals((at(5, 10.0),)))], work_h=2.0)
        visit = simulate(network, seed=1).visits.iloc[0]
        assert (at(7, 9.0), at(7, 11.0)) == (visit["start_h"], visit["complete_h"])

    def test_a_job_ending_at_closing_does_not_start_the_next_one_off_duty(self) -> None:
        """8 h from 09:00 ends at 17:00 exactly: the queued item starts the next morning, not at 17:00."""
        network = office_network(
            [ItemClass("x", "s", ("S",), ScheduledArrivals((at(0, 9.0), at(0, 10.0))))], work_h=8.0
        )
        visits = simulate(network, seed=1).visits.sort_values("ready_h")
        assert [at(0, 9.0), at(1, 9.0)] == visits["start_h"].tolist()


class TestSuspendedWork:
    """A 1 h job started Friday 16:30 is suspended at 17:00 and resumed Monday 09:00: 1 h of work, not 65 h."""

    def replications(self) -> Replications:
        network = office_network([ItemClass("x", "s", ("S",), ScheduledArrivals((at(4, 16.5),)))], work_h=1.0)
        return Replications(network=network, recordings=(simulate(network, seed=1),))

    def test_the_log_has_suspend_and_resume_at_closing_and_opening(self) -> None:
        log = build_event_log(self.replications(), MONDAY)
        hours = (log["time:timestamp"] - pd.Timestamp(MONDAY)) / pd.Timedelta(hours=1)
        assert [
            ("schedule", at(4, 16.5)),
            ("start", at(4, 16.5)),
            ("suspend", at(4, 17.0)),
            ("resume", at(7, 9.0)),
            ("complete", at(7, 9.5)),
        ] == list(zip(log["lifecycle:transition"], hours, strict=True))
        assert 1 == log["concept:instance"].nunique()

    def test_work_is_one_hour_and_utilisation_counts_working_time(self) -> None:
        """Busy 1 h of the 400 h window; utilisation is over the team's working hours in it, not 400 h."""
        table = collect_results(self.replications()).stages_by_replication
        assert 1.0 == table.loc[0, "work_mean_h"]
        # working hours in [0, 400): weeks 1 and 2 = 2 × 40 h; week 3 begins at hour 336, so hour 400 is Wednesday
        # 16:00 of it: Monday 8 h + Tuesday 8 h + Wednesday 09:00–16:00 7 h = 23 h; 103 h in all
        assert abs(1.0 / 103.0 - table.loc[0, "utilisation"]) < 1e-12


class TestDisciplineMatchesSimPy:
    """Without a calendar the pool grants in the order of `simpy.PriorityResource` (priority, then first come)."""

    @staticmethod
    def grants(pool_kind: str, arrivals: np.ndarray, priorities: np.ndarray, holds: np.ndarray) -> list[tuple]:
        env = simpy.Environment()
        log: list[tuple] = []
        if pool_kind == "simpy":
            resource = simpy.PriorityResource(env, capacity=2)

            def job(k: int):  # type: ignore[no-untyped-def]
                yield env.timeout(arrivals[k])
                with resource.request(priority=int(priorities[k])) as request:
                    yield request
                    log.append((k, env.now))
                    yield env.timeout(holds[k])
        else:
            pool = ServerPool(env, 0, 2, None)

            def job(k: int):  # type: ignore[no-untyped-def]
                yield env.timeout(arrivals[k])
                if pool.can_start_now():
                    server = pool.seize()
                else:
                    server = yield pool.request(int(priorities[k]), None).granted
                log.append((k, env.now))
                yield env.timeout(holds[k])
                pool.release(server)

        for k in range(len(arrivals)):
            env.process(job(k))
        env.run()
        return log

    def test_same_grant_order_and_times_on_random_requests(self) -> None:
        rng = np.random.default_rng(11)
        arrivals = np.round(rng.uniform(0, 50, 300), 1)  # rounded: ties in arrival time happen
        priorities = rng.integers(0, 3, 300)
        holds = np.round(rng.exponential(0.5, 300), 1)
        assert self.grants("simpy", arrivals, priorities, holds) == self.grants("pool", arrivals, priorities, holds)
