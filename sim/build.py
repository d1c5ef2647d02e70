"""Turning a `Network` into what the engine runs: stage and class plans (`sim.plan`) with every random draw bound to
its own named stream, and each class's arrival times.

Randomness: every stream of draws (arrival gaps per item class, work and hand-off times per stage, a class's own
work times per overridden stage, rework/spawn decisions per item class) has its own generator derived from the one
seed and the stream's *names*, so adding or changing one class or stage leaves the draws of the others unchanged.
Draws are made in numpy batches. A name the network does not define (a team, gate, stage or class) is a
`ScenarioError` naming where it was used.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import cast

import numpy as np

from sim.calendar import week_hour_of
from sim.errors import ScenarioError
from sim.network import (
    FLOW_END,
    Flow,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PoissonArrivals,
    RenewalArrivals,
    ScheduledArrivals,
    WeeklyArrivals,
)
from sim.plan import AfterStage, Branch, ClassPlan, Escalation, FlowPlan, ReworkRule, SpawnRule, StagePlan, Step
from sim.servers import ServerPool

__all__ = ["arrival_times", "build_classes", "build_stages", "flow_stages", "weekly_arrival_times"]

# Purposes mixed into each generator's seed, so two streams with the same name never share draws.
_ARRIVALS, _WORK, _HANDOFF, _DECISIONS, _CLASS_WORK, _FLOW_DELAY = 1, 2, 3, 4, 5, 6
_FIRST_CHUNK, _LAST_CHUNK = 64, 8192
HOURS_PER_WEEK = 168


def _generator(root: np.random.SeedSequence, purpose: int, *names: str) -> np.random.Generator:
    """A generator for one named stream of draws (e.g. a stage, or a class and a stage), independent of every other
    name and purpose."""
    key = (*root.spawn_key, purpose, *(zlib.crc32(name.encode("utf-8")) for name in names))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))


def _buffered(
    sample_many: Callable[[np.random.Generator, int], np.ndarray], rng: np.random.Generator
) -> Iterator[float]:
    """Endless draws taken from numpy in growing chunks (64 up to 8192), handed out one Python float at a time.

    A chunk is drawn when the previous one is used up. The floats come out of `itertools.chain`, whose `__next__`
    (the engine's `draw()`) costs less than resuming a generator.
    """
    return itertools.chain.from_iterable(map(lambda size: sample_many(rng, size).tolist(), _chunk_sizes()))


def _chunk_sizes() -> Iterator[int]:
    """64, 128, ... up to 8192, then 8192 for ever."""
    size = _FIRST_CHUNK
    while True:
        yield size
        size = min(size * 2, _LAST_CHUNK)


def _uniforms(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.random(size)


def _team(network: Network, teams: Mapping[str, ServerPool], name: str, where: str) -> ServerPool:
    if name not in teams:
        raise ScenarioError(f"{network.name}: {where} uses team {name!r}, not among {sorted(network.teams)}")
    return teams[name]


def build_stages(
    network: Network, root: np.random.SeedSequence, teams: Mapping[str, ServerPool]
) -> dict[str, StagePlan]:
    """Every stage of `network`, in order, with its team's pool, its work and hand-off draws, gate, batching and
    escalation; `simple` marks the stages the engine may serve on its short path."""
    stages: dict[str, StagePlan] = {}
    for index, (name, stage) in enumerate(network.stages.items()):
        team = _team(network, teams, stage.team, f"stage {name!r}")
        plan = StagePlan(index, team, _buffered(stage.work.sample_many, _generator(root, _WORK, name)).__next__)
        if stage.handoff is not None:
            plan.handoff = _buffered(stage.handoff.sample_many, _generator(root, _HANDOFF, name)).__next__
        if stage.gate is not None:
            if stage.gate not in network.gates:
                raise ScenarioError(
                    f"{network.name}: stage {name!r} uses gate {stage.gate!r}, not among {sorted(network.gates)}"
                )
            plan.gate = network.gates[stage.gate]
        plan.batch = stage.batch
        if stage.escalation is not None:
            escalation = stage.escalation
            target = team if escalation.team is None else _team(network, teams, escalation.team, f"stage {name!r}")
            plan.escalation = Escalation(escalation.after_h, escalation.priority, target)
        plan.simple = (
            plan.handoff is None
            and plan.gate is None
            and plan.batch is None
            and plan.escalation is None
            and team.schedule is None
            and not network.teams[stage.team].people
        )
        # people who keep different hours are seized through the pool's own methods (`_general_visit`)
        plan.direct = plan.batch is None and not network.teams[stage.team].people
        stages[name] = plan
    return stages


def build_classes(
    network: Network, root: np.random.SeedSequence, stages: Mapping[str, StagePlan]
) -> dict[str, ClassPlan]:
    """Every item class of `network`, in order, with its decision draws and its route (or flow) resolved into
    steps."""
    items = list(network.item_classes.values())
    classes = {
        item.name: ClassPlan(
            index,
            item.name,
            item.priority,
            item.expedite,
            _buffered(_uniforms, _generator(root, _DECISIONS, item.name)).__next__,
        )
        for index, item in enumerate(items)
    }
    for item in items:
        plan = classes[item.name]
        if item.flow is None:
            plan.steps = _steps(network, item, root, stages, classes)
        else:
            plan.steps, plan.flow = _flow_steps(network, item, root, stages, classes)
    return classes


def _draws(
    item: ItemClass, visited: Sequence[str], root: np.random.SeedSequence, stages: Mapping[str, StagePlan], where: str
) -> dict[str, Callable[[], float]]:
    """The work-time draw of each stage the class visits: the class's own (one stream per class and stage) where it
    overrides the stage's, else the stage's."""
    draws = {name: stages[name].draw for name in visited}
    for name, work in item.work.items():
        if name not in draws:
            raise ScenarioError(f"{where}: work overrides stage {name!r}, which is not on its route {list(visited)}")
        draws[name] = _buffered(work.sample_many, _generator(root, _CLASS_WORK, item.name, name)).__next__
    return draws


def _attach_spawns(
    item: ItemClass,
    after: list[AfterStage | None],
    positions: Callable[[str, str], list[int]],
    classes: Mapping[str, ClassPlan],
    where: str,
) -> None:
    """Attach the class's spawn rules to the steps (positions) of the stages they follow."""
    for number, spawn in enumerate(item.spawn):
        if spawn.item_class not in classes:
            raise ScenarioError(
                f"{where}: spawn[{number}] creates class {spawn.item_class!r}, not among {sorted(classes)}"
            )
        target = classes[spawn.item_class]
        for position in positions(spawn.after, f"spawn[{number}].after"):
            actions = after[position] = after[position] or AfterStage()
            actions.spawns.append(
                SpawnRule(target, spawn.count_low, spawn.count_high, spawn.probability, spawn.per_batch)
            )


def _steps(
    network: Network,
    item: ItemClass,
    root: np.random.SeedSequence,
    stages: Mapping[str, StagePlan],
    classes: Mapping[str, ClassPlan],
) -> tuple[Step, ...]:
    """Resolve a class's route, attaching its rework and spawn rules to the route positions they follow and its own
    work-time draw to the stages it overrides (one draw stream per class and stage)."""
    route = item.route
    where = f"{network.name}: item class {item.name!r}"
    for name in route:
        if name not in stages:
            raise ScenarioError(f"{where} routes through stage {name!r}, not among {sorted(stages)}")
    draws = _draws(item, route, root, stages, where)
    after: list[AfterStage | None] = [None] * len(route)

    def positions(stage: str, rule: str) -> list[int]:
        found = [p for p, name in enumerate(route) if name == stage]
        if not found:
            raise ScenarioError(f"{where}: {rule} names stage {stage!r}, which is not on its route {list(route)}")
        return found

    for number, rework in enumerate(item.rework):
        targets = positions(rework.to, f"rework[{number}].to")
        for position in positions(rework.after, f"rework[{number}].after"):
            earlier = [p for p in targets if p <= position]
            back_to = earlier[-1] if earlier else targets[0]
            actions = after[position] = after[position] or AfterStage()
            actions.reworks.append(ReworkRule(number, back_to, rework.probability, rework.max_loops))
    _attach_spawns(item, after, positions, classes, where)
    return tuple(Step(stages[name], actions, draws[name]) for name, actions in zip(route, after, strict=True))


def flow_stages(flow: Flow) -> list[str]:
    """The stages a flow can reach from its start, in the order a breadth-first walk meets them (rows and targets
    in the order written; probability-0 branches lead nowhere)."""
    found: list[str] = []
    frontier = [flow.start]
    while frontier:
        row = frontier.pop(0)
        for target, probability in row.items():
            if probability > 0 and target != FLOW_END and target not in found:
                found.append(target)
                if target in flow.transitions:
                    frontier.append(flow.transitions[target])
    return found


def _branches(
    row: Mapping[str, float],
    position: Mapping[str, int],
    end: int,
    where: str,
    delays: Mapping[str, Callable[[], float]] | None = None,
) -> tuple[Branch, ...]:
    """A flow row as cumulative branches (probability-0 targets dropped, the rest scaled to sum exactly 1, the last
    bound infinite), each with its delay draw (`delays` by target) where it has one."""
    kept = [(target, probability) for target, probability in row.items() if probability > 0]
    total = sum(probability for _, probability in kept)
    if not kept or not math.isfinite(total):
        raise ScenarioError(f"{where} has no way out (every probability is 0)")
    branches: list[Branch] = []
    cumulative = 0.0
    for number, (target, probability) in enumerate(kept):
        cumulative += probability / total
        below = math.inf if number == len(kept) - 1 else cumulative
        branches.append(Branch(below, end if target == FLOW_END else position[target], (delays or {}).get(target)))
    return tuple(branches)


def _flow_steps(
    network: Network,
    item: ItemClass,
    root: np.random.SeedSequence,
    stages: Mapping[str, StagePlan],
    classes: Mapping[str, ClassPlan],
) -> tuple[tuple[Step, ...], FlowPlan]:
    """Resolve a class's flow: one step per stage it can reach (carrying the branches to the next stage, the spawn
    rules and the class's own work-time draws), and its start branches."""
    where = f"{network.name}: item class {item.name!r}"
    flow = cast(Flow, item.flow)
    if item.route or item.rework:
        raise ScenarioError(f"{where} has a flow and a route or rework; a flow class has neither")
    visited = flow_stages(flow)
    for name in visited:
        if name not in stages:
            raise ScenarioError(f"{where}: its flow goes to stage {name!r}, not among {sorted(stages)}")
        if name not in flow.transitions:
            raise ScenarioError(f"{where}: its flow reaches stage {name!r} but has no row for it")
    if not visited:
        raise ScenarioError(f"{where}: its flow's start leads to no stage")
    position = {name: number for number, name in enumerate(visited)}
    end = len(visited)
    draws = _draws(item, visited, root, stages, where)
    after: list[AfterStage | None] = []
    for name in visited:
        actions = AfterStage()
        delays = {
            target: _buffered(delay.sample_many, _generator(root, _FLOW_DELAY, item.name, name, target)).__next__
            for (source, target), delay in flow.delays.items()
            if source == name
        }
        actions.branches = _branches(
            flow.transitions[name], position, end, f"{where}: its flow's row {name!r}", delays
        )
        after.append(actions)

    def positions(stage: str, rule: str) -> list[int]:
        if stage not in position:
            raise ScenarioError(f"{where}: {rule} names stage {stage!r}, which is not in its flow {visited}")
        return [position[stage]]

    _attach_spawns(item, after, positions, classes, where)
    steps = tuple(Step(stages[name], actions, draws[name]) for name, actions in zip(visited, after, strict=True))
    start = _branches(flow.start, position, end, f"{where}: its flow's start")
    if any(branch.to == end for branch in start):
        raise ScenarioError(f"{where}: its flow's start leads straight to the end (every item visits a stage)")
    if flow.max_visits < 1:
        raise ScenarioError(f"{where}: its flow's max_visits must be >= 1 (got {flow.max_visits})")
    return steps, FlowPlan(start, flow.max_visits)


def arrival_times(network: Network, item: ItemClass, root: np.random.SeedSequence) -> Iterator[float] | None:
    """The class's arrival moments (hours, increasing, endless unless scheduled), or None when it has none (no
    arrivals, or weekly rates that are all 0). Poisson gaps, weekly exponential(1) steps and renewal gaps are drawn
    on the class's own arrival stream."""
    arrivals = item.arrivals
    if isinstance(arrivals, PoissonArrivals):
        if arrivals.rate_per_h <= 0:
            return None
        gaps = _buffered(
            lambda rng, size: rng.exponential(1 / arrivals.rate_per_h, size), _generator(root, _ARRIVALS, item.name)
        )
        return itertools.accumulate(gaps)
    if isinstance(arrivals, IntervalArrivals):
        return (arrivals.offset_h + k * arrivals.every_h for k in itertools.count())
    if isinstance(arrivals, ScheduledArrivals):
        return iter(sorted(arrivals.times_h))
    if isinstance(arrivals, NoArrivals):
        return None
    if isinstance(arrivals, WeeklyArrivals):
        rates = arrivals.rates_per_h
        if len(rates) != HOURS_PER_WEEK or min(rates) < 0:
            raise ScenarioError(
                f"{network.name}: item class {item.name!r} needs 168 hourly rates >= 0 for its weekly arrivals "
                f"(got {len(rates)}, lowest {min(rates, default=float('nan'))})"
            )
        if max(rates) <= 0:
            return None
        steps = _buffered(lambda rng, size: rng.exponential(1.0, size), _generator(root, _ARRIVALS, item.name))
        return weekly_arrival_times(rates, week_hour_of(network.run.start), steps)
    if isinstance(arrivals, RenewalArrivals):
        if not arrivals.gap.mean > 0:
            raise ScenarioError(
                f"{network.name}: item class {item.name!r} has renewal gaps of mean {arrivals.gap.mean} h (must be > 0)"
            )
        return itertools.accumulate(_buffered(arrivals.gap.sample_many, _generator(root, _ARRIVALS, item.name)))
    raise ScenarioError(f"{network.name}: item class {item.name!r} has unknown arrivals {arrivals!r}")


def weekly_arrival_times(rates_per_h: Sequence[float], origin_h: float, steps: Iterator[float]) -> Iterator[float]:
    """Arrival moments (hours after the start) of a Poisson process whose rate is `rates_per_h[k]` in hour k of the
    week (k = 0: Monday 00:00-01:00), the start falling `origin_h` hours into the week: exact inversion of the
    piecewise-constant cumulative rate, each arrival one exponential(1) step of it (`steps`) after the previous.
    Endless; the caller stops at its horizon. At least one rate must be > 0."""
    hour = math.floor(origin_h)  # hours after the start week's Monday 00:00, of the hour under way
    time = 0.0
    need = next(steps)  # cumulative rate still to cover before the next arrival
    while True:
        hour_end = hour + 1 - origin_h
        rate = rates_per_h[hour % HOURS_PER_WEEK]
        if rate > 0:
            while True:
                arrival = time + need / rate
                if arrival > hour_end:  # the first moment the cumulative rate reaches the step
                    need -= (hour_end - time) * rate
                    break
                yield arrival
                time = arrival
                need = next(steps)
        time = hour_end
        hour += 1
