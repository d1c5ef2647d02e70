"""Reading a scenario file: safe YAML (duplicate keys refused), field validation, cross-references, one clear error.

Every problem becomes one line ``file.yaml: streams.operate.stages[1].work.cv must be >= 0 (got -0.5)``; all the
problems found are raised together as one `ScenarioError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from sim.durations import spell_duration
from sim.errors import ScenarioError
from sim.limits import MAX_YAML_DEPTH, MAX_YAML_NODES, run_window_problem
from sim.network import FLOW_END, FLOW_START
from sim.scenario_model import (
    ARRIVAL_KINDS,
    DISTRIBUTION_KINDS,
    DistributionSpec,
    EmpiricalSpec,
    FixedSpec,
    Scenario,
    TriangularSpec,
    UniformSpec,
)

__all__ = ["check_references", "load_scenario", "read_scenario_text", "read_scenario_yaml", "validate_scenario"]

Location = Sequence[str | int]
_TAGGED_FIELDS = {
    "work": DISTRIBUTION_KINDS,
    "handoff": DISTRIBUTION_KINDS,
    "gap": DISTRIBUTION_KINDS,
    "arrival": ARRIVAL_KINDS,
}


def _tagged_kinds(path: Location) -> tuple[str, ...] | None:
    """The kinds of the tagged union (distribution or arrival) that the file holds at `path`, None if it holds none.

    A stage's `work`/`handoff` and a class's `arrival` are tagged unions; a class's `work` is a mapping from stage
    names to distributions, so there the union sits one level deeper (``items.hotfix.work.Design & Develop``).
    """
    if len(path) == 4 and path[0] == "items" and path[2] == "work":
        return DISTRIBUTION_KINDS
    if len(path) == 3 and path[0] == "items" and path[2] == "work":
        return None
    return _TAGGED_FIELDS.get(path[-1]) if path and isinstance(path[-1], str) else None


def format_path(location: Location) -> str:
    """``("streams", "operate", "stages", 1, "work")`` -> ``streams.operate.stages[1].work``."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _show(value: Any) -> str:
    """A received value for a message, short enough for one line (``0.0`` shown as ``0``)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# --- YAML ----------------------------------------------------------------------------------------------------------


def _duplicate_keys(node: yaml.Node, location: list[str | int], seen: set[int]) -> Iterator[str]:
    """Yield one message per mapping key that occurs twice (PyYAML would silently keep the last)."""
    if id(node) in seen:  # aliases share nodes: visit each once, so a hostile file cannot blow up the walk
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None and key in first_line:
                yield (
                    f"{format_path([*location, key])} is a duplicate key at line {key_node.start_mark.line + 1}, "
                    f"column {key_node.start_mark.column + 1} (first at line {first_line[key]})"
                )
            elif key is not None:
                first_line[key] = key_node.start_mark.line + 1
            yield from _duplicate_keys(value_node, [*location, key if key is not None else "?"], seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, [*location, index], seen)


def _describe_marks(error: yaml.MarkedYAMLError) -> str:
    """``line 3, column 1: expected ',' or ']' (while parsing a flow sequence started at line 2, column 7)``."""
    mark = error.problem_mark or error.context_mark
    text = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    text += error.problem or error.context or "malformed YAML"
    if error.context and error.problem:
        context_mark = error.context_mark
        where = f" started at line {context_mark.line + 1}, column {context_mark.column + 1}" if context_mark else ""
        text += f" ({error.context}{where})"
    return text


def _check_size(text: str, source: str, loader: type = yaml.SafeLoader) -> None:
    """Refuse YAML nested deeper than `MAX_YAML_DEPTH` or holding more than `MAX_YAML_NODES` values once its aliases
    are expanded, before any of it is built: reading the parser's events is iterative and counts an alias by the
    size of what it names, so a "billion laughs" is refused after reading its text once, in its own memory."""
    max_depth, max_nodes = MAX_YAML_DEPTH.value(), MAX_YAML_NODES.value()
    expanded = 0
    opened: list[tuple[str | None, int]] = []  # (anchor, `expanded` when the collection opened)
    sizes: dict[str, int] = {}
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            if len(opened) >= max_depth:
                mark = event.start_mark
                raise ScenarioError(
                    f"{source}: line {mark.line + 1}, column {mark.column + 1}: "
                    + MAX_YAML_DEPTH.refusal(f"mappings and lists nested {max_depth + 1} deep")
                )
            opened.append((event.anchor, expanded))
            expanded += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, at_start = opened.pop()
            if anchor is not None:
                sizes[anchor] = expanded - at_start
        elif isinstance(event, yaml.ScalarEvent):
            expanded += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, yaml.AliasEvent):
            expanded += sizes.get(event.anchor, 1)  # an unknown alias is refused by the composer, with its place
        if expanded > max_nodes:
            mark = event.start_mark
            raise ScenarioError(
                f"{source}: line {mark.line + 1}, column {mark.column + 1}: "
                + MAX_YAML_NODES.refusal(f"the aliases (*name) expand the file to {expanded:,} values or more")
            )


_C_LOADER: type | None = getattr(yaml, "CSafeLoader", None)
"""libyaml's safe loader where PyYAML was built with it: the same documents, parsed about ten times faster."""


