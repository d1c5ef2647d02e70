"""The wheel: built from the checkout, installed outside it, `flowlab run` with no scenario works.

A wheel once lacked the `flowlab.commands` subpackage and the scenarios, so `pip install .` gave a `flowlab` that
died at start. These tests build the wheel (offline when the interpreter has the build backend: the `test` extra
brings setuptools), check it holds every module of every package and every built-in scenario, install it with
`--no-deps` into a fresh virtual environment that borrows this interpreter's installed dependencies (so nothing is
downloaded), and run `flowlab run` from a folder outside the checkout.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

CHECKOUT = Path(__file__).resolve().parent.parent
PACKAGES = ("sim", "mining", "flowlab")
BUILD_BACKEND_FLOOR = (77,)  # pyproject.toml's build-system: setuptools>=77
OFFLINE_SIGNS = ("No matching distribution found", "Could not find a version", "Failed to establish a new connection")


def _package_folders() -> list[str]:
    """Dotted names of every package folder (one holding __init__.py) under sim, mining and flowlab."""
    names = []
    for top in PACKAGES:
        for init in sorted((CHECKOUT / top).rglob("__init__.py")):
            if "__pycache__" not in init.parts:
                names.append(".".join(init.parent.relative_to(CHECKOUT).parts))
    return names


def _modules() -> set[str]:
    """Every .py file of the three packages, as a path inside the wheel."""
    return {
        path.relative_to(CHECKOUT).as_posix()
        for top in PACKAGES
        for path in (CHECKOUT / top).rglob("*.py")
        if "__pycache__" not in path.parts
    }


def _scenarios() -> set[str]:
    """Every built-in scenario file, as a path inside the wheel (flowlab/scenarios/)."""
    return {f"flowlab/scenarios/{path.name}" for path in (CHECKOUT / "scenarios").glob("*.yaml")}


def test_pyproject_lists_every_package_folder() -> None:
    """The explicit package list (needed to map scenarios/ into the package) misses no folder."""
    configured = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert sorted([*_package_folders(), "flowlab.scenarios"]) == sorted(configured["packages"])


def _has_build_backend() -> bool:
    try:
        version = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return False
    return tuple(int(part) for part in version.split(".")[:1] if part.isdigit()) >= BUILD_BACKEND_FLOOR


def _clean_env() -> dict[str, str]:
    """This environment without PYTHONPATH, so the checkout cannot shadow the installed wheel."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from a copy of the checkout's sources (the checkout itself gets no build/ folder)."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(CHECKOUT / name, source / name)
    for name in (*PACKAGES, "scenarios"):
        shutil.copytree(CHECKOUT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    dist = tmp_path_factory.mktemp("dist")
    command = [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--quiet", "--wheel-dir", str(dist)]
    if _has_build_backend():
        command.append("--no-build-isolation")  # offline: this interpreter's setuptools builds it
    built = subprocess.run(command, capture_output=True, text=True, env=_clean_env(), check=False)
    output = built.stdout + built.stderr
    if built.returncode != 0 and not _has_build_backend() and any(sign in output for sign in OFFLINE_SIGNS):
        pytest.skip(
            "cannot build the wheel offline: this interpreter lacks setuptools>=77 and pip could not download it "
            "(pip install 'setuptools>=77', or install the test extra)"
        )
    assert 0 == built.returncode, output
    (path,) = dist.glob("flowlab-*.whl")
    return path


@pytest.mark.slow
class TestWheel:
    """The wheel holds the whole program and works installed outside the checkout."""

    def test_holds_every_module_and_scenario(self, wheel: Path) -> None:
        names = set(zipfile.ZipFile(wheel).namelist())
        assert set() == _modules() - names
        assert set() == _scenarios() - names
        assert "flowlab/scenarios/README.md" in names
        assert {f"{name.replace('.', '/')}/__init__.py" for name in _package_folders()} <= names

    def test_flowlab_run_without_arguments_outside_the_checkout(self, wheel: Path, tmp_path: Path) -> None:
        venv = tmp_path / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        python = venv / "bin" / "python"
        site_packages = Path(
            subprocess.run(
                [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                capture_output=True, text=True, check=True, env=_clean_env(),
            ).stdout.strip()
        )
        # the dependencies (and pip) come from this interpreter: a .pth line adds its site-packages after the
        # venv's own, without running that folder's .pth files (so an editable flowlab there stays inactive)
        borrowed = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
        (site_packages / "borrowed-dependencies.pth").write_text("\n".join(borrowed) + "\n", encoding="utf-8")
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--ignore-installed",
             str(wheel)],
            check=True, env=_clean_env(),
        )
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        located = subprocess.run(
            [str(python), "-c", "import flowlab; print(flowlab.__file__)"],
            capture_output=True, text=True, check=True, cwd=elsewhere, env=_clean_env(),
        )
        assert Path(located.stdout.strip()).is_relative_to(site_packages)

        ran = subprocess.run(
            [str(venv / "bin" / "flowlab"), "run", "--replications", "2", "--horizon", "6w", "--warmup", "1w",
             "--workers", "1", "--out", "results"],
            capture_output=True, text=True, cwd=elsewhere, env=_clean_env(), check=False,
        )
        assert 0 == ran.returncode, ran.stdout + ran.stderr
        summary = json.loads((elsewhere / "results" / "summary.json").read_text(encoding="utf-8"))
        assert "it4it-e2e" == summary["scenario"]
        assert Path(summary["scenario_source"]) == site_packages / "flowlab" / "scenarios" / "it4it-e2e.yaml"
        assert 2 == summary["replications"]
        assert summary["summary"]["completed_cases"] > 0
        assert (elsewhere / "results" / "report.html").is_file()
