"""`read_log`: the one entry point that turns an event-log file into the DESIGN.md event log frame."""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mining.codes import chunked_strings
from mining.columns import ACTIVITY, CASE, COMPLETE, INSTANCE, LIFECYCLE, RESOURCE, START, TIMESTAMP
from mining.errors import EventLogError, LogRepairWarning, LogShapeWarning, format_rows, format_values
from mining.inflate import read_gzip
from mining.limits import MAX_CELL_CHARS
from mining.read_xes import read_xes_frame
from mining.snapshots import looks_like_snapshots, read_states, repeated_share
from mining.validate import REPAIRS_ATTR, Repair, parse_timestamps, repair_log

FORMATS = ("xes", "csv", "parquet", "ocel")
"""Values of `read_log(format=...)`."""

# Column names auto-detected in CSV/Parquet files when no keyword names the column (compared lower-case,
# without spaces, '_', '-', ':'). The standard XES name always wins.
_ALIASES: dict[str, tuple[str, ...]] = {
    CASE: ("caseid", "case", "caseconceptname", "traceid"),
    ACTIVITY: ("activity", "activityname", "conceptname", "task", "event"),
    TIMESTAMP: ("timetimestamp", "timestamp", "completetimestamp", "endtimestamp", "endtime", "end", "time"),
    RESOURCE: ("orgresource", "resource", "user"),
    LIFECYCLE: ("lifecycletransition", "lifecycle", "transition"),
}
_START_ALIASES = ("starttimestamp", "starttime", "start")
STANDARD_NAMES = (CASE, ACTIVITY, TIMESTAMP, RESOURCE, LIFECYCLE, INSTANCE)