def read_scenario_yaml(text: str, source: str) -> Any:
    """Parse YAML text with the safe loader only; syntax errors, duplicate keys, nesting deeper than
    `MAX_YAML_DEPTH` and more values than `MAX_YAML_NODES` (aliases expanded) raise `ScenarioError`.

    A well-formed file is read with libyaml (`_C_LOADER`) when PyYAML has it; anything that file raises is read
    again with the pure-Python loader, whose messages (and marks) are the ones flowlab words its errors from."""
    if _C_LOADER is not None:
        try:
            return _read_yaml(text, source, _C_LOADER)
        except (yaml.YAMLError, ScenarioError):
            pass
    return _read_yaml(text, source, yaml.SafeLoader)


def _read_yaml(text: str, source: str, loader_class: type) -> Any:
    try:
        _check_size(text, source, loader_class)
    except yaml.MarkedYAMLError as error:
        raise ScenarioError(f"{source}: YAML syntax error at {_describe_marks(error)}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: YAML error: {error}") from None
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        duplicates = list(_duplicate_keys(node, [], set()))
        if duplicates:
            raise ScenarioError("\n".join(f"{source}: {line}" for line in duplicates))
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise ScenarioError(f"{source}: YAML syntax error at {_describe_marks(error)}") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{source}: YAML error: {error}") from None
    finally:
        loader.dispose()


# --- pydantic errors -> our lines -----------------------------------------------------------------------------------


def _locate(data: Any, location: Location) -> tuple[list[str | int], Any, bool]:
    """Follow a pydantic `loc` through the raw data: drop union tags, stop at a shorthand; return (path, raw, found)."""
    path: list[str | int] = []
    current, found = data, True
    for index, part in enumerate(location):
        inside_list = isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        if inside_list or (isinstance(current, dict) and part in current):
            current = current[part]
        elif isinstance(current, dict) and _tagged_kinds(path) and part == current.get("kind"):
            continue  # the tag pydantic adds after a discriminated field: not part of the file
        elif isinstance(current, str) and _tagged_kinds(path):
            break  # `work: 2h` shorthand: the error belongs to the string itself
        elif isinstance(current, str) and part == 0 and path and path[-1] == "offset":
            break  # `offset: 4d` stands for a one-item list: the error belongs to the string itself
        else:
            path.extend(location[index:])
            found = False
            break
        path.append(part)
    return path, current, found


# pydantic's error kinds for numeric bounds and lengths: (wording, key of the bound in the error's context)
_BOUNDS = {
    "greater_than_equal": (">=", "ge"),
    "greater_than": (">", "gt"),
    "less_than_equal": ("<=", "le"),
    "less_than": ("<", "lt"),
}
_LENGTHS = {"too_short": ("at least", "min_length"), "too_long": ("at most", "max_length")}


