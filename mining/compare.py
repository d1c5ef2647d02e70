"""Compare two event logs, A and B: stage times, lead times, control flow, bottleneck.

The two sides are named by the caller (`names`, default "A" and "B"); every column and field says `_a` / `_b`,
never "simulated" / "observed", because two observed logs or two simulations are compared just as often. B is the
reference: differences are A − B and relative differences are divided by B's value.

Both logs go through the same measures (`mining.stage_times`); everything is column-wise (groupby, value_counts,
merges), so two 10,000-case logs compare in seconds. Durations are hours (`_h`).

How the per-stage table guards against misleading differences:

* a stage seen in one log only is marked absent on the other side (`present` = "only in A" / "only in B"); its
  differences are NaN, never −100 %;
* each side says whether its wait/work split is measured (start and complete events) or estimated from
  completions (`estimated_a`, `estimated_b`, see `mining.stage_times`);
* the difference of mean wait and of mean work per visit comes with a 95 % Welch t confidence interval
  (unequal variances, Welch–Satterthwaite degrees of freedom; the same interval as
  `scipy.stats.ttest_ind(a, b, equal_var=False).confidence_interval()`), computed from the visits' times;
* stages are ranked by the difference the intervals support (see `STAGE_RANKING`), and stages with fewer than
  `MIN_VISITS` visits on either side are flagged `small_sample` and ranked after the well-supported ones.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy import stats

from mining.columns import ACTIVITY, CASE
from mining.dfg import count_directly_follows, list_variants
from mining.errors import EventLogError, format_values
from mining.json_safe import to_json_safe
from mining.limits import MAX_STAGE_MAP_BYTES
from mining.log_distance import LogDistances, instances_from_stage_times, log_distances
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_case_times, compute_stage_times, require_columns

__all__ = [
    "CONFIDENCE",
    "MIN_VISITS",
    "MIXED_SPLIT",
    "ONLY_IN_A",
    "ONLY_IN_B",
    "PRESENT_BOTH",
    "STAGE_RANKING",
    "BottleneckAgreement",
    "Comparison",
    "ControlFlowDistance",
    "LeadTimeDistance",
    "LogSide",
    "apply_stage_map",
    "compare_logs",
    "load_stage_map",
]


MIN_VISITS = 30
"""Visits a stage needs in each log for its difference to rank among the well-supported ones (else `small_sample`)."""
CONFIDENCE = 0.95
"""Confidence level of the intervals of the stage differences."""
PRESENT_BOTH = "both"
"""`present` of a stage seen in both logs."""
ONLY_IN_A = "only in A"
"""`present` of a stage seen in log A only (absent in B)."""
ONLY_IN_B = "only in B"
"""`present` of a stage seen in log B only (absent in A)."""
STAGE_RANKING = (
    "Stages are ranked in three groups: first the stages seen in both logs with at least "
    f"{MIN_VISITS} visits on each side, then those with fewer (small sample), then those seen in one log only. "
    "Within a group, by the supported difference: for mean wait and for mean work per visit, the bound of the "
    f"{CONFIDENCE:.0%} Welch confidence interval of the difference (A − B) closest to 0, or 0 when the interval "
    "includes 0; the larger of the two in magnitude. Ties (e.g. no interval excludes 0) by the magnitude of the "
    "difference in mean wait + work, then by visits in both logs (the order of the stages seen in one log only), "
    "then by name."
)
"""The rule that orders `Comparison.stages`, in words (for reports)."""
MIXED_SPLIT = (
    "one log's wait/work is measured (start events) and the other's estimated from completions: a stage's "
    "difference in wait or work may come from the estimate rather than the process (lead times compare fairly)"
)
"""Warning for reports when one side's wait/work split is measured and the other's estimated."""

_STAGE_MEASURES = ("visits", "cases", "wait_mean_h", "wait_p85_h", "work_mean_h", "work_p85_h", "wait_share",
                   "estimated")


@dataclass(frozen=True, slots=True)
class LogSide:
    """One of the two compared logs: its display name and what its wait/work times rest on."""

    name: str
    """Display name given by the caller (e.g. a file stem, or "simulated (vsm-classic)")."""
    cases: int
    visits: int
    """Stage visits (one execution of an activity in a case)."""
    estimated_visits: int
    """Visits whose wait/work split is estimated from completions (no start event), see `mining.stage_times`."""
    unknown_visits: int
    """Visits whose wait is unknown (NaN): estimated visits without a resource to split the gap."""
    unfinished_cases: int = 0
    """Cases with a visit still open at the end of the log: left out of the lead-time comparison on both sides."""

    @property
    def wait_work(self) -> str:
        """'measured …', 'estimated from completions' or 'partly estimated …', and unknown visits, for headers."""
        if self.estimated_visits == 0:
            text = "measured (start and complete events)"
        elif self.estimated_visits >= self.visits:
            text = "estimated from completions"
        else:
            text = f"partly estimated from completions ({self.estimated_visits:,} of {self.visits:,} visits)"
        if self.unknown_visits:
            text += f"; unknown for {self.unknown_visits:,} visits (no resource to split the gap)"
        return text

    def to_dict(self) -> dict[str, object]:
        """JSON-safe fields plus the `wait_work` text."""
        return {**to_json_safe(asdict(self)), "wait_work": self.wait_work}


@dataclass(frozen=True, slots=True)
class LeadTimeDistance:
    """How far apart the two lead-time distributions are (hours), and their means and quantiles."""

    wasserstein_h: float
    """Earth mover's distance between the two lead-time samples, hours."""
    wasserstein_relative: float
    """`wasserstein_h` divided by B's mean lead time (0 = identical, 1 = one mean lead time apart)."""
    ks_statistic: float
    """Kolmogorov–Smirnov statistic: the largest vertical gap between the two CDFs, in [0, 1]."""
    ks_pvalue: float
    """Two-sided p-value of the KS test (small = the samples hardly come from one distribution)."""
    cases_a: int
    cases_b: int
    mean_a_h: float
    mean_b_h: float
    p50_a_h: float
    p50_b_h: float
    p85_a_h: float
    p85_b_h: float


