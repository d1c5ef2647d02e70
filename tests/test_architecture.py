"""The architecture's one hard rule: `sim` and `mining` never import each other (they meet through data formats)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    "sim": {"mining", "pm4py"},
    "mining": {"sim", "simpy"},
}


def _imported_top_level_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_the_other(package: str) -> None:
    """Every module of the package is parsed; none may import the other package (or its engine library)."""
    files = sorted((REPO_ROOT / package).rglob("*.py"))
    assert files, f"no Python files found in {package}/"
    offenders = {
        str(path.relative_to(REPO_ROOT)): sorted(_imported_top_level_modules(path) & FORBIDDEN[package])
        for path in files
    }
    offenders = {name: bad for name, bad in offenders.items() if bad}
    assert offenders == {}
