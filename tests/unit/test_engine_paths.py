"""The engine's ways of serving a stage give the same run, and its lean process driver behaves as `simpy.Process`.

The engine serves a stage on one of three paths: the short path (no optional feature), the direct path (hand-off,
gate, calendar, escalation or flow delay, in the item's own process) and the general path (`_general_visit` and
`_serve`, the nested generators every stage went through before the direct path existed; batches still do). Forcing
every stage onto the general path, or off the short path, must not change a single number of a seeded run: each
path takes the same steps, draws and events in the same order.

`sim.processes` starts work items and the engine's callback loops the way SimPy starts a process; traces of small
models run both ways must agree event for event, ties included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import pytest
import simpy
from conftest import SCENARIOS_DIR
from simpy.events import Event

import sim.engine
from sim.distributions import Exponential, Fixed
from sim.engine import simulate
from sim.network import (
    Escalation,
    Flow,
    ItemClass,
    Network,
    PoissonArrivals,
    RunSettings,
    Stage,
    Team,
    WorkingCalendar,
)
from sim.processes import call_after, call_at_start, run_until, start_process
from sim.recording import Recording
from sim.scenario import load_network

START = datetime(2026, 1, 5, 6, 30, tzinfo=UTC)  # a Monday, before the office opens
OFFICE = WorkingCalendar(weekdays=frozenset(range(5)), day_start_h=8.0, day_end_h=17.5)


def it4it(weeks: float) -> Network:
    """The end-to-end scenario: hand-offs, gates, a batch, escalation (same team and another), calendars, spawns,
    expedited classes."""
    network = load_network(SCENARIOS_DIR / "it4it-e2e.yaml")
    return dataclasses.replace(network, run=dataclasses.replace(network.run, horizon_h=weeks * 168.0))


def flow_network(max_cases: int | None = None) -> Network:
    """A flow over three stages with delays on two ways, a calendared team with escalation to an always-on one,
    and a stage with a hand-off: every feature of the direct path, with flow delays (`pending`) on top."""
    flow = Flow(
        start={"Triage": 0.8, "Fix": 0.2},
        transitions={"Triage": {"Fix": 0.5, "Check": 0.3, "end": 0.2}, "Fix": {"Check": 0.7, "Fix": 0.1, "end": 0.2},
                     "Check": {"end": 0.9, "Triage": 0.1}},
        delays={("Triage", "Fix"): Exponential(2.0), ("Fix", "Check"): Fixed(0.75)},
    )  # fmt: skip
    return Network(
        name="paths",
        run=RunSettings(start=START, horizon_h=6 * 168.0, warmup_h=24.0, seed=11, max_cases=max_cases),
        teams={"desk": Team("desk", 2, OFFICE), "night": Team("night", 1), "lab": Team("lab", 2, OFFICE)},
        stages={
            "Triage": Stage("Triage", "s", "desk", Exponential(0.4)),
            "Fix": Stage("Fix", "s", "lab", Exponential(1.5), escalation=Escalation(after_h=6.0, team="night")),
            "Check": Stage("Check", "s", "night", Exponential(0.3), handoff=Exponential(0.5)),
        },
        item_classes={
            "ticket": ItemClass("ticket", "s", (), PoissonArrivals(1.2), flow=flow),
            "urgent": ItemClass("urgent", "s", (), PoissonArrivals(0.2), flow=flow, priority=0),
        },
    )


def simulate_forcing(
    monkeypatch: pytest.MonkeyPatch, network: Network, *, simple: bool, direct: bool, seed: int = 5
) -> Recording:
    """`simulate` with the short path (`simple=False`) and/or the direct path (`direct=False`) switched off for
    every stage, so that those stages go the next longer way."""
    build_stages = sim.engine.build_stages

    def forced(*args: Any, **kwargs: Any) -> Any:
        stages = build_stages(*args, **kwargs)
        for plan in stages.values():
            plan.simple = plan.simple and simple
            plan.direct = plan.direct and direct
        return stages

    with monkeypatch.context() as patch:
        patch.setattr(sim.engine, "build_stages", forced)
        return simulate(network, seed=seed)


def assert_same_run(expected: Recording, actual: Recording) -> None:
    """Every frame equal to the last bit (NaN where NaN), and the same horizon."""
    for name in ("visits", "cases", "queues", "busy"):
        pd.testing.assert_frame_equal(getattr(expected, name), getattr(actual, name), check_exact=True)
    assert expected.horizon_h == actual.horizon_h


class TestEveryPathGivesTheSameRun:
    """A seeded run is the same whichever path serves each stage."""

    @pytest.mark.parametrize(
        "network", [pytest.param(it4it(16), id="it4it-e2e"), pytest.param(flow_network(), id="flow"),
                    pytest.param(flow_network(max_cases=150), id="flow-max-cases")],
    )  # fmt: skip
    def test_general_path_everywhere(self, monkeypatch: pytest.MonkeyPatch, network: Network) -> None:
        usual = simulate_forcing(monkeypatch, network, simple=True, direct=True)
        general = simulate_forcing(monkeypatch, network, simple=False, direct=False)
        assert len(usual.visits) > 300  # a run with plenty of queueing, escalation and off-duty time to compare
        assert usual.visits["escalated_h"].notna().any()
        assert_same_run(general, usual)

    @pytest.mark.parametrize(
        "network", [pytest.param(it4it(16), id="it4it-e2e"), pytest.param(flow_network(), id="flow")]
    )
    def test_direct_path_for_the_short_stages(self, monkeypatch: pytest.MonkeyPatch, network: Network) -> None:
        usual = simulate_forcing(monkeypatch, network, simple=True, direct=True)
        direct = simulate_forcing(monkeypatch, network, simple=False, direct=True)
        assert_same_run(direct, usual)

    def test_the_forcing_reaches_the_engine(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Guard for the tests above: with every stage forced off its path the general path does serve them (a
        general path that raises shows it is taken)."""

        def broken(*args: Any, **kwargs: Any) -> Generator[Event, Any, int]:
            raise RuntimeError("general path taken")
            yield  # a generator function, as the real one

        with monkeypatch.context() as patch:
            patch.setattr(sim.engine._Run, "_general_visit", broken)
            simulate_forcing(monkeypatch, flow_network(), simple=True, direct=True)  # never takes it: no batches
            with pytest.raises(RuntimeError, match="general path taken"):
                simulate_forcing(monkeypatch, flow_network(), simple=False, direct=False)


