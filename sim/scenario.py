"""Scenario files in, the engine's `Network` out: `load_scenario` validates a YAML file, `build_network` resolves it.

`build_network` turns the validated pydantic `Scenario` (the boundary) into the frozen `sim.network` records (the
inside): every time in hours after `run.start`, every distribution a `sim.distributions` object.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import cast

from sim import distributions as dist
from sim.errors import ScenarioError
from sim.network import (
    DEFAULT_MAX_VISITS,
    FLOW_START,
    Arrivals,
    Batching,
    CadenceGate,
    Escalation,
    Flow,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PeopleGroup,
    PoissonArrivals,
    RenewalArrivals,
    Rework,
    RunSettings,
    ScheduledArrivals,
    Spawn,
    Stage,
    Team,
    WeeklyArrivals,
    WorkingCalendar,
)
from sim.scenario_loader import check_references, load_scenario, read_scenario_text, validate_scenario
from sim.scenario_model import (
    WEEKDAYS,
    ArrivalSpec,
    CalendarSpec,
    DistributionSpec,
    EmpiricalSpec,
    ExponentialSpec,
    FixedSpec,
    GammaSpec,
    IntervalArrivalSpec,
    ItemClassSpec,
    LognormalSpec,
    PoissonArrivalSpec,
    RenewalArrivalSpec,
    Scenario,
    ScheduleArrivalSpec,
    StageSpec,
    TeamSpec,
    TriangularSpec,
    UniformSpec,
    WeeklyArrivalSpec,
)

__all__ = [
    "Scenario",
    "build_distribution",
    "build_network",
    "load_network",
    "load_scenario",
    "read_scenario_text",
    "validate_scenario",
    "with_start",
]


def build_distribution(spec: DistributionSpec) -> dist.Distribution:
    """The `sim.distributions` object (hours) for a validated distribution spec."""
    match spec:
        case ExponentialSpec():
            return dist.Exponential(spec.mean)
        case LognormalSpec():
            return dist.Lognormal(spec.mean, spec.cv)
        case GammaSpec():
            return dist.Gamma(spec.mean, spec.cv)
        case TriangularSpec():
            return dist.Triangular(spec.low, spec.mode, spec.high)
        case UniformSpec():
            return dist.Uniform(spec.low, spec.high)
        case FixedSpec():
            return dist.Fixed(spec.value)
        case EmpiricalSpec():
            return dist.Empirical(tuple(spec.samples))
    raise TypeError(f"not a distribution spec: {spec!r}")


def _calendar(spec: CalendarSpec | None) -> WorkingCalendar | None:
    if spec is None:
        return None
    return WorkingCalendar(
        weekdays=frozenset(WEEKDAYS.index(day) for day in spec.weekdays), day_start_h=spec.hours[0],
        day_end_h=spec.hours[1],
    )  # fmt: skip


def _build_team(name: str, spec: TeamSpec) -> Team:
    calendar = _calendar(spec.calendar)
    if spec.people is None:
        return Team(name=name, capacity=int(cast(int, spec.capacity)), calendar=calendar)
    people = tuple(
        PeopleGroup(group.count, calendar if group.calendar is None else _calendar(group.calendar), group.name)
        for group in spec.people
    )
    return Team(name=name, capacity=sum(group.count for group in people), calendar=calendar, people=people)


def _build_stage(stream: str, spec: StageSpec) -> Stage:
    batch = None if spec.batch is None else Batching(size=spec.batch.size, timeout_h=spec.batch.timeout)
    escalation = None
    if spec.escalation is not None:
        escalation = Escalation(
            after_h=spec.escalation.after, priority=spec.escalation.priority, team=spec.escalation.team
        )
    return Stage(
        name=spec.name,
        stream=stream,
        team=spec.team,
        work=build_distribution(spec.work),
        handoff=None if spec.handoff is None else build_distribution(spec.handoff),
        gate=spec.gate,
        batch=batch,
        escalation=escalation,
        activity=spec.activity,
    )


def _build_arrivals(spec: ArrivalSpec, scenario: Scenario) -> Arrivals:
    match spec:
        case PoissonArrivalSpec():
            return PoissonArrivals(rate_per_h=spec.rate)
        case IntervalArrivalSpec():
            return IntervalArrivals(every_h=spec.every, offset_h=spec.offset)
        case ScheduleArrivalSpec():
            start = scenario.run.start
            return ScheduledArrivals(
                times_h=tuple(sorted((moment - start).total_seconds() / 3600 for moment in spec.at))
            )
        case WeeklyArrivalSpec():
            days: dict[str, list[float]] = {day: rates for day, rates in spec.rates.items()}
            hourly = [float(rate) for day in WEEKDAYS for rate in days.get(day, [0.0] * 24)]
            return WeeklyArrivals(rates_per_h=tuple(hourly))
        case RenewalArrivalSpec():
            return RenewalArrivals(gap=build_distribution(spec.gap))
    return NoArrivals()


def _build_flow(spec: ItemClassSpec) -> Flow | None:
    if spec.flow is None:
        return None
    return Flow(
        start=dict(spec.flow.get(FLOW_START, {})),
        transitions={stage: dict(row) for stage, row in spec.flow.items() if stage != FLOW_START},
        max_visits=DEFAULT_MAX_VISITS if spec.max_visits is None else spec.max_visits,
        delays={
            (source, target): build_distribution(delay)
            for source, row in spec.flow_delays.items()
            for target, delay in row.items()
        },
    )


def _build_item_class(name: str, spec: ItemClassSpec, scenario: Scenario) -> ItemClass:
    return ItemClass(
        name=name,
        stream=spec.stream,
        route=tuple(spec.route or ()),
        arrivals=_build_arrivals(spec.arrival, scenario),
        priority=spec.priority,
        sla_h=spec.sla,
        scenario=spec.scenario,
        rework=tuple(
            Rework(after=rework.after, to=rework.to, probability=rework.probability, max_loops=rework.max_loops)
            for rework in spec.rework
        ),
        spawn=tuple(
            Spawn(
                after=spawn.after,
                item_class=spawn.item_class,
                count_low=spawn.count[0],
                count_high=spawn.count[1],
                probability=spawn.probability,
                per_batch=spawn.per_batch,
            )
            for spawn in spec.spawn
        ),
        work={stage: build_distribution(work) for stage, work in spec.work.items()},
        expedite=spec.expedite,
        flow=_build_flow(spec),
    )


def build_network(scenario: Scenario) -> Network:
    """Resolve a validated `Scenario` into the engine's `Network` (all times in hours, names cross-checked)."""
    run = scenario.run
    return Network(
        name=scenario.name,
        run=RunSettings(
            start=run.start,
            horizon_h=run.horizon,
            warmup_h=run.warmup,
            replications=run.replications,
            seed=run.seed,
        ),
        teams={name: _build_team(name, spec) for name, spec in scenario.teams.items()},
        stages={
            stage.name: _build_stage(stream_name, stage)
            for stream_name, stream in scenario.streams.items()
            for stage in stream.stages
        },
        item_classes={name: _build_item_class(name, spec, scenario) for name, spec in scenario.items.items()},
        gates={
            name: CadenceGate(name=name, every_h=gate.every, offsets_h=tuple(gate.offset), open_for_h=gate.open_for)
            for name, gate in scenario.gates.items()
        },
        streams=tuple(scenario.streams),
    )


