"""The engine with fixed durations: exact traces of queueing, gates, batches, escalation, rework, spawns, calendars."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from sim.distributions import Exponential, Fixed
from sim.engine import simulate
from sim.errors import ScenarioError
from sim.network import (
    Batching,
    CadenceGate,
    Escalation,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PoissonArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.recording import BUSY_COLUMNS, CASE_COLUMNS, QUEUE_COLUMNS, VISIT_COLUMNS

MONDAY_8AM = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
NAN = math.nan


def make_network(
    stages: list[Stage],
    items: list[ItemClass],
    teams: list[Team] | None = None,
    gates: list[CadenceGate] | None = None,
    horizon_h: float = 100.0,
) -> Network:
    """A network from lists; one team `T` of capacity 1 unless teams are given."""
    teams = teams or [Team("T", 1)]
    return Network(
        name="unit",
        run=RunSettings(start=MONDAY_8AM, horizon_h=horizon_h),
        teams={team.name: team for team in teams},
        stages={stage.name: stage for stage in stages},
        item_classes={item.name: item for item in items},
        gates={gate.name: gate for gate in gates or []},
    )


def trace(visits: pd.DataFrame) -> list[tuple]:
    """(case, stage, ready, start, complete) per visit, ordered by case then ready time; NaN kept as NaN."""
    ordered = visits.sort_values(["case", "ready_h", "start_h"], kind="stable")
    return [
        (case, stage, ready, start, complete)
        for case, stage, ready, start, complete in zip(
            ordered["case"],
            ordered["stage"],
            ordered["ready_h"],
            ordered["start_h"],
            ordered["complete_h"],
            strict=True,
        )
    ]


def same(expected: list[tuple], actual: list[tuple]) -> bool:
    """Equality where NaN equals NaN (a visit not started / not complete at the horizon)."""

    def key(value: object) -> object:
        return "NaN" if isinstance(value, float) and math.isnan(value) else value

    return [tuple(map(key, row)) for row in expected] == [tuple(map(key, row)) for row in actual]


class TestSingleServer:
    """Two-hour fixed work, one server, an arrival every hour: the queue grows by one item every two hours."""

    def test_exact_trace_including_work_under_way_at_the_horizon(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0))], [ItemClass("x", "s", ("S",), IntervalArrivals(1.0))], horizon_h=5.5
        )
        recording = simulate(network, seed=1)
        expected = [
            ("r0-x-000001", "S", 0.0, 0.0, 2.0),
            ("r0-x-000002", "S", 1.0, 2.0, 4.0),
            ("r0-x-000003", "S", 2.0, 4.0, NAN),
            ("r0-x-000004", "S", 3.0, NAN, NAN),
            ("r0-x-000005", "S", 4.0, NAN, NAN),
            ("r0-x-000006", "S", 5.0, NAN, NAN),
        ]
        assert same(expected, trace(recording.visits))
        assert [0.0, 1.0, 2.0, 3.0, 4.0, 5.0] == recording.cases["arrival_h"].tolist()
        assert same([(2.0,), (4.0,), (NAN,), (NAN,), (NAN,), (NAN,)], [(v,) for v in recording.cases["complete_h"]])

    def test_tandem_of_two_stages(self) -> None:
        """Stage B (3 h) is slower than A (1 h): the second item waits at B for the first."""
        network = make_network(
            [Stage("A", "s", "TA", Fixed(1.0)), Stage("B", "s", "TB", Fixed(3.0))],
            [ItemClass("x", "s", ("A", "B"), ScheduledArrivals((0.0, 0.5)))],
            teams=[Team("TA", 1), Team("TB", 1)],
        )
        expected = [
            ("r0-x-000001", "A", 0.0, 0.0, 1.0),
            ("r0-x-000001", "B", 1.0, 1.0, 4.0),
            ("r0-x-000002", "A", 0.5, 1.0, 2.0),
            ("r0-x-000002", "B", 2.0, 4.0, 7.0),
        ]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_queue_and_busy_samples(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0))], [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0)))]
        )
        recording = simulate(network, seed=1)
        assert [(0.0, "S", 0), (1.0, "S", 1), (2.0, "S", 0)] == list(recording.queues.itertuples(index=False))
        assert [(0.0, "T", 0), (0.0, "T", 1), (4.0, "T", 0)] == list(recording.busy.itertuples(index=False))


class TestPriority:
    """Non-preemptive: lower priority value first, first come first served within a priority."""

    def test_urgent_items_overtake_waiting_ones_but_not_the_one_in_service(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0))],
            [
                ItemClass("low", "s", ("S",), ScheduledArrivals((0.0, 0.1, 0.2)), priority=5),
                ItemClass("high", "s", ("S",), ScheduledArrivals((0.3, 0.4)), priority=1),
            ],
        )
        visits = simulate(network, seed=1).visits.sort_values("start_h")
        assert ["r0-low-000001", "r0-high-000001", "r0-high-000002", "r0-low-000002", "r0-low-000003"] == visits[
            "case"
        ].tolist()
        assert [0.0, 1.0, 2.0, 3.0, 4.0] == visits["start_h"].tolist()


class TestHandoffAndGate:
    def test_handoff_delay_falls_between_ready_and_start(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0), handoff=Fixed(0.5))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((2.0,)))],
        )
        assert [("r0-x-000001", "S", 2.0, 2.5, 3.5)] == trace(simulate(network, seed=1).visits)

    def test_gate_open_for_zero_releases_at_the_opening_instant(self) -> None:
        """Opens at 10, 34, 58 ...: the item at 3 passes at 10, the one at 11 waits to 34, at 58 goes at once."""
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0), gate="daily")],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((3.0, 11.0, 58.0)))],
            gates=[CadenceGate("daily", every_h=24.0, offsets_h=(10.0,))],
        )
        expected = [
            ("r0-x-000001", "S", 3.0, 10.0, 11.0),
            ("r0-x-000002", "S", 11.0, 34.0, 35.0),
            ("r0-x-000003", "S", 58.0, 58.0, 59.0),
        ]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_gate_open_for_a_window_lets_items_through_while_open(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0), gate="window")],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((12.0, 14.5)))],
            gates=[CadenceGate("window", every_h=24.0, offsets_h=(10.0,), open_for_h=4.0)],
        )
        expected = [("r0-x-000001", "S", 12.0, 12.0, 13.0), ("r0-x-000002", "S", 14.5, 34.0, 35.0)]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_two_openings_per_cycle_release_at_both_instants(self) -> None:
        """Opens at 10 and 30 in every 48 h cycle (10, 30, 58, 78 ...): items at 3, 12 and 40 pass at 10, 30, 58."""
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0), gate="twice")],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((3.0, 12.0, 40.0, 78.0)))],
            gates=[CadenceGate("twice", every_h=48.0, offsets_h=(10.0, 30.0))],
        )
        expected = [
            ("r0-x-000001", "S", 3.0, 10.0, 11.0),
            ("r0-x-000002", "S", 12.0, 30.0, 31.0),
            ("r0-x-000003", "S", 40.0, 58.0, 59.0),
            ("r0-x-000004", "S", 78.0, 78.0, 79.0),
        ]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_each_opening_stays_open_for_its_window(self) -> None:
        """Windows 10-12 and 30-32 every 48 h: 11 and 31 pass at once, 12 (closed) waits until 30."""
        network = make_network(
            [Stage("S", "s", "T", Fixed(0.5), gate="twice")],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((11.0, 12.0, 31.0)))],
            teams=[Team("T", 2)],
            gates=[CadenceGate("twice", every_h=48.0, offsets_h=(10.0, 30.0), open_for_h=2.0)],
        )
        expected = [
            ("r0-x-000001", "S", 11.0, 11.0, 11.5),
            ("r0-x-000002", "S", 12.0, 30.0, 30.5),
            ("r0-x-000003", "S", 31.0, 31.0, 31.5),
        ]
        assert expected == trace(simulate(network, seed=1).visits)


class TestClassWork:
    """A class may override a stage's work time; the other classes keep the stage's."""

    def test_override_used_for_its_class_only(self) -> None:
        """Develop takes 24 h, but a hotfix's 4 h; both classes arrive at 0 and 100 on a 2-person team."""
        network = make_network(
            [Stage("Develop", "s", "T", Fixed(24.0)), Stage("Test", "s", "T", Fixed(2.0))],
            [
                ItemClass("feature", "s", ("Develop", "Test"), ScheduledArrivals((0.0,))),
                ItemClass("hotfix", "s", ("Develop", "Test"), ScheduledArrivals((0.0,)), work={"Develop": Fixed(4.0)}),
            ],
            teams=[Team("T", 2)],
        )
        expected = [
            ("r0-feature-000001", "Develop", 0.0, 0.0, 24.0),
            ("r0-feature-000001", "Test", 24.0, 24.0, 26.0),
            ("r0-hotfix-000001", "Develop", 0.0, 0.0, 4.0),
            ("r0-hotfix-000001", "Test", 4.0, 4.0, 6.0),
        ]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_an_override_leaves_the_other_classes_draws_alone(self) -> None:
        """Random work times: adding an override to class b changes none of class a's visits."""
        stages = [Stage("S", "s", "TA", Exponential(1.0)), Stage("U", "s", "TB", Exponential(1.0))]
        teams = [Team("TA", 1), Team("TB", 1)]

        def network(work_b: dict) -> Network:
            return make_network(
                stages,
                [
                    ItemClass("a", "s", ("S",), PoissonArrivals(0.4)),
                    ItemClass("b", "s", ("U",), PoissonArrivals(0.4), work=work_b),
                ],
                teams=teams,
            )

        plain, overridden = (
            simulate(network({}), seed=5).visits,
            simulate(network({"U": Exponential(0.2)}), seed=5).visits,
        )
        class_a = [frame[frame["item"] == "a"].reset_index(drop=True) for frame in (plain, overridden)]
        pd.testing.assert_frame_equal(class_a[0], class_a[1])
        work_b = [
            (frame["complete_h"] - frame["start_h"])[frame["item"] == "b"].mean() for frame in (plain, overridden)
        ]
        assert work_b[1] < work_b[0] / 2

    def test_a_network_overriding_a_stage_off_the_route_is_refused(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0)), Stage("U", "s", "T", Fixed(1.0))],
            [ItemClass("x", "s", ("S",), NoArrivals(), work={"U": Fixed(2.0)})],
        )
        with pytest.raises(ScenarioError) as caught:
            simulate(network, seed=1)
        assert "unit: item class 'x': work overrides stage 'U', which is not on its route ['S']" == str(caught.value)