def read_log(
    path: str | Path,
    *,
    format: str | None = None,
    case: str | None = None,
    activity: str | None = None,
    timestamp: str | None = None,
    start_timestamp: str | None = None,
    resource: str | None = None,
    lifecycle: str | None = None,
    classifier: Sequence[str] | None = None,
    timestamp_format: str | None = None,
    timezone: str | None = None,
    separator: str | None = None,
    states: bool = False,
) -> pd.DataFrame:
    """Read an event log file (XES, XES.gz, CSV, CSV.gz, Parquet, OCEL 1.0 JSON) into the DESIGN.md frame.

    The result has one row per event and the columns `case:concept:name`, `concept:name`,
    `lifecycle:transition` (`start`/`complete`; all `complete` for complete-only logs), `time:timestamp`
    (timezone-aware UTC), `org:resource` (NA when unknown), then `concept:instance` (pairing start and
    complete) when the log has start events, then the other case (`case:*`) and event attributes as they came.
    Events are sorted by case (in order of each case's first row) then timestamp; the index is 0..n-1.
    Repairs made on the way (see `mining.validate`) are warned as `LogRepairWarning` and kept in
    ``log.attrs["flowlab:repairs"]`` as plain dicts.

    Args:
        path: the file. Its suffix gives the format unless `format` is given.
        format: ``"xes"`` (also .xes.gz), ``"csv"`` (also .csv.gz), ``"parquet"`` or ``"ocel"`` (.jsonocel).
        case: source column of the case id. For OCEL, the object type to flatten on (default: the type named
            ``case:concept:name``).
        activity: source column of the activity.
        timestamp: source column of the (complete) timestamp.
        start_timestamp: source column of the start timestamp, for tables with one row per activity instance
            (start and end columns): each row becomes a `start` and a `complete` event sharing a
            `concept:instance` id.
        resource: source column of the resource.
        lifecycle: source column of the lifecycle transition.
        classifier: columns joined with '+' into the activity, after which the lifecycle is set to `complete`;
            for status-style logs such as BPIC 2013, where `lifecycle:transition` holds a status (Queued,
            In Progress, ...) rather than start/complete: ``classifier=["concept:name", "lifecycle:transition"]``
            gives activities like ``"Accepted+In Progress"``. Without it such a log is refused, not misread.
        timestamp_format: strftime format of the timestamps, or an epoch unit (``"s"``, ``"ms"``, ``"us"``,
            ``"ns"``) for numbers; None reads ISO 8601 or the format pandas infers from the first value.
        timezone: IANA zone of naive timestamps (aware ones are converted to UTC). None reads naive
            timestamps as UTC, and refuses a column mixing naive and aware values.
        separator: CSV delimiter; None sniffs it from the first lines.
        states: the log is a state-snapshot export (each row records the state after an update, as ITSM tools
            write them): each run of rows with one state becomes one visit that completes when the case leaves
            the state (`mining.snapshots`). Without it, a complete-only log in which many rows repeat the state
            before them gets a `LogShapeWarning` suggesting it.

    When a keyword is None the standard XES name is used; CSV and Parquet files also have a few common names
    auto-detected (compared ignoring case, spaces and '_'): case ``Case ID``/``case_id``/``case``, activity
    ``Activity``/``task``, timestamp ``Timestamp``/``Complete Timestamp``/``end_time``, resource
    ``Resource``/``user``, lifecycle ``lifecycle``/``transition``, and a start column ``start_time``/
    ``Start Timestamp`` when there is no lifecycle column.

    Raises:
        EventLogError: the file cannot be read as an event log; the message names the file, the place
            (column, 1-based data rows, line) and what was expected.
    """
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise EventLogError(f"{name}: no such file ({path})")
    kind = _format_of(path, format)
    if kind == "xes":
        raw, auto = read_xes_frame(path), False
    elif kind == "csv":
        raw, auto = _read_csv(path, separator), True
    elif kind == "parquet":
        raw, auto = _read_parquet(path), True
    else:
        raw, auto = _read_ocel(path, case), False
        case = None
    used = {*STANDARD_NAMES, *(column for column in (case, activity, timestamp, resource, lifecycle,
                                                     start_timestamp) if column is not None), *(classifier or ())}
    raw, renamings = _settle_duplicate_columns(raw, name, used, auto)
    _refuse_long_cells(raw, name)
    mapped, start_column = _map_columns(
        raw,
        name,
        auto=auto,
        roles={CASE: case, ACTIVITY: activity, TIMESTAMP: timestamp, RESOURCE: resource, LIFECYCLE: lifecycle},
        start_timestamp=start_timestamp,
    )
    if start_column is not None:
        mapped = _expand_start_end(mapped, start_column, name, timestamp_format, timezone)
    if classifier is not None:
        mapped = _apply_classifier(mapped, classifier, name)
    log, repairs = repair_log(mapped, source=name, timestamp_format=timestamp_format, timezone=timezone)
    repairs = [*(Repair("duplicate_columns", 0, message) for message in renamings), *repairs]
    if states:
        log, merged = read_states(log, source=name)
        repairs.append(Repair("states", merged, f"read as state snapshots: {len(log):,} state visits, each ending "
                              f"when the case left the state ({merged:,} rows repeating their state merged)"))
    elif looks_like_snapshots(log):
        warnings.warn(
            f"{name}: {repeated_share(log):.0%} of the rows repeat the activity of the row before them in their case, "
            "as in a state-snapshot export (each row the state after an update); if so, read it with --states "
            "(states=True) so that the time in a state is counted for that state",
            LogShapeWarning,
            stacklevel=2,
        )
    for repair in repairs:
        warnings.warn(f"{name}: {repair.message}", LogRepairWarning, stacklevel=2)
    log.attrs[REPAIRS_ATTR] = [repair.as_dict() for repair in repairs]
    return log


