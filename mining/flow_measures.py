"""The headline flow measures of an event log over an observation window, overall or per group of cases.

One definition for every command (DESIGN.md, "The measures"): `flowlab run` applies it to each replication's log,
`flowlab mine` to a real log, `sweep` to each variant, and the console, `summary.json` and `report.html` show what
it returns. Two rules decide which cases count:

- **per-case measures** (completed cases, lead time, both flow efficiencies, SLA attainment, unfinished cases and
  the Kaplan–Meier lead time) use the cases that *arrived* in the window; a case counts as completed when it
  finished by the window's end, and as unfinished otherwise (its lead time is then censored at the window's end);
- **window measures** (throughput, WIP) count what happens inside the window, whichever case it happens to: a time
  average has no notion of "which cases", and counting only the cases that arrived in the window would under-count
  throughput by the work already in progress when it opened.

For a real log the window is the whole log (first arrival to last event), so both rules see every case; for a
simulation it is [warm-up, horizon].

Flow efficiency has two readings, named apart wherever they appear: `flow_efficiency_total` = total work ÷ total
lead time of the completed cases (where the hours go), and `flow_efficiency_mean` = the mean of the per-case ratios
(what a typical item experiences; many short items weigh as much as a few long ones).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mining.columns import CASE
from mining.estimates import kaplan_meier_quantiles

__all__ = [
    "CASE_ATTRIBUTES",
    "MEASURE_COLUMNS",
    "Window",
    "attach_case_attributes",
    "compute_flow_measures",
    "observation_window",
    "sla_verdicts",
]

MEASURE_COLUMNS = (
    "arrived", "completed", "lead_time_mean_h", "lead_time_p50_h", "lead_time_p85_h", "lead_time_p95_h",
    "flow_efficiency_total", "flow_efficiency_mean", "throughput_per_day", "wip", "sla_attainment", "unfinished",
    "unfinished_share", "lead_time_km_p50_h", "lead_time_km_p85_h",
)  # fmt: skip
"""Columns of `compute_flow_measures` after the group columns, in order."""

CASE_ATTRIBUTES = ("case:item", "case:stream", "case:replication")
"""Case attributes a measure can be grouped by, when the log has them."""

_HOUR = pd.Timedelta(hours=1)
_ALL = "_all"


@dataclass(frozen=True, slots=True)
class Window:
    """The observed period [start, end] (UTC timestamps)."""

    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def hours(self) -> float:
        """Its length in hours."""
        return float((self.end - self.start) / _HOUR)

    @property
    def days(self) -> float:
        """Its length in days."""
        return self.hours / 24.0


def observation_window(case_times: pd.DataFrame) -> Window:
    """The whole of a log: from its first case arrival to its last event (`compute_case_times` columns).

    Raises:
        ValueError: the table has no case.
    """
    if case_times.empty:
        raise ValueError("a log without cases has no observation window")
    return Window(pd.Timestamp(case_times["arrival"].min()), pd.Timestamp(case_times["end"].max()))


def attach_case_attributes(
    frame: pd.DataFrame, log: pd.DataFrame, columns: Iterable[str] = CASE_ATTRIBUTES
) -> pd.DataFrame:
    """`frame` (one row per case or per visit, with a case id column) with the log's case attributes added.

    Each attribute is its case's first value in the log; attributes the log lacks are left out, so a caller can
    group by what is there.
    """
    present = [column for column in columns if column in log.columns and column not in frame.columns]
    if not present:
        return frame
    first = log.drop_duplicates(CASE)[[CASE, *present]].astype({CASE: "str"}).set_index(CASE)
    case_ids = frame[CASE].astype("str")
    out = frame.copy()
    for column in present:
        out[column] = case_ids.map(first[column]).to_numpy()
    return out


def compute_flow_measures(
    case_times: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    window: Window | None = None,
    sla_h: Mapping[str, float] | None = None,
    groups: pd.Index | None = None,
) -> pd.DataFrame:
    """The `MEASURE_COLUMNS` of the cases in `case_times` (`compute_case_times`, plus `by` columns), per group.

    - `arrived`: cases that arrived in the window; `completed`: those of them finished by its end;
      `unfinished` = arrived − completed, `unfinished_share` = unfinished ÷ arrived;
    - lead time mean and p50/p85/p95 (hours) of the completed cases; `lead_time_km_p50_h`/`_p85_h` by
      Kaplan–Meier with the unfinished cases censored at the window's end (NaN where the estimate never reaches
      the quantile: too many open cases to tell);
    - `flow_efficiency_total` and `flow_efficiency_mean` over the completed cases whose work is known;
    - `sla_attainment`: share of the completed cases with an SLA (`sla_h` maps `case:item` → target hours) whose
      lead time met it; NaN without SLAs;
    - `throughput_per_day`: cases finished inside the window ÷ its days; `wip`: time-average number of cases in the
      system over the window (a case is in from its arrival to its last event, or to the window's end if open).

    Args:
        by: columns of `case_times` to group by (e.g. ``case:replication``); none gives one row.
        window: the observed period (default: `observation_window`, the whole log).
        sla_h: SLA target in hours per work item class.
        groups: every group to report, also those without a case (default: the groups the cases have).
    """
    keys = list(by) if by else [_ALL]
    frame = case_times.assign(**{_ALL: "all"}) if not by else case_times
    if window is None:
        window = observation_window(frame)
    arrival, end = frame["arrival"], frame["end"]
    done = frame["finished"].to_numpy(dtype=bool) & (end <= window.end).to_numpy()
    arrived = frame.loc[arrival.between(window.start, window.end).to_numpy()]
    arrived_done = done[arrival.between(window.start, window.end).to_numpy()]
    completed = arrived.loc[arrived_done]
    by_group = completed.groupby(keys, sort=True)
    lead = by_group["lead_time_h"]
    known = completed.loc[completed["work_h"].notna()]
    known_groups = known.groupby(keys, sort=True)
    ratios = known.loc[np.isfinite(known["flow_efficiency"].to_numpy(dtype=float))]
    lead_sum = known_groups["lead_time_h"].sum()
    measures = pd.DataFrame(
        {
            "arrived": arrived.groupby(keys, sort=True).size(),
            "completed": by_group.size(),
            "lead_time_mean_h": lead.mean(),
            "lead_time_p50_h": lead.quantile(0.50),
            "lead_time_p85_h": lead.quantile(0.85),
            "lead_time_p95_h": lead.quantile(0.95),
            "flow_efficiency_total": known_groups["work_h"].sum() / lead_sum.where(lead_sum > 0),
            "flow_efficiency_mean": ratios.groupby(keys, sort=True)["flow_efficiency"].mean(),
        }
    )
    in_window = done & end.between(window.start, window.end).to_numpy()
    measures["throughput_per_day"] = frame.loc[in_window].groupby(keys, sort=True).size() / window.days
    leaves = end.where(pd.Series(done, index=frame.index), window.end)
    overlap = (leaves.clip(window.start, window.end) - arrival.clip(window.start, window.end)) / _HOUR
    measures["wip"] = overlap.clip(lower=0).groupby([frame[key] for key in keys]).sum() / window.hours
    measures["sla_attainment"] = _sla_attainment(completed, keys, sla_h)
    if groups is not None:
        measures = measures.reindex(groups)
    for count in ("arrived", "completed"):
        measures[count] = measures[count].fillna(0).astype("int64")
    measures["throughput_per_day"] = measures["throughput_per_day"].fillna(0.0)
    measures["wip"] = measures["wip"].fillna(0.0)
    measures["unfinished"] = measures["arrived"] - measures["completed"]
    measures["unfinished_share"] = measures["unfinished"] / measures["arrived"].where(measures["arrived"] > 0)
    km = _kaplan_meier(arrived, arrived_done, keys, window)
    unknown = (math.nan, math.nan)
    rows = [group if isinstance(group, tuple) else (group,) for group in measures.index]
    measures["lead_time_km_p50_h"] = [km.get(group, unknown)[0] for group in rows]
    measures["lead_time_km_p85_h"] = [km.get(group, unknown)[1] for group in rows]
    measures.index.names = keys
    out = measures.reset_index()
    if not by:
        out = out.drop(columns=_ALL)
    return out[[*by, *MEASURE_COLUMNS]]


def sla_verdicts(case_times: pd.DataFrame, sla_h: Mapping[str, float] | None) -> pd.DataFrame:
    """Per case: `sla_h`, its class's SLA target (hours; NaN without one), and `sla_met`, whether its lead time met
    it (NA for a case without an SLA or not finished). The class is `case:item`."""
    items = case_times["case:item"].astype("str") if "case:item" in case_times.columns else None
    target = (items.map(dict(sla_h or {})) if items is not None else pd.Series(np.nan, index=case_times.index))
    target = target.astype("float64")
    met = (case_times["lead_time_h"] <= target).astype("boolean")
    met[target.isna() | ~case_times["finished"].astype(bool)] = pd.NA
    return pd.DataFrame({"sla_h": target, "sla_met": met}, index=case_times.index)


def _sla_attainment(completed: pd.DataFrame, keys: list[str], sla_h: Mapping[str, float] | None) -> pd.Series:
    if not sla_h or "case:item" not in completed.columns:
        return pd.Series(dtype="float64")
    met = sla_verdicts(completed, sla_h)["sla_met"]
    with_sla = completed.loc[met.notna()]
    return met.dropna().astype("float64").groupby([with_sla[key] for key in keys]).mean()


def _kaplan_meier(
    arrived: pd.DataFrame, done: np.ndarray, keys: list[str], window: Window
) -> dict[tuple, tuple[float, ...]]:
    """Per group: Kaplan–Meier p50 and p85 of the lead time, the open cases censored at the window's end."""
    age_h = ((window.end - arrived["arrival"]) / _HOUR).to_numpy(dtype=float)
    observed = np.where(done, arrived["lead_time_h"].to_numpy(dtype=float), age_h)
    durations = pd.DataFrame({"observed_h": observed, "open": ~done}, index=arrived.index)
    out: dict[tuple, tuple[float, ...]] = {}
    for group, part in durations.groupby([arrived[key] for key in keys], sort=True):
        name = group if isinstance(group, tuple) else (group,)
        out[name] = kaplan_meier_quantiles(part["observed_h"].to_numpy(), part["open"].to_numpy(), (0.50, 0.85))
    return out