class TestExpedite:
    """An expedited class goes past cadence gates and batches; hand-offs still apply."""

    def test_expedite_passes_a_gate_that_holds_a_normal_item(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(1.0), gate="weekly", handoff=Fixed(0.5))],
            [
                ItemClass("change", "s", ("S",), ScheduledArrivals((2.0,))),
                ItemClass("emergency", "s", ("S",), ScheduledArrivals((2.0,)), expedite=True),
            ],
            gates=[CadenceGate("weekly", every_h=168.0, offsets_h=(50.0,))],
        )
        expected = [("r0-change-000001", "S", 2.0, 50.0, 51.0), ("r0-emergency-000001", "S", 2.0, 2.5, 3.5)]
        assert expected == trace(simulate(network, seed=1).visits)

    def test_expedite_passes_a_batch_that_holds_normal_items(self) -> None:
        """Features wait for a batch of 3 (timeout 20 h); the hotfix at 1 is served alone at once, with no batch id,
        and its per-batch spawn happens for it alone."""
        network = make_network(
            [
                Stage("R", "s", "T", Fixed(2.0), batch=Batching(size=3, timeout_h=20.0)),
                Stage("D", "t", "T", Fixed(1.0)),
            ],
            [
                ItemClass("feature", "s", ("R",), ScheduledArrivals((0.0, 0.5))),
                ItemClass(
                    "hotfix",
                    "s",
                    ("R",),
                    ScheduledArrivals((1.0,)),
                    expedite=True,
                    spawn=(Spawn("R", "deploy", per_batch=True),),
                ),
                ItemClass("deploy", "t", ("D",), NoArrivals()),
            ],
        )
        visits = simulate(network, seed=1).visits
        expected = [
            ("r0-deploy-000001", "D", 3.0, 3.0, 4.0),
            ("r0-feature-000001", "R", 0.0, 20.0, 22.0),
            ("r0-feature-000002", "R", 0.5, 20.0, 22.0),
            ("r0-hotfix-000001", "R", 1.0, 1.0, 3.0),
        ]
        assert expected == trace(visits)
        assert [-1, 0, 0, -1] == visits.sort_values("case")["batch"].tolist()


