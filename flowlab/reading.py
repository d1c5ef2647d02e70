"""Reading an event log for a command: the repairs `read_log` made are shown to the person, not as warnings."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console

from mining.errors import LogRepairWarning, LogShapeWarning
from mining.read import read_log


def read_log_with_repairs(path: Path, console: Console | None = None, **options: Any) -> tuple[pd.DataFrame, list[str]]:
    """`read_log(path, **options)` plus the messages of the repairs it made, each also printed in yellow."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogRepairWarning)
        warnings.simplefilter("always", LogShapeWarning)
        log = read_log(path, **options)
    messages = [str(warning.message) for warning in caught if issubclass(warning.category, LogRepairWarning)]
    shapes = [str(warning.message) for warning in caught if issubclass(warning.category, LogShapeWarning)]
    for warning in caught:  # anything else keeps its usual route
        if not issubclass(warning.category, LogRepairWarning | LogShapeWarning):
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if console is not None:
        for message in messages:
            console.print(f"repaired: {message}", style="yellow", markup=False, highlight=False)
        for message in shapes:
            console.print(f"warning: {message}", style="yellow", markup=False, highlight=False)
    return log, messages
