"""What a command does when it is stopped: Ctrl-C, SIGTERM or a full disk end in one line and a non-zero exit code,
and the results folder it was writing is left as it was (`flowlab.folders.write_folder` removes its scratch).

`guarded` wraps a command that writes a results folder (a decorator, so the command's body stays as it is; the command
names its folder with ``command_guard().out = …`` and says ``command_guard().written = True`` once it is in place);
`guard_command` is the same as a context manager. While the command runs, SIGTERM raises `Terminated` (a
KeyboardInterrupt), so the same clean-up runs for both signals. It turns

- an interrupt into ``interrupted; results/x left unchanged`` and exit code 130 (Ctrl-C) or 143 (SIGTERM),
- an `OSError` (no space left on the device, a read-only folder, …) into ``error: No space left on device
  (results/.x-…partial/cases.csv); results/x left unchanged; free some space or choose another --out`` and exit
  code 1.

SIGKILL cannot be caught: the scratch folder it leaves is named after the process and removed by the next write
beside it (`flowlab.folders.remove_stale_scratch`).

Test hook: with the environment variable ``FLOWLAB_TEST_PAUSE_AT`` set to a moment (`work`, `report`, `swap`) and
``FLOWLAB_TEST_PAUSE_FILE`` to a path, `pause_point` of that moment writes the path and waits until it is deleted
(at most `PAUSE_LIMIT_S`; once per process and moment), so a test can send a signal at a known moment. It does
nothing otherwise. Moments:
``work`` once the command's main work is under way (the first replication of `run` or `sweep` finished; the log read
by `mine`, `compare` or `calibrate`), ``report`` while the report is being drawn (its scratch folder exists),
``swap`` just before a finished results folder is renamed into place.

This module is light on purpose: commands import it before any heavy library.
"""

from __future__ import annotations

import errno
import functools
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import ParamSpec

import typer
from rich.console import Console

__all__ = [
    "INTERRUPT_EXIT_CODE",
    "IO_ERROR_EXIT_CODE",
    "PAUSE_MOMENTS",
    "CommandGuard",
    "Terminated",
    "command_guard",
    "guard_command",
    "guarded",
    "held_signals",
    "pause_point",
    "terminate_as_interrupt",
]

INTERRUPT_EXIT_CODE = {signal.SIGINT: 130, signal.SIGTERM: 143}
"""Exit code after each signal: 128 + its number, as a shell reports a process ended by it."""
IO_ERROR_EXIT_CODE = 1
PAUSE_MOMENTS = ("work", "report", "swap")
"""The moments `pause_point` knows (see the module docstring)."""
PAUSE_LIMIT_S = 600.0
"""A paused command goes on after this long even if its pause file is still there."""
_paused: set[str] = set()
"""The moments this process has paused at already (each pauses once: a sweep reaches `work` once per replication)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command is, like Ctrl-C's KeyboardInterrupt (so `except BaseException` clean-ups
    run for both)."""


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """While inside, SIGTERM raises `Terminated` in the main thread; the previous handler is put back after.

    Outside the main thread (where Python cannot set handlers) nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_terminated(number: int, frame: FrameType | None) -> None:
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def held_signals() -> Iterator[None]:
    """While inside, SIGINT and SIGTERM wait (blocked, not lost): a clean-up runs to its end, then they arrive.

    Outside the main thread nothing changes.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@dataclass
class CommandGuard:
    """What `guard_command` needs to word its message: the results folder (once known) and whether it was written."""

    out: Path | None = None
    written: bool = False

    def where(self) -> str:
        if self.out is None:
            return "nothing written"
        if self.written:
            return f"{self.out} was written completely before that"
        return f"{self.out} left unchanged"


@contextmanager
def guard_command(errors: Console, out: Path | None = None) -> Iterator[CommandGuard]:
    """Run a command's body with SIGTERM raising `Terminated`; an interrupt or an `OSError` ends in one line on
    `errors` and `typer.Exit` with a non-zero code (see the module docstring). Set `.out` on the yielded guard once
    the results folder is known and `.written` once it is in place."""
    guard = CommandGuard(out=out)
    try:
        with terminate_as_interrupt():
            yield guard
    except KeyboardInterrupt as interrupt:
        number = signal.SIGTERM if isinstance(interrupt, Terminated) else signal.SIGINT
        how = "interrupted by SIGTERM" if number == signal.SIGTERM else "interrupted"
        errors.print(f"{how}; {guard.where()}", style="red", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(code=INTERRUPT_EXIT_CODE[number]) from None
    except FileExistsError:
        raise  # a refusal the command words itself (an --out that is not a results folder)
    except OSError as error:
        what = os.strerror(error.errno) if error.errno else str(error)
        place = f" ({error.filename})" if error.filename else ""
        hint = "; free some space or choose another --out" if error.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        errors.print(f"error: {what}{place}; {guard.where()}{hint}", style="red", markup=False, highlight=False,
                     soft_wrap=True)
        raise typer.Exit(code=IO_ERROR_EXIT_CODE) from None


_GUARD: ContextVar[CommandGuard | None] = ContextVar("command_guard", default=None)
Parameters = ParamSpec("Parameters")


def guarded(command: Callable[Parameters, None]) -> Callable[Parameters, None]:
    """`command` run inside `guard_command` (messages on standard error); its signature is kept for typer."""

    @functools.wraps(command)
    def run(*arguments: Parameters.args, **options: Parameters.kwargs) -> None:
        errors = Console(stderr=True, highlight=False, soft_wrap=True)
        with guard_command(errors) as guard:
            token = _GUARD.set(guard)
            try:
                command(*arguments, **options)
            finally:
                _GUARD.reset(token)

    return run


def command_guard() -> CommandGuard:
    """The guard of the `guarded` command running now; outside one (a library call), a guard nobody reads."""
    guard = _GUARD.get()
    return guard if guard is not None else CommandGuard()


def pause_point(moment: str) -> None:
    """The test hook (see the module docstring): wait here while the pause file exists, if asked to for `moment`.

    Raises:
        ValueError: `moment` is not one of `PAUSE_MOMENTS` (a typo in a call would otherwise never pause).
    """
    if moment not in PAUSE_MOMENTS:
        raise ValueError(f"unknown pause moment {moment!r}; expected one of {', '.join(PAUSE_MOMENTS)}")
    if os.environ.get("FLOWLAB_TEST_PAUSE_AT") != moment or moment in _paused:
        return
    path = os.environ.get("FLOWLAB_TEST_PAUSE_FILE")
    if not path:
        return
    _paused.add(moment)
    pause = Path(path)
    writing = pause.with_name(f"{pause.name}.writing")
    writing.write_text(f"{moment} {os.getpid()}\n", encoding="utf-8")
    os.replace(writing, pause)  # the test sees the file whole or not at all
    waited = 0.0
    while pause.exists() and waited < PAUSE_LIMIT_S:
        time.sleep(0.05)
        waited += 0.05
