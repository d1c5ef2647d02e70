"""The measures on the real public logs in ../shared/data: agreement with pm4py and plain pandas, and sanity."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mining import LogRepairWarning, read_log
from mining.bottlenecks import rank_bottlenecks
from mining.columns import ACTIVITY, CASE, INSTANCE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.measures import (
    compute_case_times,
    compute_flow_summary,
    compute_handovers,
    compute_stage_times,
    summarize_stages,
)
from tests.conftest import shared_log

pytestmark = pytest.mark.real_log


def read_real_log(path: Path, **options: object) -> pd.DataFrame:
    """The log through flowlab's reader, repairs (such as dropped duplicates) allowed and not shown as warnings."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LogRepairWarning)
        return read_log(path, **options)


def production_log() -> pd.DataFrame:
    """Production.csv (one row per activity instance) as start + complete events paired by instance."""
    raw = pd.read_csv(shared_log("production-manufacturing/Production.csv"))
    common = {CASE: raw["case_id"].astype(str), ACTIVITY: raw["Activity"], RESOURCE: raw["Resource"]}
    instance = raw.index.astype(str)
    starts = pd.DataFrame({**common, LIFECYCLE: "start", INSTANCE: instance,
                           TIMESTAMP: pd.to_datetime(raw["start_time"], utc=True)})  # fmt: skip
    completes = pd.DataFrame({**common, LIFECYCLE: "complete", INSTANCE: instance,
                              TIMESTAMP: pd.to_datetime(raw["end_time"], utc=True)})  # fmt: skip
    return pd.concat([starts, completes], ignore_index=True)


def test_case_durations_equal_pm4py_on_helpdesk() -> None:
    import pm4py

    log = read_real_log(shared_log("helpdesk/helpdesk.xes.gz"))
    ours = np.sort(compute_case_times(log)["lead_time_h"].to_numpy() * 3600)
    theirs = np.sort(
        np.asarray(pm4py.get_all_case_durations(log, case_id_key=CASE, timestamp_key=TIMESTAMP, activity_key=ACTIVITY))
    )
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-3)


def test_production_work_share_within_the_pandas_bounds() -> None:
    """Work share = work / lead time over all cases. Plain pandas bounds it: below by the union of each case's
    busy intervals (overlapping activities counted once), above by the plain sum of activity durations."""
    raw = pd.read_csv(shared_log("production-manufacturing/Production.csv"))
    start = pd.to_datetime(raw["start_time"], utc=True)
    end = pd.to_datetime(raw["end_time"], utc=True)
    frame = pd.DataFrame({"case": raw["case_id"], "start": start, "end": end}).sort_values(["case", "start"])
    lead_h = (frame.groupby("case")["end"].max() - frame.groupby("case")["start"].min()).dt.total_seconds().sum() / 3600
    summed_h = (frame["end"] - frame["start"]).dt.total_seconds().sum() / 3600
    covered_until = frame.groupby("case")["end"].cummax().groupby(frame["case"]).shift(1)
    fresh_start = frame["start"].where(covered_until.isna(), np.maximum(frame["start"], covered_until))
    union_h = (frame["end"] - fresh_start).clip(lower=pd.Timedelta(0)).dt.total_seconds().sum() / 3600
    low, high = union_h / lead_h, summed_h / lead_h

    summary = compute_flow_summary(production_log())
    assert summary["estimated"] is False
    assert low - 1e-9 <= summary["flow_efficiency_total"] <= high + 1e-9
    assert summary["cases"] == raw["case_id"].nunique()
    assert summary["visits"] == len(raw)


ALL_LOGS = [
    "helpdesk/helpdesk.xes.gz",
    "bpic2013-incidents/07_bpic2013_incidents.xes.gz",
    "bpic2013-closed-problems/06_bpic2013_closed.xes.gz",
    "bpic2013-open-problems/BPI_Challenge_2013_open_problems.xes.gz",
    "bpic2012-w-two-ts/BPI_Challenge_2012_W_Two_TS.xes.gz",
    "roadtraffic-sample/roadtraffic100traces.xes",
    pytest.param("road-traffic-fines/road_fine.xes.gz", marks=pytest.mark.slow),
]


# BPIC 2013 keeps a status in lifecycle:transition; the reader wants it folded into the activity
STATUS_LOGS = {"bpic2013-incidents", "bpic2013-closed-problems", "bpic2013-open-problems"}


@pytest.mark.parametrize("relative", ALL_LOGS)
def test_measures_are_sane_on_every_real_log(relative: str) -> None:
    options = {"classifier": [ACTIVITY, LIFECYCLE]} if relative.split("/", maxsplit=1)[0] in STATUS_LOGS else {}
    log = read_real_log(shared_log(relative), **options)
    stage_times = compute_stage_times(log)
    has_starts = LIFECYCLE in log.columns and (log[LIFECYCLE].astype(str).str.lower() == "start").any()
    if LIFECYCLE in log.columns and (log[LIFECYCLE].astype(str).str.lower() == "complete").any():
        assert len(stage_times) == int((log[LIFECYCLE].astype(str).str.lower() == "complete").sum())
    else:  # status values in lifecycle:transition (BPIC 2013): every event is a visit
        assert len(stage_times) == len(log)
    assert (stage_times["wait_h"].dropna() >= 0).all()
    assert (stage_times["work_h"].dropna() >= 0).all()
    assert (stage_times["elapsed_h"] >= 0).all()
    if not has_starts:
        assert stage_times["estimated"].all()
    case_times = compute_case_times(log, stage_times=stage_times)
    assert case_times["events"].sum() == len(log)
    assert (case_times["lead_time_h"] >= 0).all()
    efficiency = case_times["flow_efficiency"].dropna()
    assert ((efficiency >= 0) & (efficiency <= 1 + 1e-9)).all() or has_starts  # parallel work may exceed 1
    summary = compute_flow_summary(log, stage_times=stage_times, case_times=case_times)
    assert summary["estimated"] is bool(stage_times["estimated"].any())
    assert summary["cases"] == log[CASE].nunique()
    stages = summarize_stages(stage_times)
    assert stages["visits"].sum() == len(stage_times)
    assert stages["wait_share"].sum() == pytest.approx(1.0) or stages["wait_share"].sum() == 0
    ranking = rank_bottlenecks(stage_times)
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    compute_handovers(log, stage_times=stage_times)
