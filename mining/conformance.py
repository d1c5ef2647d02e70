"""Inductive Miner model and token-based conformance within a budget, on variants rather than cases.

Discovery and replay cost grows with the distinct traces (variants), not with the cases: pm4py took over 11
minutes on an 11,884-event log with 75 activities. So the work is done per variant, most frequent first:

1. the model is mined from the cases of the `max_variants` most frequent variants (all, when there are fewer);
2. each variant is replayed once on the model (token-based replay) and its numbers count as many times as it has
   cases — exactly pm4py's `fitness_token_based_replay` of the whole log when every variant is replayed; the
   replay goes on in chunks until about half the time budget is spent (the most frequent first, so the cases
   replayed are as many as the budget allows);
3. precision (pm4py's ETConformance on token replay, often ten times the cost of the replay) is computed on the
   cases of one chunk of the most frequent variants; when its cost per event says that more fit in the rest of the
   budget, it is computed again on as many of the replayed variants as fit.

`Conformance` says which share of the variants and cases each figure used; with a budget large enough for every
variant they are the figures of the whole log. The budget is a target, not a hard limit: discovery on the mined
variants and one chunk of replay always run.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.dfg import completion_sequences, variant_of_cases
from mining.discovery import ProcessModel, completion_events, discover_process_model, quiet_pm4py
from mining.errors import EventLogError

__all__ = [
    "DEFAULT_BUDGET_S",
    "DEFAULT_MAX_VARIANTS",
    "Conformance",
    "Progress",
    "measure_conformance",
]

DEFAULT_BUDGET_S = 60.0
"""Seconds `measure_conformance` aims to spend on replay and precision by default."""
DEFAULT_MAX_VARIANTS = 1000
"""The model is mined from at most this many variants (the most frequent) by default."""
REPLAY_CHUNK = 25
"""Variants replayed between two looks at the clock (and two progress updates)."""

Progress = Callable[[str, int, int], None]
"""Called as progress(step, done, total): step is "discovery", "fitness" (variants) or "precision"."""


@dataclass(frozen=True, slots=True)
class Conformance:
    """Token-based fitness and precision of a model, and the share of the log each was computed on.

    `fitness` is pm4py's log fitness (from missing/consumed/remaining/produced tokens), `average_trace_fitness`
    the mean of the cases' own fitness, `fitting_traces_share` the share of cases that replay without a missing
    or remaining token; all three over the replayed cases. `precision` is over the precision cases.
    """

    fitness: float
    average_trace_fitness: float
    fitting_traces_share: float
    precision: float
    cases: int
    variants: int
    mined_variants: int
    mined_cases: int
    replayed_variants: int
    replayed_cases: int
    precision_variants: int
    precision_cases: int
    budget_s: float
    seconds: float

    @property
    def whole_log(self) -> bool:
        """True when the model was mined from, and every figure computed on, every variant."""
        return self.mined_variants == self.replayed_variants == self.precision_variants == self.variants

    @property
    def sample(self) -> str:
        """One sentence saying which part of the log each figure used."""
        if self.whole_log:
            return f"every variant ({self.variants:,}, all {self.cases:,} cases) mined and replayed"

        def part(variants: int, cases: int) -> str:
            return f"{variants:,} of {self.variants:,} variants ({cases / max(self.cases, 1):.1%} of cases)"

        return (
            f"model mined from {part(self.mined_variants, self.mined_cases)}; fitness from "
            f"{part(self.replayed_variants, self.replayed_cases)}; precision from "
            f"{part(self.precision_variants, self.precision_cases)} — the most frequent first, within a "
            f"{self.budget_s:g} s budget"
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields, `whole_log` and the `sample` sentence, for summary.json."""
        return {**asdict(self), "whole_log": self.whole_log, "sample": self.sample}


