"""The flow measures in one place: stage times (`mining.stage_times`) and whole-log flow (`mining.flow`)."""

from mining.flow import (
    compute_arrivals,
    compute_flow_summary,
    compute_handovers,
    compute_rework,
    compute_throughput,
    compute_wip,
)
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_case_times, compute_lead_times, compute_stage_times

__all__ = [
    "compute_arrivals",
    "compute_case_times",
    "compute_flow_summary",
    "compute_handovers",
    "compute_lead_times",
    "compute_rework",
    "compute_stage_times",
    "compute_throughput",
    "compute_wip",
    "summarize_stages",
]