@dataclass(frozen=True, slots=True)
class ControlFlowDistance:
    """How differently work flows: directly-follows frequencies and trace variants."""

    dfg_distance: float
    """Half the L1 distance of the normalised directly-follows edge frequencies (start/end edges included), [0, 1]."""
    variant_jaccard: float
    """Shared variants / variants in either log, [0, 1] (1 = the same set of traces)."""
    variant_overlap: float
    """Frequency-weighted overlap: sum over variants of min(share in A, share in B), [0, 1]."""
    edges_a: int
    edges_b: int
    edges_shared: int
    variants_a: int
    variants_b: int
    variants_shared: int


@dataclass(frozen=True, slots=True)
class BottleneckAgreement:
    """Whether both logs point at the same bottleneck (the stage with the largest share of all waiting)."""

    top_a: str | None
    top_b: str | None
    same_top: bool
    spearman: float
    """Spearman rank correlation of the stages' wait shares (stages missing in one log count 0); NaN if undefined."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """Result of `compare_logs`: tables and distances; `to_dict()` gives a JSON-safe dict (no NaN, no numpy)."""

    sides: tuple[LogSide, LogSide]
    """Log A and log B: names, sizes, measured or estimated wait/work."""
    stages: pd.DataFrame
    """Per stage: presence, visits, both logs' measures (`_a`, `_b`), differences A − B with 95 % Welch intervals,
    relative differences, flags; ranked by `STAGE_RANKING`. See `compare_logs` for the columns."""
    lead_time: LeadTimeDistance
    control_flow: ControlFlowDistance
    bottlenecks: BottleneckAgreement
    edges: pd.DataFrame
    """Per directly-follows edge: source, target, count_a, count_b, share_a, share_b, share_difference (A − B)."""
    distances: LogDistances
    """The distances simulation-model discovery publishes (CTD, RED, AED, CAR, NGD2, CFLD), A against B."""
    lead_times_a_h: np.ndarray = field(repr=False)
    """Lead time of every case of log A, hours (for the CDF plot)."""
    lead_times_b_h: np.ndarray = field(repr=False)
    """Lead time of every case of log B, hours."""

    @property
    def names(self) -> tuple[str, str]:
        """Display names of log A and log B."""
        return self.sides[0].name, self.sides[1].name

    @property
    def mixed_split(self) -> bool:
        """True when one side's wait/work is measured throughout and the other's partly or wholly estimated."""
        return (self.sides[0].estimated_visits > 0) != (self.sides[1].estimated_visits > 0)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe summary: names, sides, ranking rule, distances, bottlenecks, the stage and edge tables."""
        return {
            "names": {"a": self.sides[0].name, "b": self.sides[1].name},
            "sides": {"a": self.sides[0].to_dict(), "b": self.sides[1].to_dict()},
            "stage_ranking": STAGE_RANKING,
            "mixed_split": MIXED_SPLIT if self.mixed_split else None,
            "min_visits": MIN_VISITS,
            "confidence": CONFIDENCE,
            "lead_time": to_json_safe(asdict(self.lead_time)),
            "control_flow": to_json_safe(asdict(self.control_flow)),
            "bottlenecks": to_json_safe(asdict(self.bottlenecks)),
            "log_distances": to_json_safe(self.distances.to_dict()),
            "stages": _records(self.stages),
            "edges": _records(self.edges),
        }


