"""Malformed event logs: each gives one clear EventLogError naming the file and the place, or a counted repair."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import pytest

from mining.errors import EventLogError, LogRepairWarning
from mining.read import read_log

XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XES_BODY = """<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
\t<trace>
\t\t<string key="concept:name" value="c1"/>
\t\t<event>
\t\t\t<string key="concept:name" value="A"/>
\t\t\t<date key="time:timestamp" value="2024-01-01T10:00:00.000+01:00"/>
\t\t</event>
\t\t<event>
\t\t\t<string key="concept:name" value="B"/>
\t\t\t<date key="time:timestamp" value="2024-01-01T11:00:00.000+01:00"/>
\t\t</event>
\t</trace>
</log>
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def repairs_of(path: Path, **options: object) -> tuple[list[str], object]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LogRepairWarning)
        log = read_log(path, **options)
    return [str(w.message) for w in caught if issubclass(w.category, LogRepairWarning)], log


class TestXmlAttacks:
    """XES documents declaring entities are refused before any expansion."""

    def test_billion_laughs(self, tmp_path: Path) -> None:
        entities = '<!ENTITY lol "lol">' + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10)
        )
        body = XES_BODY.replace('value="A"', 'value="&lol9;"')
        path = write(tmp_path / "laughs.xes", f"{XES_HEAD}<!DOCTYPE log [{entities}]>\n{body}")
        with pytest.raises(EventLogError, match=r"laughs\.xes: refused a DOCTYPE/ENTITY declaration at line 2"):
            read_log(path)

    def test_external_entity(self, tmp_path: Path) -> None:
        secret = write(tmp_path / "secret.txt", "top secret")
        body = XES_BODY.replace('value="A"', 'value="&xxe;"')
        doctype = f'<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
        path = write(tmp_path / "xxe.xes", XES_HEAD + doctype + body)
        with pytest.raises(EventLogError, match=r"xxe\.xes: refused a DOCTYPE/ENTITY") as info:
            read_log(path)
        assert "top secret" not in str(info.value)


class TestTruncated:
    def test_truncated_gzip(self, tmp_path: Path) -> None:
        data = gzip.compress((XES_HEAD + XES_BODY * 1).encode() + b"<!--" + b"x" * 5000 + b"-->")
        path = tmp_path / "cut.xes.gz"
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(EventLogError, match=r"cut\.xes\.gz: truncated/corrupt gzip or XML at line \d+"):
            read_log(path)

    def test_truncated_xml(self, tmp_path: Path) -> None:
        path = write(tmp_path / "cut.xes", XES_HEAD + XES_BODY[: XES_BODY.index("</trace>")])
        with pytest.raises(EventLogError, match=r"cut\.xes: truncated/corrupt gzip or XML at line 12"):
            read_log(path)


class TestCsvProblems:
    def test_wrong_delimiter(self, tmp_path: Path) -> None:
        path = write(tmp_path / "semi.csv", "case;activity;timestamp\nc1;A;2024-01-01 10:00\n")
        with pytest.raises(EventLogError, match=r"semi\.csv: the header has a single column 'case;activity;"
                           r"timestamp'.*separator="):
            read_log(path, separator=",")

    def test_sniffs_semicolon(self, tmp_path: Path) -> None:
        path = write(tmp_path / "semi.csv", "case;activity;timestamp\nc1;A;2024-01-01 10:00\n")
        assert len(read_log(path)) == 1

    def test_timestamp_numbers(self, tmp_path: Path) -> None:
        path = write(tmp_path / "epoch.csv", "case,activity,timestamp\nc1,A,1704103200\nc1,B,1704106800\n")
        with pytest.raises(EventLogError, match=r"epoch\.csv: column 'time:timestamp' holds plain numbers.*"
                           r"got '1704103200'.*timestamp_format="):
            read_log(path)
        log = read_log(path, timestamp_format="s")
        assert str(log["time:timestamp"].iloc[0]) == "2024-01-01 10:00:00+00:00"

    def test_missing_columns(self, tmp_path: Path) -> None:
        path = write(tmp_path / "nocase.csv", "activity,when\nA,2024-01-01\n")
        with pytest.raises(EventLogError, match=r"nocase\.csv: missing required column\(s\) 'case:concept:name', "
                           r"'time:timestamp'; columns found: 'concept:name', 'when'"):
            read_log(path)

    def test_unknown_mapped_column(self, tmp_path: Path) -> None:
        path = write(tmp_path / "log.csv", "case,activity,timestamp\nc1,A,2024-01-01\n")
        with pytest.raises(EventLogError, match=r"log\.csv: column 'Case ID' \(given as case=\) not found; "
                           r"columns found: 'case', 'activity', 'timestamp'"):
            read_log(path, case="Case ID")

    def test_unparseable_timestamps(self, tmp_path: Path) -> None:
        rows = "".join(f"c1,A,2024-01-0{day} 10:00\n" for day in range(1, 4))
        path = write(tmp_path / "bad.csv", "case,activity,timestamp\n" + rows + "c2,B,yesterday\nc2,C,soon\n")
        with pytest.raises(EventLogError, match=r"bad\.csv: column 'time:timestamp' has values that are not "
                           r"timestamps at rows 4, 5 \(got 'yesterday'\)"):
            read_log(path)

    def test_empty(self, tmp_path: Path) -> None:
        path = write(tmp_path / "empty.csv", "case,activity,timestamp\n")
        with pytest.raises(EventLogError, match=r"empty\.csv: the log is empty"):
            read_log(path)

    def test_null_case_ids(self, tmp_path: Path) -> None:
        path = write(tmp_path / "nulls.csv", "case,activity,timestamp\nc1,A,2024-01-01\n,B,2024-01-02\n")
        with pytest.raises(EventLogError, match=r"nulls\.csv: column 'case:concept:name' is empty at row 2"):
            read_log(path)


