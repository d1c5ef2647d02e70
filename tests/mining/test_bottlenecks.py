"""Bottleneck ranking on a hand-built log: wait share, peak queue and utilisation worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from mining.bottlenecks import compute_peak_queues, rank_bottlenecks
from mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from mining.measures import compute_stage_times


def at(hour: int) -> pd.Timestamp:
    return pd.Timestamp("2024-01-01", tz="UTC") + pd.Timedelta(hours=hour)


def queue_log() -> pd.DataFrame:
    """Three cases, X (by rx) then Y (by ry).

    c1: X 0-1, Y 5-6    c2: X 0-2, Y 6-7    c3: X 0-3, Y 7-8   (hours after midnight)
    Y waits [1,5), [2,6), [3,7): 4 h each, all three waiting at once between 3 and 5 → peak queue 3.
    """
    rows = []
    for case, x_end, y_start in (("c1", 1, 5), ("c2", 2, 6), ("c3", 3, 7)):
        rows += [
            (case, "X", "start", at(0), "rx"),
            (case, "X", "complete", at(x_end), "rx"),
            (case, "Y", "start", at(y_start), "ry"),
            (case, "Y", "complete", at(y_start + 1), "ry"),
        ]
    return pd.DataFrame(rows, columns=[CASE, ACTIVITY, LIFECYCLE, TIMESTAMP, RESOURCE])


class TestRankBottlenecks:
    def test_hand_computed_evidence(self) -> None:
        """Y: all the waiting (3 × 4 h), peak queue 3, one resource busy 3 h of the 8 h observed → 3/8.
        X: no waiting (first stage, ready = start), busy 1+2+3 = 6 h of 8 → 6/8."""
        ranking = rank_bottlenecks(compute_stage_times(queue_log()))
        assert ranking[ACTIVITY].tolist() == ["Y", "X"]
        assert ranking["rank"].tolist() == [1, 2]
        y = ranking.iloc[0]
        assert y["wait_share"] == 1.0
        assert y["wait_mean_h"] == 4.0
        assert y["peak_queue"] == 3
        assert y["visits"] == 3
        assert y["resources"] == 1
        assert y["utilisation"] == pytest.approx(3 / 8)
        assert ranking.iloc[1]["utilisation"] == pytest.approx(6 / 8)
        assert ranking.iloc[1]["peak_queue"] == 0
        assert not ranking["estimated"].any()

    def test_given_utilisation_replaces_the_estimate(self) -> None:
        ranking = rank_bottlenecks(compute_stage_times(queue_log()), utilisation={"Y": 0.9})
        assert ranking.set_index(ACTIVITY).loc["Y", "utilisation"] == 0.9

    def test_unknown_activity_in_utilisation_is_refused(self) -> None:
        with pytest.raises(ValueError, match=r"not in the log: \['Z'\]"):
            rank_bottlenecks(compute_stage_times(queue_log()), utilisation={"Z": 0.5})

    def test_back_to_back_waits_do_not_overlap(self) -> None:
        """One item leaves the queue at the moment the next arrives: the queue never holds two."""
        stage_times = pd.DataFrame(
            {
                ACTIVITY: ["Y", "Y"],
                "ready": [at(0), at(2)],
                "start": [at(2), at(4)],
            }
        )
        assert compute_peak_queues(stage_times).to_dict() == {"Y": 1}
