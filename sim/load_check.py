"""Offered-load check before a run: a team offered as much work as it can do (utilisation >= 1) has queues that grow
without bound, so the run's lead times would only measure the horizon. Warnings, not errors: a what-if may mean it.

Offered load of a team (person-hours of work per hour) = Σ over item classes and their route stages served by the
team of (arrival rate of the class) × (expected visits to the stage) × (mean work time of the class there: its own
override, else the stage's) / (batch size; 1 for an expedited class, which skips batches). It is an estimate:
spawned classes get their parents' rates × expected count × probability, rework adds a geometric expectation of
visits, a flow the expected visits of its chain (up to its visit limit), batches are assumed full, and escalation's
move to another team is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.network import (
    FLOW_END,
    Flow,
    IntervalArrivals,
    ItemClass,
    Network,
    PoissonArrivals,
    RenewalArrivals,
    ScheduledArrivals,
    Team,
    WeeklyArrivals,
)
from sim.people import person_hours_per_week

__all__ = ["LoadWarning", "check_offered_load", "compute_arrival_rates", "compute_utilisation", "expected_visits"]

HOURS_PER_WEEK = 168.0


@dataclass(frozen=True, slots=True)
class LoadWarning:
    """A team offered at least as much work as it can do (`team` is None for a spawn chain that never ends)."""

    team: str | None
    utilisation: float
    stages: tuple[str, ...]
    message: str


def _own_rate(item: ItemClass, horizon_h: float) -> float:
    """Arrivals per hour of a class by itself (scheduled arrivals averaged over the horizon, weekly ones over the
    week, renewal ones one per mean gap)."""
    arrivals = item.arrivals
    if isinstance(arrivals, PoissonArrivals):
        return arrivals.rate_per_h
    if isinstance(arrivals, IntervalArrivals):
        return 1 / arrivals.every_h
    if isinstance(arrivals, ScheduledArrivals):
        return sum(1 for time in arrivals.times_h if 0 <= time < horizon_h) / horizon_h
    if isinstance(arrivals, WeeklyArrivals):
        return sum(arrivals.rates_per_h) / len(arrivals.rates_per_h)
    if isinstance(arrivals, RenewalArrivals):
        return 1 / arrivals.gap.mean if arrivals.gap.mean > 0 else 0.0
    return 0.0


def _expected_loops(probability: float, max_loops: int | None) -> float:
    """Expected number of loops back: loop k happens with probability p**k, for k = 1 .. max_loops."""
    if max_loops is None:
        return probability / (1 - probability)
    if probability >= 1:
        return float(max_loops)
    return probability * (1 - probability**max_loops) / (1 - probability)  # the sum in closed form: O(1) in loops


_FLOW_STEPS = 10_000
"""Above this many visits per item a flow's expected visits are the unbounded sum, solved at once (a huge
`max_visits` would otherwise be summed one visit at a time)."""


def _flow_visits(flow: Flow) -> dict[str, float]:
    """Expected visits per item to each stage of a flow, the visit limit included: the chance of being at each stage
    on visit k (k = 1 .. max_visits), summed."""
    named = [*flow.start, *flow.transitions, *(target for row in flow.transitions.values() for target in row)]
    stages = [stage for stage in dict.fromkeys(named) if stage != FLOW_END]
    index = {stage: number for number, stage in enumerate(stages)}
    size = len(stages)
    moves = [[0.0] * size for _ in stages]
    for stage, row in flow.transitions.items():
        for target, probability in row.items():
            if target != FLOW_END:
                moves[index[stage]][index[target]] += probability
    here = [0.0] * size
    for target, probability in flow.start.items():
        if target != FLOW_END:
            here[index[target]] += probability
    if flow.max_visits > _FLOW_STEPS:  # the unbounded sum x = here + movesᵀ x, solved at once when it converges
        system = [[float(row == column) - moves[column][row] for column in range(size)] for row in range(size)]
        solved = solve_below_spectral_radius_one(system, here)
        if solved is not None:
            return {stage: solved[index[stage]] for stage in stages if solved[index[stage]] > 0}
    total = [0.0] * size
    for _ in range(min(flow.max_visits, _FLOW_STEPS)):
        total = [visits + chance for visits, chance in zip(total, here, strict=True)]
        here = [sum(here[source] * moves[source][target] for source in range(size)) for target in range(size)]
        if sum(here) < 1e-12:
            break
    return {stage: total[index[stage]] for stage in stages if total[index[stage]] > 0}


def _visits(item: ItemClass) -> dict[str, float]:
    """Expected visits per item to each stage of its route (rework loops multiply the stages they span) or flow."""
    if item.flow is not None:
        return _flow_visits(item.flow)
    position = {stage: index for index, stage in enumerate(item.route)}
    visits = dict.fromkeys(item.route, 1.0)
    for rework in item.rework:
        factor = 1 + _expected_loops(rework.probability, rework.max_loops)
        for stage in item.route[position[rework.to] : position[rework.after] + 1]:
            visits[stage] *= factor
    return visits


def compute_arrival_rates(network: Network) -> dict[str, float] | None:
    """Arrivals per hour of every item class, own arrivals plus spawns; None when spawns multiply without bound."""
    names = list(network.item_classes)
    index = {name: number for number, name in enumerate(names)}
    own = [_own_rate(network.item_classes[name], network.run.horizon_h) for name in names]
    spawned = [[0.0] * len(names) for _ in names]  # spawned[parent][child]: children per parent item
    for name in names:
        item = network.item_classes[name]
        visits = _visits(item)
        for spawn in item.spawn:
            batch = None if item.expedite else network.stages[spawn.after].batch
            per_completion = (spawn.count_low + spawn.count_high) / 2 * spawn.probability
            if spawn.per_batch and batch is not None:
                per_completion /= batch.size
            spawned[index[name]][index[spawn.item_class]] += visits.get(spawn.after, 0.0) * per_completion
    # rate = own + spawnedᵀ rate, i.e. (I - spawnedᵀ) rate = own
    size = len(names)
    system = [[float(row == column) - spawned[column][row] for column in range(size)] for row in range(size)]
    rates = solve_below_spectral_radius_one(system, own)
    return None if rates is None else {name: rates[index[name]] for name in names}


def expected_visits(network: Network) -> float | None:
    """Stage visits one replication of `network` is expected to make (arrival rates × horizon × visits per item,
    spawns included; with `max_cases`, at most that many items' worth); None when spawns never end."""
    rates = compute_arrival_rates(network)
    if rates is None:
        return None
    run = network.run
    items = {name: rates[name] * run.horizon_h for name in rates}
    visits = sum(count * sum(_visits(network.item_classes[name]).values()) for name, count in items.items())
    arrivals = sum(items.values())
    if run.max_cases is not None and arrivals > run.max_cases:
        visits *= run.max_cases / arrivals
    return visits


def solve_below_spectral_radius_one(system: list[list[float]], right: list[float]) -> list[float] | None:
    """Solve ``(I - M) x = right`` for a non-negative square M given as ``system = I - M``; None when the spectral
    radius of M is >= 1 (spawns that multiply without bound).

    ``I - M`` has non-positive entries off the diagonal, and for such a matrix the spectral radius of M is < 1
    exactly when Gaussian elimination without pivoting meets only positive pivots (its leading principal minors are
    all positive: a non-singular M-matrix). So one elimination both decides boundedness and gives the solution.
    Small systems (one row per item class), in plain Python so that checking a scenario needs no numpy.
    """
    size = len(right)
    rows = [[*row, value] for row, value in zip(system, right, strict=True)]
    for pivot in range(size):
        if not rows[pivot][pivot] > 1e-12:
            return None
        for row in range(pivot + 1, size):
            factor = rows[row][pivot] / rows[pivot][pivot]
            if factor:
                for column in range(pivot, size + 1):
                    rows[row][column] -= factor * rows[pivot][column]
    solution = [0.0] * size
    for row in reversed(range(size)):
        known = sum(rows[row][column] * solution[column] for column in range(row + 1, size))
        solution[row] = (rows[row][size] - known) / rows[row][row]
    return solution


def _working_share(team: Team) -> float:
    """Share of the week the team works (1 without a calendar); for people who keep different hours, their working
    hours together over capacity × a week."""
    if team.people:
        return person_hours_per_week(team) / (team.capacity * HOURS_PER_WEEK)
    if team.calendar is None:
        return 1.0
    calendar = team.calendar
    return len(calendar.weekdays) * (calendar.day_end_h - calendar.day_start_h) / HOURS_PER_WEEK


def _stage_loads(network: Network, rates: dict[str, float]) -> dict[str, float]:
    """Offered person-hours per hour at each stage."""
    loads = dict.fromkeys(network.stages, 0.0)
    for name, item in network.item_classes.items():
        for stage_name, visits in _visits(item).items():
            stage = network.stages[stage_name]
            # a batch is one job: one work draw for all its members
            per_job = 1 if stage.batch is None or item.expedite else stage.batch.size
            work = item.work.get(stage_name, stage.work)
            loads[stage_name] += rates[name] * visits * work.mean / per_job
    return loads


def _team_utilisation(network: Network, loads: dict[str, float]) -> dict[str, float]:
    """Load of each team's stages over its capacity × working share."""
    utilisation = {}
    for name, team in network.teams.items():
        load = sum(loads[stage.name] for stage in network.stages.values() if stage.team == name)
        utilisation[name] = load / (team.capacity * _working_share(team))
    return utilisation


def compute_utilisation(network: Network) -> dict[str, float] | None:
    """Offered utilisation of every team (load / (capacity × working share)); None when spawns never end."""
    rates = compute_arrival_rates(network)
    return None if rates is None else _team_utilisation(network, _stage_loads(network, rates))


def check_offered_load(network: Network) -> list[LoadWarning]:
    """One warning per team whose offered utilisation is >= 1, naming the stages that load it; never raises."""
    rates = compute_arrival_rates(network)
    if rates is None:
        return [
            LoadWarning(
                team=None,
                utilisation=float("inf"),
                stages=(),
                message="spawns create on average one or more new items per item in a cycle: arrivals grow without "
                "bound",
            )
        ]
    loads = _stage_loads(network, rates)
    utilisation = _team_utilisation(network, loads)
    warnings = []
    for name, team in network.teams.items():
        if utilisation[name] < 1:
            continue
        stages = tuple(stage.name for stage in network.stages.values() if stage.team == name and loads[stage.name] > 0)
        shares = ", ".join(f"{stage} {loads[stage]:.2f}" for stage in stages)
        calendar = "" if team.calendar is None and not team.people else f" × working share {_working_share(team):.2f}"
        warnings.append(
            LoadWarning(
                team=name,
                utilisation=utilisation[name],
                stages=stages,
                message=f"team {name!r} is offered utilisation {utilisation[name]:.2f} (>= 1): "
                f"{sum(loads[stage] for stage in stages):.2f} person-hours per hour of work for capacity "
                f"{team.capacity}{calendar}; its queues grow without bound. Stages loading it (person-hours per "
                f"hour): {shares}",
            )
        )
    return warnings
