"""Running the engine's generators and callbacks on a SimPy environment with less bookkeeping than `simpy.Process`.

`start_process` drives a generator exactly as `simpy.Process` does (started by an urgent event at the current time,
resumed by each event it yields, with that event's value), but without what the engine never uses: a process event
that is triggered (and stepped through) when the generator ends, the environment's `active_process`, and a new
bound method per wait. The engine starts every work item and batch job this way; nobody waits for their end.

`call_at_start` schedules a plain callback the way a process is started, for the engine's loops that need no
generator at all (team openings, arrivals): one timeout per step, each with the callback that schedules the next.

Both create and schedule the events a `simpy.Process` would (less its end event) in the same order, so the order
of simultaneous events, and with it every result, is what it would be with processes.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappop, heappush
from typing import Any

import simpy
from simpy.core import EmptySchedule, StopSimulation
from simpy.events import NORMAL, URGENT, Event, EventPriority, Timeout

__all__ = ["call_after", "call_at_start", "run_until", "start_process", "succeed_now"]


_new = object.__new__
"""Builds an event without its ``__init__``: the engine sets the few attributes SimPy reads itself. (The idea of the
driver standing in the queue as its own event, below, came from a parallel attempt at the same speed-up.)"""


def call_at_start(env: simpy.Environment, callback: Callable[[Event], None]) -> None:
    """Call `callback` when the environment processes the current moment's urgent events: an event triggered now
    with urgent priority and value None, as a process's start (`simpy.events.Initialize`) is."""
    event = _new(Event)
    event.env = env
    event.callbacks = [callback]
    event._ok = True  # triggered: succeed() would schedule it with normal priority, a process starts urgently
    event._value = None
    heappush(env._queue, (env._now, URGENT, next(env._eid), event))  # what env.schedule(event, URGENT) does


def call_after(env: simpy.Environment, delay: float, callback: Callable[[Event], None]) -> None:
    """Call `callback` after `delay` hours: ``Timeout(env, delay).callbacks.append(callback)`` in one step (the same
    event, scheduled alike), for the engine's loops kept by callbacks (team openings, arrivals)."""
    if delay < 0:
        raise ValueError(f"Negative delay {delay}")
    timeout = _new(Timeout)
    timeout.env = env
    timeout.callbacks = [callback]
    timeout._value = None
    timeout._delay = delay
    timeout._ok = True
    heappush(env._queue, (env._now + delay, NORMAL, next(env._eid), timeout))


def succeed_now(event: Event, value: Any = None) -> None:
    """``event.succeed(value)`` for an event known to be pending, in one step: triggered with `value` and scheduled
    now with normal priority, as `Event.succeed` schedules it, without its check and its call to `env.schedule`."""
    event._ok = True
    event._value = value
    env = event.env
    heappush(env._queue, (env._now, NORMAL, next(env._eid), event))


class _Driver:
    """Resumes one generator with the value of each event it waits for (a failed event is thrown into it).

    A float the generator yields is a delay: the driver then stands in the event queue as that timeout itself (the
    time, priority and event id `Timeout(env, delay)` would take, value None), so a wait builds no event object. It
    stands in for the process's start event alike (`start_process`).
    """

    __slots__ = ("_ok", "_value", "callbacks", "env", "generator", "resume", "waiting")

    def __init__(self, env: simpy.Environment, generator: Generator[Event | float, Any, Any]) -> None:
        self.env = env
        self.generator = generator
        self.resume = self._resume
        """One bound method, appended to the callbacks of every event the generator waits for."""
        self.waiting = (self.resume,)
        """The driver's callbacks while it stands in the queue as its own event."""
        self.callbacks: tuple[Callable[[Any], None], ...] | None = None
        self._ok = True  # as a timeout: it always succeeds, with value None
        self._value = None

    def _resume(self, event: Any) -> None:
        generator = self.generator
        while True:
            try:
                if event._ok:
                    waited = generator.send(event._value)
                else:  # as simpy.Process: the generator handles the failure, or the run stops with it
                    event._defused = True
                    waited = generator.throw(event._value)
            except StopIteration:  # done: break the driver's cycle (it holds its own bound method) for refcounting
                self.resume = self.waiting = None  # type: ignore[assignment]
                return
            if waited.__class__ is float:  # a delay: the driver is the timeout (see the class docstring)
                if waited < 0.0:
                    raise ValueError(f"Negative delay {waited}")
                env = self.env
                self.callbacks = self.waiting
                queue: list[Any] = env._queue
                heappush(queue, (env._now + waited, NORMAL, next(env._eid), self))
                return
            event = waited
            callbacks = event.callbacks
            if callbacks is not None:  # not processed yet: wait for it
                callbacks.append(self.resume)
                return
            # already processed: go on at once with its value, as simpy.Process does


def start_process(env: simpy.Environment, generator: Generator[Event | float, Any, Any]) -> None:
    """Run `generator` as a process that nobody waits for: it starts when the environment processes the current
    moment's urgent events (as `env.process` would start it: urgent, value None) and ends, leaving no event, when it
    returns. The driver itself stands in the queue for the start event."""
    driver = _Driver(env, generator)
    driver.callbacks = driver.waiting
    queue: list[Any] = env._queue  # the driver stands in the queue as an event
    heappush(queue, (env._now, URGENT, next(env._eid), driver))  # what env.schedule(start, URGENT) does


def run_until(env: simpy.Environment, at: float) -> None:
    """`env.run(until=at)` for a number `at` > now, with `Environment.step` inlined: the same stop event (urgent, at
    `at`), the same order of events, the same handling of failed events and of `StopSimulation` (a `max_cases`
    run's end), without a method call per event."""
    if not at > env._now:
        raise ValueError(f"until ({at}) must be greater than the current simulation time")
    until = Event(env)
    until._ok = True
    until._value = None
    env.schedule(until, URGENT, at - env._now)
    until.callbacks.append(StopSimulation.callback)
    queue = env._queue
    try:
        while True:
            try:
                env._now, _, _, event = heappop(queue)
            except IndexError:
                raise EmptySchedule from None
            callbacks, event.callbacks = event.callbacks, None  # type: ignore[assignment]  # as SimPy's step
            try:
                for callback in callbacks:
                    callback(event)
            except StopSimulation:  # as SimPy: the callbacks not called yet stay with the event, rescheduled
                event.callbacks = callbacks[callbacks.index(callback) + 1:]
                env.schedule(event, EventPriority(URGENT - 1))
                return
            if not event._ok and not hasattr(event, "_defused"):  # a failure nobody handled: as SimPy, crash
                failure = type(event._value)(*event._value.args)
                failure.__cause__ = event._value
                raise failure
    except EmptySchedule:
        raise RuntimeError(f'No scheduled events left but "until" event was not triggered: {until}') from None
