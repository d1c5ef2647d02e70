"""How a sweep's variants tables read for people: the cells of the console and report tables, and the verdict.

The tables of `sim.variants.compare_variants` hold hours and fractions 0–1 (the CSV and JSON keep them so). Here,
for people, every duration column of a table is shown in one unit chosen for the table, shares are shown in %, and
differences of shares in percentage points (pp); each header names its unit. A measure's cell reads
``mean ± 95% CI half-width``, and beside it the paired difference to the baseline ``Δ ± half-width``, marked
``real`` when that interval excludes 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from flowlab.variant_comparison import WINNER_MEASURE, find_winner
from mining.plots_common import choose_time_unit

__all__ = [
    "BOTTLENECK_HEADER",
    "GROUP_HEADERS",
    "GROUP_KEYS",
    "REAL_MARK",
    "REFERENCE",
    "describe_variants",
    "duration_unit",
    "group_file",
    "verdict_lines",
]

REAL_MARK = "real"
"""Appended to a difference whose paired 95% CI excludes 0."""
GROUP_HEADERS = {"item": "item class", "stream": "stream"}
"""Header of the group column of a per-class or per-stream table."""
GROUP_KEYS = {"item": "by_class", "stream": "by_stream"}
"""Grouping -> its key in sweep.json; its table is ``variants_<key>.csv``."""


def group_file(by: str) -> str:
    """The file name of the sweep's table per work item class (`by="item"`) or per stream (`by="stream"`)."""
    return f"variants_{GROUP_KEYS[by]}.csv"


@dataclass(frozen=True, slots=True)
class _Shown:
    stem: str
    label: str
    kind: str  # "duration" (hours), "share" (fraction 0–1) or "rate" (cases per day)
    unit: str = ""  # column-name suffix in the table


_SHOWN = (
    _Shown("lead_time_mean", "lead time mean", "duration", "_h"),
    _Shown("lead_time_p85", "lead time p85", "duration", "_h"),
    _Shown("flow_efficiency_total", "flow efficiency (total work / total lead time)", "share"),
    _Shown("throughput", "throughput", "rate", "_per_day"),
    _Shown("sla_attainment", "SLA attainment", "share"),
)
BOTTLENECK_HEADER = "top bottleneck (% of waiting; team % busy)"
REFERENCE = "—"
"""The baseline's cell in a Δ column: it is the reference."""


def duration_unit(table: pd.DataFrame) -> tuple[str, float]:
    """One unit for every duration of `table` (a `compare_variants` table), as (name, factor from hours)."""
    longest = pd.concat([table["lead_time_mean_h"], table["lead_time_p85_h"]]).abs().max()
    return choose_time_unit(float(longest) if pd.notna(longest) else 1.0)


def describe_variants(table: pd.DataFrame, group: str | None = None, *, baseline: str = "baseline") -> pd.DataFrame:
    """The `compare_variants` table as text: per measure a column ``label (unit)`` and its ``Δ label (unit)``.

    The baseline's difference reads ``—`` (it is the reference); the top bottleneck reads ``Stage (62% of
    waiting; team 83% busy)``.
    """
    unit, factor = duration_unit(table)
    shown: dict[str, list[str]] = {"variant": table["variant"].astype(str).tolist()}
    if group is not None:
        shown[GROUP_HEADERS[group]] = table[group].astype(str).tolist()
    is_baseline = (table["variant"] == baseline).tolist()
    for measure in _SHOWN:
        scale, own_unit, difference_unit = {
            "duration": (factor, unit, unit),
            "share": (100.0, "%", "pp"),
            "rate": (1.0, "cases/day", "cases/day"),
        }[measure.kind]
        own = zip(table[f"{measure.stem}{measure.unit}"], table[f"{measure.stem}_ci{measure.unit}"], strict=True)
        shown[f"{measure.label} ({own_unit})"] = [_interval(mean * scale, half * scale) for mean, half in own]
        differences = zip(
            table[f"{measure.stem}_diff{measure.unit}"],
            table[f"{measure.stem}_diff_ci{measure.unit}"],
            table[f"{measure.stem}_diff_real"],
            is_baseline,
            strict=True,
        )
        shown[f"Δ {measure.label} ({difference_unit})"] = [
            REFERENCE if reference else _difference(mean * scale, half * scale, bool(real))
            for mean, half, real, reference in differences
        ]
    shown[BOTTLENECK_HEADER] = [
        _bottleneck(stage, team, share, utilisation)
        for stage, team, share, utilisation in zip(
            table["bottleneck"],
            table["bottleneck_team"],
            table["bottleneck_wait_share"],
            table["bottleneck_utilisation"],
            strict=True,
        )
    ]
    return pd.DataFrame(shown)


