"""Change settings of a scenario by their path before it is validated: the what-if variants of a sweep.

A path names a place in the scenario's YAML: mapping keys joined by dots, list entries by their 0-based index or,
in lists of named entries (the stages of a stream), by their `name` — `teams.testers.capacity`,
`streams.integrate.stages.Build, Integrate & Test.work.mean`, `gates.weekly-change-window.every`. Every key on the
way must exist (a mistyped team name is an error, not a new team); only the last key may be new, to add an optional
setting such as a stage's `handoff`. The changed data then goes through the same validation as a file, so a wrong
value is reported with its path like any other scenario error.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.network import Network
from sim.scenario import build_network
from sim.scenario_loader import read_scenario_text, read_scenario_yaml, validate_scenario

__all__ = ["apply_settings", "load_variant", "read_variant", "set_setting", "variant_source"]


def set_setting(data: Any, path: str, value: Any, *, source: str = "<scenario>") -> Any:
    """A deep copy of the parsed scenario `data` with the setting at `path` replaced by `value`.

    Raises:
        ScenarioError: the path is empty, or a key or list entry on the way is not there (naming the keys found).
    """
    return apply_settings(data, {path: value}, source=source)


def apply_settings(data: Any, settings: Mapping[str, Any], *, source: str = "<scenario>") -> Any:
    """A deep copy of the parsed scenario `data` with every `settings` path replaced by its value, in order.

    Raises:
        ScenarioError: as `set_setting`, for the first path that is not there.
    """
    changed = copy.deepcopy(data)
    for path, value in settings.items():
        _set_in_place(changed, path, value, source)
    return changed


def _set_in_place(changed: Any, path: str, value: Any, source: str) -> None:
    steps = [step.strip() for step in path.split(".")]
    if not path.strip() or any(not step for step in steps):
        raise ScenarioError(
            f"{source}: {path!r} is not a setting path (expected keys joined by dots, e.g. teams.testers.capacity)"
        )
    node = changed
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = ".".join(steps[:depth]) or "the top level"
        if isinstance(node, dict):
            if step not in node and not last:
                raise ScenarioError(f"{source}: {path}: no {step!r} under {where} (found: {_keys(node)})")
            if last:
                node[step] = value
            else:
                node = node[step]
        elif isinstance(node, list):
            index = _list_index(node, step)
            if index is None:
                names = [entry.get("name") for entry in node if isinstance(entry, dict) and "name" in entry]
                found = f"names {_keys(names)}" if names else f"indexes 0 to {len(node) - 1}"
                raise ScenarioError(f"{source}: {path}: no entry {step!r} in the list at {where} (found: {found})")
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            raise ScenarioError(f"{source}: {path}: {where} holds a single value ({node!r}), not keys")


def _list_index(entries: list, step: str) -> int | None:
    if step.lstrip("-").isdigit():
        index = int(step)
        return index if 0 <= index < len(entries) else None
    for index, entry in enumerate(entries):
        if isinstance(entry, dict) and entry.get("name") == step:
            return index
    return None


def _keys(names: Any) -> str:
    shown = [repr(str(name)) for name in names]
    return ", ".join(shown) if shown else "nothing"


def variant_source(path: Path, label: str | None) -> str:
    """How errors name a variant: the file name, with the variant's label in brackets when there is one."""
    return path.name if label is None else f"{path.name} [{label}]"


def read_variant(
    path: str | Path, settings: Mapping[str, Any], *, label: str | None = None, text: str | None = None
) -> Any:
    """The parsed YAML of the scenario file with `settings` (path -> value) applied in order, not yet validated;
    `text` is the file's content when the caller has read it already (the file is then not opened).

    Raises:
        ScenarioError: the file cannot be read or parsed, or a path is not there (naming the file and variant).
    """
    path = Path(path)
    if text is None:
        text = read_scenario_text(path)
    return apply_settings(read_scenario_yaml(text, path.name), settings, source=variant_source(path, label))


def load_variant(path: str | Path, settings: Mapping[str, Any], *, label: str | None = None) -> Network:
    """Read the scenario file, apply `settings` (path -> value) in order, validate and resolve it.

    Errors name the file and, when `label` is given, the variant: ``line.yaml [testers=3]: teams.testers.capacity
    must be > 0 (got 0)``.

    Raises:
        ScenarioError: the file cannot be read, a path is not there, or the changed scenario is not valid.
    """
    data = read_variant(path, settings, label=label)
    return build_network(validate_scenario(data, variant_source(Path(path), label)))