class TestBatching:
    def test_batch_of_three_is_served_together_and_the_rest_leaves_at_the_timeout(self) -> None:
        """Items at 0, 1, 2 form batch 0 at 2; items at 3, 4 wait 10 h after the first of them (until 13)."""
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0), batch=Batching(size=3, timeout_h=10.0))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0, 2.0, 3.0, 4.0)))],
        )
        visits = simulate(network, seed=1).visits.sort_values("case")
        assert [0.0, 1.0, 2.0, 3.0, 4.0] == visits["ready_h"].tolist()
        assert [2.0, 2.0, 2.0, 13.0, 13.0] == visits["start_h"].tolist()
        assert [4.0, 4.0, 4.0, 15.0, 15.0] == visits["complete_h"].tolist()
        assert [0, 0, 0, 1, 1] == visits["batch"].tolist()

    def test_queue_length_counts_the_members_of_a_waiting_batch(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0), batch=Batching(size=2))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 0.0, 1.0, 1.0)))],
        )
        queues = simulate(network, seed=1).queues
        assert [(0.0, "S", 0), (1.0, "S", 2), (2.0, "S", 0)] == list(queues.itertuples(index=False))


class TestEscalation:
    def test_after_eight_hours_the_item_moves_to_the_other_team(self) -> None:
        """The first item holds team A for 20 h; the second, ready at 1, escalates at 9 and is served by B."""
        network = make_network(
            [Stage("S", "s", "A", Fixed(20.0), escalation=Escalation(after_h=8.0, priority=0, team="B"))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0)))],
            teams=[Team("A", 1), Team("B", 1)],
        )
        visits = simulate(network, seed=1).visits.sort_values("case")
        assert [("A", 0.0, 20.0), ("B", 9.0, 29.0)] == list(
            zip(visits["team"], visits["start_h"], visits["complete_h"], strict=True)
        )

    def test_no_escalation_when_served_in_time(self) -> None:
        network = make_network(
            [Stage("S", "s", "A", Fixed(2.0), escalation=Escalation(after_h=8.0, team="B"))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0)))],
            teams=[Team("A", 1), Team("B", 1)],
        )
        assert ["A", "A"] == simulate(network, seed=1).visits["team"].tolist()