def _records(frame: pd.DataFrame) -> list[object]:
    return [to_json_safe(row) for row in frame.astype(object).to_dict(orient="records")]


def load_stage_map(source: Mapping[str, str] | str | Path) -> dict[str, str]:
    """B → A stage names (B's activity name: the name it gets) from a dict, a YAML mapping, or a two-column CSV.

    A CSV may have a header row `b,a` (or `observed,simulated`, the older spelling: B is then the observed log);
    any other first row is read as data.
    """
    if isinstance(source, Mapping):
        mapping = dict(source)
    else:
        path = Path(source)
        if not path.is_file():
            raise EventLogError(f"{path}: stage map file not found")
        suffix = path.suffix.lower()
        if suffix not in {".yaml", ".yml", ".csv"}:
            raise EventLogError(f"{path}: stage map must be a .yaml, .yml or .csv file (got {suffix or 'no suffix'!r})")
        text = _stage_map_text(path)
        if suffix in {".yaml", ".yml"}:
            mapping = _stage_map_yaml(text, path)
        else:
            try:
                rows = [row for row in csv.reader(io.StringIO(text, newline="")) if row and any(c.strip() for c in row)]
            except csv.Error as exc:
                raise EventLogError(f"{path}: not a readable CSV stage map ({exc}); expected rows 'name in B,name "
                                    f"in A'") from None  # fmt: skip
            if rows and [cell.strip().lower() for cell in rows[0]] in (["b", "a"], ["observed", "simulated"]):
                rows = rows[1:]
            bad = [number for number, row in enumerate(rows, start=1) if len(row) != 2]
            if bad:
                raise EventLogError(f"{path}: stage map rows must have 2 columns (name in B, name in A); "
                                    f"data rows {format_values(bad)} do not")
            mapping = {row[0].strip(): row[1].strip() for row in rows}
    bad_entries = [key for key, value in mapping.items() if not isinstance(key, str) or not isinstance(value, str)]
    if bad_entries:
        raise EventLogError(
            f"stage map: names must be strings (got non-string entries for {format_values(bad_entries)})"
        )
    return mapping


