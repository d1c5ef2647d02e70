"""Validation and documented repair of event logs (the DESIGN.md contract).

`validate_log` checks a frame that already uses the standard column names (`mining.columns`) and says what is
wrong with it: each problem is either an `EventLogError` (the log cannot be trusted) or a counted `Repair` (the
log can be fixed without guessing). `repair_log` returns the repaired frame as well; `read_log` uses it and
emits every repair as a `LogRepairWarning`.

Errors (never guessed around):
    missing required columns (the message lists the columns found), an empty log, null case ids or activities
    (rows listed), timestamps that are missing or do not parse (rows and a sample value), a timestamp column of
    plain numbers (suggests `timestamp_format`), naive and timezone-aware timestamps mixed in one column without
    a `timezone`, lifecycle values that are not XES transitions (suggests a classifier).

Repairs (counted, warned, recorded in ``log.attrs["flowlab:repairs"]``):
    ``duplicates``: exact duplicate rows are dropped;
    ``unsorted``: events are sorted by case (in order of each case's first row) then timestamp, stably;
    ``mixed_timezones``: timestamps carrying different UTC offsets are all converted to UTC;
    ``missing_lifecycle``: an empty lifecycle value is read as ``complete``;
    ``unmatched_start``: a start event without a complete event (an activity still running when the log was
    cut, e.g. at a simulation horizon) is dropped, so every remaining start has its complete;
    ``unmatched_complete``: a complete with no open start of its activity before it, in a log where that activity
    has start events, is kept as a visit without an observed start (its wait/work split is estimated, as for a
    complete-only log). A complete of an activity that never has a start is an atomic event (XES allows them) and
    no repair;
    ``fabricated_starts``: when every start (at least `MIN_FABRICATED`) has exactly the timestamp of its complete
    (some exports write a start
    for each complete), the starts measure nothing: they are dropped and the log is read as complete-only.

Each complete is paired with the earliest start still open before it (`mining.pairing`) within (case,
``concept:instance``) when the log has instance ids, otherwise within (case, activity); logs with start events
but no instance column get a ``concept:instance`` column (Int64) holding the pairing.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from mining.codes import arrow_strings, factorize_cases, factorize_column, is_lexsorted
from mining.columns import (
    ACTIVITY,
    ARRIVAL,
    CASE,
    COMPLETE,
    CORE_COLUMNS,
    INSTANCE,
    LIFECYCLE,
    REQUIRED_COLUMNS,
    RESOURCE,
    START,
    TIMESTAMP,
    XES_LIFECYCLE_TRANSITIONS,
)
from mining.errors import EventLogError, format_rows, format_values
from mining.pairing import adjacent_pairs, pair_open_close, same_values

REPAIRS_ATTR = "flowlab:repairs"
"""Key of `DataFrame.attrs` under which `read_log` stores the repairs it made, as plain dicts."""

MIN_FABRICATED = 10
"""Fewest start/complete pairs, all at one timestamp each, that mark a log's start events as made up by its export (a
handful of instantaneous visits is nothing unusual)."""

EPOCH_UNITS = ("s", "ms", "us", "ns")
"""Values of `timestamp_format` that read a column of numbers as time since 1970-01-01 UTC in that unit."""

_NANOSECONDS = {"s": 1e9, "ms": 1e6, "us": 1e3, "ns": 1.0}
_NUMBER = re.compile(r"^\s*[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?\s*$")
# Tail of a timestamp string that carries a UTC offset; looking at the last 9 characters only keeps this fast
# (the distinct tails are few) and tells '14:50:17-0500' (aware) from '09-10-2012' (a day-first date).
_OFFSET_TAIL = re.compile(r"(?:(Z)|([+-]\d\d):(\d\d)|(?::\d\d|\.\d+)([+-]\d\d)(\d\d)|(?::\d\d|\.\d+)([+-]\d\d))$")
"""A UTC offset at the end of a timestamp, in every ISO 8601 form: Z, +01:00, +0100 and +01."""


@dataclass(frozen=True, slots=True)
class Repair:
    """A documented repair made to a log.

    Attributes:
        kind: what was repaired (``duplicates``, ``unsorted``, ``mixed_timezones``, ``missing_lifecycle``,
            ``unmatched_start``, ``unmatched_complete``, ``fabricated_starts``).
        rows: how many rows (events) the repair touched.
        message: a sentence saying what was found and what was done.
    """

    kind: str
    rows: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The repair as a plain dict (for `DataFrame.attrs`, JSON reports)."""
        return asdict(self)