class TestReworkAndSpawn:
    def test_rework_with_probability_one_and_one_loop_visits_twice(self) -> None:
        network = make_network(
            [Stage("A", "s", "T", Fixed(1.0)), Stage("B", "s", "T", Fixed(2.0))],
            [ItemClass("x", "s", ("A", "B"), ScheduledArrivals((0.0,)), rework=(Rework("B", "A", 1.0, max_loops=1),))],
        )
        recording = simulate(network, seed=1)
        expected = [
            ("r0-x-000001", "A", 0.0, 0.0, 1.0),
            ("r0-x-000001", "B", 1.0, 1.0, 3.0),
            ("r0-x-000001", "A", 3.0, 3.0, 4.0),
            ("r0-x-000001", "B", 4.0, 4.0, 6.0),
        ]
        assert expected == trace(recording.visits)
        assert [6.0] == recording.cases["complete_h"].tolist()

    def test_spawn_creates_children_with_the_parent_set(self) -> None:
        network = make_network(
            [Stage("A", "s", "T", Fixed(1.0)), Stage("C", "t", "TC", Fixed(5.0))],
            [
                ItemClass(
                    "parent", "s", ("A",), ScheduledArrivals((0.0,)), spawn=(Spawn("A", "child", 2, 2),), scenario="P"
                ),
                ItemClass("child", "t", ("C",), NoArrivals()),
            ],
            teams=[Team("T", 1), Team("TC", 2)],
        )
        cases = simulate(network, seed=1).cases
        children = cases[cases["item"] == "child"]
        assert ["r0-child-000001", "r0-child-000002"] == children["case"].tolist()
        assert ["r0-parent-000001", "r0-parent-000001"] == children["parent"].tolist()
        assert [1.0, 1.0] == children["arrival_h"].tolist()
        assert [6.0, 6.0] == children["complete_h"].tolist()
        assert cases.loc[cases["item"] == "parent", "parent"].isna().all()

    def test_per_batch_spawn_happens_once_per_batch(self) -> None:
        network = make_network(
            [Stage("R", "s", "T", Fixed(1.0), batch=Batching(size=3)), Stage("C", "t", "T", Fixed(1.0))],
            [
                ItemClass(
                    "feature",
                    "s",
                    ("R",),
                    ScheduledArrivals((0.0, 0.0, 0.0)),
                    spawn=(Spawn("R", "note", per_batch=True),),
                ),
                ItemClass("note", "t", ("C",), NoArrivals()),
            ],
        )
        cases = simulate(network, seed=1).cases
        assert ["r0-feature-000001"] == cases.loc[cases["item"] == "note", "parent"].tolist()


