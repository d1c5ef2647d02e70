"""Tables for people: human column labels, one unit per column, durations and numbers without scientific notation.

`readable_table(frame)` turns a measures table as the results folders hold it (`stages.csv`, `stage_summary.csv`,
`bottlenecks.csv`, `variants.csv`: columns such as `wait_p85_h`, `wait_share`, `utilisation`) into text cells under
labels such as "Wait p85 (h)". A column of durations (name ending in `_h`) is shown in one unit, chosen from the
median of its values (`mining.time_units.column_unit`), named in its label; shares are percentages; counts get
thousands separators. Columns in which no row has a value are left out and returned by name in `unknown`, so a page
can say once what the data lacks instead of printing a column of "n/a".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mining.time_units import UNKNOWN, column_unit, decimals_for, format_number, format_share

__all__ = ["COLUMN_LABELS", "ReadableTable", "column_label", "readable_table"]

COLUMN_LABELS: dict[str, str] = {
    "concept:name": "Activity",
    "stage": "Stage",
    "stream": "Stream",
    "team": "Team",
    "rank": "#",
    "visits": "Visits",
    "cases": "Cases",
    "length": "Steps",
    "variant": "Variant",
    "resources": "Resources",
    "peak_queue": "Peak queue",
    "mean_queue_length": "Mean queue length",
    "throughput_per_day": "Throughput (per day)",
    "utilisation": "Utilisation",
    "rework_rate": "Rework rate",
    "wait_share": "Share of all waiting",
    "share": "Share of cases",
    "estimated": "Estimated",
    "visits_with_cause": "Visits with a known wait cause",
    "wait_total_h": "Wait, total",
    "wait_contention_mean_h": "Wait: person busy, mean",
    "wait_other_mean_h": "Wait: other cause, mean",
    "wait_handoff_mean_h": "Wait: hand-off, mean",
    "wait_gate_mean_h": "Wait: cadence gate, mean",
    "wait_batch_mean_h": "Wait: batch, mean",
    "wait_people_mean_h": "Wait: people busy, mean",
    "wait_off_duty_mean_h": "Wait: off duty, mean",
    "wait_escalated_mean_h": "Wait: escalated, mean",
    "elapsed_mean_h": "Time elapsed before, mean",
    "elapsed_share": "Share of the time elapsed before stages",
    "split_known": "Wait/work split known",
    "wip": "WIP (mean cases in the system)",
    "wip_max": "WIP (most cases at once)",
    "sla_attainment": "SLA attainment",
    "unfinished_share": "Unfinished (share)",
    "flow_efficiency_total": "Flow efficiency (total work ÷ total lead)",
    "flow_efficiency_mean": "Flow efficiency (mean per case)",
    "lead_time_km_p50_h": "Lead time p50 (Kaplan–Meier)",
    "lead_time_km_p85_h": "Lead time p85 (Kaplan–Meier)",
}
"""Labels of the columns that a generic rule (`column_label`) would not name well; units are added to durations."""

_SHARES = {"wait_share", "share", "elapsed_share", "split_known", "utilisation", "rework_rate", "unfinished_share",
           "sla_attainment", "flow_efficiency_total", "flow_efficiency_mean"}
_STATISTIC = re.compile(r"^(?P<measure>[a-z_]+?)_(?P<statistic>mean|p\d+|total|max|min|sd)$")


def column_label(name: str, unit: str | None = None) -> str:
    """The label of column `name` for people: `COLUMN_LABELS`, else `wait_p85_h` → 'Wait p85', `lead_time_mean_h` →
    'Lead time mean'; with `unit` ('h', 'd', …) the unit in brackets: 'Wait p85 (h)'."""
    base = name[:-2] if name.endswith("_h") else name
    if name in COLUMN_LABELS:
        label = COLUMN_LABELS[name]
    else:
        match = _STATISTIC.match(base)
        words = (f"{match['measure']} {match['statistic']}" if match else base).replace("_", " ").strip()
        label = words[:1].upper() + words[1:]
    return f"{label} ({unit})" if unit else label


def _is_unknown(series: pd.Series) -> bool:
    return bool(series.isna().all())


@dataclass
class ReadableTable:
    """A table as text cells under human labels, and the columns left out because no row has a value."""

    frame: pd.DataFrame
    unknown: list[str] = field(default_factory=list)
    """Labels (without unit) of the columns in which every value is unknown."""


def _cells(name: str, series: pd.Series) -> tuple[str, list[str]]:
    """(label, text cells) of one column."""
    values = series.tolist()
    if name.endswith("_h") and pd.api.types.is_numeric_dtype(series):
        unit, factor = column_unit(series.astype(float).tolist())
        scaled = series.astype(float) * factor
        finite = scaled[np.isfinite(scaled) & (scaled != 0)].abs()  # zeros read "0" whatever the digits
        median = float(finite.median()) if len(finite) else 0.0
        decimals = 0 if unit in ("min", "s") and median >= 1 else decimals_for(median)
        return column_label(name, unit), [format_number(value, decimals) for value in scaled]
    if pd.api.types.is_bool_dtype(series) or (series.dropna().map(type).isin([bool, np.bool_]).all()
                                              and series.notna().any() and series.dtype == object):
        return column_label(name), ["" if pd.isna(value) else "yes" if value else "no" for value in values]
    if name in _SHARES and pd.api.types.is_numeric_dtype(series):
        return column_label(name) + " (%)", [format_share(value).removesuffix("%") for value in series.astype(float)]
    if pd.api.types.is_integer_dtype(series):
        return column_label(name), [format_number(int(value)) for value in values]
    if pd.api.types.is_numeric_dtype(series):
        numbers = series.astype(float)
        finite = numbers[np.isfinite(numbers)]
        whole = bool(len(finite)) and bool((finite == finite.round()).all())
        decimals = 0 if whole else 2 if len(finite) and 1 <= finite.abs().median() < 10 else \
            decimals_for(float(finite.abs().median())) if len(finite) else 0
        return column_label(name), [format_number(value, decimals) for value in numbers]
    return column_label(name), ["" if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
                                else str(value) for value in values]


def readable_table(frame: pd.DataFrame, *, keep_unknown: bool = False) -> ReadableTable:
    """`frame` as text cells under human labels; columns with no known value are left out (unless `keep_unknown`)
    and named in the result's `unknown`. An unknown cell in a kept column reads 'n/a'."""
    columns: dict[str, list[str]] = {}
    unknown: list[str] = []
    for name in frame.columns:
        series = frame[name]
        if not keep_unknown and len(series) and _is_unknown(series):
            unknown.append(column_label(str(name)))
            continue
        label, cells = _cells(str(name), series)
        columns[label] = [UNKNOWN if cell == UNKNOWN else cell for cell in cells]
    return ReadableTable(pd.DataFrame(columns, index=range(len(frame))), unknown)
