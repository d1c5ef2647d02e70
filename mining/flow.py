"""Flow measures of a whole log: throughput, work in progress, arrivals, rework, hand-overs, and a summary.

All column-wise; the input frame is never modified. Durations are hours (`_h`), rates are per day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mining.codes import factorize_column, timestamps_ns
from mining.columns import ACTIVITY, CASE, RESOURCE
from mining.flow_measures import MEASURE_COLUMNS, compute_flow_measures, observation_window
from mining.stage_times import compute_case_times, compute_stage_times, require_columns

__all__ = [
    "compute_arrivals",
    "compute_flow_summary",
    "compute_handovers",
    "compute_rework",
    "compute_throughput",
    "compute_wip",
]

_QUANTILES = (0.5, 0.85, 0.95)
REPLICATION = "case:replication"


def _period_starts(times: pd.Series, period: str) -> pd.Series:
    naive = times.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.dt.to_period(period).dt.start_time.dt.tz_localize("UTC")


def compute_throughput(log: pd.DataFrame, period: str = "D", *, case_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cases arrived and completed per calendar period (UTC): columns period_start, arrived, completed.

    `period` is a pandas period alias ("D", "W", "M", "h"); every period between the first arrival and the
    last completion has a row, zeros included. A case counts as completed at its last event.
    """
    if case_times is None:
        case_times = compute_case_times(log)
    columns = ["period_start", "arrived", "completed"]
    if case_times.empty:
        return pd.DataFrame({name: pd.Series(dtype="int64") for name in columns}).astype(
            {"period_start": "datetime64[ns, UTC]"}
        )
    arrived = _period_starts(case_times["arrival"], period).value_counts()
    completed = _period_starts(case_times["end"], period).value_counts()
    first = min(arrived.index.min(), completed.index.min()).tz_localize(None)
    last = max(arrived.index.max(), completed.index.max()).tz_localize(None)
    full = pd.period_range(first, last, freq=period).start_time.tz_localize("UTC")
    return pd.DataFrame(
        {
            "period_start": full,
            "arrived": arrived.reindex(full, fill_value=0).to_numpy(dtype=np.int64),
            "completed": completed.reindex(full, fill_value=0).to_numpy(dtype=np.int64),
        }
    )