class TestCalendar:
    def test_work_pauses_outside_office_hours(self) -> None:
        """Run starts Monday 08:00 (simulated 0); 10 h of work = 9 h on a day + 1 h the next morning.

        The item ready Tuesday 04:00 (simulated 20) starts at Tuesday 08:00 (24) and ends Wednesday 09:00.
        """
        office = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=8.0, day_end_h=17.0)
        network = make_network(
            [Stage("S", "s", "T", Fixed(10.0))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 20.0)))],
            teams=[Team("T", 2, calendar=office)],
        )
        expected = [("r0-x-000001", "S", 0.0, 0.0, 25.0), ("r0-x-000002", "S", 20.0, 24.0, 49.0)]
        assert expected == trace(simulate(network, seed=1).visits)


class TestServers:
    """Each visit records which server (1..capacity) of its team served it: the one idle longest takes new work."""

    def test_simultaneous_visits_get_different_servers_and_a_waiting_item_the_freed_one(self) -> None:
        """Two servers; items at 0, 0.5, 1 for 2 h: servers 1 and 2, then server 1 again when it frees at 2."""
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 0.5, 1.0, 5.0, 5.0)))],
            teams=[Team("T", 2)],
        )
        visits = simulate(network, seed=1).visits.sort_values(["start_h", "case"])
        # At 5 both are idle: server 2 (idle since 2.5) has waited longer than server 1 (idle since 4).
        assert [(0.0, 1), (0.5, 2), (2.0, 1), (5.0, 2), (5.0, 1)] == list(
            zip(visits["start_h"], visits["server"], strict=True)
        )
        assert np.int64 == visits["server"].dtype

    def test_a_batch_takes_one_server_for_all_its_members(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0), batch=Batching(size=2)), Stage("U", "s", "T", Fixed(1.0))],
            [
                ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0))),
                ItemClass("y", "s", ("U",), ScheduledArrivals((1.5,))),
            ],
            teams=[Team("T", 2)],
        )
        visits = simulate(network, seed=1).visits.sort_values("case")
        # The batch of two (1-3) holds server 1 only, so the item at 1.5 finds server 2 free.
        assert [("S", 1), ("S", 1), ("U", 2)] == list(zip(visits["stage"], visits["server"], strict=True))

    def test_an_escalated_item_is_served_by_a_server_of_the_other_team(self) -> None:
        network = make_network(
            [Stage("S", "s", "A", Fixed(20.0), escalation=Escalation(after_h=8.0, team="B"))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 1.0, 2.0)))],
            teams=[Team("A", 1), Team("B", 2)],
        )
        visits = simulate(network, seed=1).visits.sort_values("case")
        assert [("A", 1), ("B", 1), ("B", 2)] == list(zip(visits["team"], visits["server"], strict=True))

    def test_a_visit_not_started_at_the_horizon_has_no_server(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Fixed(2.0))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals((0.0, 0.0)))],
            horizon_h=1.0,
        )
        assert [1, -1] == simulate(network, seed=1).visits.sort_values("case")["server"].tolist()