class TestTimezones:
    def test_mixed_offsets_are_converted(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "tz.csv",
            "case,activity,timestamp\nc1,A,2024-03-30T10:00:00+01:00\nc1,B,2024-04-02T10:00:00+02:00\n"
            "c1,C,2024-04-03T10:00:00+02:00\n",
        )
        messages, log = repairs_of(path)
        assert len(messages) == 1
        assert "tz.csv: column 'time:timestamp' carries 2 different UTC offsets" in messages[0]
        assert log.attrs["flowlab:repairs"][0]["kind"] == "mixed_timezones"
        assert log.attrs["flowlab:repairs"][0]["rows"] == 1
        assert str(log["time:timestamp"].iloc[1]) == "2024-04-02 08:00:00+00:00"

    @pytest.mark.parametrize("offset", ["+01:00", "+0100", "+01", ".250+01"])
    def test_every_iso_offset_form_is_read(self, tmp_path: Path, offset: str) -> None:
        """+01:00, +0100 and +01 (the short form some exports write), after seconds or a fraction: all one zone."""
        fraction = ".250" if offset.startswith(".") else ""
        zone = offset.removeprefix(".250")
        path = write(tmp_path / "tz.csv", f"case,activity,timestamp\nc1,A,2024-01-01T10:00:00{fraction}{zone}\n"
                                          f"c1,B,2024-01-01T12:00:00{fraction}{zone}\n")  # fmt: skip
        messages, log = repairs_of(path)
        assert [] == messages
        assert str(log["time:timestamp"].iloc[0]).startswith("2024-01-01 09:00:00")

    def test_naive_and_aware_refused_without_timezone(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "tz.csv", "case,activity,timestamp\nc1,A,2024-01-01T10:00:00+01:00\nc1,B,2024-01-02 10:00:00\n"
        )
        with pytest.raises(EventLogError, match=r"tz\.csv: column 'time:timestamp' mixes timestamps with a UTC "
                           r"offset \(row 1.*without one \(row 2.*timezone="):
            read_log(path)
        log = read_log(path, timezone="Europe/Rome")
        assert str(log["time:timestamp"].iloc[1]) == "2024-01-02 09:00:00+00:00"


