"""flowlab's own t quantile and Kaplan–Meier estimate (`mining.estimates`, kept free of scipy so that a run does not
pay scipy.stats' import) agree with scipy's, which stays the reference here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from mining.estimates import confidence_interval, kaplan_meier_quantiles, student_t_quantile


@pytest.mark.parametrize("degrees", [*range(1, 41), 60, 99, 100, 250, 999, 4000])
def test_t_quantile_agrees_with_scipy(degrees: int) -> None:
    for level in (0.5, 0.8, 0.9, 0.95, 0.99, 0.999):
        expected = float(stats.t.ppf(1 - (1 - level) / 2, degrees))
        assert student_t_quantile(level, degrees) == pytest.approx(expected, rel=1e-11, abs=1e-12)


def test_t_quantile_textbook_values() -> None:
    # two-sided 95%: 12.706 (1 df), 2.776 (4 df), 2.262 (9 df); the normal's 1.960 as degrees grow
    assert student_t_quantile(0.95, 1) == pytest.approx(12.7062047, rel=1e-7)
    assert student_t_quantile(0.95, 4) == pytest.approx(2.7764451, rel=1e-7)
    assert student_t_quantile(0.95, 9) == pytest.approx(2.2621572, rel=1e-7)
    assert student_t_quantile(0.95, 100_000) == pytest.approx(1.959985, rel=1e-5)


@pytest.mark.parametrize(("level", "degrees"), [(0.0, 3), (1.0, 3), (0.95, 0), (0.95, 2.5)])
def test_t_quantile_refuses_what_it_cannot_give(level: float, degrees: float) -> None:
    with pytest.raises(ValueError):
        student_t_quantile(level, degrees)  # type: ignore[arg-type]


def test_confidence_interval_half_width_is_t_times_standard_error() -> None:
    values = [3.0, 5.0, 4.0, 8.0]
    estimate = confidence_interval(values)
    standard_error = float(np.std(values, ddof=1)) / 2
    assert estimate.half_width == pytest.approx(float(stats.t.ppf(0.975, 3)) * standard_error, rel=1e-12)


def _scipy_quantiles(durations: np.ndarray, censored: np.ndarray, probabilities: tuple[float, ...]) -> list[float]:
    data = stats.CensoredData(uncensored=durations[~censored], right=durations[censored])
    cdf = stats.ecdf(data).cdf
    out = []
    for probability in probabilities:
        at = np.flatnonzero(cdf.probabilities >= probability - 1e-12)
        out.append(float(cdf.quantiles[at[0]]) if len(at) else math.nan)
    return out


@pytest.mark.parametrize("seed", range(12))
def test_kaplan_meier_agrees_with_scipy_ecdf(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(5, 400))
    durations = np.round(rng.lognormal(1.0, 1.0, size), int(rng.integers(0, 3)))  # rounding makes ties
    censored = rng.random(size) < rng.uniform(0.0, 0.7)
    probabilities = (0.1, 0.25, 0.5, 0.85, 0.95, 0.99)
    ours = kaplan_meier_quantiles(durations, censored, probabilities)
    np.testing.assert_array_equal(np.array(ours), np.array(_scipy_quantiles(durations, censored, probabilities)))


def test_kaplan_meier_by_hand() -> None:
    """Durations 1, 2+, 3, 4, 5+ (+: still open). At 1: 1 of 5 at risk ends, S = 4/5; at 3: 1 of 3, S = 8/15; at 4:
    1 of 2, S = 4/15. CDF: 0.2, 0.467, 0.733 — the median is 4, the 85% quantile never reached."""
    durations = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    censored = np.array([False, True, False, False, True])
    assert kaplan_meier_quantiles(durations, censored, (0.2, 0.5, 0.7, 0.85))[:3] == (1.0, 4.0, 4.0)
    assert math.isnan(kaplan_meier_quantiles(durations, censored, (0.85,))[0])


def test_a_run_does_not_import_scipy_stats() -> None:
    """scipy.stats costs a run more CPU than its simulation: the modules of a run and its report must not pull it in
    (the test from the parallel attempt on branch runcost)."""
    import subprocess
    import sys

    code = ("import sys, flowlab.cli, flowlab.commands.run, flowlab.run_results, flowlab.report, sim.engine; "
            "print(sorted(name for name in sys.modules if name.startswith('scipy.stats')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
