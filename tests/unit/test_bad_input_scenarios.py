"""Hostile scenarios (issue 12, classes 9 and 10): alias bombs, deep nesting, endless loops, a horizon of
centuries, a start outside the event log's range — each refused with one message naming the place, the limit and
how to raise it, quickly and in little memory."""

from __future__ import annotations

import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest

from flowlab.commands.run import MAX_FOLDER_NAME, safe_folder_name
from sim.errors import ScenarioError
from sim.load_check import _expected_loops, check_offered_load
from sim.replications import run_replications, with_run_settings
from sim.scenario import load_network, load_scenario
from sim.scenario_loader import read_scenario_yaml

BASE = """\
version: 1
name: tiny
run:
  start: "2026-01-05T00:00:00+00:00"
  horizon: 4w
  warmup: 1w
  replications: 1
  seed: 1
teams:
  devs:
    capacity: 2
streams:
  s:
    stages:
      - name: A
        team: devs
        work: 1h
      - name: B
        team: devs
        work: 1h
items:
  feature:
    stream: s
    arrival: {kind: poisson, rate: 1/d}
    route: [A, B]
"""


def laughs(levels: int = 9) -> str:
    """A flow list whose last item expands to 9**levels strings (the "billion laughs" in YAML)."""
    parts = ['&a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    parts += [f"&a{level} [" + ",".join([f"*a{level - 1}"] * 9) + "]" for level in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestYamlBombs:
    @pytest.mark.parametrize(
        "old, new, line",
        [
            ("name: tiny", "name: {bomb}", 2),  # a key that expects a string
            ("route: [A, B]", "route: {bomb}", 25),  # a key that expects a list
            ("name: tiny", "name: tiny\ndescription: {bomb}", 3),
        ],
    )
    def test_alias_bomb_refused_before_it_is_built(self, tmp_path: Path, old: str, new: str, line: int) -> None:
        path = write(tmp_path, BASE.replace(old, new.format(bomb=laughs())))
        tracemalloc.start()
        try:
            with pytest.raises(ScenarioError) as caught:
                load_scenario(path)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        message = str(caught.value)
        assert message.startswith(f"bad.yaml: line {line}, column ")
        assert "the aliases (*name) expand the file to " in message
        assert "above the limit of 1,000,000 values" in message
        assert "FLOWLAB_MAX_YAML_NODES" in message
        assert peak < 32 << 20  # 9**9 strings would take gigabytes

    def test_the_limit_can_be_raised(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        text = BASE.replace("name: tiny", "name: tiny\ndescription: " + laughs(levels=3))  # 3 + 1 + 9 + 81 + ...
        monkeypatch.setenv("FLOWLAB_MAX_YAML_NODES", "50")
        with pytest.raises(ScenarioError, match="FLOWLAB_MAX_YAML_NODES"):
            read_scenario_yaml(text, "x.yaml")
        monkeypatch.setenv("FLOWLAB_MAX_YAML_NODES", "100000")
        assert len(read_scenario_yaml(text, "x.yaml")["description"][2]) == 9

    def test_aliases_count_what_they_name(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # 1 mapping + key a + list (1 + 3 values) + key b + alias (4) + key c + alias (4) = 16 values
        text = "a: &x [1, 2, 3]\nb: *x\nc: *x\n"
        monkeypatch.setenv("FLOWLAB_MAX_YAML_NODES", "16")
        assert read_scenario_yaml(text, "x.yaml") == {"a": [1, 2, 3], "b": [1, 2, 3], "c": [1, 2, 3]}
        monkeypatch.setenv("FLOWLAB_MAX_YAML_NODES", "15")
        with pytest.raises(ScenarioError, match="expand the file to 16 values or more"):
            read_scenario_yaml(text, "x.yaml")

    @pytest.mark.parametrize("open_, close", [("[", "]"), ("{a: ", "}")])
    def test_nesting_thousands_deep(self, tmp_path: Path, open_: str, close: str) -> None:
        path = write(tmp_path, BASE + "extra: " + open_ * 10_000 + "1" + close * 10_000 + "\n")
        with pytest.raises(ScenarioError) as caught:
            load_scenario(path)
        message = str(caught.value)
        assert message.startswith("bad.yaml: line 26, column ")
        assert "nested 65 deep, above the limit of 64 levels" in message
        assert "FLOWLAB_MAX_YAML_DEPTH" in message

    def test_the_library_scenarios_stay_inside_the_limits(self) -> None:
        scenarios = Path(__file__).resolve().parents[2] / "scenarios"
        for path in sorted(scenarios.glob("*.yaml")):
            load_scenario(path)  # anchors such as &office-hours are fine


class TestRunWindow:
    def test_a_horizon_of_19000_years(self, tmp_path: Path) -> None:
        path = write(tmp_path, BASE.replace("horizon: 4w", "horizon: 991000w"))
        # 2026-01-05 to 2262-04-11 is 86,293 days = 2,071,032 h
        with pytest.raises(ScenarioError, match=r"bad\.yaml: run\.horizon must end by 2262-04-11, .* at most "
                                                r"2,071,032 h from run\.start .* \(got 166,488,000 h\)"):  # fmt: skip
            load_scenario(path)

    @pytest.mark.parametrize("year", ["1500", "9999"])
    def test_a_start_the_log_cannot_hold(self, tmp_path: Path, year: str) -> None:
        path = write(tmp_path, BASE.replace('"2026-01-05', f'"{year}-01-05'))
        with pytest.raises(ScenarioError, match=rf"run\.start must lie between 1677-09-22 and 2262-04-11.*{year}-01"):
            load_scenario(path)

    def test_a_horizon_option_past_the_range(self, tmp_path: Path) -> None:
        network = load_network(write(tmp_path, BASE))
        with pytest.raises(ValueError, match=r"the horizon must end by 2262-04-11"):
            with_run_settings(network, horizon_h=3_000_000.0)
        assert with_run_settings(network, horizon_h=2_000_000.0).run.horizon_h == 2_000_000.0
        assert network.run.start == datetime(2026, 1, 5, tzinfo=UTC)


class TestEndlessLoop:
    """Rework with probability 1 and a billion loops: each item loops until the horizon; the run is bounded by the
    visits limit and the load check answers at once."""

    LOOP = BASE.replace("route: [A, B]", "route: [A, B]\n    rework:\n"
                        "      - {after: B, to: A, probability: 1, max_loops: 1000000000}")  # fmt: skip

    def test_expected_loops_in_closed_form(self) -> None:
        assert _expected_loops(1.0, 1_000_000_000) == 1e9
        assert _expected_loops(0.5, 3) == pytest.approx(0.5 + 0.25 + 0.125)
        assert _expected_loops(0.9, 10**9) == pytest.approx(9.0)

    def test_load_check_warns_of_the_overload(self, tmp_path: Path) -> None:
        network = load_network(write(tmp_path, self.LOOP))
        assert check_offered_load(network)  # utilisation 1/24 per hour * 2e9 visits, far above 1

    def test_visits_limit_stops_the_run(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        network = load_network(write(tmp_path, self.LOOP))
        monkeypatch.setenv("FLOWLAB_MAX_VISITS", "500")
        with pytest.raises(ScenarioError) as caught:
            run_replications(network, workers=1)
        message = str(caught.value)
        assert message.startswith("tiny: replication 0 stopped at ")
        assert "simulated more than 500 stage visits, above the limit of 500 stage visits" in message
        assert "FLOWLAB_MAX_VISITS" in message and "rework loop" in message

    def test_under_the_limit_the_run_ends_at_the_horizon(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        network = load_network(write(tmp_path, self.LOOP))
        monkeypatch.setenv("FLOWLAB_MAX_VISITS", "5000")  # 2 people * 672 h of 1 h visits at most
        result = run_replications(network, workers=1)
        visits = result.recordings[0].visits
        assert visits["complete_h"].notna().sum() <= 2 * 672
        assert result.recordings[0].cases["complete_h"].isna().all()  # nobody ever leaves the loop


def test_long_names_make_short_distinct_folder_names() -> None:
    first, second = safe_folder_name("n" * 300), safe_folder_name("n" * 299 + "m")
    assert len(first) == len(second) == MAX_FOLDER_NAME
    assert first != second
    assert safe_folder_name("vsm classic") == "vsm-classic"
