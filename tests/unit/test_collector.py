"""flowlab.collector: what is alive when a command's imports are done is set aside from the collector's walks."""

from __future__ import annotations

import gc

from flowlab.collector import set_aside_imports


def test_objects_alive_then_are_frozen_and_later_ones_are_not() -> None:
    before = [object() for _ in range(3)]  # noqa: F841 (kept alive through the freeze)
    try:
        set_aside_imports()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        later = [[] for _ in range(1000)]  # new container objects: tracked by the collector, not frozen
        assert gc.get_freeze_count() == frozen
        assert any(gc.is_tracked(item) for item in later)
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0
