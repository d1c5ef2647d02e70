"""`flowlab run`: not built yet."""

import typer


def run_command() -> None:
    """Not built yet."""
    typer.echo("flowlab run is not built yet", err=True)
    raise typer.Exit(code=2)
