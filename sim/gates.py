"""Cadence-gate arithmetic: how long an item that reaches a gated stage waits for the gate to open (hours)."""

from __future__ import annotations

import math

from sim.network import CadenceGate

__all__ = ["wait_for_gate"]


def wait_for_gate(gate: CadenceGate, time_h: float) -> float:
    """Hours from `time_h` until `gate` lets an item through (0 when it is open now).

    The gate opens at ``offset + k * every_h`` (k = 0, 1, ...) for each offset in ``offsets_h`` and stays open
    ``open_for_h``; with ``open_for_h`` 0 items pass only at the opening instants themselves. The wait is the
    shortest over the offsets (windows may overlap).
    """
    return min(_wait_for_opening(gate.every_h, offset, gate.open_for_h, time_h) for offset in gate.offsets_h)


def _wait_for_opening(every_h: float, offset_h: float, open_for_h: float, time_h: float) -> float:
    """Hours from `time_h` until the window opening at ``offset_h + k * every_h`` is open (0 when open now)."""
    if time_h <= offset_h:
        return offset_h - time_h
    cycles = math.floor((time_h - offset_h) / every_h)
    opened = offset_h + cycles * every_h
    if time_h == opened or time_h < opened + open_for_h:
        return 0.0
    return opened + every_h - time_h
