"""Where the built-in scenarios are: inside the installed package, or in the checkout's top-level `scenarios/`.

The scenario files live in the checkout's `scenarios/` folder (the repository layout is fixed) and are shipped in the
wheel as the package data folder `flowlab/scenarios/` (pyproject.toml maps one onto the other). So an installed
flowlab finds them beside its own modules, and a checkout (editable install or PYTHONPATH) finds them one folder up.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_SCENARIO_NAME", "builtin_scenarios_folder"]

DEFAULT_SCENARIO_NAME = "it4it-e2e.yaml"
"""The scenario `flowlab run` simulates when given none: the seven IT4IT value streams chained end to end."""

_PACKAGE = Path(__file__).resolve().parent


def builtin_scenarios_folder(package: Path = _PACKAGE) -> Path:
    """The folder of the built-in scenarios for the `flowlab` package at `package`.

    The packaged copy (`<package>/scenarios`, present in an installed wheel) comes first; else the checkout's
    top-level `scenarios/` beside the package. When neither exists, the packaged location is returned, so that a
    message about a missing file names where an installed flowlab keeps it.
    """
    packaged = package / "scenarios"
    checkout = package.parent / "scenarios"
    if not packaged.is_dir() and checkout.is_dir():
        return checkout
    return packaged
