"""Command-line options shared by several commands, defined once (type, flag and help text). Light on purpose:
the CLI imports it to build `--help`, before any command runs."""

from __future__ import annotations

from typing import Annotated, Any

import typer

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
StatesOption = Annotated[
    bool,
    typer.Option(
        "--states",
        help="Each row records the state of a case after an update (ITSM exports): the time in a state runs from "
        "entering it to leaving it.",
    ),
]


def read_options(**given: Any) -> dict[str, Any]:
    """The `read_log` keyword arguments from a command's column options (an empty classifier list is none)."""
    return {key: (value or None) if key == "classifier" else value for key, value in given.items()}
