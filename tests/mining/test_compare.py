"""compare_logs: zero distance to itself, small distance between seeds, a slowed stage found, stage maps."""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from mining.compare import END_NODE, START_NODE, compare_logs, count_directly_follows, load_stage_map
from mining.errors import EventLogError
from mining.stage_times import compute_stage_times

STAGES = ["triage", "analyse", "build", "test", "deploy"]
ORIGIN = pd.Timestamp("2024-01-01", tz="UTC")


def build_log(
    cases: int, seed: int, *, slow: dict[str, float] | None = None, names: list[str] = STAGES
) -> pd.DataFrame:
    """Sequential start/complete log; stage i waits Exp(2 + 2i) h times `slow[stage]`, works Lognormal(~1 h)."""
    rng = np.random.default_rng(seed)
    factor = np.array([(slow or {}).get(name, 1.0) for name in STAGES])
    rows = []
    arrival = np.cumsum(rng.exponential(1.0, size=cases))
    wait = rng.exponential(2.0 + 2.0 * np.arange(len(STAGES)), size=(cases, len(STAGES))) * factor
    work = rng.lognormal(0.0, 0.4, size=(cases, len(STAGES)))
    start = arrival[:, None] + np.cumsum(wait + work, axis=1) - work
    complete = start + work
    for index, name in enumerate(names):
        for transition, times in (("start", start[:, index]), ("complete", complete[:, index])):
            rows.append(pd.DataFrame({
                "case:concept:name": [f"c{case}" for case in range(cases)],
                "concept:name": name,
                "lifecycle:transition": transition,
                "time:timestamp": ORIGIN + pd.to_timedelta(times, unit="h"),
                "org:resource": f"team {index % 2}",
                "case:arrival": ORIGIN + pd.to_timedelta(arrival, unit="h"),
            }))
    return pd.concat(rows, ignore_index=True).sort_values("time:timestamp", kind="stable").reset_index(drop=True)


class TestSelfComparison:
    """A log compared with itself is at distance zero everywhere."""

    def test_distances_are_zero(self) -> None:
        log = build_log(200, seed=1)
        comparison = compare_logs(log, log)
        assert comparison.lead_time.wasserstein_h == 0.0
        assert comparison.lead_time.ks_statistic == 0.0
        assert comparison.control_flow.dfg_distance == 0.0
        assert comparison.control_flow.variant_jaccard == 1.0
        assert comparison.control_flow.variant_overlap == pytest.approx(1.0)
        assert comparison.bottlenecks.same_top
        assert comparison.bottlenecks.spearman == pytest.approx(1.0)

    def test_stage_columns_are_identical(self) -> None:
        log = build_log(100, seed=2)
        stages = compare_logs(log, log).stages
        assert sorted(STAGES) == sorted(stages["stage"])
        for measure in ("visits", "cases", "wait_mean_h", "wait_p85_h", "work_mean_h", "work_p85_h", "wait_share"):
            pd.testing.assert_series_equal(stages[f"{measure}_simulated"], stages[f"{measure}_observed"],
                                           check_names=False)
        assert [0.0] * len(STAGES) == stages["total_mean_h_difference"].tolist()

    def test_to_dict_is_json(self) -> None:
        log = build_log(50, seed=3)
        data = json.loads(json.dumps(compare_logs(log, log).to_dict(), allow_nan=False))
        assert data["labels"] == ["simulated", "observed"]
        assert data["lead_time"]["wasserstein_relative"] == 0.0
        assert len(STAGES) == len(data["stages"])


class TestSameProcess:
    """Two samples of one process, different seeds: small but non-zero distances."""

    def test_small_distances(self) -> None:
        comparison = compare_logs(build_log(2000, seed=10), build_log(2000, seed=11))
        assert 0 < comparison.lead_time.wasserstein_relative < 0.05
        assert 0 < comparison.lead_time.ks_statistic < 0.06
        assert comparison.control_flow.dfg_distance == 0.0  # both are strictly sequential
        assert comparison.bottlenecks.top_simulated == comparison.bottlenecks.top_observed == "deploy"
        assert comparison.bottlenecks.spearman == pytest.approx(1.0)


class TestSlowedStage:
    """Slowing one stage down makes it the top difference and the new bottleneck."""

    def test_slowed_stage_is_top_difference_and_bottleneck(self) -> None:
        slowed = build_log(1000, seed=20, slow={"analyse": 10.0})
        baseline = build_log(1000, seed=21)
        comparison = compare_logs(slowed, baseline)
        top = comparison.stages.iloc[0]
        assert top["stage"] == "analyse"
        # mean wait of analyse is 4 h in the baseline, 40 h when slowed: +36 h, +900 %
        assert top["wait_mean_h_difference"] == pytest.approx(36.0, rel=0.15)
        assert top["wait_mean_h_relative"] == pytest.approx(9.0, rel=0.15)
        assert comparison.bottlenecks.top_simulated == "analyse"
        assert comparison.bottlenecks.top_observed == "deploy"
        assert not comparison.bottlenecks.same_top
        assert comparison.lead_time.wasserstein_relative > 0.5


class TestStageMap:
    """Observed stage names are renamed before comparing."""

    renamed: ClassVar[list[str]] = ["Triage", "Analysis", "Build", "Test", "Deploy"]

    def test_dict_map_makes_the_logs_match(self) -> None:
        simulated = build_log(100, seed=30)
        observed = build_log(100, seed=30, names=self.renamed)
        stage_map = dict(zip(self.renamed, STAGES, strict=True))
        comparison = compare_logs(simulated, observed, stage_map=stage_map)
        assert comparison.control_flow.dfg_distance == 0.0
        assert sorted(STAGES) == sorted(comparison.stages["stage"])

    def test_without_map_nothing_is_shared(self) -> None:
        comparison = compare_logs(build_log(50, seed=31), build_log(50, seed=31, names=self.renamed))
        assert comparison.control_flow.variants_shared == 0
        assert len(comparison.stages) == 10

    def test_yaml_and_csv_files(self, tmp_path) -> None:
        yaml_path = tmp_path / "map.yaml"
        yaml_path.write_text("Triage: triage\nAnalysis: analyse\n", encoding="utf-8")
        csv_path = tmp_path / "map.csv"
        csv_path.write_text("observed,simulated\nTriage,triage\nAnalysis,analyse\n", encoding="utf-8")
        expected = {"Triage": "triage", "Analysis": "analyse"}
        assert expected == load_stage_map(yaml_path)
        assert expected == load_stage_map(csv_path)

    def test_unknown_name_is_refused(self) -> None:
        log = build_log(20, seed=32)
        with pytest.raises(EventLogError, match=r"stage map names 'nope' are not activities of the observed log"):
            compare_logs(log, log, stage_map={"nope": "triage"})

    def test_bad_csv_row_is_refused(self, tmp_path) -> None:
        path = tmp_path / "map.csv"
        path.write_text("a,b\nc\n", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"map.csv: stage map rows must have 2 columns"):
            load_stage_map(path)


class TestDirectlyFollows:
    """Directly-follows counts include the artificial start and end edges."""

    def test_counts_of_a_small_log(self) -> None:
        log = build_log(3, seed=40)
        edges = count_directly_follows(compute_stage_times(log))
        expected = {(START_NODE, "triage"): 3, ("triage", "analyse"): 3, ("analyse", "build"): 3,
                    ("build", "test"): 3, ("test", "deploy"): 3, ("deploy", END_NODE): 3}
        assert expected == {(row.source, row.target): row.count for row in edges.itertuples()}
