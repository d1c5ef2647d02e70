"""The directly-follows graph with stages coloured by their share of all waiting.

Rendered by Graphviz when the `dot` program is on PATH (a generated .dot text, run with subprocess), otherwise
drawn with matplotlib on a left-to-right layered layout (layers by first occurrence, long flows wrap into rows).
"""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from mining.errors import EventLogError
from mining.plots_common import (
    MIN_FONT_PT,
    PROJECTOR_WIDTH_IN,
    drop_colliding_texts,
    fit_label,
    save_figure,
    text_width_in,
    wrap_label,
)
from mining.time_units import format_share

__all__ = ["COVERAGE", "LAYERS_PER_ROW", "MAX_EDGES", "MAX_NODES", "DfgLayout", "DfgSelection", "EdgeDrawing",
           "assign_layers", "draw_dfg", "filter_dfg", "layout_dfg", "plot_dfg", "render_dot"]

LAYERS_PER_ROW = 5
"""Most layers drawn in one row by the pure-Python drawing (so it fits `PROJECTOR_WIDTH_IN` at 12 pt); longer
flows wrap."""
COVERAGE = 0.9
"""Share of all directly-follows transitions the drawn edges carry: the most frequent edges are kept until they do."""
MAX_EDGES = 30
"""Most edges drawn, whatever the coverage reached; the figure says how many of all are shown."""
MAX_NODES = 20
"""Most activities drawn: an edge that would bring in one more is left out (a log with 10,000 activities draws 20)."""
_LABEL_SIZE = MIN_FONT_PT
NODE_WIDTH = 2.2
"""Widest box of an activity, inches (narrower when a row holds more layers, so the row fits the projector width)."""
_GAP = 0.8  # between the boxes of two layers: room for an arrow and its count
_MARGIN = 0.45
_COLOUR_MAP = "YlOrRd"
_START, _END = "__flowlab_start__", "__flowlab_end__"
_Box = tuple[float, float, float, float]
"""A box as (x0, y0, x1, y1)."""
_WeightedBox = tuple[float, float, float, float, float]
"""A box as (x0, y0, x1, y1, weight of an overlap with it)."""


def _colour(share: float) -> str:
    return to_hex(colormaps[_COLOUR_MAP](Normalize(0.0, 1.0)(0.1 + 0.8 * min(max(share, 0.0), 1.0))))


def _known_shares(wait_share: Mapping[str, float] | None) -> dict[str, float]:
    """The stages' wait shares that are known: a stage whose wait is unknown (NaN, a log that cannot split wait from
    work) gets no share on the picture, not "nan%"."""
    return {node: float(share) for node, share in (wait_share or {}).items() if math.isfinite(float(share))}


def _relative_shares(graph: nx.DiGraph, wait_share: Mapping[str, float]) -> dict[str, float]:
    """Wait shares scaled so the largest is 1 (colours then use the whole scale)."""
    top = max((float(wait_share.get(node, 0.0)) for node in graph.nodes), default=0.0)
    return {node: float(wait_share.get(node, 0.0)) / top if top > 0 else 0.0 for node in graph.nodes}


def assign_layers(graph: nx.DiGraph) -> dict[str, int]:
    """Layer (0 = leftmost) of every node, for a left-to-right drawing.

    A depth-first search from the start activities (the most frequent first, then along the most frequent
    edges) finds the loops: an edge back to a node still on the search path is rework and is ignored. Each
    node then sits one layer right of its furthest predecessor over the remaining edges (longest path), and a
    node without predecessors one layer left of its nearest successor (so side entries do not span the picture).
    """
    starts = graph.graph.get("start_activities") or {}
    roots = sorted(starts, key=lambda node: (-starts[node], str(node)))
    roots += sorted((node for node in graph.nodes if graph.in_degree(node) == 0 and node not in starts), key=str)
    roots += sorted(graph.nodes, key=str)
    back_edges: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1 = on the search path, 2 = done

    def successors(node: str) -> list[str]:
        return sorted(graph.successors(node), key=lambda n: (-graph.edges[node, n].get("count", 0), str(n)))

    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(successors(root)))]
        while stack:
            node, remaining = stack[-1]
            child = next(remaining, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back_edges.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors(child))))
    forward = nx.DiGraph()
    forward.add_nodes_from(graph.nodes)
    forward.add_edges_from(edge for edge in graph.edges if edge not in back_edges)
    layers: dict[str, int] = {}
    for node in nx.topological_sort(forward):
        layers[node] = max((layers[u] + 1 for u in forward.predecessors(node)), default=0)
    for node in forward.nodes:  # a source feeding only later layers sits just left of its first successor
        if forward.in_degree(node) == 0 and forward.out_degree(node) > 0:
            layers[node] = max(layers[node], min(layers[v] for v in forward.successors(node)) - 1)
    return layers


