"""libyaml (`yaml.CSafeLoader`) reads scenarios when PyYAML has it; the data and every error message must be those of
the pure-Python loader, which words the errors (sim/scenario_loader.py falls back to it on any problem)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sim import scenario_loader
from sim.errors import ScenarioError

SCENARIOS = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))

BAD_TEXTS = {
    "syntax": "teams:\n  ops: [1, 2\nstages: {}\n",
    "duplicate key": "teams:\n  ops:\n    capacity: 1\n    capacity: 2\n",
    "tab indentation": "teams:\n\tops: 1\n",
    "unknown alias": "a: *nowhere\n",
    "unsafe tag": "a: !!python/object:os.system ls\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "bad anchor": "a: &x\n  - 1\nb: &x [2]\nc: [*x, *y]\n",
}


def _pure(text: str) -> object:
    return scenario_loader._read_yaml(text, "s.yaml", yaml.SafeLoader)


@pytest.mark.skipif(getattr(yaml, "CSafeLoader", None) is None, reason="PyYAML built without libyaml")
def test_the_fast_loader_is_used_when_there() -> None:
    assert scenario_loader._C_LOADER is yaml.CSafeLoader


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.name)
def test_every_shipped_scenario_reads_the_same_with_either_loader(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert scenario_loader.read_scenario_yaml(text, path.name) == _pure(text)


@pytest.mark.parametrize("fast", [True, False], ids=["with libyaml", "without libyaml"])
@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_errors_are_worded_by_the_pure_python_loader(name: str, fast: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    text = BAD_TEXTS[name]
    with pytest.raises(ScenarioError) as pure:
        _pure(text)
    if not fast:
        monkeypatch.setattr(scenario_loader, "_C_LOADER", None)
    with pytest.raises(ScenarioError) as read:
        scenario_loader.read_scenario_yaml(text, "s.yaml")
    assert str(read.value) == str(pure.value)
    assert str(read.value).startswith("s.yaml: ")


def test_the_duplicate_key_message_names_the_line() -> None:
    with pytest.raises(ScenarioError, match=r"^s\.yaml: teams\.ops\.capacity is a duplicate key at line 4, column 5 "
                                            r"\(first at line 3\)$"):
        scenario_loader.read_scenario_yaml(BAD_TEXTS["duplicate key"], "s.yaml")
