"""The `flowlab` console command: a thin typer app whose sub-commands live in `flowlab.commands`.

`main` (the console script) imports only the module of the sub-command it is asked to run, so `flowlab validate`
does not pay for importing the other seven; with no sub-command, an unknown one or `--help`, it registers them all.
`app` (every sub-command) is built on first use, for tests and for `python -m flowlab.cli`.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable

import typer

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("flowlab.commands.run", "run_command"),
    "sweep": ("flowlab.commands.sweep", "sweep_command"),
    "validate": ("flowlab.commands.validate", "validate_command"),
    "schema": ("flowlab.commands.schema", "schema_command"),
    "mine": ("flowlab.commands.mine", "mine_command"),
    "compare": ("flowlab.commands.compare", "compare_command"),
    "report": ("flowlab.commands.report", "report_command"),
    "calibrate": ("flowlab.commands.calibrate", "calibrate_command"),
}
"""Each sub-command, in the order `flowlab --help` lists them: the module and the function that runs it."""

HELP = "Simulate IT4IT value streams, mine real event logs, and compare the two to find where lead time goes."


def build_app(names: Iterable[str] = COMMANDS) -> typer.Typer:
    """A `flowlab` app with the sub-commands `names` (each imported here) registered."""
    built = typer.Typer(
        name="flowlab", help=HELP, no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )
    built.callback()(_group)  # a group even with one sub-command, so `flowlab validate FILE` keeps its name
    for name in names:
        module, function = COMMANDS[name]
        built.command(name)(getattr(importlib.import_module(module), function))
    return built


def _group() -> None:
    """Simulate IT4IT value streams, mine real event logs, and compare the two to find where lead time goes."""


def main() -> None:
    """The console script: run the sub-command named on the command line, importing only its module."""
    arguments = sys.argv[1:]
    asked = arguments[0] if arguments and arguments[0] in COMMANDS else None
    build_app(COMMANDS if asked is None else [asked])()


def __getattr__(name: str) -> typer.Typer:
    """`app`: every sub-command registered, built on first use (PEP 562) and kept."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(f"module 'flowlab.cli' has no attribute {name!r}")


if __name__ == "__main__":
    main()
