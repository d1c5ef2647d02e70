"""Hostile and malformed event logs (issue 12, classes 9–11): each is refused with one message naming the file, the
place and the limit or expectation, or read correctly; nothing hangs, nothing blows up the memory.

Bombs are generated in tmp_path (a few MB on disk) and never committed.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from pyarrow import parquet

from mining.compare import load_stage_map
from mining.errors import EventLogError
from mining.plots_common import fit_label
from mining.read import read_log

HEADER = "case,activity,timestamp\n"
ROWS = "c1,A,2024-01-01T10:00:00Z\nc1,B,2024-01-01T12:00:00Z\nc2,A,2024-01-02T09:00:00Z\n"
XES_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n'
XES_BODY = (
    '<log xes.version="1.0">\n<trace>\n<string key="concept:name" value="c1"/>\n<event>\n'
    '<string key="concept:name" value="{activity}"/>\n<date key="time:timestamp" value="{moment}"/>\n'
    "</event>\n</trace>\n</log>\n"
)


def gzip_bomb(path: Path, head: bytes, gigabytes: int) -> Path:
    """`head` then `gigabytes` GB of zeros, as concatenated gzip members (a few MB on disk)."""
    piece = 1 << 26  # 64 MB of zeros compresses to ~64 KB; one member, repeated
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(b"\0" * piece) + compressor.flush()
    with path.open("wb") as stream:
        stream.write(gzip.compress(head))
        for _ in range(gigabytes * 16):
            stream.write(member)
    return path


class TestGzipBomb:
    """A small .gz that inflates to gigabytes is refused once the inflate limit is passed, never inflated whole."""

    @pytest.mark.parametrize("suffix, head", [(".xes.gz", XES_HEAD.encode()), (".csv.gz", HEADER.encode())])
    def test_refused_within_the_limit_s_memory(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str, head: bytes
    ) -> None:
        bomb = gzip_bomb(tmp_path / f"bomb{suffix}", head, gigabytes=5)
        assert bomb.stat().st_size < 8 << 20
        monkeypatch.setenv("FLOWLAB_MAX_INFLATED_MB", "16")
        tracemalloc.start()
        try:
            with pytest.raises(EventLogError) as caught:
                read_log(bomb)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        message = str(caught.value)
        assert message.startswith(f"bomb{suffix}: inflates to more than 16 MB")
        assert "FLOWLAB_MAX_INFLATED_MB" in message
        assert peak < 64 << 20  # 16 MB limit + one 4 MB piece, with room; 5 GB were never held

    def test_a_log_under_a_raised_limit_is_read(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "log.csv.gz"
        path.write_bytes(gzip.compress((HEADER + ROWS * 30_000).encode()))  # 2.2 MB inflated
        monkeypatch.setenv("FLOWLAB_MAX_INFLATED_MB", "1")
        with pytest.raises(EventLogError, match="FLOWLAB_MAX_INFLATED_MB"):
            read_log(path)
        monkeypatch.setenv("FLOWLAB_MAX_INFLATED_MB", "3")
        with pytest.warns(UserWarning, match="dropped 89997 exact duplicate"):
            assert len(read_log(path)) == 3

    def test_a_good_gz_log_is_read(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "log.csv.gz"
        path.write_bytes(gzip.compress((HEADER + ROWS).encode()))
        monkeypatch.setenv("FLOWLAB_MAX_INFLATED_MB", "1")
        log = read_log(path)
        assert list(log["concept:name"]) == ["A", "B", "A"]

    @pytest.mark.parametrize("value", ["0", "-3", "lots"])
    def test_a_malformed_limit_is_named(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str) -> None:
        path = tmp_path / "log.csv.gz"
        path.write_bytes(gzip.compress((HEADER + ROWS).encode()))
        monkeypatch.setenv("FLOWLAB_MAX_INFLATED_MB", value)
        with pytest.raises(EventLogError, match=rf"FLOWLAB_MAX_INFLATED_MB must be a whole number >= 1 .*'{value}'"):
            read_log(path)


class TestLongCell:
    """A 200,000-character value is refused by the cell limit; below it, a long activity name no longer hangs."""

    def test_csv(self, tmp_path: Path) -> None:
        path = tmp_path / "cell.csv"
        path.write_text(HEADER + ROWS + "c3," + "x" * 200_000 + ",2024-01-03T10:00:00Z\n", encoding="utf-8")
        with pytest.raises(EventLogError) as caught:
            read_log(path)
        assert str(caught.value).startswith("cell.csv: column 'activity' at row 4: a value has 200,000 characters")
        assert "FLOWLAB_MAX_CELL_CHARS" in str(caught.value)

    def test_xes(self, tmp_path: Path) -> None:
        path = tmp_path / "cell.xes"
        path.write_text(XES_HEAD + XES_BODY.format(activity="y" * 200_000, moment="2024-01-01T00:00:00Z"))
        with pytest.raises(EventLogError, match=r"cell\.xes: column 'concept:name' at row 1: a value has 200,000"):
            read_log(path)

    def test_raised_limit(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path = tmp_path / "cell.csv"
        path.write_text(HEADER + "c3," + "x" * 200_000 + ",2024-01-03T10:00:00Z\n", encoding="utf-8")
        monkeypatch.setenv("FLOWLAB_MAX_CELL_CHARS", "250000")
        assert read_log(path)["concept:name"].str.len().tolist() == [200_000]

    def test_parquet_counts_characters_not_bytes(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        """The bytes of the longest value bound its characters: over the limit in bytes only (é is two bytes), the
        value is kept; over it in characters, refused."""
        monkeypatch.setenv("FLOWLAB_MAX_CELL_CHARS", "1000")
        frame = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["a", "é" * 600],
                              "time:timestamp": pd.to_datetime(["2024-01-01T00:00:00Z", "2024-01-01T01:00:00Z"])})
        frame.to_parquet(tmp_path / "bytes.parquet")
        assert read_log(tmp_path / "bytes.parquet")["concept:name"].str.len().tolist() == [1, 600]
        frame.loc[1, "concept:name"] = "é" * 1001
        frame.to_parquet(tmp_path / "chars.parquet")
        with pytest.raises(EventLogError, match=r"chars\.parquet: column 'concept:name' at row 2: a value has 1,001 "):
            read_log(tmp_path / "chars.parquet")

    def test_a_long_label_is_cut_to_what_can_fit(self) -> None:
        text, size = fit_label("x" * 200_000, 2.0, fontsize=10)
        assert size == 7.0
        assert text.endswith("…")
        # 2 lines of a 2-inch box at 7 pt hold at most 2 * 144 pt / (0.2 * 7 pt) characters
        assert len(text.replace("\n", "")) <= 2 * 144 / 1.4 + 4


class TestTimestampsOutsideTheNanosecondRange:
    """Years 1500, 2262 (after April 11) and 9999 cannot be measured: refused with the row, not a traceback."""

    @pytest.mark.parametrize("moment", ["1500-06-01T10:00:00Z", "2262-06-01T10:00:00Z", "9999-06-01T10:00:00Z"])
    def test_csv(self, tmp_path: Path, moment: str) -> None:
        path = tmp_path / "years.csv"
        path.write_text(HEADER + ROWS + f"c2,B,{moment}\n", encoding="utf-8")
        with pytest.raises(EventLogError) as caught:
            read_log(path)
        message = str(caught.value)
        assert message.startswith("years.csv: column 'time:timestamp' has timestamps outside 1677-09-21 .. 2262-04-11")
        assert f"at row 4 (got {moment[:19]}+00:00)" in message

    def test_xes(self, tmp_path: Path) -> None:
        path = tmp_path / "years.xes"
        path.write_text(XES_HEAD + XES_BODY.format(activity="A", moment="9999-12-31T00:00:00Z"))
        with pytest.raises(EventLogError, match=r"years\.xes: .*outside 1677-09-21 \.\. 2262-04-11 at row 1"):
            read_log(path)

    def test_parquet(self, tmp_path: Path) -> None:
        path = tmp_path / "years.parquet"
        moments = pa.array([pd.Timestamp("2024-01-01", tz="UTC"), pd.Timestamp("1500-01-01", tz="UTC")],
                           pa.timestamp("us", tz="UTC"))  # fmt: skip
        parquet.write_table(pa.table({"case": ["c1", "c1"], "activity": ["A", "B"], "timestamp": moments}), path)
        with pytest.raises(EventLogError, match=r"years\.parquet: .*outside .* at row 2 \(got 1500-01-01"):
            read_log(path)

    def test_epoch_numbers(self, tmp_path: Path) -> None:
        path = tmp_path / "epoch.csv"
        path.write_text(HEADER + "c1,A,1700000000\nc1,B,99999999999999\n", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"epoch\.csv: .*numbers of s since 1970 .* at row 2"):
            read_log(path, timestamp_format="s")

    def test_the_last_moments_inside_are_read(self, tmp_path: Path) -> None:
        path = tmp_path / "edge.csv"
        path.write_text(HEADER + "c1,A,1677-09-22T00:00:00Z\nc1,B,2262-04-10T00:00:00Z\n", encoding="utf-8")
        assert read_log(path)["time:timestamp"].dt.year.tolist() == [1677, 2262]


@pytest.mark.parametrize("form", ["%Q", "%Y-%m-%d %q", "%Y-%m-%dT%H:%M:%SZ%"])
def test_unknown_timestamp_format_directive(tmp_path: Path, form: str) -> None:
    path = tmp_path / "log.csv"
    path.write_text(HEADER + ROWS, encoding="utf-8")
    with pytest.raises(EventLogError, match=rf"log\.csv: timestamp format '{form}' is not a strptime format"):
        read_log(path, timestamp_format=form)


GOOD_OCEL = {
    "ocel:global-log": {"ocel:object-types": ["order"]},
    "ocel:events": {
        "e1": {"ocel:activity": "A", "ocel:timestamp": "2024-01-01T00:00:00Z", "ocel:omap": ["o1"], "ocel:vmap": {}}
    },
    "ocel:objects": {"o1": {"ocel:type": "order"}},
}


@pytest.mark.parametrize(
    "change, place",
    [
        (lambda d: None, "the top level must be a mapping"),
        (lambda d: {"ocel:events": d["ocel:events"]},
         r"not an OCEL 1.0 JSON log \(the top level has no 'ocel:global-log'"),
        (lambda d: {**d, "ocel:events": []}, r"ocel:events must be a mapping from event ids to events \(got list\)"),
        (lambda d: {**d, "ocel:objects": {"o1": None}}, r"ocel:objects\['o1'\] must be an object .* \(got null\)"),
        (lambda d: {**d, "ocel:events": {"e1": None}}, r"ocel:events\['e1'\] must be an event .* \(got null\)"),
        (lambda d: {**d, "ocel:events": {"e1": {**d["ocel:events"]["e1"], "ocel:omap": {"o1": 1}}}},
         r"ocel:events\['e1'\]\.ocel:omap must be a list of object ids \(got dict\)"),
        (lambda d: {**d, "ocel:events": {"e1": {**d["ocel:events"]["e1"], "ocel:vmap": []}}},
         r"ocel:events\['e1'\]\.ocel:vmap must be a mapping"),
        (lambda d: {**d, "ocel:global-log": {"ocel:object-types": None}},
         r"ocel:global-log\.ocel:object-types must be a list"),
    ],
)
def test_malformed_ocel(tmp_path: Path, change, place: str) -> None:
    path = tmp_path / "log.jsonocel"
    path.write_text(json.dumps(change(GOOD_OCEL)), encoding="utf-8")
    with pytest.raises(EventLogError, match=rf"^log\.jsonocel: {place}"):
        read_log(path, case="order")


def test_well_formed_ocel_is_read(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonocel"
    path.write_text(json.dumps(GOOD_OCEL), encoding="utf-8")
    assert read_log(path, case="order")["case:concept:name"].tolist() == ["o1"]


class TestRepeatedColumnNames:
    """Two columns of one name: refused when flowlab would read that name, else renamed and reported."""

    def test_refused_when_it_is_a_log_column(self, tmp_path: Path) -> None:
        path = tmp_path / "twice.csv"
        path.write_text("case,activity,timestamp,activity\nc1,A,2024-01-01T10:00:00Z,B\n", encoding="utf-8")
        with pytest.raises(EventLogError, match=r"twice\.csv: the header names column 'activity' 2 times "
                                                r"\(columns 2, 4\)"):  # fmt: skip
            read_log(path)

    def test_other_columns_renamed_and_reported(self, tmp_path: Path) -> None:
        path = tmp_path / "twice.csv"
        path.write_text("case,note,activity,timestamp,note\nc1,first,A,2024-01-01T10:00:00Z,second\n")
        with pytest.warns(UserWarning, match=r"'note' 2 times \(columns 2, 5\).*'note \(column 5\)'"):
            log = read_log(path)
        assert (log["note"].tolist(), log["note (column 5)"].tolist()) == (["first"], ["second"])
        assert log.attrs["flowlab:repairs"][0]["kind"] == "duplicate_columns"

    def test_parquet(self, tmp_path: Path) -> None:
        path = tmp_path / "twice.parquet"
        table = pa.table([pa.array(["c1"]), pa.array(["A"]), pa.array(["2024-01-01T10:00:00Z"]), pa.array(["B"])],
                         names=["case", "activity", "timestamp", "activity"])  # fmt: skip
        parquet.write_table(table, path)
        with pytest.raises(EventLogError, match=r"twice\.parquet: the header names column 'activity' 2 times"):
            read_log(path)


class TestExternalEntity:
    """An external entity declared after a comment longer than any prolog window is never expanded."""

    @pytest.mark.parametrize("compressed", [False, True])
    def test_refused_and_never_read(self, tmp_path: Path, compressed: bool) -> None:
        secret = tmp_path / "secret.txt"
        secret.write_text("TOP-SECRET-42", encoding="utf-8")
        document = (
            XES_HEAD + "<!--" + "c" * 200_000 + "-->\n"
            + f'<!DOCTYPE log [<!ENTITY xxe SYSTEM "file://{secret}">]>\n'
            + XES_BODY.format(activity="&xxe;", moment="2024-01-01T00:00:00Z")
        )  # fmt: skip
        path = tmp_path / ("xxe.xes.gz" if compressed else "xxe.xes")
        path.write_bytes(gzip.compress(document.encode()) if compressed else document.encode())
        with pytest.raises(EventLogError) as caught:
            read_log(path)
        assert str(caught.value).startswith(f"{path.name}: refused a DOCTYPE/ENTITY declaration at line 3")
        assert "TOP-SECRET" not in str(caught.value)

    def test_an_undeclared_entity_is_not_read_as_text(self, tmp_path: Path) -> None:
        path = tmp_path / "entity.xes"
        path.write_text(XES_HEAD + XES_BODY.format(activity="&xxe;", moment="2024-01-01T00:00:00Z"))
        with pytest.raises(EventLogError, match=r"entity\.xes: line 6: '&xxe;' is not an XML entity"):
            read_log(path)

    def test_the_five_xml_entities_still_read(self, tmp_path: Path) -> None:
        path = tmp_path / "fine.xes"
        path.write_text(XES_HEAD + XES_BODY.format(activity="R&amp;D &lt;1&gt;", moment="2024-01-01T00:00:00Z"))
        assert read_log(path)["concept:name"].tolist() == ["R&D <1>"]


class TestStageMapNeitherYamlNorCsv:
    @pytest.mark.parametrize(
        "name, content, message",
        [
            ("map.yaml", b"{a: [b\n", r"map\.yaml: line 1, column 5: a nested list or mapping"),
            ("map.yaml", b"a: b\n  c: d: e\n", r"map\.yaml: not YAML \(line 2"),
            ("map.yaml", b"\xff\xfe\x00binary", r"map\.yaml: the stage map is not UTF-8 text \(byte 1\)"),
            ("map.csv", b"\x00\xff\xfebinary\n", r"map\.csv: the stage map is not UTF-8 text \(byte 2\)"),
            ("map.yaml", b"a: &x b\nc: *x\n", r"map\.yaml: line 1, column 4: an alias or anchor"),
            ("map.yaml", b"- a\n- b\n", r"map\.yaml: line 1, column 1: a nested list or mapping"),
            ("map.txt", b"a: b\n", r"map\.txt: stage map must be a \.yaml, \.yml or \.csv file \(got '\.txt'\)"),
        ],
    )
    def test_refused(self, tmp_path: Path, name: str, content: bytes, message: str) -> None:
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(EventLogError, match=message):
            load_stage_map(path)

    def test_a_plain_map_still_loads(self, tmp_path: Path) -> None:
        path = tmp_path / "map.yaml"
        path.write_text("# B: A\n'Check ticket': Triage\nFix: Develop\n", encoding="utf-8")
        assert load_stage_map(path) == {"Check ticket": "Triage", "Fix": "Develop"}
