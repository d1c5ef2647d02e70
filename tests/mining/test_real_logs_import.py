"""Every real public log in ../shared/data imports with the case and event counts data/README.md gives."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from mining.errors import LogRepairWarning
from mining.read import read_log
from tests.conftest import shared_log

STATUS = ["concept:name", "lifecycle:transition"]


def read_quietly(relative: str, **options: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogRepairWarning)
        return read_log(shared_log(relative), **options)


def check_contract(log: pd.DataFrame, cases: int, events: int) -> None:
    assert log["case:concept:name"].nunique() == cases
    assert len(log) == events
    assert list(log.columns[:5]) == [
        "case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp", "org:resource"
    ]
    assert str(log["time:timestamp"].dt.tz) == "UTC"
    assert set(log["lifecycle:transition"]) <= {"start", "complete"}
    assert list(log.index) == list(range(len(log)))


def dropped(log: pd.DataFrame, kind: str) -> int:
    return sum(repair["rows"] for repair in log.attrs["flowlab:repairs"] if repair["kind"] == kind)


@pytest.mark.real_log
@pytest.mark.parametrize("relative", ["helpdesk/finale.csv", "helpdesk/helpdesk.xes.gz"])
def test_helpdesk(relative: str) -> None:
    """21,348 events as published; the 127 exact duplicates among them are dropped and counted."""
    log = read_quietly(relative)
    check_contract(log, 4580, 21348 - dropped(log, "duplicates"))
    assert dropped(log, "duplicates") == 127
    assert set(log["lifecycle:transition"]) == {"complete"}


@pytest.mark.real_log
@pytest.mark.parametrize(
    ("relative", "cases", "events"),
    [
        ("bpic2013-incidents/07_bpic2013_incidents.xes.gz", 7554, 65533),
        ("bpic2013-closed-problems/06_bpic2013_closed.xes.gz", 1487, 6660),
        ("bpic2013-open-problems/BPI_Challenge_2013_open_problems.xes.gz", 819, 2351),
    ],
)
def test_bpic2013_with_classifier(relative: str, cases: int, events: int) -> None:
    log = read_quietly(relative, classifier=STATUS)
    check_contract(log, cases, events)
    assert log["concept:name"].str.contains("+", regex=False).all()


@pytest.mark.real_log
def test_production_start_end_table() -> None:
    log = read_quietly("production-manufacturing/Production.csv", start_timestamp="start_time")
    check_contract(log, 225, 2 * 4503)
    assert log["concept:instance"].nunique() == 4503
    assert (log["lifecycle:transition"] == "start").sum() == 4503


@pytest.mark.real_log
def test_bpic2012_two_timestamps() -> None:
    log = read_quietly("bpic2012-w-two-ts/BPI_Challenge_2012_W_Two_TS.xes.gz")
    check_contract(log, 8616, 118604)
    assert (log["lifecycle:transition"] == "start").sum() == 59302
    assert log["concept:instance"].nunique() == 59302


@pytest.mark.real_log
def test_roadtraffic_sample() -> None:
    check_contract(read_quietly("roadtraffic-sample/roadtraffic100traces.xes"), 100, 390)


@pytest.mark.real_log
@pytest.mark.slow
def test_road_traffic_fines_full() -> None:
    log = read_quietly("road-traffic-fines/road_fine.xes.gz")
    check_contract(log, 150370, 561470)
    assert log["org:resource"].isna().mean() == pytest.approx(0.73, abs=0.02)


@pytest.mark.real_log
def test_github_ocel_flattened_on_issues() -> None:
    log = read_quietly("github-pm4py-ocel/github_pm4py.jsonocel", format="ocel")
    check_contract(log, 353, 1798)
    assert log["org:resource"].nunique() == 178


@pytest.mark.real_log
def test_xes_reader_matches_pm4py_on_helpdesk() -> None:
    """Same events (case, activity, resource) with the same timestamps as pm4py.read_xes."""
    import pm4py

    path = shared_log("helpdesk/helpdesk.xes.gz")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = pm4py.read_xes(str(path))
    ours = read_quietly("helpdesk/helpdesk.xes.gz")
    columns = ["case:concept:name", "concept:name", "org:resource", "time:timestamp"]

    def canonical(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns].drop_duplicates().astype({"time:timestamp": "datetime64[us, UTC]"})
        return frame.astype({c: "str" for c in columns[:3]}).sort_values(columns).reset_index(drop=True)

    assert len(theirs) == len(ours) + dropped(ours, "duplicates")
    pd.testing.assert_frame_equal(canonical(theirs), canonical(ours))
