"""sim: the SimPy simulator of value streams as networks of queues.

Reads scenario files, runs replications, writes the event log. Never imports `mining` or pm4py.

Names are imported on first use (PEP 562), so importing one module of the package (or running
`flowlab --help`) does not load all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOME: dict[str, str] = {
    "ClusterError": "sim.errors",
    "LoadWarning": "sim.load_check",
    "Recording": "sim.recording",
    "Replications": "sim.replications",
    "Scenario": "sim.scenario",
    "ScenarioError": "sim.errors",
    "build_event_log": "sim.event_log",
    "build_network": "sim.scenario",
    "check_offered_load": "sim.load_check",
    "compute_utilisation": "sim.load_check",
    "load_network": "sim.scenario",
    "load_scenario": "sim.scenario",
    "read_scenario_text": "sim.scenario",
    "run_replications": "sim.replications",
    "run_variants": "sim.variants",
    "simulate": "sim.engine",
    "validate_scenario": "sim.scenario",
}
"""Each public name and the module it lives in."""

__all__: list[str] = [
    "ClusterError",
    "LoadWarning",
    "Recording",
    "Replications",
    "Scenario",
    "ScenarioError",
    "build_event_log",
    "build_network",
    "check_offered_load",
    "compute_utilisation",
    "load_network",
    "load_scenario",
    "read_scenario_text",
    "run_replications",
    "run_variants",
    "simulate",
    "validate_scenario",
]

if TYPE_CHECKING:  # the names, for type checkers and editors
    from sim.engine import simulate
    from sim.errors import ClusterError, ScenarioError
    from sim.event_log import build_event_log
    from sim.load_check import LoadWarning, check_offered_load, compute_utilisation
    from sim.recording import Recording
    from sim.replications import Replications, run_replications
    from sim.scenario import (
        Scenario,
        build_network,
        load_network,
        load_scenario,
        read_scenario_text,
        validate_scenario,
    )
    from sim.variants import run_variants


def __getattr__(name: str) -> Any:
    """Import a public name from its module when it is first used."""
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
