"""Reading an event log for a command: the repairs `read_log` made are shown to the person, not as warnings."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console

from mining.errors import LogRepairWarning
from mining.read import read_log


def read_log_with_repairs(path: Path, console: Console | None = None, **options: Any) -> tuple[pd.DataFrame, list[str]]:
    """`read_log(path, **options)` plus the messages of the repairs it made, each also printed in yellow."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogRepairWarning)
        log = read_log(path, **options)
    messages = [str(warning.message) for warning in caught if issubclass(warning.category, LogRepairWarning)]
    for warning in caught:  # anything else keeps its usual route
        if not issubclass(warning.category, LogRepairWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if console is not None:
        for message in messages:
            console.print(f"repaired: {message}", style="yellow", markup=False, highlight=False)
    return log, messages


# The column options of every command that reads a log (mine, calibrate): one definition, one help text each.
CaseOption = Annotated[str | None, typer.Option(help="Column holding the case id.")]
ActivityOption = Annotated[str | None, typer.Option(help="Column holding the activity name.")]
TimestampOption = Annotated[str | None, typer.Option(help="Column holding the (complete) timestamp.")]
StartTimestampOption = Annotated[
    str | None, typer.Option("--start-timestamp", help="Column holding a start timestamp (one row per visit).")
]
ResourceOption = Annotated[str | None, typer.Option(help="Column holding the resource.")]
LifecycleOption = Annotated[str | None, typer.Option(help="Column holding the lifecycle transition.")]
ClassifierOption = Annotated[list[str] | None, typer.Option(help="Columns joined into the activity name (repeatable).")]
TimestampFormatOption = Annotated[
    str | None, typer.Option("--timestamp-format", help="strftime format of the timestamps.")
]
TimezoneOption = Annotated[
    str | None,
    typer.Option(
        help="Timezone of timestamps written without an offset (default: UTC; a column mixing naive and "
        "offset timestamps is refused unless this is given)."
    ),
]
SeparatorOption = Annotated[str | None, typer.Option(help="CSV field separator (default: detected).")]


def read_options(**given: Any) -> dict[str, Any]:
    """The `read_log` keyword arguments from a command's column options (an empty classifier list is none)."""
    return {key: (value or None) if key == "classifier" else value for key, value in given.items()}