def _settle_duplicate_columns(
    frame: pd.DataFrame, name: str, used: set[str], auto: bool
) -> tuple[pd.DataFrame, list[str]]:
    """Columns of one name: refused when flowlab would read one of them as the case, activity, timestamp, resource,
    lifecycle or start (which one it took would be an accident); otherwise each later one is renamed
    ``'Variant (column 7)'`` and the renaming reported. Returns the frame and the messages."""
    columns = [str(column) for column in frame.columns]
    positions: dict[str, list[int]] = {}
    for position, column in enumerate(columns, start=1):
        positions.setdefault(column, []).append(position)
    repeated = {column: where for column, where in positions.items() if len(where) > 1}
    if not repeated:
        return frame, []
    for column, where in repeated.items():
        normalised = _normalised(column)
        if column in used or (auto and any(normalised in aliases for aliases in (*_ALIASES.values(), _START_ALIASES))):
            raise EventLogError(
                f"{name}: the header names column {column!r} {len(where)} times (columns "
                f"{', '.join(map(str, where))}); flowlab reads that name as a column of the log and cannot tell "
                f"which one is meant — rename all but one"
            )
    renamed = list(columns)
    messages = []
    for column, where in repeated.items():
        for position in where[1:]:
            renamed[position - 1] = f"{column} (column {position})"
        later = ", ".join(repr(renamed[position - 1]) for position in where[1:])
        messages.append(
            f"the header names column {column!r} {len(where)} times (columns {', '.join(map(str, where))}); "
            f"the first keeps the name, the others are read as {later}"
        )
    result = frame.copy(deep=False)
    result.columns = pd.Index(renamed, dtype=object)
    return result, messages


def _refuse_long_cells(frame: pd.DataFrame, name: str) -> None:
    """Refuse a value (or column name) longer than `MAX_CELL_CHARS`: no event-log field needs one, and every
    table, picture and report would carry it."""
    limit = MAX_CELL_CHARS.value()
    for column in frame.columns:
        if len(str(column)) > limit:
            raise EventLogError(
                f"{name}: a column name " + MAX_CELL_CHARS.refusal(f"has {len(str(column)):,} characters")
            )
        values = frame[column]
        if not (pd.api.types.is_string_dtype(values.dtype) or values.dtype == object):
            continue
        if _longest_bytes(values) <= limit:  # a value has at most as many characters as bytes
            continue
        try:
            lengths = values.str.len()
        except AttributeError:  # no strings in the column (lists or numbers of an OCEL attribute)
            continue
        too_long = (lengths > limit).fillna(False).to_numpy(dtype=bool)
        if too_long.any():
            rows = (too_long.nonzero()[0] + 1).tolist()
            raise EventLogError(
                f"{name}: column {str(column)!r} at {format_rows(rows)}: a value "
                + MAX_CELL_CHARS.refusal(f"has {int(lengths.max()):,} characters")
            )


def _longest_bytes(values: pd.Series) -> float:
    """Bytes of the longest value of an Arrow-backed string column, read off its offsets without decoding a
    character (inf for any other column, whose characters are then counted)."""
    import pyarrow.compute as pc

    strings = chunked_strings(values)  # as read: measured chunk by chunk, not joined
    if strings is None:
        return math.inf
    longest = pc.max(pc.binary_length(strings)).as_py()
    return 0.0 if longest is None else float(longest)


def _format_of(path: Path, given: str | None) -> str:
    if given is not None:
        if given not in FORMATS:
            raise EventLogError(f"{path.name}: unknown format {given!r} (expected one of {', '.join(FORMATS)})")
        return given
    suffixes = "".join(path.suffixes[-2:]).lower()
    for suffix, kind in (
        (".xes.gz", "xes"),
        (".xes", "xes"),
        (".csv.gz", "csv"),
        (".csv", "csv"),
        (".parquet", "parquet"),
        (".jsonocel", "ocel"),
        (".ocel.json", "ocel"),
    ):
        if suffixes.endswith(suffix):
            return kind
    raise EventLogError(
        f"{path.name}: cannot tell the format from the suffix {path.suffix!r} "
        f"(expected .xes, .xes.gz, .csv, .csv.gz, .parquet, .jsonocel, or pass format= one of {', '.join(FORMATS)})"
    )


