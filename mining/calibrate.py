"""Discover a simulation scenario from an event log: arrivals, routing, work times, resource pools and their hours,
and the delays the resources do not explain, each with the evidence it came from.

The result is a scenario *document* in the scenario-file format (plain dicts and lists, durations as strings with
units, see `scenarios/README.md`) plus a note per number saying where it came from; `flowlab calibrate` writes it as
commented YAML and `sim` validates and runs it. This module never imports `sim`: the scenario format is the contract.

What is discovered, and by which rule (each stated in the scenario's comments):
- **arrivals**: when the rate follows the week (a Kruskal–Wallis test of the arrivals per observed hour, grouped by
  hour of the week, p < `WEEKLY_P`), a Poisson process with that weekly profile (`kind: weekly`: the arrivals per hour
  of the week divided by how often that hour occurred); otherwise a renewal process whose gaps are fitted like work
  times (`kind: renewal`); with less than two weeks observed, one constant rate; arrivals that drift (the last
  `RECENT_SHARE` of the span more than `DRIFT` off the whole span's level, significantly) are scaled to the recent
  level. Measured on the real logs (benchmarks/calibration_generalisation.py): CAR 812 → 162 h on BPIC 2013
  incidents, 11,361 → 4,540 h and 7,738 → 2,570 h on its closed and open problems, 2,781 → 3,582 h on helpdesk
  (whose arrivals fell again after its split);
- **which cases**: those that arrived before the log's last stretch (`_settled_cases`): near its end a log holds
  only the short cases among those that began there, which would make arrivals sparse, loops rare and delays short;
- **routing**: a first-order Markov chain (`flow`) from the cases' activity sequences (ordered by start), over *visit
  states*: an activity's first, second, … up to `REPEAT_STATES`-th-and-later visit in a case are stages of their own
  (writing the same `activity` in the log), so the number of repeats follows the log's own counts instead of the
  geometric one a chain over activities imposes; for each state, the share of its visits followed by each state or
  by the end. Measured on BPI Challenge 2012 W (benchmarks/calibration.py, chosen on the train split's own last
  weeks): repeats 3 gives the lowest cycle-time distance there (5.7 h vs 6.9 h for a chain over activities);
- **work time** per activity: exponential, lognormal and gamma fitted by maximum likelihood (`scipy.stats`), the
  one with the lowest AIC kept among those whose mean is within `MEAN_TOLERANCE` of the observed mean (the observed
  quantiles when none is: the mean is what loads the teams); a constant when every value is the same; the observed
  values themselves (empirical) with fewer than `MIN_FIT` known values;
- **resource pools**: activities whose resource sets overlap (Jaccard ≥ `POOL_OVERLAP`) share a team; its size is
  the median number of its resources seen working per active day, its calendar the weekdays and hours in which it
  starts and completes its work (2.5 % and 97.5 % quantiles, to the half hour, `mining.shifts.learn_calendar`); never
  fewer people than the median of the days' peaks of its visits in progress at once (`mining.pool_size`); where
  its regular people keep different hours (an early and a late shift), its people in groups, each with its own
  calendar and head count (`mining.shifts.people_groups`);
- **extraneous delays**: the part of each visit's wait that its team's queueing does not explain (by default the
  hours not all of the team was busy, `mining.wait_causes.compute_pool_contention`, as the simulated pool behaves),
  measured by one of `DELAY_RULES` (by default until the item could have started), per way
  into the activity (from each activity before it: a call-back waits for a customer, a re-check does not), written
  as the flow's `flow_delays` (their observed quantiles: delays are mostly zero with a long tail) where the mean is
  above `MIN_DELAY_H`.
What a log cannot give is said in `Calibration.notes`, never filled in silently: without start events, the time from
the visit before to each completion is one delay per way into the activity (`flow_delays`) and the work an instant;
without resources, pools are sized by the most visits seen in progress at once. Measured on the real logs
(benchmarks/calibration_generalisation.py, 3 seeds): the team-size floor takes production's CTD from 550 to 436 h;
per-way delays on complete-only logs cut CAR (BPIC 2013 closed problems 4,540 → 1,508 h, open 2,570 → 1,213 h) and
AED, and move CTD by -5% to +7% (helpdesk 147 → 157 h).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mining.codes import timestamps_ns
from mining.columns import ACTIVITY, CASE, RESOURCE, TIMESTAMP
from mining.compare import apply_stage_map
from mining.dfg import END_NODE, START_NODE, count_directly_follows
from mining.pool_size import raise_to_concurrency
from mining.shifts import WEEKDAYS, learn_calendar, on_duty_by_hour, people_groups
from mining.stage_times import compute_case_times, compute_stage_times, require_columns
from mining.time_units import duration_hours
from mining.wait_causes import compute_pool_contention, compute_wait_causes
from mining.working_hours import last_opening, working_hours_between

__all__ = ["MIN_FIT", "REPEAT_STATES", "Calibration", "calibrate_log", "fit_duration"]

MIN_FIT = 20
"""Fewest known values for a parametric fit; below, the values themselves are used (empirical)."""
POOL_OVERLAP = 0.5
"""Jaccard similarity of two activities' resource sets above which they are served by one team."""
MIN_DELAY_H = 0.25
"""Mean unexplained wait (hours) above which an activity gets an extraneous delay (`handoff`)."""
MEAN_TOLERANCE = 0.10
"""How far a fitted family's mean may be from the observed mean (relative) to be kept."""
MAX_SAMPLES = 200
"""Most values written into an empirical distribution."""
STREAM = "calibrated"
RECENT_SHARE = 0.2
"""The last part of the observed span (share of it) whose arrival level is compared with the whole's."""
DRIFT = 0.2
"""Relative difference of the recent arrival level from the whole span's above which (and significant: a two-sided
Poisson test, p < `WEEKLY_P`) the recent level is the one simulated: a log whose arrivals grow or fade over the years
is simulated at the level it ended with, not at its average."""
WEEKLY_P = 0.01
"""Below this p-value of a Kruskal–Wallis test of the arrivals per observed hour grouped by hour of the week (the
weeks as replicates), the arrivals get a weekly profile; otherwise a renewal process with fitted gaps (which keeps
their burstiness)."""


