"""A team's people as a server pool: a priority queue in front of `capacity` servers, aware of the team's calendar.

The discipline is that of `simpy.PriorityResource` (lower priority value first, FIFO within a priority, no
preemption), with less bookkeeping per request. Servers are numbered 1..capacity; a free server is taken from a
free-list (the one idle longest first) and a finishing server is handed straight to the next request, whose
`granted` event then carries the server id.

A team with a working calendar takes on work only while on duty: outside its hours an idle server starts nothing,
and at each opening the free servers go to the waiting requests in priority order (so an urgent item that arrived
at 03:00 is served first at 09:00, however many routine items came before it). A job already under way when the
team goes off duty keeps its server and is suspended until the next opening (the engine stretches its finish time
with `WeekSchedule.finish_time`).

The clock is read as ``env._now``, what SimPy's `Environment.now` property returns, without a property call on
every seize and release.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable
from functools import partial
from heapq import heappop, heappush
from typing import cast

import simpy
from simpy.events import Event

from sim.calendar import WeekSchedule
from sim.processes import call_after, call_at_start, succeed_now

__all__ = ["CLOSING_TOLERANCE_H", "PeoplePool", "Request", "ServerPool"]

CLOSING_TOLERANCE_H = 1e-9
"""A team counts as closed this close to its closing time, so a job that ends at closing (up to rounding) does not
hand its server to a waiting item that would then start off duty."""


class Request:
    """A waiting request for one server; `granted` succeeds with the server id when one is handed over.

    Attributes:
        granted: the SimPy event the requester waits for.
        owner: what the caller needs back when the request is served (the engine: its stage).
        weight: how many items the request stands for in the owner's queue (a batch is one request of many items).
        withdrawn: set by `ServerPool.withdraw`; a withdrawn request is skipped when it comes up.
    """

    __slots__ = ("granted", "owner", "weight", "withdrawn")

    def __init__(self, granted: Event, owner: object, weight: int = 1) -> None:
        self.granted = granted
        self.owner = owner
        self.weight = weight
        self.withdrawn = False


class ServerPool:
    """The servers of one team, their queue and, with a calendar, when they may take on work.

    Args:
        env: the SimPy environment.
        index: the team's number (recorded with every busy sample).
        capacity: number of servers (people), >= 1.
        schedule: the team's working week, or None for a team that is always on duty.
        on_dequeue: called with a request when it leaves the queue to be served (the engine updates its queue
            lengths there).
        on_busy: called with (time, team index, busy servers) whenever the number of busy servers changes.
    """

    __slots__ = (
        "busy",
        "capacity",
        "closes_at",
        "env",
        "free",
        "index",
        "on_busy",
        "on_dequeue",
        "queue",
        "schedule",
        "schedules",
        "tickets",
    )

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        capacity: int,
        schedule: WeekSchedule | None,
        *,
        on_dequeue: Callable[[Request], None] = lambda request: None,
        on_busy: Callable[[tuple[float, int, int]], None] = lambda sample: None,
        tickets: itertools.count | None = None,
    ) -> None:
        if capacity < 1:
            raise ValueError(f'"capacity" must be >= 1 (got {capacity})')
        self.env = env
        self.index = index
        self.capacity = capacity
        self.schedule = None if schedule is None or schedule.always_on else schedule
        self.schedules: list[WeekSchedule | None] = [self.schedule] * (capacity + 1)
        """The working week of each server id (index 0 unused): the team's, unless its people keep their own."""
        self.busy = 0
        self.free: deque[int] = deque(range(1, capacity + 1))
        self.queue: list[tuple[int, int, Request]] = []
        """A heap of (priority, ticket, request): lower priority value first, then first come first served."""
        self.on_dequeue = on_dequeue
        self.on_busy = on_busy
        self.tickets = itertools.count() if tickets is None else tickets
        self.closes_at = math.inf
        """The team takes on work while ``env.now < closes_at`` (inf without a calendar)."""
        if self.schedule is not None:
            _Openings(env, self.schedule, self._opened, self._closed)

    # ------------------------------------------------------------ the public operations

    def can_start_now(self) -> bool:
        """True when a server is free and the team is on duty."""
        return self.busy < self.capacity and self.env._now < self.closes_at

    def seize(self) -> int:
        """Take a free server (the one idle longest) now; the caller has checked `can_start_now`."""
        self.busy += 1
        self.on_busy((self.env._now, self.index, self.busy))
        return self.free.popleft()

    def request(self, priority: int, owner: object, weight: int = 1) -> Request:
        """Join the queue; the request's `granted` event succeeds with a server id when one is handed over."""
        granted = object.__new__(Event)  # Event(self.env) without the call: what its __init__ sets
        granted.env = self.env
        granted.callbacks = []
        request = Request(granted, owner, weight)
        heappush(self.queue, (priority, next(self.tickets), request))
        return request

    def withdraw(self, request: Request) -> None:
        """Take a request that has not been granted out of the queue (it is skipped when it comes up)."""
        request.withdrawn = True

    def release(self, server: int) -> None:
        """Server `server` finished its job: hand it to the first waiting request if the team is on duty, else it
        falls idle (until the next request, or the next opening)."""
        now = self.env._now
        if self.queue and now < self.closes_at and self._hand_over(server):
            return
        self.busy -= 1
        self.free.append(server)
        self.on_busy((now, self.index, self.busy))

    # ------------------------------------------------------------ internals

    def _hand_over(self, server: int) -> bool:
        """Give `server` to the first request not withdrawn; False when none is left."""
        queue = self.queue
        while queue:
            request = heappop(queue)[2]
            if request.withdrawn:
                continue
            self.on_dequeue(request)
            succeed_now(request.granted, server)  # a request is granted once
            return True
        return False

    def _dispatch(self) -> None:
        """At an opening: free servers go to the waiting requests, highest priority first."""
        while self.free and self.queue:
            server = self.free[0]
            if not self._hand_over(server):
                return
            self.free.popleft()
            self.busy += 1
            self.on_busy((self.env._now, self.index, self.busy))

    def _opened(self, closes_at: float) -> None:
        """An opening: the team takes on work until `closes_at`; the free servers go to the waiting requests."""
        self.closes_at = closes_at
        if self.queue and self.free:
            self._dispatch()

    def _closed(self) -> None:
        """Off duty at the run start, until the first opening."""
        self.closes_at = -math.inf


