"""Flow measures of simulated replications: per case, per stage, and a summary with 95% confidence intervals.

Every duration is in hours (columns end in ``_h``). Two kinds of measure, and the warm-up rule for each:

- **per-case measures** (lead time, work, wait, flow efficiency, SLA) use only the cases that arrived at or after the
  warm-up (`sim.event_log.kept_cases`), the same cases the written event log holds;
- **time-window measures** (throughput, WIP, queue length, utilisation) count what happens in the window
  [warm-up, horizon], whichever case it happens to: a time average has no notion of "which cases", and counting
  only post-warm-up cases would under-count throughput by the work still in progress at the horizon.

Work of a visit = its working hours between start and complete (complete − start for a team without a calendar;
for a calendared team the nights and weekends it was suspended over do not count); the waiting of a case = lead
time − work (hand-off, gate, batch, queue and off-duty time all count as waiting, as in a value stream map), and
each stage's waiting is split by those causes. Utilisation = busy working hours ÷ the team's available working
hours (capacity × its hours in the window). Cases still in the system at the horizon are counted (`unfinished`) and
enter a Kaplan–Meier lead-time estimate as censored at the horizon, beside the completed-only figures.

The summary reports each measure as a mean across replications with the half-width of a 95% confidence interval
from Student's t distribution (NaN with a single replication: one value gives no spread). Two variants run with the
same seed share their random numbers replication by replication, so the difference between them is estimated from
the paired differences (`paired_difference`), not from two intervals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.event_log import kept_cases
from sim.replications import Replications

if TYPE_CHECKING:
    from pandas.api.typing import DataFrameGroupBy

    from sim.calendar import WeekSchedule

HOURS_PER_DAY = 24.0
CONFIDENCE_LEVEL = 0.95

CASE_COLUMNS = (
    "case", "item", "stream", "priority", "parent", "replication", "arrival_h", "complete_h",
    "lead_time_h", "work_h", "wait_h", "flow_efficiency", "sla_h", "sla_met",
)  # fmt: skip
"""Columns of `compute_case_table`, in order."""

WAIT_CAUSES = ("handoff", "gate", "batch", "people", "off_duty", "escalated")
"""What a visit waited for, in order: its hand-off, a cadence gate, its batch to fill, a person of its team while
the team was on duty, the team to come back on duty, and a person of the team escalation moved it to."""

STAGE_COLUMNS = (
    "stage", "stream", "team", "visits", "wait_mean_h", "wait_p85_h", "work_mean_h", "utilisation",
    "mean_queue_length", "throughput_per_day", "wait_share", *(f"wait_{cause}_mean_h" for cause in WAIT_CAUSES),
)  # fmt: skip
"""Columns of `pool_stage_table`, in order (`compute_stage_table` puts `replication` first)."""

MEASURE_COLUMNS = (
    "replication", "completed", "lead_time_mean_h", "lead_time_p50_h", "lead_time_p85_h", "lead_time_p95_h",
    "flow_efficiency", "throughput_per_day", "wip", "sla_attainment", "unfinished", "unfinished_share",
    "lead_time_km_p50_h", "lead_time_km_p85_h",
)  # fmt: skip
"""Columns of `compute_replication_measures`, in order (`compute_group_measures` puts the group second)."""

GROUPINGS = ("item", "stream")
"""What `compute_group_measures` and `compute_group_bottlenecks` can group the cases by: work item class or stream."""


# ---------------------------------------------------------------------------------------------------------------
# Confidence intervals


@dataclass(frozen=True, slots=True)
class Estimate:
    """A mean across replications with the half-width of its 95% confidence interval (NaN when n < 2)."""

    mean: float
    half_width: float
    n: int

    @property
    def low(self) -> float:
        """Lower end of the interval."""
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        """Upper end of the interval."""
        return self.mean + self.half_width

    @property
    def excludes_zero(self) -> bool:
        """True when the whole interval lies on one side of 0: a difference that is real, not noise.

        False when the interval contains 0 (an exact 0 ± 0 included) or there is none (NaN half-width, n < 2).
        """
        if self.n < 2 or math.isnan(self.half_width):
            return False
        return self.low > 0 or self.high < 0


def confidence_interval(values: Iterable[float], level: float = CONFIDENCE_LEVEL) -> Estimate:
    """Mean of the non-NaN `values` and the half-width t(1 − (1 − level)/2, n − 1) · s / √n of its interval.

    With one value the half-width is NaN (no spread to estimate); with none the mean is NaN too.
    """
    array = np.asarray(list(values), dtype="float64")
    array = array[~np.isnan(array)]
    n = int(array.size)
    if n == 0:
        return Estimate(math.nan, math.nan, 0)
    mean = float(array.mean())
    if n == 1:
        return Estimate(mean, math.nan, 1)
    quantile = float(stats.t.ppf(1 - (1 - level) / 2, n - 1))
    return Estimate(mean, quantile * float(array.std(ddof=1)) / math.sqrt(n), n)


def paired_difference(
    variant_values: Mapping[int, float] | pd.Series,
    baseline_values: Mapping[int, float] | pd.Series,
    level: float = CONFIDENCE_LEVEL,
) -> Estimate:
    """Mean of the differences variant − baseline paired by replication number, with its t interval.

    With common random numbers (replication r of every variant draws from the same streams) the paired differences
    vary far less than either variant's values, so this interval is the one that says whether a change is real
    (`Estimate.excludes_zero`). A replication where either value is NaN (e.g. no case of a class completed) is left
    out of the pairs; identical values give 0 ± 0, which is no difference.

    Args:
        variant_values, baseline_values: one value per replication, keyed by replication number (a mapping or a
            Series indexed by replication).
        level: confidence level of the interval.

    Raises:
        ValueError: the two do not hold the same replication numbers, or one holds a number twice.
    """
    variant = _by_replication(variant_values, "variant")
    baseline = _by_replication(baseline_values, "baseline")
    if set(variant.index) != set(baseline.index):
        raise ValueError(
            "paired_difference pairs values by replication number, but the variant has replications "
            f"{sorted(variant.index)} and the baseline {sorted(baseline.index)}"
        )
    return confidence_interval(variant - baseline.reindex(variant.index), level)


def _by_replication(values: Mapping[int, float] | pd.Series, side: str) -> pd.Series:
    series = values if isinstance(values, pd.Series) else pd.Series(dict(values), dtype="float64")
    repeated = sorted(set(series.index[series.index.duplicated()]))
    if repeated:
        raise ValueError(f"paired_difference: the {side} has replication(s) {repeated} more than once")
    return series.astype("float64")


# ---------------------------------------------------------------------------------------------------------------
# Step functions over the window


def time_average(samples: pd.DataFrame, keys: list[str], value: str, start_h: float, end_h: float) -> pd.Series:
    """Time average over [start_h, end_h] of step functions sampled at their changes, one per `keys` group.

    `samples` has `time_h`, the `keys` and `value`; each sample holds until the group's next one (the last until
    `end_h`); before a group's first sample the value is 0. Rows at the same time keep their recorded order, so the
    last of them is the value that holds.
    """
    ordered = samples.sort_values([*keys, "time_h"], kind="stable")
    following = ordered.groupby(keys, sort=False)["time_h"].shift(-1).fillna(end_h)
    low = ordered["time_h"].clip(lower=start_h, upper=end_h)
    high = following.clip(lower=start_h, upper=end_h)
    area = ordered[value].astype("float64") * (high - low)
    return area.groupby([ordered[key] for key in keys]).sum() / (end_h - start_h)


def _overlap_h(begin: pd.Series, end: pd.Series, start_h: float, end_h: float) -> pd.Series:
    """Hours of each interval [begin, end] that fall inside [start_h, end_h]."""
    return (end.clip(lower=start_h, upper=end_h) - begin.clip(lower=start_h, upper=end_h)).clip(lower=0)


def _schedules(replications: Replications) -> Mapping[str, WeekSchedule]:
    return replications.recordings[0].schedules if replications.recordings else {}


def working_hours_between(
    begin_h: pd.Series, end_h: pd.Series, team: pd.Series, schedules: Mapping[str, WeekSchedule]
) -> pd.Series:
    """Hours of [begin, end] in which each row's team was on duty (end − begin for a team without a calendar)."""
    hours = (end_h - begin_h).astype("float64")
    for name, schedule in schedules.items():
        mine = (team == name).to_numpy()
        if mine.any():
            ramp_end = schedule.working_hours_at(end_h.to_numpy(dtype="float64")[mine])
            ramp_begin = schedule.working_hours_at(begin_h.to_numpy(dtype="float64")[mine])
            hours.iloc[np.flatnonzero(mine)] = ramp_end - ramp_begin
    return hours


