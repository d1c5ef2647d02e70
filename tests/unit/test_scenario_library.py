"""The scenario library in `scenarios/`: complete against the IT4IT catalogue, loadable, runnable and not overloaded.

The catalogue (`../shared/it4it-catalogue.md`) is the source of the stage and scenario names; the hard-coded lists
below only cross-check that the catalogue's tables were parsed right.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from sim import Recording, check_offered_load, load_network, simulate
from sim.event_log import build_event_log
from sim.network import Network, NoArrivals

REPO_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS_DIR = REPO_ROOT / "scenarios"
CATALOGUE = REPO_ROOT.parent / "shared" / "it4it-catalogue.md"
STREAMS = ("evaluate", "explore", "integrate", "deploy", "release", "consume", "operate")
E2E = SCENARIOS_DIR / "it4it-e2e.yaml"
SCENARIO_FILES = sorted(SCENARIOS_DIR.glob("*.yaml"))
# A file whose overload is its point says so in a comment holding this marker (none does today).
OVERLOAD_MARKER = "overload intended:"

# Cross-check of the parse only: the names as the catalogue spells them.
EXPECTED_STAGES = {
    "evaluate": [
        "Gather Influencers",
        "Identify Gaps",
        "Propose Investments",
        "Define Backlog Mandates",
        "Ensure Governance",
    ],
    "explore": [
        "Prioritize Backlog Items",
        "Define Digital Product Architecture",
        "Refine Product Backlog",
        "Finalize Roadmap & Scope Agreement",
    ],
    "integrate": ["Plan Product Release", "Design & Develop", "Build, Integrate & Test", "Accept & Publish Release"],
    "deploy": ["Plan & Approve Deployment", "Fulfill Deployment", "Validate Deployment", "Observe Deployment"],
    "release": ["Define Service Offer", "Implement Service Offer", "Publish Service Offer"],
    "consume": [
        "Select an Offer",
        "Agree to Service Offer",
        "Subscribe to Service Offer",
        "Provide Service Support",
        "Publish Service Status",
    ],
    "operate": ["Detect Issue", "Diagnose Issue", "Resolve Issue"],
}
EXPECTED_SCENARIOS = {
    "evaluate": [
        "Consider a New Digital Product",
        "Perform Digital Product Governance",
        "Rationalize the Product Portfolio",
        "Plan Product Portfolio Investments",
    ],
    "explore": [
        "Investigate a New Digital Product Idea",
        "Optimize a Digital Product",
        "Refine Digital Product Feasibility",
        "Retire Digital Product",
    ],
    "integrate": [
        "Develop a New or Initial Product Release",
        "Configure an Off-the-Shelf or SaaS Product for Use",
        "Deliver an Emergency Change or Hotfix",
        "Update of a Vendor Product",
    ],
    "deploy": [
        "Deploy a First Product Release for a New Digital Product",
        "Deploy a New Product Release Version",
        "Disable or Remove Existing Product Release Instances",
    ],
    "release": [
        "Release a New Service Offer",
        "Change an Existing Service Offer",
        "Bundle Existing Service Offers",
        "Terminate a Service Offer",
    ],
    "consume": [
        "Order a New Desired Product Instance",
        "Order an Actual Product Instance Modification",
        "Order an Actual Product Instance Termination",
        "Order an Actual Product Instance Support",
    ],
    "operate": [
        "Remediate an Identified Back-End Issue",
        "Ensure Disaster Recovery Objectives",
        "Remediate a Major Event or Incident",
        "Remediate Consumer Front-End Issue",
        "Perform Scheduled Maintenance",
    ],
}


def parse_catalogue(text: str) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Stream key -> stage names in order, and stream key -> scenario names, from the catalogue's streams table."""
    rows = [line for line in text.splitlines() if line.startswith("|")]
    header_at = next(index for index, row in enumerate(rows) if "stages, in order" in row)
    header = [cell.strip() for cell in rows[header_at].strip("|").split("|")]
    stage_column, scenario_column = header.index("stages, in order"), header.index("scenarios (work item classes)")
    stages: dict[str, list[str]] = {}
    scenarios: dict[str, list[str]] = {}
    for row in rows[header_at + 2 :]:  # skip the |---| line
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        stream = cells[0].lower()
        if stream not in STREAMS:
            break  # the next table
        stages[stream] = [name.strip() for name in cells[stage_column].split("→")]
        # A trailing note in parentheses explains the scenario, it is not part of its name.
        scenarios[stream] = [re.sub(r"\s*\([^)]*\)$", "", name.strip()) for name in cells[scenario_column].split("·")]
    return stages, scenarios