def with_start(scenario: Scenario, start: datetime, source: str = "<scenario>") -> Scenario:
    """`scenario` with `run.start` replaced (e.g. by `flowlab run --start`), its cross-references checked again: a
    schedule of arrivals must not begin before the new start. Calendars, gates, weekly arrival rates and the event
    log's timestamps then follow the new start (and its timezone).

    Raises:
        ValueError: `start` carries no timezone.
        ScenarioError: the scenario does not hold with the new start (each line names `source` and the path).
    """
    if start.tzinfo is None or start.utcoffset() is None:
        raise ValueError(f"the start must carry a timezone such as +00:00 (got {start.isoformat()})")
    changed = scenario.model_copy(update={"run": scenario.run.model_copy(update={"start": start})})
    problems = check_references(changed)
    if problems:
        raise ScenarioError("\n".join(f"{source}: {line}" for line in problems))
    return changed


def load_network(path: str | Path, *, start: datetime | None = None, text: str | None = None) -> Network:
    """Read, validate and resolve a scenario file in one call (raises `ScenarioError`); `start` replaces its
    `run.start` (`with_start`); `text` is the file's content when the caller has read it already."""
    scenario = load_scenario(path, text=text)
    if start is not None:
        scenario = with_start(scenario, start, Path(path).name)
    return build_network(scenario)
