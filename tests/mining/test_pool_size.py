"""The floor under a calibrated team's size (`mining.pool_size`), and complete-only logs' delays per way into an
activity (`mining.calibrate`), on hand-made logs."""

from __future__ import annotations

import pandas as pd
import pytest

from mining.calibrate import calibrate_log
from mining.pool_size import median_daily_peak, raise_to_concurrency

DAY = pd.Timestamp("2026-03-02", tz="UTC")


def _visits(spans: list[tuple[int, float, float]], activity: str = "A") -> pd.DataFrame:
    """Visits (day, start hour, end hour) with observed starts."""
    return pd.DataFrame({
        "concept:name": activity,
        "start": [DAY + pd.Timedelta(days=day, hours=begin) for day, begin, _ in spans],
        "complete": [DAY + pd.Timedelta(days=day, hours=end) for day, _, end in spans],
        "estimated": False,
    })  # fmt: skip


def test_median_daily_peak_by_hand() -> None:
    # day 0: three overlap (9-11, 10-12, 10:30-10:45); day 1: back to back, never two at once; day 2: two overlap
    visits = _visits([(0, 9, 11), (0, 10, 12), (0, 10.5, 10.75), (1, 9, 10), (1, 10, 11), (2, 9, 12), (2, 11, 13)])
    assert median_daily_peak(visits) == 2  # the median of 3, 1 and 2
    assert median_daily_peak(visits.iloc[:0]) == 0


def test_a_team_is_raised_to_its_concurrency_but_not_a_team_of_shifts() -> None:
    visits = _visits([(day, 9, 12) for day in range(3)] + [(day, 10, 11) for day in range(3)])
    pools = pd.DataFrame({"team": ["team-1", "team-2"], "capacity": [1, 1], "capacity_rule": ["seen", "seen"],
                          "people": [float("nan"), [{"name": "shift-1", "count": 1}]]})  # fmt: skip
    raised = raise_to_concurrency(pools, visits, {"A": "team-1"})
    assert raised.loc[0, "capacity"] == 2 and "raised to 2" in raised.loc[0, "capacity_rule"]
    both = raise_to_concurrency(pools, visits, {"A": "team-2"})
    assert both.loc[1, "capacity"] == 1  # people groups keep their learned head counts


def test_complete_only_logs_get_one_delay_per_way_into_an_activity() -> None:
    """After A, B completes 1 h later; after C, 10 h later: two delays into B, not one mixed one."""
    rows = []
    for case in range(60):
        start = DAY + pd.Timedelta(hours=case * 7)
        first, gap = ("A", 1.0) if case % 2 else ("C", 10.0)
        rows += [(f"c{case}", first, start), (f"c{case}", "B", start + pd.Timedelta(hours=gap + 0.01 * (case % 5)))]
    log = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    log["lifecycle:transition"] = "complete"
    delays = calibrate_log(log).scenario["items"]["case"]["flow_delays"]
    assert set(delays) == {"A", "C"} and set(delays["A"]) == set(delays["C"]) == {"B"}

    def mean_h(spec: dict) -> float:
        units = {"s": 1 / 3600, "m": 1 / 60, "h": 1.0}
        return sum(float(text[:-1]) * units[text[-1]] for text in spec["samples"]) / len(spec["samples"])

    assert mean_h(delays["A"]["B"]) == pytest.approx(1.02, abs=0.05)
    assert mean_h(delays["C"]["B"]) == pytest.approx(10.02, abs=0.05)