def _describe(error: ErrorDetails, raw: Any, found: bool) -> str:
    """Turn one pydantic error into ``must be ... (got ...)`` wording."""
    kind, context = error["type"], error.get("ctx", {})
    got = _show(raw if found else error.get("input"))
    if kind == "missing":
        return "is required"
    if kind == "union_tag_invalid":
        return f"must be one of {context['expected_tags']} (got {_show(context['tag'])})"
    if kind == "union_tag_not_found":
        return f"needs a 'kind' (one of {', '.join(_kinds_for(error['loc']))})"
    if kind in _BOUNDS:
        operator, key = _BOUNDS[kind]
        return f"must be {operator} {_show(context[key])} (got {got})"
    if kind in _LENGTHS:
        bound, key = _LENGTHS[kind]
        return f"must have {bound} {context[key]} item(s) (got {got})"
    if kind == "literal_error":
        return f"must be {context['expected']} (got {got})"
    if kind == "timezone_aware":
        return f"must carry a timezone such as +00:00 (got {got})"
    if kind in ("model_attributes_type", "model_type", "dict_type"):
        tagged = _tagged_kinds(error["loc"])
        if tagged == ARRIVAL_KINDS:
            return f"must be a mapping with a 'kind' (one of {', '.join(ARRIVAL_KINDS)}) (got {got})"
        if tagged:
            kinds = ", ".join(DISTRIBUTION_KINDS)
            return f"must be a duration such as '2h' or a mapping with a 'kind' (one of {kinds}) (got {got})"
        location = error["loc"]
        if len(location) == 3 and location[0] == "items" and location[2] == "work":
            return f"must be a mapping from stages of the route to work times (got {got})"
        return f"must be a mapping (got {got})"
    message = error["msg"]
    if message.startswith("Input should be "):
        return f"must be {message.removeprefix('Input should be ')} (got {got})"
    if kind == "unknown_key":
        return message
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return message if message.startswith("must ") else f": {message}"


def _kinds_for(location: Location) -> tuple[str, ...]:
    for end in range(len(location), 0, -1):
        kinds = _tagged_kinds(location[:end])
        if kinds:
            return kinds
    return DISTRIBUTION_KINDS


def _error_lines(error: ValidationError, data: Any) -> list[str]:
    """One ``path message`` line per pydantic error (an unknown-key error gives one line per key)."""
    lines: list[str] = []
    for detail in error.errors():
        if detail["loc"] and detail["loc"][-1] == "[key]":  # pydantic's marker for a mapping key it refused
            path, _, _ = _locate(data, detail["loc"][:-2])
            key = detail["loc"][-2]
            if isinstance(key, str):  # a name, but not one of those allowed there (a weekday, ...)
                lines.append(f"{format_path(path)} key {key!r} {_describe(detail, key, True)}")
            else:
                lines.append(
                    f"{format_path(path)} key {key!r} must be a name in text, e.g. in quotes (got {type(key).__name__})"
                )
            continue
        path, raw, found = _locate(data, detail["loc"])
        if detail["type"] == "unknown_key":
            context = detail.get("ctx", {})
            for key in context["keys"]:
                lines.append(f"{format_path([*path, key])} is not an allowed key (allowed: {context['allowed']})")
            continue
        if detail["type"] == "union_tag_invalid":
            path = [*path, "kind"]
        description = _describe(detail, raw, found)
        separator = "" if description.startswith(":") else " "
        lines.append(f"{format_path(path) or '(top level)'}{separator}{description}")
    return lines


# --- cross-references ------------------------------------------------------------------------------------------------


def _choices(names: Any) -> str:
    listed = sorted(names)
    return ", ".join(repr(name) for name in listed) if listed else "none defined"


