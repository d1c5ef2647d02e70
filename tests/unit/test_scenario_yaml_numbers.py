"""Numbers written by `flowlab.scenario_yaml.dump_scenario` read back as the same numbers (PyYAML reads YAML 1.1:
`7e-05` without a point is text there)."""

from __future__ import annotations

import pytest
import yaml

from flowlab.scenario_yaml import dump_scenario


@pytest.mark.parametrize("value", [7e-05, 1e-300, 2.5e-07, 1e16, 1.5e20, 0.1, 3.0, -4e-06, 123456789.125])
def test_floats_read_back_as_the_same_float(value: float) -> None:
    text = dump_scenario({"rate": value})
    again = yaml.safe_load(text)["rate"]
    assert isinstance(again, float) and again == value, text


def test_a_small_rate_in_a_weekly_profile_stays_a_number() -> None:
    rates = {"mon": [0.0, 7e-05, 0.5]}
    assert yaml.safe_load(dump_scenario({"rates": rates}))["rates"] == rates
