"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.

Names are imported on first use (PEP 562), so importing one module of the package (or running
`flowlab --help`) does not load all of them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOME: dict[str, str] = {
    "Comparison": "mining.compare",
    "Estimate": "mining.estimates",
    "EventLogError": "mining.errors",
    "LogRepairWarning": "mining.errors",
    "MEASURE_COLUMNS": "mining.flow_measures",
    "ProcessModel": "mining.discovery",
    "Repair": "mining.validate",
    "Summary": "mining.replication_summary",
    "Window": "mining.flow_measures",
    "attach_case_attributes": "mining.flow_measures",
    "check_conformance": "mining.discovery",
    "compare_logs": "mining.compare",
    "compute_arrivals": "mining.measures",
    "compute_case_times": "mining.measures",
    "compute_flow_measures": "mining.flow_measures",
    "compute_flow_summary": "mining.measures",
    "compute_handovers": "mining.measures",
    "compute_lead_times": "mining.measures",
    "compute_rework": "mining.measures",
    "compute_stage_times": "mining.measures",
    "compute_throughput": "mining.measures",
    "compute_wip": "mining.measures",
    "confidence_interval": "mining.estimates",
    "discover_dfg": "mining.dfg",
    "discover_performance_dfg": "mining.dfg",
    "discover_process_model": "mining.discovery",
    "kaplan_meier_quantiles": "mining.estimates",
    "list_variants": "mining.dfg",
    "load_stage_map": "mining.compare",
    "paired_difference": "mining.estimates",
    "plot_dfg": "mining.plots",
    "plot_lead_time_cdf": "mining.plots",
    "plot_lead_time_histogram": "mining.plots",
    "plot_queue_lengths": "mining.plots",
    "plot_stage_comparison": "mining.plots",
    "plot_value_stream_map": "mining.plots",
    "rank_bottlenecks": "mining.bottlenecks",
    "read_log": "mining.read",
    "repair_log": "mining.validate",
    "summarize_replications": "mining.replication_summary",
    "summarize_stages": "mining.measures",
    "summarize_value_stream": "mining.plots",
    "validate_log": "mining.validate",
}
"""Each public name and the module it lives in."""

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
    "discover_performance_dfg",
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
    "summarize_replications",
    "summarize_stages",
    "summarize_value_stream",
    "validate_log",
]

if TYPE_CHECKING:  # the names, for type checkers and editors
    from mining.bottlenecks import rank_bottlenecks
    from mining.compare import Comparison, compare_logs, load_stage_map
    from mining.dfg import discover_dfg, discover_performance_dfg, list_variants
    from mining.discovery import ProcessModel, check_conformance, discover_process_model
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
    from mining.replication_summary import Summary, summarize_replications
    from mining.validate import Repair, repair_log, validate_log


def __getattr__(name: str) -> Any:
    """Import a public name from its module when it is first used."""
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
