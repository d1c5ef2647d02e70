"""`flowlab schema`: not built yet."""

import typer


def schema_command() -> None:
    """Not built yet."""
    typer.echo("flowlab schema is not built yet", err=True)
    raise typer.Exit(code=2)
