"""`flowlab compare`: not built yet."""

import typer


def compare_command() -> None:
    """Not built yet."""
    typer.echo("flowlab compare is not built yet", err=True)
    raise typer.Exit(code=2)