@dataclass(frozen=True)
class Fit:
    """A duration distribution as a scenario spec, the family chosen, the values it came from and its evidence."""

    spec: dict[str, Any]
    family: str
    n: int
    note: str
    ks_statistic: float = math.nan


@dataclass
class Calibration:
    """A discovered scenario document, the provenance of its numbers, and the tables behind them."""

    scenario: dict[str, Any]
    comments: dict[tuple[str, ...], str] = field(default_factory=dict)
    """Where a number came from, by its path in the document (e.g. ``("streams", "calibrated", "stages", "0",
    "work")``)."""
    notes: list[str] = field(default_factory=list)
    """What the log could not tell, and what was assumed instead."""
    work_fits: pd.DataFrame = field(default_factory=pd.DataFrame)
    routing: pd.DataFrame = field(default_factory=pd.DataFrame)
    arrivals: pd.DataFrame = field(default_factory=pd.DataFrame)
    pools: pd.DataFrame = field(default_factory=pd.DataFrame)
    observed_work_h: dict[str, np.ndarray] = field(default_factory=dict)
    """The work times each activity's fit was made from (hours), for the fitted-vs-observed plot."""
    on_duty: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Per team and hour of the week, the people the log shows working beside those the calendars put on duty."""


def _hours_text(hours: float) -> str:
    """Hours as a duration string the scenario format reads, to the millisecond ('0.5h' style, seconds below 1 h)."""
    seconds = max(float(hours), 0.0) * 3600.0
    if seconds >= 3600.0:
        return f"{seconds / 3600.0:.6g}h"
    if seconds >= 60.0:
        return f"{seconds / 60.0:.6g}m"
    return f"{max(seconds, 0.001):.6g}s"


def _short(spec: dict[str, Any]) -> str:
    """A spec for a table cell: an empirical one by its number of samples, the others by their parameters."""
    if spec["kind"] == "empirical":
        return f"empirical, {len(spec['samples'])} samples"
    return ", ".join(f"{key} {value}" for key, value in spec.items() if key != "kind")


def fit_duration(values_h: Iterable[float], what: str) -> Fit:
    """The distribution spec for durations `values_h` (hours): exponential, lognormal or gamma by lowest AIC
    (maximum likelihood, location 0) among those keeping the observed mean, a constant when all are equal,
    empirical below `MIN_FIT` values or when no family keeps the mean."""
    values = np.asarray([value for value in values_h if np.isfinite(value) and value >= 0], dtype=float)
    n = len(values)
    if n == 0:
        raise ValueError(f"{what}: no known duration to fit")
    if np.ptp(values) == 0:
        return Fit({"kind": "fixed", "value": _hours_text(values[0])}, "fixed", n, f"all {n} values equal")
    if n < MIN_FIT:
        samples = [_hours_text(value) for value in values[:MAX_SAMPLES]]
        note = f"{n} values: too few to fit (< {MIN_FIT})"
        return Fit({"kind": "empirical", "samples": samples}, "empirical", n, note)
    positive = np.maximum(values, max(values[values > 0].min() / 10 if (values > 0).any() else 1e-6, 1e-6))
    candidates = []
    for family, distribution in (("exponential", stats.expon), ("lognormal", stats.lognorm), ("gamma", stats.gamma)):
        try:
            params = distribution.fit(positive, floc=0)
        except (ValueError, RuntimeError, FloatingPointError):
            continue
        loglik = float(np.sum(distribution.logpdf(positive, *params)))
        if not np.isfinite(loglik):
            continue
        k = len(params) - 1  # the location is fixed at 0
        candidates.append((2 * k - 2 * loglik, family, params, distribution))
    # a family whose mean misses the observed one would change the work the teams do (utilisation, queues): keep
    # only those within MEAN_TOLERANCE of it; the observed quantiles otherwise
    observed_mean = float(values.mean())
    faithful = [
        candidate for candidate in candidates
        if abs(float(candidate[3].mean(*candidate[2])) - observed_mean) <= MEAN_TOLERANCE * observed_mean
    ]  # fmt: skip
    if not faithful:
        fit = empirical_duration(values, what)
        note = (f"empirical: no family (exponential, lognormal, gamma) keeps the observed mean "
                f"{_hours_text(observed_mean)} within {MEAN_TOLERANCE:.0%}; {len(fit.spec['samples'])} quantiles of "
                f"n={n}")  # fmt: skip
        return Fit(fit.spec, "empirical", n, note)
    _aic, family, params, distribution = min(faithful, key=lambda candidate: candidate[0])
    mean = float(distribution.mean(*params))
    cv = float(distribution.std(*params) / mean) if mean > 0 else 0.0
    spec: dict[str, Any] = {"kind": family, "mean": _hours_text(mean)}
    if family != "exponential":
        spec["cv"] = round(cv, 4)
    ks = float(stats.kstest(positive, distribution.cdf, args=params).statistic)
    note = (f"{family} by lowest AIC of exponential/lognormal/gamma (n={n}, KS {ks:.3f}, observed mean "
            f"{_hours_text(values.mean())})")  # fmt: skip
    return Fit(spec, family, n, note, ks)


def empirical_duration(values_h: Iterable[float], what: str) -> Fit:
    """`MAX_SAMPLES` evenly spaced quantiles of `values_h` (hours) as an empirical distribution: delays are often
    zero for most visits and very long for a few, a shape no single family of the format holds."""
    values = np.asarray([value for value in values_h if np.isfinite(value) and value >= 0], dtype=float)
    if len(values) == 0:
        raise ValueError(f"{what}: no known duration")
    levels = (np.arange(MAX_SAMPLES) + 0.5) / MAX_SAMPLES
    quantiles = np.quantile(values, levels) if len(values) > MAX_SAMPLES else values
    samples = [_hours_text(value) if value > 0 else "0s" for value in quantiles]
    note = f"empirical: {len(samples)} quantiles of {len(values):,} observed values (zeros included)"
    return Fit({"kind": "empirical", "samples": samples}, "empirical", len(values), note)


def _weekly_rates(arrivals: pd.Series) -> tuple[dict[str, Any], str, pd.DataFrame]:
    """Arrivals per hour for each hour of the week (UTC), from the observed span; a constant rate under two weeks."""
    span_h = (arrivals.max() - arrivals.min()) / pd.Timedelta(hours=1)
    if span_h < 14 * 24:
        rate = (len(arrivals) - 1) / span_h if span_h > 0 else 1.0
        return ({"kind": "poisson", "rate": f"{rate:.6g}/h"}, f"constant rate: only {span_h / 24:.1f} days observed",
                pd.DataFrame({"weekday": [], "hour": [], "arrivals": [], "hours_observed": [], "rate_per_h": []}))
    start = arrivals.min().floor("h")
    hours = pd.date_range(start, arrivals.max().ceil("h"), freq="h", inclusive="left")
    hour_of_week = pd.MultiIndex.from_arrays([hours.day_of_week, hours.hour])
    occurred = pd.Series(1, index=hour_of_week).groupby(level=[0, 1]).sum()
    counted = arrivals.groupby([arrivals.dt.day_of_week, arrivals.dt.hour]).size()
    table = pd.DataFrame({"arrivals": counted, "hours_observed": occurred}).fillna(0)
    table.index.names = ["weekday", "hour"]
    table["rate_per_h"] = table["arrivals"] / table["hours_observed"].where(table["hours_observed"] > 0)
    table = table.reset_index()
    rates = {}
    for day, name in enumerate(WEEKDAYS):
        row = table.loc[table["weekday"] == day].set_index("hour")["rate_per_h"].reindex(range(24)).fillna(0.0)
        if row.sum() > 0:
            rates[name] = [round(float(value), 5) for value in row]
    # does the rate follow the week? Kruskal–Wallis of the arrivals in each observed hour, grouped by hour of the
    # week: each week is a replicate, so bursty arrivals (more variable than Poisson) are not mistaken for a profile
    per_hour = arrivals.dt.floor("h").value_counts().reindex(hours, fill_value=0)
    groups = [counts.to_numpy(dtype=float) for _, counts in per_hour.groupby([hours.day_of_week, hours.hour])]
    p_value = float(stats.kruskal(*groups).pvalue) if len({float(c.sum()) for c in groups}) > 1 else 1.0
    if p_value >= WEEKLY_P:
        gaps_h = np.diff(np.sort(arrivals.to_numpy(dtype="datetime64[ns]").astype(np.int64))) / 3.6e12
        fit = fit_duration(gaps_h, "inter-arrival gaps")
        note = (f"renewal: the rate does not follow the week (Kruskal–Wallis over the hours of the week, p = "
                f"{p_value:.2g} ≥ {WEEKLY_P}); gaps: {fit.note}")  # fmt: skip
        return {"kind": "renewal", "gap": fit.spec}, note, table
    note = (f"Poisson with a weekly profile: the rate follows the week (Kruskal–Wallis over the hours of the week, p = "
            f"{p_value:.2g} < {WEEKLY_P}); {len(arrivals):,} arrivals counted per hour of the week (UTC) over "
            f"{span_h / 168:.1f} weeks")  # fmt: skip
    return {"kind": "weekly", "rates": rates}, note, table


def _recent_level(arrivals: pd.Series) -> tuple[float, str]:
    """How much the arrival rate of the last `RECENT_SHARE` of the observed span differs from the whole span's (a
    factor; 1 when the difference is under `DRIFT` or not significant), and a note saying so ('' when 1)."""
    times = np.sort(arrivals.to_numpy(dtype="datetime64[ns]").astype(np.int64))
    if len(times) < 2 * MIN_FIT or times[-1] <= times[0]:
        return 1.0, ""
    since = times[-1] - RECENT_SHARE * (times[-1] - times[0])
    recent = int((times >= since).sum())
    expected = len(times) * RECENT_SHARE
    factor = recent / expected
    tail = stats.poisson.cdf(recent, expected) if recent < expected else stats.poisson.sf(recent - 1, expected)
    if abs(factor - 1) <= DRIFT or min(1.0, 2 * float(tail)) >= WEEKLY_P:
        return 1.0, ""
    return factor, (f"the arrivals drift: the last {RECENT_SHARE:.0%} of the span brought {recent:,} where the whole "
                    f"span's rate gives {expected:,.0f} (two-sided Poisson test p = {min(1.0, 2 * float(tail)):.2g}): "
                    f"rates scaled by {factor:.2f} to that recent level")  # fmt: skip


def _scaled_arrivals(arrival: dict[str, Any], factor: float) -> dict[str, Any]:
    """An arrival spec whose rate is `factor` times as high (weekly rates scaled, renewal gaps divided)."""
    if arrival["kind"] == "weekly":
        return {**arrival, "rates": {day: [round(rate * factor, 5) for rate in row]
                                     for day, row in arrival["rates"].items()}}  # fmt: skip
    if arrival["kind"] == "poisson":
        return {**arrival, "rate": f"{float(arrival['rate'].removesuffix('/h')) * factor:.6g}/h"}
    gap = dict(arrival["gap"])
    if "mean" in gap:
        gap["mean"] = _hours_text(duration_hours(gap["mean"]) / factor)
    elif "samples" in gap:
        gap["samples"] = [_hours_text(duration_hours(sample) / factor) if duration_hours(sample) > 0 else "0s"
                          for sample in gap["samples"]]  # fmt: skip
    elif "value" in gap:
        gap["value"] = _hours_text(duration_hours(gap["value"]) / factor)
    return {**arrival, "gap": gap}



def _in_case_order(stage_times: pd.DataFrame) -> pd.DataFrame:
    """The visits case by case, each case's in the order they began (start, else completion), then ended: the order
    the routing and the ways into each activity are read in."""
    began = stage_times["start"].fillna(stage_times["complete"])
    return stage_times.assign(_begin=began).sort_values([CASE, "_begin", "complete"], kind="stable")


def _visit_states(stage_times: pd.DataFrame, repeats: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """Visits relabelled by how often their activity was visited before in the case: the first visit keeps the
    activity's name, the k-th becomes ``"<activity> (visit k)"`` up to ``"(visit <repeats>+)"``; and state -> activity.

    A first-order chain over these states routes a second call-back apart from a first, so the number of repeats
    follows the log's own distribution rather than a geometric one. `repeats` 1 leaves the visits as they are.
    """
    if repeats <= 1 or stage_times.empty:
        return stage_times, {}
    ordered = _in_case_order(stage_times)
    visit = ordered.groupby([CASE, ACTIVITY], sort=False, observed=True).cumcount().to_numpy() + 1
    activity = ordered[ACTIVITY].astype("str").to_numpy()
    capped = np.minimum(visit, repeats)
    suffix = np.where(capped >= repeats, "+", "")
    state = np.where(visit > 1, pd.Series(activity) + " (visit " + pd.Series(capped).astype(str) + suffix + ")",
                     activity)  # fmt: skip
    relabelled = stage_times.copy()
    relabelled[ACTIVITY] = pd.Series(state, index=ordered.index).reindex(stage_times.index).astype("str")
    return relabelled, {str(s): str(a) for s, a in zip(state, activity, strict=True) if s != a}


def _routing(stage_times: pd.DataFrame) -> tuple[dict[str, dict[str, float]], pd.DataFrame]:
    """The first-order chain: per activity (and `start`), the share of its visits followed by each activity/`end`
    (`mining.dfg.count_directly_follows` of the visits in the order they began)."""
    ordered = _in_case_order(stage_times)
    edges = count_directly_follows(pd.DataFrame({CASE: ordered[CASE].astype("str").to_numpy(),
                                                 ACTIVITY: ordered[ACTIVITY].astype("str").to_numpy(),
                                                 TIMESTAMP: ordered["_begin"].reset_index(drop=True)}))
    counts = pd.DataFrame({"from": edges["source"].replace({START_NODE: "start"}).to_numpy(dtype=object),
                           "to": edges["target"].replace({END_NODE: "end"}).to_numpy(dtype=object),
                           "count": edges["count"].to_numpy()})
    counts["probability"] = counts["count"] / counts.groupby("from")["count"].transform("sum")
    counts = counts.sort_values(["from", "count"], ascending=[True, False], kind="stable").reset_index(drop=True)
    flow: dict[str, dict[str, float]] = {}
    for source_name, rows in counts.groupby("from", sort=False):
        probabilities = np.round(rows["probability"].to_numpy(dtype=float), 6)
        probabilities[0] += 1.0 - probabilities.sum()  # rows sum to 1 exactly after rounding
        flow[str(source_name)] = {str(to): float(p) for to, p in zip(rows["to"], probabilities, strict=True)}
    ordered_flow = {"start": flow.pop("start")} | dict(sorted(flow.items()))
    return ordered_flow, counts


def _previous_activity(stage_times: pd.DataFrame) -> pd.Series:
    """Per visit, the activity before it in its case, in the order `_routing` reads the cases (start, then end)."""
    ordered = _in_case_order(stage_times)
    previous = ordered[ACTIVITY].astype("str").groupby(ordered[CASE].astype("str"), sort=False).shift(1)
    return previous.reindex(stage_times.index)


def _pools(
    stage_times: pd.DataFrame, activities: list[str], calendars: str = "person"
) -> tuple[dict[str, str], pd.DataFrame, list[str], pd.DataFrame]:
    """Activity → team name; one row per team: its activities, resources, size (no smaller than its work in progress,
    `mining.pool_size`) and calendar (and, by the `person` rule, its groups of people who keep different hours,
    `mining.shifts.people_groups`); and per hour of the week the people seen working beside those the calendars put
    on duty (`mining.shifts.on_duty_by_hour`)."""
    notes: list[str] = []
    known = stage_times.loc[stage_times[RESOURCE].notna()] if RESOURCE in stage_times.columns else stage_times.iloc[:0]
    resources = {name: set(known.loc[known[ACTIVITY].astype(str) == name, RESOURCE].astype(str)) for name in activities}
    parent = {name: name for name in activities}

    def root(name: str) -> str:
        while parent[name] != name:
            parent[name] = parent[parent[name]]
            name = parent[name]
        return name

    for i, one in enumerate(activities):
        for other in activities[i + 1:]:
            union = resources[one] | resources[other]
            if union and len(resources[one] & resources[other]) / len(union) >= POOL_OVERLAP:
                parent[root(other)] = root(one)
    groups: dict[str, list[str]] = {}
    for name in activities:
        groups.setdefault(root(name), []).append(name)
    team_of: dict[str, str] = {}
    rows = []
    seen_by_team: dict[str, pd.DataFrame] = {}
    for number, members in enumerate(groups.values(), start=1):
        team = f"team-{number}"
        visits = stage_times.loc[stage_times[ACTIVITY].astype(str).isin(members)]
        people = set().union(*(resources[name] for name in members))
        row: dict[str, Any] = {"team": team, "activities": ", ".join(members), "resources": len(people)}
        if people:
            seen = visits.loc[visits[RESOURCE].notna()]
            day = seen["complete"].dt.floor("D")
            per_day = seen.assign(_day=day).groupby("_day")[RESOURCE].nunique()
            row["capacity"] = max(1, round(float(per_day.median())))
            row["capacity_rule"] = f"median of {len(per_day)} active days' distinct resources ({len(people)} in all)"
            row |= learn_calendar(seen)
            shifts = people_groups(seen) if calendars == "person" else None
            if shifts:
                row["capacity"] = sum(group["count"] for group in shifts)
                row["capacity_rule"] = (f"{len(shifts)} groups of people who keep different hours, "
                                        f"{len(people)} resources in all")  # fmt: skip
                row["people"] = shifts
            seen_by_team[team] = seen
        else:
            row["capacity"] = max(1, _peak_concurrency(visits))
            row["capacity_rule"] = "most visits in progress at once (no resources in the log)"
            row["calendar"] = None
        rows.append(row)
        for name in members:
            team_of[name] = team
    if not len(known):
        notes.append("the log names no resources: one team per activity, sized by the most visits seen in progress "
                     "at once, without working hours")  # fmt: skip
    pools = raise_to_concurrency(pd.DataFrame(rows), stage_times, team_of)
    hours = []
    for row in pools.to_dict(orient="records"):
        if row["team"] in seen_by_team:
            shifts = row.get("people")
            duty = [(group["count"], group["calendar"]) for group in shifts] if isinstance(shifts, list) else []
            hours.append(on_duty_by_hour(seen_by_team[row["team"]], duty or [(row["capacity"], row["calendar"])])
                         .assign(team=row["team"]))  # fmt: skip
    on_duty = pd.concat(hours, ignore_index=True) if hours else pd.DataFrame()
    return team_of, pools, notes, on_duty


def _peak_concurrency(visits: pd.DataFrame) -> int:
    begin = visits["start"].fillna(visits["complete"])
    moments = pd.concat([pd.Series(1, index=begin), pd.Series(-1, index=visits["complete"])]).sort_index(kind="stable")
    return int(moments.cumsum().max()) if len(moments) else 1


DELAY_RULES = {
    "eligible": " until it could start (wall-clock, less the last off-duty stretch when it started right at an "
    "opening: the calendar reproduces that)",
    "on-duty": " and its team on duty (working hours of the calibrated calendar)",
    "wall-clock": " (wall-clock hours, nights included)",
}
"""How an activity's extraneous delay is measured: only while the team was on duty, or all the free time."""


