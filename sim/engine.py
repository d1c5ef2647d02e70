"""The SimPy engine: runs one replication of a `Network` and returns its `Recording`.

Each stage is a queue in front of its team's servers; work items are SimPy processes that follow their class's
route. A team is a `sim.servers.ServerPool` (a non-preemptive priority pool aware of the team's calendar); every
visit records which server served it (a batch job takes one server).

Per stage visit: ready -> hand-off delay -> cadence gate -> batch formation -> queue (escalation) -> work (on a
calendared team only inside its hours, suspended over nights and weekends) -> complete -> rework (in a flow: the
next stage, one uniform draw from the class's decision stream) -> spawns -> next stage. An expedited class skips the
gate and the batch. Each visit records the moment each of these waits ended, so waiting can be split by cause.
Stages that use none of the optional features (and whose team has no calendar) take a short path with no branches
for them; stages with a hand-off, gate, calendar or flow delay but no batch and no escalation are served in the
item's own process too (no nested generators); the others go through `_Run._general_visit`. Each path does the
same steps in the same order, so a seeded run gives the same numbers whichever path serves a stage.

A run by number of cases (`RunSettings.max_cases`) counts the items that arrive from outside and those not yet done,
and stops the environment when the last is done; a run by horizon takes none of those branches.

The network is resolved into named stage, class and step records (`sim.plan`) by `sim.build`, which also binds
every random draw to its own named stream; this module only runs them.
"""

from __future__ import annotations

import gc
import itertools
import math
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from typing import Any, cast

import numpy as np
import simpy
from simpy.core import StopSimulation
from simpy.events import PENDING, Event, Timeout

from sim.build import arrival_times, build_classes, build_stages
from sim.calendar import build_week_schedule
from sim.durations import spell_duration
from sim.errors import ScenarioError
from sim.gates import wait_for_gate
from sim.limits import MAX_VISITS
from sim.network import Batching, Network
from sim.people import resource_names, server_schedules, team_schedule
from sim.plan import AfterStage, BatchMember, Branch, ClassPlan, Escalation, FlowPlan, SpawnRule, StagePlan, Step
from sim.processes import call_after, call_at_start, run_until, start_process, succeed_now
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
from sim.servers import PeoplePool, Request, ServerPool

__all__ = ["simulate"]

_NAN = math.nan
_VISITS = -1
"""Key of a flow item's visit count in its `loops` dict (rework rules use their numbers, 0 and up)."""


def _choose(branches: tuple[Branch, ...], decide: Callable[[], float]) -> Branch:
    """The branch a flow row takes: one uniform draw picks it; a row with one branch draws nothing (so a flow with
    a single path uses the decision draws exactly as the same route does)."""
    if len(branches) == 1:
        return branches[0]
    draw = decide()
    for branch in branches:
        if draw < branch.below:
            return branch
    return branches[-1]


