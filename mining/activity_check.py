"""A check that the activity column holds activities, not ids: a column mix-up is common and costly.

When the case and activity columns are confused with an id column, nearly every event gets its own "activity"
(seen: 10,151 activities for 10,151 cases). Every measure is then per id, and a picture of the process has
thousands of nodes. `flowlab mine` warns with the counts, so the user can name the right column.
"""

from __future__ import annotations

import pandas as pd

from mining.columns import ACTIVITY, CASE

__all__ = ["MIN_SUSPECT_ACTIVITIES", "SUSPECT_ACTIVITY_SHARE", "suspect_activity_column"]

MIN_SUSPECT_ACTIVITIES = 200
"""Fewer distinct activities than this never raise the warning (small logs have many activities per case)."""
SUSPECT_ACTIVITY_SHARE = 0.5
"""The warning is raised when the distinct activities are at least this share of the distinct cases."""


def suspect_activity_column(log: pd.DataFrame, column: str = ACTIVITY) -> str | None:
    """A warning (one sentence) when the activity column looks like an id, else None.

    Raised when there are at least `MIN_SUSPECT_ACTIVITIES` distinct activities and at least
    `SUSPECT_ACTIVITY_SHARE` as many as distinct cases. `column` is the name to show: the column of the input
    file that was read as the activity.
    """
    activities = int(log[ACTIVITY].nunique())
    cases = int(log[CASE].nunique())
    if activities < MIN_SUSPECT_ACTIVITIES or activities < SUSPECT_ACTIVITY_SHARE * cases:
        return None
    return (
        f"the activity column {column!r} has {activities:,} distinct values for {cases:,} cases "
        f"({activities / max(cases, 1):.0%}); it looks like an id, not an activity. If another column holds the "
        f"activity, pass --activity COLUMN. Pictures show only the most frequent activities."
    )
