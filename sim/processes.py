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

__all__ = ["call_after", "call_at_start", "run_until", "start_process"]


_new = object.__new__
"""Builds an event without its ``__init__``: the engine sets the few attributes SimPy reads itself."""


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


class _Driver:
    """Resumes one generator with the value of each event it waits for (a failed event is thrown into it); a float
    it yields is a delay, waited for as `yield Timeout(env, delay)` would (the same event, scheduled alike)."""

    __slots__ = ("generator", "resume")

    def __init__(self, generator: Generator[Event | float, Any, Any]) -> None:
        self.generator = generator
        self.resume = self._resume
        """One bound method, appended to the callbacks of every event the generator waits for."""

    def _resume(self, event: Event) -> None:
        generator = self.generator
        while True:
            try:
                if event._ok:
                    waited = generator.send(event._value)
                else:  # as simpy.Process: the generator handles the failure, or the run stops with it
                    event._defused = True
                    waited = generator.throw(event._value)
            except StopIteration:
                return
            if waited.__class__ is float:  # a delay: `call_after(env, waited, self.resume)`, inlined (the hot path)
                if waited < 0.0:
                    raise ValueError(f"Negative delay {waited}")
                env = event.env
                timeout = _new(Timeout)
                timeout.env = env
                timeout.callbacks = [self.resume]
                timeout._value = None
                timeout._delay = waited
                timeout._ok = True
                heappush(env._queue, (env._now + waited, NORMAL, next(env._eid), timeout))
                return
            event = waited  # type: ignore[assignment]  # an Event: floats were handled above (no cast() call here)
            callbacks = event.callbacks
            if callbacks is not None:  # not processed yet: wait for it
                callbacks.append(self.resume)
                return
            # already processed: go on at once with its value, as simpy.Process does


def start_process(env: simpy.Environment, generator: Generator[Event | float, Any, Any]) -> None:
    """Run `generator` as a process that nobody waits for: it starts when the environment processes the current
    moment's urgent events (as `env.process` would start it) and ends, leaving no event, when it returns."""
    call_at_start(env, _Driver(generator).resume)


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
