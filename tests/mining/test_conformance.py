"""Conformance within a budget (mining.conformance): per-variant replay weighted by cases equals pm4py's replay of
every case; a small budget or variant cap is applied and stated; `flowlab mine` exposes both."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mining.columns import ACTIVITY, CASE, TIMESTAMP
from mining.conformance import REPLAY_CHUNK, measure_conformance
from mining.discovery import completion_events, quiet_pm4py


def traces_log(traces: list[tuple[str | tuple[str, ...], int]]) -> pd.DataFrame:
    """Cases from (activities — a string of one-letter names or a tuple of names —, number of cases) pairs, one
    hour between events."""
    rows = []
    origin = pd.Timestamp("2024-01-01", tz="UTC")
    for variant, (letters, copies) in enumerate(traces):
        for copy in range(copies):
            for position, letter in enumerate(letters):
                rows.append((f"v{variant}-{copy}", letter, origin + pd.Timedelta(hours=position)))
    return pd.DataFrame(rows, columns=[CASE, ACTIVITY, TIMESTAMP])


def many_variants_log(cases: int = 300, seed: int = 5) -> pd.DataFrame:
    """Cases of 3-7 distinct activities drawn from 30, in increasing order: nearly every case its own variant."""
    rng = np.random.default_rng(seed)
    traces = [tuple(f"t{code:02d}" for code in np.sort(rng.choice(30, int(rng.integers(3, 8)), replace=False)))
              for _ in range(cases)]
    return traces_log([(trace, 1) for trace in traces])


KEYS = {"activity_key": ACTIVITY, "timestamp_key": TIMESTAMP, "case_id_key": CASE}


class TestAgreesWithPm4pyOnTheWholeLog:
    """With room for every variant, the figures are pm4py's own on every case of the log."""

    def test_fitness_and_precision(self) -> None:
        """The model is mined from the most frequent variant only (ABCD), so the others fit only in part."""
        import pm4py

        log = traces_log([("ABCD", 5), ("ABD", 3), ("ACBD", 2), ("AD", 1), ("BAD", 1)])
        model, result = measure_conformance(log, budget_s=600, max_variants=1)
        assert (result.variants, result.cases, result.mined_variants, result.mined_cases) == (5, 12, 1, 5)
        assert (result.replayed_variants, result.replayed_cases) == (5, 12)
        events = completion_events(log)
        with quiet_pm4py():
            fitness = pm4py.fitness_token_based_replay(events, model.net, model.initial_marking,
                                                       model.final_marking, **KEYS)
            precision = pm4py.precision_token_based_replay(events, model.net, model.initial_marking,
                                                           model.final_marking, **KEYS)
        assert fitness["log_fitness"] < 1.0
        assert result.fitness == pytest.approx(fitness["log_fitness"], rel=1e-12)
        assert result.average_trace_fitness == pytest.approx(fitness["average_trace_fitness"], rel=1e-12)
        assert result.fitting_traces_share == pytest.approx(fitness["perc_fit_traces"] / 100, rel=1e-12)
        assert result.fitting_traces_share == 5 / 12  # only the ABCD cases fit a sequence model of ABCD
        assert result.precision == pytest.approx(precision, rel=1e-12)

    def test_whole_log_is_said(self) -> None:
        log = traces_log([("ABC", 2), ("AC", 1)])
        result = measure_conformance(log, budget_s=600)[1]
        assert result.whole_log
        assert result.sample == "every variant (2, all 3 cases) mined and replayed"
        assert (result.fitness, result.fitting_traces_share) == (1.0, 1.0)


class TestBudget:
    """A log with more variants than the caps: the figures say which share they used."""

    def test_small_budget_and_variant_cap(self) -> None:
        log = many_variants_log()
        result = measure_conformance(log, budget_s=0, max_variants=10)[1]
        assert result.variants > 250
        assert result.mined_variants == 10
        assert result.replayed_variants == REPLAY_CHUNK  # a budget of 0 replays one chunk, then stops
        assert result.precision_variants == REPLAY_CHUNK
        assert not result.whole_log
        assert result.replayed_cases == REPLAY_CHUNK  # each of these variants has one case
        assert 0.0 <= result.fitness <= 1.0 and 0.0 <= result.precision <= 1.0
        assert result.sample.startswith(f"model mined from 10 of {result.variants:,} variants (")
        assert f"fitness from {REPLAY_CHUNK} of {result.variants:,} variants" in result.sample
        assert result.to_dict()["sample"] == result.sample

    def test_most_frequent_variants_first(self) -> None:
        """The variant with the most cases is mined and replayed before rarer ones."""
        log = traces_log([("AB", 1), ("AC", 1), ("AD", 4), ("AE", 1)])
        result = measure_conformance(log, budget_s=0, max_variants=1)[1]
        assert (result.mined_variants, result.mined_cases) == (1, 4)

    def test_bad_limits(self) -> None:
        log = traces_log([("AB", 1)])
        with pytest.raises(ValueError, match=r"budget_s must be a finite number >= 0 \(got -1\)"):
            measure_conformance(log, budget_s=-1)
        with pytest.raises(ValueError, match=r"max_variants must be >= 1 \(got 0\)"):
            measure_conformance(log, max_variants=0)


class TestMineCommand:
    def test_options_and_stated_sample(self, tmp_path: Path) -> None:
        from flowlab.cli import app

        source = tmp_path / "many.csv"
        many_variants_log(120).to_csv(source, index=False)
        out = tmp_path / "out"
        result = CliRunner().invoke(app, ["mine", str(source), "--out", str(out), "--conformance-budget", "0",
                                          "--conformance-variants", "5"])
        assert result.exit_code == 0, result.output
        conformance = json.loads((out / "summary.json").read_text(encoding="utf-8"))["conformance"]
        assert (conformance["mined_variants"], conformance["replayed_variants"]) == (5, REPLAY_CHUNK)
        assert conformance["whole_log"] is False
        assert "conformance computed on" in result.output
        assert conformance["sample"] in (out / "report.html").read_text(encoding="utf-8")

    def test_negative_budget_is_refused(self, tmp_path: Path) -> None:
        from flowlab.cli import app

        result = CliRunner().invoke(app, ["mine", str(tmp_path / "x.csv"), "--conformance-budget", "-1"])
        assert result.exit_code == 2
        assert "conformance-budget" in result.output
