"""The resolved queueing network the engine runs: plain frozen records, every time in hours, every name checked.

`sim.scenario` turns a validated YAML scenario into a `Network`; tests build one directly. The engine reads
nothing else, so it never sees strings with units, defaults or YAML paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sim.distributions import Distribution


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """When a team works: weekdays (0 = Monday) and a daily window, in the run start's timezone (hours)."""

    weekdays: frozenset[int]
    day_start_h: float
    day_end_h: float


@dataclass(frozen=True, slots=True)
class PeopleGroup:
    """`count` of a team's people who keep the same hours: `calendar` (None: around the clock); `name` labels them in
    the event log (``<team>-<name>-<j>``)."""

    count: int
    calendar: WorkingCalendar | None
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Team:
    """A pool of `capacity` interchangeable people (servers) that serves one or more stages.

    With `people`, its people keep the hours of their group (servers numbered group by group, in order); `calendar`
    is then the default the groups were given, and `capacity` the sum of their counts.
    """

    name: str
    capacity: int
    calendar: WorkingCalendar | None = None
    people: tuple[PeopleGroup, ...] = ()


@dataclass(frozen=True, slots=True)
class CadenceGate:
    """A planning cycle or change window: in every cycle of `every_h` hours it opens at each of `offsets_h` (hours
    into the cycle, increasing, each < `every_h`; the first cycle starts at 0) and stays open `open_for_h` (0: a
    moment). A change window on Tuesdays and Thursdays is one weekly gate with two offsets.

    Items that become ready for a gated stage wait until the gate is open, then join the stage's queue.
    """

    name: str
    every_h: float
    offsets_h: tuple[float, ...] = (0.0,)
    open_for_h: float = 0.0


@dataclass(frozen=True, slots=True)
class Batching:
    """Items wait in front of the stage until `size` have gathered or `timeout_h` passed since the first arrived;
    the batch is then served as one job (one server, one work-time draw) and its members move on together.
    """

    size: int
    timeout_h: float | None = None


@dataclass(frozen=True, slots=True)
class Escalation:
    """An item still queued `after_h` after it became ready is re-queued with `priority` and/or at `team`."""

    after_h: float
    priority: int | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Stage:
    """One step of a value stream: a queue in front of `team`, served for a `work` time.

    Before joining the queue an item spends `handoff` (a transfer delay), then waits for `gate` and `batch`.
    """

    name: str
    stream: str
    team: str
    work: Distribution
    handoff: Distribution | None = None
    gate: str | None = None
    batch: Batching | None = None
    escalation: Escalation | None = None
    activity: str | None = None
    """The activity name the event log writes for this stage (None: its name)."""


@dataclass(frozen=True, slots=True)
class PoissonArrivals:
    """Arrivals at random with `rate_per_h` per hour (exponential gaps)."""

    rate_per_h: float


@dataclass(frozen=True, slots=True)
class IntervalArrivals:
    """One arrival every `every_h` hours, the first at `offset_h`."""

    every_h: float
    offset_h: float = 0.0


@dataclass(frozen=True, slots=True)
class ScheduledArrivals:
    """Arrivals at the listed times (hours after the run start), e.g. a DR test calendar."""

    times_h: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class NoArrivals:
    """The class only enters by being spawned from another class's stage (a cross-stream hand-off)."""


@dataclass(frozen=True, slots=True)
class WeeklyArrivals:
    """Poisson arrivals whose rate changes with the hour of the week: `rates_per_h[k]` arrivals per hour in hour k
    after Monday 00:00 (168 values), in the timezone of the run start (its UTC offset holds for the whole run, as
    for team calendars)."""

    rates_per_h: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class RenewalArrivals:
    """Arrivals separated by independent gaps drawn from `gap` (hours); the first comes one gap after the start."""

    gap: Distribution


Arrivals = PoissonArrivals | IntervalArrivals | ScheduledArrivals | NoArrivals | WeeklyArrivals | RenewalArrivals

FLOW_START = "start"
"""In a `Flow`: the row of the first stage's probabilities (not a stage)."""
FLOW_END = "end"
"""In a `Flow`: the target that means the item leaves (not a stage)."""
DEFAULT_MAX_VISITS = 1000
"""A flow item leaves after this many stage visits unless its class says otherwise (a guard against a loop whose
probability is close to 1)."""


@dataclass(frozen=True, slots=True)
class Rework:
    """After completing stage `after`, go back to stage `to` with `probability` (at most `max_loops` times)."""

    after: str
    to: str
    probability: float
    max_loops: int | None = None


@dataclass(frozen=True, slots=True)
class Spawn:
    """After completing stage `after`, with `probability`, create `count_low`..`count_high` items of `item_class`.

    With `per_batch`, a batch served at `after` spawns once for the whole batch instead of once per member.
    """

    after: str
    item_class: str
    count_low: int = 1
    count_high: int = 1
    probability: float = 1.0
    per_batch: bool = False


@dataclass(frozen=True, slots=True)
class Flow:
    """Probabilistic routing: a first-order Markov chain over stages, in place of a fixed route.

    `start` gives the probability of each first stage; `transitions[stage]` the probability of each stage that
    follows `stage` (itself too: a repeat), `FLOW_END` meaning the item leaves. Every row sums to 1. The next stage
    is drawn when a visit completes; after `max_visits` visits the item leaves whatever the draw would say.
    """

    start: dict[str, float]
    transitions: dict[str, dict[str, float]]
    max_visits: int = DEFAULT_MAX_VISITS
    delays: dict[tuple[str, str], Distribution] = field(default_factory=dict)
    """Waits on the way from a stage to the next, by (from, to): before the next stage's own hand-off."""


@dataclass(frozen=True, slots=True)
class ItemClass:
    """A kind of work item (an IT4IT scenario): how it arrives, its route of stages, priority (lower = sooner), SLA.

    `work` overrides the work-time distribution of some of its route's stages (a hotfix's development takes hours,
    a feature's days); `expedite` sends it past every cadence gate and batch (an emergency change), hand-offs still
    apply. A class with a `flow` draws its stages from it instead of following `route` (then empty); it has no
    rework (loops are in the flow's probabilities), while `spawn` and `work` name stages of the flow.
    """

    name: str
    stream: str
    route: tuple[str, ...]
    arrivals: Arrivals
    priority: int = 3
    sla_h: float | None = None
    scenario: str = ""
    rework: tuple[Rework, ...] = ()
    spawn: tuple[Spawn, ...] = ()
    work: dict[str, Distribution] = field(default_factory=dict)
    expedite: bool = False
    flow: Flow | None = None


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Clock and replication settings: timezone-aware start, horizon and warm-up in hours, replications, seed.

    With `max_cases`, the item classes' own arrivals stop after that many items in all have arrived since the
    warm-up (spawned items do not count; those arriving during the warm-up come on top) and a replication ends when
    every item is done; the horizon then only caps it. With warm-up 0 (the natural choice) every case counts.
    """

    start: datetime
    horizon_h: float
    warmup_h: float = 0.0
    replications: int = 1
    seed: int = 0
    max_cases: int | None = None


@dataclass(frozen=True, slots=True)
class Network:
    """Everything one run needs; names in `stages`, `teams`, `gates` and `item_classes` are their dict keys."""

    name: str
    run: RunSettings
    teams: dict[str, Team]
    stages: dict[str, Stage]
    item_classes: dict[str, ItemClass]
    gates: dict[str, CadenceGate] = field(default_factory=dict)
    streams: tuple[str, ...] = ()
