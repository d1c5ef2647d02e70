"""Standard column names of the event log (DESIGN.md), as pm4py and the XES standard spell them.

Every mining module imports the names from here instead of spelling the strings out.
"""

from __future__ import annotations

from typing import Final

CASE: Final = "case:concept:name"
"""Case (work item) id, string."""
ACTIVITY: Final = "concept:name"
"""Activity / stage name, string."""
LIFECYCLE: Final = "lifecycle:transition"
"""`start` or `complete` (complete-only logs hold `complete` everywhere)."""
TIMESTAMP: Final = "time:timestamp"
"""Moment of the event, timezone-aware UTC datetime."""
RESOURCE: Final = "org:resource"
"""Team or person that did the work; NA when unknown."""
INSTANCE: Final = "concept:instance"
"""Activity-instance id pairing a start event with its complete event."""

ARRIVAL: Final = "case:arrival"
"""Moment the work item arrived (simulator logs), timezone-aware UTC datetime."""
ITEM: Final = "case:item"
"""Work item class / IT4IT scenario (simulator logs)."""
STREAM: Final = "case:stream"
"""Value stream of the work item (simulator logs)."""
PRIORITY: Final = "case:priority"
"""Priority of the work item (simulator logs)."""
REPLICATION: Final = "case:replication"
"""Replication number (simulator logs)."""
PARENT: Final = "case:parent"
"""Id of the work item this one was spawned from (simulator logs)."""

START: Final = "start"
"""Lifecycle value of a start event."""
COMPLETE: Final = "complete"
"""Lifecycle value of a complete event."""

CORE_COLUMNS: Final = (CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE)
"""Columns every log returned by `read_log` has, in this order."""
REQUIRED_COLUMNS: Final = (CASE, ACTIVITY, TIMESTAMP)
"""Columns without which a table is not an event log."""
CASE_PREFIX: Final = "case:"
"""Prefix of case (trace-level) attribute columns."""

XES_LIFECYCLE_TRANSITIONS: Final = frozenset(
    {
        "schedule",
        "assign",
        "withdraw",
        "reassign",
        "start",
        "suspend",
        "resume",
        "pi_abort",
        "ate_abort",
        "complete",
        "autoskip",
        "manualskip",
        "unknown",
    }
)
"""The standard XES lifecycle transitions (XES standard, lifecycle extension)."""

__all__ = [
    "ACTIVITY",
    "ARRIVAL",
    "CASE",
    "CASE_PREFIX",
    "COMPLETE",
    "CORE_COLUMNS",
    "INSTANCE",
    "ITEM",
    "LIFECYCLE",
    "PARENT",
    "PRIORITY",
    "REPLICATION",
    "REQUIRED_COLUMNS",
    "RESOURCE",
    "START",
    "STREAM",
    "TIMESTAMP",
    "XES_LIFECYCLE_TRANSITIONS",
]
