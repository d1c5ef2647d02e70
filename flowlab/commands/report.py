"""`flowlab report RESULTS_DIR`: the self-contained HTML report of a run, mine, compare or sweep results folder."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from flowlab.interruptions import command_guard, guarded
from flowlab.options import SvgOption
from mining.errors import EventLogError


@guarded
def report_command(
    results_dir: Annotated[Path, typer.Argument(help="Results folder of flowlab run, mine, compare or sweep.",
                                                show_default=False)],
    svg: SvgOption = False,
) -> None:
    """Write RESULTS_DIR/report.html (plots embedded, opens without a server) and RESULTS_DIR/plots/.

    Each is replaced whole or not at all: an interrupt or a full disk leaves the earlier report.
    """
    from flowlab.report import write_report

    console = Console(stderr=True, soft_wrap=True)
    command_guard().out = results_dir
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            path = write_report(results_dir, svg=svg)
    except EventLogError as error:
        console.print(f"error: {error}", style="red", markup=False, highlight=False)
        raise typer.Exit(code=2) from error
    for warning in caught:
        console.print(f"note: {warning.message}", style="yellow", markup=False, highlight=False)
    typer.echo(str(path))
