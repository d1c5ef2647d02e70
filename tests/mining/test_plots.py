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
from mining.plots_common import figure_formats, fit_label, format_difference, readability_problems, text_width_in
from mining.plots_dfg import _dot_text, assign_layers, draw_dfg, filter_dfg, layout_dfg
from mining.plots_vsm import attach_groups, draw_value_stream_map
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

    def test_the_filter_keeps_the_most_frequent_edges_until_the_coverage(self) -> None:
        graph = nx.DiGraph()
        for index in range(12):  # counts 100, 99, …, 89: 1,134 transitions
            graph.add_edge(f"s{index}", f"s{index + 1}", count=100 - index)
        graph.graph["start_activities"] = {"s0": 5, "s12": 1}
        # 90% of 1,134 is 1,020.6: the first 11 edges carry 100 + … + 90 = 1,045 (the first 10 carry 955)
        selection = filter_dfg(graph, coverage=0.9, max_edges=None, max_nodes=None)
        assert 11 == selection.shown_edges and 12 == selection.total_edges
        assert 1045 / 1134 == pytest.approx(selection.covered)
        assert {"s0": 5} == selection.graph.graph["start_activities"]  # s12 has no kept edge
        assert "showing 11 of 12 edges (92% of transitions), 12 of 13 activities: the most frequent edges" \
            == selection.describe()
        assert [("s0", "s1"), ("s1", "s2"), ("s2", "s3")] == sorted(filter_dfg(graph, max_edges=3).graph.edges)
        # at most 3 activities: s0→s1 and s1→s2 fit, every later edge would bring a fourth
        assert [("s0", "s1"), ("s1", "s2")] == sorted(filter_dfg(graph, max_nodes=3).graph.edges)
        assert filter_dfg(graph, coverage=None, max_edges=None, max_nodes=None).complete

    def test_a_log_with_thousands_of_activities_draws_a_bounded_picture(self) -> None:
        """An activity column holding one value per case (issue 12): 10,000 activities, each case a 2-step chain."""
        graph = nx.DiGraph()
        for index in range(5_000):
            graph.add_edge(f"a{index}", f"b{index}", count=1 + index % 3)
        figure = draw_dfg(graph)
        texts = " ".join(text.get_text().replace("\n", " ")
                         for text in figure.findobj(lambda artist: hasattr(artist, "get_text")))
        # each chain brings two activities: 20 activities are 10 edges (30 of 9,999 transitions: 0.3%)
        assert "showing 10 of 5,000 edges (< 1% of transitions), 20 of 10,000 activities" in texts
        assert [] == readability_problems(figure)

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
        boxes = [(x - (text_width_in(f"{edge.count:,}", 12.0) + 0.12) / 2, y - 0.14,
                  x + (text_width_in(f"{edge.count:,}", 12.0) + 0.12) / 2, y + 0.14)
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


class TestMadeForARoom:
    """The value stream map and the DFG read on a projector: at most `PROJECTOR_WIDTH_IN` wide, every text at least
    12 pt, and no two texts whose drawn boxes (window extents) meet — checked on the drawn figures."""

    @pytest.mark.parametrize("stages", [3, 12, 28])
    def test_value_stream_map(self, stages: int) -> None:
        log = build_log(stages).assign(**{"org:resource": lambda frame: frame["org:resource"] + "-with-a-long-name"})
        stage_times = compute_stage_times(log)
        figure = draw_value_stream_map(summarize_value_stream(stage_times), compute_case_times(log))
        assert [] == readability_problems(figure)

    def test_value_stream_map_of_many_activities_says_what_it_leaves_out(self) -> None:
        summary = pd.DataFrame({"concept:name": [f"activity {index}" for index in range(40)],
                                "visits": list(range(40, 0, -1)), "wait_mean_h": 1.0, "work_mean_h": 0.5})
        cases = pd.DataFrame({"lead_time_h": [2.0], "work_h": [0.5]})
        figure = draw_value_stream_map(summary, cases, max_stages=30)
        texts = [text.get_text() for text in figure.findobj(lambda artist: hasattr(artist, "get_text"))]
        # 40 + 39 + … + 11 = 765 of 820 visits
        assert "showing the 30 most visited of 40 activities (93% of all visits)" in texts
        assert "activity 39" not in texts and [] == readability_problems(figure)

    @pytest.mark.parametrize("stages", [3, 28])
    def test_dfg(self, stages: int) -> None:
        log = build_log(stages)
        share = summarize_stages(compute_stage_times(log)).set_index("concept:name")["wait_share"].to_dict()
        assert [] == readability_problems(draw_dfg(discover_dfg(log), wait_share=share))

    def test_dfg_with_rework_and_parallel_edges(self) -> None:
        rng = np.random.default_rng(3)
        graph = nx.DiGraph()
        names = [f"step {index} of the process" for index in range(9)]
        for source in names:
            for target in rng.choice(names, size=4, replace=False):
                graph.add_edge(source, str(target), count=int(rng.integers(1, 5000)))
        graph.graph["start_activities"] = {names[0]: 10}
        figure = draw_dfg(graph, teams={name: "a team with a long name" for name in names})
        assert [] == readability_problems(figure)

    def test_lead_time_histogram_and_queue_lengths(self) -> None:
        from mining.plots_flow import draw_lead_time_histogram, draw_queue_lengths

        lead = compute_case_times(build_log(5))["lead_time_h"].to_numpy(dtype=float)
        assert [] == readability_problems(draw_lead_time_histogram(lead))
        queues = pd.DataFrame({"time": [0.0, 1.0, 2.0, 0.0, 1.5], "length": [0, 2, 1, 1, 0],
                               "stage": ["a stage with a long name to wrap", "a stage with a long name to wrap",
                                         "a stage with a long name to wrap", "b", "b"]})
        figure = draw_queue_lengths(queues, "time", "length", "stage", title="Queues", value_label="items",
                                    period=None)
        assert [] == readability_problems(figure)

    def test_a_long_tailed_histogram_labels_its_log_axis_with_plain_numbers(self) -> None:
        """0.1, 1, 10, 1,000 rather than 10^n in mathtext: read at a glance, and no mathtext parser to load."""
        from mining.plots_flow import draw_lead_time_histogram

        lead = np.random.default_rng(1).lognormal(3.0, 1.5, 2000)
        figure = draw_lead_time_histogram(lead)
        figure.canvas.draw()
        axes = figure.axes[0]
        assert axes.get_xscale() == "log"
        labels = [label.get_text() for label in axes.get_xticklabels() if label.get_text()]
        assert {"1", "10", "100", "1,000"} <= set(labels)
        assert not any("$" in label for label in labels)
        assert not [label for label in axes.xaxis.get_minorticklabels() if label.get_text()]
        assert [] == readability_problems(figure)

    def test_the_check_finds_small_and_overlapping_text(self) -> None:
        """The rule itself: a 9 pt text and two texts at one spot are reported, a too wide figure too."""
        from matplotlib.figure import Figure

        figure = Figure(figsize=(14, 3))
        figure.text(0.1, 0.5, "small", fontsize=9)
        figure.text(0.5, 0.5, "one", fontsize=12)
        figure.text(0.5, 0.5, "two", fontsize=12)
        assert ["figure 14.00 in wide (at most 12.25 in)", "'small' at 9.0 pt", "'one' overlaps 'two'"] \
            == readability_problems(figure)


def test_png_alone_unless_svg_is_asked_for(tmp_path: Path) -> None:
    """The report embeds PNG; SVG costs a second drawing, so it is written only inside `figure_formats(svg=True)`."""
    from matplotlib.figure import Figure

    from mining.plots_common import DPI, save_figure

    figure = Figure(figsize=(2, 1))
    figure.add_axes((0, 0, 1, 1)).plot([0, 1], [0, 1])
    with figure_formats(svg=False):
        assert [tmp_path / "a.png"] == save_figure(figure, tmp_path / "a.svg")
        assert ["a.png"] == sorted(path.name for path in tmp_path.iterdir())
    assert [tmp_path / "b.png", tmp_path / "b.svg"] == save_figure(figure, tmp_path / "b")  # the fixture asks
    assert (2 * DPI, 1 * DPI) == _png_size(tmp_path / "a.png")  # the figure's own size: no tight bounding box


def _png_size(path: Path) -> tuple[int, int]:
    import struct

    width, height = struct.unpack(">II", path.read_bytes()[16:24])
    return width, height
