"""`flowlab validate`: check scenario files (fields, cross-references, offered load) without running them."""

from __future__ import annotations

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
