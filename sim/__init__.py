"""sim: the SimPy simulator of value streams as networks of queues.

Reads scenario files, runs replications, writes the event log. Never imports `mining` or pm4py.
"""

from sim.engine import simulate
from sim.errors import ScenarioError
from sim.event_log import build_event_log
from sim.load_check import LoadWarning, check_offered_load, compute_utilisation
from sim.recording import Recording
from sim.replications import Replications, run_replications
from sim.scenario import Scenario, build_network, load_network, load_scenario, validate_scenario
from sim.variants import run_variants

__all__: list[str] = [
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
    "run_replications",
    "run_variants",
    "simulate",
    "validate_scenario",
]