def _read_csv(path: Path, separator: str | None) -> pd.DataFrame:
    name = path.name
    source: Path | io.BytesIO = path
    try:
        if name.lower().endswith(".gz"):
            data = read_gzip(path)  # at most the inflate limit, however well the file compresses
            source = io.BytesIO(data)
            head = bytes(data[: 1 << 16])
        else:
            with path.open("rb") as stream:
                head = stream.read(1 << 16)
        sample = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=len(head) < 1 << 16)
    except (OSError, UnicodeDecodeError) as exc:
        raise EventLogError(f"{name}: cannot read the file as UTF-8 text ({exc})") from exc
    if not sample.strip():
        raise EventLogError(f"{name}: the log is empty (no header and no events)")
    if separator is None:
        try:
            separator = csv.Sniffer().sniff(sample[: sample.rfind("\n") + 1] or sample, ",;\t|").delimiter
        except csv.Error:
            separator = ","
    header = _header(sample, separator)
    try:
        frame = _parse_csv(source, separator)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError, EOFError) as exc:
        raise EventLogError(f"{name}: not a readable CSV with separator {separator!r} ({exc})") from exc
    if frame.shape[1] == 1:
        (only,) = frame.columns
        raise EventLogError(
            f"{name}: the header has a single column {only!r} (separator {separator!r}); an event log needs "
            f"several (case, activity, timestamp); pass separator=';' (or the delimiter the file uses)"
        )
    if header is not None and len(header) == frame.shape[1] and len(set(header)) < len(header):
        frame.columns = pd.Index(header, dtype=object)  # the names as written: repeats are settled by read_log
    return frame


def _header(sample: str, separator: str) -> list[str] | None:
    """The header row as written (pandas renames a repeated name 'x.1'), None when the csv module cannot read it."""
    try:
        return next(csv.reader(io.StringIO(sample), delimiter=separator), None)
    except csv.Error:
        return None


def _parse_csv(source: Path | io.BytesIO, separator: str) -> pd.DataFrame:
    """Every column as strings; pyarrow's multi-threaded parser first, pandas' C parser for anything it refuses.

    The C parser's messages name the line, so a file pyarrow cannot read is parsed again by it: either it reads
    the file (a dialect pyarrow does not take) or its error is the one reported.
    """
    options = {"sep": separator, "dtype": "str", "keep_default_na": True, "encoding": "utf-8-sig"}
    try:
        return pd.read_csv(source, engine="pyarrow", **options)
    except Exception:  # any refusal by pyarrow is retried (and explained) by the C parser below
        if isinstance(source, io.BytesIO):
            source.seek(0)
        return pd.read_csv(source, engine="c", **options)


def _read_parquet(path: Path) -> pd.DataFrame:
    import pyarrow
    from pyarrow import parquet

    try:
        return parquet.ParquetFile(path).read().to_pandas()  # read_table refuses repeated column names
    except (pyarrow.ArrowException, OSError) as exc:
        raise EventLogError(f"{path.name}: not a readable Parquet file ({exc})") from exc


