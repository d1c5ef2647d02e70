"""compare_logs: zero distance to itself, small distance between seeds, a slowed stage found, stage maps; absent
stages, Welch intervals, ranking by supported difference with small samples last, _a/_b columns, estimated flags.

Expected values come from the numbers the tests build the logs from (by hand, or by pandas/scipy on those raw
numbers), never from the code under test.
"""

from __future__ import annotations

import json
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mining.compare import MIN_VISITS, compare_logs, load_stage_map
from mining.dfg import END_NODE, START_NODE, count_directly_follows
from mining.errors import EventLogError

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
            pd.testing.assert_series_equal(stages[f"{measure}_a"], stages[f"{measure}_b"],
                                           check_names=False)
        assert [0.0] * len(STAGES) == stages["total_mean_h_difference"].tolist()

    def test_to_dict_is_json(self) -> None:
        log = build_log(50, seed=3)
        data = json.loads(json.dumps(compare_logs(log, log).to_dict(), allow_nan=False))
        assert {"a": "A", "b": "B"} == data["names"]
        assert data["lead_time"]["wasserstein_relative"] == 0.0
        assert len(STAGES) == len(data["stages"])


class TestSameProcess:
    """Two samples of one process, different seeds: small but non-zero distances."""

    def test_small_distances(self) -> None:
        comparison = compare_logs(build_log(2000, seed=10), build_log(2000, seed=11))
        assert 0 < comparison.lead_time.wasserstein_relative < 0.05
        assert 0 < comparison.lead_time.ks_statistic < 0.06
        assert comparison.control_flow.dfg_distance == 0.0  # both are strictly sequential
        assert comparison.bottlenecks.top_a == comparison.bottlenecks.top_b == "deploy"
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
        assert comparison.bottlenecks.top_a == "analyse"
        assert comparison.bottlenecks.top_b == "deploy"
        assert not comparison.bottlenecks.same_top
        assert comparison.lead_time.wasserstein_relative > 0.5


class TestStageMap:
    """Observed stage names are renamed before comparing."""

    renamed: ClassVar[list[str]] = ["Triage", "Analysis", "Build", "Test", "Deploy"]

    def test_dict_map_makes_the_logs_match(self) -> None:
        log_a = build_log(100, seed=30)
        log_b = build_log(100, seed=30, names=self.renamed)
        stage_map = dict(zip(self.renamed, STAGES, strict=True))
        comparison = compare_logs(log_a, log_b, stage_map=stage_map)
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
        letters_path = tmp_path / "letters.csv"
        letters_path.write_text("b,a\nTriage,triage\nAnalysis,analyse\n", encoding="utf-8")
        expected = {"Triage": "triage", "Analysis": "analyse"}
        assert expected == load_stage_map(yaml_path)
        assert expected == load_stage_map(csv_path)
        assert expected == load_stage_map(letters_path)

    def test_unknown_name_is_refused(self) -> None:
        log = build_log(20, seed=32)
        with pytest.raises(EventLogError, match=r"stage map names 'nope' are not activities of log B \(B\)"):
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
        edges = count_directly_follows(log)
        expected = {(START_NODE, "triage"): 3, ("triage", "analyse"): 3, ("analyse", "build"): 3,
                    ("build", "test"): 3, ("test", "deploy"): 3, ("deploy", END_NODE): 3}
        assert expected == {(row.source, row.target): row.count for row in edges.itertuples()}


def visit_log(visits: dict[str, list[tuple[float, float]]], *, complete_only: bool = False) -> pd.DataFrame:
    """One case per visit: the case arrives, waits `wait` h, then `stage` works on it `work` h (start/complete).

    Every case is a single visit, so the miner's ready time is the case arrival and wait/work are exactly the
    numbers given. Each visit has its own resource, so an estimated split (complete-only) is not shifted by a
    busy resource either. With `complete_only` the start events are left out.
    """
    rows = []
    number = 0
    for stage, times in visits.items():
        for wait, work in times:
            arrival = ORIGIN + pd.Timedelta(hours=number)
            start = arrival + pd.Timedelta(hours=wait)
            complete = start + pd.Timedelta(hours=work)
            case = f"{stage}-{number}"
            if not complete_only:
                rows.append((case, stage, "start", start, f"person {number}", arrival))
            rows.append((case, stage, "complete", complete, f"person {number}", arrival))
            number += 1
    frame = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "lifecycle:transition",
                                        "time:timestamp", "org:resource", "case:arrival"])
    return frame.sort_values("time:timestamp", kind="stable").reset_index(drop=True)


def row_of(stages: pd.DataFrame, stage: str) -> pd.Series:
    return stages.set_index("stage").loc[stage]