def visit_work_h(visits: pd.DataFrame, schedules: Mapping[str, WeekSchedule]) -> pd.Series:
    """Each visit's work: its team's working hours between start and complete (NaN until complete)."""
    return working_hours_between(visits["start_h"], visits["complete_h"], visits["team"], schedules)


# ---------------------------------------------------------------------------------------------------------------
# Per case


def compute_case_table(replications: Replications) -> pd.DataFrame:
    """One row per case that arrived after the warm-up: lead time, work, wait (hours), flow efficiency, SLA met.

    Lead time, work, wait and flow efficiency are NaN for cases still in progress at the horizon; `sla_met` is NA
    for them and for cases without an SLA.
    """
    cases = kept_cases(replications.cases, replications.warmup_h)
    visits = replications.visits
    visits = visits.loc[visits["case"].isin(cases["case"])]
    work = visit_work_h(visits, _schedules(replications)).groupby(visits["case"]).sum(min_count=1)
    table = cases[["case", "item", "stream", "priority", "parent", "replication", "arrival_h", "complete_h"]].copy()
    completed = table["complete_h"].notna()
    table["lead_time_h"] = table["complete_h"] - table["arrival_h"]
    # a completed case without a recorded visit did no work
    table["work_h"] = table["case"].map(work).astype("float64").fillna(0.0).where(completed)
    table["wait_h"] = table["lead_time_h"] - table["work_h"]
    table["flow_efficiency"] = table["work_h"] / table["lead_time_h"].where(table["lead_time_h"] > 0)
    table["sla_h"] = cases["sla_h"].astype("float64")
    has_sla = completed & table["sla_h"].notna()
    table["sla_met"] = pd.array(np.where(has_sla, table["lead_time_h"] <= table["sla_h"], False), dtype="boolean")
    table.loc[~has_sla, "sla_met"] = pd.NA
    return table.reset_index(drop=True)[list(CASE_COLUMNS)]


