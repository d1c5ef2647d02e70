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


def test_the_command_line_loads_light() -> None:
    """Building `flowlab --help` imports no pandas, scipy, matplotlib, pm4py or SimPy (DESIGN.md): each command
    imports what it uses when it runs."""
    import subprocess
    import sys

    heavy = ("pandas", "scipy", "matplotlib", "pm4py", "simpy", "numpy", "pyarrow", "pydantic", "rich.progress")
    code = f"import sys; from flowlab.cli import app; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


@pytest.mark.parametrize("package", ["sim", "mining"])
def test_every_public_name_resolves(package: str) -> None:
    """The packages import their public names lazily; every name of `__all__` is there and comes from its module."""
    import importlib

    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(value, "__module__", package).startswith(package), name  # constants have no module


def test_one_spelling_of_the_public_names() -> None:
    """One spelling per word in the public functions and classes of `sim` and `mining`: `summarize_stages` and
    `summarize_replications`, not a `summarise_` beside a `summarize_`."""
    import re

    names = {
        node.name
        for package in ("sim", "mining")
        for path in (REPO_ROOT / package).glob("*.py")
        for node in ast.parse(path.read_text(encoding="utf-8")).body
        if isinstance(node, ast.FunctionDef | ast.ClassDef) and not node.name.startswith("_")
    }
    spelt: dict[str, set[str]] = {}
    for name in names:
        for root, letter in re.findall(r"([a-z]+)i([sz])e", name.lower()):
            spelt.setdefault(root, set()).add(letter)
    assert {root for root, letters in spelt.items() if len(letters) > 1} == set()
    assert "summarize_replications" in names and "summarize_stages" in names


def test_validate_loads_only_pydantic_and_yaml() -> None:
    """`flowlab validate FILE` reads, checks and load-checks a scenario (spawns included) without numpy, pandas,
    scipy, matplotlib, pm4py, SimPy, pyarrow or rich, and without the other sub-commands' modules (the console script
    imports only the one it runs): its start-up stays within reach of `flowlab --help` (benchmarks/startup.py)."""
    import subprocess
    import sys

    heavy = ("pandas", "scipy", "matplotlib", "pm4py", "simpy", "numpy", "pyarrow", "rich", "flowlab.commands.run")
    scenario = Path(__file__).resolve().parent.parent / "scenarios" / "it4it-e2e.yaml"  # spawns: a linear solve
    code = (
        "import runpy, sys\n"
        f"sys.argv = ['flowlab', 'validate', {str(scenario)!r}]\n"
        "try:\n    runpy.run_module('flowlab.cli', run_name='__main__')\nexcept SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules), file=sys.stderr)"
    )
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "✓" in ran.stdout
    assert "[]" == ran.stderr.strip().splitlines()[-1]
