"""The SimPy engine: runs one replication of a `Network` and returns its `Recording`.

Each stage is a queue in front of its team's servers; work items are SimPy processes that follow their class's
route. A team is a `sim.servers.ServerPool` (a non-preemptive priority pool aware of the team's calendar); every
visit records which server served it (a batch job takes one server).

Per stage visit: ready -> hand-off delay -> cadence gate -> batch formation -> queue (escalation) -> work (on a
calendared team only inside its hours, suspended over nights and weekends) -> complete -> rework -> spawns -> next
stage. An expedited class skips the gate and the batch. Each visit records the moment each of these waits ended, so
waiting can be split by cause. Stages that use none of the optional features (and whose team has no calendar) take
a short path with no branches for them; the others go through `_Run._general_visit`.

Randomness: every stream of draws (arrival gaps per item class, work and hand-off times per stage, a class's own
work times per overridden stage, rework/spawn decisions per item class) has its own generator derived from the one
seed and the stream's *names*, so adding or changing one class or stage leaves the draws of the others unchanged.
Draws are made in numpy batches.
"""

from __future__ import annotations

import itertools
import math
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any, cast

import numpy as np
import simpy
from simpy.events import Event, Timeout

from sim.calendar import build_week_schedule
from sim.errors import ScenarioError
from sim.gates import wait_for_gate
from sim.network import (
    Batching,
    CadenceGate,
    IntervalArrivals,
    ItemClass,
    Network,
    NoArrivals,
    PoissonArrivals,
    ScheduledArrivals,
)
from sim.recording import (
    C_ARRIVAL,
    C_BATCH,
    C_CASE,
    C_COMPLETE,
    C_ESCALATED,
    C_GATE_DONE,
    C_HANDOFF_DONE,
    C_INDEX,
    C_ITEM,
    C_QUEUED,
    C_READY,
    C_SERVER,
    C_STAGE,
    C_START,
    C_TEAM,
    COMPACT_VALUES,
    Recorder,
    Recording,
)
from sim.servers import Request, ServerPool

__all__ = ["simulate"]

_NAN = math.nan
# Purposes mixed into each generator's seed, so two streams with the same name never share draws.
_ARRIVALS, _WORK, _HANDOFF, _DECISIONS, _CLASS_WORK = 1, 2, 3, 4, 5
_FIRST_CHUNK, _LAST_CHUNK = 64, 8192


def simulate(network: Network, *, seed: int | np.random.SeedSequence, replication: int = 0) -> Recording:
    """Run ONE replication of `network` for `network.run.horizon_h` hours (warm-up included) and record it.

    Args:
        network: the resolved network to run.
        seed: an int, or a `SeedSequence` already specific to this replication. An int is combined with
            `replication` as ``SeedSequence(seed, spawn_key=(replication,))`` — the same as
            ``SeedSequence(seed).spawn(n)[replication]`` — so replications get independent streams.
        replication: the replication number, used in case ids (``r{replication}-{item}-{seq:06d}``).

    Returns:
        The `Recording`; the same network and seed always give an identical one.
    """
    if isinstance(seed, np.random.SeedSequence):
        root = seed
    else:
        root = np.random.SeedSequence(int(seed), spawn_key=(int(replication),))
    run = _Run(network, root, int(replication))
    run.env.run(until=network.run.horizon_h)
    schedules = {name: team.schedule for name, team in run.teams.items() if team.schedule is not None}
    return run.recorder.finish(
        horizon_h=network.run.horizon_h, replication=int(replication), network_name=network.name, schedules=schedules
    )


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


class _Stage:
    """A stage resolved for the run: its team object, bound draw functions and the state of its queue and batch."""

    __slots__ = (
        "batch",
        "batch_token",
        "draw",
        "escalation",
        "forming",
        "gate",
        "handoff",
        "index",
        "queue_length",
        "simple",
        "team",
    )

    def __init__(self, index: int, team: ServerPool, draw: Callable[[], float]) -> None:
        self.index = index
        self.team = team
        self.draw = draw
        self.handoff: Callable[[], float] | None = None
        self.gate: CadenceGate | None = None
        self.batch: Batching | None = None
        self.escalation: tuple[float, int | None, ServerPool] | None = None
        self.queue_length = 0
        self.forming: list[tuple] = []
        """Members of the batch now gathering: (case row, priority, done event, class, after-actions, work draw)."""
        self.batch_token = 0
        self.simple = True