def _read_ocel(path: Path, object_type: str | None) -> pd.DataFrame:
    """Flatten an OCEL 1.0 JSON log on one object type: one event row per related object of that type.

    The structure is checked before it is used: a missing key, a list where a mapping belongs or a null object is
    refused with its place in the file (``ocel:events['e7'].ocel:omap``) and what was expected.
    """
    name = path.name
    try:
        with path.open("rb") as stream:
            document = json.load(stream)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise EventLogError(f"{name}: not an OCEL 1.0 JSON log ({type(exc).__name__}: {exc})") from exc
    document = _ocel_part(document, dict, name, "the top level", "a mapping with ocel:global-log, ocel:events")
    for key in ("ocel:global-log", "ocel:events"):
        if key not in document:
            raise EventLogError(f"{name}: not an OCEL 1.0 JSON log (the top level has no {key!r}; keys found: "
                                f"{format_values(list(document)) or 'none'})")  # fmt: skip
    global_log = _ocel_part(document["ocel:global-log"], dict, name, "ocel:global-log", "a mapping")
    types = _ocel_part(global_log.get("ocel:object-types"), list, name, "ocel:global-log.ocel:object-types",
                       "a list of object type names")  # fmt: skip
    events = _ocel_part(document["ocel:events"], dict, name, "ocel:events", "a mapping from event ids to events")
    objects = _ocel_part(document.get("ocel:objects", {}), dict, name, "ocel:objects",
                         "a mapping from object ids to objects")  # fmt: skip
    if object_type is None:
        object_type = CASE if CASE in types else None
    if object_type not in types:
        raise EventLogError(
            f"{name}: object type {object_type!r} not in the log; pass case= one of {format_values(types)}"
        )
    type_of: dict[str, object] = {}
    for key, value in objects.items():
        where = f"ocel:objects[{key!r}]"
        type_of[key] = _ocel_part(value, dict, name, where, "an object with ocel:type").get("ocel:type")
    rows: list[dict[str, object]] = []
    for event_id, entry in events.items():
        where = f"ocel:events[{event_id!r}]"
        event = _ocel_part(entry, dict, name, where, "an event with ocel:activity, ocel:timestamp, ocel:omap")
        related = _ocel_part(event.get("ocel:omap", []), list, name, f"{where}.ocel:omap", "a list of object ids")
        values = _ocel_part(event.get("ocel:vmap", {}), dict, name, f"{where}.ocel:vmap",
                            "a mapping of attribute values")  # fmt: skip
        if not all(isinstance(obj, str) for obj in related):
            raise EventLogError(f"{name}: {where}.ocel:omap must be a list of object ids (text) (got {related!r:.80})")
        resources = [obj for obj in related if type_of.get(obj) == RESOURCE]
        for obj in related:
            if type_of.get(obj) == object_type:
                rows.append(
                    {
                        CASE: obj,
                        ACTIVITY: event.get("ocel:activity"),
                        TIMESTAMP: event.get("ocel:timestamp"),
                        RESOURCE: resources[0] if resources else None,
                        "ocel:eid": event_id,
                        **values,
                    }
                )
    return pd.DataFrame(rows)


def _ocel_part(value: object, kind: type, name: str, where: str, expected: str) -> Any:
    """`value` when it is of `kind`; else the refusal naming the place in the OCEL file and what was expected."""
    if not isinstance(value, kind):
        got = "null" if value is None else type(value).__name__
        raise EventLogError(f"{name}: {where} must be {expected} (got {got}); not an OCEL 1.0 JSON log")
    return value


def _normalised(column: object) -> str:
    return "".join(ch for ch in str(column).lower() if ch.isalnum())


def _map_columns(
    raw: pd.DataFrame,
    name: str,
    *,
    auto: bool,
    roles: dict[str, str | None],
    start_timestamp: str | None,
) -> tuple[pd.DataFrame, str | None]:
    """Rename the source columns to the standard names; returns the frame and the start column, if any."""
    found = list(raw.columns)
    keyword = {CASE: "case", ACTIVITY: "activity", TIMESTAMP: "timestamp", RESOURCE: "resource",
               LIFECYCLE: "lifecycle"}
    renames: dict[str, str] = {}
    for standard, given in roles.items():
        if given is not None:
            if given not in raw.columns:
                raise EventLogError(
                    f"{name}: column {given!r} (given as {keyword[standard]}=) not found; "
                    f"columns found: {format_values(found)}"
                )
            renames[given] = standard
    taken = set(renames) | set(renames.values())
    for standard, given in roles.items():
        if given is not None or standard in raw.columns:
            continue
        if auto:
            for column in found:
                if column not in taken and _normalised(column) in _ALIASES[standard]:
                    renames[column] = standard
                    taken |= {column, standard}
                    break
    start_column = start_timestamp
    if start_column is not None and start_column not in raw.columns:
        raise EventLogError(
            f"{name}: column {start_column!r} (given as start_timestamp=) not found; columns found: "
            f"{format_values(found)}"
        )
    if start_column is None and auto and LIFECYCLE not in renames.values() and LIFECYCLE not in raw.columns:
        start_column = next(
            (column for column in found if column not in taken and _normalised(column) in _START_ALIASES), None
        )
    # A mapped column wins over a column that already had the standard name; keep the other under a new name.
    clashes = {standard: f"{standard} (unmapped)" for source, standard in renames.items()
               if standard in raw.columns and source != standard}
    frame = raw.rename(columns=clashes).rename(columns=renames)
    return frame, start_column