def _dot_text(graph: nx.DiGraph, shares: Mapping[str, float], wait_share: Mapping[str, float], title: str) -> str:
    def quote(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [
        "digraph dfg {",
        f"  rankdir=LR; labelloc=t; label={quote(title)}; fontname=Helvetica; fontsize=16;",
        "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, fontsize=14];",
        "  edge [fontname=Helvetica, fontsize=12, color=\"#555555\"];",
        f"  {quote(_START)} [shape=circle, label=\"▶\", fillcolor=\"#d8f0d8\"];",
        f"  {quote(_END)} [shape=doublecircle, label=\"■\", fillcolor=\"#f0d8d8\"];",
    ]
    for node, data in graph.nodes(data=True):
        label = wrap_label(node, 24, 3) + (f"\nwait share {wait_share[node]:.0%}" if node in wait_share else "")
        if "count" in data:
            label += f"\n{int(data['count']):,}×"
        lines.append(f"  {quote(node)} [label={quote(label)}, "
                     f"fillcolor={quote(_colour(shares[node]))}];")
    top = max((int(data.get("count", 1)) for _, _, data in graph.edges(data=True)), default=1)
    for source, target, data in graph.edges(data=True):
        count = int(data.get("count", 0))
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(f'{count:,}')}, "
                     f"penwidth={0.8 + 3.0 * count / top:.2f}];")
    for key, from_start in (("start_activities", True), ("end_activities", False)):
        for node, count in (graph.graph.get(key) or {}).items():
            source, target = (_START, node) if from_start else (node, _END)
            lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(f'{int(count):,}')}, style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(dot_text: str, path: str | Path) -> list[Path]:
    """Render Graphviz text with the `dot` program to `<path>.png` and `<path>.svg`; return both paths."""
    program = shutil.which("dot")
    if program is None:
        raise EventLogError("the Graphviz program 'dot' is not on PATH")
    base = Path(path)
    base = base.with_suffix("") if base.suffix.lower() in {".png", ".svg"} else base
    base.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for kind in ("png", "svg"):
        target = base.with_name(f"{base.name}.{kind}")
        subprocess.run([program, f"-T{kind}", "-Gdpi=110", "-o", str(target)], input=dot_text.encode("utf-8"),
                       check=True, capture_output=True, timeout=120)
        written.append(target)
    return written


def _reduce_crossings(graph: nx.DiGraph, by_layer: dict[int, list[str]], sweeps: int = 4) -> None:
    """Reorder nodes within layers by the mean position of their neighbours (barycentre sweeps), in place."""
    layers = sorted(by_layer)
    for sweep in range(sweeps):
        order = layers if sweep % 2 == 0 else layers[::-1]
        index = {node: rank for layer in layers for rank, node in enumerate(by_layer[layer])}
        for layer in order[1:]:
            keys = {}
            for node in by_layer[layer]:
                neighbours = graph.predecessors(node) if sweep % 2 == 0 else graph.successors(node)
                known = [index[other] for other in neighbours if other in index and other != node]
                keys[node] = sum(known) / len(known) if known else index[node]
            by_layer[layer].sort(key=keys.__getitem__)
            index.update({node: rank for rank, node in enumerate(by_layer[layer])})


@dataclass
class EdgeDrawing:
    """One drawn edge of the matplotlib DFG: its curve (arc3 with `rad`), kind and where its count label sits."""

    source: str
    target: str
    count: int
    kind: str  # "forward", "back" (rework), "loop" (self-loop)
    start: tuple[float, float]
    end: tuple[float, float]
    rad: float
    label_xy: tuple[float, float] = (0.0, 0.0)


