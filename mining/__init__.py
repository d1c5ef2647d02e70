"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.
"""

from mining.bottlenecks import rank_bottlenecks
from mining.compare import Comparison, compare_logs, load_stage_map
from mining.discovery import ProcessModel, check_conformance, discover_dfg, discover_process_model, list_variants
from mining.errors import EventLogError, LogRepairWarning
from mining.measures import (
    compute_arrivals,
    compute_case_times,
    compute_flow_summary,
    compute_handovers,
    compute_lead_times,
    compute_rework,
    compute_stage_times,
    compute_throughput,
    compute_wip,
    summarize_stages,
)
from mining.plots import (
    plot_dfg,
    plot_lead_time_cdf,
    plot_lead_time_histogram,
    plot_queue_lengths,
    plot_stage_comparison,
    plot_value_stream_map,
    summarize_value_stream,
)
from mining.read import read_log
from mining.validate import Repair, repair_log, validate_log

__all__: list[str] = [
    "Comparison",
    "EventLogError",
    "LogRepairWarning",
    "ProcessModel",
    "Repair",
    "check_conformance",
    "compare_logs",
    "compute_arrivals",
    "compute_case_times",
    "compute_flow_summary",
    "compute_handovers",
    "compute_lead_times",
    "compute_rework",
    "compute_stage_times",
    "compute_throughput",
    "compute_wip",
    "discover_dfg",
    "discover_process_model",
    "list_variants",
    "load_stage_map",
    "plot_dfg",
    "plot_lead_time_cdf",
    "plot_lead_time_histogram",
    "plot_queue_lengths",
    "plot_stage_comparison",
    "plot_value_stream_map",
    "rank_bottlenecks",
    "read_log",
    "repair_log",
    "summarize_stages",
    "summarize_value_stream",
    "validate_log",
]
