"""`flowlab report`: not built yet."""

import typer


def report_command() -> None:
    """Not built yet."""
    typer.echo("flowlab report is not built yet", err=True)
    raise typer.Exit(code=2)
