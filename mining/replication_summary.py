"""The headline of replicated runs: each flow measure as a mean across replications with its 95% interval, the
lead time per work item class, the largest wait and the constraint.

The per-replication values come from `mining.flow_measures.compute_flow_measures` grouped by `case:replication`, so
the summary of a run and the figures of a mined log are one definition; the stage table may carry a utilisation
known from elsewhere (the simulator's teams), which a log alone cannot give.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.estimates import Estimate, confidence_interval

__all__ = ["Bottleneck", "ItemLeadTime", "Summary", "summarize_replications"]

REPLICATION = "case:replication"
ITEM = "case:item"


@dataclass(frozen=True, slots=True)
class ItemLeadTime:
    """Lead time (hours) of one work item class across replications, and how many of its cases completed."""

    item: str
    lead_time_h: Estimate
    completed: int


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """A stage with its team, its share of all waiting, its mean wait (hours) and its team's utilisation."""

    stage: str
    team: str
    wait_share: float
    wait_mean_h: float
    utilisation: float


@dataclass(frozen=True, slots=True)
class Summary:
    """The headline measures of a run, each a mean across replications with a 95% confidence half-width."""

    replications: int
    warmup_h: float
    horizon_h: float
    completed_cases: int
    """Cases that arrived in the window and finished by its end (all replications)."""
    lead_time_mean_h: Estimate
    lead_time_p50_h: Estimate
    lead_time_p85_h: Estimate
    lead_time_p95_h: Estimate
    flow_efficiency_total: Estimate
    """Total work ÷ total lead time of the completed cases."""
    flow_efficiency_mean: Estimate
    """Mean of the completed cases' own work ÷ lead time."""
    throughput_per_day: Estimate
    wip: Estimate
    sla_attainment: Estimate
    unfinished_cases: int
    """Cases that arrived in the window and were still in the system at its end (all replications)."""
    unfinished_share: Estimate
    """Their share of the cases that arrived in the window."""
    lead_time_km_p50_h: Estimate
    """Median lead time by Kaplan–Meier, the unfinished cases counted as censored at the horizon."""
    lead_time_km_p85_h: Estimate
    item_lead_times: tuple[ItemLeadTime, ...]
    bottleneck: Bottleneck | None
    """The largest wait: the stage with the largest share of all waiting (None when nothing waited)."""
    constraint: Bottleneck | None = None
    """The constraint: the busiest team (highest utilisation) and, of its stages, the one with the most waiting."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (NaN becomes None; an estimate is ``{"mean", "half_width", "n"}``)."""
        return {key: _json_safe(value) for key, value in asdict(self).items()}


def _json_safe(value: object) -> object:
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _stage_bottleneck(row: pd.Series) -> Bottleneck:
    return Bottleneck(
        stage=str(row["stage"]),
        team=str(row["team"]),
        wait_share=float(row["wait_share"]),
        wait_mean_h=float(row["wait_mean_h"]),
        utilisation=float(row["utilisation"]),
    )


_ESTIMATED = (
    "lead_time_mean_h", "lead_time_p50_h", "lead_time_p85_h", "lead_time_p95_h", "flow_efficiency_total",
    "flow_efficiency_mean", "throughput_per_day", "wip", "sla_attainment", "unfinished_share",
    "lead_time_km_p50_h", "lead_time_km_p85_h",
)  # fmt: skip


def summarize_replications(
    measures: pd.DataFrame,
    item_measures: pd.DataFrame,
    stages: pd.DataFrame,
    *,
    warmup_h: float,
    horizon_h: float,
) -> Summary:
    """The `Summary` of per-replication measures.

    Args:
        measures: `compute_flow_measures(..., by=["case:replication"])`, one row per replication.
        item_measures: the same grouped by ``case:replication`` and ``case:item``; the item classes are listed
            longest mean lead time first (classes with no completed case left out).
        stages: one row per stage pooled over the replications, with `stage`, `team`, `wait_share`, `wait_mean_h`
            and `utilisation`: the largest wait is the stage with the largest wait share, the constraint the
            busiest team's stage with the most waiting (None when nothing waited / no utilisation is known).
    """
    items = []
    for item, part in item_measures.groupby(ITEM, sort=True):
        completed = int(part["completed"].sum())
        if completed:
            items.append(ItemLeadTime(str(item), confidence_interval(part["lead_time_mean_h"]), completed))
    items.sort(key=lambda entry: (-entry.lead_time_h.mean, entry.item))
    shares = stages["wait_share"]
    bottleneck = None
    if shares.notna().any() and shares.max() > 0:
        bottleneck = _stage_bottleneck(stages.loc[shares.idxmax()])
    constraint = None
    busiest = stages.loc[stages["utilisation"].notna()]
    if len(busiest):
        top = busiest.loc[busiest["utilisation"] == busiest["utilisation"].max()]
        constraint = _stage_bottleneck(top.loc[top["wait_share"].fillna(0).idxmax()])
    return Summary(
        replications=len(measures),
        warmup_h=float(warmup_h),
        horizon_h=float(horizon_h),
        completed_cases=int(measures["completed"].sum()),
        unfinished_cases=int(measures["unfinished"].sum()),
        item_lead_times=tuple(items),
        bottleneck=bottleneck,
        constraint=constraint,
        **{name: confidence_interval(measures[name]) for name in _ESTIMATED},
    )