def _expand_start_end(
    frame: pd.DataFrame, start_column: str, name: str, timestamp_format: str | None, timezone: str | None
) -> pd.DataFrame:
    """One row per activity instance (start and end columns) -> a start and a complete event per row."""
    if LIFECYCLE in frame.columns:
        raise EventLogError(
            f"{name}: both a lifecycle column and start_timestamp={start_column!r} given; a table has either "
            f"one row per event (lifecycle) or one row per activity instance (start and end columns)"
        )
    if TIMESTAMP not in frame.columns:
        return frame  # repair_log reports the missing column with the columns found
    starts, _ = parse_timestamps(
        frame[start_column], column=start_column, source=name, timestamp_format=timestamp_format,
        timezone=timezone,
    )
    ends, _ = parse_timestamps(
        frame[TIMESTAMP], column=TIMESTAMP, source=name, timestamp_format=timestamp_format, timezone=timezone
    )
    rest = frame.drop(columns=[start_column]).reset_index(drop=True)
    rows = rest.index.repeat(2)
    expanded = rest.loc[rows].reset_index(drop=True)
    moments = pd.concat([starts.reset_index(drop=True), ends.reset_index(drop=True)]).sort_index(kind="stable")
    expanded[TIMESTAMP] = moments.reset_index(drop=True)
    expanded[LIFECYCLE] = pd.Series([START, COMPLETE] * len(rest), dtype="str")
    expanded[INSTANCE] = pd.Series(rows, dtype="int64")
    if CASE not in expanded.columns or expanded[TIMESTAMP].isna().any():
        return expanded  # repair_log reports the missing column or timestamps
    # A table of activity instances has no event order of its own: put the events it implies in time order within
    # each case here, so that sorting is not reported as a repair of the input (overlapping instances in a sorted
    # file would otherwise count as events "out of order").
    case_codes = pd.factorize(expanded[CASE])[0]
    order = np.lexsort((np.arange(len(expanded)), expanded[TIMESTAMP].array.asi8, case_codes))
    return expanded.iloc[order].reset_index(drop=True)


def _apply_classifier(frame: pd.DataFrame, classifier: Sequence[str], name: str) -> pd.DataFrame:
    """Join the classifier columns into the activity and mark every event `complete`."""
    if isinstance(classifier, str) or not classifier:
        raise EventLogError(
            f"{name}: classifier must be a non-empty list of column names (got {classifier!r}), "
            f"e.g. classifier=['concept:name', 'lifecycle:transition']"
        )
    missing = [column for column in classifier if column not in frame.columns]
    if missing:
        raise EventLogError(
            f"{name}: classifier column(s) {format_values(missing)} not found; columns found: "
            f"{format_values(list(frame.columns))}"
        )
    joined = frame[classifier[0]].astype("str")
    for column in classifier[1:]:
        joined = joined + "+" + frame[column].astype("str").fillna("")
    return frame.assign(**{ACTIVITY: joined, LIFECYCLE: COMPLETE})


__all__ = ["FORMATS", "read_log"]
