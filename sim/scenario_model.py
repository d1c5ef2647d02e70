"""The scenario file as typed pydantic models: every field checked where it is written, durations parsed to hours.

These models are the boundary (untrusted YAML in); `sim.scenario.build_network` turns a validated `Scenario` into
the frozen `sim.network` records the engine runs. Checks that need several parts of the file (a stage's team
exists, a route stays in its stream, ...) live in `sim.scenario_loader.check_references`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from sim.durations import UNITS_HELP, parse_duration, parse_rate, spell_duration

__all__ = [
    "WEEKDAYS",
    "ArrivalSpec",
    "BatchSpec",
    "CalendarSpec",
    "DistributionSpec",
    "EmpiricalSpec",
    "EscalationSpec",
    "ExponentialSpec",
    "FixedSpec",
    "GammaSpec",
    "GateSpec",
    "IntervalArrivalSpec",
    "ItemClassSpec",
    "LognormalSpec",
    "NoArrivalSpec",
    "PoissonArrivalSpec",
    "RenewalArrivalSpec",
    "ReworkSpec",
    "RunSpec",
    "Scenario",
    "ScheduleArrivalSpec",
    "SpawnSpec",
    "StageSpec",
    "StreamSpec",
    "TeamSpec",
    "TriangularSpec",
    "UniformSpec",
    "WeeklyArrivalSpec",
]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION_PATTERN = r"^\s*((\d+(\.\d*)?|\.\d+)\s*[smhdw]\s*)+$"
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")


def _duration_hours(value: Any) -> float:
    """Parse a duration string into hours; a bare number is refused (hours or days?)."""
    if isinstance(value, bool) or not isinstance(value, str):
        raise PydanticCustomError(
            "duration",
            "must be a duration string, {help} (got {got})",
            {"help": UNITS_HELP, "got": repr(value)},
        )
    try:
        return parse_duration(value)
    except ValueError as error:
        raise PydanticCustomError("duration", "{reason}", {"reason": str(error)}) from None


def _rate_per_hour(value: Any) -> float:
    """Parse a rate string (``"12/d"``) into events per hour."""
    try:
        return parse_rate(value)
    except ValueError as error:
        raise PydanticCustomError("rate", "{reason}", {"reason": str(error)}) from None


def _clock_hours(value: Any) -> float:
    """Parse ``"HH:MM"`` into hours after midnight; says what YAML did to an unquoted ``17:00``."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise PydanticCustomError(
            "clock",
            "must be a time 'HH:MM' in quotes (got {got}: YAML reads an unquoted 17:00 as the number 1020)",
            {"got": value},
        )
    if not isinstance(value, str) or _CLOCK.match(value) is None:
        raise PydanticCustomError(
            "clock", "must be a time 'HH:MM' from 00:00 to 24:00 (got {got})", {"got": repr(value)}
        )
    hours, minutes = value.split(":")
    return int(hours) + int(minutes) / 60


def _count_range(value: Any) -> tuple[int, int]:
    """Read a spawn count: a whole number n (exactly n) or ``[low, high]`` (uniform whole number in between)."""
    if isinstance(value, int) and not isinstance(value, bool):
        low = high = value
    elif (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(part, int) and not isinstance(part, bool) for part in value)
    ):
        low, high = value
    else:
        raise PydanticCustomError(
            "count", "must be a whole number or a range [low, high] of whole numbers (got {got})", {"got": repr(value)}
        )
    if low < 0 or low > high:
        raise PydanticCustomError("count", "must satisfy 0 <= low <= high (got {got})", {"got": repr(value)})
    return low, high


Hours = Annotated[
    float,
    BeforeValidator(_duration_hours),
    WithJsonSchema({"type": "string", "pattern": _DURATION_PATTERN, "description": f"a duration: {UNITS_HELP}"}),
]
"""A duration written with a unit in the file, held in hours."""

