"""`flowlab schema`: the JSON Schema of scenario files, for editors (YAML language servers) and other tools."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def schema_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the schema to this file instead of printing it.")
    ] = None,
) -> None:
    """Print (or write to --out) the JSON Schema of the scenario model."""
    from sim.scenario import Scenario

    text = json.dumps(Scenario.model_json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")
