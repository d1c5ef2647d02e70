"""Work-time and delay distributions, parametrised the way analysts think (mean and coefficient of variation).

Each distribution is a frozen value object in **hours** that knows its exact ``mean`` and ``variance`` (used to
check utilisation before a run and to test the engine against theory) and draws from a ``numpy.random.Generator``
it is given — never from a global generator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where a draw needs it, so reading and checking a scenario does not load it
    import numpy as np


@dataclass(frozen=True, slots=True)
class Exponential:
    """Memoryless time with the given mean (hours): the M in M/M/c."""

    mean: float

    @property
    def variance(self) -> float:
        return self.mean**2

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean, size)


@dataclass(frozen=True, slots=True)
class Lognormal:
    """Right-skewed time with the given mean (hours) and coefficient of variation: typical of knowledge work."""

    mean: float
    cv: float

    @property
    def variance(self) -> float:
        return (self.mean * self.cv) ** 2

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.cv == 0:
            return _constant(self.mean, size)
        sigma2 = math.log1p(self.cv**2)
        return rng.lognormal(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2), size)


@dataclass(frozen=True, slots=True)
class Gamma:
    """Gamma time with the given mean (hours) and coefficient of variation (cv = 1 is exponential)."""

    mean: float
    cv: float

    @property
    def variance(self) -> float:
        return (self.mean * self.cv) ** 2

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.cv == 0:
            return _constant(self.mean, size)
        return rng.gamma(1 / self.cv**2, self.mean * self.cv**2, size)


@dataclass(frozen=True, slots=True)
class Triangular:
    """Three-point estimate (low, most likely, high) in hours, as planning poker gives it."""

    low: float
    mode: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3

    @property
    def variance(self) -> float:
        a, c, b = self.low, self.mode, self.high
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        if self.low == self.high:
            return _constant(self.low, size)
        return rng.triangular(self.low, self.mode, self.high, size)


@dataclass(frozen=True, slots=True)
class Uniform:
    """Any time between low and high (hours), equally likely."""

    low: float
    high: float

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    @property
    def variance(self) -> float:
        return (self.high - self.low) ** 2 / 12

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.uniform(self.low, self.high, size)


@dataclass(frozen=True, slots=True)
class Fixed:
    """Always the same time (hours): deterministic steps, hand-off delays, exact test traces."""

    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return _constant(self.value, size)


@dataclass(frozen=True, slots=True)
class Empirical:
    """Resamples observed times (hours) with replacement: calibration straight from a mined log."""

    samples: tuple[float, ...]

    @property
    def mean(self) -> float:
        import numpy as np

        return float(np.mean(self.samples))

    @property
    def variance(self) -> float:
        import numpy as np

        return float(np.var(self.samples))

    def sample_many(self, rng: np.random.Generator, size: int) -> np.ndarray:
        import numpy as np

        return rng.choice(np.asarray(self.samples, dtype=float), size)


def _constant(value: float, size: int) -> np.ndarray:
    """`size` draws of a degenerate distribution (cv 0, low = high, fixed): all `value`."""
    import numpy as np

    return np.full(size, value)


Distribution = Exponential | Lognormal | Gamma | Triangular | Uniform | Fixed | Empirical
"""Any work-time or delay distribution; all share ``mean``, ``variance`` and ``sample_many(rng, size)``."""


def sample_one(distribution: Distribution, rng: np.random.Generator) -> float:
    """One draw, for the rare places where a buffer of draws is not worth it."""
    return float(distribution.sample_many(rng, 1)[0])
