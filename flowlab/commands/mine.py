"""`flowlab mine`: not built yet."""

import typer


def mine_command() -> None:
    """Not built yet."""
    typer.echo("flowlab mine is not built yet", err=True)
    raise typer.Exit(code=2)