@dataclass
class DfgLayout:
    """Where the matplotlib DFG puts nodes, edges, row-wrap stubs and labels (figure inches, y up)."""

    positions: dict[str, tuple[float, float]]
    edges: list[EdgeDrawing]
    stubs: list[tuple[tuple[float, float], tuple[float, float], int, tuple[float, float]]] = field(
        default_factory=list)
    node_width: float = 2.0
    node_height: float = 0.9
    shown_edges: int = 0
    total_edges: int = 0


@dataclass
class DfgSelection:
    """The part of a directly-follows graph that is drawn, and how much of the whole it is."""

    graph: nx.DiGraph
    shown_edges: int
    total_edges: int
    shown_nodes: int
    total_nodes: int
    covered: float
    """Share of all directly-follows transitions (edge counts) the drawn edges carry (1.0 for a graph without any)."""

    @property
    def complete(self) -> bool:
        """Whether every edge and activity is drawn."""
        return self.shown_edges == self.total_edges and self.shown_nodes == self.total_nodes

    def describe(self) -> str:
        """The filter in words, for the figure: 'showing 24 of 310 edges (91% of transitions), 18 of 40 activities'."""
        if self.complete:
            return f"all {self.total_edges:,} edges and {self.total_nodes:,} activities"
        return (f"showing {self.shown_edges:,} of {self.total_edges:,} edges ({format_share(self.covered, 0)} of "
                f"transitions), {self.shown_nodes:,} of {self.total_nodes:,} activities: the most frequent edges")


def filter_dfg(graph: nx.DiGraph, *, coverage: float | None = COVERAGE, max_edges: int | None = MAX_EDGES,
               max_nodes: int | None = MAX_NODES) -> DfgSelection:
    """The edges that carry most of the flow: the most frequent first, until they carry `coverage` of all
    transitions or `max_edges` are kept; an edge that would bring the activities past `max_nodes` is skipped.

    Activities without a kept edge are left out (a graph without edges keeps its `max_nodes` most frequent
    activities). Node and edge attributes and the start/end activities of the kept nodes are carried over. None
    lifts a limit. The work is one sort of the edges: a log with 10,000 activities costs no n² anything.
    """
    total_edges, total_nodes = graph.number_of_edges(), graph.number_of_nodes()
    ranked = sorted(graph.edges(data=True), key=lambda e: (-int(e[2].get("count", 0)), str(e[0]), str(e[1])))
    total = sum(int(data.get("count", 0)) for _, _, data in ranked)
    edges: list[tuple[str, str, dict]] = []
    nodes: set[str] = set()
    carried = 0
    for source, target, data in ranked:
        if coverage is not None and total > 0 and carried >= coverage * total:
            break
        if max_edges is not None and len(edges) >= max_edges:
            break
        if max_nodes is not None and len(nodes | {source, target}) > max_nodes:
            continue
        edges.append((source, target, data))
        nodes |= {source, target}
        carried += int(data.get("count", 0))
    if not ranked:
        by_count = sorted(graph.nodes(data=True), key=lambda n: (-int(n[1].get("count", 0)), str(n[0])))
        nodes = {node for node, _ in by_count[:max_nodes]}
    kept = nx.DiGraph()
    kept.add_nodes_from((node, graph.nodes[node]) for node in graph.nodes if node in nodes)
    kept.add_edges_from(edges)
    for key in ("start_activities", "end_activities"):
        kept.graph[key] = {node: count for node, count in (graph.graph.get(key) or {}).items() if node in nodes}
    return DfgSelection(kept, len(edges), total_edges, len(nodes), total_nodes, carried / total if total else 1.0)


