"""The offered-load check, against utilisations worked out by hand (load = rate × visits × mean work / batch size)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from sim.distributions import Exponential, Fixed, Gamma
from sim.load_check import (
    LoadWarning,
    check_offered_load,
    compute_arrival_rates,
    compute_utilisation,
    solve_below_spectral_radius_one,
)
from sim.network import (
    Arrivals,
    Batching,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PoissonArrivals,
    RenewalArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WeeklyArrivals,
    WorkingCalendar,
)


def two_team_network(
    *, rework: tuple[Rework, ...] = (), spawn: tuple[Spawn, ...] = (), fix_batch: Batching | None = None
) -> Network:
    """Tickets at 2/h: Triage (desk, 1 person, 15m fixed) then Fix (dev, 2 people, exponential mean 1.2h).

    By hand: desk load 2 × 0.25 = 0.5 on capacity 1 -> ρ = 0.5; dev load 2 × 1.2 = 2.4 on capacity 2 -> ρ = 1.2.
    """
    return Network(
        name="two teams",
        run=RunSettings(start=datetime(2026, 1, 5, tzinfo=UTC), horizon_h=100.0),
        teams={"desk": Team("desk", 1), "dev": Team("dev", 2)},
        stages={
            "Triage": Stage("Triage", "operate", "desk", Fixed(0.25)),
            "Fix": Stage("Fix", "operate", "dev", Exponential(1.2), batch=fix_batch),
            "Patch": Stage("Patch", "integrate", "desk", Fixed(0.1)),
        },
        item_classes={
            "ticket": ItemClass(
                "ticket", "operate", ("Triage", "Fix"), PoissonArrivals(2.0), rework=rework, spawn=spawn
            ),
            "defect": ItemClass("defect", "integrate", ("Patch",), NoArrivals()),
        },
    )


class TestUtilisation:
    """ρ = offered load / (capacity × working share of the week)."""

    def test_plain_network(self) -> None:
        assert pytest.approx(compute_utilisation(two_team_network()), rel=1e-12) == {"desk": 0.5, "dev": 1.2}

    def test_calendar_shrinks_capacity_to_the_working_share(self) -> None:
        """Mon–Fri 08:00–16:00 is 40 of 168 hours: ρ = 0.5 × 168 / 40 = 2.1."""
        network = two_team_network()
        calendar = WorkingCalendar(frozenset(range(5)), 8.0, 16.0)
        network = replace(network, teams={**network.teams, "desk": Team("desk", 1, calendar)})
        assert pytest.approx(compute_utilisation(network)["desk"], rel=1e-12) == 2.1

    def test_a_batch_is_one_work_draw(self) -> None:
        """Batches of 4 at Fix: one 1.2h job per 4 tickets, load 0.6 on 2 people -> ρ = 0.3."""
        assert pytest.approx(compute_utilisation(two_team_network(fix_batch=Batching(4)))["dev"], rel=1e-12) == 0.3

    def test_unbounded_rework_doubles_visits_at_probability_one_half(self) -> None:
        """Loops p/(1-p) = 1, so both stages are visited twice: desk ρ = 1.0, dev ρ = 2.4."""
        network = two_team_network(rework=(Rework("Fix", "Triage", 0.5),))
        assert pytest.approx(compute_utilisation(network), rel=1e-12) == {"desk": 1.0, "dev": 2.4}

    def test_bounded_rework_counts_only_the_allowed_loops(self) -> None:
        """Loops 0.5 + 0.25 = 0.75 with max_loops 2, and only Fix is in the loop: dev ρ = 1.2 × 1.75 = 2.1."""
        network = two_team_network(rework=(Rework("Fix", "Fix", 0.5, max_loops=2),))
        assert pytest.approx(compute_utilisation(network), rel=1e-12) == {"desk": 0.5, "dev": 2.1}

    def test_a_class_work_override_replaces_the_stage_mean(self) -> None:
        """Tickets take 0.3h at Fix instead of 1.2h: dev load 2 × 0.3 = 0.6 on 2 people -> ρ = 0.3."""
        network = two_team_network()
        ticket = replace(network.item_classes["ticket"], work={"Fix": Fixed(0.3)})
        network = replace(network, item_classes={**network.item_classes, "ticket": ticket})
        assert pytest.approx(compute_utilisation(network), rel=1e-12) == {"desk": 0.5, "dev": 0.3}

    def test_an_expedited_class_is_one_job_per_item_at_a_batched_stage(self) -> None:
        """Expedited tickets skip the batch of 4: ρ = 2 × 1.2 / 2 = 1.2 again, not 0.3; per-batch spawns count per
        ticket (2/h × 0.5 = 1 defect/h)."""
        network = two_team_network(fix_batch=Batching(4), spawn=(Spawn("Fix", "defect", 1, 1, 0.5, per_batch=True),))
        ticket = replace(network.item_classes["ticket"], expedite=True)
        network = replace(network, item_classes={**network.item_classes, "ticket": ticket})
        assert pytest.approx(compute_utilisation(network)["dev"], rel=1e-12) == 1.2
        assert pytest.approx(compute_arrival_rates(network)["defect"], rel=1e-12) == 1.0


class TestArrivalRates:
    """Own arrivals plus spawned ones (parent rate × visits × mean count × probability)."""

    def test_spawned_class_inherits_a_share_of_its_parents_rate(self) -> None:
        """Mean count 2 × probability 0.25 = 0.5 defects per ticket at 2/h -> 1/h; Patch adds 0.1h each to desk."""
        network = two_team_network(spawn=(Spawn("Fix", "defect", 1, 3, 0.25),))
        assert pytest.approx(compute_arrival_rates(network), rel=1e-12) == {"ticket": 2.0, "defect": 1.0}
        assert pytest.approx(compute_utilisation(network)["desk"], rel=1e-12) == 0.5 + 0.1

    def test_rework_visits_and_per_batch_spawns(self) -> None:
        """Fix visited twice (p = 0.5), batches of 4, one spawn per batch: 2 × 2 × 0.5 / 4 = 0.5 defects/h."""
        network = two_team_network(
            rework=(Rework("Fix", "Fix", 0.5),),
            spawn=(Spawn("Fix", "defect", 1, 3, 0.25, per_batch=True),),
            fix_batch=Batching(4),
        )
        assert pytest.approx(compute_arrival_rates(network)["defect"], rel=1e-12) == 0.5

    def test_spawn_cycle_below_one_is_solved(self) -> None:
        """λa = 1 + 0.5 λb and λb = 0.5 λa give λa = 4/3, λb = 2/3."""
        network = two_team_network()
        classes = {
            "a": ItemClass("a", "operate", ("Triage",), PoissonArrivals(1.0), spawn=(Spawn("Triage", "b", 1, 1, 0.5),)),
            "b": ItemClass("b", "integrate", ("Patch",), NoArrivals(), spawn=(Spawn("Patch", "a", 1, 1, 0.5),)),
        }
        rates = compute_arrival_rates(replace(network, item_classes=classes))
        assert pytest.approx(rates, rel=1e-12) == {"a": 4 / 3, "b": 2 / 3}

    @pytest.mark.parametrize(
        ("arrivals", "rate"),
        [
            (IntervalArrivals(every_h=4.0, offset_h=1.0), 0.25),
            (ScheduledArrivals((0.0, 10.0, 99.0, 100.0, 150.0)), 3 / 100),  # three inside the 100h horizon
            (NoArrivals(), 0.0),
            (WeeklyArrivals(tuple([0.0] * 160 + [21.0] * 8)), 1.0),  # 8 hours of 21 per hour in the 168 h week
            (RenewalArrivals(Gamma(0.4, 2.0)), 2.5),
        ],
        ids=["interval", "schedule", "none", "weekly", "renewal"],
    )
    def test_own_rate_of_each_arrival_kind(self, arrivals: Arrivals, rate: float) -> None:
        network = two_team_network()
        ticket = replace(network.item_classes["ticket"], arrivals=arrivals)
        network = replace(network, item_classes={**network.item_classes, "ticket": ticket})
        assert rate == pytest.approx(compute_arrival_rates(network)["ticket"], rel=1e-12)


class TestWarnings:
    """A team at ρ >= 1 warns, naming itself, its utilisation and the stages that load it; others do not."""

    def test_overloaded_team_warns_and_the_other_does_not(self) -> None:
        warnings = check_offered_load(two_team_network())
        assert [warning.team for warning in warnings] == ["dev"]
        (warning,) = warnings
        assert warning.stages == ("Fix",)
        assert pytest.approx(warning.utilisation, rel=1e-12) == 1.2
        assert warning.message.startswith("team 'dev' is offered utilisation 1.20 (>= 1)"), warning.message
        assert "Fix 2.40" in warning.message

    def test_exactly_one_warns(self) -> None:
        """ρ = 1 exactly: 2/h × 1h on 2 people. Queues still grow without bound (null recurrent), so it warns."""
        network = two_team_network()
        network = replace(network, stages={**network.stages, "Fix": Stage("Fix", "operate", "dev", Fixed(1.0))})
        assert [(warning.team, warning.utilisation) for warning in check_offered_load(network)] == [("dev", 1.0)]

    def test_no_warning_below_one(self) -> None:
        assert check_offered_load(two_team_network(fix_batch=Batching(4))) == []

    def test_spawns_that_multiply_warn_instead_of_raising(self) -> None:
        network = two_team_network()
        classes = {
            "a": ItemClass("a", "operate", ("Triage",), PoissonArrivals(1.0), spawn=(Spawn("Triage", "b"),)),
            "b": ItemClass("b", "integrate", ("Patch",), NoArrivals(), spawn=(Spawn("Patch", "a"),)),
        }
        network = replace(network, item_classes=classes)
        assert compute_arrival_rates(network) is None
        assert compute_utilisation(network) is None
        (warning,) = check_offered_load(network)
        assert isinstance(warning, LoadWarning)
        assert (None, float("inf")) == (warning.team, warning.utilisation)
        assert "grow without bound" in warning.message


class TestSolveBelowSpectralRadiusOne:
    """The plain-Python solve of (I - M) x = b agrees with numpy's eigenvalues and solver on random non-negative M."""

    @pytest.mark.parametrize("seed", range(40))
    def test_agrees_with_numpy(self, seed: int) -> None:
        generator = np.random.default_rng(seed)
        size = int(generator.integers(1, 8))
        matrix = generator.random((size, size)) * (generator.random((size, size)) < 0.5)
        radius = float(np.max(np.abs(np.linalg.eigvals(matrix))))
        if radius > 0:
            matrix *= generator.uniform(0.2, 2.0) / radius  # radius now spread around 1 on both sides
            radius = float(np.max(np.abs(np.linalg.eigvals(matrix))))
        right = generator.random(size)
        if abs(radius - 1) < 1e-9:
            pytest.skip("radius too close to 1 to tell numerically")
        system = (np.eye(size) - matrix).tolist()
        solution = solve_below_spectral_radius_one(system, right.tolist())
        if radius >= 1:
            assert solution is None
        else:
            assert solution is not None
            np.testing.assert_allclose(np.linalg.solve(np.eye(size) - matrix, right), solution, rtol=1e-9)

    def test_radius_exactly_one_is_unbounded(self) -> None:
        """One child per item in a two-class cycle: radius 1, arrivals never settle."""
        assert solve_below_spectral_radius_one([[1.0, -1.0], [-1.0, 1.0]], [1.0, 0.0]) is None

    def test_hand_computed_chain(self) -> None:
        """a spawns 0.5 b per item, b spawns 0.5 a: rate_a = 1 + 0.5 rate_b, rate_b = 0.5 rate_a → a = 4/3, b = 2/3."""
        solution = solve_below_spectral_radius_one([[1.0, -0.5], [-0.5, 1.0]], [1.0, 0.0])
        assert solution is not None
        assert pytest.approx([4 / 3, 2 / 3], rel=1e-12) == solution
