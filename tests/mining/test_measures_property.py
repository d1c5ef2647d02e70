"""Property test: random logs never crash the measures, and every completion is one stage visit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mining.bottlenecks import rank_bottlenecks
from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.measures import (
    compute_case_times,
    compute_flow_summary,
    compute_handovers,
    compute_rework,
    compute_stage_times,
    compute_throughput,
    compute_wip,
    summarize_stages,
)

EPOCH = pd.Timestamp("2024-01-01", tz="UTC")

visit = st.tuples(
    st.integers(0, 4),  # case
    st.sampled_from(["A", "B", "C"]),  # activity
    st.integers(0, 5_000),  # start, minutes after the epoch
    st.integers(0, 600),  # work, minutes
    st.one_of(st.none(), st.sampled_from(["r1", "r2"])),  # resource
)


def build_log(visits: list[tuple[int, str, int, int, str | None]], with_starts: bool) -> pd.DataFrame:
    rows = []
    for case, activity, start, work, resource in visits:
        if with_starts:
            rows.append((f"c{case}", activity, "start", start, resource))
        rows.append((f"c{case}", activity, "complete", start + work, resource))
    frame = pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, "minute", RESOURCE])
    frame[TIMESTAMP] = EPOCH + pd.to_timedelta(frame.pop("minute"), unit="min")
    frame[RESOURCE] = frame[RESOURCE].astype("string")
    return frame.sample(frac=1.0, random_state=0).reset_index(drop=True)  # events in any order


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(visits=st.lists(visit, min_size=1, max_size=25), with_starts=st.booleans())
def test_random_logs_conserve_events(visits: list[tuple[int, str, int, int, str | None]], with_starts: bool) -> None:
    """Visits = completion events; waits and works are never negative; every measure runs."""
    log = build_log(visits, with_starts)
    stage_times = compute_stage_times(log)
    assert len(stage_times) == int((log[LIFECYCLE] == "complete").sum())
    completed = log.loc[log[LIFECYCLE] == "complete", ACTIVITY]
    assert stage_times[ACTIVITY].value_counts().to_dict() == completed.value_counts().to_dict()
    assert (stage_times["wait_h"].dropna() >= 0).all()
    assert (stage_times["work_h"].dropna() >= 0).all()
    assert (stage_times["elapsed_h"] >= 0).all()
    assert stage_times["estimated"].all() == (not with_starts)
    split = stage_times["work_h"].notna()
    np.testing.assert_allclose(
        stage_times.loc[split, "wait_h"] + stage_times.loc[split, "work_h"], stage_times.loc[split, "elapsed_h"]
    )
    case_times = compute_case_times(log, stage_times=stage_times)
    assert case_times["events"].sum() == len(log)
    assert (case_times["lead_time_h"] >= 0).all()
    summarize_stages(stage_times)
    rank_bottlenecks(stage_times)
    compute_rework(log, stage_times=stage_times)
    compute_handovers(log, stage_times=stage_times)
    compute_throughput(log, case_times=case_times)
    assert compute_wip(log, case_times=case_times)["wip"].iloc[-1] == 0
    assert compute_flow_summary(log, stage_times=stage_times, case_times=case_times)["cases"] == len(case_times)
