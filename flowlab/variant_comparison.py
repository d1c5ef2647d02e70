"""Variants of a scenario judged against the baseline by paired differences over common random numbers.

Every variant of a sweep runs with the same seed (`sim.variants.run_variants`), so replication r of each sees the
same arrivals and work-time draws where the variants agree. `compare_variants` therefore judges each variant by its
*paired* difference to the baseline: replication r of the variant minus replication r of the baseline, with a t
interval over those differences (`mining.estimates.paired_difference`). A difference is real only when that 95%
interval excludes 0; two overlapping per-variant intervals say nothing, since the variants' values move together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from flowlab.run_results import GROUPINGS, RunResults
from mining.estimates import Estimate, confidence_interval, paired_difference

__all__ = [
    "BOTTLENECK_COLUMNS",
    "COMPARED_MEASURES",
    "WINNER_MEASURE",
    "ComparedMeasure",
    "compare_variants",
    "find_winner",
]


@dataclass(frozen=True, slots=True)
class ComparedMeasure:
    """A measure of `RunResults.measures` (`mining.flow_measures.MEASURE_COLUMNS`) as the variants table shows it.

    Its columns are the stem with a qualifier and then the unit: ``lead_time_mean_h`` (the mean across
    replications), ``lead_time_mean_ci_h`` (its 95% CI half-width), ``lead_time_mean_diff_h`` (the paired difference
    to the baseline), ``lead_time_mean_diff_ci_h`` (its 95% CI half-width) and ``lead_time_mean_diff_real`` (True
    when that interval excludes 0).
    """

    source: str
    """Column of `RunResults.measures`."""
    stem: str
    unit: str
    """Column-name suffix of the unit: ``_h`` hours, ``_per_day`` cases per day, empty for a fraction 0–1 or a count."""

    def column(self, qualifier: str = "") -> str:
        """The column name with `qualifier` (``""``, ``"_ci"``, ``"_diff"``, ``"_diff_ci"``) before the unit."""
        return f"{self.stem}{qualifier}{self.unit}"

    @property
    def real_column(self) -> str:
        """The column saying whether the paired difference is real (its interval excludes 0)."""
        return f"{self.stem}_diff_real"


COMPARED_MEASURES = (
    ComparedMeasure("lead_time_mean_h", "lead_time_mean", "_h"),
    ComparedMeasure("lead_time_p85_h", "lead_time_p85", "_h"),
    ComparedMeasure("flow_efficiency_total", "flow_efficiency_total", ""),
    ComparedMeasure("flow_efficiency_mean", "flow_efficiency_mean", ""),
    ComparedMeasure("throughput_per_day", "throughput", "_per_day"),
    ComparedMeasure("wip", "wip", ""),
    ComparedMeasure("sla_attainment", "sla_attainment", ""),
)
"""The measures of the variants table, in column order."""

WINNER_MEASURE = COMPARED_MEASURES[0]
"""A variant wins by a real reduction of the mean lead time."""

BOTTLENECK_COLUMNS = ("bottleneck", "bottleneck_team", "bottleneck_wait_share", "bottleneck_utilisation")


def compare_variants(
    results: Mapping[str, RunResults], *, baseline: str | None = None, by: str | None = None
) -> pd.DataFrame:
    """Each variant's measures with their 95% CIs and its paired difference to the baseline, in one table.

    One row per variant (with `by` = ``"item"`` or ``"stream"``: per variant and work item class or stream, the
    group in the second column), in the order of `results`: ``variant``, the group, ``completed`` (cases over all
    replications), then for each of `COMPARED_MEASURES` its mean across replications, CI half-width, paired
    difference variant − baseline, that difference's CI half-width and whether it is real (see `ComparedMeasure`),
    then the top bottleneck: stage, team, its share of the waiting (0–1) and its team's utilisation (0–1). The
    baseline's own difference is 0 ± 0. Durations are in hours, shares are fractions 0–1.

    Args:
        results: variant name -> its results, every variant run with the same seed and replication numbers.
        baseline: the name to compare with (default: the first).
        by: None for the whole of each run, or one of `GROUPINGS`.

    Raises:
        ValueError: `baseline` is not a variant, `by` is not a grouping, or a variant's replications are not the
            baseline's (they could not be paired).
    """
    if not results:
        raise ValueError("compare_variants needs at least one variant (got none)")
    baseline = next(iter(results)) if baseline is None else baseline
    if baseline not in results:
        raise ValueError(f"baseline {baseline!r} is not one of the variants ({', '.join(map(repr, results))})")
    if by is not None and by not in GROUPINGS:
        raise ValueError(f"cannot compare variants by {by!r}; choose one of {', '.join(GROUPINGS)}")
    measures = {name: _per_replication(run, by) for name, run in results.items()}
    groups = list(dict.fromkeys(group for frame in measures.values() for group in frame))
    rows = []
    for name, run in results.items():
        bottlenecks = _bottlenecks(run, by)
        for group in groups:
            rows.append(
                {
                    "variant": name,
                    **({} if by is None else {by: group}),
                    **_compared(name, measures[name].get(group), measures[baseline].get(group), baseline),
                    **bottlenecks.get(group, dict.fromkeys(BOTTLENECK_COLUMNS)),
                }
            )
    return pd.DataFrame(rows)


def find_winner(table: pd.DataFrame) -> str | None:
    """The variant whose mean lead time is shorter than the baseline's by the most, among the real reductions.

    `table` is a `compare_variants` table without grouping. None when no variant shortens the mean lead time by a
    real difference (its paired 95% CI excludes 0): overlapping or equal results name no winner.
    """
    difference = WINNER_MEASURE.column("_diff")
    better = table.loc[table[WINNER_MEASURE.real_column].astype(bool) & (table[difference] < 0)]
    return None if better.empty else str(better.loc[better[difference].idxmin(), "variant"])


def _per_replication(run: RunResults, by: str | None) -> dict[Any, pd.DataFrame]:
    """group (None for the whole run) -> its measures per replication, indexed by replication number."""
    if by is None:
        return {None: run.measures.set_index("replication")}
    table = run.group_measures(by)
    return {group: rows.drop(columns=by).set_index("replication") for group, rows in table.groupby(by, sort=False)}


def _compared(
    name: str, variant: pd.DataFrame | None, baseline: pd.DataFrame | None, baseline_name: str
) -> dict[str, Any]:
    """The measure columns of one variant (and group); a group missing on one side has NaN values there."""
    present = variant if variant is not None else baseline
    replications = present.index if present is not None else pd.Index([], name="replication")
    row: dict[str, Any] = {"completed": 0 if variant is None else int(variant["completed"].sum())}
    for measure in COMPARED_MEASURES:
        values = _values(variant, measure.source, replications)
        try:
            difference = paired_difference(values, _values(baseline, measure.source, replications))
        except ValueError as error:
            raise ValueError(f"variant {name!r} against {baseline_name!r}: {error}") from None
        row |= _estimate_columns(measure, confidence_interval(values), difference)
    return row


def _values(frame: pd.DataFrame | None, source: str, replications: pd.Index) -> pd.Series:
    """One measure per replication; NaN for every replication when the run has no such group."""
    if frame is None:
        return pd.Series(math.nan, index=replications, dtype="float64")
    return frame[source].astype("float64")


def _estimate_columns(measure: ComparedMeasure, own: Estimate, difference: Estimate) -> dict[str, Any]:
    return {
        measure.column(): own.mean,
        measure.column("_ci"): own.half_width,
        measure.column("_diff"): difference.mean,
        measure.column("_diff_ci"): difference.half_width,
        measure.real_column: difference.excludes_zero,
    }


def _bottlenecks(run: RunResults, by: str | None) -> dict[Any, dict[str, Any]]:
    """group (None for the whole run) -> the `BOTTLENECK_COLUMNS` of its top bottleneck."""
    if by is None:
        top = run.summary.bottleneck
        found = [] if top is None else [(None, top.stage, top.team, top.wait_share, top.utilisation)]
    else:
        table = run.group_bottlenecks(by)
        found = list(table[[by, "stage", "team", "wait_share", "utilisation"]].itertuples(index=False, name=None))
    return {group: dict(zip(BOTTLENECK_COLUMNS, values, strict=True)) for group, *values in found}
