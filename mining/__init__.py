"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.
"""

from mining.bottlenecks import rank_bottlenecks
from mining.discovery import ProcessModel, check_conformance, discover_dfg, discover_process_model, list_variants
from mining.errors import EventLogError, LogRepairWarning
from mining.measures import (
    compute_arrivals,
    compute_case_times,
    compute_flow_summary,
    compute_handovers,
    compute_rework,
    compute_stage_times,
    compute_throughput,
    compute_wip,
    summarize_stages,
)
from mining.read import read_log
from mining.validate import Repair, repair_log, validate_log

__all__: list[str] = [
    "EventLogError",
    "LogRepairWarning",
    "ProcessModel",
    "Repair",
    "check_conformance",
    "compute_arrivals",
    "compute_case_times",
    "compute_flow_summary",
    "compute_handovers",
    "compute_rework",
    "compute_stage_times",
    "compute_throughput",
    "compute_wip",
    "discover_dfg",
    "discover_process_model",
    "list_variants",
    "rank_bottlenecks",
    "read_log",
    "repair_log",
    "summarize_stages",
    "validate_log",
]