def _granted_or_after(env: simpy.Environment, granted: Event, delay: float) -> Event:
    """An event that succeeds when `granted` is processed or `delay` hours have passed, whichever comes first: the
    moment and order in which SimPy's ``granted | Timeout(env, delay)`` succeeds (triggered then, with normal
    priority, the timeout scheduled as that expression schedules it), without its condition value and bookkeeping
    (the engine only asks afterwards whether `granted` has happened)."""
    either = object.__new__(Event)  # Event(env) without the call
    either.env = env
    either.callbacks = []

    def settle(_: Event) -> None:
        if either._value is PENDING:  # the first of the two to be processed
            succeed_now(either)

    call_after(env, delay, settle)
    granted.callbacks.append(settle)
    return either


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the run goes on (as `timeit` does), and restore it after.

    A run allocates millions of short-lived objects (events, tuples) that reference counting frees at once; hardly
    any form cycles (about a thousand objects in a year of it4it-e2e), yet the collector would traverse the young
    objects hundreds of times and, now and then, every object of the imported libraries (2-3% of the run, more in
    CPU time). The cycles left are collected as usual once the collector runs again.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def simulate(network: Network, *, seed: int | np.random.SeedSequence, replication: int = 0) -> Recording:
    """Run ONE replication of `network` for `network.run.horizon_h` hours (warm-up included) and record it.

    With `network.run.max_cases`, the classes' own arrivals stop after that many items in all have arrived since
    the warm-up, and the run ends when every item (spawned ones and the warm-up's too) is done, or at the horizon
    if that comes first; the recording's `horizon_h` is then the moment it ended.

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
    schedules = {name: team.schedule for name, team in run.teams.items() if team.schedule is not None}
    per_server = {name: tuple(team.schedules[1:]) for name, team in run.teams.items() if isinstance(team, PeoplePool)}
    for name, servers in per_server.items():
        union = team_schedule(servers)
        if union is not None:
            schedules[name] = union
    activities = {name: stage.activity for name, stage in network.stages.items() if stage.activity not in (None, name)}
    resources = {name: tuple(resource_names(team)) for name, team in network.teams.items() if team.people}
    # the recording is built with the collector still paused: it frees the case rows (most of what the run left
    # alive) before the collector would walk them
    with _cycle_collector_paused():
        run_until(run.env, float(network.run.horizon_h))
        ended = network.run.horizon_h if run.finished is None or not run.finished.triggered else run.env.now
        return run.recorder.finish(
            horizon_h=ended, replication=int(replication), network_name=network.name, schedules=schedules,
            activities=activities, server_schedules=per_server, resources=resources,
        )


class _Run:
    """One replication in progress: the SimPy environment, the resolved network and the recorder."""

    def __init__(self, network: Network, root: np.random.SeedSequence, replication: int) -> None:
        self.env = simpy.Environment()
        self.horizon = float(network.run.horizon_h)
        self.warmup = float(network.run.warmup_h)
        self.max_visits = MAX_VISITS.value()
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

        self.teams: dict[str, ServerPool] = {}
        for index, (name, team) in enumerate(network.teams.items()):
            if team.people:  # people who keep different hours: each server its own calendar (sim.people)
                self.teams[name] = PeoplePool(
                    self.env, index, server_schedules(team, network.run.start), on_dequeue=self._dequeued,
                    on_busy=self.busy_sample, tickets=self.tickets,
                )  # fmt: skip
                continue
            self.teams[name] = ServerPool(
                self.env,
                index,
                team.capacity,
                None if team.calendar is None else build_week_schedule(team.calendar, network.run.start),
                on_dequeue=self._dequeued,
                on_busy=self.busy_sample,
                tickets=self.tickets,
            )
        self.stages = build_stages(network, root, self.teams)
        self.classes = build_classes(network, root, self.stages)
        self.max_cases = network.run.max_cases
        self.finished: Event | None = None
        """With `max_cases`: succeeds (and stops the run) when the last arrival has come and every item is done."""
        self.arrived = 0
        """With `max_cases`: items that arrived from outside since the warm-up (spawns not counted)."""
        self.open = 0
        """With `max_cases`: items created and not yet done."""
        self.feeding = 0
        """With `max_cases`: arrival processes that may still bring items."""
        if self.max_cases is not None:
            self.finished = Event(self.env)
            self.finished.callbacks.append(StopSimulation.callback)
        for item in items:
            times = arrival_times(network, item, root)
            if times is None:
                continue
            if self.max_cases is None:
                self._start_arrivals(self.classes[item.name], times)
            else:
                self.feeding += 1
                self.env.process(self._counted_arrivals(self.classes[item.name], times, self.max_cases))
        if self.max_cases is not None:
            self._check_finished()

    # ---------------------------------------------------------------- arrivals and items

    def _start_arrivals(self, plan: ClassPlan, times: Iterator[float]) -> None:
        """Create an item of class `plan` at each of `times` before the horizon.

        Kept by callbacks on plain timeouts rather than a SimPy process: the same events in the same order (a start
        of urgent priority at time 0, as a process's, then one timeout per arrival), without a generator to resume
        at each arrival.
        """
        env, horizon, create = self.env, self.horizon, self._create

        def follow(_: Event) -> None:
            """Create the items due now, then wait for the next arrival (none at or after the horizon)."""
            for time in times:
                if time >= horizon:
                    return
                now = env.now
                if time > now:
                    call_after(env, time - now, arrive)
                    return
                create(plan, None)

        def arrive(event: Event) -> None:
            create(plan, None)
            follow(event)

        call_at_start(env, follow)

    def _counted_arrivals(
        self, plan: ClassPlan, times: Iterator[float], max_cases: int
    ) -> Generator[Event, object, None]:
        """As `_start_arrivals`, until `max_cases` items have arrived from outside over all classes since the warm-up
        (those arriving during the warm-up come on top: the load the counted cases meet)."""
        env, horizon, warmup = self.env, self.horizon, self.warmup
        for time in times:
            if time >= horizon or self.arrived >= max_cases:
                break
            if time > env.now:
                yield Timeout(env, time - env.now)
            if self.arrived >= max_cases:  # another class's arrival took the last place meanwhile
                break
            if time >= warmup:
                self.arrived += 1
            self._create(plan, None)
        self.feeding -= 1
        self._check_finished()

    def _check_finished(self) -> None:
        """With `max_cases`: end the run once no more items can arrive and every item is done."""
        finished = cast(Event, self.finished)
        no_more = self.arrived >= cast(int, self.max_cases) or self.feeding == 0
        if self.open == 0 and no_more and not finished.triggered:
            finished.succeed()

    def _create(self, plan: ClassPlan, parent: str | None) -> None:
        """A new work item of class `plan` arrives now (from outside, or spawned by `parent`)."""
        if self.max_cases is not None:
            self.open += 1
        plan.seq += 1
        row = self.new_case(
            f"r{self.replication}-{plan.name}-{plan.seq:06d}", plan.index, plan.priority, parent, self.env._now
        )
        recorder = self.recorder
        if len(recorder.visits) >= COMPACT_VALUES:  # checked once per case, outside the per-visit path
            recorder.compact()
        self._check_visits()
        start_process(self.env, self._item(plan, row))

    def _item(self, plan: ClassPlan, row: list) -> Generator[Event | float, Any, None]:
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
        pending = 0.0  # a flow's delay on the way to the next stage
        if plan.flow is not None:
            position = _choose(plan.flow.start, plan.decide).to
        while position < length:
            step = steps[position]
            stage, after, draw = step
            team = stage.team
            row[C_STAGE] = stage_index = stage.index
            row[C_TEAM] = team.index
            row[C_READY] = ready
            row[C_START] = _NAN  # (C_BATCH and C_ESCALATED are -1 and NaN here: the general path resets them)
            if stage.simple and not pending:  # no hand-off, gate, batch, escalation, calendar or flow delay
                row[C_HANDOFF_DONE] = row[C_GATE_DONE] = row[C_QUEUED] = ready
                # Here the clock stands at `ready` (no hand-off or flow delay). After a timeout of `delay` the
                # clock stands at exactly ``start + delay``: SimPy schedules it at its ``now + delay``.
                if team.busy < team.capacity:  # a team without a calendar is always on duty
                    team.busy += 1
                    server = team.free.popleft()
                    busy_sample((ready, team.index, team.busy))
                    start = ready
                else:
                    request = team.request(priority, stage)
                    stage.queue_length += 1
                    queue_sample((ready, stage_index, stage.queue_length))
                    server = yield request.granted
                    start = env._now
                row[C_START] = start
                row[C_SERVER] = server
                delay = draw()
                yield delay  # a float: the driver waits it as a Timeout (sim.processes)
                complete = start + delay
                visit(
                    (index, class_index, stage_index, team.index, server, ready, ready, ready, ready, _NAN, start,
                     complete, -1)
                )  # fmt: skip
                ready = complete
                team.release(server)
            elif stage.direct:  # hand-off, gate, calendar, escalation or flow delay, but no batch: served here
                # The clock stands at `ready` here, and after each timeout at exactly where it stood plus the delay.
                handoff = stage.handoff
                queued = ready
                if handoff is not None or pending > 0:  # a wait before the queue: the horizon may fall in it
                    row[C_HANDOFF_DONE] = row[C_GATE_DONE] = row[C_QUEUED] = _NAN
                if handoff is not None:
                    delay = handoff()
                    delay = pending + (0.0 if delay < 0.0 else delay)  # what max(delay, 0.0) gives
                    yield delay
                    queued = ready + delay
                elif pending > 0:
                    yield pending
                    queued = ready + pending
                row[C_HANDOFF_DONE] = queued
                gate = stage.gate
                if gate is not None and not plan.expedite:
                    wait = wait_for_gate(gate, queued)
                    if wait > 0:
                        row[C_GATE_DONE] = row[C_QUEUED] = _NAN  # the horizon may fall in the wait for the gate
                        yield Timeout(env, wait)
                        queued = queued + wait
                row[C_GATE_DONE] = row[C_QUEUED] = queued
                if team.busy < team.capacity and queued < team.closes_at:
                    team.busy += 1
                    busy_sample((queued, team.index, team.busy))
                    server = team.free.popleft()
                else:
                    request = team.request(priority, stage)
                    stage.queue_length += 1
                    queue_sample((queued, stage_index, stage.queue_length))
                    if stage.escalation is None:
                        server = yield request.granted
                    else:
                        team, priority, server = yield from self._wait_escalating(stage, request, priority, (row,))
                row[C_START] = start = env._now
                row[C_SERVER] = server
                work = draw()
                schedule = team.schedules[server]
                complete = start + work if schedule is None else schedule.finish_time(start, work)
                delay = complete - start
                delay = 0.0 if delay < 0.0 else delay  # max(delay, 0.0) without a call
                yield delay
                complete = start + delay
                visit(
                    (index, class_index, stage_index, team.index, server, ready, row[C_HANDOFF_DONE], queued, queued,
                     row[C_ESCALATED], start, complete, -1)
                )  # fmt: skip
                row[C_ESCALATED] = _NAN
                ready = complete
                team.release(server)
            else:
                row[C_HANDOFF_DONE] = row[C_GATE_DONE] = row[C_QUEUED] = _NAN
                priority = yield from self._general_visit(step, row, priority, plan, pending)
                ready = env._now
                row[C_BATCH] = -1
                row[C_ESCALATED] = _NAN
            if after is None:
                position += 1
                pending = 0.0
            else:
                if loops is None:
                    loops = {}
                batched = stage.batch is not None and not plan.expedite
                position, pending = self._after_stage(plan, after, position, loops, case, batched=batched)
        row[C_COMPLETE] = ready
        if self.max_cases is not None:
            self.open -= 1
            self._check_finished()

    def _after_stage(
        self, plan: ClassPlan, after: AfterStage, position: int, loops: dict[int, int], case: str, *, batched: bool
    ) -> tuple[int, float]:
        """Draw rework (first rule that hits wins), or in a flow the next stage (and its delay), then spawns; return
        the next position (the number of steps: the item leaves) and the delay on the way there (hours)."""
        decide = plan.decide
        next_position = position + 1
        delay = 0.0
        branches = after.branches
        if branches is not None:  # a flow: the next stage is drawn, until the visit limit sends the item out
            self._check_visits()  # a flow may repeat a stage: visits without new items
            visits = loops[_VISITS] = loops.get(_VISITS, 0) + 1
            if visits >= cast(FlowPlan, plan.flow).max_visits:
                next_position = len(plan.steps)
            else:
                branch = _choose(branches, decide)
                next_position = branch.to
                if branch.delay is not None:
                    delay = max(branch.delay(), 0.0)
        for number, back_to, probability, max_loops in after.reworks:
            done = loops.get(number, 0)
            if (max_loops is None or done < max_loops) and decide() < probability:
                loops[number] = done + 1
                next_position = back_to
                self._check_visits()  # a loop makes visits without new items
                break
        for spawn in after.spawns:
            if not (spawn.per_batch and batched):
                self._spawn(plan, spawn, case)
        return next_position, delay

    def _check_visits(self) -> None:
        """Stop the run when it has recorded more visits than `MAX_VISITS` allows: a loop taken with probability 1
        a billion times or a horizon of centuries would otherwise run for hours and fill the memory."""
        if self.recorder.visit_count() > self.max_visits:
            raise ScenarioError(
                f"{self.network_name}: replication {self.replication} stopped at "
                f"{spell_duration(self.env._now)} of {spell_duration(self.horizon)}: it "
                + MAX_VISITS.refusal(f"simulated more than {self.max_visits:,} stage visits")
                + " — or look for a rework loop taken with probability near 1, a flow that rarely ends, or a "
                "horizon or arrival rate larger than meant"
            )

    def _spawn(self, plan: ClassPlan, spawn: SpawnRule, parent: str) -> None:
        target, low, high, probability, _ = spawn
        decide = plan.decide
        if probability < 1 and decide() >= probability:
            return
        count = low if high <= low else low + min(int(decide() * (high - low + 1)), high - low)
        for _ in range(count):
            self._create(target, parent)

    # ---------------------------------------------------------------- the general stage visit

    def _general_visit(
        self, step: Step, row: list, priority: int, plan: ClassPlan, delay_h: float = 0.0
    ) -> Generator[Event | float, Any, int]:
        """Hand-off (after a flow's `delay_h` on the way here), gate, batch (neither for an expedited class), queue
        with escalation and calendar work; returns the item's priority afterwards."""
        env = self.env
        stage, after, draw = step
        if stage.handoff is not None:
            yield Timeout(env, delay_h + max(stage.handoff(), 0.0))
        elif delay_h > 0:
            yield Timeout(env, delay_h)
        row[C_HANDOFF_DONE] = env._now
        if stage.gate is not None and not plan.expedite:
            wait = wait_for_gate(stage.gate, env._now)
            if wait > 0:
                yield Timeout(env, wait)
        row[C_GATE_DONE] = env._now
        batch = stage.batch
        if batch is not None and not plan.expedite:
            done = Event(env)
            self._join_batch(stage, batch, BatchMember(row, priority, done, plan, after, draw))
            yield done
            return priority
        return (yield from self._serve(stage, priority, (row,), draw))

    def _serve(
        self, stage: StagePlan, priority: int, rows: tuple[list, ...], draw: Callable[[], float]
    ) -> Generator[Event | float, Any, int]:
        """Queue for a server (escalating if the stage says so), work for one `draw()` of working time, release;
        records the visits of `rows`."""
        env = self.env
        team = stage.team
        weight = len(rows)
        for row in rows:
            row[C_QUEUED] = env._now
        if team.can_start_now():
            server = team.seize()
        else:
            request = self._enqueue(team, stage, priority, weight)
            if stage.escalation is None:
                server = yield request.granted
            else:
                team, priority, server = yield from self._wait_escalating(stage, request, priority, rows)
        start = env._now
        work = draw()
        schedule = team.schedules[server]
        complete = start + work if schedule is None else schedule.finish_time(start, work)
        for row in rows:
            row[C_START] = start
            row[C_SERVER] = server
        yield max(complete - env._now, 0.0)
        now = env._now
        for row in rows:
            self.visit(
                (row[C_INDEX], row[C_ITEM], stage.index, team.index, server, row[C_READY], row[C_HANDOFF_DONE],
                 row[C_GATE_DONE], row[C_QUEUED], row[C_ESCALATED], start, now, row[C_BATCH])
            )  # fmt: skip
        team.release(server)
        return priority

    def _wait_escalating(
        self, stage: StagePlan, request: Request, priority: int, rows: tuple[list, ...]
    ) -> Generator[Event, Any, tuple[ServerPool, int, int]]:
        """Wait for `request` (at the stage's team) to be granted; if it is not within the stage's escalation time
        from the visit's ready moment (the earliest of `rows`), withdraw it and queue at the escalation team, with
        the escalation priority. Returns the team that serves, the priority afterwards and the server."""
        env = self.env
        team = stage.team
        after_h, new_priority, new_team = cast(Escalation, stage.escalation)
        ready = rows[0][C_READY] if len(rows) == 1 else min(row[C_READY] for row in rows)
        remaining = ready + after_h - env._now
        granted = request.granted
        if remaining > 0:
            yield _granted_or_after(env, granted, remaining)
        if granted._value is not PENDING:  # granted.triggered without the property
            return team, priority, granted._value  # the server id (see ServerPool.release)
        weight = request.weight
        team.withdraw(request)
        team = new_team
        priority = priority if new_priority is None else new_priority
        for row in rows:
            row[C_TEAM] = team.index
            row[C_ESCALATED] = env._now
        if team.can_start_now():
            stage.queue_length -= weight
            self.queue_sample((env._now, stage.index, stage.queue_length))
            return team, priority, team.seize()
        server = yield team.request(priority, stage, weight).granted
        return team, priority, server

    def _enqueue(self, team: ServerPool, stage: StagePlan, priority: int, weight: int) -> Request:
        request = team.request(priority, stage, weight)
        stage.queue_length += weight
        self.queue_sample((self.env.now, stage.index, stage.queue_length))
        return request

    def _dequeued(self, request: Request) -> None:
        """A request of a stage's queue is being served: the stage's queue is `request.weight` items shorter."""
        stage = cast(StagePlan, request.owner)
        stage.queue_length -= request.weight
        self.queue_sample((self.env.now, stage.index, stage.queue_length))

    # ---------------------------------------------------------------- batching

    def _join_batch(self, stage: StagePlan, batch: Batching, member: BatchMember) -> None:
        forming = stage.forming
        forming.append(member)
        if len(forming) == 1 and batch.timeout_h is not None:
            self.env.process(self._batch_timeout(stage, stage.batch_token, batch.timeout_h))
        if len(forming) >= batch.size:
            self._release_batch(stage)

    def _batch_timeout(self, stage: StagePlan, token: int, timeout_h: float) -> Generator[Event, object, None]:
        yield Timeout(self.env, timeout_h)
        if stage.batch_token == token and stage.forming:
            self._release_batch(stage)

    def _release_batch(self, stage: StagePlan) -> None:
        members, stage.forming = stage.forming, []
        stage.batch_token += 1
        start_process(self.env, self._batch_job(stage, members))

    def _batch_job(self, stage: StagePlan, members: list[BatchMember]) -> Generator[Event | float, object, None]:
        """Serve a gathered batch as one job: one request, one work draw (as the first member's class draws it);
        then per-batch spawns; then release all."""
        batch_id = next(self.batch_ids)
        rows = tuple(member.row for member in members)
        for row in rows:
            row[C_BATCH] = batch_id
        priority = min(member.priority for member in members)
        yield from self._serve(stage, priority, rows, members[0].draw)
        spawned: set[int] = set()
        for row, _, _, plan, after, _ in members:
            if after is None or plan.index in spawned:
                continue
            spawned.add(plan.index)
            for spawn in after.spawns:
                if spawn.per_batch:
                    self._spawn(plan, spawn, row[C_CASE])
        for member in members:
            member.done.succeed()
