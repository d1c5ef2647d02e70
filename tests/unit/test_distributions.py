"""Each distribution's exact mean and variance agree with its own samples.

Tolerance: 200 000 seeded draws; the sample mean is within 5 standard errors (sqrt(variance / n)) of the exact mean
and the sample variance within 5 standard errors (sqrt((m4 - variance**2) / n), m4 the sample fourth central
moment) of the exact variance. A wrong formula (e.g. the lognormal's sigma from cv instead of log(1 + cv**2)) is
off by far more than 5 standard errors; a correct one is outside only with probability below 1e-6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.distributions import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Gamma,
    Lognormal,
    Triangular,
    Uniform,
    sample_one,
)

DRAWS = 200_000

CASES = [
    Exponential(2.0),
    Lognormal(4.0, 0.8),
    Lognormal(0.5, 0.3),
    Gamma(3.0, 1.2),
    Gamma(3.0, 0.5),
    Triangular(1.0, 2.0, 8.0),
    Triangular(1.0, 1.0, 3.0),
    Uniform(0.5, 2.5),
    Empirical((0.5, 2.0, 2.0, 7.0)),
]


@pytest.mark.parametrize("distribution", CASES, ids=repr)
def test_mean_and_variance_match_samples(distribution: Distribution) -> None:
    samples = distribution.sample_many(np.random.default_rng(20260105), DRAWS)
    assert samples.shape == (DRAWS,)
    mean_error = math.sqrt(distribution.variance / DRAWS)
    assert abs(samples.mean() - distribution.mean) < 5 * mean_error
    fourth_moment = float(np.mean((samples - samples.mean()) ** 4))
    variance_error = math.sqrt((fourth_moment - distribution.variance**2) / DRAWS)
    assert abs(samples.var(ddof=1) - distribution.variance) < 5 * variance_error


def test_exact_moments_by_hand() -> None:
    """Values worked out on paper: triangular (1, 2, 8) has mean 11/3 and variance (1+64+4-8-2-16)/18 = 43/18;
    empirical (0.5, 2, 2, 7): mean 2.875, squared deviations 5.640625 + 2 * 0.765625 + 17.015625 = 24.1875 over 4.
    """
    assert pytest.approx((Triangular(1, 2, 8).mean, Triangular(1, 2, 8).variance)) == (11 / 3, 43 / 18)
    assert pytest.approx((Uniform(0.5, 2.5).mean, Uniform(0.5, 2.5).variance)) == (1.5, 1 / 3)
    assert pytest.approx((Empirical((0.5, 2, 2, 7)).mean, Empirical((0.5, 2, 2, 7)).variance)) == (2.875, 24.1875 / 4)
    assert pytest.approx((Lognormal(4, 0.8).mean, Lognormal(4, 0.8).variance)) == (4.0, (4 * 0.8) ** 2)


@pytest.mark.parametrize("distribution", [Fixed(1.5), Lognormal(1.5, 0.0), Gamma(1.5, 0.0), Triangular(1.5, 1.5, 1.5)])
def test_zero_variance_cases_are_exact(distribution: Distribution) -> None:
    rng = np.random.default_rng(1)
    assert distribution.sample_many(rng, 3).tolist() == [1.5, 1.5, 1.5]
    assert sample_one(distribution, rng) == 1.5
    assert pytest.approx(distribution.variance, abs=1e-15) == 0.0


def test_same_seed_same_draws() -> None:
    first = Gamma(3.0, 1.2).sample_many(np.random.default_rng(7), 5)
    second = Gamma(3.0, 1.2).sample_many(np.random.default_rng(7), 5)
    assert first.tolist() == second.tolist()