# ---------------------------------------------------------------- the process driver


def trace_of(start: Callable[[simpy.Environment, Generator[Event, Any, Any]], object]) -> list[tuple]:
    """Three processes with simultaneous timeouts, a shared event succeeded by one of them, a wait on an already
    processed event, `a | b`, and a callback started with `call_at_start`: the order in which everything runs."""
    env = simpy.Environment()
    trace: list[tuple] = []
    shared = env.event()

    def worker(name: str, delays: list[float]) -> Generator[Event, Any, None]:
        trace.append((env.now, name, "start"))
        for delay in delays:
            value = yield env.timeout(delay, value=delay)
            trace.append((env.now, name, value))
        if name == "a":
            shared.succeed("from a")
        else:
            value = yield shared
            trace.append((env.now, name, value))
        done = env.timeout(0.0, value="done")
        yield env.timeout(1.0)
        value = yield done  # processed already: go on at once with its value
        trace.append((env.now, name, value))
        either = yield env.timeout(0.5, value="half") | env.timeout(2.0)
        trace.append((env.now, name, sorted(either.values())))

    def ticker(_: Event) -> None:
        trace.append((env.now, "tick", "start"))
        env.timeout(1.0).callbacks.append(lambda _: trace.append((env.now, "tick", "again")))  # type: ignore[union-attr]

    start(env, worker("a", [1.0, 1.0]))
    start(env, worker("b", [2.0]))
    call_at_start(env, ticker)
    start(env, worker("c", [1.0, 0.5, 0.5]))
    env.run()
    return trace


class TestProcessDriver:
    """`start_process` runs a generator as `env.process` does, event for event."""

    def test_same_trace_as_simpy_processes(self) -> None:
        expected = trace_of(lambda env, generator: env.process(generator))
        assert expected == trace_of(start_process)
        assert (0.0, "a", "start") == expected[0]
        assert (0.0, "tick", "start") == expected[2]  # started in the order the callers asked, urgently
        assert (2.0, "b", "from a") in expected

    def test_a_failed_event_is_thrown_into_the_generator(self) -> None:
        env = simpy.Environment()
        failing = env.event()
        caught: list[str] = []

        def waiter() -> Generator[Event, Any, None]:
            try:
                yield failing
            except ValueError as error:
                caught.append(str(error))

        start_process(env, waiter())
        env.timeout(1.0).callbacks.append(lambda _: failing.fail(ValueError("broken")))  # type: ignore[union-attr]
        env.run()
        assert ["broken"] == caught

    def test_an_error_in_the_generator_stops_the_run(self) -> None:
        env = simpy.Environment()

        def failing() -> Generator[Event, Any, None]:
            yield env.timeout(2.0)
            raise KeyError("lost")

        start_process(env, failing())
        with pytest.raises(KeyError, match="lost"):
            env.run()
        assert 2.0 == env.now

    def test_no_event_is_left_when_the_generator_ends(self) -> None:
        """Unlike a `simpy.Process`, whose end is an event of its own."""
        env = simpy.Environment()

        def quick() -> Generator[Event, Any, None]:
            yield env.timeout(1.0)

        start_process(env, quick())
        env.step()  # the start
        env.step()  # the timeout; the generator ends
        assert float("inf") == env.peek()
        env.process(quick())
        env.step()
        env.step()
        assert 2.0 == env.now == env.peek()  # the process's own end event, now


