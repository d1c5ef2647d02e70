"""Logs that cannot split wait from work say so: complete-only logs without resources (unknown, never 0, ranked by
the time elapsed before each stage) and logs whose start events were made up by the export (detected, dropped)."""

from __future__ import annotations

import math
import re
import warnings
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from flowlab.cli import app
from mining.bottlenecks import rank_bottlenecks, ranked_by
from mining.errors import LogRepairWarning
from mining.read import read_log
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_stage_times
from mining.validate import REPAIRS_ATTR

# complete-only, no resources: Check follows Register after 2 h and 6 h, Pay follows Check after 30 h and 10 h
COMPLETE_ONLY = (
    "case,activity,timestamp\n"
    "a,Register,2024-02-05T08:00:00Z\na,Check,2024-02-05T10:00:00Z\na,Pay,2024-02-06T16:00:00Z\n"
    "b,Register,2024-02-05T09:00:00Z\nb,Check,2024-02-05T15:00:00Z\nb,Pay,2024-02-06T01:00:00Z\n"
)


def _read(path: Path) -> tuple[pd.DataFrame, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogRepairWarning)
        log = read_log(path, case="case", activity="activity", timestamp="timestamp",
                       **({"lifecycle": "lifecycle", "resource": "resource"} if "fabricated" in path.name else {}))
    return log, [str(w.message) for w in caught if issubclass(w.category, LogRepairWarning)]


class TestCompleteOnlyWithoutResources:
    def test_wait_and_work_are_unknown_not_zero(self, tmp_path: Path) -> None:
        (tmp_path / "plain.csv").write_text(COMPLETE_ONLY, encoding="utf-8")
        log, _ = _read(tmp_path / "plain.csv")
        table = summarize_stages(compute_stage_times(log)).set_index("concept:name")
        for stage in ("Check", "Pay"):
            assert table.loc[stage, "split_known"] == 0.0
            for column in ("wait_mean_h", "work_mean_h", "wait_p85_h", "wait_share"):
                assert math.isnan(table.loc[stage, column]), (stage, column)
        assert table.loc["Check", "elapsed_mean_h"] == (2 + 6) / 2
        assert table.loc["Pay", "elapsed_mean_h"] == (30 + 10) / 2

    def test_stages_are_ranked_by_the_time_elapsed_before_them(self, tmp_path: Path) -> None:
        (tmp_path / "plain.csv").write_text(COMPLETE_ONLY, encoding="utf-8")
        log, _ = _read(tmp_path / "plain.csv")
        ranking = rank_bottlenecks(compute_stage_times(log))
        assert ranked_by(ranking) == "elapsed"
        assert ranking["concept:name"].tolist()[:2] == ["Pay", "Check"]
        assert ranking.set_index("concept:name").loc["Pay", "elapsed_share"] == 40 / 48

    def test_mine_says_the_split_is_unknown_and_prints_no_zero_for_it(self, tmp_path: Path) -> None:
        (tmp_path / "plain.csv").write_text(COMPLETE_ONLY, encoding="utf-8")
        result = CliRunner().invoke(app, ["mine", str(tmp_path / "plain.csv"), "--case", "case", "--activity",
                                          "activity", "--timestamp", "timestamp", "--no-conformance",
                                          "--out", str(tmp_path / "out")], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert "stages by time elapsed before them" in result.output
        assert "wait and work unknown" in result.output
        assert "of all waiting" not in result.output
        rows = [line for line in result.output.splitlines() if re.search(r"\b(Check|Pay)\b", line)]
        assert len(rows) == 2
        assert not any(re.search(r"\b0\.0+ ?(h|min)\b", row) for row in rows)
        assert "mean elapsed (h)" in result.output  # one unit for the column, named in its heading
        assert " 20.0 " in rows[0] and " 4.0 " in rows[1]


class TestFabricatedStarts:
    def test_starts_equal_to_their_completes_are_detected_and_dropped(self, tmp_path: Path) -> None:
        lines = ["case,activity,lifecycle,timestamp,resource"]
        for case, times in (("a", ("08:00", "10:00", "16:00")), ("b", ("09:00", "15:00", "17:00")),
                            ("c", ("18:00", "19:00", "20:00")), ("d", ("18:30", "21:00", "22:00"))):
            for activity, time in zip(("Register", "Check", "Pay"), times, strict=True):
                lines += [f"{case},{activity},start,2024-02-05T{time}:00Z,clerk",
                          f"{case},{activity},complete,2024-02-05T{time}:00Z,clerk"]
        path = tmp_path / "fabricated.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        log, messages = _read(path)
        assert [r["kind"] for r in log.attrs[REPAIRS_ATTR]] == ["fabricated_starts"]
        assert any("dropped 12 start event(s): every start has the timestamp of its complete" in m for m in messages)
        assert set(log["lifecycle:transition"]) == {"complete"}
        visits = compute_stage_times(log)
        assert visits["estimated"].all()  # not "observed" 0 h of work
        # with a resource the estimate gives the work an upper bound: the clerk's previous completion to this one
        check_b = visits[(visits["case:concept:name"] == "b") & (visits["concept:name"] == "Check")].iloc[0]
        assert check_b["work_h"] == 5.0  # the clerk finished a's Check at 10:00; b's Check completes at 15:00

    def test_real_zero_length_visits_among_others_are_kept(self, tmp_path: Path) -> None:
        path = tmp_path / "fabricated-not.csv"
        path.write_text(
            "case,activity,lifecycle,timestamp\n"
            "a,Stamp,start,2024-02-05T08:00:00Z\na,Stamp,complete,2024-02-05T08:00:00Z\n"
            "a,Review,start,2024-02-05T09:00:00Z\na,Review,complete,2024-02-05T11:00:00Z\n",
            encoding="utf-8",
        )
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always", LogRepairWarning)
            log = read_log(path, case="case", activity="activity", lifecycle="lifecycle", timestamp="timestamp")
        assert log.attrs[REPAIRS_ATTR] == []
        assert not compute_stage_times(log)["estimated"].any()


def test_the_dfg_of_a_log_without_a_wait_split_shows_no_nan(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from mining.discovery import discover_dfg
    from mining.plots_dfg import draw_dfg

    (tmp_path / "plain.csv").write_text(COMPLETE_ONLY, encoding="utf-8")
    log, _ = _read(tmp_path / "plain.csv")
    shares = summarize_stages(compute_stage_times(log)).set_index("concept:name")["wait_share"].to_dict()
    figure = draw_dfg(discover_dfg(log), wait_share=shares)
    texts = [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
    assert not any("nan" in text for text in texts)
    # only Register's wait is known (a case's first visit: 0); Check and Pay say nothing rather than "nan%"
    assert [text for text in texts if text.startswith("wait share")] == ["wait share 0%"]
