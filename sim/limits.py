"""The limits the simulator enforces on untrusted scenarios, and how a person raises them.

A scenario comes from elsewhere; these limits keep a hostile or mistaken one from hanging a command or exhausting
memory: YAML nested thousands deep, a "billion laughs" of aliases, a run that would simulate without end (a rework
loop taken with probability 1 a billion times, a horizon of thousands of years). Each limit has a default and an
environment variable that replaces it (a whole number >= 1)::

    FLOWLAB_MAX_VISITS=10000000 flowlab run big.yaml

Values are read when they are checked, not at import. `mining` has its own limits (`mining.limits`): the two
packages never import each other, and each owns the limits it enforces.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime

from sim.errors import ScenarioError


@dataclass(frozen=True, slots=True)
class Limit:
    """One limit: its environment variable, default, unit and what it bounds (for messages and the README)."""

    variable: str
    default: int
    unit: str
    what: str

    def value(self) -> int:
        """The limit in force: the environment variable when set (a whole number >= 1), else the default."""
        text = os.environ.get(self.variable)
        if text is None or not text.strip():
            return self.default
        try:
            value = int(text.strip().replace("_", ""))
        except ValueError:
            value = 0
        if value < 1:
            raise ScenarioError(
                f"environment variable {self.variable} must be a whole number >= 1 ({self.unit}) (got {text!r})"
            )
        return value

    def refusal(self, found: str) -> str:
        """The tail of a refusal message: what was found, the limit, and how to raise it."""
        return (
            f"{found}, above the limit of {self.value():,} {self.unit} ({self.what}); if that is intended, raise "
            f"it with the environment variable {self.variable}=N"
        )


MAX_YAML_DEPTH = Limit("FLOWLAB_MAX_YAML_DEPTH", 64, "levels", "nesting of mappings and lists in a scenario file")
MAX_YAML_NODES = Limit(
    "FLOWLAB_MAX_YAML_NODES", 1_000_000, "values", "values in a scenario file once its aliases (*name) are expanded"
)
MAX_VISITS = Limit("FLOWLAB_MAX_VISITS", 2_000_000, "stage visits", "stage visits simulated in one replication")

EARLIEST = datetime(1677, 9, 22, tzinfo=UTC)
LATEST = datetime(2262, 4, 11, tzinfo=UTC)
"""The moments an event log can hold (pandas counts time in int64 nanoseconds since 1970; a day inside each end, so
a start in any timezone still fits). Fixed by the log format, not a setting."""


def run_window_problem(
    start: datetime, horizon_h: float, *, start_name: str = "run.start", horizon_name: str = "run.horizon"
) -> str | None:
    """What is wrong with a run from `start` lasting `horizon_h` hours for the event log, or None when it fits;
    the message names the settings as `start_name` and `horizon_name`."""
    if not EARLIEST <= start <= LATEST:
        return (
            f"{start_name} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}, the moments an event log can "
            f"hold (got {start.isoformat()})"
        )
    last = (LATEST - start).total_seconds() / 3600.0
    if horizon_h > last:
        return (
            f"{horizon_name} must end by {LATEST:%Y-%m-%d}, the last moment an event log can hold: at most "
            f"{last:,.0f} h from {start_name} {start.isoformat()} (got {horizon_h:,.0f} h)"
        )
    return None


LIMITS = (MAX_YAML_DEPTH, MAX_YAML_NODES, MAX_VISITS)
"""Every limit of the simulator (listed in the README's "Bad input" paragraph)."""

__all__ = [
    "EARLIEST", "LATEST", "LIMITS", "MAX_VISITS", "MAX_YAML_DEPTH", "MAX_YAML_NODES", "Limit", "run_window_problem",
]