class TestAbsentStage:
    """A stage in one log only is reported absent on the other side: NaN differences, never −100 %."""

    def test_stage_only_in_a(self) -> None:
        shared = [(1.0, 2.0), (3.0, 2.0), (2.0, 1.0)]
        log_a = visit_log({"triage": shared, "review": [(4.0, 1.0), (6.0, 3.0)]})
        log_b = visit_log({"triage": shared})
        stages = compare_logs(log_a, log_b).stages
        review = row_of(stages, "review")
        assert "only in A" == review["present"]
        assert 2 == review["visits_a"]
        assert 0 == review["visits_b"]
        assert 5.0 == pytest.approx(review["wait_mean_h_a"])  # (4 + 6) / 2
        for column in ("wait_mean_h_b", "wait_mean_h_difference", "wait_mean_h_relative", "work_mean_h_difference",
                       "work_mean_h_relative", "total_mean_h_difference", "total_mean_h_relative",
                       "wait_mean_h_difference_ci_low", "supported_difference_h", "wait_share_difference"):
            assert np.isnan(review[column]), column
        assert review["small_sample"] is pd.NA
        assert review["estimated_b"] is pd.NA
        assert "both" == row_of(stages, "triage")["present"]
        assert ["triage", "review"] == stages["stage"].tolist()  # the absent stage ranks after the shared one

    def test_stage_only_in_b(self) -> None:
        log_a = visit_log({"triage": [(1.0, 1.0), (2.0, 1.0)]})
        log_b = visit_log({"triage": [(1.0, 1.0), (2.0, 1.0)], "approve": [(8.0, 1.0)]})
        approve = row_of(compare_logs(log_a, log_b).stages, "approve")
        assert "only in B" == approve["present"]
        assert 0 == approve["visits_a"]
        assert np.isnan(approve["total_mean_h_relative"])
        assert np.isnan(approve["wait_mean_h_relative"])


class TestWelchInterval:
    """The interval of the difference of means is Welch's t interval, as scipy computes it from the raw times."""

    waits_a: ClassVar[list[float]] = [2.0, 3.5, 1.0, 6.0, 4.5, 2.5, 3.0]
    works_a: ClassVar[list[float]] = [1.0, 1.5, 0.5, 2.0, 1.0, 1.25, 0.75]
    waits_b: ClassVar[list[float]] = [1.0, 1.5, 0.5, 2.0, 1.0]
    works_b: ClassVar[list[float]] = [3.0, 0.5, 1.0, 2.5, 4.0]

    def test_matches_scipy(self) -> None:
        log_a = visit_log({"build": list(zip(self.waits_a, self.works_a, strict=True))})
        log_b = visit_log({"build": list(zip(self.waits_b, self.works_b, strict=True))})
        build = row_of(compare_logs(log_a, log_b).stages, "build")
        for measure, a, b in (("wait", self.waits_a, self.waits_b), ("work", self.works_a, self.works_b)):
            expected = stats.ttest_ind(a, b, equal_var=False).confidence_interval(confidence_level=0.95)
            assert float(np.mean(a) - np.mean(b)) == pytest.approx(build[f"{measure}_mean_h_difference"])
            assert expected.low == pytest.approx(build[f"{measure}_mean_h_difference_ci_low"], rel=1e-9)
            assert expected.high == pytest.approx(build[f"{measure}_mean_h_difference_ci_high"], rel=1e-9)

    def test_one_visit_has_no_interval(self) -> None:
        stages = compare_logs(visit_log({"build": [(1.0, 1.0)]}), visit_log({"build": [(2.0, 1.0), (3.0, 1.0)]})).stages
        build = row_of(stages, "build")
        assert -1.5 == pytest.approx(build["wait_mean_h_difference"])
        assert np.isnan(build["wait_mean_h_difference_ci_low"])
        assert np.isnan(build["supported_difference_h"])


