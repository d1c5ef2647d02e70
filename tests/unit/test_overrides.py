"""Scenario settings changed by path: what exists is replaced, what does not is an error naming the keys found."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.overrides import load_variant, set_setting
from sim.scenario import load_network
from tests.unit.test_run_cli import SCENARIO


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


DATA = {
    "teams": {"desk": {"capacity": 1}},
    "streams": {"operate": {"stages": [{"name": "Log Call", "work": "1h"}, {"name": "Fix", "work": "4h"}]}},
}


class TestSetSetting:
    def test_a_mapping_value_is_replaced_in_a_copy(self) -> None:
        changed = set_setting(DATA, "teams.desk.capacity", 3)
        assert 3 == changed["teams"]["desk"]["capacity"]
        assert 1 == DATA["teams"]["desk"]["capacity"]  # the input is left alone

    def test_list_entries_by_name_or_index(self) -> None:
        by_name = set_setting(DATA, "streams.operate.stages.Fix.work", "2h")
        by_index = set_setting(DATA, "streams.operate.stages.1.work", "2h")
        assert by_name == by_index
        assert "2h" == by_name["streams"]["operate"]["stages"][1]["work"]

    def test_the_last_key_may_be_new(self) -> None:
        changed = set_setting(DATA, "streams.operate.stages.Fix.handoff", "30m")
        assert "30m" == changed["streams"]["operate"]["stages"][1]["handoff"]

    @pytest.mark.parametrize(
        ("path", "message"),
        [
            ("teams.dsk.capacity", r"teams.dsk.capacity: no 'dsk' under teams \(found: 'desk'\)"),
            (
                "streams.operate.stages.Triage.work",
                r"no entry 'Triage' in the list at streams.operate.stages "
                r"\(found: names 'Log Call', 'Fix'\)",
            ),
            ("streams.operate.stages.5.work", "no entry '5'"),
            ("teams.desk.capacity.max", r"teams.desk.capacity holds a single value \(1\), not keys"),
            ("teams..capacity", "is not a setting path"),
        ],
    )
    def test_a_path_that_is_not_there_is_refused(self, path: str, message: str) -> None:
        with pytest.raises(ScenarioError, match=rf"^tiny.yaml: .*{message}"):
            set_setting(DATA, path, 2, source="tiny.yaml")


class TestLoadVariant:
    def test_no_settings_is_the_file(self, scenario_file: Path) -> None:
        assert load_network(scenario_file) == load_variant(scenario_file, {})

    def test_settings_reach_the_network(self, scenario_file: Path) -> None:
        network = load_variant(scenario_file, {"teams.fixers.capacity": 5, "streams.operate.stages.Fix.handoff": "1h"})
        assert 5 == network.teams["fixers"].capacity
        assert network.stages["Fix"].handoff is not None

    def test_an_invalid_value_names_the_file_the_variant_and_the_path(self, scenario_file: Path) -> None:
        with pytest.raises(
            ScenarioError, match=r"^tiny.yaml \[fixers=0\]: teams.fixers.capacity must be > 0 \(got 0\)"
        ):
            load_variant(scenario_file, {"teams.fixers.capacity": 0}, label="fixers=0")