def _bezier(start: tuple[float, float], end: tuple[float, float], rad: float, t: float) -> tuple[float, float]:
    """Point at fraction `t` of matplotlib's `arc3,rad=rad` curve from `start` to `end` (a quadratic Bézier)."""
    (x1, y1), (x2, y2) = start, end
    cx, cy = (x1 + x2) / 2 + rad * (y2 - y1), (y1 + y2) / 2 - rad * (x2 - x1)
    return ((1 - t) ** 2 * x1 + 2 * (1 - t) * t * cx + t ** 2 * x2,
            (1 - t) ** 2 * y1 + 2 * (1 - t) * t * cy + t ** 2 * y2)


def _overlap(a: _Box, b: _Box) -> float:
    """Overlapping area of two boxes given as (x0, y0, x1, y1)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _place_label(text: str, candidates: list[tuple[float, float]],
                 taken: list[_Box | _WeightedBox]) -> tuple[float, float]:
    """The first candidate centre where a label box of `text` overlaps nothing in `taken` (else the one with the
    least weighted overlap; boxes are (x0, y0, x1, y1[, weight])); the chosen box is added to `taken`."""
    half_w, half_h = (text_width_in(text, _LABEL_SIZE) + 0.12) / 2, 0.14
    best, best_cost = candidates[0], float("inf")
    for x, y in candidates:
        box = (x - half_w, y - half_h, x + half_w, y + half_h)
        cost = sum(_overlap(box, other[:4]) * (other[4] if len(other) > 4 else 1.0) for other in taken)
        if cost < best_cost - 1e-12:
            best, best_cost = (x, y), cost
        if cost == 0.0:
            break
    taken.append((best[0] - half_w, best[1] - half_h, best[0] + half_w, best[1] + half_h))
    return best


def _clear_rad(start: tuple[float, float], end: tuple[float, float], rads: list[float],
               boxes: Mapping[str, _Box], ends: tuple[str, str]) -> float:
    """The first curvature in `rads` whose arc from `start` to `end` passes through no node box other than its
    own two (else the one that passes through fewest): an edge spanning layers bows around the nodes between."""
    others = [box for node, box in boxes.items() if node not in ends]
    best, best_hits = rads[0], None
    for rad in rads:
        points = [_bezier(start, end, rad, step / 40) for step in range(2, 39)]
        hits = sum(1 for x, y in points for x0, y0, x1, y1 in others if x0 <= x <= x1 and y0 <= y <= y1)
        if hits == 0:
            return rad
        if best_hits is None or hits < best_hits:
            best, best_hits = rad, hits
    return best


def layout_dfg(graph: nx.DiGraph, *, with_teams: bool = False) -> DfgLayout:
    """Place nodes in layers (left to right, wrapping into rows), route the edges and place their count labels.

    Labels are tried at several fractions along their curve (rework edges first near their source, forward
    edges in the middle, self-loop labels above or beside the loop), keeping the first spot clear of the
    nodes and of the labels already placed; the most frequent edges choose first.
    """
    layers = assign_layers(graph)
    by_layer: dict[int, list[str]] = {}
    for node, layer in sorted(layers.items(), key=lambda item: (item[1], str(item[0]))):
        by_layer.setdefault(layer, []).append(node)
    n_layers = max(by_layer) + 1 if by_layer else 1
    _reduce_crossings(graph, by_layer)
    per_row = math.ceil(n_layers / math.ceil(n_layers / LAYERS_PER_ROW))  # rows of balanced length
    width = min(NODE_WIDTH, (PROJECTOR_WIDTH_IN - 2 * _MARGIN - 0.3 - (per_row - 1) * _GAP) / per_row)
    height = 1.2 if with_teams else 0.98
    y_step = height + 0.6
    x_step = width + _GAP
    row_height = max(len(nodes) for nodes in by_layer.values()) * y_step + 1.2
    positions: dict[str, tuple[float, float]] = {}
    for layer, nodes in by_layer.items():
        row, column = divmod(layer, per_row)
        for index, node in enumerate(nodes):
            y_offset = (index - (len(nodes) - 1) / 2) * y_step
            positions[node] = (_MARGIN + column * x_step + width / 2, -(row * row_height) - y_offset)
    taken: list[_Box | _WeightedBox] = [  # nodes weigh 20 times a label: a count may cover a line, not a node
        (x - width / 2 - 0.02, y - height / 2 - 0.02, x + width / 2 + 0.02, y + height / 2 + 0.02, 20.0)
        for x, y in positions.values()]
    layout = DfgLayout(positions=positions, edges=[], node_width=width, node_height=height,
                       shown_edges=graph.number_of_edges(), total_edges=graph.number_of_edges())
    node_boxes = {node: (x - width / 2 - 0.05, y - height / 2 - 0.05, x + width / 2 + 0.05, y + height / 2 + 0.05)
                  for node, (x, y) in positions.items()}
    out_stubs: dict[str, int] = {}
    in_stubs: dict[str, int] = {}
    ordered = sorted(graph.edges(data=True), key=lambda e: (-int(e[2].get("count", 0)), str(e[0]), str(e[1])))
    for source, target, data in ordered:
        (x1, y1), (x2, y2) = positions[source], positions[target]
        count = int(data.get("count", 0))
        forward = layers[target] > layers[source]
        if source == target:
            edge = EdgeDrawing(source, target, count, "loop", (x1 - width / 4, y1 + height / 2),
                               (x1 + width / 4, y1 + height / 2), -1.5)
            peak = y1 + height / 2 + 0.375
            candidates = [(x1, peak + 0.14), (x1 + width / 4 + 0.25, peak - 0.1), (x1 - width / 4 - 0.25, peak - 0.1),
                          (x1, peak + 0.36)]
        elif forward and layers[target] // per_row != layers[source] // per_row:
            out_stubs[source] = out_stubs.get(source, 0) + count
            in_stubs[target] = in_stubs.get(target, 0) + count
            continue
        elif forward:
            start, end = (x1 + width / 2, y1), (x2 - width / 2, y2)
            default = 0.0 if abs(y1 - y2) < 0.01 else 0.2
            rad = _clear_rad(start, end, [default, -0.3, 0.3, -0.5, 0.5, -0.7, 0.7], node_boxes, (source, target))
            edge = EdgeDrawing(source, target, count, "forward", start, end, rad)
            candidates = [_bezier(edge.start, edge.end, edge.rad, t) for t in (0.5, 0.35, 0.65, 0.25, 0.75)]
        else:
            start, end = (x1 - width / 4, y1 + height / 2), (x2 + width / 4, y2 + height / 2)
            distance = max(abs(end[0] - start[0]), 0.1)
            default = min(0.45, 1.6 / distance)  # arcs above
            rad = _clear_rad(start, end, [default, 0.6, 0.8, 1.0], node_boxes, (source, target))
            edge = EdgeDrawing(source, target, count, "back", start, end, rad)
            candidates = [_bezier(edge.start, edge.end, edge.rad, t) for t in (0.3, 0.7, 0.2, 0.8, 0.5, 0.12, 0.88)]
        edge.label_xy = _place_label(f"{count:,}", candidates, taken)
        layout.edges.append(edge)
    for node, count in sorted(out_stubs.items(), key=lambda item: -item[1]):
        x, y = positions[node]
        start, end = (x + width / 2, y), (x + width / 2 + 0.35, y)
        label = _place_label(f"{count:,}", [(start[0] + 0.2, y + 0.2), (start[0] + 0.2, y - 0.2),
                                            (end[0] + 0.05 + text_width_in(f"{count:,}", _LABEL_SIZE) / 2, y)], taken)
        layout.stubs.append((start, end, count, label))
    for node, count in sorted(in_stubs.items(), key=lambda item: -item[1]):
        x, y = positions[node]
        start, end = (x - width / 2 - 0.4, y), (x - width / 2, y)
        label = _place_label(f"{count:,}", [(start[0] + 0.2, y + 0.2), (start[0] + 0.2, y - 0.2),
                                            (start[0] - 0.05 - text_width_in(f"{count:,}", _LABEL_SIZE) / 2, y)],
                             taken)
        layout.stubs.append((start, end, count, label))
    return layout


def _draw_with_matplotlib(graph: nx.DiGraph, shares: Mapping[str, float], wait_share: Mapping[str, float],
                          title: str, subtitle: str = "", *, teams: Mapping[str, str] | None = None) -> Figure:
    layout = layout_dfg(graph, with_teams=bool(teams))
    positions, width, height = layout.positions, layout.node_width, layout.node_height
    figure_width = min(max(max(x for x, _ in positions.values()) + width / 2 + _MARGIN + 0.3, 9.0),
                       PROJECTOR_WIDTH_IN)  # 0.3: a row-wrap stub
    title, title_size = fit_label(title, figure_width - 0.6, fontsize=16, max_lines=2, min_fontsize=MIN_FONT_PT,
                                  weight="bold")
    subtitle, _ = fit_label(subtitle, figure_width - 0.6, fontsize=MIN_FONT_PT, max_lines=2,
                            min_fontsize=MIN_FONT_PT)
    header = 0.35 * (title.count("\n") + 1) + (0.3 * (subtitle.count("\n") + 1) if subtitle else 0.0) + 0.35
    node_top = max(y for _, y in positions.values()) + height / 2
    label_top = max([node_top] + [edge.label_xy[1] + 0.2 for edge in layout.edges])
    arc_top = max([node_top] + [_bezier(edge.start, edge.end, edge.rad, 0.5)[1] + 0.1 for edge in layout.edges
                                if edge.kind != "forward"])
    top_y = max(label_top, arc_top) + header
    legend = ("colour: share of all waiting (darker = more) · " if wait_share else "wait unknown in this log · ") + (
        "arrow width and label: directly-follows count"
    )
    if any(edge.kind != "forward" for edge in layout.edges):
        legend += " · red arrows go back (rework)"
    if layout.stubs:
        legend += " · short arrows at a row's end continue at the next row's start"
    legend, _ = fit_label(legend, figure_width - 0.6, fontsize=MIN_FONT_PT, max_lines=3, min_fontsize=MIN_FONT_PT)
    bottom_y = min(y for _, y in positions.values()) - height / 2 - 0.3 - 0.22 * (legend.count("\n") + 1)
    figure = Figure(figsize=(figure_width, top_y - bottom_y))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, figure_width)
    axes.set_ylim(bottom_y, top_y)
    axes.set_axis_off()
    axes.text(0.3, top_y - 0.15, title, fontsize=title_size, fontweight="bold", va="top", linespacing=1.1)
    if subtitle:
        axes.text(0.3, top_y - 0.2 - 0.35 * (title.count("\n") + 1), subtitle, fontsize=MIN_FONT_PT,
                  color="#9a3a12", va="top")
    top = max((int(data.get("count", 1)) for _, _, data in graph.edges(data=True)), default=1)
    label_box = {"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
    counts = []
    for edge in layout.edges:
        colour = "#555555" if edge.kind == "forward" else "#b03a2e"
        axes.annotate("", xy=edge.end, xytext=edge.start,
                      arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 0.7 + 2.5 * edge.count / top,
                                  "connectionstyle": f"arc3,rad={edge.rad}", "shrinkA": 0, "shrinkB": 0})
        counts.append(axes.text(*edge.label_xy, f"{edge.count:,}", ha="center", va="center", fontsize=_LABEL_SIZE,
                                color="#7a2018" if edge.kind != "forward" else "#333333", bbox=label_box, zorder=5))
    for start, end, count, label_xy in layout.stubs:
        axes.annotate("", xy=end, xytext=start,
                      arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.7 + 2.5 * min(count / top, 1.0),
                                  "shrinkA": 0, "shrinkB": 0})
        counts.append(axes.text(*label_xy, f"{count:,}", ha="center", va="center", fontsize=_LABEL_SIZE,
                                color="#333333", bbox=label_box, zorder=5))
    for node, (x, y) in positions.items():
        axes.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                      boxstyle="round,pad=0,rounding_size=0.1", facecolor=_colour(shares[node]),
                                      edgecolor="#444444", linewidth=1.0, zorder=3))
        ink = "white" if shares[node] > 0.6 else "black"
        name, size = fit_label(str(node), width - 0.14, fontsize=MIN_FONT_PT, max_lines=2, min_fontsize=MIN_FONT_PT,
                               weight="bold")
        axes.text(x, y + height / 2 - 0.08, name, ha="center", va="top", fontsize=size, fontweight="bold", zorder=4,
                  linespacing=1.0, color=ink)
        if teams and teams.get(node):
            team, team_size = fit_label(str(teams.get(node, "") or ""), width - 0.14, fontsize=MIN_FONT_PT,
                                        max_lines=1, min_fontsize=MIN_FONT_PT)
            axes.text(x, y - height / 2 + 0.4, team, ha="center", va="center", fontsize=team_size, zorder=4,
                      color=ink, style="italic")
        if node in wait_share:
            axes.text(x, y - height / 2 + 0.15, f"wait share {wait_share[node]:.0%}", ha="center",
                      va="center", fontsize=MIN_FONT_PT, zorder=4, color=ink)
    axes.text(0.3, bottom_y + 0.12, legend, fontsize=MIN_FONT_PT, color="#555555", va="bottom")
    drop_colliding_texts(figure, counts)  # a count that found no free spot is left out, never drawn over a text
    return figure


def draw_dfg(
    graph: nx.DiGraph,
    *,
    wait_share: Mapping[str, float] | None = None,
    title: str = "Directly-follows graph",
    teams: Mapping[str, str] | None = None,
    coverage: float | None = COVERAGE,
    max_edges: int | None = MAX_EDGES,
    max_nodes: int | None = MAX_NODES,
) -> Figure:
    """The directly-follows graph as a matplotlib figure made for a room (`PROJECTOR_WIDTH_IN` wide at most, text
    of at least `MIN_FONT_PT`, no overlapping labels), filtered by `filter_dfg`, the filter stated under the title."""
    if graph.number_of_nodes() == 0:
        raise EventLogError("cannot draw an empty directly-follows graph")
    wait_share = _known_shares(wait_share)
    selection = filter_dfg(graph, coverage=coverage, max_edges=max_edges, max_nodes=max_nodes)
    shown = selection.graph
    return _draw_with_matplotlib(shown, _relative_shares(shown, wait_share), wait_share, title,
                                 selection.describe(), teams=teams)


def plot_dfg(
    graph: nx.DiGraph,
    path: str | Path,
    *,
    wait_share: Mapping[str, float] | None = None,
    title: str = "Directly-follows graph",
    use_graphviz: bool | None = None,
    coverage: float | None = COVERAGE,
    max_edges: int | None = MAX_EDGES,
    max_nodes: int | None = MAX_NODES,
    teams: Mapping[str, str] | None = None,
) -> list[Path]:
    """Draw the directly-follows graph (`discover_dfg`: edge attribute `count`) with stages coloured by wait share.

    Only the edges that carry most of the flow are drawn (`filter_dfg`: the most frequent until `coverage` of all
    transitions, at most `max_edges` edges and `max_nodes` activities), and the figure says so: "showing 24 of 310
    edges (91% of transitions), 18 of 40 activities".

    Args:
        graph: the DFG; node attribute `count` and graph attributes `start_activities` / `end_activities`
            are used when present.
        path: output path; `.png` and `.svg` are written.
        wait_share: stage → share of all waiting in [0, 1] (`summarize_stages`); missing stages count 0.
        title: figure title.
        use_graphviz: True forces Graphviz, False the matplotlib drawing; None uses Graphviz when `dot` is on PATH.
        coverage, max_edges, max_nodes: the filter (None lifts a limit).
        teams: stage → who works there (e.g. `summarize_value_stream`'s `resource`: the team), shown in the node.
    """
    if graph.number_of_nodes() == 0:
        raise EventLogError("cannot draw an empty directly-follows graph")
    if use_graphviz is None:
        use_graphviz = shutil.which("dot") is not None
    if use_graphviz:
        selection = filter_dfg(graph, coverage=coverage, max_edges=max_edges, max_nodes=max_nodes)
        known = _known_shares(wait_share)
        return render_dot(_dot_text(selection.graph, _relative_shares(selection.graph, known), known,
                                    f"{title}\n{selection.describe()}"), path)
    figure = draw_dfg(graph, wait_share=wait_share, title=title, teams=teams, coverage=coverage,
                      max_edges=max_edges, max_nodes=max_nodes)
    return save_figure(figure, path)