def check_references(scenario: Scenario) -> list[str]:
    """Checks that need several parts of the file; returns one ``path message`` line per problem (empty: fine)."""
    problems: list[str] = []
    run = scenario.run
    window = run_window_problem(run.start, run.horizon)
    if window is not None:
        problems.append(window)
    if run.warmup >= run.horizon:
        problems.append(
            "run.warmup must be shorter than run.horizon "
            f"(got warmup={spell_duration(run.warmup)}, horizon={spell_duration(run.horizon)})"
        )
    for gate_name, gate in scenario.gates.items():
        problems.extend(_check_gate_offsets(f"gates.{gate_name}.offset", gate.offset, gate.every))
    stage_at: dict[str, str] = {}
    stage_stream: dict[str, str] = {}
    for stream_name, stream in scenario.streams.items():
        for index, stage in enumerate(stream.stages):
            where = f"streams.{stream_name}.stages[{index}]"
            if stage.name in stage_at:
                problems.append(f"{where}.name {stage.name!r} is already used at {stage_at[stage.name]}")
            else:
                stage_at[stage.name] = f"{where}.name"
                stage_stream[stage.name] = stream_name
            if stage.team not in scenario.teams:
                problems.append(f"{where}.team {stage.team!r} is not a team (teams: {_choices(scenario.teams)})")
            if stage.gate is not None and stage.gate not in scenario.gates:
                problems.append(f"{where}.gate {stage.gate!r} is not a gate (gates: {_choices(scenario.gates)})")
            escalation = stage.escalation
            if escalation is not None and escalation.team is not None and escalation.team not in scenario.teams:
                problems.append(
                    f"{where}.escalation.team {escalation.team!r} is not a team (teams: {_choices(scenario.teams)})"
                )
    for class_name in scenario.items:
        problems.extend(_check_item(scenario, class_name, stage_stream))
    return problems


def _check_gate_offsets(where: str, offsets: list[float], every: float) -> list[str]:
    """Each opening lies inside the cycle (< every) and the openings are listed in increasing order."""
    problems: list[str] = []
    for index, offset in enumerate(offsets):
        here = where if len(offsets) == 1 else f"{where}[{index}]"
        if offset >= every:
            problems.append(
                f"{here} must be shorter than every, one opening within each cycle "
                f"(got {spell_duration(offset)}, every={spell_duration(every)})"
            )
        if index > 0 and offset <= offsets[index - 1]:
            problems.append(
                f"{here} must come after {where}[{index - 1}], openings in increasing order "
                f"(got {spell_duration(offset)} after {spell_duration(offsets[index - 1])})"
            )
    return problems


def _check_item(scenario: Scenario, class_name: str, stage_stream: dict[str, str]) -> list[str]:
    """Route (or flow), rework, spawn and work-override references of one work item class."""
    item, where = scenario.items[class_name], f"items.{class_name}"
    problems: list[str] = []
    if item.stream not in scenario.streams:
        problems.append(f"{where}.stream {item.stream!r} is not a stream (streams: {_choices(scenario.streams)})")
    if (item.route is None) == (item.flow is None):
        got = "both" if item.route is not None else "neither"
        problems.append(
            f"{where} must have exactly one of route (its stages in order) and flow (the probabilities of each next "
            f"stage) (got {got})"
        )
        return problems
    position: dict[str, int] = {}
    names_checked = True
    if item.flow is not None:
        visited, flow_problems = _check_flow(scenario, class_name, stage_stream)
        problems.extend(flow_problems)
        names_checked = not flow_problems  # a broken flow says nothing reliable of the stages it visits
        position = {stage: index for index, stage in enumerate(visited)}
        stages_text = f"a stage of the flow {visited}"
        if item.rework:
            problems.append(
                f"{where}.rework is not allowed with a flow: loops are in the flow's probabilities (a row may name "
                "its own stage, a repeat, or an earlier one)"
            )
        if not flow_problems:
            problems.extend(_check_flow_delays(item.flow, item.flow_delays, f"{where}.flow_delays"))
    else:
        route = item.route or []
        stages_text = f"in the route {route}"
        for index, stage in enumerate(route):
            here = f"{where}.route[{index}]"
            problems.extend(_check_stage_of_item(here, stage, item.stream, scenario, stage_stream))
            if stage in position:
                problems.append(f"{here} {stage!r} repeats route[{position[stage]}] (use rework to revisit a stage)")
            else:
                position[stage] = index
        if item.max_visits is not None:
            problems.append(
                f"{where}.max_visits applies to a flow only (a route's loops are bounded by its rework max_loops)"
            )
        if item.flow_delays:
            problems.append(f"{where}.flow_delays applies to a flow only (a route's stages have their hand-off)")
        for index, rework in enumerate(item.rework):
            here = f"{where}.rework[{index}]"
            if rework.after not in position:
                problems.append(f"{here}.after {rework.after!r} is not {stages_text}")
            if rework.to not in position:
                problems.append(f"{here}.to {rework.to!r} is not {stages_text}")
            elif rework.after in position and position[rework.to] > position[rework.after]:
                problems.append(f"{here}.to {rework.to!r} must come before or be {rework.after!r} {stages_text}")
    for index, spawn in enumerate(item.spawn):
        here = f"{where}.spawn[{index}]"
        if names_checked and spawn.after not in position:
            problems.append(f"{here}.after {spawn.after!r} is not {stages_text}")
        if spawn.item_class not in scenario.items:
            problems.append(
                f"{here}.class {spawn.item_class!r} is not an item class (classes: {_choices(scenario.items)})"
            )
    for stage in item.work:
        if names_checked and stage not in position:
            problems.append(
                f"{where}.work.{stage} is not {stages_text} (a class overrides the work time of the stages it "
                "visits only)"
            )
    gap = getattr(item.arrival, "gap", None)
    if gap is not None and not _mean_hours(gap) > 0:
        problems.append(
            f"{where}.arrival.gap must have a mean above 0 (got {spell_duration(_mean_hours(gap))}): with gaps of "
            "length 0 the arrivals would never stop"
        )
    for index, moment in enumerate(getattr(item.arrival, "at", [])):
        if moment < scenario.run.start:
            problems.append(
                f"{where}.arrival.at[{index}] must not be before run.start {scenario.run.start.isoformat()} "
                f"(got {moment.isoformat()})"
            )
    return problems


