"""Arrivals that drift over a log's span are simulated at the level the log ended with (`mining.calibrate`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mining.calibrate import _recent_level, _scaled_arrivals

START = pd.Timestamp("2026-01-05", tz="UTC")


def _poisson_arrivals(rates_per_h: list[tuple[float, float]], seed: int = 1) -> pd.Series:
    """Arrival moments of a Poisson process: (hours, rate per hour) pieces one after the other."""
    rng = np.random.default_rng(seed)
    moments, offset = [], 0.0
    for hours, rate in rates_per_h:
        count = rng.poisson(rate * hours)
        moments.extend(offset + np.sort(rng.uniform(0, hours, count)))
        offset += hours
    return pd.Series(START + pd.to_timedelta(np.asarray(moments), unit="h"))


def test_a_rate_that_doubles_at_the_end_is_taken_at_its_recent_level() -> None:
    # 80 days at 1/h, then 20 days at 2/h: the last fifth holds 960 arrivals where the whole span's rate gives 576
    factor, note = _recent_level(_poisson_arrivals([(80 * 24, 1.0), (20 * 24, 2.0)]))
    assert factor == pytest.approx(960 / 576, rel=0.08)
    assert "the arrivals drift" in note


def test_a_steady_rate_is_left_alone() -> None:
    assert (1.0, "") == _recent_level(_poisson_arrivals([(100 * 24, 1.0)]))


def test_a_small_change_is_left_alone() -> None:
    # 10% more in the last fifth: under the 20% a drift must reach
    assert (1.0, "") == _recent_level(_poisson_arrivals([(80 * 24, 1.0), (20 * 24, 1.1)], seed=2))


def test_scaling_each_kind_of_arrivals() -> None:
    weekly = {"kind": "weekly", "rates": {"mon": [0.0, 1.0, 2.5]}}
    assert _scaled_arrivals(weekly, 2.0)["rates"] == {"mon": [0.0, 2.0, 5.0]}
    assert _scaled_arrivals({"kind": "poisson", "rate": "3/h"}, 0.5)["rate"] == "1.5/h"
    renewal = {"kind": "renewal", "gap": {"kind": "lognormal", "mean": "2h", "cv": 1.5}}
    assert _scaled_arrivals(renewal, 2.0)["gap"] == {"kind": "lognormal", "mean": "1h", "cv": 1.5}
    empirical = {"kind": "renewal", "gap": {"kind": "empirical", "samples": ["30m", "2h"]}}
    assert _scaled_arrivals(empirical, 2.0)["gap"]["samples"] == ["15m", "1h"]