PerHour = Annotated[
    float,
    BeforeValidator(_rate_per_hour),
    WithJsonSchema(
        {"type": "string", "pattern": r"^\s*(\d+(\.\d*)?|\.\d+)\s*/\s*[smhdw]\s*$", "description": "a rate: '12/d'"}
    ),
]
"""A rate written as a count per unit in the file, held per hour."""

ClockHours = Annotated[
    float,
    BeforeValidator(_clock_hours),
    WithJsonSchema({"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$", "description": "'HH:MM'"}),
]
"""A time of day ``"HH:MM"``, held in hours after midnight."""

CountRange = Annotated[
    tuple[int, int],
    BeforeValidator(_count_range),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "integer", "minimum": 0},
                {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
            ]
        }
    ),
]
"""A spawn count ``n`` or ``[low, high]``, held as ``(low, high)``."""


def _as_list(value: Any) -> Any:
    """A single duration string is a one-item list (``offset: 4d`` = ``offset: [4d]``); anything else passes."""
    return [value] if isinstance(value, str) else value


OffsetHours = Annotated[
    list[Hours],
    BeforeValidator(_as_list),
    Field(min_length=1),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": _DURATION_PATTERN},
                {"type": "array", "items": {"type": "string", "pattern": _DURATION_PATTERN}, "minItems": 1},
            ],
            "description": f"a duration, or a list of durations (one opening each): {UNITS_HELP}",
        }
    ),
]
"""A gate's openings within its cycle: one duration or a list of them, held as a list of hours."""

Probability = Annotated[float, Field(ge=0, le=1)]
Moment = Annotated[AwareDatetime, Field(strict=False)]


class _Spec(BaseModel):
    """Base of every scenario model: unknown keys are refused and listed with the allowed ones; no coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=False, defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            allowed = [field.alias or name for name, field in cls.model_fields.items()]
            unknown = [key for key in data if key not in allowed]
            if unknown:
                raise PydanticCustomError(
                    "unknown_key",
                    "unknown key(s) {keys}; allowed keys: {allowed}",
                    {"keys": unknown, "allowed": ", ".join(allowed)},
                )
        return data


# --- distributions ---------------------------------------------------------------------------------------------


class ExponentialSpec(_Spec):
    """Memoryless time with the given mean (cv = 1)."""

    kind: Literal["exponential"]
    mean: Hours = Field(gt=0)


class LognormalSpec(_Spec):
    """Right-skewed time by mean and coefficient of variation."""

    kind: Literal["lognormal"]
    mean: Hours = Field(gt=0)
    cv: float = Field(ge=0)


class GammaSpec(_Spec):
    """Gamma time by mean and coefficient of variation (cv = 1 is exponential)."""

    kind: Literal["gamma"]
    mean: Hours = Field(gt=0)
    cv: float = Field(ge=0)


class TriangularSpec(_Spec):
    """Three-point estimate: low <= mode <= high."""

    kind: Literal["triangular"]
    low: Hours
    mode: Hours
    high: Hours

    @model_validator(mode="after")
    def _ordered(self) -> TriangularSpec:
        if not self.low <= self.mode <= self.high:
            raise PydanticCustomError(
                "order",
                "must satisfy low <= mode <= high (got low={low}, mode={mode}, high={high})",
                {"low": spell_duration(self.low), "mode": spell_duration(self.mode), "high": spell_duration(self.high)},
            )
        return self


class UniformSpec(_Spec):
    """Any time between low and high, equally likely: low < high."""

    kind: Literal["uniform"]
    low: Hours
    high: Hours

    @model_validator(mode="after")
    def _ordered(self) -> UniformSpec:
        if not self.low < self.high:
            raise PydanticCustomError(
                "order",
                "must satisfy low < high (got low={low}, high={high})",
                {"low": spell_duration(self.low), "high": spell_duration(self.high)},
            )
        return self


class FixedSpec(_Spec):
    """Always the same time; a bare duration string (``work: 2h``) means this."""

    kind: Literal["fixed"]
    value: Hours


class EmpiricalSpec(_Spec):
    """Observed times, resampled with replacement."""

    kind: Literal["empirical"]
    samples: list[Hours] = Field(min_length=1)


class _DurationShorthand:
    """Marks a distribution field that also accepts a bare duration string (meaning `fixed`), in the JSON Schema."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "pattern": _DURATION_PATTERN, "description": "shorthand for {kind: fixed, value}"},
                handler(core_schema),
            ]
        }