class TestLifecycle:
    def test_complete_before_start_is_two_counted_repairs_not_a_refusal(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "backwards.csv",
            "case,activity,lifecycle,timestamp\nc1,A,start,2024-01-01 10:00\nc1,A,complete,2024-01-01 09:00\n",
        )
        messages, log = repairs_of(path)
        # the complete at 09:00 has no open start before it; the start at 10:00 is never completed
        assert messages == [
            "backwards.csv: sorted the events of each case by timestamp (1 event(s) came before an earlier event of "
            "their case)",
            "backwards.csv: kept 1 complete event(s) that had no open start event of their activity before them as "
            "visits without an observed start: their wait/work split is estimated (cases 'c1')",
            "backwards.csv: dropped 1 start event(s) without a complete event (cases 'c1')",
        ]
        assert list(log["lifecycle:transition"]) == ["complete"]

    def test_unmatched_start_is_dropped(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "open.csv",
            "case,activity,lifecycle,timestamp\nc1,A,start,2024-01-01 10:00\nc1,A,complete,2024-01-01 11:00\n"
            "c1,B,start,2024-01-01 12:00\n",
        )
        messages, log = repairs_of(path)
        assert messages == ["open.csv: dropped 1 start event(s) without a complete event (cases 'c1')"]
        assert list(log["concept:name"]) == ["A", "A"]
        assert list(log["concept:instance"]) == [0, 0]

    def test_status_lifecycle_without_classifier(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "status.csv",
            "case,activity,lifecycle,timestamp\nc1,Accepted,In Progress,2024-01-01\nc1,Queued,Awaiting Assignment,"
            "2024-01-02\n",
        )
        with pytest.raises(EventLogError, match=r"status\.csv: column 'lifecycle:transition' holds values that are "
                           r"not XES lifecycle transitions \(got 'Awaiting Assignment', 'In Progress'\).*classifier="):
            read_log(path)
        log = read_log(path, classifier=["concept:name", "lifecycle:transition"])
        assert list(log["concept:name"]) == ["Accepted+In Progress", "Queued+Awaiting Assignment"]
        assert set(log["lifecycle:transition"]) == {"complete"}


class TestRepairs:
    def test_duplicates_dropped_and_counted(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "dup.csv",
            "case,activity,timestamp\nc1,A,2024-01-01\nc1,A,2024-01-01\nc1,B,2024-01-02\nc1,A,2024-01-01\n",
        )
        messages, log = repairs_of(path)
        assert messages == ["dup.csv: dropped 2 exact duplicate event(s) (rows 2, 4)"]
        assert len(log) == 2

    def test_ties_that_differ_are_not_duplicates(self, tmp_path: Path) -> None:
        """Events of one case at one moment are duplicates only when every column agrees: a complete and the next
        start at the same instant, or two resources, are kept; the one repeated row is dropped."""
        path = write(
            tmp_path / "ties.csv",
            "case,activity,lifecycle,timestamp,resource\n"
            "c1,A,start,2024-01-01T08:00:00Z,r1\nc1,A,complete,2024-01-01T09:00:00Z,r1\n"
            "c1,B,start,2024-01-01T09:00:00Z,r1\nc1,B,complete,2024-01-01T10:00:00Z,r1\n"
            "c1,B,complete,2024-01-01T10:00:00Z,r2\nc1,B,complete,2024-01-01T10:00:00Z,r1\n"
            "c2,A,start,2024-01-01T09:00:00Z,r1\nc2,A,complete,2024-01-01T09:00:00Z,r1\n",
        )
        messages, log = repairs_of(path)
        assert messages[0] == "ties.csv: dropped 1 exact duplicate event(s) (row 6)"
        assert len(log) == 7

    def test_unsorted_sorted_and_counted(self, tmp_path: Path) -> None:
        path = write(
            tmp_path / "unsorted.csv",
            "case,activity,timestamp\nc2,B,2024-01-03\nc1,A,2024-01-02\nc2,A,2024-01-01\n",
        )
        messages, log = repairs_of(path)
        # only c2's A (01-01, after c2's B of 01-03 in the file) is out of order; c1 between them is interleaving
        assert messages == [
            "unsorted.csv: sorted the events of each case by timestamp (1 event(s) came before an earlier event "
            "of their case)"
        ]
        assert list(log["case:concept:name"]) == ["c2", "c2", "c1"]
        assert list(log["concept:name"]) == ["A", "B", "A"]
        assert list(log.index) == [0, 1, 2]

    def test_cases_interleaved_in_time_are_not_a_repair(self, tmp_path: Path) -> None:
        """A log in global time order (as the simulator writes it) is grouped by case without any repair."""
        path = write(
            tmp_path / "interleaved.csv",
            "case,activity,timestamp\nc1,A,2024-01-01\nc2,A,2024-01-02\nc1,B,2024-01-03\nc2,B,2024-01-04\n",
        )
        messages, log = repairs_of(path)
        assert messages == []
        assert list(log["case:concept:name"]) == ["c1", "c1", "c2", "c2"]