def _unexplained_wait(
    visits: pd.DataFrame, causes: pd.DataFrame, calendar: dict[str, Any] | None, delays: str
) -> pd.Series:
    """Per visit, the wait its resources do not explain (hours): its wait minus contention, and, by the `on-duty`
    rule, minus the hours its team was off duty (the calibrated calendar reproduces those)."""
    other = causes["wait_other_h"]
    if delays == "wall-clock" or calendar is None:
        return other.dropna()
    opening, closing = (int(part[:2]) + int(part[3:]) / 60 for part in calendar["hours"])
    days = [WEEKDAYS.index(day) for day in calendar["weekdays"]]
    if delays == "eligible":
        start = timestamps_ns(visits["start"])
        opened, closed = last_opening(start, days, opening, closing)
        on_duty_since = working_hours_between(opened, start, days, opening, closing)
        # started within its contention of the opening: it could have started before, during the off-duty stretch
        waited_for_opening = on_duty_since <= causes["wait_contention_h"].to_numpy() + 1 / 60
        stretch_h = np.where(waited_for_opening, (opened - np.maximum(closed, timestamps_ns(visits["ready"]))), 0)
        trailing = pd.Series(np.maximum(stretch_h, 0) / 3.6e12, index=visits.index)
        return (other - trailing).dropna().clip(lower=0.0)
    on_duty = working_hours_between(
        timestamps_ns(visits["ready"]), timestamps_ns(visits["start"]),
        [WEEKDAYS.index(day) for day in calendar["weekdays"]], opening, closing,
    )  # fmt: skip
    unexplained = pd.Series(on_duty, index=visits.index) - causes["wait_contention_h"]
    return unexplained.where(other.notna()).dropna().clip(lower=0.0)


