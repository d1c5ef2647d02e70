"""Where the built-in scenarios are found: the packaged copy of an installed wheel first, else the checkout's."""

from __future__ import annotations

from pathlib import Path

from flowlab.builtin_scenarios import builtin_scenarios_folder


def _package(root: Path) -> Path:
    package = root / "flowlab"
    package.mkdir(parents=True)
    return package


class TestBuiltinScenariosFolder:
    """An installed package holds flowlab/scenarios; a checkout has scenarios/ beside the package."""

    def test_installed_package_uses_its_packaged_copy(self, tmp_path: Path) -> None:
        package = _package(tmp_path)
        (package / "scenarios").mkdir()
        (tmp_path / "scenarios").mkdir()  # an unrelated folder beside site-packages' flowlab must not win
        assert package / "scenarios" == builtin_scenarios_folder(package)

    def test_checkout_uses_the_top_level_folder(self, tmp_path: Path) -> None:
        package = _package(tmp_path)
        (tmp_path / "scenarios").mkdir()
        assert tmp_path / "scenarios" == builtin_scenarios_folder(package)

    def test_neither_names_the_packaged_location(self, tmp_path: Path) -> None:
        package = _package(tmp_path)
        assert package / "scenarios" == builtin_scenarios_folder(package)

    def test_this_checkout(self) -> None:
        checkout = Path(__file__).resolve().parents[2]
        assert checkout / "scenarios" == builtin_scenarios_folder(checkout / "flowlab")
        assert (builtin_scenarios_folder() / "it4it-e2e.yaml").is_file()
