"""sim: the SimPy simulator of value streams as networks of queues.

Reads scenario files, runs replications, writes the event log. Never imports `mining` or pm4py.
"""

from sim.engine import simulate
from sim.errors import ScenarioError
from sim.load_check import LoadWarning, check_offered_load
from sim.recording import Recording
from sim.scenario import Scenario, build_network, load_network, load_scenario, validate_scenario

__all__: list[str] = [
    "LoadWarning",
    "Recording",
    "Scenario",
    "ScenarioError",
    "build_network",
    "check_offered_load",
    "load_network",
    "load_scenario",
    "simulate",
    "validate_scenario",
]
