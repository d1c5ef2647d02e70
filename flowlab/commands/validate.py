"""`flowlab validate`: not built yet."""

import typer


def validate_command() -> None:
    """Not built yet."""
    typer.echo("flowlab validate is not built yet", err=True)
    raise typer.Exit(code=2)
