"""State-snapshot logs (each row the state after an update): read with `states=True` the time in a state is counted
for that state; read as events, a warning suggests it."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from mining.errors import EventLogError, LogShapeWarning
from mining.read import read_log
from mining.stage_times import compute_case_times, compute_stage_times
from mining.validate import REPAIRS_ATTR

# (hour, state, who made the update): New is updated once more before work starts, In Progress twice
ROWS = [(8, "New", "a"), (9, "New", "b"), (10, "In Progress", "c"), (13, "In Progress", "c"),
        (14, "Resolved", "d"), (16, "Closed", "e")]


def snapshot_file(tmp_path: Path, cases: int = 10) -> Path:
    lines = ["ticket,state,updated,by"]
    for number in range(cases):
        lines += [f"T{number},{state},2024-04-{number + 1:02d}T{hour:02d}:00:00Z,{who}" for hour, state, who in ROWS]
    path = tmp_path / "tickets.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read(path: Path, **options: object) -> tuple[object, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        log = read_log(path, case="ticket", activity="state", timestamp="updated", resource="by", **options)
    return log, caught


class TestStates:
    def test_time_in_a_state_is_counted_for_that_state(self, tmp_path: Path) -> None:
        log, _ = read(snapshot_file(tmp_path), states=True)
        visits = compute_stage_times(log)
        first = visits[visits["case:concept:name"] == "T0"]
        # New 08:00-10:00, In Progress 10:00-14:00, Resolved 14:00-16:00, Closed on entry at 16:00
        assert first["concept:name"].astype(str).tolist() == ["New", "In Progress", "Resolved", "Closed"]
        assert first["elapsed_h"].tolist() == [2.0, 4.0, 2.0, 0.0]
        # who left the state is who worked on it
        assert first["org:resource"].astype(str).tolist() == ["c", "d", "e", "e"]
        cases = compute_case_times(log)
        assert (cases["lead_time_h"] == 8.0).all()

    def test_the_reading_is_reported(self, tmp_path: Path) -> None:
        log, caught = read(snapshot_file(tmp_path), states=True)
        (repair,) = log.attrs[REPAIRS_ATTR]  # type: ignore[attr-defined]
        assert repair["kind"] == "states" and repair["rows"] == 20
        assert not [w for w in caught if issubclass(w.category, LogShapeWarning)]

    def test_read_as_events_it_gets_a_warning_naming_the_option(self, tmp_path: Path) -> None:
        _, caught = read(snapshot_file(tmp_path))
        shape = [str(w.message) for w in caught if issubclass(w.category, LogShapeWarning)]
        assert len(shape) == 1
        assert "40% of the rows repeat the activity of the row before them" in shape[0]
        assert "--states" in shape[0]

    def test_an_ordinary_log_gets_no_warning(self, tmp_path: Path) -> None:
        path = tmp_path / "plain.csv"
        path.write_text("ticket,state,updated\n" + "".join(
            f"T{n},{s},2024-04-01T{h:02d}:00:00Z\n" for n in range(30) for h, s in ((8, "A"), (9, "B"), (10, "C"))
        ), encoding="utf-8")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            read_log(path, case="ticket", activity="state", timestamp="updated")
        assert not [w for w in caught if issubclass(w.category, LogShapeWarning)]

    def test_states_refuses_a_log_with_start_events(self, tmp_path: Path) -> None:
        path = tmp_path / "lifecycle.csv"
        path.write_text("case,activity,lifecycle,timestamp\nc,A,start,2024-01-01T08:00:00Z\n"
                        "c,A,complete,2024-01-01T09:00:00Z\n", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"lifecycle\.csv: reading as state snapshots needs one row per "
                                                 r"state change.*'start'"):
            read_log(path, states=True)
