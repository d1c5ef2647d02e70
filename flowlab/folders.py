"""Results folders, written whole or not at all by one helper, each with a manifest saying what kind of folder it is.

`write_folder` is the one place that writes a results folder: it has a command fill a hidden scratch folder beside
the target (every file, the report included), writes the manifest last and renames the scratch into place, so a
failure (an error, a full disk, Ctrl-C, SIGTERM) never leaves half a result where a finished one is expected: the
target is at every moment the earlier complete folder or the complete new one. It replaces only an empty folder or a
flowlab results folder of the same kind, so a mistyped `--out` never deletes someone's work (nor the run a comparison
reads). `read_manifest` tells `flowlab report` what it is looking at, instead of guessing from the files;
`write_file_atomically` replaces one file of an existing folder (a rebuilt report) the same way.

Scratch folders and files are named ``.<name>-<pid>-<random>.partial`` (an earlier folder set aside during the
rename, ``.<name>-<pid>-<random>.old``), so that what a process killed by SIGKILL left behind is recognisable: the
next write into the same parent removes those whose process is gone (`remove_stale_scratch`), and puts back an
earlier folder that was set aside when its new one never arrived.

The manifest, `flowlab.json`::

    {"kind": "mine", "format_version": 1, "flowlab_version": "0.1.0", "created": "2026-01-05T09:30:12+00:00",
     "command": "flowlab mine finale.csv", "inputs": ["finale.csv"], "files": ["bottlenecks.csv", "case_times.csv", …]}

`kind` is one of `run`, `mine`, `compare`, `sweep`, `calibrate`; `created` is UTC; `command` is the command and its
main arguments; `inputs` are the files it read; `files` are the paths, relative and sorted, of what it wrote (a report
rebuilt later by `flowlab report` is not added). Readers ignore keys they do not know.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Annotated, Literal, get_args

from pydantic import Field, TypeAdapter, ValidationError

from flowlab.interruptions import held_signals, pause_point
from mining.errors import EventLogError

__all__ = [
    "FOLDER_KINDS",
    "MANIFEST_FILE",
    "MANIFEST_FORMAT_VERSION",
    "FolderKind",
    "Manifest",
    "ResultsFolderError",
    "make_scratch",
    "read_manifest",
    "remove_scratch",
    "remove_stale_scratch",
    "replace_folder",
    "write_file_atomically",
    "write_folder",
]

MANIFEST_FILE = "flowlab.json"
"""Name of the manifest inside every results folder."""
MANIFEST_FORMAT_VERSION = 1
"""Version of the manifest's layout; raise it when a field changes meaning."""
FolderKind = Literal["run", "mine", "compare", "sweep", "calibrate"]
"""The command that wrote a results folder."""
FOLDER_KINDS: tuple[FolderKind, ...] = get_args(FolderKind)

_KIND_BY_FILE: tuple[tuple[str, FolderKind], ...] = (
    ("comparison.json", "compare"),
    ("sweep.json", "sweep"),
    ("event_log.parquet", "run"),
    ("stage_times.parquet", "mine"),
)
"""Folders written before manifests: the file that tells each kind, checked in this order."""
_SCRATCH = re.compile(r"^\.(?P<name>.+)-(?P<pid>\d+)-[0-9a-f]{12}\.(?P<kind>partial|old)$")
"""Names of scratch and set-aside entries: `.<name>-<pid>-<12 hex digits>.partial` or `.old`."""
_OLD_RESULT_FILES = ("summary.json", "comparison.json", "sweep.json")
"""Files that mark a folder written by flowlab before manifests, so that it may be replaced (an event log alone
does not: it may be someone's data)."""