def _check_stage_of_item(
    here: str, stage: str, stream: str, scenario: Scenario, stage_stream: dict[str, str], *, named: bool = False
) -> list[str]:
    """A stage an item class names: it exists, in the class's own stream. `named`: the path `here` ends with the
    stage's name already (a flow's row or target), so the message does not repeat it."""
    what = here if named else f"{here} {stage!r}"
    if stage not in stage_stream:
        return [f"{what} is not a stage (stages: {_choices(stage_stream)})"]
    if stream in scenario.streams and stage_stream[stage] != stream:
        return [
            f"{what} belongs to stream {stage_stream[stage]!r}, not to the item's stream {stream!r} "
            "(use a spawn to cross streams)"
        ]
    return []


def _mean_hours(spec: DistributionSpec) -> float:
    """The mean (hours) of a validated distribution spec."""
    match spec:
        case TriangularSpec():
            return (spec.low + spec.mode + spec.high) / 3
        case UniformSpec():
            return (spec.low + spec.high) / 2
        case FixedSpec():
            return spec.value
        case EmpiricalSpec():
            return sum(spec.samples) / len(spec.samples)
    return spec.mean


FLOW_SUM_TOLERANCE = 1e-6
"""How far a flow row's probabilities may sum from 1 (rounding in a file written by a tool)."""


def _check_flow(scenario: Scenario, class_name: str, stage_stream: dict[str, str]) -> tuple[list[str], list[str]]:
    """A class's flow: known stages of its stream, rows that sum to 1, a row for every stage it reaches, no row it
    never reaches, and a way to `end` from every stage it reaches. Returns (the stages it reaches, problems)."""
    item, where = scenario.items[class_name], f"items.{class_name}.flow"
    flow = item.flow or {}
    problems: list[str] = []
    reserved = sorted({FLOW_START, FLOW_END} & set(stage_stream))
    if reserved:
        problems.append(
            f"{where} cannot be used while a stage is named {' or '.join(map(repr, reserved))}: in a flow, start "
            "and end are not stages (rename the stage)"
        )
        return [], problems
    if FLOW_START not in flow:
        problems.append(f"{where}.start is required (the probability of each first stage, e.g. start: {{Triage: 1.0}})")
    for row_name, row in flow.items():
        here = f"{where}.{row_name}"
        if row_name == FLOW_END:
            problems.append(f"{here} must not have a row: end is where items leave")
            continue
        if row_name != FLOW_START:
            problems.extend(_check_stage_of_item(here, row_name, item.stream, scenario, stage_stream, named=True))
        for target, probability in row.items():
            if target == FLOW_END:
                if row_name == FLOW_START and probability > 0:
                    problems.append(f"{here}.end must not follow start: every item visits at least one stage")
            elif target == FLOW_START:
                problems.append(f"{here}.start is not a target: start is where items enter (end is where they leave)")
            else:
                problems.extend(
                    _check_stage_of_item(f"{here}.{target}", target, item.stream, scenario, stage_stream, named=True)
                )
        total = sum(row.values())
        if abs(total - 1) > FLOW_SUM_TOLERANCE:
            problems.append(f"{here} probabilities must sum to 1 (got {total:.10g})")
    if problems:
        return [], problems
    reached, came_from = _reach(flow)
    for stage in reached:
        if stage not in flow:
            problems.append(
                f"{where} has no row for {stage!r}, which follows {came_from[stage]!r} (say where items go after it, "
                f"e.g. {stage}: {{end: 1.0}})"
            )
    for row_name in flow:
        if row_name not in (FLOW_START, *reached):
            problems.append(f"{where}.{row_name} is never reached from start (no probability > 0 leads to it)")
    if problems:
        return reached, problems
    leaving = _can_leave(flow)
    stuck = [stage for stage in reached if stage not in leaving]
    if stuck:
        problems.append(
            f"{where} never reaches end from {stuck} (these stages only lead to each other: give the loop a way out)"
        )
    return reached, problems


