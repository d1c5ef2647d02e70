"""Estimates from replications and from censored durations: means with 95% confidence intervals, paired
differences between variants, and Kaplan–Meier quantiles of lead times with open cases.

A measure computed once per replication (`mining.flow_measures`) is summarised as its mean across replications with
the half-width of a 95% interval from Student's t distribution (NaN with a single replication: one value gives no
spread). Two variants run with the same seed share their random numbers replication by replication, so the
difference between them is estimated from the paired differences (`paired_difference`), not from two intervals.

Neither the t quantile nor the Kaplan–Meier estimate loads scipy: `scipy.stats` costs a `flowlab run` more CPU than
its whole simulation (half a second to import), for two small exact formulas. Both are checked against
`scipy.stats.t.ppf` and `scipy.stats.ecdf` in tests/unit/test_estimates_exact.py.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CONFIDENCE_LEVEL",
    "Estimate",
    "confidence_interval",
    "kaplan_meier_quantiles",
    "paired_difference",
    "student_t_quantile",
]

CONFIDENCE_LEVEL = 0.95


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean across replications with the half-width of its 95% confidence interval (NaN when n < 2)."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of 0: a difference that is real, not noise.

        False when the interval contains 0 (an exact 0 ± 0 included) or there is none (NaN half-width, n < 2).
        """
        if self.n < 2 or math.isnan(self.half_width):
            return False
        return self.low > 0 or self.high < 0


def confidence_interval(values: Iterable[float], level: float = CONFIDENCE_LEVEL) -> Estimate:
    """Mean of the non-NaN `values` and the half-width t(1 − (1 − level)/2, n − 1) · s / √n of its interval.

    With one value the half-width is NaN (no spread to estimate); with none the mean is NaN too.
    """
    array = np.asarray(list(values), dtype="float64")
    array = array[~np.isnan(array)]
    n = int(array.size)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = float(array.mean())
    if n == 1:
        return Estimate(mean, math.nan, 1)
    quantile = student_t_quantile(level, n - 1)
    return Estimate(mean, quantile * float(array.std(ddof=1)) / math.sqrt(n), n)


def paired_difference(
    variant_values: Mapping[int, float] | pd.Series,
    baseline_values: Mapping[int, float] | pd.Series,
    level: float = CONFIDENCE_LEVEL,
) -> Estimate:
    """Mean of the differences variant − baseline paired by replication number, with its t interval.

    With common random numbers (replication r of every variant draws from the same streams) the paired differences
    vary far less than either variant's values, so this interval is the one that says whether a change is real
    (`Estimate.excludes_zero`). A replication where either value is NaN (e.g. no case of a class completed) is left
    out of the pairs; identical values give 0 ± 0, which is no difference.

    Args:
        variant_values, baseline_values: one value per replication, keyed by replication number (a mapping or a
            Series indexed by replication).
        level: confidence level of the interval.

    Raises:
        ValueError: the two do not hold the same replication numbers, or one holds a number twice.
    """
    variant = _by_replication(variant_values, "variant")
    baseline = _by_replication(baseline_values, "baseline")
    if set(variant.index) != set(baseline.index):
        raise ValueError(
            "paired_difference pairs values by replication number, but the variant has replications "
            f"{sorted(variant.index)} and the baseline {sorted(baseline.index)}"
        )
    return confidence_interval(variant - baseline.reindex(variant.index), level)


def _by_replication(values: Mapping[int, float] | pd.Series, side: str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(dict(values), dtype="float64")
    repeated = sorted(set(series.index[series.index.duplicated()]))
    if repeated:
        raise ValueError(f"paired_difference: the {side} has replication(s) {repeated} more than once")
    return series.astype("float64")


def kaplan_meier_quantiles(
    durations_h: np.ndarray, censored: np.ndarray, probabilities: tuple[float, ...]
) -> tuple[float, ...]:
    """Quantiles of a duration distribution from right-censored data (the Kaplan–Meier product-limit estimate, as
    `scipy.stats.ecdf` gives it for `CensoredData`).

    `censored` marks durations that are only a lower bound (the case was still open). A quantile the estimate never
    reaches (too many open cases) is NaN: the data cannot tell it, and the completed-only figure would be too low.
    """
    durations_h = np.asarray(durations_h, dtype="float64")
    censored = np.asarray(censored, dtype=bool)
    if not (~censored).any():
        return tuple(math.nan for _ in probabilities)
    # at each distinct completed duration t: d completions, n durations >= t at risk (open ones included)
    times, completions = np.unique(durations_h[~censored], return_counts=True)
    at_risk = len(durations_h) - np.searchsorted(np.sort(durations_h), times, side="left")
    reached = 1.0 - np.cumprod(1.0 - completions / at_risk)
    out = []
    for probability in probabilities:
        at = np.flatnonzero(reached >= probability - 1e-12)
        out.append(float(times[at[0]]) if len(at) else math.nan)
    return tuple(out)


def student_t_quantile(level: float, degrees: int) -> float:
    """The t such that P(|T| <= t) = `level` for Student's t with `degrees` (>= 1, whole) degrees of freedom: the
    `1 - (1 - level) / 2` quantile, as `scipy.stats.t.ppf` gives it (to 1e-12).

    For whole degrees of freedom P(|T| <= t) has a closed form in θ = atan(t / √ν), a finite sum of powers of cos θ
    (Abramowitz & Stegun 26.7.3–4), increasing in θ: bisected on θ in (0, π/2) to the last bit.
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1) (got {level})")
    if degrees < 1 or int(degrees) != degrees:
        raise ValueError(f"degrees of freedom must be a whole number >= 1 (got {degrees})")
    low, high = 0.0, math.pi / 2
    for _ in range(200):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if _t_central_probability(middle, int(degrees)) < level:
            low = middle
        else:
            high = middle
    theta = (low + high) / 2
    return math.sqrt(degrees) * math.tan(theta)


def _t_central_probability(theta: float, degrees: int) -> float:
    """P(|T| <= √ν tan θ) for Student's t with ν = `degrees` (A&S 26.7.3 for odd ν, 26.7.4 for even ν)."""
    sine, cosine = math.sin(theta), math.cos(theta)
    squared = cosine * cosine
    if degrees % 2 == 0:
        term, total = 1.0, 1.0
        for k in range(1, degrees // 2):  # (1·3···(2k−1)) / (2·4···2k) · cos^{2k} θ
            term *= squared * (2 * k - 1) / (2 * k)
            total += term
        return sine * total
    if degrees == 1:
        return 2 * theta / math.pi
    term, total = cosine, cosine
    for k in range(1, (degrees - 1) // 2):  # (2·4···2k) / (3·5···(2k+1)) · cos^{2k+1} θ
        term *= squared * (2 * k) / (2 * k + 1)
        total += term
    return 2 / math.pi * (theta + sine * total)
