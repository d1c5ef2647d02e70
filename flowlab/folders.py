"""Result folders appear whole or not at all: they are built beside their target and moved into place at the end."""

from __future__ import annotations

import shutil
from pathlib import Path


def replace_folder(scratch: Path, target: Path) -> None:
    """Move the finished `scratch` folder to `target`; an earlier `target` is removed only once the move is done."""
    if target.exists():
        old = target.with_name(f".{target.name}.old-{scratch.name}")
        target.rename(old)
        scratch.rename(target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        scratch.rename(target)