def _check_flow_delays(
    flow: dict[str, dict[str, float]], delays: Mapping[str, Mapping[str, object]], where: str
) -> list[str]:
    """Each delay names a way the flow can take: from a stage (not `start`) to a stage (not `end`) it may follow."""
    problems = []
    for source, row in delays.items():
        for target in row:
            if source == FLOW_START or target == FLOW_END:
                problems.append(f"{where}.{source}.{target}: a delay lies between two stages (not after start or "
                                "before end)")  # fmt: skip
            elif flow.get(source, {}).get(target, 0) <= 0:
                ways = sorted(target for target, p in flow.get(source, {}).items() if p > 0 and target != FLOW_END)
                problems.append(f"{where}.{source}.{target}: the flow never goes from {source!r} to {target!r} "
                                f"(from {source!r} it goes to {ways})")  # fmt: skip
    return problems


def _reach(flow: dict[str, dict[str, float]]) -> tuple[list[str], dict[str, str]]:
    """The stages reachable from start by probabilities > 0, breadth first, and the row that first led to each."""
    reached: list[str] = []
    came_from: dict[str, str] = {}
    frontier = [FLOW_START]
    while frontier:
        row_name = frontier.pop(0)
        for target, probability in flow.get(row_name, {}).items():
            if probability > 0 and target != FLOW_END and target not in came_from:
                came_from[target] = row_name
                reached.append(target)
                frontier.append(target)
    return reached, came_from


def _can_leave(flow: dict[str, dict[str, float]]) -> set[str]:
    """The rows from which some path of probabilities > 0 leads to end."""
    leaving: set[str] = set()
    changed = True
    while changed:
        changed = False
        for row_name, row in flow.items():
            if row_name not in leaving and any(
                probability > 0 and (target == FLOW_END or target in leaving) for target, probability in row.items()
            ):
                leaving.add(row_name)
                changed = True
    return leaving


# --- entry points ----------------------------------------------------------------------------------------------------


def read_scenario_text(path: str | Path) -> str:
    """The text of a scenario file (UTF-8); a file that cannot be read raises `ScenarioError` naming it."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path.name}: cannot read the file ({error})") from None


def validate_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    """Validate already-parsed YAML data (a dict) into a `Scenario`; `source` names it in errors."""
    if not isinstance(data, dict):
        raise ScenarioError(
            f"{source}: must be a mapping with version, name, run, teams, streams and items (got {_show(data)})"
        )
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise ScenarioError("\n".join(f"{source}: {line}" for line in _error_lines(error, data))) from None
    problems = check_references(scenario)
    if problems:
        raise ScenarioError("\n".join(f"{source}: {line}" for line in problems))
    return scenario


def load_scenario(path: str | Path, *, text: str | None = None) -> Scenario:
    """Read and validate one scenario YAML file; any problem raises one `ScenarioError` naming the file and path.

    `text`, when given, is the file's content as already read (the file is then not opened again, so what is
    validated is what the caller keeps).
    """
    path = Path(path)
    if text is None:
        text = read_scenario_text(path)
    return validate_scenario(read_scenario_yaml(text, path.name), path.name)