def _expand_shorthand(value: Any) -> Any:
    """``"2h"`` -> ``{kind: fixed, value: "2h"}``; anything else passes through to the tagged union."""
    return {"kind": "fixed", "value": value} if isinstance(value, str) else value


DistributionSpec = Annotated[
    Annotated[
        ExponentialSpec | LognormalSpec | GammaSpec | TriangularSpec | UniformSpec | FixedSpec | EmpiricalSpec,
        Field(discriminator="kind"),
    ],
    BeforeValidator(_expand_shorthand),
    _DurationShorthand,
]
"""A work-time or delay distribution: tagged by `kind`, or a bare duration string meaning fixed."""

DISTRIBUTION_KINDS: tuple[str, ...] = (
    "exponential",
    "lognormal",
    "gamma",
    "triangular",
    "uniform",
    "fixed",
    "empirical",
)


# --- run, teams, gates -------------------------------------------------------------------------------------------


class RunSpec(_Spec):
    """Clock and replication settings; `start` must carry a timezone."""

    start: Moment
    horizon: Hours = Field(gt=0)
    warmup: Hours = 0.0
    replications: int = Field(default=1, ge=1)
    seed: int = Field(default=0, ge=0)


class CalendarSpec(_Spec):
    """Working days and daily hours of a team, in the timezone of `run.start`."""

    weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = Field(min_length=1)
    hours: tuple[ClockHours, ClockHours] = Field(strict=False)  # YAML gives a list

    @field_validator("weekdays")
    @classmethod
    def _no_repeated_day(cls, weekdays: list[str]) -> list[str]:
        if len(set(weekdays)) != len(weekdays):
            raise PydanticCustomError("calendar", "must not repeat a day (got {got})", {"got": weekdays})
        return weekdays

    @field_validator("hours")
    @classmethod
    def _start_before_end(cls, hours: tuple[float, float]) -> tuple[float, float]:
        if not hours[0] < hours[1]:
            raise PydanticCustomError(
                "calendar", "must have start < end (got {got})", {"got": [_clock_text(hour) for hour in hours]}
            )
        return hours


def _clock_text(hours: float) -> str:
    return f"{int(hours):02d}:{round((hours - int(hours)) * 60):02d}"


class PeopleSpec(_Spec):
    """A group of a team's people who keep the same hours: `count` people on `calendar` (default: the team's)."""

    count: int = Field(gt=0)
    calendar: CalendarSpec | None = None
    name: str | None = Field(default=None, min_length=1, pattern=r"^[^\s,]+$")


class TeamSpec(_Spec):
    """A pool of interchangeable people serving stages in parallel; `people` when they keep different hours."""

    capacity: int | None = Field(default=None, gt=0)
    calendar: CalendarSpec | None = None
    people: list[PeopleSpec] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _capacity_or_people(self) -> TeamSpec:
        if self.people is None:
            if self.capacity is None:
                raise PydanticCustomError("team", "needs capacity (or people: groups with a count each)", {})
            return self
        total = sum(group.count for group in self.people)
        if self.capacity is not None and self.capacity != total:
            raise PydanticCustomError(
                "team",
                "capacity {capacity} is not the number of its people ({total}: the sum of people[].count)",
                {"capacity": self.capacity, "total": total},
            )
        names = [group.name for group in self.people if group.name is not None]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise PydanticCustomError("team", "people names must differ (repeated: {names})",
                                      {"names": ", ".join(repeated)})  # fmt: skip
        return self