# ---------------------------------------------------------------------------------------------------------------
# Per stage


def _stage_visits(replications: Replications) -> pd.DataFrame:
    """Started visits of post-warm-up cases with their `wait_h` (start − ready) split by `WAIT_CAUSES`, and
    `work_h` (working hours between start and complete)."""
    cases = kept_cases(replications.cases, replications.warmup_h)
    visits = replications.visits
    visits = visits.loc[visits["case"].isin(cases["case"]) & visits["start_h"].notna()]
    schedules = _schedules(replications)
    escalated = visits["escalated_h"].notna()
    queue_end = visits["escalated_h"].where(escalated, visits["start_h"])
    # the queue before any escalation is at the stage's own team: on-duty hours of it wait for people
    own_team = visits["stage"].map({name: stage.team for name, stage in replications.network.stages.items()})
    queue_h = queue_end - visits["queued_h"]
    on_duty_h = working_hours_between(visits["queued_h"], queue_end, own_team, schedules)
    return pd.DataFrame(
        {
            "replication": visits["replication"],
            "item": visits["item"],
            "stream": visits["stream"],
            "stage": visits["stage"],
            "wait_h": visits["start_h"] - visits["ready_h"],
            "work_h": visit_work_h(visits, schedules),
            "wait_handoff_h": visits["handoff_done_h"] - visits["ready_h"],
            "wait_gate_h": visits["gate_done_h"] - visits["handoff_done_h"],
            "wait_batch_h": visits["queued_h"] - visits["gate_done_h"],
            "wait_people_h": on_duty_h,
            "wait_off_duty_h": queue_h - on_duty_h,
            "wait_escalated_h": (visits["start_h"] - visits["escalated_h"]).fillna(0.0),
        }
    )


