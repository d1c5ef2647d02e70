"""`flowlab validate`: check scenario files (fields, cross-references, offered load) without running them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer


def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.", show_default=False)],
) -> None:
    """Validate scenario files: print a summary per valid file, load warnings in yellow, errors in red (exit 1).

    Printed with typer's `secho` (click), not rich: a check that takes milliseconds should not wait for rich to load.
    """
    from sim.errors import ScenarioError
    from sim.load_check import check_offered_load
    from sim.scenario import build_network, load_scenario

    failed = 0
    for path in files:
        try:
            with _no_pydantic_plugins():
                scenario = load_scenario(path)
        except ScenarioError as error:
            failed += 1
            typer.secho(str(error), fg="red", err=True)
            continue
        network = build_network(scenario)
        typer.secho(
            f"✓ {path}: {len(network.streams)} streams, {len(network.stages)} stages, "
            f"{len(network.item_classes)} item classes, {len(network.teams)} teams",
            fg="green",
        )
        for warning in check_offered_load(network):
            typer.secho(f"  warning: {path.name}: {warning.message}", fg="yellow")
    if failed:
        raise typer.Exit(code=1)


@contextmanager
def _no_pydantic_plugins() -> Iterator[None]:
    """Skip pydantic's plugin discovery while the scenario models are built: it reads the entry points of every
    installed package (about 10 ms, a tenth of this command's start-up) and flowlab uses no pydantic plugin.
    typer does the same while it builds its own models. (From the parallel start-up attempt on branch startup.)"""
    previous = os.environ.get("PYDANTIC_DISABLE_PLUGINS")
    os.environ["PYDANTIC_DISABLE_PLUGINS"] = "1"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PYDANTIC_DISABLE_PLUGINS"]
        else:
            os.environ["PYDANTIC_DISABLE_PLUGINS"] = previous