REPEAT_STATES = 3
"""Default `repeats` of `calibrate_log`: the first, second and third-or-later visits are routed apart."""
TRUNCATION_QUANTILE = 0.9
"""Quantile of the early cases' lead times taken as the stretch at a log's end in which arrivals are left out."""


def _settled_cases(case_times: pd.DataFrame) -> tuple[set[str], str]:
    """The cases a log's end does not bias, and a note saying which were left out ('' when none).

    Near its end a log holds only the short cases among those that began there (the long ones have not finished,
    or were cut out when the log was split by time): learned from, they make arrivals look sparse, loops rare and
    delays short. The cases that arrived more than T before the last event are kept, T being the
    `TRUNCATION_QUANTILE` of the lead times of the cases that arrived in the log's first half (those the end hardly
    touches), at most half the log's span.
    """
    arrival = pd.to_datetime(case_times["arrival"], utc=True)
    end = pd.to_datetime(case_times["end"], utc=True).max()
    span_h = (end - arrival.min()) / pd.Timedelta(hours=1)
    early = arrival < arrival.min() + pd.Timedelta(hours=span_h / 2)
    lead = case_times.loc[early & case_times["finished"].to_numpy(dtype=bool), "lead_time_h"].dropna()
    if span_h <= 0 or len(lead) < MIN_FIT:
        return set(case_times[CASE].astype(str)), ""
    cut_h = min(float(lead.quantile(TRUNCATION_QUANTILE)), span_h / 2)
    cutoff = end - pd.Timedelta(hours=cut_h)
    keep = (arrival <= cutoff).to_numpy()
    if keep.all() or cut_h <= 0:
        return set(case_times[CASE].astype(str)), ""
    note = (f"learned from the {int(keep.sum()):,} of {len(keep):,} cases that arrived by {cutoff.isoformat()}: a "
            f"log's last {cut_h:.0f} h (the {TRUNCATION_QUANTILE:.0%} quantile of the lead times of the cases that "
            "arrived in its first half) hold only the short cases among those that began then")
    return set(case_times.loc[keep, CASE].astype(str)), note