def _window_measures(replications: Replications) -> pd.DataFrame:
    """Per (replication, stage): utilisation of its team, time-average queue length and completions per day."""
    network, warmup, horizon = replications.network, replications.warmup_h, replications.horizon_h
    index = pd.MultiIndex.from_product(
        [[recording.replication for recording in replications.recordings], list(network.stages)],
        names=["replication", "stage"],
    )
    stage_team = {name: stage.team for name, stage in network.stages.items()}
    utilisation = _utilisation(replications)
    team_of_row = pd.Series(index.get_level_values("stage")).map(stage_team)
    utilisation_rows = utilisation.reindex(
        pd.MultiIndex.from_arrays([index.get_level_values("replication"), team_of_row], names=["replication", "team"])
    ).to_numpy()
    queue = time_average(replications.queues, ["replication", "stage"], "queue_length", warmup, horizon)
    visits = replications.visits
    done = visits.loc[visits["complete_h"].between(warmup, horizon)]
    completions = done.groupby(["replication", "stage"]).size()
    days = (horizon - warmup) / HOURS_PER_DAY
    return pd.DataFrame(
        {
            "utilisation": np.nan_to_num(utilisation_rows, nan=0.0),
            "mean_queue_length": queue.reindex(index, fill_value=0.0).to_numpy(),
            "throughput_per_day": completions.reindex(index, fill_value=0).to_numpy() / days,
        },
        index=index,
    )


def _utilisation(replications: Replications) -> pd.Series:
    """Per (replication, team): busy working hours in [warm-up, horizon] ÷ (capacity × the team's working hours in
    that window). A batch is one job; a job suspended overnight is not busy at night."""
    network, warmup, horizon = replications.network, replications.warmup_h, replications.horizon_h
    schedules = _schedules(replications)
    visits = replications.visits
    visits = visits.loc[visits["start_h"].notna()]
    jobs = pd.concat([visits.loc[visits["batch"] < 0], visits.loc[visits["batch"] >= 0].drop_duplicates(
        ["replication", "batch"])])  # fmt: skip
    begin = jobs["start_h"].clip(lower=warmup, upper=horizon)
    end = jobs["complete_h"].fillna(horizon).clip(lower=warmup, upper=horizon)
    busy = working_hours_between(begin, end, jobs["team"], schedules).groupby([jobs["replication"], jobs["team"]]).sum()
    teams = list(network.teams)
    available = pd.Series(
        {
            name: network.teams[name].capacity
            * (
                float(np.diff(schedules[name].working_hours_at(np.array([warmup, horizon])))[0])
                if name in schedules
                else horizon - warmup
            )
            for name in teams
        }
    )
    index = pd.MultiIndex.from_product(
        [[recording.replication for recording in replications.recordings], teams], names=["replication", "team"]
    )
    busy = busy.reindex(index, fill_value=0.0)
    return busy / available.reindex(index.get_level_values("team")).to_numpy()


def _describe_stages(network_stages: dict, frame: pd.DataFrame) -> pd.DataFrame:
    """Add `stream` and `team` (from the network) beside the `stage` column."""
    frame.insert(
        frame.columns.get_loc("stage") + 1,
        "stream",
        frame["stage"].map({name: stage.stream for name, stage in network_stages.items()}),
    )
    frame.insert(
        frame.columns.get_loc("stream") + 1,
        "team",
        frame["stage"].map({name: stage.team for name, stage in network_stages.items()}),
    )
    return frame


