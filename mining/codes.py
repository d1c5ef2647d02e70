"""Integer codes and int64 nanoseconds for vectorised work on event logs.

Every measure in `mining/` works on columns encoded once: case ids, activities and resources as integer codes (in
order of first appearance, -1 for missing), timestamps as int64 nanoseconds since the epoch in UTC (NaT as the
int64 minimum). Arrow-backed string columns are encoded by pyarrow directly, which is what makes a million-event
log cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mining.errors import EventLogError

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "NAT",
    "NS_PER_HOUR",
    "arrow_strings",
    "factorize_cases",
    "factorize_column",
    "is_lexsorted",
    "pa_strings",
    "timestamps_ns",
    "to_utc",
]

NS_PER_HOUR = 3_600_000_000_000
NAT = np.iinfo(np.int64).min
"""The int64 view of NaT."""


def timestamps_ns(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC); NaT becomes the int64 minimum."""
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        if not pd.api.types.is_datetime64_any_dtype(values.dtype):
            raise EventLogError(
                f"column {values.name!r} must hold timezone-aware timestamps (got dtype {values.dtype})"
            )
        values = values.dt.tz_localize("UTC")
    return values.dt.tz_convert("UTC").dt.as_unit("ns").to_numpy(dtype="datetime64[ns]").view(np.int64)


def to_utc(ns: np.ndarray) -> pd.DatetimeIndex:
    """int64 nanoseconds (NaT as the int64 minimum) as a UTC DatetimeIndex."""
    return pd.DatetimeIndex(ns.view("datetime64[ns]")).tz_localize("UTC")


def factorize_column(values: pd.Series, rows: np.ndarray | None = None) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) in order of first appearance, and the distinct values as strings.

    Arrow-backed string columns (pandas' default `str`) are dictionary-encoded by pyarrow directly, which
    skips pandas' per-call wrapping; anything else goes through `pd.factorize`. With `rows` (a boolean mask)
    only those rows are encoded, which is cheaper than encoding all and masking the codes.
    """
    arrow = arrow_strings(values)
    if arrow is not None and rows is not None:
        arrow = arrow.filter(rows)
    if arrow is not None:
        encoded = arrow.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        codes = (
            np.where(encoded.indices.is_null().to_numpy(zero_copy_only=False), -1, codes) if arrow.null_count else codes
        )
        return codes.astype(np.int64, copy=False), pd.Index(pd.array(encoded.dictionary, dtype="str"))
    codes, uniques = pd.factorize(values if rows is None else values.to_numpy()[rows])
    return codes.astype(np.int64, copy=False), pd.Index(uniques).astype(str)


def factorize_cases(values: pd.Series, rows: np.ndarray | None = None) -> tuple[np.ndarray, pd.Index]:
    """Like `factorize_column`, but nearly free when each case's events are contiguous (a log sorted by case).

    Runs of equal adjacent values are found with one vectorised comparison; when no case id starts two runs
    the codes are the running count of runs, and only the run heads (one per case) are hashed.
    """
    arrow = arrow_strings(values)
    if arrow is not None and rows is not None:
        arrow = arrow.filter(rows)
    if arrow is None or arrow.null_count or len(arrow) < 2:
        return factorize_column(values, rows)
    import pyarrow.compute as pc

    heads = np.ones(len(arrow), dtype=bool)
    heads[1:] = pc.not_equal(arrow.slice(1), arrow.slice(0, len(arrow) - 1)).to_numpy(zero_copy_only=False)
    names = arrow.filter(heads)
    if len(pc.unique(names)) != len(names):
        return factorize_column(values, rows)
    return np.cumsum(heads, dtype=np.int64) - 1, pd.Index(pd.array(names, dtype="str"))


def chunked_strings(values: pd.Series) -> pa.ChunkedArray | pa.Array | None:
    """The column's pyarrow strings as they are stored (chunks not joined) when it is Arrow-backed, else None."""
    import pyarrow as pa

    chunked = getattr(values.array, "_pa_array", None)
    if chunked is None or not (pa.types.is_string(chunked.type) or pa.types.is_large_string(chunked.type)):
        return None
    return chunked


def arrow_strings(values: pd.Series) -> pa.Array | None:
    """The column as one contiguous pyarrow string array when it is Arrow-backed, else None."""
    import pyarrow as pa

    chunked = chunked_strings(values)
    if chunked is None:
        return None
    if isinstance(chunked, pa.ChunkedArray):  # one chunk (as `read_log` returns a column) is used as it is, not copied
        return chunked.chunk(0) if chunked.num_chunks == 1 else chunked.combine_chunks()
    return chunked


def is_lexsorted(keys: list[np.ndarray]) -> bool:
    """True when the rows are already in `np.lexsort(keys)` order (last key primary), checked in one pass."""
    if not keys or len(keys[0]) < 2:
        return True
    undecided = np.ones(len(keys[0]) - 1, dtype=bool)
    for key in reversed(keys):
        before, after = key[:-1], key[1:]
        if (undecided & (after < before)).any():
            return False
        undecided &= after == before
    return True


def pa_strings(values: tuple[str, ...]) -> pa.Array:
    """A small pyarrow string array (a value set for `pyarrow.compute.is_in`)."""
    import pyarrow as pa

    return pa.array(values, type=pa.string())