def _stage_map_text(path: Path) -> str:
    """The stage map file as text: UTF-8, at most `MAX_STAGE_MAP_BYTES` (a map of names is small)."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_STAGE_MAP_BYTES + 1)
    except OSError as exc:
        raise EventLogError(f"{path}: cannot read the stage map ({exc})") from None
    if len(data) > MAX_STAGE_MAP_BYTES:
        raise EventLogError(f"{path}: a stage map larger than {MAX_STAGE_MAP_BYTES:,} bytes; expected a short list "
                            f"of names")  # fmt: skip
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EventLogError(f"{path}: the stage map is not UTF-8 text (byte {exc.start + 1}); expected YAML "
                            f"'name in B: name in A' or CSV rows 'name in B,name in A'") from None  # fmt: skip


def _stage_map_yaml(text: str, path: Path) -> dict[str, str]:
    """A YAML stage map: one flat mapping of names. Its parser events are checked before anything is built, so an
    alias ("billion laughs") or a nested value is refused with its line instead of being expanded."""
    expected = "expected one mapping 'name in B: name in A' of plain names"
    try:
        depth = 0
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            nested = isinstance(event, yaml.CollectionStartEvent) and (
                depth > 0 or not isinstance(event, yaml.MappingStartEvent)
            )
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) or nested:
                mark = event.start_mark
                what = "a nested list or mapping" if nested else "an alias or anchor"
                raise EventLogError(f"{path}: line {mark.line + 1}, column {mark.column + 1}: {what}; {expected}")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise EventLogError(f"{path}: not YAML ({where}{exc.problem or exc.context}); {expected}") from None
    except yaml.YAMLError as exc:
        raise EventLogError(f"{path}: not YAML ({exc}); {expected}") from None
    if not isinstance(loaded, dict):
        raise EventLogError(f"{path}: a stage map must be a mapping 'name in B: name in A' (got "
                            f"{type(loaded).__name__})")  # fmt: skip
    return loaded


def apply_stage_map(log: pd.DataFrame, stage_map: Mapping[str, str], name: str) -> pd.DataFrame:
    """`log` with its activities renamed by `stage_map` (activity → stage name; activities it does not name keep
    theirs, several mapped to one stage become one); a name the log does not have is an error naming `name`."""
    names = log[ACTIVITY].astype("string")
    found = set(names.dropna().unique())
    unknown = sorted(set(stage_map) - found)
    if unknown:
        raise EventLogError(
            f"stage map names {format_values(unknown)} are not activities of {name}; "
            f"activities found: {format_values(sorted(found))}"
        )
    renamed = log.copy(deep=False)
    renamed[ACTIVITY] = names.replace(dict(stage_map))
    return renamed


def _stage_measures(stage_times: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Per stage: the summary measures plus the count and sample variance of the known wait and work times."""
    table = summary.set_index(ACTIVITY)[list(_STAGE_MEASURES)]
    table.index = table.index.astype(str)
    grouped = stage_times.groupby(ACTIVITY, sort=False, observed=True)
    for measure in ("wait", "work"):
        column = grouped[f"{measure}_h"]
        spread = pd.DataFrame({f"{measure}_n": column.count(), f"{measure}_var": column.var(ddof=1)})
        spread.index = spread.index.astype(str)
        table = table.join(spread)
    return table


