"""flowlab's log distances (`mining.log_distance`) against figures the `log-distance-measures` package (2.2)
produced on the same logs (`tools/make_log_distance_fixtures.py` wrote them, in an environment with that package)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from conftest import TEST_DATA_DIR, shared_log

from mining.columns import ACTIVITY, CASE
from mining.log_distance import END, START, activity_instances, log_distances, n_gram_distance

FIXTURES = TEST_DATA_DIR / "log_distance"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))


def instances(path: Path) -> pd.DataFrame:
    """An activity-instance CSV (case_id, activity, start_time, end_time) in `mining.log_distance`'s columns."""
    frame = pd.read_csv(path)
    return pd.DataFrame(
        {
            CASE: frame["case_id"].astype("str"),
            ACTIVITY: frame["activity"].astype("str"),
            START: pd.to_datetime(frame["start_time"], utc=True, format="ISO8601"),
            END: pd.to_datetime(frame["end_time"], utc=True, format="ISO8601"),
        }
    )


@pytest.mark.parametrize("pair", ["small", "wide", "one-activity"])
def test_agrees_with_log_distance_measures(pair: str) -> None:
    a, b = instances(FIXTURES / f"{pair}_a.csv"), instances(FIXTURES / f"{pair}_b.csv")
    measured = log_distances(a, b, cfld=True).to_dict()
    assert pytest.approx(EXPECTED[pair], abs=1e-6, rel=1e-9) == measured


def test_a_log_is_at_distance_zero_from_itself() -> None:
    a = instances(FIXTURES / "wide_a.csv")
    assert {"ctd_h": 0.0, "red_h": 0.0, "aed_h": 0.0, "car_h": 0.0, "ngd2": 0.0, "cfld": 0.0} == pytest.approx(
        log_distances(a, a, cfld=True).to_dict()
    )


def test_n_grams_by_hand() -> None:
    """Cases AB and AC vs AB and AB: 2-grams (·A, AB, B·, ·A, AC, C·) vs (·A, AB, B·, ·A, AB, B·): the counts differ
    by AB 1, B· 1, AC 1, C· 1 → 4 of 12 n-grams."""
    at = pd.Timestamp("2024-01-01 08:00", tz="UTC")
    hour = pd.Timedelta(hours=1)

    def log(second: str) -> pd.DataFrame:
        rows = [("1", "A", at, at + hour), ("1", "B", at + hour, at + 2 * hour),
                ("2", "A", at, at + hour), ("2", second, at + hour, at + 2 * hour)]  # fmt: skip
        return pd.DataFrame(rows, columns=[CASE, ACTIVITY, START, END])

    assert n_gram_distance(log("C"), log("B"), 2) == pytest.approx(4 / 12)


def test_a_flowlab_log_becomes_activity_instances() -> None:
    at = pd.Timestamp("2024-01-01 08:00", tz="UTC")
    log = pd.DataFrame(
        {
            "case:concept:name": ["x", "x", "x", "x"],
            "concept:name": ["A", "A", "B", "B"],
            "lifecycle:transition": ["start", "complete", "start", "complete"],
            "time:timestamp": [at, at + pd.Timedelta(hours=1), at + pd.Timedelta(hours=2), at + pd.Timedelta(hours=3)],
        }
    )
    table = activity_instances(log)
    assert [("A", 0.0, 1.0), ("B", 2.0, 3.0)] == [
        (row[ACTIVITY], (row[START] - at) / pd.Timedelta(hours=1), (row[END] - at) / pd.Timedelta(hours=1))
        for _, row in table.iterrows()
    ]


def test_a_visit_without_a_start_event_is_an_instant() -> None:
    """Complete-only events (with a resource, so flowlab estimates a start for its own measures) are instants at
    their completion in the scored instances: a case of two completions 5 h apart lasts 5 h, not longer."""
    at = pd.Timestamp("2024-01-01 08:00", tz="UTC")
    log = pd.DataFrame(
        {
            "case:concept:name": ["x", "x", "y"],
            "concept:name": ["A", "B", "A"],
            "lifecycle:transition": ["complete", "complete", "complete"],
            "time:timestamp": [at + pd.Timedelta(hours=2), at + pd.Timedelta(hours=7), at],
            "org:resource": ["ann", "ann", "ann"],
        }
    )
    table = activity_instances(log)
    assert (table[START] == table[END]).all()
    cycles = table.groupby(CASE)[END].max() - table.groupby(CASE)[START].min()
    assert cycles.to_dict() == {"x": pd.Timedelta(hours=5), "y": pd.Timedelta(0)}


@pytest.mark.real_log
def test_bpic_2012_w_test_against_train_agrees() -> None:
    """The public split scored against itself the way the field does (CFLD left out: minutes at 3,000 cases)."""
    test = instances(shared_log("calibration/BPIC_2012_W_test.csv.gz"))
    train = instances(shared_log("calibration/BPIC_2012_W_train.csv.gz"))
    measured = log_distances(test, train).to_dict()
    measured.pop("cfld")
    assert pytest.approx(EXPECTED["bpic2012w_test_vs_train"], abs=1e-6, rel=1e-9) == measured