def compute_stage_table(replications: Replications) -> pd.DataFrame:
    """Per replication and stage (network order): visits, wait and work (hours), utilisation, queue, throughput.

    `visits` counts started visits of post-warm-up cases; `wait_*` is start − ready over those visits, `work_mean_h`
    complete − start over the completed ones; `utilisation` is the stage's team busy time / (capacity × window);
    `mean_queue_length` the time average over the window; `throughput_per_day` the visits completed in the window
    (any case); `wait_share` the stage's share of all the waiting in that replication.
    """
    visits = _stage_visits(replications)
    window = _window_measures(replications)
    grouped = visits.groupby(["replication", "stage"])
    table = _visit_statistics(grouped).reindex(window.index)
    table["visits"] = table["visits"].fillna(0).astype("int64")
    table["wait_total_h"] = table["wait_total_h"].fillna(0.0)
    table = table.join(window)
    total_wait = table.groupby(level="replication")["wait_total_h"].transform("sum")
    table["wait_share"] = table["wait_total_h"] / total_wait.where(total_wait > 0)
    table = _describe_stages(replications.network.stages, table.reset_index())
    return table[["replication", *STAGE_COLUMNS]]


def _visit_statistics(grouped: DataFrameGroupBy) -> pd.DataFrame:
    """Per group of stage visits: count, mean and p85 wait, mean work, total wait, mean wait per cause (hours)."""
    return pd.DataFrame(
        {
            "visits": grouped.size(),
            "wait_mean_h": grouped["wait_h"].mean(),
            "wait_p85_h": grouped["wait_h"].quantile(0.85),
            "work_mean_h": grouped["work_h"].mean(),
            "wait_total_h": grouped["wait_h"].sum(),
            **{f"wait_{cause}_mean_h": grouped[f"wait_{cause}_h"].mean() for cause in WAIT_CAUSES},
        }
    )


def pool_stage_table(replications: Replications) -> pd.DataFrame:
    """Per stage over all replications: the `compute_stage_table` columns pooled.

    Wait and work statistics and `visits` (a total) pool every visit; utilisation, queue length and throughput are
    the mean of the replications' values (equal windows, so this is the pooled time average); `wait_share` is the
    stage's share of all the waiting in all replications.
    """
    network = replications.network
    visits = _stage_visits(replications)
    window = _window_measures(replications).groupby(level="stage", sort=False).mean().reindex(list(network.stages))
    grouped = visits.groupby("stage")
    table = _visit_statistics(grouped).reindex(window.index)
    table.index.name = "stage"
    table["visits"] = table["visits"].fillna(0).astype("int64")
    table["wait_total_h"] = table["wait_total_h"].fillna(0.0)
    table = table.join(window)
    total_wait = table["wait_total_h"].sum()
    table["wait_share"] = table["wait_total_h"] / total_wait if total_wait > 0 else math.nan
    table = _describe_stages(network.stages, table.reset_index())
    return table[list(STAGE_COLUMNS)]


BOTTLENECK_COLUMNS = ("stage", "team", "wait_share", "wait_mean_h", "utilisation")
"""Columns of `compute_group_bottlenecks` after the group column."""