def compute_wip(log: pd.DataFrame, *, case_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Open cases over time as a step function: columns time (UTC) and wip, the count from `time` on.

    A case is open from its arrival to its last event; one row per moment the count changes.
    """
    if case_times is None:
        case_times = compute_case_times(log)
    unit = case_times["arrival"].dt.unit
    times = np.concatenate([timestamps_ns(case_times["arrival"]), timestamps_ns(case_times["end"])])
    steps = np.concatenate([np.ones(len(case_times), dtype=np.int64), -np.ones(len(case_times), dtype=np.int64)])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])
    last = np.ones(len(times), dtype=bool)  # the count after all steps at one moment
    last[:-1] = times[1:] != times[:-1]
    times, level = times[last], level[last]
    changed = np.ones(len(level), dtype=bool)
    changed[1:] = level[1:] != level[:-1]
    moments = pd.DatetimeIndex(times[changed].view("datetime64[ns]")).tz_localize("UTC").as_unit(unit)
    return pd.DataFrame({"time": moments, "wip": level[changed]})


def compute_arrivals(log: pd.DataFrame, *, case_times: pd.DataFrame | None = None) -> dict[str, float]:
    """Arrival rate per day and inter-arrival time statistics in hours (mean, cv, p50, p85, p95).

    Arrivals are the cases' arrival moments (`case:arrival`, else first event); cv is std / mean.
    """
    if case_times is None:
        case_times = compute_case_times(log)
    arrivals = np.sort(case_times["arrival"].dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64))
    gaps_h = np.diff(arrivals) / 3.6e12
    span_days = (arrivals[-1] - arrivals[0]) / 8.64e13 if len(arrivals) > 1 else 0.0
    result = {
        "cases": float(len(arrivals)),
        "span_days": float(span_days),
        "rate_per_day": float((len(arrivals) - 1) / span_days) if span_days > 0 else float("nan"),
        "interarrival_mean_h": float(gaps_h.mean()) if len(gaps_h) else float("nan"),
        "interarrival_cv": float(gaps_h.std(ddof=1) / gaps_h.mean())
        if len(gaps_h) > 1 and gaps_h.mean() > 0
        else float("nan"),
    }
    for q in _QUANTILES:
        result[f"interarrival_p{round(q * 100)}_h"] = float(np.quantile(gaps_h, q)) if len(gaps_h) else float("nan")
    return result


def compute_rework(log: pd.DataFrame, *, stage_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per activity: visits, cases, repeat_visits, cases_with_repeat, rework_rate (repeat_visits / visits).

    A repeat visit is any visit of the activity in a case after its first one; sorted by rework_rate.
    """
    if stage_times is None:
        stage_times = compute_stage_times(log)
    frame = stage_times[[CASE, ACTIVITY]]
    repeat = frame.groupby([CASE, ACTIVITY], sort=False).cumcount().to_numpy() > 0
    frame = frame.assign(repeat=repeat)
    grouped = frame.groupby(ACTIVITY, sort=True)
    cases_with_repeat = frame[repeat].groupby(ACTIVITY)[CASE].nunique()
    out = pd.DataFrame(
        {
            "visits": grouped.size(),
            "cases": grouped[CASE].nunique(),
            "repeat_visits": grouped["repeat"].sum().astype(np.int64),
        }
    )
    out["cases_with_repeat"] = cases_with_repeat.reindex(out.index, fill_value=0).astype(np.int64)
    out["rework_rate"] = out["repeat_visits"] / out["visits"]
    return out.sort_values(["rework_rate", "visits"], ascending=False, kind="stable").reset_index()


def compute_handovers(log: pd.DataFrame, *, stage_times: pd.DataFrame | None = None) -> pd.DataFrame:
    """Counts of work passed from one resource to another within cases: from_resource, to_resource, handovers, cases.

    Consecutive visits of a case (in stage-time order) with two different known resources make one hand-over.
    """
    if stage_times is None:
        stage_times = compute_stage_times(log)
    columns = ["from_resource", "to_resource", "handovers", "cases"]
    if RESOURCE not in stage_times.columns or stage_times.empty:
        return pd.DataFrame({name: pd.Series(dtype="string" if "resource" in name else "int64") for name in columns})
    case, _ = _codes(stage_times[CASE])
    resource, names = _codes(stage_times[RESOURCE])
    n_cases = int(case.max(initial=-1)) + 1
    source, target = resource[:-1], resource[1:]
    keep = (case[1:] == case[:-1]) & (source >= 0) & (target >= 0) & (source != target)
    pair = source[keep] * len(names) + target[keep]
    pairs, handovers = np.unique(pair, return_counts=True)
    with_case = pd.unique(pair * max(n_cases, 1) + case[1:][keep])  # distinct (pair, case)
    cases = np.bincount(np.searchsorted(pairs, with_case // max(n_cases, 1)), minlength=len(pairs))
    text = names.to_numpy(dtype=object)
    out = pd.DataFrame(
        {
            "from_resource": pd.array(text[pairs // len(names)] if len(names) else [], dtype="string"),
            "to_resource": pd.array(text[pairs % len(names)] if len(names) else [], dtype="string"),
            "handovers": handovers.astype(np.int64),
            "cases": cases.astype(np.int64),
        }
    )
    out = out.sort_values(["handovers", "from_resource", "to_resource"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)[columns]


def _codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the distinct values; free for the categorical columns of stage times."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy().astype(np.int64), pd.Index(values.cat.categories)
    return factorize_column(values)


def compute_flow_summary(
    log: pd.DataFrame,
    *,
    stage_times: pd.DataFrame | None = None,
    case_times: pd.DataFrame | None = None,
) -> dict[str, float | int | bool | str | None]:
    """The log's flow in one JSON-safe dict: cases, events, visits, the observed period, every measure of
    `mining.flow_measures.compute_flow_measures` over the whole log (lead time, both flow efficiencies, throughput,
    WIP, unfinished cases, Kaplan–Meier lead time), and cases_with_known_work, arrival_rate_per_day, wip_max and
    estimated (whether any visit's wait/work split is an estimate). A log with `case:replication` (a simulation's)
    gives throughput and WIP per replication, and `replications` says how many it holds.
    """
    require_columns(log)
    if stage_times is None:
        stage_times = compute_stage_times(log)
    if case_times is None:
        case_times = compute_case_times(log, stage_times=stage_times)

    def number(value: object) -> float | int | None:
        if isinstance(value, np.integer | int):
            return int(value)
        if not isinstance(value, float | np.floating):
            return None
        return float(value) if np.isfinite(value) else None

    summary: dict[str, float | int | bool | str | None] = {
        "cases": len(case_times),
        "events": len(log),
        "visits": len(stage_times),
    }
    if len(case_times):
        window = observation_window(case_times)
        summary |= {
            "period_start": window.start.isoformat(),
            "period_end": window.end.isoformat(),
            "period_days": number(window.days),
        }
        measures = compute_flow_measures(case_times, window=window).iloc[0]
        summary |= {column: number(measures[column]) for column in MEASURE_COLUMNS}
        # a simulated log of several replications holds that many parallel copies of one system: a rate or a count
        # in the system is per replication, as the run that wrote it reports it
        replications = int(log[REPLICATION].nunique()) if REPLICATION in log.columns else 1
        if replications > 1:
            for column in ("throughput_per_day", "wip"):
                value = summary[column]
                summary[column] = None if value is None else float(value) / replications
        summary["replications"] = replications
        arrivals = compute_arrivals(log, case_times=case_times)
    else:
        summary |= {"period_start": None, "period_end": None, "period_days": 0.0}
        summary |= {column: None for column in MEASURE_COLUMNS}
        arrivals = {}
    known = case_times["finished"].to_numpy(dtype=bool) & case_times["work_h"].notna().to_numpy()
    wip = compute_wip(log, case_times=case_times)
    summary |= {
        "cases_with_known_work": int(known.sum()),
        "arrival_rate_per_day": number(arrivals.get("rate_per_day", float("nan"))),
        "wip_max": int(wip["wip"].max()) if len(wip) else 0,
        "estimated": bool(stage_times["estimated"].any()),
    }
    return summary
