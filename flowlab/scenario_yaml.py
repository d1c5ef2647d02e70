"""Writing a scenario document as YAML people can read and edit: block style for the structure, one line for each
small value (a distribution, a calendar, a row of routing probabilities), and a comment above each number saying
where it came from.

Every string is double-quoted (so `08:00` stays a clock time and a stage named `yes` stays a name), and the text
reads back (`yaml.safe_load`) as exactly the document that was written.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["dump_scenario", "team_size"]

_INDENT = "  "
_INLINE_WIDTH = 100


def dump_scenario(document: Mapping[str, Any], comments: Mapping[tuple[str, ...], str] | None = None,
                  header: str = "") -> str:  # fmt: skip
    """The YAML text of `document`, with `comments` (by path, list items by their index as text) above their keys
    and `header` (lines) as a comment at the top."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    _mapping(document, 0, (), comments or {}, lines)
    return "\n".join(lines) + "\n"


_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null"}


def _key(key: Any) -> str:
    """A mapping key, bare when YAML reads it back as the same string, else quoted."""
    text = str(key)
    return text if _PLAIN_KEY.match(text) and text.lower() not in _YAML_WORDS else json.dumps(text, ensure_ascii=False)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"a scenario cannot hold the number {value}")
        text = repr(value)
        mantissa, exponent, power = text.partition("e")
        if exponent and "." not in mantissa:  # YAML 1.1 reads 7e-05 as text: a float needs its point, 7.0e-05
            text = f"{mantissa}.0e{power}"
        return text
    return json.dumps(str(value), ensure_ascii=False)


def _inline(value: Any) -> str | None:
    """`value` on one line (flow style), or None when it is too big or nested for one."""
    if isinstance(value, Mapping):
        parts = []
        for key, item in value.items():
            text = _scalar(item) if not isinstance(item, Mapping | list) else _inline(item)
            if text is None:
                return None
            parts.append(f"{_key(key)}: {text}")
        line = "{" + ", ".join(parts) + "}"
    elif isinstance(value, list):
        if any(isinstance(item, Mapping | list) for item in value):
            return None
        line = "[" + ", ".join(_scalar(item) for item in value) + "]"
    else:
        return _scalar(value)
    return line if len(line) <= _INLINE_WIDTH or isinstance(value, list) else None


def _comment(path: tuple[str, ...], comments: Mapping[tuple[str, ...], str], depth: int, lines: list[str]) -> None:
    if path in comments:
        lines.extend(f"{_INDENT * depth}# {line}".rstrip() for line in comments[path].splitlines())


def _mapping(value: Mapping[str, Any], depth: int, path: tuple[str, ...], comments: Mapping[tuple[str, ...], str],
             lines: list[str], *, first_prefix: str = "") -> None:  # fmt: skip
    for position, (key, item) in enumerate(value.items()):
        here = (*path, str(key))
        prefix = first_prefix if position == 0 and first_prefix else _INDENT * depth
        if not (position == 0 and first_prefix):
            _comment(here, comments, depth, lines)
        inline = _inline(item) if isinstance(item, Mapping | list) else _scalar(item)
        if inline is not None and not (isinstance(item, list) and item and isinstance(item[0], Mapping)):
            lines.append(f"{prefix}{_key(key)}: {inline}")
        elif isinstance(item, Mapping):
            lines.append(f"{prefix}{_key(key)}:")
            _mapping(item, depth + 1, here, comments, lines)
        else:
            lines.append(f"{prefix}{_key(key)}:")
            _sequence(item, depth + 1, here, comments, lines)


def _sequence(value: list, depth: int, path: tuple[str, ...], comments: Mapping[tuple[str, ...], str],
              lines: list[str]) -> None:  # fmt: skip
    for index, item in enumerate(value):
        here = (*path, str(index))
        _comment(here, comments, depth, lines)
        if isinstance(item, Mapping) and item:
            first_key = str(next(iter(item)))
            _comment((*here, first_key), comments, depth + 1, lines)
            _mapping(item, depth + 1, here, comments, lines, first_prefix=f"{_INDENT * depth}- ")
        else:
            inline = _inline(item)
            if inline is None:
                raise ValueError(f"cannot write the nested list at {'.'.join(here)}")
            lines.append(f"{_INDENT * depth}- {inline}")


def team_size(team: Mapping[str, Any]) -> int | str:
    """A team's number of people as a scenario document gives it: its capacity, or the sum of its people's counts
    ('?' when it gives neither, as an invalid document may)."""
    if "capacity" in team:
        return team["capacity"]
    people = team.get("people")
    if isinstance(people, list):
        return sum(int(group.get("count", 0)) for group in people if isinstance(group, Mapping))
    return "?"