def compute_group_bottlenecks(replications: Replications, by: str, stages: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per work item class (`by="item"`) or stream (`by="stream"`): the stage where its cases waited most.

    One row per group (as in `compute_group_measures`): the stage with the largest share of the group's waiting
    over all replications (`wait_share`, 0–1; on a tie the first in network order), the mean wait there of the
    group's visits (hours) and the utilisation of the stage's team (all classes: a team serves them all). Stage and
    team are None, the numbers NaN, for a group whose cases never waited. `stages` is the `pool_stage_table` result
    when already at hand (only its utilisation is used).

    Raises:
        ValueError: `by` is not one of `GROUPINGS`.
    """
    if by not in GROUPINGS:
        raise ValueError(f"cannot group the bottlenecks by {by!r}; choose one of {', '.join(GROUPINGS)}")
    network = replications.network
    if stages is None:
        stages = pool_stage_table(replications)
    utilisation = stages.set_index("stage")["utilisation"]
    visits = _stage_visits(replications)
    grouped = visits.groupby([visits[by].astype(str), "stage"])["wait_h"]
    totals, means = grouped.sum(), grouped.mean()
    order = {stage: position for position, stage in enumerate(network.stages)}
    rows = []
    for group in _group_names(replications, by):
        row: dict[str, Any] = {by: group, "stage": None, "team": None}
        row |= {"wait_share": math.nan, "wait_mean_h": math.nan, "utilisation": math.nan}
        waited = totals.xs(group, level=0) if group in totals.index.get_level_values(0) else pd.Series(dtype=float)
        if waited.sum() > 0:
            waited = waited.sort_index(key=lambda names: names.map(lambda name: order.get(name, len(order))))
            stage = str(waited.idxmax())
            row |= {
                "stage": stage,
                "team": network.stages[stage].team if stage in network.stages else None,
                "wait_share": float(waited[stage] / waited.sum()),
                "wait_mean_h": float(means[(group, stage)]),
                "utilisation": float(utilisation.get(stage, math.nan)),
            }
        rows.append(row)
    return pd.DataFrame(rows, columns=[by, *BOTTLENECK_COLUMNS])


# ---------------------------------------------------------------------------------------------------------------
# Per replication, and the summary


def compute_replication_measures(replications: Replications, cases: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per replication: completed cases, lead time mean/p50/p85/p95 (hours), flow efficiency, throughput
    per day, WIP and SLA attainment (see the module docstring for the warm-up rule of each).

    Flow efficiency here is total work / total lead time of the completed cases (a ratio of sums: a mean of
    per-case ratios would let the many short items outweigh where the hours go). SLA attainment is the share of
    completed cases with an SLA that met it (cases still open at the horizon are not counted). `cases` is the
    `compute_case_table` result when already at hand.
    """
    if cases is None:
        cases = compute_case_table(replications)
    index = pd.Index([recording.replication for recording in replications.recordings], name="replication")
    return _measures(replications, cases, index)[list(MEASURE_COLUMNS)]


def compute_group_measures(replications: Replications, by: str, cases: pd.DataFrame | None = None) -> pd.DataFrame:
    """The `compute_replication_measures` of each work item class (`by="item"`) or stream (`by="stream"`).

    One row per replication and group (every class or stream of the network, also one without a case in that
    replication), the group named in the second column: the same definitions applied to the group's cases only.
    Completed cases, throughput and WIP of the groups add up to the replication's; a mean lead time is the
    replication's when weighted by the completed cases.

    Raises:
        ValueError: `by` is not one of `GROUPINGS`.
    """
    if by not in GROUPINGS:
        raise ValueError(f"cannot group the measures by {by!r}; choose one of {', '.join(GROUPINGS)}")
    if cases is None:
        cases = compute_case_table(replications)
    index = pd.MultiIndex.from_product(
        [[recording.replication for recording in replications.recordings], _group_names(replications, by)],
        names=["replication", by],
    )
    return _measures(replications, cases, index)[["replication", by, *MEASURE_COLUMNS[1:]]]


def _group_names(replications: Replications, by: str) -> list[str]:
    """The classes (streams) of the network in its order, then any other that the cases name."""
    network = replications.network
    declared = list(network.item_classes) if by == "item" else list(network.streams)
    if by == "stream":
        declared += [item.stream for item in network.item_classes.values()]
    return list(dict.fromkeys([*declared, *replications.cases[by].astype(str)]))


def _measures(replications: Replications, cases: pd.DataFrame, index: pd.Index) -> pd.DataFrame:
    """The `MEASURE_COLUMNS` per group of `index` (its level names are case columns: `replication`, maybe a group)."""
    keys = list(index.names)
    warmup, horizon = replications.warmup_h, replications.horizon_h
    days = (horizon - warmup) / HOURS_PER_DAY
    completed = cases.loc[cases["complete_h"].notna()]
    grouped = completed.groupby(keys)
    lead = grouped["lead_time_h"]
    every_case = replications.cases
    every_key = [every_case[key] for key in keys]
    in_system = _overlap_h(every_case["arrival_h"], every_case["complete_h"].fillna(horizon), warmup, horizon)
    finished = every_case["complete_h"].between(warmup, horizon)
    with_sla = completed.loc[completed["sla_met"].notna()]
    measures = pd.DataFrame(
        {
            "completed": grouped.size(),
            "lead_time_mean_h": lead.mean(),
            "lead_time_p50_h": lead.quantile(0.50),
            "lead_time_p85_h": lead.quantile(0.85),
            "lead_time_p95_h": lead.quantile(0.95),
            "flow_efficiency": grouped["work_h"].sum() / grouped["lead_time_h"].sum(),
        }
    ).reindex(index)
    measures["completed"] = measures["completed"].fillna(0).astype("int64")
    measures["throughput_per_day"] = (
        finished.groupby(every_key).sum().reindex(index, fill_value=0).astype("float64") / days
    )
    measures["wip"] = in_system.groupby(every_key).sum().reindex(index, fill_value=0.0) / (horizon - warmup)
    measures["sla_attainment"] = (
        with_sla["sla_met"].astype("float64").groupby([with_sla[key] for key in keys]).mean().reindex(index)
    )
    open_cases = cases["complete_h"].isna()
    case_keys = [cases[key] for key in keys]
    arrived = cases.groupby(case_keys).size().reindex(index, fill_value=0)
    measures["unfinished"] = open_cases.groupby(case_keys).sum().reindex(index, fill_value=0).astype("int64")
    measures["unfinished_share"] = measures["unfinished"] / arrived.where(arrived > 0)
    # Kaplan–Meier: a case still open at the horizon has been in the system at least horizon − arrival
    observed_h = cases["lead_time_h"].where(~open_cases, horizon - cases["arrival_h"])
    durations = pd.DataFrame({"observed_h": observed_h, "open": open_cases})
    km = {
        tuple(group): kaplan_meier_quantiles(part["observed_h"].to_numpy(), part["open"].to_numpy(), (0.50, 0.85))
        for group, part in durations.groupby(case_keys)
    }
    unknown = (math.nan, math.nan)
    groups = [group if isinstance(group, tuple) else (group,) for group in measures.index]
    measures["lead_time_km_p50_h"] = [km.get(group, unknown)[0] for group in groups]
    measures["lead_time_km_p85_h"] = [km.get(group, unknown)[1] for group in groups]
    return measures.reset_index()


def kaplan_meier_quantiles(
    durations_h: np.ndarray, censored: np.ndarray, probabilities: tuple[float, ...]
) -> tuple[float, ...]:
    """Quantiles of a duration distribution from right-censored data (Kaplan–Meier, `scipy.stats.ecdf`).

    `censored` marks durations that are only a lower bound (the case was still open). A quantile the estimate never
    reaches (too many open cases) is NaN: the data cannot tell it, and the completed-only figure would be too low.
    """
    durations_h = np.asarray(durations_h, dtype="float64")
    censored = np.asarray(censored, dtype=bool)
    if not (~censored).any():
        return tuple(math.nan for _ in probabilities)
    data = stats.CensoredData(uncensored=durations_h[~censored], right=durations_h[censored])
    cdf = stats.ecdf(data).cdf
    reached = cdf.probabilities
    out = []
    for probability in probabilities:
        at = np.flatnonzero(reached >= probability - 1e-12)
        out.append(float(cdf.quantiles[at[0]]) if len(at) else math.nan)
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ItemLeadTime:
    """Lead time (hours) of one work item class across replications, and how many of its cases completed."""

    item: str
    lead_time_h: Estimate
    completed: int


@dataclass(frozen=True, slots=True)
class Bottleneck:
    """The stage where most of the waiting happens, with its team's utilisation and its mean wait (hours)."""

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
    lead_time_mean_h: Estimate
    lead_time_p50_h: Estimate
    lead_time_p85_h: Estimate
    lead_time_p95_h: Estimate
    flow_efficiency: Estimate
    throughput_per_day: Estimate
    wip: Estimate
    sla_attainment: Estimate
    unfinished_cases: int
    """Cases that arrived after the warm-up and were still in the system at the horizon (all replications)."""
    unfinished_share: Estimate
    """Their share of the cases that arrived after the warm-up."""
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
    """A `Bottleneck` from one row of `pool_stage_table`."""
    return Bottleneck(
        stage=str(row["stage"]),
        team=str(row["team"]),
        wait_share=float(row["wait_share"]),
        wait_mean_h=float(row["wait_mean_h"]),
        utilisation=float(row["utilisation"]),
    )


def build_summary(
    measures: pd.DataFrame, cases: pd.DataFrame, pooled_stages: pd.DataFrame, *, warmup_h: float, horizon_h: float
) -> Summary:
    """The `Summary` from the tables of `compute_replication_measures`, `compute_case_table`, `pool_stage_table`.

    Item classes are listed longest mean lead time first; the bottleneck is the stage with the largest wait share
    (None when nothing waited).
    """
    completed = cases.loc[cases["complete_h"].notna()]
    item_means = completed.groupby(["item", "replication"])["lead_time_h"].mean()
    item_counts = completed.groupby("item").size()
    items = [
        ItemLeadTime(str(item), confidence_interval(item_means.loc[item].to_numpy()), int(item_counts[item]))
        for item in item_counts.index
    ]
    items.sort(key=lambda entry: (-entry.lead_time_h.mean, entry.item))
    shares = pooled_stages["wait_share"]
    bottleneck = None
    if shares.notna().any() and shares.max() > 0:
        bottleneck = _stage_bottleneck(pooled_stages.loc[shares.idxmax()])
    constraint = None
    busiest = pooled_stages.loc[pooled_stages["utilisation"].notna()]
    if len(busiest):
        top = busiest.loc[busiest["utilisation"] == busiest["utilisation"].max()]
        constraint = _stage_bottleneck(top.loc[top["wait_share"].fillna(0).idxmax()])
    return Summary(
        replications=len(measures),
        warmup_h=float(warmup_h),
        horizon_h=float(horizon_h),
        completed_cases=int(measures["completed"].sum()),
        lead_time_mean_h=confidence_interval(measures["lead_time_mean_h"]),
        lead_time_p50_h=confidence_interval(measures["lead_time_p50_h"]),
        lead_time_p85_h=confidence_interval(measures["lead_time_p85_h"]),
        lead_time_p95_h=confidence_interval(measures["lead_time_p95_h"]),
        flow_efficiency=confidence_interval(measures["flow_efficiency"]),
        throughput_per_day=confidence_interval(measures["throughput_per_day"]),
        wip=confidence_interval(measures["wip"]),
        sla_attainment=confidence_interval(measures["sla_attainment"]),
        unfinished_cases=int(measures["unfinished"].sum()),
        unfinished_share=confidence_interval(measures["unfinished_share"]),
        lead_time_km_p50_h=confidence_interval(measures["lead_time_km_p50_h"]),
        lead_time_km_p85_h=confidence_interval(measures["lead_time_km_p85_h"]),
        item_lead_times=tuple(items),
        bottleneck=bottleneck,
        constraint=constraint,
    )


def summarise_replications(replications: Replications) -> Summary:
    """Compute every table and return the `Summary` of the replications (see `build_summary`)."""
    cases = compute_case_table(replications)
    return build_summary(
        compute_replication_measures(replications, cases),
        cases,
        pool_stage_table(replications),
        warmup_h=replications.warmup_h,
        horizon_h=replications.horizon_h,
    )