class GateSpec(_Spec):
    """A cadence gate: in every cycle of `every` it opens at `offset` (one duration, or a list for several openings
    per cycle, each < `every`, in increasing order) and stays open `open_for` (0: a moment).

    The order and `< every` rules are checked in `sim.scenario_loader.check_references`, where the message can
    name the offending list item.
    """

    every: Hours = Field(gt=0)
    offset: OffsetHours = Field(default_factory=lambda: [0.0])
    open_for: Hours = 0.0

    @model_validator(mode="after")
    def _shorter_than_cycle(self) -> GateSpec:
        if self.open_for > self.every:
            raise PydanticCustomError(
                "gate",
                "open_for must not exceed every (got open_for={open_for}, every={every})",
                {"open_for": spell_duration(self.open_for), "every": spell_duration(self.every)},
            )
        return self


# --- streams and stages ------------------------------------------------------------------------------------------


class BatchSpec(_Spec):
    """Gather `size` items (or wait `timeout` after the first) and serve them as one job."""

    size: int = Field(ge=1)
    timeout: Hours | None = Field(default=None, gt=0)


class EscalationSpec(_Spec):
    """An item queued longer than `after` is re-queued with `priority` and/or at `team`."""

    after: Hours = Field(gt=0)
    priority: int | None = None
    team: str | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> EscalationSpec:
        if self.priority is None and self.team is None:
            raise PydanticCustomError("escalation", "needs a priority, a team or both (got neither)")
        return self


class StageSpec(_Spec):
    """One step of a stream: served by `team` for a `work` time, optionally behind a hand-off, gate and batch."""

    name: str = Field(min_length=1)
    team: str
    work: DistributionSpec
    activity: str | None = Field(default=None, min_length=1)
    """The activity name the event log writes for this stage (default: its name); several stages may share one,
    e.g. the first and the later visits of an activity, routed apart (as `flowlab calibrate` writes them)."""
    handoff: DistributionSpec | None = None
    gate: str | None = None
    batch: BatchSpec | None = None
    escalation: EscalationSpec | None = None


class StreamSpec(_Spec):
    """A value stream: its stages in order."""

    stages: list[StageSpec] = Field(min_length=1)


# --- work item classes -------------------------------------------------------------------------------------------


class PoissonArrivalSpec(_Spec):
    """Arrivals at random, `rate` per unit of time."""

    kind: Literal["poisson"]
    rate: PerHour = Field(gt=0)


class IntervalArrivalSpec(_Spec):
    """One arrival every `every`, the first at `offset`."""

    kind: Literal["interval"]
    every: Hours = Field(gt=0)
    offset: Hours = 0.0


class ScheduleArrivalSpec(_Spec):
    """Arrivals at listed timezone-aware moments."""

    kind: Literal["schedule"]
    at: list[Moment] = Field(min_length=1)


class NoArrivalSpec(_Spec):
    """No arrivals of its own: the class is only created by spawns."""

    kind: Literal["none"]


HOURS_PER_DAY = 24


def _one_rate_per_hour(rates: list[float]) -> list[float]:
    if len(rates) != HOURS_PER_DAY:
        raise PydanticCustomError(
            "hours",
            "must have 24 rates, one per hour of the day from 00:00 to 23:00 (got {count})",
            {"count": len(rates)},
        )
    return rates


DayRates = Annotated[
    list[Annotated[float, Field(ge=0)]],
    AfterValidator(_one_rate_per_hour),
    WithJsonSchema(
        {
            "type": "array",
            "items": {"type": "number", "minimum": 0},
            "minItems": HOURS_PER_DAY,
            "maxItems": HOURS_PER_DAY,
            "description": "arrivals per hour in each hour of the day, 00:00-01:00 first",
        }
    ),
]
"""The 24 hourly arrival rates (per hour) of one weekday."""

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class WeeklyArrivalSpec(_Spec):
    """Poisson arrivals whose rate changes with the hour of the week, in the timezone of `run.start`: for each
    listed weekday 24 rates (arrivals per hour), one per hour of the day; days not listed have no arrivals."""

    kind: Literal["weekly"]
    rates: dict[Weekday, DayRates] = Field(min_length=1)


