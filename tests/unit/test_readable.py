"""The one formatter for people (`mining.time_units`) and tables built on it (`mining.readable_tables`)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from mining.readable_tables import column_label, readable_table
from mining.time_units import column_unit, format_hours, format_number, format_share


class TestFormatHours:
    """A duration reads in the unit that suits it, with about three significant digits, never in e-notation."""

    @pytest.mark.parametrize(("hours", "text"), [
        (0.2, "12 min"), (0.5, "30 min"), (3.2, "3.2 h"), (48.44, "48.4 h"), (72.0, "3.0 d"), (108.0, "4.5 d"),
        (7500.0, "312 d"), (1 / 3600, "1 s"), (0.0, "0 min"), (math.nan, "n/a"), (None, "n/a"),
    ])
    def test_own_unit(self, hours: float | None, text: str) -> None:
        assert text == format_hours(hours)

    def test_given_unit_and_without_its_name(self) -> None:
        assert "72.0 h" == format_hours(72.0, ("h", 1.0))
        assert "1.5" == format_hours(36.0, ("d", 1 / 24), with_unit=False)

    def test_tiny_values_say_less_than_instead_of_e_notation(self) -> None:
        assert "< 0.0001 h" == format_hours(1.02e-05, ("h", 1.0))
        assert "< 0.0001" == format_number(1.02e-05)
        assert "< 0.1%" == format_share(1e-6)


def test_numbers_and_shares() -> None:
    assert ["1,234,567", "3.14", "0.012", "46.2", "12.5%", "0.0%"] == [
        format_number(1234567), format_number(3.14159), format_number(0.0123), format_number(46.18),
        format_share(0.125), format_share(0.0)]


def test_column_unit_follows_the_median() -> None:
    # median 2 h: hours, although one value is 300 h; a column of minutes-long values: minutes
    assert ("h", 1.0) == column_unit([1.0, 2.0, 300.0, math.nan])
    assert ("min", 60.0) == column_unit([0.1, 0.2, 0.3])
    assert ("d", 1 / 24) == column_unit([100.0, 200.0])
    assert ("h", 1.0) == column_unit([math.nan])


def test_column_labels() -> None:
    assert "Wait p85 (h)" == column_label("wait_p85_h", "h")
    assert "Lead time mean (d)" == column_label("lead_time_mean_h", "d")
    assert "Activity" == column_label("concept:name")
    assert "Throughput (per day)" == column_label("throughput_per_day")


def test_readable_table_one_unit_per_column_and_unknown_columns_named_once() -> None:
    frame = pd.DataFrame({
        "concept:name": ["a", "b", "c"],
        "visits": [1200, 30, 5],
        "wait_p85_h": [30.0, 50.0, 1.02e-05],  # median 30 h: the whole column in hours
        "wait_share": [0.5, 0.25, 0.25],
        "utilisation": [math.nan, math.nan, math.nan],  # nothing known: left out, named once
        "estimated": [True, False, True],
    })
    table = readable_table(frame)
    assert ["Activity", "Visits", "Wait p85 (h)", "Share of all waiting (%)", "Estimated"] == list(table.frame.columns)
    assert ["30.0", "50.0", "< 0.1"] == table.frame["Wait p85 (h)"].tolist()
    assert ["1,200", "30", "5"] == table.frame["Visits"].tolist()
    assert ["50.0", "25.0", "25.0"] == table.frame["Share of all waiting (%)"].tolist()
    assert ["yes", "no", "yes"] == table.frame["Estimated"].tolist()
    assert ["Utilisation"] == table.unknown
    assert not any("e-" in cell for column in table.frame for cell in table.frame[column])


def test_readable_table_keeps_a_partly_known_column_with_n_a() -> None:
    table = readable_table(pd.DataFrame({"work_mean_h": [0.5, math.nan, 0.25]}))
    assert ["Work mean (min)"] == list(table.frame.columns)
    assert ["30", "n/a", "15"] == table.frame["Work mean (min)"].tolist()


def test_digits_follow_the_nonzero_values() -> None:
    """A column mostly of zeros keeps the digits its other values need: 10.85 h reads 10.8, not 11."""
    table = readable_table(pd.DataFrame({"wait_gate_mean_h": [0.0, 0.0, 0.0, 10.85, 4.0]}))
    assert ["0.0", "0.0", "0.0", "10.8", "4.0"] == table.frame["Wait: cadence gate, mean (h)"].tolist()
