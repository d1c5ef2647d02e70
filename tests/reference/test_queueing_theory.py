"""The engine against queueing theory: Erlang C, Jackson networks, Little's law, gates, batches, priorities.

Every check runs independent seeded replications, discards a warm-up, and asserts the analytic value lies within
the replication mean ± 4 standard errors (standard error from the spread across replications, which are independent
by construction: each has its own `SeedSequence` child). For a correct engine a 4-SE miss has a chance of well under
1% even with 8 replications (Student t, 7 degrees of freedom); each test also asserts that 4 SE is a small share of
the analytic value, so the tolerance is tight enough that a wrong engine (a wrong discipline, a lost server, a
doubled wait) fails. Runs are sized so the whole file takes well under 2 minutes on one core.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pytest

from sim.calendar import WeekSchedule, build_week_schedule
from sim.distributions import Exponential, Fixed
from sim.engine import simulate
from sim.network import (
    Batching,
    CadenceGate,
    ItemClass,
    Network,
    PoissonArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.recording import Recording

START = datetime(2026, 1, 5, tzinfo=UTC)


# ---------------------------------------------------------------- theory


def erlang_c(servers: int, offered_load: float) -> float:
    """Probability of waiting in M/M/c with `offered_load` a = λ/μ < c (Erlang's C formula)."""
    a, c = offered_load, servers
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


def mmc_mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in queue of M/M/c: Wq = C(c, a) / (c μ − λ)."""
    return erlang_c(servers, arrival_rate / service_rate) / (servers * service_rate - arrival_rate)


def test_erlang_c_known_value() -> None:
    """λ = 2, μ = 1, c = 3: P(wait) = Wq = 4/9 (the textbook check of the formula used below)."""
    assert math.isclose(4 / 9, erlang_c(3, 2.0), rel_tol=1e-12)
    assert math.isclose(4 / 9, mmc_mean_wait(3, 2.0, 1.0), rel_tol=1e-12)


# ---------------------------------------------------------------- helpers


def network_of(stages: list[Stage], items: list[ItemClass], teams: list[Team], horizon_h: float, **extra) -> Network:
    return Network(
        name="reference",
        run=RunSettings(start=START, horizon_h=horizon_h),
        teams={team.name: team for team in teams},
        stages={stage.name: stage for stage in stages},
        item_classes={item.name: item for item in items},
        **extra,
    )


def replicate(network: Network, replications: int, statistic: Callable[[Recording], float], seed: int) -> np.ndarray:
    """`statistic` of each of `replications` independent runs."""
    return np.array([statistic(simulate(network, seed=seed, replication=r)) for r in range(replications)])


def assert_within_four_standard_errors(expected: float, values: np.ndarray, max_relative_half_width: float) -> None:
    """Analytic `expected` within mean ± 4 SE; and 4 SE below `max_relative_half_width` of it (a test that can fail)."""
    mean = float(values.mean())
    standard_error = float(values.std(ddof=1) / math.sqrt(len(values)))
    assert abs(mean - expected) <= 4 * standard_error, (expected, mean, standard_error)
    assert 4 * standard_error <= max_relative_half_width * expected, (expected, mean, standard_error)


def mean_wait(recording: Recording, warmup_h: float, stage: str | None = None, item: str | None = None) -> float:
    """Mean start − ready of visits that became ready after the warm-up (and started before the horizon)."""
    visits = recording.visits
    keep = (visits["ready_h"] >= warmup_h) & visits["start_h"].notna()
    if stage is not None:
        keep &= visits["stage"] == stage
    if item is not None:
        keep &= visits["item"] == item
    chosen = visits[keep]
    return float((chosen["start_h"] - chosen["ready_h"]).mean())


# ---------------------------------------------------------------- M/M/c against Erlang C

# (servers, utilisation, replications, arrivals per replication): heavier traffic needs longer runs because its
# queue relaxes slowly (about 1 / (μ (1 − √ρ)²) hours for M/M/1).
MMC_CASES = [
    pytest.param(1, 0.5, 8, 3000, id="c1-rho0.5"),
    pytest.param(2, 0.5, 8, 3000, id="c2-rho0.5"),
    pytest.param(5, 0.5, 8, 4000, id="c5-rho0.5"),
    pytest.param(1, 0.8, 8, 8000, id="c1-rho0.8"),
    pytest.param(2, 0.8, 8, 8000, id="c2-rho0.8"),
    pytest.param(5, 0.8, 8, 8000, id="c5-rho0.8"),
    pytest.param(1, 0.9, 8, 16000, id="c1-rho0.9", marks=pytest.mark.slow),
    pytest.param(2, 0.9, 8, 16000, id="c2-rho0.9", marks=pytest.mark.slow),
    pytest.param(5, 0.9, 8, 16000, id="c5-rho0.9", marks=pytest.mark.slow),
]


@pytest.mark.parametrize(("servers", "utilisation", "replications", "arrivals"), MMC_CASES)
def test_mmc_mean_wait_matches_erlang_c(servers: int, utilisation: float, replications: int, arrivals: int) -> None:
    """M/M/c with μ = 1/h and λ = ρ c: mean wait in queue = C(c, λ/μ) / (c μ − λ); a tenth of the run is warm-up.

    The half-width must stay within 35% of Wq (50% for c = 5 at ρ = 0.5, where Wq ≈ 0.04 h is tiny and noisy
    relative to itself): enough to catch a lost or extra server, which moves Wq by a factor of two or more.
    """
    rate = utilisation * servers
    horizon = arrivals / rate
    network = network_of(
        [Stage("S", "s", "T", Exponential(1.0))],
        [ItemClass("x", "s", ("S",), PoissonArrivals(rate))],
        [Team("T", servers)],
        horizon,
    )
    values = replicate(network, replications, lambda rec: mean_wait(rec, horizon / 10), seed=101 + servers)
    width = 0.5 if servers == 5 and utilisation == 0.5 else 0.35
    assert_within_four_standard_errors(mmc_mean_wait(servers, rate, 1.0), values, width)


# ---------------------------------------------------------------- Jackson network with a rework loop

ARRIVAL_RATE = 0.8
REWORK = 0.2
# Station A: 2 servers, mean work 1.4 h; station B: 1 server, mean 0.75 h; after B, back to A with probability 0.2.
STATIONS = {"A": (2, 1.4), "B": (1, 0.75)}


def jackson_network(horizon_h: float) -> Network:
    return network_of(
        [Stage(name, "s", f"T{name}", Exponential(mean)) for name, (_, mean) in STATIONS.items()],
        [ItemClass("x", "s", ("A", "B"), PoissonArrivals(ARRIVAL_RATE), rework=(Rework("B", "A", REWORK),))],
        [Team(f"T{name}", servers) for name, (servers, _) in STATIONS.items()],
        horizon_h,
    )


def jackson_mean_sojourn() -> float:
    """Solve the traffic equations λ_A = λ + p λ_B, λ_B = λ_A; then W = Σ λ_i (Wq_i + 1/μ_i) / λ."""
    routing = np.array([[0.0, 1.0], [REWORK, 0.0]])  # from row station to column station
    external = np.array([ARRIVAL_RATE, 0.0])
    rates = np.linalg.solve(np.eye(2) - routing.T, external)
    total = 0.0
    for rate, (servers, mean) in zip(rates, STATIONS.values(), strict=True):
        total += rate * (mmc_mean_wait(servers, rate, 1 / mean) + mean)
    return total / ARRIVAL_RATE


def mean_lead_time(recording: Recording, warmup_h: float, until_h: float) -> float:
    """Mean complete − arrival of cases arriving in [warm-up, until); `until` leaves time for them to finish."""
    cases = recording.cases
    chosen = cases[(cases["arrival_h"] >= warmup_h) & (cases["arrival_h"] < until_h)]
    assert chosen["complete_h"].notna().all()
    return float((chosen["complete_h"] - chosen["arrival_h"]).mean())


def test_tandem_with_rework_matches_jackson_mean_sojourn() -> None:
    """Product-form (Jackson) network: the rework decision is a fresh Bernoulli draw on every pass (no loop limit)."""
    horizon = 12_000.0
    values = replicate(
        jackson_network(horizon), 8, lambda rec: mean_lead_time(rec, horizon / 10, horizon - 500), seed=7
    )
    assert_within_four_standard_errors(jackson_mean_sojourn(), values, 0.15)


# ---------------------------------------------------------------- Little's law


def time_average_in_system(recording: Recording, from_h: float, to_h: float) -> float:
    """Time-average over [from, to) of items waiting (queue samples) plus in service (busy samples), all stages."""
    total = 0.0
    for frame, value in ((recording.queues, "queue_length"), (recording.busy, "busy")):
        key = "stage" if value == "queue_length" else "team"
        for _, samples in frame.groupby(key, sort=False):
            times = np.append(samples["time_h"].to_numpy(), np.inf)
            levels = samples[value].to_numpy()
            begins = np.clip(times[:-1], from_h, to_h)
            ends = np.clip(times[1:], from_h, to_h)
            total += float(np.sum(levels * (ends - begins)))
    return total / (to_h - from_h)


def clipped_time_in_system(recording: Recording, from_h: float, to_h: float) -> float:
    """Σ over visits of the part of [ready, complete) inside [from, to): the area under N(t), item by item."""
    visits = recording.visits
    begins = np.clip(visits["ready_h"].to_numpy(), from_h, to_h)
    ends = np.clip(visits["complete_h"].fillna(np.inf).to_numpy(), from_h, to_h)
    return float(np.sum(ends - begins))


def test_littles_law_on_the_recorded_samples() -> None:
    """L (time-average of queue + busy samples) = λ W (arrivals per hour × mean lead time), in the Jackson network.

    Also the sample-path identity behind it, exactly: the area under the recorded counts equals the summed
    time items spent in the window (so the queue and busy samples agree with the visits, to rounding).
    """
    horizon = 12_000.0
    warmup, until = horizon / 10, horizon - 500

    def relative_gap(recording: Recording) -> float:
        area = time_average_in_system(recording, warmup, horizon) * (horizon - warmup)
        assert math.isclose(clipped_time_in_system(recording, warmup, horizon), area, rel_tol=1e-9)
        cases = recording.cases
        arrived = ((cases["arrival_h"] >= warmup) & (cases["arrival_h"] < until)).sum()
        little = arrived / (until - warmup) * mean_lead_time(recording, warmup, until)
        return time_average_in_system(recording, warmup, horizon) / little

    values = replicate(jackson_network(horizon), 6, relative_gap, seed=11)
    assert_within_four_standard_errors(1.0, values, 0.1)


# ---------------------------------------------------------------- cadence gate, batching, priorities


def test_weekly_gate_with_zero_window_waits_half_a_cycle() -> None:
    """Poisson arrivals in front of a gate opening for an instant every week: the wait is uniform on (0, 168 h)."""
    cycles = 20
    network = network_of(
        [Stage("S", "s", "T", Fixed(1.0), gate="weekly")],
        [ItemClass("x", "s", ("S",), PoissonArrivals(0.5))],
        [Team("T", 100_000)],  # no queueing: the gate is the only wait
        cycles * 168.0 + 1.0,  # every item arriving before the last opening passes it before the horizon
        gates={"weekly": CadenceGate("weekly", every_h=168.0)},
    )
    values = replicate(network, 8, lambda rec: mean_wait(rec, 0.0), seed=5)
    assert_within_four_standard_errors(84.0, values, 0.05)


def test_fixed_size_batches_wait_n_minus_one_over_two_lambda() -> None:
    """Poisson λ = 1/h into batches of N = 5 with no timeout: member k waits for N − k more arrivals, on average
    (N − 1) / (2 λ) = 2 h. Only the last, incomplete batch is never served; it is left out, without bias."""
    rate, size = 1.0, 5
    network = network_of(
        [Stage("S", "s", "T", Fixed(1.0), batch=Batching(size=size))],
        [ItemClass("x", "s", ("S",), PoissonArrivals(rate))],
        [Team("T", 100_000)],
        2_000.0,
    )
    values = replicate(network, 8, lambda rec: mean_wait(rec, 0.0), seed=3)
    assert_within_four_standard_errors((size - 1) / (2 * rate), values, 0.05)


@pytest.mark.parametrize(("item", "priority_index"), [("urgent", 0), ("normal", 1)])
def test_non_preemptive_priorities_match_the_mm1_formula(item: str, priority_index: int) -> None:
    """M/M/1, two classes (λ 0.3 and 0.4 per hour, both mean work 1 h): W_k = W0 / ((1 − σ_{k−1})(1 − σ_k)),
    W0 = Σ λ_i E[S_i²] / 2, σ_k = Σ_{i ≤ k} ρ_i. (First come first served would give both 2.33 h instead of 1 h
    and 3.33 h; the 25% half-width tells them apart.)"""
    rates = {"urgent": 0.3, "normal": 0.4}
    w0 = sum(rate * 2.0 for rate in rates.values()) / 2  # E[S²] = 2 for an exponential of mean 1
    sigma = np.cumsum([0.0, *rates.values()])
    expected = w0 / ((1 - sigma[priority_index]) * (1 - sigma[priority_index + 1]))
    horizon = 10_000.0
    network = network_of(
        [Stage("S", "s", "T", Exponential(1.0))],
        [
            ItemClass("urgent", "s", ("S",), PoissonArrivals(rates["urgent"]), priority=0),
            ItemClass("normal", "s", ("S",), PoissonArrivals(rates["normal"]), priority=1),
        ],
        [Team("T", 1)],
        horizon,
    )
    values = replicate(network, 8, lambda rec: mean_wait(rec, horizon / 10, item=item), seed=17)
    assert_within_four_standard_errors(expected, values, 0.25)


# ---------------------------------------------------------------- M/M/c on a working calendar


class TestMMcOnACalendar:
    """A team that works Mon–Fri 09:00–17:00, with arrivals that also come only in working time, is plain M/M/c in
    working-time units: work freezes at closing (the job is suspended, its server held) and the queue with it, and
    exponential work and gaps are memoryless across the night. So the wait counted in working hours, W(start) −
    W(ready), has the Erlang C mean, and a job's work (its working hours) has the mean service time.
    """

    OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=9.0, day_end_h=17.0)

    def _run(self, replication: int, arrival_rate: float, working_hours: float) -> tuple[Recording, WeekSchedule]:
        schedule = build_week_schedule(self.OFFICE, START)
        rng = np.random.default_rng([20261203, replication])
        working_arrivals = np.cumsum(rng.exponential(1 / arrival_rate, int(arrival_rate * working_hours * 1.2)))
        working_arrivals = working_arrivals[working_arrivals < working_hours]
        first = schedule.next_working_moment(0.0)
        times = tuple(schedule.finish_time(first, float(w)) for w in working_arrivals)  # working hour -> clock
        horizon = schedule.finish_time(first, working_hours)
        network = network_of(
            [Stage("S", "s", "T", Exponential(1.0))],
            [ItemClass("x", "s", ("S",), ScheduledArrivals(times))],
            [Team("T", 3, calendar=self.OFFICE)],
            horizon,
        )
        return simulate(network, seed=7, replication=replication), schedule

    def test_wait_in_working_hours_is_erlang_c(self) -> None:
        """λ = 2, μ = 1, c = 3 per working hour: Wq = 4/9 working hours."""
        warmup_working_h, working_hours = 80.0, 2000.0
        waits, works = [], []
        for replication in range(8):
            recording, schedule = self._run(replication, 2.0, working_hours)
            visits = recording.visits
            ready_w = schedule.working_hours_at(visits["ready_h"].to_numpy())
            start_w = schedule.working_hours_at(visits["start_h"].to_numpy())
            complete_w = schedule.working_hours_at(visits["complete_h"].to_numpy())
            keep = (ready_w - ready_w.min() >= warmup_working_h) & ~np.isnan(complete_w)
            waits.append(float((start_w - ready_w)[keep].mean()))
            works.append(float((complete_w - start_w)[keep].mean()))
        assert_within_four_standard_errors(mmc_mean_wait(3, 2.0, 1.0), np.array(waits), 0.25)
        assert_within_four_standard_errors(1.0, np.array(works), 0.05)

    def test_nothing_starts_off_duty(self) -> None:
        recording, schedule = self._run(0, 2.0, 200.0)
        starts = recording.visits["start_h"].dropna().to_numpy()
        on_duty = np.array([schedule.next_working_moment(t) == t for t in starts])
        assert on_duty.all()