def measure_conformance(
    log: pd.DataFrame,
    *,
    budget_s: float = DEFAULT_BUDGET_S,
    max_variants: int = DEFAULT_MAX_VARIANTS,
    noise_threshold: float = 0.0,
    progress: Progress | None = None,
) -> tuple[ProcessModel, Conformance]:
    """Mine an Inductive Miner model and measure token-based fitness and precision, within about `budget_s`.

    Args:
        log: an event log; its completion events are used (see `mining.discovery.completion_events`).
        budget_s: seconds to aim for in replay and precision (>= 0; 0 does the minimum: one chunk).
        max_variants: the model is mined from at most this many of the most frequent variants (>= 1).
        noise_threshold: the Inductive Miner's infrequent-behaviour filter (0 to 1).
        progress: told what is being done (see `Progress`).

    Returns:
        The model and its `Conformance`, which states the share of variants and cases each figure used.
    """
    if budget_s < 0 or not np.isfinite(budget_s):
        raise ValueError(f"budget_s must be a finite number >= 0 (got {budget_s})")
    if max_variants < 1:
        raise ValueError(f"max_variants must be >= 1 (got {max_variants})")
    report: Progress = progress or (lambda step, done, total: None)
    began = time.monotonic()
    events = completion_events(log)
    sequences = completion_sequences(events)
    variant, codes = variant_of_cases(sequences)
    if len(codes) == 0:
        raise EventLogError("the log has no completion events to mine a model from")
    cases_of = np.bincount(variant, minlength=len(codes))
    order = np.lexsort((np.arange(len(codes)), -cases_of))  # most frequent first, then first seen
    variant_of_row = np.repeat(variant, np.diff(sequences.case_starts))

    def rows_of(chosen: np.ndarray) -> pd.DataFrame:
        wanted = np.zeros(len(codes), dtype=bool)
        wanted[chosen] = True
        return events.loc[wanted[variant_of_row]]

    mined = order[:max_variants]
    report("discovery", 0, 1)
    model = discover_process_model(rows_of(mined), noise_threshold=noise_threshold)
    report("discovery", 1, 1)
    replay_began = time.monotonic()
    totals = np.zeros(7)  # weighted: traces, fit, fitness, missing, consumed, remaining, produced
    replayed = 0
    while replayed < len(order):
        chunk = order[replayed:replayed + REPLAY_CHUNK]
        totals += _replay(model, [sequences.names[codes[index]] for index in chunk], cases_of[chunk])
        replayed += len(chunk)
        report("fitness", replayed, len(order))
        if time.monotonic() - replay_began >= budget_s / 2:
            break
    # precision: first on one chunk, which tells its cost per event of a variant; then, if the rest of the budget
    # allows, again on as many of the replayed variants as that cost says fit
    lengths = np.array([len(codes[index]) for index in order[:replayed]], dtype=float)
    precise = order[:min(replayed, REPLAY_CHUNK)]
    report("precision", 0, 1)
    precision_began = time.monotonic()
    precision = _precision(model, rows_of(precise))
    per_event = (time.monotonic() - precision_began) / lengths[:len(precise)].sum()
    left = budget_s - (time.monotonic() - replay_began)
    affordable = int(np.searchsorted(np.cumsum(lengths), left / per_event, side="right")) if per_event > 0 else replayed
    if affordable > len(precise):
        precise = order[:affordable]
        precision = _precision(model, rows_of(precise))
    report("precision", 1, 1)
    traces, fit, fitness_sum, missing, consumed, remaining, produced = totals
    log_fitness = 0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced) if consumed and produced else 0.0
    return model, Conformance(
        fitness=float(log_fitness),
        average_trace_fitness=float(fitness_sum / traces),
        fitting_traces_share=float(fit / traces),
        precision=precision,
        cases=len(variant),
        variants=len(codes),
        mined_variants=len(mined),
        mined_cases=int(cases_of[mined].sum()),
        replayed_variants=replayed,
        replayed_cases=int(traces),
        precision_variants=len(precise),
        precision_cases=int(cases_of[precise].sum()),
        budget_s=float(budget_s),
        seconds=time.monotonic() - began,
    )


def _replay(model: ProcessModel, traces: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Token replay of one trace per variant, with pm4py's fitness parameters; the weighted sums of
    (traces, fitting, trace fitness, missing, consumed, remaining, produced tokens)."""
    from pm4py.algo.conformance.tokenreplay import algorithm as token_replay
    from pm4py.algo.conformance.tokenreplay.variants.token_replay import Parameters
    from pm4py.objects.log.obj import Event, EventLog, Trace

    event_log = EventLog([Trace([Event({ACTIVITY: str(name)}) for name in trace]) for trace in traces])
    parameters = {
        Parameters.ACTIVITY_KEY: ACTIVITY,
        Parameters.CONSIDER_REMAINING_IN_FITNESS: True,  # as pm4py's fitness_token_based_replay sets it
        Parameters.CLEANING_TOKEN_FLOOD: False,
        Parameters.SHOW_PROGRESS_BAR: False,
    }
    with quiet_pm4py():
        results = token_replay.apply(event_log, model.net, model.initial_marking, model.final_marking,
                                     variant=token_replay.Variants.TOKEN_REPLAY, parameters=parameters)
    per_trace = np.array([[1.0, float(bool(result["trace_is_fit"])), result["trace_fitness"],
                           result["missing_tokens"], result["consumed_tokens"], result["remaining_tokens"],
                           result["produced_tokens"]] for result in results], dtype=float)
    return np.asarray(weights, dtype=float) @ per_trace


def _precision(model: ProcessModel, events: pd.DataFrame) -> float:
    """pm4py's token-based (ETConformance) precision of the model on these completion events."""
    import pm4py

    with quiet_pm4py():
        return float(pm4py.precision_token_based_replay(
            events, model.net, model.initial_marking, model.final_marking,
            activity_key=ACTIVITY, timestamp_key=TIMESTAMP, case_id_key=CASE,
        ))
