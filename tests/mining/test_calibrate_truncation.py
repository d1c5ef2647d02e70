"""Calibration leaves out the stretch at a log's end where only short cases could have finished."""

from __future__ import annotations

import pandas as pd

from mining.calibrate import _settled_cases


def case_times(arrival_days: list[float], lead_days: list[float]) -> pd.DataFrame:
    start = pd.Timestamp("2024-01-01", tz="UTC")
    arrival = [start + pd.Timedelta(days=d) for d in arrival_days]
    return pd.DataFrame({
        "case:concept:name": [f"c{i}" for i in range(len(arrival_days))],
        "arrival": arrival,
        "end": [a + pd.Timedelta(days=d) for a, d in zip(arrival, lead_days, strict=True)],
        "lead_time_h": [24.0 * d for d in lead_days],
        "finished": True,
    })


def test_the_cases_arriving_in_the_last_p90_lead_time_are_left_out() -> None:
    # one case a day for 100 days, each taking 10 days, except that those arriving after day 90 appear only when
    # short (1 day), as in a split that keeps the cases finished by its end
    days = list(range(100))
    frame = case_times(days, [10.0 if d <= 90 else 1.0 for d in days])
    settled, note = _settled_cases(frame)
    # the end is day 100 (day 90 + 10 = day 99 + 1); the early cases' p90 lead is 10 days: arrivals after day 90 go
    assert settled == {f"c{d}" for d in range(91)}
    assert "learned from the 91 of 100 cases" in note and "last 240 h" in note


def test_a_log_without_enough_early_cases_is_left_whole() -> None:
    frame = case_times([0, 1, 2], [1.0, 1.0, 1.0])
    settled, note = _settled_cases(frame)
    assert settled == {"c0", "c1", "c2"} and note == ""
