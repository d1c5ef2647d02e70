"""The cyclic garbage collector in a command's process: what a command imported is set aside from its walks.

A command imports pandas, SimPy, matplotlib … lazily, and their modules, classes and functions (hundreds of thousands
of objects) live until the process exits. Each full collection walks all of them again: a default `flowlab run` spent
0.14 CPU-s in three full collections, almost all of it on imported objects. `set_aside_imports` moves every object
alive now into the collector's permanent generation (`gc.freeze`), so later collections walk only what the command
makes afterwards. For a command's process only: in a notebook it would keep today's cyclic garbage for good.
"""

from __future__ import annotations

import gc

__all__ = ["set_aside_imports"]


def set_aside_imports() -> None:
    """Collect the young garbage, then freeze what is alive (call it once the command's heavy imports are done)."""
    gc.collect(0)
    gc.freeze()
