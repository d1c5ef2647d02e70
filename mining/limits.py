"""The limits event-log import enforces on untrusted files, and how a person raises them.

A log comes from elsewhere; these limits keep a hostile or broken one from hanging a command or exhausting memory
(a small ``.gz`` that inflates to gigabytes, a cell of millions of characters). Each limit has a default and an
environment variable that replaces it (a whole number; ``0`` is refused, raise the number instead)::

    FLOWLAB_MAX_INFLATED_MB=8192 flowlab mine huge.xes.gz

Values are read when a file is read, not at import, so a test or a notebook can set them with
``os.environ``/``monkeypatch.setenv``. `sim` has its own limits (`sim.limits`): the two packages never import each
other, and each owns the limits it enforces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from mining.errors import EventLogError


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit: its environment variable, default, unit and what it bounds (for messages and the README)."""

    variable: str
    default: int
    unit: str
    what: str

    def value(self) -> int:
        """The limit in force: the environment variable when set (a whole number >= 1), else the default."""
        return read_limit(self)

    def refusal(self, found: str) -> str:
        """The tail of a refusal message: what was found, the limit, and how to raise it."""
        return (
            f"{found}, above the limit of {self.value():,} {self.unit} ({self.what}); if the file is trusted, "
            f"raise it with the environment variable {self.variable}=N"
        )


def read_limit(limit: Limit) -> int:
    """The value of `limit` from its environment variable or default; a malformed value is refused by name."""
    text = os.environ.get(limit.variable)
    if text is None or not text.strip():
        return limit.default
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        value = 0
    if value < 1:
        raise EventLogError(
            f"environment variable {limit.variable} must be a whole number >= 1 ({limit.unit}) (got {text!r})"
        )
    return value


MAX_INFLATED_MB = Limit(
    "FLOWLAB_MAX_INFLATED_MB", 4096, "MB", "decompressed size of a .gz log; at most this much is held in memory"
)
MAX_CELL_CHARS = Limit("FLOWLAB_MAX_CELL_CHARS", 100_000, "characters", "length of one value (cell) of a log")
MAX_STAGE_MAP_BYTES = 1 << 20
"""Size of a stage map file read: a map of names needs far less (fixed, not a setting)."""

LIMITS = (MAX_INFLATED_MB, MAX_CELL_CHARS)
"""Every limit of event-log import (listed in the README's "Bad input" paragraph)."""

MEGABYTE = 1 << 20

__all__ = ["LIMITS", "MAX_CELL_CHARS", "MAX_INFLATED_MB", "MAX_STAGE_MAP_BYTES", "MEGABYTE", "Limit", "read_limit"]
