"""`flowlab validate`: check scenario files (fields, cross-references, offered load) without running them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console


def validate_command(
    files: Annotated[list[Path], typer.Argument(help="Scenario YAML files to check.", show_default=False)],
) -> None:
    """Validate scenario files: print a summary per valid file, load warnings in yellow, errors in red (exit 1)."""
    from sim.errors import ScenarioError
    from sim.load_check import check_offered_load
    from sim.scenario import build_network, load_scenario

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    failed = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            failed += 1
            err.print(str(error), style="red", markup=False)
            continue
        network = build_network(scenario)
        out.print(
            f"✓ {path}: {len(network.streams)} streams, {len(network.stages)} stages, "
            f"{len(network.item_classes)} item classes, {len(network.teams)} teams",
            style="green",
            markup=False,
        )
        for warning in check_offered_load(network):
            out.print(f"  warning: {path.name}: {warning.message}", style="yellow", markup=False)
    if failed:
        raise typer.Exit(code=1)
