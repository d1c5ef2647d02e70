"""The plots are written as non-empty PNG and SVG files, for short and for 28-stage value streams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from mining.compare import compare_logs
from mining.discovery import discover_dfg
from mining.errors import EventLogError
from mining.flow import compute_wip
from mining.plots import (
    format_hours,
    plot_dfg,
    plot_lead_time_cdf,
    plot_queue_lengths,
    plot_stage_comparison,
    plot_value_stream_map,
    summarize_value_stream,
)
from mining.plots_common import figure_formats, fit_label, format_difference, text_width_in
from mining.plots_dfg import _dot_text, assign_layers, layout_dfg, select_edges
from mining.plots_vsm import attach_groups
from mining.stage_measures import summarize_stages
from mining.stage_times import compute_case_times, compute_stage_times

PNG_HEADER = b"\x89PNG\r\n\x1a\n"
ORIGIN = pd.Timestamp("2024-03-04 08:00", tz="UTC")


def build_log(stages: int, cases: int = 40, seed: int = 0) -> pd.DataFrame:
    """Sequential start/complete log through `stages` stages named 'Stage NN <long words>'."""
    rng = np.random.default_rng(seed)
    names = [f"Stage {index:02d} review the scope agreement" for index in range(stages)]
    wait = rng.exponential(3.0, size=(cases, stages))
    work = rng.exponential(1.0, size=(cases, stages))
    arrival = np.cumsum(rng.exponential(2.0, size=cases))
    start = arrival[:, None] + np.cumsum(wait + work, axis=1) - work
    frames = []
    for index, name in enumerate(names):
        for transition, times in (("start", start[:, index]), ("complete", start[:, index] + work[:, index])):
            frames.append(pd.DataFrame({
                "case:concept:name": [f"c{case}" for case in range(cases)],
                "concept:name": name,
                "lifecycle:transition": transition,
                "time:timestamp": ORIGIN + pd.to_timedelta(times, unit="h"),
                "org:resource": f"team {index % 3}",
                "case:arrival": ORIGIN + pd.to_timedelta(arrival, unit="h"),
            }))
    return pd.concat(frames, ignore_index=True).sort_values("time:timestamp", kind="stable", ignore_index=True)


@pytest.fixture(autouse=True)
def _svg_too() -> Iterator[None]:
    """Every plot written as SVG too, as `--svg` asks (PNG alone is the default)."""
    with figure_formats(svg=True):
        yield


def assert_written(paths: list[Path]) -> None:
    assert [path.suffix for path in paths] == [".png", ".svg"]
    assert paths[0].read_bytes()[:8] == PNG_HEADER
    assert paths[1].stat().st_size > 1000
    assert b"<svg" in paths[1].read_bytes()[:2000]


class TestValueStreamMap:
    """The value stream map draws 3 to 28 stages, in process order."""

    @pytest.mark.parametrize("stages", [3, 28])
    def test_written(self, tmp_path: Path, stages: int) -> None:
        stage_times = compute_stage_times(build_log(stages))
        summary = summarize_value_stream(stage_times)
        paths = plot_value_stream_map(summary, compute_case_times(build_log(stages)), tmp_path / "vsm.png")
        assert [tmp_path / "vsm.png", tmp_path / "vsm.svg"] == paths
        assert_written(paths)

    def test_summary_is_in_process_order_with_resources(self) -> None:
        summary = summarize_value_stream(compute_stage_times(build_log(4)))
        assert [f"Stage {index:02d} review the scope agreement" for index in range(4)] == summary[
            "concept:name"].tolist()
        assert summary["position"].tolist() == [0.0, 1.0, 2.0, 3.0]
        assert summary["resource"].tolist() == ["team 0", "team 1", "team 2", "team 0"]

    def test_team_from_org_group_when_present(self) -> None:
        stage_times = compute_stage_times(build_log(2))
        persons = [f"developers-{index % 3}" for index in range(len(stage_times))]
        stage_times = stage_times.assign(**{"org:resource": persons, "org:group": "developers"})
        first_stage = stage_times["concept:name"] == "Stage 00 review the scope agreement"
        stage_times.loc[stage_times.index[first_stage][:3], "org:group"] = "testers"  # a few visits by another team
        summary = summarize_value_stream(stage_times)
        assert ["developers +1", "developers"] == summary["resource"].tolist()

    def test_team_falls_back_to_most_common_resource(self) -> None:
        stage_times = compute_stage_times(build_log(1))
        persons = ["ann"] * (len(stage_times) - 2) + ["bob", "cy"]
        summary = summarize_value_stream(stage_times.assign(**{"org:resource": persons}))
        assert ["ann +2"] == summary["resource"].tolist()
        empty_groups = stage_times.assign(**{"org:resource": persons, "org:group": pd.NA})
        assert ["ann +2"] == summarize_value_stream(empty_groups)["resource"].tolist()

    def test_attach_groups_maps_persons_to_teams(self) -> None:
        log = build_log(2).assign(**{"org:group": lambda frame: frame["org:resource"].str.replace(" ", "-")})
        attached = attach_groups(compute_stage_times(log), log)
        assert ["team-0", "team-1"] == summarize_value_stream(attached)["resource"].tolist()

    def test_empty_summary_is_refused(self, tmp_path: Path) -> None:
        summary = summarize_value_stream(compute_stage_times(build_log(3)))
        with pytest.raises(EventLogError, match="without stages"):
            plot_value_stream_map(summary.iloc[:0], compute_case_times(build_log(3)), tmp_path / "vsm")


class TestComparisonPlots:
    """Lead-time CDFs and stage bars of a comparison."""

    def test_cdf_and_bars(self, tmp_path: Path) -> None:
        comparison = compare_logs(build_log(28, seed=1), build_log(28, seed=2))
        assert_written(plot_lead_time_cdf(comparison.lead_times_a_h, comparison.lead_times_b_h,
                                          tmp_path / "cdf", wasserstein_relative=0.1, ks_statistic=0.2))
        assert_written(plot_stage_comparison(comparison.stages, tmp_path / "stages"))

    def test_bars_with_a_stage_absent_on_one_side(self, tmp_path: Path) -> None:
        log_a = build_log(4, cases=10, seed=1)
        log_b = build_log(3, cases=10, seed=2)  # the fourth stage is absent in B; every stage has < 30 visits
        stages = compare_logs(log_a, log_b).stages
        assert "only in A" == stages["present"].iloc[-1]
        assert_written(plot_stage_comparison(stages, tmp_path / "stages", labels=("four", "three")))


class TestFlowPlots:
    """WIP over time and queue lengths per stage."""

    def test_wip_and_queues(self, tmp_path: Path) -> None:
        assert_written(plot_queue_lengths(compute_wip(build_log(3)), tmp_path / "wip"))
        queues = pd.DataFrame({"time": [0.0, 1.0, 2.0, 0.0, 1.5], "length": [0, 2, 1, 1, 0],
                               "stage": ["a", "a", "a", "b", "b"]})
        assert_written(plot_queue_lengths(queues, tmp_path / "queues", value_column="length", group_column="stage"))


class TestDirectlyFollowsGraph:
    """The DFG drawing without Graphviz, the layering, and the .dot text."""

    @pytest.mark.parametrize("stages", [3, 28])
    def test_matplotlib_drawing(self, tmp_path: Path, stages: int) -> None:
        log = build_log(stages)
        share = summarize_stages(compute_stage_times(log)).set_index("concept:name")["wait_share"].to_dict()
        assert_written(plot_dfg(discover_dfg(log), tmp_path / "dfg", wait_share=share, use_graphviz=False))

    def test_layers_follow_first_occurrence_and_ignore_loops(self) -> None:
        graph = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "b"), ("c", "d"), ("a", "d")])
        graph.graph["start_activities"] = {"a": 1}
        assert assign_layers(graph) == {"a": 0, "b": 1, "c": 2, "d": 3}

    def test_at_most_max_edges_drawn_and_the_title_says_so(self, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
        graph = nx.DiGraph()
        for index in range(12):
            graph.add_edge(f"s{index}", f"s{index + 1}", count=100 - index)
        assert [("s0", "s1"), ("s1", "s2"), ("s2", "s3")] == sorted(select_edges(graph, 3).edges)
        assert 13 == select_edges(graph, 3).number_of_nodes()
        seen = {}

        def capture(drawn, _shares, _wait, title, _path, **_options):
            seen.update(edges=drawn.number_of_edges(), title=title)
            return []

        monkeypatch.setattr("mining.plots_dfg._draw_with_matplotlib", capture)
        plot_dfg(graph, tmp_path / "dfg", use_graphviz=False, max_edges=5)
        assert {"edges": 5, "title": "Directly-follows graph — the 5 most frequent of 12 edges"} == seen
        plot_dfg(graph, tmp_path / "dfg", use_graphviz=False, max_edges=None)
        assert {"edges": 12, "title": "Directly-follows graph"} == seen

    def test_antiparallel_and_loop_labels_do_not_collide(self) -> None:
        graph = nx.DiGraph()
        graph.add_edge("a", "b", count=4558)
        graph.add_edge("b", "a", count=58)
        graph.add_edge("b", "b", count=7)
        graph.add_edge("b", "c", count=4000)
        graph.graph["start_activities"] = {"a": 1}
        layout = layout_dfg(graph)
        labels = {(edge.source, edge.target): edge.label_xy for edge in layout.edges}
        assert labels["a", "b"] != labels["b", "a"]
        boxes = [(x - (text_width_in(f"{edge.count:,}", 9.0) + 0.12) / 2, y - 0.11,
                  x + (text_width_in(f"{edge.count:,}", 9.0) + 0.12) / 2, y + 0.11)
                 for edge in layout.edges for x, y in [edge.label_xy]]
        for index, first in enumerate(boxes):
            for second in boxes[index + 1:]:
                assert first[2] <= second[0] or second[2] <= first[0] or first[3] <= second[1] \
                    or second[3] <= first[1], (first, second)

    def test_dot_text_quotes_names(self) -> None:
        graph = nx.DiGraph()
        graph.add_edge('say "hi"', "end", count=3)
        text = _dot_text(graph, {'say "hi"': 1.0, "end": 0.0}, {'say "hi"': 0.5}, "DFG")
        assert '"say \\"hi\\"" -> "end" [label="3"' in text


def test_format_hours() -> None:
    assert [format_hours(0.5), format_hours(4.5), format_hours(72.0),
                                                  format_hours(float("nan"))] == ["30 min", "4.5 h", "3.0 d", "n/a"]


def test_fit_label_wraps_then_shrinks_to_the_width() -> None:
    text, size = fit_label("Finalize Roadmap & Scope Agreement", 1.34, fontsize=9.5, weight="bold")
    assert "…" not in text
    assert all(text_width_in(line, size, "bold") <= 1.34 for line in text.split("\n"))
    assert 2 >= len(text.split("\n"))
    assert ("Wait", 9.5) == fit_label("Wait", 1.34, fontsize=9.5)
    cut, _ = fit_label("x" * 200, 1.0, fontsize=9.5, max_lines=1)
    assert cut.endswith("…")


def test_format_difference_puts_the_interval_in_the_difference_unit() -> None:
    assert "+16.0 h [+15.2, +16.8]" == format_difference(16.0, 15.2, 16.8)
    assert "-3.6 d [-4.0, -3.2]" == format_difference(-3.6 * 24, -4.0 * 24, -3.2 * 24)
    assert "+19 min [-20, +59]" == format_difference(19 / 60, -20 / 60, 59 / 60)
    assert "+0.0 h [+0.0, +0.0]" == format_difference(0.0, 0.0, 0.0)
    assert "+0.0 h [+0.0, +60.0]" == format_difference(-0.02, 0.0, 60.0)  # rounds to 0: no "-0.0"
    assert "-3.6 d" == format_difference(-3.6 * 24, float("nan"), float("nan"))
    assert "n/a" == format_difference(float("nan"))


def test_png_alone_unless_svg_is_asked_for(tmp_path: Path) -> None:
    """The report embeds PNG; SVG costs a second drawing, so it is written only inside `figure_formats(svg=True)`."""
    from matplotlib.figure import Figure

    from mining.plots_common import save_figure

    figure = Figure(figsize=(2, 1))
    figure.add_axes((0, 0, 1, 1)).plot([0, 1], [0, 1])
    with figure_formats(svg=False):
        assert [tmp_path / "a.png"] == save_figure(figure, tmp_path / "a.svg")
        assert ["a.png"] == sorted(path.name for path in tmp_path.iterdir())
    assert [tmp_path / "b.png", tmp_path / "b.svg"] == save_figure(figure, tmp_path / "b")  # the fixture asks
    assert (2 * 110, 1 * 110) == _png_size(tmp_path / "a.png")  # the figure's own size: no tight bounding box


def _png_size(path: Path) -> tuple[int, int]:
    import struct

    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height
