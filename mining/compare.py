"""Compare two event logs (simulated vs observed, or what-if A vs B): stage times, lead times, control flow, bottleneck.

Both logs go through the same measures (`mining.stage_times`); everything is column-wise (groupby, value_counts,
merges), so two 10,000-case logs compare in seconds. Durations are hours (`_h`); differences are simulated minus
observed, relative differences are divided by the observed value.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from mining.columns import ACTIVITY, CASE
from mining.errors import EventLogError, format_values
from mining.json_safe import to_json_safe
from mining.stage_times import compute_case_times, compute_stage_times, require_columns, summarize_stages

__all__ = [
    "BottleneckAgreement",
    "Comparison",
    "ControlFlowDistance",
    "LeadTimeDistance",
    "compare_logs",
    "count_directly_follows",
    "count_variants",
    "load_stage_map",
]

START_NODE = "▶ start"
"""Artificial source of every case in the directly-follows counts (so first activities count as edges)."""
END_NODE = "■ end"
"""Artificial sink of every case in the directly-follows counts."""

_STAGE_MEASURES = ("visits", "cases", "wait_mean_h", "wait_p85_h", "work_mean_h", "work_p85_h", "wait_share")


@dataclass(frozen=True, slots=True)
class LeadTimeDistance:
    """How far apart the two lead-time distributions are (hours), and their means and quantiles."""

    wasserstein_h: float
    """Earth mover's distance between the two lead-time samples, hours."""
    wasserstein_relative: float
    """`wasserstein_h` divided by the observed mean lead time (0 = identical, 1 = one mean lead time apart)."""
    ks_statistic: float
    """Kolmogorov–Smirnov statistic: the largest vertical gap between the two CDFs, in [0, 1]."""
    ks_pvalue: float
    """Two-sided p-value of the KS test (small = the samples hardly come from one distribution)."""
    cases_simulated: int
    cases_observed: int
    mean_simulated_h: float
    mean_observed_h: float
    p50_simulated_h: float
    p50_observed_h: float
    p85_simulated_h: float
    p85_observed_h: float


@dataclass(frozen=True, slots=True)
class ControlFlowDistance:
    """How differently work flows: directly-follows frequencies and trace variants."""

    dfg_distance: float
    """Half the L1 distance of the normalised directly-follows edge frequencies (start/end edges included), [0, 1]."""
    variant_jaccard: float
    """Shared variants / variants in either log, [0, 1] (1 = the same set of traces)."""
    variant_overlap: float
    """Frequency-weighted overlap: sum over variants of min(share simulated, share observed), [0, 1]."""
    edges_simulated: int
    edges_observed: int
    edges_shared: int
    variants_simulated: int
    variants_observed: int
    variants_shared: int