def calibrate_log(
    log: pd.DataFrame,
    *,
    name: str = "calibrated",
    seed: int = 1,
    delays: str = "eligible",
    contention: str = "pool",
    stream: str = STREAM,
    stage_map: Mapping[str, str] | None = None,
    repeats: int = REPEAT_STATES,
    calendars: str = "person",
) -> Calibration:
    """Discover a scenario document from `log` (any log `flowlab mine` reads); see the module docstring.

    `stream` names the scenario's stream; `stage_map` renames the log's activities first (activity → stage, e.g. an
    IT4IT stream's stages; see `mining.compare.apply_stage_map`). `delays` says how extraneous delays are measured
    (`DELAY_RULES`); `contention` what part of a wait queueing explains: the hours its whole team was busy (`pool`,
    what the simulated pools reproduce) or the hours the person who did it was busy (`person`,
    `mining.wait_causes`). `repeats` is how many visits of an activity in a case are routed apart (`_visit_states`;
    1: a plain first-order chain over activities). `calendars` says whose working hours are learned: each group of
    people who keep different hours within a team (`person`, `mining.shifts.people_groups`; a team whose people
    keep the same hours gets one calendar) or one calendar per team (`team`).

    Raises:
        ValueError: the log has no completed visit, or `delays` is not a rule.
    """
    if delays not in DELAY_RULES:
        raise ValueError(f"delays must be one of {', '.join(DELAY_RULES)} (got {delays!r})")
    if contention not in ("pool", "person"):
        raise ValueError(f"contention must be 'pool' or 'person' (got {contention!r})")
    if calendars not in ("person", "team"):
        raise ValueError(f"calendars must be 'person' or 'team' (got {calendars!r})")
    require_columns(log)
    if stage_map:
        log = apply_stage_map(log, stage_map, "the log")
    stage_times = compute_stage_times(log)
    if stage_times.empty:
        raise ValueError("the log has no completed activity to learn from")
    case_times = compute_case_times(log, stage_times=stage_times)
    notes: list[str] = []
    settled, truncation_note = _settled_cases(case_times)
    if truncation_note:
        notes.append(truncation_note)
        log = log.loc[log[CASE].astype(str).isin(settled)].reset_index(drop=True)
        stage_times = compute_stage_times(log)
        case_times = compute_case_times(log, stage_times=stage_times)
    comments: dict[tuple[str, ...], str] = {}
    estimated = stage_times["estimated"].to_numpy(dtype=bool)
    no_starts = bool(estimated.all())
    if no_starts:
        notes.append("no start events: wait and work cannot be told apart, so the time before each completion is "
                     "modelled as one delay and the work as an instant; team sizes and hours are what the log shows "
                     "of its resources, but their load is not learned")  # fmt: skip
    elif estimated.any():
        notes.append(f"{int(estimated.sum()):,} of {len(estimated):,} visits have no start event: their work is "
                     "left out of the fits")  # fmt: skip

    stage_times, activity_of = _visit_states(stage_times, repeats)
    # activities in process order: by the mean position of their visits within their cases
    position = stage_times.groupby(CASE, sort=False, observed=True).cumcount()
    order = position.groupby(stage_times[ACTIVITY].astype(str)).mean().sort_values(kind="stable")
    activities = [str(activity) for activity in order.index]

    arrival, arrival_note, arrival_table = _weekly_rates(case_times["arrival"])
    factor, drift_note = _recent_level(case_times["arrival"])
    if drift_note:
        arrival = _scaled_arrivals(arrival, factor)
        arrival_note = f"{arrival_note}; {drift_note}"
        notes.append(drift_note)
    # routing from the finished cases only: an open case's last visit is not where it leaves
    finished = set(case_times.loc[case_times["finished"], CASE].astype(str))
    flow, routing = _routing(stage_times.loc[stage_times[CASE].astype(str).isin(finished)])
    if len(finished) < len(case_times):
        notes.append(f"{len(case_times) - len(finished):,} unfinished cases left out of the routing")
    team_of, pools, pool_notes, on_duty = _pools(stage_times, activities, calendars)
    notes += pool_notes

    previous = _previous_activity(stage_times)
    flow_delays: dict[str, dict[str, Any]] = {}
    if contention == "pool":
        # the wait a simulation of pools reproduces is the time the whole team was busy: the rest is a delay
        sizes = {row["team"]: int(row["capacity"]) for row in pools.to_dict(orient="records")}
        pooled = compute_pool_contention(stage_times, log, team_of, sizes)
        causes = pd.DataFrame({"wait_contention_h": pooled, "wait_other_h": stage_times["wait_h"] - pooled})
    else:
        causes = compute_wait_causes(stage_times, log)
    team_calendars = {row["team"]: row.get("calendar") for row in pools.to_dict(orient="records")}
    stages = []
    fits = []
    observed: dict[str, np.ndarray] = {}
    stage: dict[str, Any]
    for index, activity in enumerate(activities):
        mine = stage_times[ACTIVITY].astype(str) == activity
        later = mine & (position > 0).to_numpy()
        if no_starts:
            # nothing says how long the work took nor how long the item waited: the time before each completion is
            # one delay, and the work an instant (the teams' load cannot be learned from such a log)
            stage = {"name": activity, "team": team_of[activity], "work": {"kind": "fixed", "value": "1s"}}
            if activity in activity_of:
                stage["activity"] = activity_of[activity]
            comments[("streams", stream, "stages", str(index), "work")] = "no start events: work not learnable"
            observed[activity] = stage_times.loc[later, "elapsed_h"].dropna().to_numpy(dtype=float)
            # one delay per way into the stage (a call-back's wait differs from a re-check's), as `flow_delays`
            for source in sorted(set(previous[later].dropna())):
                elapsed = stage_times.loc[later & (previous == source).to_numpy(), "elapsed_h"].dropna()
                if not len(elapsed) or float(elapsed.mean()) <= 0 or flow.get(source, {}).get(activity, 0) <= 0:
                    continue
                delay = empirical_duration(elapsed, f"time from {source} to {activity}")
                flow_delays.setdefault(source, {})[activity] = delay.spec
                comments[("items", "case", "flow_delays", source, activity)] = (
                    f"the time from {source}'s completion to {activity}'s (no start events: wait and work together, "
                    f"one delay); {delay.note}"
                )
                fits.append({"activity": activity, "what": f"time after {source}", "family": delay.family,
                             "n": delay.n, "ks": delay.ks_statistic, "spec": _short(delay.spec)})  # fmt: skip
            stages.append(stage)
            continue
        work = stage_times.loc[mine & ~stage_times["estimated"], "work_h"]
        if work.notna().sum() == 0:
            work = stage_times.loc[mine, "work_h"]
        fit = fit_duration(work, f"work of {activity}")
        observed[activity] = work.dropna().to_numpy(dtype=float)
        stage = {"name": activity, "team": team_of[activity], "work": fit.spec}
        if activity in activity_of:
            stage["activity"] = activity_of[activity]
        comments[("streams", stream, "stages", str(index), "work")] = fit.note
        fits.append({"activity": activity, "what": "work", "family": fit.family, "n": fit.n, "ks": fit.ks_statistic,
                     "spec": _short(fit.spec)})  # fmt: skip
        # a case's first visit has no observed wait (the log starts the case with it): learn delays from the others,
        # one per way into the stage (the wait before a call-back differs from the wait before a re-check)
        for source in sorted(set(previous[later].dropna())):
            way = later & (previous == source).to_numpy()
            calendar = team_calendars.get(team_of[activity])
            other = _unexplained_wait(stage_times.loc[way], causes.loc[way], calendar, delays)
            if not len(other) or float(other.mean()) <= MIN_DELAY_H or flow.get(source, {}).get(activity, 0) <= 0:
                continue
            delay = empirical_duration(other, f"unexplained wait from {source} to {activity}")
            flow_delays.setdefault(source, {})[activity] = delay.spec
            comments[("items", "case", "flow_delays", source, activity)] = (
                f"extraneous delay from {source}: the wait in which its resource was free{DELAY_RULES[delays]} (mean "
                f"{other.mean():.2f} h, {float((other <= 0).mean()):.0%} none); " + delay.note
            )
            fits.append({"activity": activity, "what": f"delay after {source}", "family": delay.family,
                         "n": delay.n, "ks": delay.ks_statistic, "spec": _short(delay.spec)})  # fmt: skip
        stages.append(stage)

    teams: dict[str, Any] = {}
    for row in pools.to_dict(orient="records"):
        team: dict[str, Any] = {}
        shifts = row.get("people")
        if isinstance(shifts, list) and shifts:
            # each group's own hours (none: around the clock), so no team calendar for them to fall back on; no
            # capacity either (it is their sum), so that a what-if may change one group's count alone
            team["people"] = [{"name": group["name"], "count": group["count"], "calendar": group["calendar"]}
                              for group in shifts]  # fmt: skip
            comments[("teams", row["team"], "people")] = f"{row['activities']}: {row['capacity_rule']}"
            for number, group in enumerate(shifts):
                comments[("teams", row["team"], "people", str(number))] = str(group["rule"])
            teams[row["team"]] = team
            continue
        team["capacity"] = int(row["capacity"])
        comments[("teams", row["team"], "capacity")] = f"{row['activities']}: {row['capacity_rule']}"
        if row.get("calendar"):
            team["calendar"] = row["calendar"]
            if row.get("calendar_rule"):
                comments[("teams", row["team"], "calendar")] = str(row["calendar_rule"])
        teams[row["team"]] = team

    first, last = case_times["arrival"].min(), case_times["end"].max()
    span_h = max((last - first) / pd.Timedelta(hours=1), 1.0)
    scenario = {
        "version": 1,
        "name": name,
        "description": f"Calibrated by flowlab from {len(case_times):,} cases and {len(stage_times):,} activity "
        f"instances ({first.isoformat()} to {last.isoformat()}).",
        "run": {"start": first.isoformat(), "horizon": _hours_text(span_h), "warmup": "0h", "replications": 1,
                "seed": seed},
        "teams": teams,
        "streams": {stream: {"stages": stages}},
    }
    item: dict[str, Any] = {"stream": stream, "arrival": arrival, "flow": flow}
    if flow_delays:
        item["flow_delays"] = flow_delays
    scenario["items"] = {"case": item}
    comments[("items", "case", "arrival")] = arrival_note
    comments[("items", "case", "flow")] = (
        f"first-order routing from {routing['count'].sum():,} observed transitions (start and end included)"
        + (f", over visit states: an activity's 2nd to {repeats}th-and-later visits in a case are stages of their own "
           "(same activity in the log), so repeats follow the log's counts" if activity_of else "")
    )
    comments[("run",)] = "the observed period; simulate a test period with --start and --cases"
    return Calibration(
        scenario, comments, notes, pd.DataFrame(fits), routing, arrival_table, _pool_table(pools), observed, on_duty
    )


def _pool_table(pools: pd.DataFrame) -> pd.DataFrame:
    """The pools as a flat table (pools.csv): each team's groups of people as text, their calendars included."""
    if "people" not in pools.columns:
        return pools

    def text(groups: Any) -> str:
        if not isinstance(groups, list):
            return ""
        return "; ".join(f"{group['name']}: {group['count']} × {_calendar_text(group['calendar'])}" for group in groups)

    return pools.assign(people=pools["people"].map(text))


def _calendar_text(calendar: dict[str, Any] | None) -> str:
    if calendar is None:
        return "around the clock"
    return f"{','.join(calendar['weekdays'])} {'–'.join(calendar['hours'])}"
