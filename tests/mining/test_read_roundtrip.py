"""Random small valid logs round-trip through CSV and Parquet files: no crash, same events."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from mining.errors import LogRepairWarning
from mining.read import read_log

BASE = pd.Timestamp("2024-01-01T00:00:00Z")


@st.composite
def event_logs(draw: st.DrawFn) -> pd.DataFrame:
    """Cases of 1-4 activities; with `with_start` each activity is a start and a later complete event."""
    with_start = draw(st.booleans())
    rows = []
    for case in range(draw(st.integers(1, 5))):
        moment = draw(st.integers(0, 10_000))
        for step in range(draw(st.integers(1, 4))):
            activity = draw(st.sampled_from(["Plan", "Build", "Test", "Deploy, now", "Ünïcode"]))
            resource = draw(st.one_of(st.none(), st.sampled_from(["team a", "team b"])))
            if with_start:
                rows.append((f"case-{case}", activity, "start", BASE + pd.Timedelta(seconds=moment), resource))
                moment += draw(st.integers(0, 5000))
            rows.append((f"case-{case}", activity, "complete", BASE + pd.Timedelta(seconds=moment), resource))
            moment += draw(st.integers(1, 5000)) + step
    return pd.DataFrame(
        rows, columns=["case:concept:name", "concept:name", "lifecycle:transition", "time:timestamp", "org:resource"]
    )


@settings(max_examples=40, deadline=None)
@given(log=event_logs(), suffix=st.sampled_from([".csv", ".parquet", ".csv.gz"]))
def test_round_trip(log: pd.DataFrame, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"log{suffix}"
        if suffix == ".parquet":
            log.to_parquet(path)
        else:
            log.to_csv(path, index=False)
        with warnings.catch_warnings():
            warnings.simplefilter("error", LogRepairWarning)
            back = read_log(path)
    assert len(back) == len(log)
    assert list(back["time:timestamp"]) == list(log["time:timestamp"])
    assert list(back["concept:name"]) == list(log["concept:name"])
    assert back["org:resource"].isna().sum() == log["org:resource"].isna().sum()
