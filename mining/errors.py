"""Errors and warnings of event-log import and validation.

Messages have one shape: where (file, column, 1-based data rows), what was expected, what was found::

    helpdesk.csv: column 'Complete Timestamp' has values that are not timestamps at rows 3, 9 (got '2012/13/45')
"""

from __future__ import annotations

from collections.abc import Sequence

MAX_SHOWN = 5
"""How many rows / values an error message lists before it says 'and N more'."""


class EventLogError(ValueError):
    """An event log (file or frame) that cannot be read as the DESIGN.md event log; the message says where and why."""


class LogRepairWarning(UserWarning):
    """A documented repair `read_log` made to a log (dropped duplicates, sorted events, ...), with its count."""


class LogShapeWarning(UserWarning):
    """A log whose shape suggests it is being read the wrong way (e.g. state snapshots read as events); the
    message says what was seen and the option that reads it right."""


def format_rows(rows: Sequence[int]) -> str:
    """Render 1-based row numbers as 'rows 3, 9, 12' showing at most `MAX_SHOWN`, then 'and N more'."""
    shown = ", ".join(str(row) for row in rows[:MAX_SHOWN])
    more = f" and {len(rows) - MAX_SHOWN} more" if len(rows) > MAX_SHOWN else ""
    noun = "row" if len(rows) == 1 else "rows"
    return f"{noun} {shown}{more}"


def format_values(values: Sequence[object]) -> str:
    """Render values as a quoted, comma-separated list of at most `MAX_SHOWN` items, then 'and N more'."""
    shown = ", ".join(repr(value) for value in values[:MAX_SHOWN])
    more = f" and {len(values) - MAX_SHOWN} more" if len(values) > MAX_SHOWN else ""
    return f"{shown}{more}"


__all__ = ["MAX_SHOWN", "EventLogError", "LogRepairWarning", "LogShapeWarning", "format_rows", "format_values"]