class TestRanking:
    """Stages rank by the difference their intervals support; small samples come after well-supported rows."""

    @staticmethod
    def steady(centre: float, count: int) -> list[tuple[float, float]]:
        """`count` visits with wait centre ± 0.1 h (alternating) and 1 h work."""
        return [(centre + (0.1 if index % 2 else -0.1), 1.0) for index in range(count)]

    def test_small_sample_ranks_below_a_certain_smaller_difference(self) -> None:
        few_a = [(30.0, 1.0), (50.0, 1.0), (40.0, 1.0), (45.0, 1.0), (35.0, 1.0), (38.0, 1.0), (42.0, 1.0),
                 (44.0, 1.0)]
        few_b = [(5.0, 1.0), (8.0, 1.0), (3.0, 1.0), (6.0, 1.0)]
        log_a = visit_log({"rare": few_a, "common": self.steady(4.0, 40)})
        log_b = visit_log({"rare": few_b, "common": self.steady(2.0, 40)})
        stages = compare_logs(log_a, log_b).stages
        rare, common = row_of(stages, "rare"), row_of(stages, "common")
        # the rare stage's difference (8 vs 4 visits) is much larger, and its interval excludes 0 too ...
        assert abs(rare["total_mean_h_difference"]) > 10 * abs(common["total_mean_h_difference"])
        assert rare["wait_mean_h_difference_ci_low"] > 0
        assert rare["supported_difference_h"] > common["supported_difference_h"] > 0
        # ... but it rests on fewer than MIN_VISITS visits: flagged, and ranked after the well-supported stage
        assert 8 < MIN_VISITS <= 40
        assert [False, True] == stages["small_sample"].tolist()  # rows: common, rare
        assert ["common", "rare"] == stages["stage"].tolist()

    def test_certain_difference_ranks_above_a_larger_uncertain_one(self) -> None:
        noisy_a = [(value, 1.0) for value in [0.0, 60.0] * 20]  # mean 30 h, standard deviation ~30 h
        noisy_b = [(value, 1.0) for value in [0.0, 50.0] * 20]  # mean 25 h: +5 h, but the interval includes 0 …
        log_a = visit_log({"noisy": noisy_a, "steady": self.steady(4.0, 40)})
        log_b = visit_log({"noisy": noisy_b, "steady": self.steady(2.0, 40)})  # … while +2 h here is certain
        stages = compare_logs(log_a, log_b).stages
        noisy, steady = row_of(stages, "noisy"), row_of(stages, "steady")
        assert 5.0 == pytest.approx(noisy["wait_mean_h_difference"])
        assert noisy["wait_mean_h_difference_ci_low"] < 0 < noisy["wait_mean_h_difference_ci_high"]
        assert 0.0 == noisy["supported_difference_h"]
        # steady: +2 h, its interval's lower bound (from scipy on the raw waits) is the supported difference
        waits_a = [wait for wait, _ in self.steady(4.0, 40)]
        waits_b = [wait for wait, _ in self.steady(2.0, 40)]
        low = stats.ttest_ind(waits_a, waits_b, equal_var=False).confidence_interval().low
        assert low == pytest.approx(steady["supported_difference_h"])
        assert ["steady", "noisy"] == stages["stage"].tolist()


class TestNamesFollowTheInputs:
    """Two observed logs: columns say _a / _b, never simulated / observed; names are the caller's."""

    def test_columns_and_names(self, tmp_path) -> None:
        log_a = visit_log({"triage": [(1.0, 1.0), (2.0, 2.0)]})
        log_b = visit_log({"triage": [(2.0, 1.0), (4.0, 2.0)]})
        comparison = compare_logs(log_a, log_b, names=("helpdesk-2012", "helpdesk-2013"))
        columns = list(comparison.stages.columns) + list(comparison.edges.columns)
        assert not [name for name in columns if "simulated" in name or "observed" in name]
        for measure in ("visits", "wait_mean_h", "work_mean_h", "estimated"):
            assert {f"{measure}_a", f"{measure}_b"} <= set(comparison.stages.columns)
        assert {"count_a", "count_b", "share_a", "share_b"} <= set(comparison.edges.columns)
        assert ("helpdesk-2012", "helpdesk-2013") == comparison.names
        data = comparison.to_dict()
        assert {"a": "helpdesk-2012", "b": "helpdesk-2013"} == data["names"]
        text = json.dumps(data)
        assert "simulated" not in text
        assert "observed" not in text


class TestEstimatedPerSide:
    """A complete-only log next to a start+complete one: the estimated split is marked on its side only."""

    def test_flags(self) -> None:
        times = {"triage": [(1.0, 2.0), (3.0, 1.0)], "fix": [(2.0, 4.0), (1.0, 3.0)]}
        comparison = compare_logs(visit_log(times, complete_only=True), visit_log(times))
        stages = comparison.stages
        assert [True, True] == stages["estimated_a"].tolist()
        assert [False, False] == stages["estimated_b"].tolist()
        side_a, side_b = comparison.sides
        assert (4, 4, 0) == (side_a.visits, side_a.estimated_visits, side_b.estimated_visits)
        assert "estimated from completions" == side_a.wait_work
        assert "measured (start and complete events)" == side_b.wait_work
        assert "estimated from completions" == comparison.to_dict()["sides"]["a"]["wait_work"]
        assert comparison.mixed_split
        assert not compare_logs(visit_log(times), visit_log(times)).mixed_split


class TestUnfinishedCases:
    """A case with a visit still open at the end of the log has no lead time: it is counted, not compared."""

    def test_open_case_is_left_out_of_the_lead_times_and_counted(self) -> None:
        def event(case: str, transition: str, hour: float) -> dict:
            return {"case:concept:name": case, "concept:name": "Work", "lifecycle:transition": transition,
                    "time:timestamp": pd.Timestamp("2026-01-05", tz="UTC") + pd.Timedelta(hours=hour)}  # fmt: skip

        done = [event("c1", "schedule", 0), event("c1", "start", 0), event("c1", "complete", 2)]
        log_a = pd.DataFrame([*done, event("c2", "schedule", 1), event("c2", "start", 2)])
        log_b = pd.DataFrame(done)
        comparison = compare_logs(log_a, log_b)
        assert [2.0] == comparison.lead_times_a_h.tolist()
        assert 0.0 == comparison.lead_time.wasserstein_h
        assert (1, 0) == (comparison.sides[0].unfinished_cases, comparison.sides[1].unfinished_cases)