@pytest.fixture(scope="module")
def catalogue() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The parsed catalogue; skips when the shared folder is absent."""
    if not CATALOGUE.is_file():
        pytest.skip(f"{CATALOGUE} is absent")
    return parse_catalogue(CATALOGUE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def e2e_run() -> tuple[Network, Recording]:
    """One replication of the e2e scenario at its own horizon (a fraction of a second)."""
    network = load_network(E2E)
    return network, simulate(network, seed=network.run.seed)


def shortened(network: Network, weeks: float) -> Network:
    """The network with a short horizon, no warm-up and one replication (for smoke runs)."""
    run = dataclasses.replace(network.run, horizon_h=weeks * 168.0, warmup_h=0.0, replications=1)
    return dataclasses.replace(network, run=run)


class TestCatalogueParse:
    """The catalogue's tables are read right: 7 streams, 28 stages, 28 scenarios, the names as spelled."""

    def test_stages_match_the_cross_check(self, catalogue):
        stages, _ = catalogue
        assert EXPECTED_STAGES == stages
        assert 28 == sum(len(names) for names in stages.values())

    def test_scenarios_match_the_cross_check(self, catalogue):
        _, scenarios = catalogue
        assert EXPECTED_SCENARIOS == scenarios
        assert 28 == sum(len(names) for names in scenarios.values())


class TestPerStreamFiles:
    """Each stream's file holds all its catalogue stages in order and all its scenarios as item classes."""

    @pytest.mark.parametrize("stream", STREAMS)
    def test_all_stages_in_catalogue_order(self, catalogue, stream):
        stages, _ = catalogue
        network = load_network(SCENARIOS_DIR / f"{stream}.yaml")
        assert (stream,) == network.streams
        assert stages[stream] == [stage.name for stage in network.stages.values() if stage.stream == stream]

    @pytest.mark.parametrize("stream", STREAMS)
    def test_all_scenarios_as_item_classes(self, catalogue, stream):
        _, scenarios = catalogue
        network = load_network(SCENARIOS_DIR / f"{stream}.yaml")
        assert sorted(scenarios[stream]) == sorted(item.scenario for item in network.item_classes.values())
        assert {stream} == {item.stream for item in network.item_classes.values()}

    def test_28_stages_and_28_scenarios_in_all(self, catalogue):
        stages, scenarios = catalogue
        networks = [load_network(SCENARIOS_DIR / f"{stream}.yaml") for stream in STREAMS]
        found_stages = {stage.name for network in networks for stage in network.stages.values()}
        found_scenarios = {item.scenario for network in networks for item in network.item_classes.values()}
        assert {name for names in stages.values() for name in names} == found_stages
        assert {name for names in scenarios.values() for name in names} == found_scenarios
        assert (28, 28) == (len(found_stages), len(found_scenarios))


class TestEveryFile:
    """Every scenario file loads, runs a short horizon, and offers no team more work than it can do."""

    def test_the_library_is_there(self):
        expected = {f"{stream}.yaml" for stream in STREAMS} | {"it4it-e2e.yaml", "vsm-classic.yaml"}
        assert expected <= {path.name for path in SCENARIO_FILES}

    @pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.name)
    def test_runs_four_weeks(self, path: Path):
        network = shortened(load_network(path), weeks=4)
        recording = simulate(network, seed=network.run.seed)
        assert len(recording.cases) > 0
        assert set(recording.visits["stage"]) <= set(network.stages)

    @pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda path: path.name)
    def test_no_team_overloaded(self, path: Path):
        if OVERLOAD_MARKER in path.read_text(encoding="utf-8"):
            pytest.skip(f"{path.name} explains that its overload is intended")
        warnings = [warning.message for warning in check_offered_load(load_network(path))]
        assert [] == warnings


class TestEndToEnd:
    """The e2e chain: all seven streams and 28 stages, spawned items with parents, Operate feeding Integrate."""

    def test_all_stages_of_the_catalogue(self, catalogue):
        stages, _ = catalogue
        network = load_network(E2E)
        assert STREAMS == network.streams
        for stream in STREAMS:
            assert stages[stream] == [stage.name for stage in network.stages.values() if stage.stream == stream]

    def test_log_shows_all_seven_streams(self, e2e_run):
        network, recording = e2e_run
        log = build_event_log(recording, network.run.start, warmup_h=network.run.warmup_h)
        assert set(STREAMS) == set(log["case:stream"])

    def test_spawned_items_carry_a_parent(self, e2e_run):
        network, recording = e2e_run
        cases = recording.cases
        spawn_only = {name for name, item in network.item_classes.items() if isinstance(item.arrivals, NoArrivals)}
        spawned = cases.loc[cases["item"].isin(spawn_only)]
        assert len(spawned) > 0
        assert spawned["parent"].notna().all()
        assert spawned["parent"].isin(cases["case"]).all()

    def test_operate_problems_reach_integrate_as_hotfixes(self, e2e_run):
        network, recording = e2e_run
        hotfix_classes = {
            spawn.item_class
            for item in network.item_classes.values()
            if item.stream == "operate"
            for spawn in item.spawn
            if network.item_classes[spawn.item_class].stream == "integrate"
        }
        assert hotfix_classes, "no Operate class spawns into Integrate"
        assert {0} == {network.item_classes[name].priority for name in hotfix_classes}
        cases = recording.cases
        stream_of = dict(zip(cases["case"], cases["stream"], strict=True))
        hotfixes = cases.loc[cases["item"].isin(hotfix_classes)]
        from_operate = hotfixes.loc[hotfixes["parent"].map(stream_of) == "operate"]
        assert len(from_operate) > 0
        visited = recording.visits.loc[recording.visits["case"].isin(from_operate["case"]), "stream"]
        assert {"integrate"} == set(visited)
