"""Cadence-gate arithmetic: how long an item that reaches a gated stage waits for the gate to open (hours)."""

from __future__ import annotations

import math

from sim.network import CadenceGate

__all__ = ["wait_for_gate"]


def wait_for_gate(gate: CadenceGate, time_h: float) -> float:
    """Hours from `time_h` until `gate` lets an item through (0 when it is open now).

    The gate opens at ``offset_h + k * every_h`` (k = 0, 1, ...) and stays open ``open_for_h``; with ``open_for_h``
    0 items pass only at the opening instants themselves.
    """
    if time_h <= gate.offset_h:
        return gate.offset_h - time_h
    cycles = math.floor((time_h - gate.offset_h) / gate.every_h)
    opened = gate.offset_h + cycles * gate.every_h
    if time_h == opened or time_h < opened + gate.open_for_h:
        return 0.0
    return opened + gate.every_h - time_h