def _welch_interval(
    *,
    mean_a: np.ndarray, var_a: np.ndarray, n_a: np.ndarray, mean_b: np.ndarray, var_b: np.ndarray, n_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`CONFIDENCE` Welch t interval of mean_a − mean_b, element-wise; NaN where a side has fewer than 2 values.

    Standard error sqrt(var_a/n_a + var_b/n_b) and Welch–Satterthwaite degrees of freedom, as
    `scipy.stats.ttest_ind(equal_var=False)`. Where both samples are constant (standard error 0, scipy gives NaN)
    the interval is the difference itself: nothing in the data varies.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        square_a, square_b = var_a / n_a, var_b / n_b
        square = square_a + square_b
        freedom = square**2 / (square_a**2 / (n_a - 1) + square_b**2 / (n_b - 1))
        half = stats.t.ppf(0.5 + CONFIDENCE / 2, freedom) * np.sqrt(square)
    half = np.where(square == 0, 0.0, half)
    half = np.where((n_a >= 2) & (n_b >= 2), half, np.nan)
    difference = mean_a - mean_b
    return difference - half, difference + half


def _supported(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """The bound of each interval closest to 0, or 0 where the interval includes 0; NaN without an interval."""
    return np.where(low > 0, low, np.where(high < 0, high, np.where(np.isnan(low) | np.isnan(high), np.nan, 0.0)))


def _stage_table(measures_a: pd.DataFrame, measures_b: pd.DataFrame) -> pd.DataFrame:
    a, b = measures_a.add_suffix("_a"), measures_b.add_suffix("_b")
    joined = a.join(b, how="outer")
    in_a = joined.index.isin(measures_a.index)
    in_b = joined.index.isin(measures_b.index)
    table = pd.DataFrame(index=joined.index)
    table.index.name = "stage"
    table["present"] = np.where(in_a & in_b, PRESENT_BOTH, np.where(in_a, ONLY_IN_A, ONLY_IN_B))
    for side in ("a", "b"):
        # an absent stage has no visits on that side; its times are unknown (NaN), not 0
        for name in ("visits", "cases"):
            table[f"{name}_{side}"] = joined[f"{name}_{side}"].fillna(0).astype(np.int64)
    both = in_a & in_b
    fewest = np.minimum(table["visits_a"].to_numpy(), table["visits_b"].to_numpy())
    table["small_sample"] = pd.array(np.where(both, fewest < MIN_VISITS, False), dtype="boolean")
    table.loc[~both, "small_sample"] = pd.NA
    for side, present in (("a", in_a), ("b", in_b)):
        flags = pd.array(joined[f"estimated_{side}"].eq(True).to_numpy(dtype=bool), dtype="boolean")
        flags[~present] = pd.NA
        table[f"estimated_{side}"] = flags
    supported = []
    for measure in ("wait", "work"):
        mean_a = joined[f"{measure}_mean_h_a"].to_numpy(dtype=float)
        mean_b = joined[f"{measure}_mean_h_b"].to_numpy(dtype=float)
        low, high = _welch_interval(
            mean_a=mean_a, var_a=joined[f"{measure}_var_a"].to_numpy(dtype=float),
            n_a=joined[f"{measure}_n_a"].to_numpy(dtype=float),
            mean_b=mean_b, var_b=joined[f"{measure}_var_b"].to_numpy(dtype=float),
            n_b=joined[f"{measure}_n_b"].to_numpy(dtype=float),
        )
        column = f"{measure}_mean_h"
        table[f"{column}_a"] = mean_a
        table[f"{column}_b"] = mean_b
        table[f"{column}_difference"] = mean_a - mean_b
        table[f"{column}_difference_ci_low"] = low
        table[f"{column}_difference_ci_high"] = high
        with np.errstate(divide="ignore", invalid="ignore"):
            table[f"{column}_relative"] = np.where(mean_b > 0, (mean_a - mean_b) / mean_b, np.nan)
        supported.append(_supported(low, high))
    wait_supported, work_supported = supported
    take_work = np.isnan(wait_supported) | (np.abs(work_supported) > np.abs(wait_supported))
    table["supported_difference_h"] = np.where(take_work, work_supported, wait_supported)
    total_a = table["wait_mean_h_a"] + table["work_mean_h_a"]
    total_b = table["wait_mean_h_b"] + table["work_mean_h_b"]
    table["total_mean_h_a"] = total_a
    table["total_mean_h_b"] = total_b
    table["total_mean_h_difference"] = total_a - total_b
    with np.errstate(divide="ignore", invalid="ignore"):
        table["total_mean_h_relative"] = np.where(total_b > 0, (total_a - total_b) / total_b, np.nan)
    for measure in ("wait_p85_h", "work_p85_h", "wait_share"):
        table[f"{measure}_a"] = joined[f"{measure}_a"].to_numpy(dtype=float)
        table[f"{measure}_b"] = joined[f"{measure}_b"].to_numpy(dtype=float)
        table[f"{measure}_difference"] = table[f"{measure}_a"] - table[f"{measure}_b"]
    group = np.where(~both, 2, np.where(fewest < MIN_VISITS, 1, 0))
    keys = pd.DataFrame({
        "group": group,
        "supported": -np.abs(table["supported_difference_h"].to_numpy(dtype=float)),
        "total": -np.abs(table["total_mean_h_difference"].to_numpy(dtype=float)),
        "visits": -(table["visits_a"] + table["visits_b"]).to_numpy(),
        "name": table.index.astype(str),
    })
    order = keys.sort_values(["group", "supported", "total", "visits", "name"], kind="stable",
                             na_position="last").index.to_numpy()
    first = ["present", "small_sample", "supported_difference_h", "visits_a", "visits_b", "estimated_a",
             "estimated_b"]
    last = ["cases_a", "cases_b"]
    columns = first + [name for name in table.columns if name not in first and name not in last] + last
    return table.iloc[order][columns].reset_index()


def _lead_time_distance(lead_a: np.ndarray, lead_b: np.ndarray, names: tuple[str, str]) -> LeadTimeDistance:
    for side, name, lead in (("A", names[0], lead_a), ("B", names[1], lead_b)):
        if len(lead) == 0:
            raise EventLogError(f"cannot compare lead times: log {side} ({name}) has no cases")
    wasserstein = float(stats.wasserstein_distance(lead_a, lead_b))
    mean_b = float(lead_b.mean())
    ks = stats.ks_2samp(lead_a, lead_b)
    return LeadTimeDistance(
        wasserstein_h=wasserstein,
        wasserstein_relative=wasserstein / mean_b if mean_b > 0 else float("nan"),
        ks_statistic=float(ks.statistic),
        ks_pvalue=float(ks.pvalue),
        cases_a=len(lead_a),
        cases_b=len(lead_b),
        mean_a_h=float(lead_a.mean()),
        mean_b_h=mean_b,
        p50_a_h=float(np.quantile(lead_a, 0.5)),
        p50_b_h=float(np.quantile(lead_b, 0.5)),
        p85_a_h=float(np.quantile(lead_a, 0.85)),
        p85_b_h=float(np.quantile(lead_b, 0.85)),
    )


def _edge_table(edges_a: pd.DataFrame, edges_b: pd.DataFrame) -> pd.DataFrame:
    a = edges_a.set_index(["source", "target"])["count"].rename("count_a")
    b = edges_b.set_index(["source", "target"])["count"].rename("count_b")
    table = pd.concat([a, b], axis=1).fillna(0).astype(np.int64)
    for side in ("a", "b"):
        total = table[f"count_{side}"].sum()
        table[f"share_{side}"] = table[f"count_{side}"] / total if total > 0 else 0.0
    table["share_difference"] = table["share_a"] - table["share_b"]
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
        edges_a=int((edges["count_a"] > 0).sum()),
        edges_b=int((edges["count_b"] > 0).sum()),
        edges_shared=int(((edges["count_a"] > 0) & (edges["count_b"] > 0)).sum()),
        variants_a=len(variants_a),
        variants_b=len(variants_b),
        variants_shared=shared_variants,
    )


def _variant_cases(log: pd.DataFrame) -> pd.Series:
    """Cases per variant label (`mining.dfg.list_variants`)."""
    variants = list_variants(log)
    return pd.Series(variants["cases"].to_numpy(), index=variants["variant"].astype(str).to_numpy(), name="cases")


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
    return BottleneckAgreement(top_a=top_a, top_b=top_b, same_top=top_a is not None and top_a == top_b,
                               spearman=spearman)


def _side(name: str, stage_times: pd.DataFrame, case_times: pd.DataFrame) -> LogSide:
    return LogSide(name=name, cases=int(stage_times[CASE].nunique()), visits=len(stage_times),
                   estimated_visits=int(stage_times["estimated"].to_numpy(dtype=bool).sum()),
                   unknown_visits=int(stage_times["wait_h"].isna().sum()),
                   unfinished_cases=int((~case_times["finished"]).sum()))


def compare_logs(
    log_a: pd.DataFrame,
    log_b: pd.DataFrame,
    *,
    names: tuple[str, str] = ("A", "B"),
    stage_map: Mapping[str, str] | str | Path | None = None,
    cfld: bool = False,
) -> Comparison:
    """Compare two event logs stage by stage, by lead-time distribution, by control flow and by bottleneck.

    The per-stage table (`Comparison.stages`, one row per stage seen in either log, hours) has the columns:

    * `stage`; `present`: "both", "only in A" or "only in B"; `small_sample`: fewer than `MIN_VISITS` visits on
      either side (NA for a stage in one log only);
    * `visits_a`, `visits_b`, `cases_a`, `cases_b` (0 on the side where the stage is absent);
    * `estimated_a`, `estimated_b`: that side's wait/work split of the stage is estimated from completions, not
      measured from start events (NA where the stage is absent);
    * for `wait_mean_h` and `work_mean_h`: `_a`, `_b`, `_difference` (A − B), `_difference_ci_low` /
      `_difference_ci_high` (the `CONFIDENCE` Welch t interval of the difference of the means, computed from the
      visits' times: standard error sqrt(s²_A/n_A + s²_B/n_B), Welch–Satterthwaite degrees of freedom; NaN with
      fewer than 2 known times on a side), `_relative` (difference / B's value; NaN when B's is 0 or missing);
    * `supported_difference_h`: the largest difference the intervals support, the ranking key (see `STAGE_RANKING`);
    * `total_mean_h_*` (mean wait + mean work: `_a`, `_b`, `_difference`, `_relative`), `wait_p85_h_*`,
      `work_p85_h_*`, `wait_share_*` (`_a`, `_b`, `_difference`).

    Every measure of a side where the stage is absent is NaN, and so are its differences: a stage missing in one
    log is reported absent, never as a −100 % change.

    Args:
        log_a: the first event log (A: a what-if variant, or a simulation).
        log_b: the second event log (B, the reference: differences are A − B, relative differences and the
            normalised Wasserstein distance are relative to B).
        names: display names of A and B for tables, plots and reports. Say "simulated …" / "observed …" here
            only when the log is that; the column names stay `_a` / `_b`.
        stage_map: B → A stage names (dict, or a YAML/CSV file, see `load_stage_map`), applied to `log_b` first.
        cfld: also compute the control-flow log distance (`mining.log_distance`; quadratic in the cases).

    Returns:
        A `Comparison`; comparing a log with itself gives zero distances and identical columns.
    """
    require_columns(log_a)
    require_columns(log_b)
    names = (str(names[0]), str(names[1]))
    if stage_map is not None:
        log_b = apply_stage_map(log_b, load_stage_map(stage_map), f"log B ({names[1]})")
    stages_a = compute_stage_times(log_a)
    stages_b = compute_stage_times(log_b)
    cases_a = compute_case_times(log_a, stage_times=stages_a)
    cases_b = compute_case_times(log_b, stage_times=stages_b)
    summary_a = summarize_stages(stages_a)
    summary_b = summarize_stages(stages_b)
    # the same rule on both sides: lead times of finished cases only (an open case has none yet)
    lead_a = cases_a.loc[cases_a["finished"], "lead_time_h"].to_numpy(dtype=float)
    lead_b = cases_b.loc[cases_b["finished"], "lead_time_h"].to_numpy(dtype=float)
    edges = _edge_table(count_directly_follows(log_a), count_directly_follows(log_b))
    return Comparison(
        sides=(_side(names[0], stages_a, cases_a), _side(names[1], stages_b, cases_b)),
        stages=_stage_table(_stage_measures(stages_a, summary_a), _stage_measures(stages_b, summary_b)),
        lead_time=_lead_time_distance(lead_a, lead_b, names),
        control_flow=_control_flow_distance(edges, _variant_cases(log_a), _variant_cases(log_b)),
        bottlenecks=_bottleneck_agreement(summary_a, summary_b),
        edges=edges,
        distances=log_distances(instances_from_stage_times(stages_a), instances_from_stage_times(stages_b), cfld=cfld),
        lead_times_a_h=lead_a,
        lead_times_b_h=lead_b,
    )