Step = tuple["_Stage", "_After | None", Callable[[], float]]
"""One route position of a class: the stage, what may follow it, and the work-time draw (the class's own or the
stage's)."""


class _Class:
    """An item class resolved for the run: its route as (stage, after-actions, work draw) steps and its counters."""

    __slots__ = ("decide", "expedite", "index", "name", "priority", "seq", "steps")

    def __init__(self, index: int, item: ItemClass, decide: Callable[[], float]) -> None:
        self.index = index
        self.name = item.name
        self.priority = item.priority
        self.expedite = item.expedite
        self.decide = decide
        self.seq = 0
        self.steps: tuple[Step, ...] = ()


class _After:
    """What may happen after one route position completes: rework rules (first hit wins) and spawn rules."""

    __slots__ = ("reworks", "spawns")

    def __init__(self) -> None:
        # (rule number, route position to go back to, probability, max loops or None)
        self.reworks: list[tuple[int, int, float, int | None]] = []
        # (target class, low, high, probability, per batch)
        self.spawns: list[tuple[_Class, int, int, float, bool]] = []


class _Run:
    """One replication in progress: the SimPy environment, the resolved network and the recorder."""

    def __init__(self, network: Network, root: np.random.SeedSequence, replication: int) -> None:
        self.env = simpy.Environment()
        self.horizon = float(network.run.horizon_h)
        self.replication = replication
        self.network_name = network.name
        self.tickets = itertools.count()
        self.batch_ids = itertools.count()

        team_names = list(network.teams)
        stage_names = list(network.stages)
        items = list(network.item_classes.values())
        self.recorder = Recorder(
            item_names=[item.name for item in items],
            item_streams=[item.stream for item in items],
            item_scenarios=[item.scenario for item in items],
            item_slas=[_NAN if item.sla_h is None else item.sla_h for item in items],
            stage_names=stage_names,
            team_names=team_names,
        )
        self.visit = self.recorder.visits.extend
        self.new_case = self.recorder.new_case
        self.queue_sample = self.recorder.queues.extend
        self.busy_sample = self.recorder.busy.extend

        self.teams = {
            name: ServerPool(
                self.env,
                index,
                team.capacity,
                None if team.calendar is None else build_week_schedule(team.calendar, network.run.start),
                on_dequeue=self._dequeued,
                on_busy=self.busy_sample,
                tickets=self.tickets,
            )
            for index, (name, team) in enumerate(network.teams.items())
        }
        self.stages: dict[str, _Stage] = {}
        for index, (name, stage) in enumerate(network.stages.items()):
            team = self._team(network, stage.team, f"stage {name!r}")
            plan = _Stage(index, team, _buffered(stage.work.sample_many, _generator(root, _WORK, name)).__next__)
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
                target = team if escalation.team is None else self._team(network, escalation.team, f"stage {name!r}")
                plan.escalation = (escalation.after_h, escalation.priority, target)
            plan.simple = (
                plan.handoff is None
                and plan.gate is None
                and plan.batch is None
                and plan.escalation is None
                and team.schedule is None
            )
            self.stages[name] = plan

        self.classes = {
            item.name: _Class(index, item, _buffered(_uniforms, _generator(root, _DECISIONS, item.name)).__next__)
            for index, item in enumerate(items)
        }
        for item in items:
            self.classes[item.name].steps = self._steps(network, item, root)

        for item in items:
            self._start_arrivals(item, root)

    # ---------------------------------------------------------------- building

    def _team(self, network: Network, name: str, where: str) -> ServerPool:
        if name not in self.teams:
            raise ScenarioError(f"{network.name}: {where} uses team {name!r}, not among {sorted(network.teams)}")
        return self.teams[name]

    def _steps(self, network: Network, item: ItemClass, root: np.random.SeedSequence) -> tuple[Step, ...]:
        """Resolve a class's route, attaching its rework and spawn rules to the route positions they follow and
        its own work-time draw to the stages it overrides (one draw stream per class and stage)."""
        route = item.route
        where = f"{network.name}: item class {item.name!r}"
        for name in route:
            if name not in self.stages:
                raise ScenarioError(f"{where} routes through stage {name!r}, not among {sorted(self.stages)}")
        draws = {name: self.stages[name].draw for name in route}
        for name, work in item.work.items():
            if name not in route:
                raise ScenarioError(f"{where}: work overrides stage {name!r}, which is not on its route {list(route)}")
            draws[name] = _buffered(work.sample_many, _generator(root, _CLASS_WORK, item.name, name)).__next__
        after: list[_After | None] = [None] * len(route)

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
                actions = after[position] = after[position] or _After()
                actions.reworks.append((number, back_to, rework.probability, rework.max_loops))
        for number, spawn in enumerate(item.spawn):
            if spawn.item_class not in self.classes:
                raise ScenarioError(
                    f"{where}: spawn[{number}] creates class {spawn.item_class!r}, not among {sorted(self.classes)}"
                )
            target = self.classes[spawn.item_class]
            for position in positions(spawn.after, f"spawn[{number}].after"):
                actions = after[position] = after[position] or _After()
                actions.spawns.append((target, spawn.count_low, spawn.count_high, spawn.probability, spawn.per_batch))
        return tuple((self.stages[name], actions, draws[name]) for name, actions in zip(route, after, strict=True))

    def _start_arrivals(self, item: ItemClass, root: np.random.SeedSequence) -> None:
        arrivals = item.arrivals
        plan = self.classes[item.name]
        if isinstance(arrivals, PoissonArrivals):
            if arrivals.rate_per_h > 0:
                gaps = _buffered(
                    lambda rng, size: rng.exponential(1 / arrivals.rate_per_h, size),
                    _generator(root, _ARRIVALS, item.name),
                )
                self.env.process(self._poisson_arrivals(plan, gaps.__next__))
        elif isinstance(arrivals, IntervalArrivals):
            times = (arrivals.offset_h + k * arrivals.every_h for k in itertools.count())
            self.env.process(self._timed_arrivals(plan, times))
        elif isinstance(arrivals, ScheduledArrivals):
            self.env.process(self._timed_arrivals(plan, iter(sorted(arrivals.times_h))))
        elif not isinstance(arrivals, NoArrivals):
            raise ScenarioError(f"{self.network_name}: item class {item.name!r} has unknown arrivals {arrivals!r}")

    # ---------------------------------------------------------------- arrivals and items

    def _poisson_arrivals(self, plan: _Class, gap: Callable[[], float]) -> Generator[Event, object, None]:
        env, horizon, time = self.env, self.horizon, 0.0
        while True:
            time += gap()
            if time >= horizon:
                return
            yield Timeout(env, time - env.now)
            self._create(plan, None)

    def _timed_arrivals(self, plan: _Class, times: Iterator[float]) -> Generator[Event, object, None]:
        env, horizon = self.env, self.horizon
        for time in times:
            if time >= horizon:
                return
            if time > env.now:
                yield Timeout(env, time - env.now)
            self._create(plan, None)

    def _create(self, plan: _Class, parent: str | None) -> None:
        """A new work item of class `plan` arrives now (from outside, or spawned by `parent`)."""
        plan.seq += 1
        row = self.new_case(
            f"r{self.replication}-{plan.name}-{plan.seq:06d}", plan.index, plan.priority, parent, self.env.now
        )
        if len(self.recorder.visits) >= COMPACT_VALUES:  # checked once per case, outside the per-visit path
            self.recorder.compact()
        self.env.process(self._item(plan, row))

    def _item(self, plan: _Class, row: list) -> Generator[Event, Any, None]:
        """One work item walking its route; the short path serves stages that use no optional feature.

        The case row holds the visit under way (stage, team, ready, start, batch); a completed visit is written
        to the flat visit list in one step.
        """
        env = self.env
        visit, queue_sample, busy_sample = self.visit, self.queue_sample, self.busy_sample
        case, index, class_index, steps = row[C_CASE], row[C_INDEX], plan.index, plan.steps
        priority = plan.priority
        ready = row[C_ARRIVAL]
        loops: dict[int, int] | None = None
        position, length = 0, len(steps)
        while position < length:
            step = steps[position]
            stage, after, draw = step
            team = stage.team
            row[C_STAGE] = stage_index = stage.index
            row[C_TEAM] = team.index
            row[C_READY] = ready
            row[C_START] = _NAN
            row[C_BATCH] = -1
            row[C_ESCALATED] = _NAN
            if stage.simple:  # no hand-off, gate, batch, escalation or calendar: ready is when it joins the queue
                row[C_HANDOFF_DONE] = row[C_GATE_DONE] = row[C_QUEUED] = ready
                if team.busy < team.capacity:  # a team without a calendar is always on duty
                    team.busy += 1
                    server = team.free.popleft()
                    busy_sample((env.now, team.index, team.busy))
                else:
                    request = team.request(priority, stage)
                    stage.queue_length += 1
                    queue_sample((env.now, stage_index, stage.queue_length))
                    server = yield request.granted
                row[C_START] = start = env.now
                row[C_SERVER] = server
                yield Timeout(env, draw())
                complete = env.now
                visit(
                    (index, class_index, stage_index, team.index, server, ready, ready, ready, ready, _NAN, start,
                     complete, -1)
                )  # fmt: skip
                ready = complete
                team.release(server)
            else:
                row[C_HANDOFF_DONE] = row[C_GATE_DONE] = row[C_QUEUED] = _NAN
                priority = yield from self._general_visit(step, row, priority, plan)
                ready = env.now
            if after is None:
                position += 1
            else:
                if loops is None:
                    loops = {}
                batched = stage.batch is not None and not plan.expedite
                position = self._after_stage(plan, after, position, loops, case, batched=batched)
        row[C_COMPLETE] = ready

    def _after_stage(
        self, plan: _Class, after: _After, position: int, loops: dict[int, int], case: str, *, batched: bool
    ) -> int:
        """Draw rework (first rule that hits wins) then spawns; return the next route position."""
        decide = plan.decide
        next_position = position + 1
        for number, back_to, probability, max_loops in after.reworks:
            done = loops.get(number, 0)
            if (max_loops is None or done < max_loops) and decide() < probability:
                loops[number] = done + 1
                next_position = back_to
                break
        for spawn in after.spawns:
            if not (spawn[4] and batched):
                self._spawn(plan, spawn, case)
        return next_position

    def _spawn(self, plan: _Class, spawn: tuple[_Class, int, int, float, bool], parent: str) -> None:
        target, low, high, probability, _ = spawn
        decide = plan.decide
        if probability < 1 and decide() >= probability:
            return
        count = low if high <= low else low + min(int(decide() * (high - low + 1)), high - low)
        for _ in range(count):
            self._create(target, parent)

    # ---------------------------------------------------------------- the general stage visit

    def _general_visit(self, step: Step, row: list, priority: int, plan: _Class) -> Generator[Event, Any, int]:
        """Hand-off, gate, batch (neither for an expedited class), queue with escalation and calendar work; returns
        the item's priority afterwards."""
        env = self.env
        stage, after, draw = step
        if stage.handoff is not None:
            yield Timeout(env, max(stage.handoff(), 0.0))
        row[C_HANDOFF_DONE] = env.now
        if stage.gate is not None and not plan.expedite:
            wait = wait_for_gate(stage.gate, env.now)
            if wait > 0:
                yield Timeout(env, wait)
        row[C_GATE_DONE] = env.now
        batch = stage.batch
        if batch is not None and not plan.expedite:
            done = Event(env)
            self._join_batch(stage, batch, (row, priority, done, plan, after, draw))
            yield done
            return priority
        return (yield from self._serve(stage, priority, row[C_READY], (row,), draw))

    def _serve(
        self, stage: _Stage, priority: int, ready: float, rows: tuple[list, ...], draw: Callable[[], float]
    ) -> Generator[Event, Any, int]:
        """Queue for a server (escalating if the stage says so), work for one `draw()` of working time, release;
        records the visits of `rows`."""
        env = self.env
        team = stage.team
        weight = len(rows)
        for row in rows:
            row[C_QUEUED] = env.now
        if team.can_start_now():
            server = team.seize()
        else:
            request = self._enqueue(team, stage, priority, weight)
            escalation = stage.escalation
            if escalation is None:
                server = yield request.granted
            else:
                after_h, new_priority, new_team = escalation
                remaining = ready + after_h - env.now
                if remaining > 0:
                    yield request.granted | Timeout(env, remaining)
                if not request.granted.triggered:
                    team.withdraw(request)
                    team = new_team
                    priority = priority if new_priority is None else new_priority
                    for row in rows:
                        row[C_TEAM] = team.index
                        row[C_ESCALATED] = env.now
                    if team.can_start_now():
                        stage.queue_length -= weight
                        self.queue_sample((env.now, stage.index, stage.queue_length))
                        server = team.seize()
                    else:
                        server = yield team.request(priority, stage, weight).granted
                else:
                    # simpy annotates Event.value as Optional[Any] though it is whatever succeed() was given, here
                    # always a server id (see ServerPool.release)
                    server = request.granted.value  # type: ignore[assignment]
        start = env.now
        work = draw()
        schedule = team.schedule
        complete = start + work if schedule is None else schedule.finish_time(start, work)
        for row in rows:
            row[C_START] = start
            row[C_SERVER] = server
        yield Timeout(env, max(complete - env.now, 0.0))
        now = env.now
        for row in rows:
            self.visit(
                (row[C_INDEX], row[C_ITEM], stage.index, team.index, server, row[C_READY], row[C_HANDOFF_DONE],
                 row[C_GATE_DONE], row[C_QUEUED], row[C_ESCALATED], start, now, row[C_BATCH])
            )  # fmt: skip
        team.release(server)
        return priority

    def _enqueue(self, team: ServerPool, stage: _Stage, priority: int, weight: int) -> Request:
        request = team.request(priority, stage, weight)
        stage.queue_length += weight
        self.queue_sample((self.env.now, stage.index, stage.queue_length))
        return request

    def _dequeued(self, request: Request) -> None:
        """A request of a stage's queue is being served: the stage's queue is `request.weight` items shorter."""
        stage = cast(_Stage, request.owner)
        stage.queue_length -= request.weight
        self.queue_sample((self.env.now, stage.index, stage.queue_length))

    # ---------------------------------------------------------------- batching

    def _join_batch(self, stage: _Stage, batch: Batching, member: tuple) -> None:
        forming = stage.forming
        forming.append(member)
        if len(forming) == 1 and batch.timeout_h is not None:
            self.env.process(self._batch_timeout(stage, stage.batch_token, batch.timeout_h))
        if len(forming) >= batch.size:
            self._release_batch(stage)

    def _batch_timeout(self, stage: _Stage, token: int, timeout_h: float) -> Generator[Event, object, None]:
        yield Timeout(self.env, timeout_h)
        if stage.batch_token == token and stage.forming:
            self._release_batch(stage)

    def _release_batch(self, stage: _Stage) -> None:
        members, stage.forming = stage.forming, []
        stage.batch_token += 1
        self.env.process(self._batch_job(stage, members))

    def _batch_job(self, stage: _Stage, members: list[tuple]) -> Generator[Event, object, None]:
        """Serve a gathered batch as one job: one request, one work draw (as the first member's class draws it);
        then per-batch spawns; then release all."""
        batch_id = next(self.batch_ids)
        rows = tuple(member[0] for member in members)
        for row in rows:
            row[C_BATCH] = batch_id
        priority = min(member[1] for member in members)
        ready = min(row[C_READY] for row in rows)
        yield from self._serve(stage, priority, ready, rows, members[0][5])
        spawned: set[int] = set()
        for row, _, _, plan, after, _ in members:
            if after is None or plan.index in spawned:
                continue
            spawned.add(plan.index)
            for spawn in after.spawns:
                if spawn[4]:
                    self._spawn(plan, spawn, row[C_CASE])
        for member in members:
            member[2].succeed()