@dataclass(frozen=True, slots=True)
class BottleneckAgreement:
    """Whether both logs point at the same bottleneck (the stage with the largest share of all waiting)."""

    top_simulated: str | None
    top_observed: str | None
    same_top: bool
    spearman: float
    """Spearman rank correlation of the stages' wait shares (stages missing in one log count 0); NaN if undefined."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Result of `compare_logs`: tables and distances; `to_dict()` gives a JSON-safe dict (no NaN, no numpy)."""

    labels: tuple[str, str]
    """Display names of the two logs, simulated (or A) first."""
    stages: pd.DataFrame
    """Per stage: the measures of both logs, differences; sorted by |difference in mean wait + work|, largest first."""
    lead_time: LeadTimeDistance
    control_flow: ControlFlowDistance
    bottlenecks: BottleneckAgreement
    edges: pd.DataFrame
    """Per directly-follows edge: source, target, counts and shares in both logs, share difference."""
    lead_times_simulated_h: np.ndarray = field(repr=False)
    """Lead time of every simulated case, hours (for the CDF plot)."""
    lead_times_observed_h: np.ndarray = field(repr=False)
    """Lead time of every observed case, hours."""

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary: labels, distances, bottleneck agreement and the stage and edge tables as records."""
        return {
            "labels": list(self.labels),
            "lead_time": to_json_safe(asdict(self.lead_time)),
            "control_flow": to_json_safe(asdict(self.control_flow)),
            "bottlenecks": to_json_safe(asdict(self.bottlenecks)),
            "stages": _records(self.stages),
            "edges": _records(self.edges),
        }


def _records(frame: pd.DataFrame) -> list[object]:
    return [to_json_safe(row) for row in frame.astype(object).to_dict(orient="records")]


def load_stage_map(source: Mapping[str, str] | str | Path) -> dict[str, str]:
    """Observed → simulated stage names from a dict, a YAML mapping file, or a two-column CSV (observed, simulated).

    A CSV may have a header row `observed,simulated`; any other first row is read as data.
    """
    if isinstance(source, Mapping):
        mapping = dict(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise EventLogError(f"{path}: stage map file not found")
        suffix = path.suffix.lower()
        if suffix in {".yaml", ".yml"}:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(loaded, dict):
                raise EventLogError(
                    f"{path}: a stage map must be a mapping 'observed name: simulated name' "
                    f"(got {type(loaded).__name__})"
                )
            mapping = loaded
        elif suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as handle:
                rows = [row for row in csv.reader(handle) if row and any(cell.strip() for cell in row)]
            if rows and [cell.strip().lower() for cell in rows[0]] == ["observed", "simulated"]:
                rows = rows[1:]
            bad = [number for number, row in enumerate(rows, start=1) if len(row) != 2]
            if bad:
                raise EventLogError(f"{path}: stage map rows must have 2 columns (observed, simulated); "
                                    f"data rows {format_values(bad)} do not")
            mapping = {row[0].strip(): row[1].strip() for row in rows}
        else:
            raise EventLogError(f"{path}: stage map must be a .yaml, .yml or .csv file (got {suffix or 'no suffix'!r})")
    bad_entries = [key for key, value in mapping.items() if not isinstance(key, str) or not isinstance(value, str)]
    if bad_entries:
        raise EventLogError(
            f"stage map: names must be strings (got non-string entries for {format_values(bad_entries)})"
        )
    return mapping


def _rename_stages(log: pd.DataFrame, stage_map: Mapping[str, str]) -> pd.DataFrame:
    names = log[ACTIVITY].astype("string")
    found = set(names.dropna().unique())
    unknown = sorted(set(stage_map) - found)
    if unknown:
        raise EventLogError(
            f"stage map names {format_values(unknown)} are not activities of the observed log; "
            f"activities found: {format_values(sorted(found))}"
        )
    renamed = log.copy(deep=False)
    renamed[ACTIVITY] = names.replace(dict(stage_map))
    return renamed


def count_directly_follows(stage_times: pd.DataFrame) -> pd.DataFrame:
    """Directly-follows counts between consecutive stage visits of each case, with artificial start/end edges.

    Columns source, target, count; visits are taken in `compute_stage_times` order (case, ready, complete).
    """
    case = stage_times[CASE].to_numpy()
    activity = stage_times[ACTIVITY].astype("string").to_numpy(dtype=object)
    if len(case) == 0:
        return pd.DataFrame({"source": pd.Series(dtype=object), "target": pd.Series(dtype=object),
                             "count": pd.Series(dtype="int64")})
    first = np.ones(len(case), dtype=bool)
    first[1:] = case[1:] != case[:-1]
    last = np.ones(len(case), dtype=bool)
    last[:-1] = first[1:]
    source = np.where(first, START_NODE, np.roll(activity, 1))
    pairs = pd.DataFrame({"source": np.concatenate([source, activity[last]]),
                          "target": np.concatenate([activity, np.full(int(last.sum()), END_NODE, dtype=object)])})
    counts = pairs.value_counts(sort=False).rename("count").reset_index()
    return counts.sort_values(["count", "source", "target"], ascending=[False, True, True],
                              kind="stable").reset_index(drop=True)


def count_variants(stage_times: pd.DataFrame) -> pd.Series:
    """Cases per trace variant (activity names joined by ' → ', in visit order), most frequent first."""
    activity = stage_times[ACTIVITY].astype("string").fillna("")
    variants = activity.groupby(stage_times[CASE].to_numpy(), sort=False).agg(" → ".join)
    return variants.value_counts().rename("cases")


def _stage_table(summary_a: pd.DataFrame, summary_b: pd.DataFrame) -> pd.DataFrame:
    a = summary_a.set_index(ACTIVITY)[list(_STAGE_MEASURES)].add_suffix("_simulated")
    b = summary_b.set_index(ACTIVITY)[list(_STAGE_MEASURES)].add_suffix("_observed")
    table = a.join(b, how="outer")
    table.index.name = "stage"
    for side in ("simulated", "observed"):
        for name in ("visits", "cases"):
            table[f"{name}_{side}"] = table[f"{name}_{side}"].fillna(0).astype(np.int64)
        table[f"wait_share_{side}"] = table[f"wait_share_{side}"].fillna(0.0).astype(float)
    for measure in ("wait_mean_h", "work_mean_h", "wait_p85_h", "work_p85_h"):
        sim = table[f"{measure}_simulated"].astype(float)
        obs = table[f"{measure}_observed"].astype(float)
        table[f"{measure}_difference"] = sim.fillna(0.0) - obs.fillna(0.0)
    total_sim = table["wait_mean_h_simulated"].astype(float).fillna(0) + table["work_mean_h_simulated"].fillna(0)
    total_obs = table["wait_mean_h_observed"].astype(float).fillna(0) + table["work_mean_h_observed"].fillna(0)
    table["total_mean_h_simulated"] = total_sim
    table["total_mean_h_observed"] = total_obs
    table["total_mean_h_difference"] = total_sim - total_obs
    with np.errstate(divide="ignore", invalid="ignore"):
        for measure in ("wait_mean_h", "work_mean_h", "total_mean_h"):
            observed = table[f"{measure}_observed"].astype(float).fillna(0.0).to_numpy()
            difference = table[f"{measure}_difference"].to_numpy(dtype=float)
            table[f"{measure}_relative"] = np.where(observed > 0, difference / observed, np.nan)
    table["wait_share_difference"] = table["wait_share_simulated"] - table["wait_share_observed"]
    table["_key"] = table["total_mean_h_difference"].abs()
    table = table.reset_index().sort_values(["_key", "stage"], ascending=[False, True], kind="stable")
    return table.drop(columns="_key").reset_index(drop=True)


def _lead_time_distance(lead_a: np.ndarray, lead_b: np.ndarray) -> LeadTimeDistance:
    if len(lead_a) == 0 or len(lead_b) == 0:
        raise EventLogError(f"cannot compare lead times: the {'simulated' if len(lead_a) == 0 else 'observed'} "
                            "log has no cases")
    wasserstein = float(stats.wasserstein_distance(lead_a, lead_b))
    mean_b = float(lead_b.mean())
    ks = stats.ks_2samp(lead_a, lead_b)
    return LeadTimeDistance(
        wasserstein_h=wasserstein,
        wasserstein_relative=wasserstein / mean_b if mean_b > 0 else float("nan"),
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        cases_simulated=len(lead_a),
        cases_observed=len(lead_b),
        mean_simulated_h=float(lead_a.mean()),
        mean_observed_h=mean_b,
        p50_simulated_h=float(np.quantile(lead_a, 0.5)),
        p50_observed_h=float(np.quantile(lead_b, 0.5)),
        p85_simulated_h=float(np.quantile(lead_a, 0.85)),
        p85_observed_h=float(np.quantile(lead_b, 0.85)),
    )


def _edge_table(edges_a: pd.DataFrame, edges_b: pd.DataFrame) -> pd.DataFrame:
    a = edges_a.set_index(["source", "target"])["count"].rename("count_simulated")
    b = edges_b.set_index(["source", "target"])["count"].rename("count_observed")
    table = pd.concat([a, b], axis=1).fillna(0).astype(np.int64)
    for side in ("simulated", "observed"):
        total = table[f"count_{side}"].sum()
        table[f"share_{side}"] = table[f"count_{side}"] / total if total > 0 else 0.0
    table["share_difference"] = table["share_simulated"] - table["share_observed"]
    table = table.reset_index().rename(columns={"level_0": "source", "level_1": "target"})
    table["_key"] = table["share_difference"].abs()
    table = table.sort_values(["_key", "source", "target"], ascending=[False, True, True], kind="stable")
    return table.drop(columns="_key").reset_index(drop=True)


def _control_flow_distance(edges: pd.DataFrame, variants_a: pd.Series, variants_b: pd.Series) -> ControlFlowDistance:
    shares = pd.concat([variants_a / variants_a.sum(), variants_b / variants_b.sum()], axis=1).fillna(0.0)
    shared_variants = int(((shares.iloc[:, 0] > 0) & (shares.iloc[:, 1] > 0)).sum())
    return ControlFlowDistance(
        dfg_distance=float(0.5 * edges["share_difference"].abs().sum()),
        variant_jaccard=shared_variants / len(shares) if len(shares) else 1.0,
        variant_overlap=float(shares.min(axis=1).sum()),
        edges_simulated=int((edges["count_simulated"] > 0).sum()),
        edges_observed=int((edges["count_observed"] > 0).sum()),
        edges_shared=int(((edges["count_simulated"] > 0) & (edges["count_observed"] > 0)).sum()),
        variants_simulated=len(variants_a),
        variants_observed=len(variants_b),
        variants_shared=shared_variants,
    )


def _bottleneck_agreement(summary_a: pd.DataFrame, summary_b: pd.DataFrame) -> BottleneckAgreement:
    def top(summary: pd.DataFrame) -> str | None:
        waiting = summary[summary["wait_share"] > 0]
        if waiting.empty:
            return None
        return str(waiting.sort_values(["wait_share", ACTIVITY], ascending=[False, True]).iloc[0][ACTIVITY])

    share_a = summary_a.set_index(ACTIVITY)["wait_share"].astype(float)
    share_b = summary_b.set_index(ACTIVITY)["wait_share"].astype(float)
    both = pd.concat([share_a, share_b], axis=1).fillna(0.0)
    spearman = float("nan")
    if len(both) >= 2 and both.iloc[:, 0].nunique() > 1 and both.iloc[:, 1].nunique() > 1:
        spearman = float(stats.spearmanr(both.iloc[:, 0], both.iloc[:, 1]).statistic)
    top_a, top_b = top(summary_a), top(summary_b)
    return BottleneckAgreement(top_simulated=top_a, top_observed=top_b,
                               same_top=top_a is not None and top_a == top_b, spearman=spearman)


def compare_logs(
    simulated: pd.DataFrame,
    observed: pd.DataFrame,
    *,
    stage_map: Mapping[str, str] | str | Path | None = None,
    labels: tuple[str, str] = ("simulated", "observed"),
) -> Comparison:
    """Compare two event logs stage by stage, by lead-time distribution, by control flow and by bottleneck.

    Args:
        simulated: the first event log (a simulation, or what-if A).
        observed: the second event log (the reference: real behaviour, or what-if B); relative differences
            and the normalised Wasserstein distance are relative to it.
        stage_map: observed → simulated stage names (dict, or a YAML/CSV file), applied to `observed` first.
        labels: display names of the two logs, used by plots and reports.

    Returns:
        A `Comparison`; comparing a log with itself gives zero distances and identical columns.
    """
    require_columns(simulated)
    require_columns(observed)
    if stage_map is not None:
        observed = _rename_stages(observed, load_stage_map(stage_map))
    stages_a = compute_stage_times(simulated)
    stages_b = compute_stage_times(observed)
    cases_a = compute_case_times(simulated, stage_times=stages_a)
    cases_b = compute_case_times(observed, stage_times=stages_b)
    summary_a = summarize_stages(stages_a)
    summary_b = summarize_stages(stages_b)
    lead_a = cases_a["lead_time_h"].to_numpy(dtype=float)
    lead_b = cases_b["lead_time_h"].to_numpy(dtype=float)
    edges = _edge_table(count_directly_follows(stages_a), count_directly_follows(stages_b))
    return Comparison(
        labels=(str(labels[0]), str(labels[1])),
        stages=_stage_table(summary_a, summary_b),
        lead_time=_lead_time_distance(lead_a, lead_b),
        control_flow=_control_flow_distance(edges, count_variants(stages_a), count_variants(stages_b)),
        bottlenecks=_bottleneck_agreement(summary_a, summary_b),
        edges=edges,
        lead_times_simulated_h=lead_a,
        lead_times_observed_h=lead_b,
    )
