"""Probabilistic routing and the new arrival processes against theory, as `test_queueing_theory.py` does it.

Every check runs independent seeded replications and asserts the theoretical value lies within the replication mean
± 4 standard errors, with the tolerance itself required to be a small share of the value (so a wrong engine fails);
the weekly profile is checked cell by cell with a chi-square test over the 168 hours of the week.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pandas as pd
from scipy import stats
from test_queueing_theory import assert_within_four_standard_errors, replicate

from sim.distributions import Distribution, Exponential, Fixed, Gamma, Lognormal
from sim.engine import simulate
from sim.network import (
    Flow,
    ItemClass,
    Network,
    PoissonArrivals,
    RenewalArrivals,
    Rework,
    RunSettings,
    Stage,
    Team,
    WeeklyArrivals,
)
from sim.recording import Recording

START = datetime(2026, 1, 5, tzinfo=UTC)


def network_of(
    items: list[ItemClass],
    horizon_h: float,
    start: datetime = START,
    servers: int = 100_000,
    work: dict[str, Distribution] | None = None,
) -> Network:
    """Stages Triage, Fix and Check (fixed short work unless `work` says otherwise) served by one team, by default
    so large nobody queues."""
    work = work or {}
    return Network(
        name="reference-flow",
        run=RunSettings(start=start, horizon_h=horizon_h),
        teams={"T": Team("T", servers)},
        stages={name: Stage(name, "s", "T", work.get(name, Fixed(0.05))) for name in ("Triage", "Fix", "Check")},
        item_classes={item.name: item for item in items},
    )


# ---------------------------------------------------------------- routing frequencies

P_TRIAGE_FIRST, P_REPEAT, P_FIX_AFTER_TRIAGE, P_CHECK_AFTER_FIX = 0.7, 0.2, 0.6, 0.25
FLOW = Flow(
    start={"Triage": P_TRIAGE_FIRST, "Fix": 1 - P_TRIAGE_FIRST},
    transitions={
        "Triage": {"Fix": P_FIX_AFTER_TRIAGE, "Triage": P_REPEAT, "end": 1 - P_FIX_AFTER_TRIAGE - P_REPEAT},
        "Fix": {"Check": P_CHECK_AFTER_FIX, "end": 1 - P_CHECK_AFTER_FIX},
        "Check": {"end": 1.0},
    },
)
HORIZON_H = 800.0


def completed_visits(recording: Recording) -> pd.DataFrame:
    """Visits per (case, stage) of the cases completed by the horizon (zeros where a case never went)."""
    done = recording.cases.loc[recording.cases["complete_h"].notna(), "case"]
    visits = recording.visits.loc[recording.visits["case"].isin(done)]
    table = visits.groupby(["case", "stage"]).size().unstack(fill_value=0)
    return table.reindex(columns=["Triage", "Fix", "Check"], fill_value=0)


def flow_network() -> Network:
    return network_of([ItemClass("x", "s", (), PoissonArrivals(4.0), flow=FLOW)], HORIZON_H)


def test_share_of_items_visiting_each_stage_matches_the_chain() -> None:
    """P(visit Triage) = 0.7; P(visit Fix) = 0.3 + 0.7 × 0.6 / (1 − 0.2) = 0.825; P(visit Check) = 0.825 × 0.25."""
    reach_fix = (1 - P_TRIAGE_FIRST) + P_TRIAGE_FIRST * P_FIX_AFTER_TRIAGE / (1 - P_REPEAT)
    expected = {"Triage": P_TRIAGE_FIRST, "Fix": reach_fix, "Check": reach_fix * P_CHECK_AFTER_FIX}
    for stage, share in expected.items():
        values = replicate(flow_network(), 8, lambda rec, stage=stage: float((completed_visits(rec)[stage] > 0).mean()),
                           seed=31)  # fmt: skip
        assert_within_four_standard_errors(share, values, 0.06)


def test_a_self_loop_is_visited_one_over_one_minus_p_times() -> None:
    """Among the items that reach Triage, the number of Triage visits is geometric: mean 1 / (1 − 0.2) = 1.25."""

    def triage_visits(recording: Recording) -> float:
        table = completed_visits(recording)
        return float(table.loc[table["Triage"] > 0, "Triage"].mean())

    assert_within_four_standard_errors(1 / (1 - P_REPEAT), replicate(flow_network(), 8, triage_visits, seed=37), 0.02)


def test_the_first_stage_is_drawn_from_start() -> None:
    def first_is_triage(recording: Recording) -> float:
        first = recording.visits.sort_values("ready_h", kind="stable").groupby("case")["stage"].first()
        return float((first == "Triage").mean())

    assert_within_four_standard_errors(P_TRIAGE_FIRST, replicate(flow_network(), 8, first_is_triage, seed=41), 0.04)


def test_a_flow_with_one_way_back_runs_exactly_as_the_route_with_rework() -> None:
    """Route Triage → Fix with rework Fix → Triage (p = 0.3) is the flow start → Triage → Fix → {Triage 0.3, end
    0.7}; both draw one uniform per Fix completion and compare it with 0.3, so the runs are identical (M/M/2 queues,
    so the equality covers the waits too)."""
    work = {"Triage": Exponential(0.4), "Fix": Exponential(0.6)}
    route = ItemClass("x", "s", ("Triage", "Fix"), PoissonArrivals(1.5), rework=(Rework("Fix", "Triage", 0.3),))
    flow = ItemClass(
        "x",
        "s",
        (),
        PoissonArrivals(1.5),
        flow=Flow(start={"Triage": 1.0}, transitions={"Triage": {"Fix": 1.0}, "Fix": {"Triage": 0.3, "end": 0.7}}),
    )
    by_route, by_flow = (simulate(network_of([item], 2000.0, servers=2, work=work), seed=9) for item in (route, flow))
    assert len(by_route.visits) > 5000
    for name in ("cases", "visits", "queues", "busy"):
        pd.testing.assert_frame_equal(getattr(by_route, name), getattr(by_flow, name))


# ---------------------------------------------------------------- weekly arrivals

OFFICE_DAY = [0.0] * 8 + [2.5, 4, 4, 3.5, 2, 3, 3.5, 3, 2, 1] + [0.0] * 6
SATURDAY = [0.0] * 9 + [0.5] * 12 + [0.0] * 3
WEEK = tuple([*OFFICE_DAY * 5, *SATURDAY, *[0.0] * 24])  # Sunday: none
WEEKS = 20


def test_weekly_arrivals_per_weekday_and_hour_match_the_rates() -> None:
    """Over 8 replications of 20 weeks (starting on a Wednesday at 10:30, +02:00, so hours are local and the first
    hour is split), each of the 168 (weekday, hour) cells gets 20 h of exposure: its count is Poisson with mean
    8 × 20 × rate. Chi-square over the cells with a rate; the cells without any must stay empty."""
    start = datetime(2026, 1, 7, 10, 30, tzinfo=timezone(timedelta(hours=2)))
    network = network_of([ItemClass("x", "s", ("Triage",), WeeklyArrivals(WEEK))], WEEKS * 168.0, start=start)
    counts = np.zeros(168)
    totals = []
    for replication in range(8):
        arrivals = simulate(network, seed=13, replication=replication).cases["arrival_h"].to_numpy()
        local = [start + timedelta(hours=float(hours)) for hours in arrivals]
        np.add.at(counts, [moment.weekday() * 24 + moment.hour for moment in local], 1)
        totals.append(len(arrivals))
    rates = np.asarray(WEEK)
    expected = 8 * WEEKS * rates
    assert counts[rates == 0].sum() == 0
    observed, mean = counts[rates > 0], expected[rates > 0]
    chi_square = float(((observed - mean) ** 2 / mean).sum())
    assert stats.chi2.sf(chi_square, df=len(observed)) > 1e-3, chi_square
    assert_within_four_standard_errors(WEEKS * rates.sum(), np.array(totals, dtype=float), 0.03)


# ---------------------------------------------------------------- renewal arrivals


def renewal_gaps(recording: Recording) -> np.ndarray:
    return np.diff(np.sort(recording.cases["arrival_h"].to_numpy()), prepend=0.0)


def test_renewal_mean_gap_and_arrival_count_match_theory() -> None:
    """Lognormal gaps, mean 0.5 h, cv 1.8: the mean gap is 0.5 h, and the count in (0, t] of an ordinary renewal
    process has mean t/μ + (cv² − 1)/2 + o(1) (a constant far inside the tolerance, kept for exactness)."""
    mean, cv, horizon = 0.5, 1.8, 2000.0
    network = network_of([ItemClass("x", "s", ("Triage",), RenewalArrivals(Lognormal(mean, cv)))], horizon)
    recordings = [simulate(network, seed=19, replication=r) for r in range(8)]
    assert_within_four_standard_errors(mean, np.array([renewal_gaps(rec).mean() for rec in recordings]), 0.03)
    counts = np.array([len(rec.cases) for rec in recordings], dtype=float)
    assert_within_four_standard_errors(horizon / mean + (cv**2 - 1) / 2, counts, 0.05)


def test_renewal_gap_spread_matches_its_distribution() -> None:
    """Gamma gaps, mean 2 h, cv 0.5: the sample cv of the gaps is 0.5 (a Poisson process would give 1)."""
    network = network_of([ItemClass("x", "s", ("Triage",), RenewalArrivals(Gamma(2.0, 0.5)))], 4000.0)

    def gap_cv(recording: Recording) -> float:
        gaps = renewal_gaps(recording)
        return float(gaps.std(ddof=1) / gaps.mean())

    assert_within_four_standard_errors(0.5, replicate(network, 8, gap_cv, seed=23), 0.05)