def verdict_lines(table: pd.DataFrame, *, baseline: str = "baseline") -> list[str]:
    """What the sweep says about the mean lead time: one line per variant, then the winner or why there is none.

    A variant differs for real only when the paired 95% CI of its difference to the baseline excludes 0; it wins
    only when, in addition, the difference is a reduction (the largest such). `table` is a `compare_variants` table
    without grouping.
    """
    unit, factor = duration_unit(table)
    stem, suffix = WINNER_MEASURE.stem, WINNER_MEASURE.unit
    lines = []
    for row in table.loc[table["variant"] != baseline].to_dict("records"):
        mean, half = row[f"{stem}_diff{suffix}"] * factor, row[f"{stem}_diff_ci{suffix}"] * factor
        interval = (
            "no interval"
            if math.isnan(half) or math.isnan(mean)
            else f"95% CI {_number(mean - half, signed=True)} to {_number(mean + half, signed=True)} {unit}"
        )
        if not row[WINNER_MEASURE.real_column]:
            verdict = "no real difference"
        else:
            verdict = "real: " + ("shorter" if mean < 0 else "longer")
        lines.append(f"{row['variant']}: mean lead time {_number(mean, signed=True)} {unit} ({interval}) — {verdict}")
    winner = find_winner(table)
    if winner is not None:
        row = table.set_index("variant").loc[winner]
        shorter = -row[f"{stem}_diff{suffix}"] * factor
        lines.append(f"winner: {winner} (mean lead time {_number(shorter)} {unit} shorter than the baseline's)")
    elif table[WINNER_MEASURE.real_column].any():
        lines.append("winner: none — no variant shortens the mean lead time by a real difference")
    else:
        lines.append("winner: none — no real difference in mean lead time from the baseline")
    return lines


def _decimals(value: float) -> int:
    magnitude = abs(value)
    return 0 if magnitude >= 100 else 1 if magnitude >= 1 else 2


def _number(value: float, *, signed: bool = False, decimals: int | None = None) -> str:
    if math.isnan(value):
        return "n/a"
    places = _decimals(value) if decimals is None else decimals
    return f"{value:+,.{places}f}" if signed else f"{value:,.{places}f}"


def _interval(mean: float, half_width: float, *, signed: bool = False) -> str:
    """``mean ± half-width`` with both parts to the decimals of the mean; ``± n/a`` without an interval."""
    if math.isnan(mean):
        return "n/a"
    places = _decimals(mean if mean != 0 else half_width if not math.isnan(half_width) else 0.0)
    half = "n/a" if math.isnan(half_width) else _number(half_width, decimals=places)
    return f"{_number(mean, signed=signed, decimals=places)} ± {half}"


def _difference(mean: float, half_width: float, real: bool) -> str:
    text = _interval(mean, half_width, signed=True)
    return f"{text} {REAL_MARK}" if real else text


def _bottleneck(stage: object, team: object, share: object, utilisation: object) -> str:
    if not isinstance(stage, str) or not stage:
        return "none (nothing waited)"
    parts = [] if not isinstance(share, float) or math.isnan(share) else [f"{share:.0%} of waiting"]
    if isinstance(team, str) and isinstance(utilisation, float) and not math.isnan(utilisation):
        parts.append(f"{team} {utilisation:.0%} busy")
    return f"{stage} ({'; '.join(parts)})" if parts else stage
