"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.
"""

from mining.bottlenecks import rank_bottlenecks
from mining.compare import Comparison, compare_logs, load_stage_map
from mining.discovery import ProcessModel, check_conformance, discover_dfg, discover_process_model, list_variants
from mining.errors import EventLogError, LogRepairWarning
from mining.estimates import Estimate, confidence_interval, kaplan_meier_quantiles, paired_difference
from mining.flow_measures import MEASURE_COLUMNS, Window, attach_case_attributes, compute_flow_measures
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
from mining.replication_summary import Summary, summarise_replications
from mining.validate import Repair, repair_log, validate_log

__all__: list[str] = [
    "MEASURE_COLUMNS",
    "Comparison",
    "Estimate",
    "EventLogError",
    "LogRepairWarning",
    "ProcessModel",
    "Repair",
    "Summary",
    "Window",
    "attach_case_attributes",
    "check_conformance",
    "compare_logs",
    "compute_arrivals",
    "compute_case_times",
    "compute_flow_measures",
    "compute_flow_summary",
    "compute_handovers",
    "compute_lead_times",
    "compute_rework",
    "compute_stage_times",
    "compute_throughput",
    "compute_wip",
    "confidence_interval",
    "discover_dfg",
    "discover_process_model",
    "kaplan_meier_quantiles",
    "list_variants",
    "load_stage_map",
    "paired_difference",
    "plot_dfg",
    "plot_lead_time_cdf",
    "plot_lead_time_histogram",
    "plot_queue_lengths",
    "plot_stage_comparison",
    "plot_value_stream_map",
    "rank_bottlenecks",
    "read_log",
    "repair_log",
    "summarise_replications",
    "summarize_stages",
    "summarize_value_stream",
    "validate_log",
]