def float_trace(driver: str) -> list[tuple]:
    """Workers that wait by plain float delays (with `driver` "lean": `start_process`, `call_after`, `run_until`) or
    by SimPy timeouts (`env.process`, a timeout's callback, `env.run`): ties, a shared event, callbacks and a stop
    at the horizon; the order in which everything runs."""
    env = simpy.Environment()
    trace: list[tuple] = []
    shared = env.event()
    lean = driver == "lean"

    def wait(delay: float) -> Any:
        return delay if lean else env.timeout(delay)

    def worker(name: str, delays: list[float]) -> Generator[Any, Any, None]:
        trace.append((env.now, name, "start"))
        for delay in delays:
            value = yield wait(delay)
            trace.append((env.now, name, value))
        if name == "a":
            shared.succeed("from a")
        else:
            trace.append((env.now, name, (yield shared)))
        yield wait(0.0)
        trace.append((env.now, name, "after zero"))
        yield wait(10.0)  # past the horizon: never resumed
        trace.append((env.now, name, "too late"))

    def ring(label: str) -> Callable[[Event], None]:
        return lambda _: trace.append((env.now, "bell", label))

    def later(delay: float, label: str) -> None:
        if lean:
            call_after(env, delay, ring(label))
        else:
            env.timeout(delay).callbacks.append(ring(label))  # type: ignore[union-attr]

    def start(generator: Generator[Any, Any, None]) -> None:
        if lean:
            start_process(env, generator)
        else:
            env.process(generator)

    start(worker("a", [1.0, 1.0]))
    later(1.0, "one")
    start(worker("b", [2.0, 0.5]))
    later(2.0, "two")
    start(worker("c", [1.0, 0.5, 0.5]))
    later(6.0, "at the horizon")  # a normal event at the horizon comes after the urgent stop: never rung
    if lean:
        run_until(env, 6.0)
    else:
        env.run(until=6.0)
    trace.append((env.now, "end", "stopped"))
    return trace


class TestFloatDelays:
    """A generator driven by `start_process` may yield a float delay: the same run as with `Timeout` events (the
    tests from the parallel engine attempt on branch engine)."""

    def test_same_trace_as_timeouts(self) -> None:
        expected = float_trace("simpy")
        assert expected == float_trace("lean")
        assert (1.0, "bell", "one") in expected
        assert (2.0, "b", None) in expected  # a timeout's value is None
        assert not any(label in {"too late", "at the horizon"} for _, _, label in expected)
        assert (6.0, "end", "stopped") == expected[-1]
        # ties at 2.0 break by scheduling order: the bell (scheduled at 0) before the workers' second waits
        assert expected.index((2.0, "bell", "two")) < expected.index((2.0, "a", None))


    def test_a_negative_delay_is_refused(self) -> None:
        env = simpy.Environment()

        def backwards() -> Generator[float, Any, None]:
            yield -1.0

        start_process(env, backwards())
        with pytest.raises(ValueError, match=r"Negative delay -1\.0"):
            run_until(env, 5.0)
        with pytest.raises(ValueError, match="Negative delay"):
            call_after(env, -0.5, lambda _: None)

    def test_run_until_needs_a_later_moment(self) -> None:
        env = simpy.Environment()
        with pytest.raises(ValueError, match="greater than the current simulation time"):
            run_until(env, 0.0)

    def test_run_until_stops_when_an_event_stops_the_simulation(self) -> None:
        """As `env.run`: a callback raising `StopSimulation` (the engine's max_cases end) ends the run there."""
        env = simpy.Environment()
        finished = env.event()
        finished.callbacks.append(simpy.core.StopSimulation.callback)  # type: ignore[union-attr]
        env.timeout(3.5).callbacks.append(lambda _: finished.succeed())  # type: ignore[union-attr]
        run_until(env, 100.0)
        assert 3.5 == env.now