class TestRecordingShape:
    def test_columns_and_dtypes(self) -> None:
        network = make_network(
            [Stage("S", "s", "T", Exponential(1.0))], [ItemClass("x", "s", ("S",), PoissonArrivals(0.5))]
        )
        recording = simulate(network, seed=3, replication=2)
        assert list(VISIT_COLUMNS) == list(recording.visits.columns)
        assert list(CASE_COLUMNS) == list(recording.cases.columns)
        assert list(QUEUE_COLUMNS) == list(recording.queues.columns)
        assert list(BUSY_COLUMNS) == list(recording.busy.columns)
        for column in ("ready_h", "start_h", "complete_h"):
            assert np.float64 == recording.visits[column].dtype
        assert np.int64 == recording.visits["batch"].dtype
        assert np.int64 == recording.visits["server"].dtype
        assert recording.cases["case"].str.startswith("r2-x-").all()
        assert (2, "unit", 100.0) == (recording.replication, recording.network_name, recording.horizon_h)

    def test_empty_run(self) -> None:
        network = make_network([Stage("S", "s", "T", Fixed(1.0))], [ItemClass("x", "s", ("S",), NoArrivals())])
        recording = simulate(network, seed=1)
        assert (0, 0) == (len(recording.visits), len(recording.cases))
        assert list(VISIT_COLUMNS) == list(recording.visits.columns)


class TestSeeds:
    """All randomness comes from the one seed, and each class/stage has its own stream of draws."""

    @staticmethod
    def two_classes(rate_b: float) -> Network:
        return make_network(
            [Stage("SA", "s", "TA", Exponential(1.0)), Stage("SB", "s", "TB", Exponential(1.0))],
            [
                ItemClass("a", "s", ("SA",), PoissonArrivals(0.5)),
                ItemClass("b", "s", ("SB",), PoissonArrivals(rate_b)),
            ],
            teams=[Team("TA", 1), Team("TB", 1)],
        )

    def test_same_seed_same_recording(self) -> None:
        first, second = simulate(self.two_classes(0.3), seed=9), simulate(self.two_classes(0.3), seed=9)
        pd.testing.assert_frame_equal(first.visits, second.visits)
        pd.testing.assert_frame_equal(first.queues, second.queues)

    def test_other_seed_or_replication_other_draws(self) -> None:
        base = simulate(self.two_classes(0.3), seed=9).cases["arrival_h"].tolist()
        assert base != simulate(self.two_classes(0.3), seed=10).cases["arrival_h"].tolist()
        assert base != simulate(self.two_classes(0.3), seed=9, replication=1).cases["arrival_h"].tolist()

    def test_int_seed_with_replication_equals_the_spawned_seed_sequence(self) -> None:
        spawned = np.random.SeedSequence(9).spawn(3)[2]
        by_int = simulate(self.two_classes(0.3), seed=9, replication=2)
        by_sequence = simulate(self.two_classes(0.3), seed=spawned, replication=2)
        pd.testing.assert_frame_equal(by_int.visits, by_sequence.visits)

    def test_changing_one_class_leaves_the_other_class_draws_alone(self) -> None:
        def class_a(recording: pd.DataFrame) -> pd.DataFrame:
            return recording[recording["item"] == "a"].sort_values("case").reset_index(drop=True)

        slow_b, fast_b = simulate(self.two_classes(0.1), seed=4), simulate(self.two_classes(0.4), seed=4)
        pd.testing.assert_frame_equal(class_a(slow_b.visits), class_a(fast_b.visits))