class PeoplePool(ServerPool):
    """A team whose people keep different hours: each server takes on work only while its own calendar has it on
    duty, and a job under way when its person goes off duty is suspended until that person's next opening.

    Servers are numbered 1..capacity as `schedules` lists them (None: always on duty). At each opening of a group of
    servers that share a schedule, its free servers (idle longest first) go to the waiting requests in priority
    order; a finishing server is handed to the next request only while it is on duty. With one schedule for all, it
    behaves, event for event, as a `ServerPool` with that calendar.
    """

    __slots__ = ("until",)

    def __init__(
        self,
        env: simpy.Environment,
        index: int,
        schedules: list[WeekSchedule | None],
        *,
        on_dequeue: Callable[[Request], None] = lambda request: None,
        on_busy: Callable[[tuple[float, int, int]], None] = lambda sample: None,
        tickets: itertools.count | None = None,
    ) -> None:
        super().__init__(env, index, len(schedules), None, on_dequeue=on_dequeue, on_busy=on_busy, tickets=tickets)
        own = [None if schedule is None or schedule.always_on else schedule for schedule in schedules]
        self.schedules = [None, *own]
        self.until = [math.inf] * (len(schedules) + 1)
        """Per server id: it takes on work while ``env.now < until[server]``."""
        members: dict[int, list[int]] = {}
        for server, schedule in enumerate(own, start=1):
            if schedule is not None:
                members.setdefault(id(schedule), []).append(server)
        for ids in members.values():
            schedule = cast(WeekSchedule, own[ids[0] - 1])
            _Openings(env, schedule, partial(self._opened_for, ids), partial(self._closed_for, ids))

    def can_start_now(self) -> bool:
        now, until = self.env._now, self.until
        return any(now < until[server] for server in self.free)

    def seize(self) -> int:
        now, until = self.env._now, self.until
        server = next(server for server in self.free if now < until[server])
        self.free.remove(server)
        self.busy += 1
        self.on_busy((now, self.index, self.busy))
        return server

    def release(self, server: int) -> None:
        now = self.env._now
        if self.queue and now < self.until[server] and self._hand_over(server):
            return
        self.busy -= 1
        self.free.append(server)
        self.on_busy((now, self.index, self.busy))

    def _opened_for(self, servers: list[int], closes_at: float) -> None:
        """An opening of `servers`: each takes on work until `closes_at`; those free go to the waiting requests."""
        for server in servers:
            self.until[server] = closes_at
        if self.queue and self.free:
            self.dispatch(servers)

    def _closed_for(self, servers: list[int]) -> None:
        """`servers` are off duty at the run start, until their first opening."""
        for server in servers:
            self.until[server] = -math.inf

    def dispatch(self, servers: list[int]) -> None:
        """At an opening of `servers`: those of them that are free go to the waiting requests, in free-list order."""
        for server in [server for server in self.free if server in servers]:
            if not self.queue or not self._hand_over(server):
                return
            self.free.remove(server)
            self.busy += 1
            self.on_busy((self.env._now, self.index, self.busy))


class _Openings:
    """The openings of one working week (a team's, or a group of its people's): at each, `opened` is called with the
    moment work stops being taken on (the gap's closing, less `CLOSING_TOLERANCE_H`), and the next is scheduled.

    Kept by callbacks on plain timeouts rather than by a SimPy process: the same events, scheduled in the same order
    (a start event of urgent priority at time 0, as a process's, then one timeout per gap), so ties with other events
    at an opening break as before, without a generator to resume at every opening.
    """

    __slots__ = ("closed", "env", "gap_number", "opened", "schedule")

    def __init__(
        self,
        env: simpy.Environment,
        schedule: WeekSchedule,
        opened: Callable[[float], None],
        closed: Callable[[], None],
    ) -> None:
        self.env = env
        self.schedule = schedule
        self.opened = opened
        self.closed = closed
        self.gap_number = 0
        """The number of the off-duty gap that comes next (see `WeekSchedule.gap`)."""
        call_at_start(env, self._first)

    def _first(self, event: Event) -> None:
        """At the run start: closed until the first opening if off duty now, else open now."""
        env, schedule = self.env, self.schedule
        self.gap_number = schedule.gaps_started_by(env._now)
        reopening = schedule.gap(self.gap_number - 1)[1]
        if reopening > env._now:
            self.closed()
            call_after(env, reopening - env._now, self._open)
        else:
            self._open(event)

    def _open(self, _: Event) -> None:
        """An opening: work is taken on until this working interval's end; then wait for the next opening."""
        closing, reopening = self.schedule.gap(self.gap_number)
        self.opened(closing - CLOSING_TOLERANCE_H)
        env = self.env
        wait = reopening - env._now
        call_after(env, 0.0 if wait < 0.0 else wait, self._open)  # max(wait, 0.0) without a call
        self.gap_number += 1
