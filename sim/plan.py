"""The named records a replication runs on: each stage, item class and route step of a `Network`, resolved for the
engine (teams as server pools, draws bound to their random streams) by `sim.build`.

The engine reads these on its hot path, so they are slotted classes and named tuples (unpacking a named tuple costs
what a plain tuple costs); the mutable state of a stage's queue and batch lives on its `StagePlan`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from sim.network import Batching, CadenceGate

if TYPE_CHECKING:
    from simpy.events import Event

    from sim.servers import ServerPool

__all__ = [
    "AfterStage",
    "BatchMember",
    "Branch",
    "ClassPlan",
    "Escalation",
    "FlowPlan",
    "ReworkRule",
    "SpawnRule",
    "StagePlan",
    "Step",
]


class Escalation(NamedTuple):
    """After waiting `after_h` hours from ready, the item takes `priority` (None: keeps its own) at `team`."""

    after_h: float
    priority: int | None
    team: ServerPool


class StagePlan:
    """A stage resolved for the run: its team, its bound draws and waits, and the state of its queue and batch."""

    __slots__ = (
        "batch",
        "batch_token",
        "direct",
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
        """The stage's work-time draw (hours), for the classes that do not override it."""
        self.handoff: Callable[[], float] | None = None
        self.gate: CadenceGate | None = None
        self.batch: Batching | None = None
        self.escalation: Escalation | None = None
        self.queue_length = 0
        self.forming: list[BatchMember] = []
        """Members of the batch now gathering."""
        self.batch_token = 0
        """Counts released batches, so a timeout of an earlier batch does not release the one now gathering."""
        self.simple = True
        """True when the stage uses no hand-off, gate, batch, escalation or calendar: the engine's short path."""
        self.direct = True
        """True when the stage forms no batches: the engine serves it in the item's own process."""


class ReworkRule(NamedTuple):
    """Rule number `rule` of a class: after this route position, go back to `back_to` with `probability`, at most
    `max_loops` times (None: no limit)."""

    rule: int
    back_to: int
    probability: float
    max_loops: int | None


class SpawnRule(NamedTuple):
    """After this route position, with `probability`, create between `low` and `high` items of class `target` (once
    per batch rather than per item when `per_batch`)."""

    target: ClassPlan
    low: int
    high: int
    probability: float
    per_batch: bool


class Branch(NamedTuple):
    """One way out of a flow's row: the item goes to step `to` (its position in `ClassPlan.steps`; the number of
    steps means it leaves) when the class's uniform draw is below `below`, the row's cumulative probability up to
    and including this branch (the last branch of a row has ``inf``, so rounding never falls through)."""

    below: float
    to: int
    delay: Callable[[], float] | None = None
    """A wait on this way to the next stage (hours), drawn as the item takes it; None: none."""


class FlowPlan(NamedTuple):
    """A flow class's chain: the branches to its first stage and the visits after which an item leaves; the
    branches after each stage are on that stage's `AfterStage`."""

    start: tuple[Branch, ...]
    max_visits: int


class AfterStage:
    """What may follow one route position: rework rules (the first that hits wins) and spawn rules; in a flow, the
    branches to the next stage instead of rework."""

    __slots__ = ("branches", "reworks", "spawns")

    def __init__(self) -> None:
        self.reworks: list[ReworkRule] = []
        self.spawns: list[SpawnRule] = []
        self.branches: tuple[Branch, ...] | None = None
        """In a flow: where the item goes next (None on a route: the next position, unless rework hits)."""


class Step(NamedTuple):
    """One route position of a class: the stage, what may follow it, and its work-time draw (the class's own or
    the stage's)."""

    stage: StagePlan
    after: AfterStage | None
    draw: Callable[[], float]


class ClassPlan:
    """An item class resolved for the run: its route (or its flow's stages) as steps, its decision draws and its
    case counter."""

    __slots__ = ("decide", "expedite", "flow", "index", "name", "priority", "seq", "steps")

    def __init__(self, index: int, name: str, priority: int, expedite: bool, decide: Callable[[], float]) -> None:
        self.index = index
        self.name = name
        self.priority = priority
        self.expedite = expedite
        self.decide = decide
        """Uniform draws in [0, 1) for the class's rework, spawn and flow decisions."""
        self.seq = 0
        self.steps: tuple[Step, ...] = ()
        self.flow: FlowPlan | None = None
        """A flow class's start branches and visit limit (None: the class follows its route, step after step)."""


class BatchMember(NamedTuple):
    """An item waiting in a forming batch: its case row, priority, the event that frees it, its class, what follows
    the stage for it, and its work-time draw."""

    row: list
    priority: int
    done: Event
    plan: ClassPlan
    after: AfterStage | None
    draw: Callable[[], float]
