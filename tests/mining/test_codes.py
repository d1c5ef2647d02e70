"""Integer codes of Arrow string columns (mining.codes): one chunk or several, masked or not, give the same codes;
and a DFG over a column in several chunks equals the DFG over the same log in one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from mining.codes import arrow_strings, factorize_cases, factorize_column
from mining.columns import ACTIVITY, CASE, LIFECYCLE, TIMESTAMP
from mining.dfg import discover_performance_dfg

VALUES = ["c1", "c1", "c2", None, "c2", "c3", "c1"]


def _column(chunks: list[list[str | None]]) -> pd.Series:
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(chunks, type=pa.string())))


def test_one_chunk_is_used_without_a_copy() -> None:
    column = _column([VALUES])
    strings = arrow_strings(column)
    assert strings is not None
    assert strings.to_pylist() == VALUES
    assert strings.buffers()[2].address == column.array._pa_array.chunk(0).buffers()[2].address


@pytest.mark.parametrize("rows", [None, np.array([True, False, True, True, True, False, True])])
def test_codes_do_not_depend_on_chunks(rows: np.ndarray | None) -> None:
    one, several = _column([VALUES]), _column([VALUES[:3], VALUES[3:5], VALUES[5:]])
    codes, names = factorize_column(one, rows)
    expected = ["c1", "c1", "c2", None, "c2", "c3", "c1"] if rows is None else ["c1", "c2", None, "c2", "c1"]
    assert [None if code < 0 else names[code] for code in codes] == expected
    codes_several, names_several = factorize_column(several, rows)
    assert codes.tolist() == codes_several.tolist()
    assert list(names) == list(names_several)


def test_case_codes_of_contiguous_and_returning_cases() -> None:
    contiguous = _column([["a", "a", "b"], ["b", "c"]])
    assert factorize_cases(contiguous)[0].tolist() == [0, 0, 1, 1, 2]
    returning = _column([["a", "b", "a"]])  # "a" comes back: encoded by value, not by run
    assert factorize_cases(returning)[0].tolist() == [0, 1, 0]
    masked = _column([["a", "x", "a", "b"]])  # contiguous once the row of case x is left out
    assert factorize_cases(masked, np.array([True, False, True, True]))[0].tolist() == [0, 0, 1]


def test_dfg_over_a_chunked_log_equals_the_dfg_over_one_chunk() -> None:
    hours = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta([0, 1, 1, 3, 0, 2, 2, 7], unit="h")
    cases = ["x", "x", "x", "x", "y", "y", "y", "y"]
    activities = ["A", "A", "B", "B", "A", "A", "B", "B"]
    lifecycle = ["start", "complete"] * 4
    one = pd.DataFrame({CASE: _column([cases]), ACTIVITY: _column([activities]), LIFECYCLE: _column([lifecycle]),
                        TIMESTAMP: hours})
    several = one.assign(**{CASE: _column([cases[:3], cases[3:]]), ACTIVITY: _column([activities[:5], activities[5:]])})
    table = discover_performance_dfg(one)
    pd.testing.assert_frame_equal(table, discover_performance_dfg(several))
    assert table[["source", "target"]].astype(str).values.tolist() == [["A", "B"]]
    assert table["count"].tolist() == [2]
    assert table["mean_h"].tolist() == [3.5]  # x: 1 h -> 3 h = 2 h; y: 2 h -> 7 h = 5 h
    assert table["median_h"].tolist() == [3.5]