class ResultsFolderError(EventLogError):
    """A folder that cannot be read as a flowlab results folder: a malformed manifest, or no sign of its kind.

    A subclass of `EventLogError` because the commands print that as one clean line (`flowlab report`, `mine`, …).
    """


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a results folder is and how it was made: `flowlab.json` as a record (see the module docstring).

    A folder written before manifests existed reads as `format_version` 0, its kind recognised by its files and
    the version, time, command and inputs left empty (unknown).
    """

    kind: FolderKind
    format_version: Annotated[int, Field(ge=1)]
    flowlab_version: str
    created: str
    """When the folder was written, UTC, ISO 8601 (``2026-01-05T09:30:12+00:00``)."""
    command: str
    inputs: tuple[str, ...]
    files: tuple[str, ...]


def write_folder(
    target: Path,
    kind: FolderKind,
    fill: Callable[[Path], None],
    *,
    command: str = "",
    inputs: Sequence[str] = (),
) -> Path:
    """Write the results folder `target` whole or not at all, with its manifest; return `target`.

    `fill(scratch)` writes the folder's files into a hidden scratch folder beside `target`; the manifest is written
    last, listing them, and the scratch is then renamed to `target` (see `replace_folder`). If anything raises,
    KeyboardInterrupt included, the scratch is removed and an existing `target` is left as it was.

    Raises:
        FileExistsError: `target` exists and is neither empty nor a flowlab results folder of this `kind` (so a
            mistyped `--out` deletes nothing); checked before `fill` runs and again just before the rename.
        ValueError: `kind` is not one of `FOLDER_KINDS`.
    """
    if kind not in FOLDER_KINDS:
        raise ValueError(f"kind must be one of {', '.join(FOLDER_KINDS)} (got {kind!r})")
    target = Path(target)
    place = Path(os.path.abspath(target))  # `.` and `..` named; symbolic links not followed
    if place.parent.is_dir():
        remove_stale_scratch(place.parent)  # before looking at the target: a killed write may have set it aside
    _refuse_to_replace(target, kind)
    place.parent.mkdir(parents=True, exist_ok=True)
    scratch = make_scratch(place.parent, place.name)
    try:
        fill(scratch)
        manifest = Manifest(
            kind=kind,
            format_version=MANIFEST_FORMAT_VERSION,
            flowlab_version=_flowlab_version(),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            command=command,
            inputs=tuple(inputs),
            files=_list_files(scratch),
        )
        (scratch / MANIFEST_FILE).write_text(json.dumps(asdict(manifest), indent=2) + "\n", encoding="utf-8")
        _refuse_to_replace(target, kind)  # fill may have taken minutes: look again at what is there now
        if not any(part.endswith(".partial") for part in place.parent.parts):  # a folder inside another's scratch
            pause_point("swap")
        replace_folder(scratch, place)
    except BaseException:
        remove_scratch(scratch)
        raise
    return target


def read_manifest(folder: Path) -> Manifest:
    """The manifest of the results folder `folder`, validated.

    A folder written before manifests has none; its kind is then recognised by the file only that kind writes
    (`comparison.json`, `sweep.json`, `event_log.parquet` for run, `stage_times.parquet` for mine), with
    `format_version` 0.

    Raises:
        ResultsFolderError: `folder` is no folder, its manifest is malformed (not JSON, a field missing, of the
            wrong type or an unknown kind), or it has no manifest and no file that tells its kind.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ResultsFolderError(f"{folder}: not a results folder (no such directory)")
    path = folder / MANIFEST_FILE
    if path.is_file():
        try:
            return _manifest_adapter().validate_json(path.read_bytes(), strict=True)
        except ValidationError as error:
            raise ResultsFolderError(f"{path}: not a valid flowlab manifest: {_describe(error)}") from None
    for name, kind in _KIND_BY_FILE:
        if (folder / name).is_file():
            return Manifest(kind=kind, format_version=0, flowlab_version="", created="", command="", inputs=(),
                            files=_list_files(folder))
    found = sorted(entry.name for entry in folder.iterdir() if not entry.name.startswith("."))
    expected = ", ".join(f"{name} (flowlab {kind})" for name, kind in _KIND_BY_FILE)
    raise ResultsFolderError(
        f"{folder}: not a results folder: expected {MANIFEST_FILE}, or from an older flowlab one of {expected}; "
        f"files found: {found}"
    )


def replace_folder(scratch: Path, target: Path) -> None:
    """Rename the finished folder `scratch` to `target`, atomically on one file system.

    An earlier `target` is exchanged with `scratch` in one step where the system can (Linux `renameat2` with
    `RENAME_EXCHANGE`) and then removed; elsewhere it is moved aside first, removed only once the rename has
    succeeded and moved back if it failed. Either way `target` is at every moment the old folder or the new one
    (or, after a SIGKILL between the two renames of the fallback, set aside under a name `remove_stale_scratch`
    puts back).
    """
    if not target.exists():
        os.replace(scratch, target)
        return
    if _exchange(scratch, target):
        remove_scratch(scratch)  # the earlier folder, now under the scratch's name
        return
    aside = target.with_name(_scratch_name(target.name, "old"))
    os.replace(target, aside)
    try:
        os.replace(scratch, target)
    except BaseException:
        if not target.exists():
            os.replace(aside, target)
        raise
    remove_scratch(aside)


