"""The headline measures as people read them: one label and one rendering per measure, for the console and the report.

`flowlab run` and `flowlab mine` print these rows and `report.html` shows the same rows, built from the same values
(the run's `Summary` and the mined log's flow summary, as `summary.json` holds them), so a measure has one name and
one number wherever it appears. A run's values are estimates ``{"mean", "half_width", "n"}`` (shown as
``mean ± half-width``); a mined log's are plain numbers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from mining.time_units import choose_time_unit, decimals_for, format_hours, format_number, format_share

__all__ = [
    "FLOW_EFFICIENCY_MEAN",
    "FLOW_EFFICIENCY_TOTAL",
    "HEADLINE_NOTE",
    "constraint_rows",
    "headline_rows",
    "render_estimate",
]

HEADLINE_NOTE = (
    "completed: cases that arrived in the window and finished by its end; Kaplan–Meier: the unfinished cases counted "
    "as censored at the end (a quantile it cannot reach is n/a); flow efficiency: work ÷ lead time, as a ratio of "
    "totals and as a mean of the cases' own ratios"
)
"""What the labels' qualifiers mean; shown under the headline in the console and the report."""

FLOW_EFFICIENCY_TOTAL = "flow efficiency (total work ÷ total lead)"
FLOW_EFFICIENCY_MEAN = "flow efficiency (mean per case)"


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("mean")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _rate(value: float) -> str:
    return format_number(value, decimals=2)


def render_estimate(value: Any, kind: str, unit: tuple[str, float] | None = None) -> str:
    """A value (plain, or an estimate ``{"mean", "half_width", "n"}``) as text: ``n/a`` when unknown, and
    ``mean ± half-width`` in one unit when the estimate has an interval (two or more replications).

    `kind` is ``duration`` (hours), ``share`` (0–1, shown in %) or ``rate`` (two decimals); a duration is shown in
    `unit` (a table column's, from `mining.time_units.column_unit`) or else in the unit that suits its mean.
    """
    mean = _number(value)
    if mean is None:
        return "n/a"
    render: Callable[[float], str]
    if kind == "duration":
        unit = unit if unit is not None else choose_time_unit(mean)
        digits = 0 if unit[0] in ("min", "s") and abs(mean * unit[1]) >= 1 else decimals_for(mean * unit[1])
        render = lambda hours: format_hours(hours, unit, decimals=digits)  # noqa: E731 - one unit and precision
    else:
        render = format_share if kind == "share" else _rate
    half = _number(value.get("half_width")) if isinstance(value, Mapping) else None
    return render(mean) if half is None else f"{render(mean)} ± {render(half)}"


_ROWS = (
    ("lead time mean (completed)", "lead_time_mean_h", "duration"),
    ("lead time p50 (completed)", "lead_time_p50_h", "duration"),
    ("lead time p85 (completed)", "lead_time_p85_h", "duration"),
    ("lead time p95 (completed)", "lead_time_p95_h", "duration"),
    ("lead time p50 (Kaplan–Meier)", "lead_time_km_p50_h", "duration"),
    ("lead time p85 (Kaplan–Meier)", "lead_time_km_p85_h", "duration"),
    (FLOW_EFFICIENCY_TOTAL, "flow_efficiency_total", "share"),
    (FLOW_EFFICIENCY_MEAN, "flow_efficiency_mean", "share"),
    ("throughput (cases per day)", "throughput_per_day", "rate"),
    ("WIP (mean cases in the system)", "wip", "rate"),
    ("SLA attainment (completed)", "sla_attainment", "share"),
)


def headline_rows(values: Mapping[str, Any], *, end: str) -> list[tuple[str, str]]:
    """(label, text) of each headline measure in `values` (a run's `Summary.to_dict()` or a mined log's flow
    summary): completed and unfinished cases, lead time, both flow efficiencies, throughput, WIP, SLA attainment.

    `end` names the moment unfinished cases are counted at ("the horizon", "the end of the log"). A measure the
    values do not hold is left out; one they hold as unknown shows ``n/a``.
    """
    completed = values.get("completed_cases", values.get("completed"))
    replications = values.get("replications")
    unfinished = values.get("unfinished_cases", values.get("unfinished"))
    rows: list[tuple[str, str]] = []
    if isinstance(replications, int) and replications > 1 and "completed" in values:
        rows.append(("replications in the log", f"{replications} (throughput and WIP per replication)"))
    if completed is not None:
        rows.append(("completed cases", f"{int(completed):,}"))
    if unfinished is not None:
        share = render_estimate(values.get("unfinished_share"), "share")
        rows.append((f"unfinished at {end} (share)", f"{int(unfinished):,} ({share})"))
    # where a log lacks start events the wait/work split is estimated (DESIGN.md): the work-based rows say so
    # the resource rule gives the longest work the log allows, so an estimated flow efficiency is an upper bound
    mark = " (estimated: an upper bound)" if values.get("estimated") is True else ""
    for label, key, kind in _ROWS:
        if key in values:
            text = render_estimate(values[key], kind)
            rows.append((label, text + mark if key.startswith("flow_efficiency") and text != "n/a" else text))
    return rows


def constraint_rows(values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, text) of a run's constraint (the busiest team) and its largest wait (the stage with most waiting),
    named apart: a stage can hold most of the waiting while its team is far from busy."""
    rows: list[tuple[str, str]] = []
    constraint = values.get("constraint")
    if isinstance(constraint, Mapping):
        rows += [
            (
                "constraint (busiest team)",
                f"{constraint.get('team')}, {render_estimate(constraint.get('utilisation'), 'share')} utilised",
            ),
            ("constraint: its stage with most waiting", str(constraint.get("stage"))),
        ]
    bottleneck = values.get("bottleneck")
    if isinstance(bottleneck, Mapping):
        rows += [
            (
                "largest wait (stage)",
                f"{bottleneck.get('stage')}: {render_estimate(bottleneck.get('wait_share'), 'share')} of all waiting",
            ),
            (
                "largest wait: mean wait, team",
                f"{render_estimate(bottleneck.get('wait_mean_h'), 'duration')}; {bottleneck.get('team')} "
                f"{render_estimate(bottleneck.get('utilisation'), 'share')} utilised",
            ),
        ]
    elif "bottleneck" in values:
        rows.append(("largest wait (stage)", "none (nothing waited)"))
    return rows