class RenewalArrivalSpec(_Spec):
    """Arrivals separated by independent gaps drawn from `gap`, any work-time distribution (the first arrival one
    gap after the start)."""

    kind: Literal["renewal"]
    gap: DistributionSpec


ArrivalSpec = Annotated[
    PoissonArrivalSpec
    | IntervalArrivalSpec
    | ScheduleArrivalSpec
    | NoArrivalSpec
    | WeeklyArrivalSpec
    | RenewalArrivalSpec,
    Field(discriminator="kind"),
]
"""How items of a class arrive, tagged by `kind`."""

ARRIVAL_KINDS: tuple[str, ...] = ("poisson", "interval", "schedule", "none", "weekly", "renewal")


class ReworkSpec(_Spec):
    """After `after`, go back to `to` with `probability`, at most `max_loops` times."""

    after: str
    to: str
    probability: Probability
    max_loops: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _terminates(self) -> ReworkSpec:
        if self.probability == 1 and self.max_loops is None:
            raise PydanticCustomError(
                "rework", "probability 1 without max_loops loops forever (give max_loops or a probability < 1)"
            )
        return self


class SpawnSpec(_Spec):
    """After `after`, with `probability`, create `count` items of another class (a cross-stream hand-off)."""

    after: str
    item_class: str = Field(alias="class")
    count: CountRange = (1, 1)
    probability: Probability = 1.0
    per_batch: bool = False


FLOW_RULES = (
    "a first-order Markov chain over stages: `start` gives the probability of each first stage, a row per stage "
    "the probability of each next stage (the stage itself: a repeat; `end`: the item leaves); each row sums to 1"
)

FlowSpec = Annotated[
    dict[str, dict[str, Probability]],
    Field(description=f"Probabilistic routing, instead of `route`: {FLOW_RULES}."),
]
"""A class's flow: rows (`start` and stage names) of next-stage probabilities (stage names and `end`)."""


class ItemClassSpec(_Spec):
    """A kind of work item (an IT4IT scenario): its stream, arrivals, route (or flow), priority, SLA, rework and
    spawns.

    Exactly one of `route` (stages in order) and `flow` (probabilities of the next stage). `work` maps stages of its
    route to this class's own work-time distribution there (overriding the stage's); `expedite` lets it pass every
    cadence gate and batch on its route (an emergency change). `max_visits` bounds a flow item's visits.
    """

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": ["route"]}, {"required": ["flow"]}]})

    stream: str
    scenario: str = ""
    arrival: ArrivalSpec
    route: list[str] | None = Field(default=None, min_length=1)
    flow: FlowSpec | None = None
    flow_delays: dict[str, dict[str, DistributionSpec]] = Field(
        default_factory=dict,
        description="A flow's delays on the way from one stage (the key) to the next (the inner key): a wait before "
        "the next stage's own hand-off, e.g. a customer's reply between two calls.",
    )
    max_visits: int | None = Field(
        default=None,
        ge=1,
        description="A flow item leaves after this many stage visits (default 1000): a guard against a loop whose "
        "probability is close to 1.",
    )
    priority: int = 3
    sla: Hours | None = Field(default=None, gt=0)
    rework: list[ReworkSpec] = Field(default_factory=list)
    spawn: list[SpawnSpec] = Field(default_factory=list)
    work: dict[str, DistributionSpec] = Field(default_factory=dict)
    expedite: bool = False


class Scenario(_Spec):
    """A whole scenario file, field-checked; cross-references are checked by `sim.scenario_loader`."""

    SUPPORTED_VERSIONS: ClassVar[tuple[int, ...]] = (1,)

    version: Literal[1]
    name: str = Field(min_length=1)
    description: str = ""
    run: RunSpec
    teams: dict[str, TeamSpec] = Field(min_length=1)
    gates: dict[str, GateSpec] = Field(default_factory=dict)
    streams: dict[str, StreamSpec] = Field(min_length=1)
    items: dict[str, ItemClassSpec] = Field(min_length=1)
