"""What only the engine knows, per stage and replication: utilisation of the team, queue length over time, and
each stage's waiting split by cause.

Every flow measure a log can tell (lead time, wait, work, flow efficiency, throughput, WIP, unfinished cases) is
defined once, in `mining` (`mining.flow_measures`, `mining.stage_measures`), and `flowlab` applies it to the
simulated log. Here stays what the log cannot tell, over the window [warm-up, horizon]:

- **utilisation** = busy working hours ÷ the team's available working hours (capacity × its hours in the window);
  a batch is one job, and a job suspended overnight is not busy at night;
- **mean queue length**: the time average of the engine's queue-length samples;
- **wait by cause**: a visit's wait (start − ready) split into its hand-off, a cadence gate, its batch filling up,
  a person of its team while the team was on duty, the team to come back on duty, and the team escalation moved
  it to. The visits are those of `mining.stage_measures` (completed, ready inside the window), so the causes of a
  stage add up to its mean wait there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from sim.people import visits_by_schedule
from sim.replications import Replications

if TYPE_CHECKING:
    from sim.calendar import WeekSchedule

__all__ = ["ENGINE_STAGE_COLUMNS", "WAIT_CAUSES", "compute_engine_stage_measures", "time_average"]

WAIT_CAUSES = ("handoff", "gate", "batch", "people", "off_duty", "escalated")
"""What a visit waited for, in order: its hand-off, a cadence gate, its batch to fill, a person of its team while
the team was on duty, the team to come back on duty, and a person of the team escalation moved it to."""

ENGINE_STAGE_COLUMNS = ("stage", "stream", "team", "utilisation", "mean_queue_length",
                        *(f"wait_{cause}_mean_h" for cause in WAIT_CAUSES))  # fmt: skip
"""Columns of `compute_engine_stage_measures` (after `replication` when not pooled)."""


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


def _schedules(replications: Replications) -> Mapping[str, WeekSchedule]:
    return replications.recordings[0].schedules if replications.recordings else {}


def _server_schedules(replications: Replications) -> Mapping[str, Sequence[WeekSchedule | None]]:
    return replications.recordings[0].server_schedules if replications.recordings else {}


def working_hours_between(
    begin_h: pd.Series, end_h: pd.Series, team: pd.Series, schedules: Mapping[str, WeekSchedule], *,
    server: pd.Series | None = None, server_schedules: Mapping[str, Sequence[WeekSchedule | None]] | None = None,
) -> pd.Series:  # fmt: skip
    """Hours of [begin, end] in which each row's team was on duty (end − begin for a team without a calendar); with
    `server` and `server_schedules`, in which its person was, for people who keep different hours (`sim.people`)."""
    hours = (end_h - begin_h).astype("float64")
    if not schedules and not server_schedules:
        return hours
    servers = None if server is None else server.to_numpy(dtype="int64")
    begin, end = begin_h.to_numpy(dtype="float64"), end_h.to_numpy(dtype="float64")
    for rows, schedule in visits_by_schedule(team.to_numpy(dtype=object), servers, schedules, server_schedules or {}):
        hours.iloc[rows] = schedule.working_hours_at(end[rows]) - schedule.working_hours_at(begin[rows])
    return hours


# ---------------------------------------------------------------------------------------------------------------
# Per stage


def _wait_by_cause(replications: Replications) -> pd.DataFrame:
    """Per completed visit that became ready in [warm-up, horizon]: its replication, stage and wait split by cause."""
    visits = replications.visits
    visits = visits.loc[
        visits["complete_h"].notna() & visits["ready_h"].between(replications.warmup_h, replications.horizon_h)
    ]
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
            "stage": visits["stage"],
            "wait_handoff_h": visits["handoff_done_h"] - visits["ready_h"],
            "wait_gate_h": visits["gate_done_h"] - visits["handoff_done_h"],
            "wait_batch_h": visits["queued_h"] - visits["gate_done_h"],
            "wait_people_h": on_duty_h,
            "wait_off_duty_h": queue_h - on_duty_h,
            "wait_escalated_h": (visits["start_h"] - visits["escalated_h"]).fillna(0.0),
        }
    )


def _window_measures(replications: Replications) -> pd.DataFrame:
    """Per (replication, stage): utilisation of its team and the time-average queue length."""
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
    return pd.DataFrame(
        {
            "utilisation": np.nan_to_num(utilisation_rows, nan=0.0),
            "mean_queue_length": queue.reindex(index, fill_value=0.0).to_numpy(),
        },
        index=index,
    )


def _utilisation(replications: Replications) -> pd.Series:
    """Per (replication, team): busy working hours in [warm-up, horizon] ÷ (capacity × the team's working hours in
    that window; for people who keep different hours, the sum of their own). A batch is one job; a job suspended
    overnight is not busy at night."""
    network, warmup, horizon = replications.network, replications.warmup_h, replications.horizon_h
    schedules = _schedules(replications)
    visits = replications.visits
    visits = visits.loc[visits["start_h"].notna()]
    jobs = pd.concat([visits.loc[visits["batch"] < 0], visits.loc[visits["batch"] >= 0].drop_duplicates(
        ["replication", "batch"])])  # fmt: skip
    begin = jobs["start_h"].clip(lower=warmup, upper=horizon)
    end = jobs["complete_h"].fillna(horizon).clip(lower=warmup, upper=horizon)
    per_server = _server_schedules(replications)
    busy = working_hours_between(begin, end, jobs["team"], schedules, server=jobs["server"],
                                 server_schedules=per_server)  # fmt: skip
    busy = busy.groupby([jobs["replication"], jobs["team"]]).sum()
    teams = list(network.teams)

    def window_hours(schedule: WeekSchedule | None) -> float:
        if schedule is None:
            return horizon - warmup
        return float(np.diff(schedule.working_hours_at(np.array([warmup, horizon])))[0])

    available = pd.Series(
        {
            name: sum(map(window_hours, per_server[name])) if name in per_server
            else network.teams[name].capacity * window_hours(schedules.get(name))
            for name in teams
        }
    )  # fmt: skip
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


def compute_engine_stage_measures(replications: Replications) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per replication and stage (network order), and per stage over all replications: stream, team, utilisation,
    mean queue length and the mean wait per cause (hours; `WAIT_CAUSES`). The samples and visits are read once.

    Pooled, utilisation and queue length are the mean of the replications' values (equal windows, so this is the
    pooled time average) and the wait per cause is the mean over every replication's visits.
    """
    network = replications.network
    window = _window_measures(replications)
    causes = _wait_by_cause(replications)
    pooled_window = window.groupby(level="stage", sort=False).mean().reindex(list(network.stages))
    return (
        _engine_table(network.stages, window, causes, ["replication", "stage"]),
        _engine_table(network.stages, pooled_window, causes, ["stage"]),
    )


def _engine_table(stages: dict, window: pd.DataFrame, causes: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The window measures joined with the mean wait per cause, grouped by `keys`, with stream and team."""
    means = causes.groupby(keys)[[f"wait_{cause}_h" for cause in WAIT_CAUSES]].mean()
    means.columns = [f"wait_{cause}_mean_h" for cause in WAIT_CAUSES]
    table = window.join(means)
    table.index.names = keys
    table = _describe_stages(stages, table.reset_index())
    return table[[*keys[:-1], *ENGINE_STAGE_COLUMNS]]