def validate_log(log: pd.DataFrame, *, source: str = "<frame>") -> list[Repair]:
    """Check an event log frame against the DESIGN.md contract without changing it.

    Args:
        log: a frame with the standard column names (`mining.columns`); timestamps may be datetimes or strings.
        source: the name used in messages (usually the file name).

    Returns:
        The repairs `repair_log` would make (empty when the log is clean).

    Raises:
        EventLogError: for every problem that cannot be repaired without guessing (see the module docstring).
    """
    _, repairs = repair_log(log, source=source)
    return repairs


def repair_log(
    log: pd.DataFrame,
    *,
    source: str = "<frame>",
    timestamp_format: str | None = None,
    timezone: str | None = None,
) -> tuple[pd.DataFrame, list[Repair]]:
    """Validate an event log frame and return a repaired copy in the contract's shape, with the repairs made.

    The copy has the columns `case:concept:name`, `concept:name`, `lifecycle:transition`, `time:timestamp`
    (UTC), `org:resource` (NA when unknown), then `concept:instance` if any, then the other columns as they
    came; sorted by case (in order of each case's first row) then timestamp; index 0..n-1. The input is not
    modified.

    Args:
        log: a frame with the standard column names.
        source: the name used in messages.
        timestamp_format: strftime format of string timestamps, or an epoch unit (``"s"``, ``"ms"``, ``"us"``,
            ``"ns"``) for numbers; None reads ISO 8601 or the format pandas infers from the first value.
        timezone: IANA zone of naive timestamps; None reads them as UTC but refuses a column that mixes naive
            and aware values.

    Raises:
        EventLogError: see the module docstring.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in log.columns]
    if missing:
        raise EventLogError(
            f"{source}: missing required column(s) {format_values(missing)}; "
            f"columns found: {format_values(list(log.columns)) if len(log.columns) else 'none'}"
        )
    if len(log) == 0:
        raise EventLogError(f"{source}: the log is empty (no events; expected at least one row)")
    frame = log.reset_index(drop=True).copy()
    repairs: list[Repair] = []

    for column in (CASE, ACTIVITY):
        nulls = _null_rows(frame[column])
        if nulls:
            raise EventLogError(
                f"{source}: column {column!r} is empty at {format_rows(nulls)} "
                f"(expected a {'case id' if column == CASE else 'activity name'} on every event)"
            )
        frame[column] = frame[column].astype("str")
    frame[RESOURCE] = frame[RESOURCE].astype("str") if RESOURCE in frame.columns else pd.Series(
        pd.NA, index=frame.index, dtype="str"
    )

    frame[TIMESTAMP], timestamp_repairs = parse_timestamps(
        frame[TIMESTAMP], column=TIMESTAMP, source=source, timestamp_format=timestamp_format, timezone=timezone
    )
    repairs += timestamp_repairs
    if ARRIVAL in frame.columns:
        frame[ARRIVAL], _ = parse_timestamps(
            frame[ARRIVAL], column=ARRIVAL, source=source, timezone=timezone, allow_missing=True
        )

    frame[LIFECYCLE], lifecycle_repairs = _normalise_lifecycle(frame, source)
    repairs += lifecycle_repairs

    case_codes, _ = factorize_cases(frame[CASE])
    moments = frame[TIMESTAMP].array.asi8
    duplicated = _duplicated_rows(frame, case_codes, moments)
    if duplicated.any():
        count = int(duplicated.sum())
        repairs.append(
            Repair("duplicates", count, f"dropped {count} exact duplicate event(s) ({format_rows(_rows(duplicated))})")
        )
        frame = frame.loc[~duplicated].reset_index(drop=True)
        case_codes, _ = factorize_cases(frame[CASE])
        moments = frame[TIMESTAMP].array.asi8

    frame, case_codes, sort_repairs = _sort_events(frame, case_codes, moments)
    repairs += sort_repairs
    frame, pairing_repairs = _pair_start_complete(frame, case_codes, source)
    repairs += pairing_repairs

    ordered = [*CORE_COLUMNS, *([INSTANCE] if INSTANCE in frame.columns else [])]
    frame = frame[ordered + [column for column in frame.columns if column not in ordered]]
    return frame.reset_index(drop=True), repairs


def parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    source: str,
    timestamp_format: str | None = None,
    timezone: str | None = None,
    allow_missing: bool = False,
) -> tuple[pd.Series, list[Repair]]:
    """Convert a column of timestamps (strings, datetimes or epoch numbers) to timezone-aware UTC datetimes.

    Aware values are converted to UTC (a ``mixed_timezones`` repair when they carry different offsets); naive
    values are read in `timezone` (UTC when None; ambiguous local times as standard time, nonexistent ones
    shifted forward). Numbers are refused unless `timestamp_format` is an epoch unit or a strftime format.

    Args:
        values: the column, in frame order (row numbers in messages are its 1-based positions).
        column: the column name used in messages (the source's name, not the standard one).
        source: the file name used in messages.
        timestamp_format: strftime format, or an epoch unit in `EPOCH_UNITS`.
        timezone: IANA zone of naive values.
        allow_missing: keep empty values as NaT instead of refusing them.

    Returns:
        The UTC datetimes (same index) and the repairs made.

    Raises:
        EventLogError: values missing (unless allowed), unparseable, plain numbers, or naive and aware mixed
            without `timezone`.
    """
    parsed, repairs = _parse_timestamps(
        values, column=column, source=source, timestamp_format=timestamp_format, timezone=timezone,
        allow_missing=allow_missing,
    )
    _refuse_out_of_range(parsed, column, source)
    return parsed, repairs


EARLIEST = pd.Timestamp.min.tz_localize("UTC").ceil("s")
LATEST = pd.Timestamp.max.tz_localize("UTC").floor("s")
"""The moments a log may hold: the measures count time in nanoseconds since 1970 (int64), which spans
1677-09-21 to 2262-04-11."""


def _refuse_out_of_range(parsed: pd.Series, column: str, source: str) -> None:
    """Refuse timestamps the measures cannot hold (before `EARLIEST` or after `LATEST`), listing their rows."""
    outside = ((parsed < EARLIEST) | (parsed > LATEST)).fillna(False).to_numpy(dtype=bool)
    if outside.any():
        raise EventLogError(
            f"{source}: column {column!r} has timestamps outside {EARLIEST:%Y-%m-%d} .. {LATEST:%Y-%m-%d} at "
            f"{format_rows(_rows(outside))} (got {parsed[outside].iloc[0].isoformat()}); expected moments in that "
            f"range (flowlab measures time in nanoseconds) — a wrong year or a wrong --timestamp-format?"
        )


def _parse_timestamps(
    values: pd.Series,
    *,
    column: str,
    source: str,
    timestamp_format: str | None,
    timezone: str | None,
    allow_missing: bool,
) -> tuple[pd.Series, list[Repair]]:
    repairs: list[Repair] = []
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC"), repairs
    if pd.api.types.is_datetime64_dtype(values.dtype):
        return _localise(values, timezone or "UTC"), repairs

    if not allow_missing:
        nulls = _null_rows(values)
        if nulls:
            raise EventLogError(
                f"{source}: column {column!r} is empty at {format_rows(nulls)} (expected a timestamp on every event)"
            )
    present = ~_null_mask(values)
    if timestamp_format in EPOCH_UNITS:
        numbers = pd.to_numeric(values, errors="coerce")
        _refuse_unparsed(values, numbers.isna() & present, column, source, f"numbers of {timestamp_format}")
        nanoseconds = numbers.astype("float64") * _NANOSECONDS[timestamp_format]
        outside = ((nanoseconds < EARLIEST.value) | (nanoseconds > LATEST.value)).fillna(False).to_numpy(dtype=bool)
        if outside.any():
            raise EventLogError(
                f"{source}: column {column!r} has numbers of {timestamp_format} since 1970 that fall outside "
                f"{EARLIEST:%Y-%m-%d} .. {LATEST:%Y-%m-%d} at {format_rows(_rows(outside))} "
                f"(got {values[outside].iloc[0]!r}); expected moments in that range — another epoch unit?"
            )
        return pd.to_datetime(numbers, unit=timestamp_format, utc=True), repairs
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        if timestamp_format is None:
            _refuse_numbers(values, column, source)
        values = values.astype("str")

    text = values.astype("str").str.strip()
    if timestamp_format is None and present.any() and _all_numbers(text[present]):
        _refuse_numbers(values, column, source)

    tails = text.str.slice(-9)
    offset_of_tail = {tail: _offset(tail) for tail in tails.dropna().unique()}
    offsets = tails.map(offset_of_tail)
    aware = offsets.notna().to_numpy()
    naive = present.to_numpy() & ~aware
    if aware.any() and naive.any() and timezone is None:
        raise EventLogError(
            f"{source}: column {column!r} mixes timestamps with a UTC offset ({format_rows(_rows(aware))}, "
            f"e.g. {text[aware].iloc[0]!r}) and without one ({format_rows(_rows(naive))}, "
            f"e.g. {text[naive].iloc[0]!r}); pass timezone='Europe/Amsterdam' (or the zone the naive ones are in)"
        )

    result = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us, UTC]")
    if aware.any():
        result[aware] = _to_datetime(text[aware], timestamp_format, utc=True, source=source)
        counts = offsets[aware].value_counts()
        if len(counts) > 1:
            converted = int(counts.iloc[1:].sum())
            repairs.append(
                Repair(
                    "mixed_timezones",
                    converted,
                    f"column {column!r} carries {len(counts)} different UTC offsets "
                    f"({format_values(list(counts.index))}); all {int(counts.sum())} timestamps converted to UTC "
                    f"({converted} not in the most common offset {counts.index[0]})",
                )
            )
    if naive.any():
        parsed = _to_datetime(text[naive], timestamp_format, utc=False, source=source)
        result[naive] = _localise(parsed, timezone or "UTC")
    _refuse_unparsed(text, result.isna() & present, column, source, "timestamps")
    return result, repairs


def _all_numbers(text: pd.Series) -> bool:
    """True when every value is a plain number; a timestamp among the first values settles it without a full scan."""
    head = text.iloc[:1000]
    if not head.map(lambda value: bool(_NUMBER.match(value))).all():
        return False
    return bool(text.str.fullmatch(_NUMBER.pattern).all())


def _to_datetime(text: pd.Series, timestamp_format: str | None, *, utc: bool, source: str) -> pd.Series:
    """Parse strings with the given format, else ISO 8601, else the format pandas infers; failures become NaT."""
    if timestamp_format is not None:
        try:
            return pd.to_datetime(text, format=timestamp_format, errors="coerce", utc=utc)
        except ValueError as exc:  # a directive strptime does not know ('%Q'), a stray '%'
            raise EventLogError(
                f"{source}: timestamp format {timestamp_format!r} is not a strptime format ({exc}); "
                f"expected directives such as '%Y-%m-%d %H:%M:%S' or '%d/%m/%Y %H:%M', "
                f"or an epoch unit ({', '.join(EPOCH_UNITS)})"
            ) from None
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce", utc=utc)
    failed = int(parsed.isna().sum())
    if failed:
        import warnings

        with warnings.catch_warnings():
            # pandas warns when it cannot infer one format; the unparsed rows are reported by the caller.
            warnings.simplefilter("ignore", UserWarning)
            inferred = pd.to_datetime(text, errors="coerce", utc=utc)
        if int(inferred.isna().sum()) < failed:
            return inferred
    return parsed


def _localise(values: pd.Series, timezone: str) -> pd.Series:
    """Read naive datetimes as local times of `timezone` and convert them to UTC."""
    try:
        local = values.dt.tz_localize(
            timezone, ambiguous=np.zeros(len(values), dtype=bool), nonexistent="shift_forward"
        )
    except (KeyError, ValueError) as exc:  # pytz/zoneinfo raise these for an unknown zone name
        raise EventLogError(f"unknown timezone {timezone!r} (expected an IANA name such as 'Europe/Rome')") from exc
    return local.dt.tz_convert("UTC")


def _offset(tail: str) -> str | None:
    """The UTC offset ('+02:00') a timestamp's last characters carry, or None for a naive timestamp."""
    match = _OFFSET_TAIL.search(tail)
    if match is None:
        return None
    if match.group(1):
        return "+00:00"
    if match.group(2):
        return f"{match.group(2)}:{match.group(3)}"
    if match.group(4):
        return f"{match.group(4)}:{match.group(5)}"
    return f"{match.group(6)}:00"


def _refuse_numbers(values: pd.Series, column: str, source: str) -> None:
    sample = values.dropna().iloc[0] if values.notna().any() else None
    raise EventLogError(
        f"{source}: column {column!r} holds plain numbers, not timestamps (got {sample!r}); "
        f"pass timestamp_format='s' (or 'ms', 'us', 'ns') for time since 1970-01-01 UTC in that unit, "
        f"or a strftime format such as timestamp_format='%Y%m%d%H%M%S'"
    )


def _refuse_unparsed(values: pd.Series, failed: pd.Series, column: str, source: str, expected: str) -> None:
    mask = failed.to_numpy(dtype=bool)
    if mask.any():
        sample = values[mask].iloc[0]
        raise EventLogError(
            f"{source}: column {column!r} has values that are not {expected} at {format_rows(_rows(mask))} "
            f"(got {sample!r}); pass timestamp_format= (e.g. '%d-%m-%Y %H:%M') to say how they are written"
        )


def _normalise_lifecycle(frame: pd.DataFrame, source: str) -> tuple[pd.Series, list[Repair]]:
    """Lower-case lifecycle values (`complete` when the column is absent); refuse non-XES transitions."""
    if LIFECYCLE not in frame.columns:
        return pd.Series(COMPLETE, index=frame.index, dtype="str"), []
    column = frame[LIFECYCLE].astype("str")
    codes, uniques = factorize_column(column)
    normal = pd.array(uniques.str.strip().str.lower(), dtype="str")  # per distinct value, not per event
    missing = (codes < 0) | np.append(np.asarray(normal == "", dtype=bool), True)[codes]
    if not missing.any() and list(normal) == list(uniques):  # written as the contract has them: kept as they are
        lifecycle = column
    else:
        lifecycle = pd.Series(normal.take(codes, allow_fill=True), index=frame.index)
    repairs = []
    if missing.any():
        count = int(missing.sum())
        repairs.append(
            Repair(
                "missing_lifecycle",
                count,
                f"read {count} event(s) without a lifecycle value as 'complete' ({format_rows(_rows(missing))})",
            )
        )
        lifecycle = lifecycle.where(~missing, COMPLETE)
    found = {str(value) for value in normal if value != ""} | ({COMPLETE} if missing.any() else set())
    unknown = sorted(found - XES_LIFECYCLE_TRANSITIONS)
    if unknown:
        original = sorted(set(frame[LIFECYCLE].dropna().astype("str").unique()) - {"start", "complete"})
        raise EventLogError(
            f"{source}: column {LIFECYCLE!r} holds values that are not XES lifecycle transitions "
            f"(got {format_values(original)}); this looks like a status-style log (e.g. BPIC 2013): pass "
            f"classifier=['concept:name', 'lifecycle:transition'] to make each status part of the activity"
        )
    return lifecycle.astype("str"), repairs


def _duplicated_rows(frame: pd.DataFrame, case_codes: np.ndarray, moments: np.ndarray) -> np.ndarray:
    """Rows that exactly repeat an earlier row (all columns equal), as a boolean mask in frame order.

    Exact duplicates share case and timestamp, so only rows whose (case, timestamp) occurs more than once are
    compared on all columns; a log without such rows (the usual case) costs one sort check and no hashing.
    """
    order = np.arange(len(frame)) if is_lexsorted([moments, case_codes]) else np.lexsort((moments, case_codes))
    codes, times = case_codes[order], moments[order]
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[1:] = (codes[1:] == codes[:-1]) & (times[1:] == times[:-1])
    duplicated = np.zeros(len(frame), dtype=bool)
    if not repeated.any():
        return duplicated
    member = repeated.copy()
    member[:-1] |= repeated[1:]
    candidates = np.sort(order[member])
    # exact duplicates also share their activity and lifecycle: only rows that share those too are compared on every
    # column (most ties of a simulated log are a visit's complete and the next visit's start, which differ there)
    chosen = np.zeros(len(frame), dtype=bool)
    chosen[candidates] = True
    keys = [factorize_column(frame[column], chosen)[0] for column in (LIFECYCLE, ACTIVITY) if column in frame.columns]
    keys += [moments[candidates], case_codes[candidates]]
    within = np.lexsort(keys)
    same = np.ones(len(candidates) - 1, dtype=bool)
    for key in keys:
        ordered = key[within]
        same &= ordered[1:] == ordered[:-1]
    shared = np.zeros(len(candidates), dtype=bool)
    shared[within[1:][same]] = True
    shared[within[:-1][same]] = True
    candidates = candidates[shared]
    duplicated[candidates] = frame.iloc[candidates].duplicated(keep="first").to_numpy()
    return duplicated


def _sort_events(
    frame: pd.DataFrame, case_codes: np.ndarray, moments: np.ndarray
) -> tuple[pd.DataFrame, np.ndarray, list[Repair]]:
    """Sort stably by case (order of each case's first row) then timestamp; returns the case codes in the new order.

    Cases interleaved in time order (as the simulator and most systems write them) are normal, not a repair; an
    event earlier than the event before it in the same case is out of order, and those are counted.
    """
    if is_lexsorted([moments, case_codes]):
        return frame, case_codes, []
    order = np.lexsort((moments, case_codes))
    previous_in_case = pd.Series(moments).groupby(case_codes).shift(1).to_numpy()
    out_of_order = int((moments < previous_in_case).sum())
    sorted_frame = frame.iloc[order].reset_index(drop=True)
    if not out_of_order:
        return sorted_frame, case_codes[order], []
    repair = Repair(
        "unsorted",
        out_of_order,
        f"sorted the events of each case by timestamp ({out_of_order} event(s) came before an earlier event "
        "of their case)",
    )
    return sorted_frame, case_codes[order], [repair]


def _pair_start_complete(
    frame: pd.DataFrame, case_codes: np.ndarray, source: str
) -> tuple[pd.DataFrame, list[Repair]]:
    """Pair each complete with the earliest open start before it (`mining.pairing.pair_open_close`); drop starts
    never completed; count completes left without a start where their activity has starts elsewhere.

    `frame` is sorted by case then timestamp and `case_codes` are its case codes. Groups are (case,
    `concept:instance`) when the log has instance ids, else (case, activity), as one integer key. A complete of an
    activity that never has a start event is an atomic event (XES allows them) and no repair.
    """
    is_start = (frame[LIFECYCLE] == START).to_numpy(dtype=bool, na_value=False)
    if not is_start.any():
        return frame, []
    is_complete = (frame[LIFECYCLE] == COMPLETE).to_numpy(dtype=bool, na_value=False)
    rows = np.flatnonzero(is_start | is_complete)
    side = is_complete[rows]
    moments = frame[TIMESTAMP].array.asi8

    # the cases in the simplest shape (each start directly followed by its complete) are paired without grouping;
    # the others, usually a few, in full
    start_of = np.full(len(frame), -1, dtype=np.int64)
    keys = [frame[ACTIVITY], *([frame[INSTANCE]] if INSTANCE in frame.columns else [])]
    split = adjacent_pairs(is_start, is_complete, moments, case_codes, keys)
    unpaired = rows
    if split is not None:
        start_of, rest = split
        unpaired = rows[rest[rows]]
    if len(unpaired):
        start_of[unpaired] = _pair_in_full(frame, unpaired, is_complete[unpaired], case_codes, moments)
    start_of = start_of[rows]
    paired = start_of >= 0
    by_start = np.argsort(start_of[paired], kind="stable")  # pairs in the order of their start events
    start_rows = start_of[paired][by_start]
    complete_rows = rows[paired][by_start]
    if len(start_rows) >= MIN_FABRICATED and bool((moments[start_rows] == moments[complete_rows]).all()):
        # every start carries its complete's timestamp: the export made them up, they measure nothing
        frame = frame.loc[~is_start].reset_index(drop=True)
        return frame, [
            Repair(
                "fabricated_starts",
                int(is_start.sum()),
                f"dropped {int(is_start.sum())} start event(s): every start has the timestamp of its complete, so the "
                "export made them up and they measure no work; the log is read as complete-only (wait and work are "
                "estimated where resources are known, unknown where not) instead of reporting 0% flow efficiency",
            )
        ]

    repairs = []
    lone = rows[side & ~paired]
    unexpected = lone
    if len(lone):  # a lone complete of an activity that never starts is atomic, not a repair
        activity_codes, activity_names = factorize_column(frame[ACTIVITY])
        has_starts = np.zeros(len(activity_names) + 1, dtype=bool)
        has_starts[activity_codes[is_start]] = True
        unexpected = lone[has_starts[activity_codes[lone]]]
    if len(unexpected):
        cases = list(dict.fromkeys(frame[CASE].to_numpy()[unexpected]))
        repairs.append(
            Repair(
                "unmatched_complete",
                len(unexpected),
                f"kept {len(unexpected)} complete event(s) that had no open start event of their activity before "
                f"them as visits without an observed start: their wait/work split is estimated "
                f"(cases {format_values(cases)})",
            )
        )
    unmatched_mask = is_start.copy()
    unmatched_mask[start_rows] = False
    unmatched = np.flatnonzero(unmatched_mask)
    if INSTANCE not in frame.columns:
        instance = np.full(len(frame), -1, dtype=np.int64)
        numbers = np.arange(len(start_rows), dtype=np.int64)
        instance[start_rows] = numbers
        instance[complete_rows] = numbers
        lone_rows = np.flatnonzero(is_complete & (instance < 0))
        instance[lone_rows] = np.arange(len(start_rows), len(start_rows) + len(lone_rows), dtype=np.int64)
        frame = frame.assign(**{INSTANCE: pd.arrays.IntegerArray(np.maximum(instance, 0), instance < 0)})
    if len(unmatched):
        cases = list(dict.fromkeys(frame[CASE].to_numpy()[unmatched]))
        repairs.append(
            Repair(
                "unmatched_start",
                len(unmatched),
                f"dropped {len(unmatched)} start event(s) without a complete event "
                f"(cases {format_values(cases)})",
            )
        )
        frame = frame.drop(index=unmatched).reset_index(drop=True)
    return frame, repairs


def _pair_in_full(
    frame: pd.DataFrame, rows: np.ndarray, side: np.ndarray, case_codes: np.ndarray, moments: np.ndarray
) -> np.ndarray:
    """`mining.pairing.pair_open_close` of the start (`side` False) and complete rows `rows`, grouped by (case,
    activity), or by (case, `concept:instance`) when the log has instance ids and they disagree with those pairs."""

    chosen = np.zeros(len(frame), dtype=bool)
    chosen[rows] = True

    def pair_within(key: str) -> np.ndarray:
        key_codes, key_names = factorize_column(frame[key], chosen)  # the codes of `rows` only
        key_codes = np.where(key_codes < 0, len(key_names), key_codes)  # a missing key is a value of its own
        group = case_codes[rows] * (len(key_names) + 1) + key_codes
        return pair_open_close(rows, side, group, moments[rows], case_codes[rows])

    start_of = pair_within(ACTIVITY)
    if INSTANCE in frame.columns:
        # pairing by activity is the same as by instance id when every event is paired and every pair shares its
        # id (the usual log): checked without hashing the ids, which are often one per visit
        matched = start_of >= 0
        if int(matched.sum()) * 2 != len(rows) or not same_values(frame[INSTANCE], start_of[matched], rows[matched]):
            start_of = pair_within(INSTANCE)
    return start_of


def _null_mask(values: pd.Series) -> pd.Series:
    """True where a value is missing or an empty/blank string."""
    arrow = arrow_strings(values)
    if arrow is not None:  # by Arrow, without a stripped copy of every value (pandas' strip is Arrow's trim)
        import pyarrow.compute as pc

        blank = pc.or_(pc.equal(pc.binary_length(arrow), 0), pc.utf8_is_space(arrow))
        return pd.Series(pc.fill_null(blank, True).to_numpy(zero_copy_only=False), index=values.index)
    mask = values.isna()
    if pd.api.types.is_string_dtype(values.dtype) or values.dtype == object:
        mask = mask | (values.astype("str").str.strip() == "").fillna(True)
    return mask.astype(bool)


def _null_rows(values: pd.Series) -> list[int]:
    return _rows(_null_mask(values).to_numpy())


def _rows(mask: np.ndarray) -> list[int]:
    """1-based row numbers where `mask` is True."""
    return [int(position) + 1 for position in np.flatnonzero(mask)]


__all__ = ["EPOCH_UNITS", "REPAIRS_ATTR", "Repair", "parse_timestamps", "repair_log", "validate_log"]
