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
import zlib
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from sim.errors import ScenarioError
from sim.network import IntervalArrivals, ItemClass, Network, NoArrivals, PoissonArrivals, ScheduledArrivals
from sim.plan import AfterStage, ClassPlan, Escalation, ReworkRule, SpawnRule, StagePlan, Step
from sim.servers import ServerPool

__all__ = ["arrival_times", "build_classes", "build_stages"]

# Purposes mixed into each generator's seed, so two streams with the same name never share draws.
_ARRIVALS, _WORK, _HANDOFF, _DECISIONS, _CLASS_WORK = 1, 2, 3, 4, 5
_FIRST_CHUNK, _LAST_CHUNK = 64, 8192


def _generator(root: np.random.SeedSequence, purpose: int, *names: str) -> np.random.Generator:
    """A generator for one named stream of draws (e.g. a stage, or a class and a stage), independent of every other
    name and purpose."""
    key = (*root.spawn_key, purpose, *(zlib.crc32(name.encode("utf-8")) for name in names))
    return np.random.default_rng(np.random.SeedSequence(root.entropy, spawn_key=key))


def _buffered(
    sample_many: Callable[[np.random.Generator, int], np.ndarray], rng: np.random.Generator
) -> Iterator[float]:
    """Endless draws taken from numpy in growing chunks (64 up to 8192), handed out one Python float at a time."""
    size = _FIRST_CHUNK
    while True:
        yield from sample_many(rng, size).tolist()
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
        )
        stages[name] = plan
    return stages


def build_classes(
    network: Network, root: np.random.SeedSequence, stages: Mapping[str, StagePlan]
) -> dict[str, ClassPlan]:
    """Every item class of `network`, in order, with its decision draws and its route resolved into steps."""
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
        classes[item.name].steps = _steps(network, item, root, stages, classes)
    return classes


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
    draws = {name: stages[name].draw for name in route}
    for name, work in item.work.items():
        if name not in route:
            raise ScenarioError(f"{where}: work overrides stage {name!r}, which is not on its route {list(route)}")
        draws[name] = _buffered(work.sample_many, _generator(root, _CLASS_WORK, item.name, name)).__next__
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
    return tuple(Step(stages[name], actions, draws[name]) for name, actions in zip(route, after, strict=True))


def arrival_times(network: Network, item: ItemClass, root: np.random.SeedSequence) -> Iterator[float] | None:
    """The class's arrival moments (hours, increasing, endless unless scheduled), or None when it has none."""
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
    raise ScenarioError(f"{network.name}: item class {item.name!r} has unknown arrivals {arrivals!r}")
