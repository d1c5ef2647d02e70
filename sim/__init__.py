"""sim: the SimPy simulator of value streams as networks of queues.

Reads scenario files, runs replications, writes the event log. Never imports `mining` or pm4py.
"""

from sim.engine import simulate
from sim.errors import ScenarioError
from sim.event_log import build_event_log
from sim.load_check import LoadWarning, check_offered_load, compute_utilisation
from sim.recording import Recording
from sim.replications import Replications, run_replications
from sim.results import RunResults, collect_results, write_results
from sim.scenario import Scenario, build_network, load_network, load_scenario, validate_scenario
from sim.statistics import Estimate, Summary, paired_difference, pool_stage_table, summarise_replications
from sim.variants import compare_variants, find_winner, run_variants

__all__: list[str] = [
    "Estimate",
    "LoadWarning",
    "Recording",
    "Replications",
    "RunResults",
    "Scenario",
    "ScenarioError",
    "Summary",
    "build_event_log",
    "build_network",
    "check_offered_load",
    "collect_results",
    "compare_variants",
    "compute_utilisation",
    "find_winner",
    "load_network",
    "load_scenario",
    "paired_difference",
    "pool_stage_table",
    "run_replications",
    "run_variants",
    "simulate",
    "summarise_replications",
    "validate_scenario",
    "write_results",
]