def remove_scratch(path: Path) -> None:
    """Remove a scratch folder or file, with Ctrl-C and SIGTERM held until it is gone (a second Ctrl-C during the
    clean-up of the first then ends the command after it, not in the middle of it)."""
    with held_signals():
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux `renameat2(…, RENAME_EXCHANGE)`); False where that is not offered
    (another system, an old kernel or C library, a file system without it), leaving both as they were."""
    if sys.platform != "linux":
        return False
    renameat2 = _renameat2()
    if renameat2 is None:
        return False
    at_current_directory, rename_exchange = -100, 2
    done = renameat2(at_current_directory, os.fsencode(first), at_current_directory, os.fsencode(second),
                     rename_exchange)
    if done == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(number, os.strerror(number), str(second))


@cache
def _renameat2() -> Callable[..., int] | None:
    try:
        function: Callable[..., int] = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (glibc < 2.28, musl)
        return None
    return function


def make_scratch(parent: Path, name: str) -> Path:
    """A new empty scratch folder `parent/.<name>-<pid>-<random>.partial`, with the permissions of any new folder
    (not the private 0700 of `tempfile.mkdtemp`: results are meant to be shared)."""
    remove_stale_scratch(Path(parent))
    scratch = Path(parent) / _scratch_name(name, "partial")
    scratch.mkdir()
    os.chmod(scratch, 0o777 & ~_umask())
    return scratch


def write_file_atomically(path: Path, data: bytes) -> None:
    """Replace the file `path` with `data` whole or not at all: a scratch file beside it, then one rename.

    The file gets the permissions of any new file (0o666 less the umask). If anything raises, KeyboardInterrupt
    included, the scratch file is removed and an existing `path` is left as it was.
    """
    path = Path(path)
    remove_stale_scratch(path.parent)
    scratch = path.with_name(_scratch_name(path.name, "partial"))
    try:
        with open(scratch, "xb") as stream:
            stream.write(data)
        os.chmod(scratch, 0o666 & ~_umask())
        os.replace(scratch, path)
    except BaseException:
        remove_scratch(scratch)
        raise


def remove_stale_scratch(parent: Path) -> list[Path]:
    """Remove the scratch entries in `parent` that a process now gone left behind (killed by SIGKILL, or a power
    cut); return what was removed or put back.

    An earlier results folder set aside (`.old`) whose place is empty is renamed back into place (its replacement
    never arrived); one whose place is taken is removed. Entries of processes still running are left alone: they
    may be writing right now.
    """
    cleaned: list[Path] = []
    try:
        entries = list(Path(parent).iterdir())
    except OSError:
        return cleaned
    for entry in sorted(entries, key=lambda path: path.name.endswith(".partial")):  # `.old` first
        match = _SCRATCH.match(entry.name)
        if match is None or _process_alive(int(match["pid"])):
            continue
        place = entry.with_name(match["name"])
        if match["kind"] == "old" and entry.is_dir() and not os.path.lexists(place):
            os.replace(entry, place)
        elif entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        cleaned.append(entry)
    return cleaned


def _scratch_name(name: str, kind: Literal["partial", "old"]) -> str:
    return f".{name}-{os.getpid()}-{uuid.uuid4().hex[:12]}.{kind}"


def _process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user counts as alive: its files are not ours to remove)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OverflowError:
        return False
    return True


def _umask() -> int:
    """The process's umask (read by setting it, the only way POSIX offers, and putting it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _refuse_to_replace(target: Path, kind: FolderKind) -> None:
    """Raise FileExistsError unless `target` is absent, an empty folder or a flowlab results folder of `kind`.

    Another kind is refused too: `flowlab compare RUN B --out RUN` must not delete the run it compares.
    """
    if not os.path.lexists(target):
        return
    if target.is_symlink() or not target.is_dir():
        raise FileExistsError(f"refusing to replace {target}: it is not a folder (a file or a link); "
                              "choose another output folder")
    if not any(target.iterdir()):
        return
    markers = (MANIFEST_FILE, *_OLD_RESULT_FILES)
    if not any((target / name).is_file() for name in markers):
        raise FileExistsError(f"refusing to replace {target}: it exists and is not a flowlab results folder (it "
                              f"holds none of {', '.join(markers)}); choose another output folder")
    try:
        found = read_manifest(target).kind
    except ResultsFolderError as error:
        raise FileExistsError(f"refusing to replace {target}: {error}") from None
    if found != kind:
        raise FileExistsError(f"refusing to replace {target}: it is a flowlab {found} folder, not a {kind} folder; "
                              "choose another output folder")


def _list_files(folder: Path) -> tuple[str, ...]:
    return tuple(sorted(path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()))


def _flowlab_version() -> str:
    try:
        return metadata.version("flowlab")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


@cache
def _manifest_adapter() -> TypeAdapter[Manifest]:
    return TypeAdapter(Manifest)


def _describe(error: ValidationError) -> str:
    """pydantic's errors as ``field: what was expected (got …)``, one after another."""
    parts = []
    for detail in error.errors(include_url=False):
        message = detail["msg"][0].lower() + detail["msg"][1:]
        if detail["type"] == "json_invalid":
            parts.append(f"not valid JSON ({message.removeprefix('invalid JSON: ')})")
            continue
        where = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in detail["loc"]).lstrip(".")
        got = "" if detail["type"] == "missing" else f" (got {detail['input']!r})"
        parts.append(f"{where}: {message}{got}" if where else f"{message}{got}")
    return "; ".join(parts)
