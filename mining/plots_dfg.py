"""The directly-follows graph with stages coloured by their share of all waiting.

Rendered by Graphviz when the `dot` program is on PATH (a generated .dot text, run with subprocess), otherwise
drawn with matplotlib on a left-to-right layered layout (layers by first occurrence, long flows wrap into rows).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path

import networkx as nx
from matplotlib import colormaps
from matplotlib.colors import Normalize, to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from mining.errors import EventLogError
from mining.plots_common import save_figure, wrap_label

__all__ = ["LAYERS_PER_ROW", "assign_layers", "plot_dfg", "render_dot"]

LAYERS_PER_ROW = 7
"""Most layers drawn in one row by the pure-Python drawing; longer flows wrap."""
_COLOUR_MAP = "YlOrRd"
_START, _END = "__flowlab_start__", "__flowlab_end__"


def _colour(share: float) -> str:
    return to_hex(colormaps[_COLOUR_MAP](Normalize(0.0, 1.0)(0.1 + 0.8 * min(max(share, 0.0), 1.0))))


def _relative_shares(graph: nx.DiGraph, wait_share: Mapping[str, float]) -> dict[str, float]:
    """Wait shares scaled so the largest is 1 (colours then use the whole scale)."""
    top = max((float(wait_share.get(node, 0.0)) for node in graph.nodes), default=0.0)
    return {node: float(wait_share.get(node, 0.0)) / top if top > 0 else 0.0 for node in graph.nodes}


def assign_layers(graph: nx.DiGraph) -> dict[str, int]:
    """Layer (0 = leftmost) of every node, for a left-to-right drawing.

    A depth-first search from the start activities (the most frequent first, then along the most frequent
    edges) finds the loops: an edge back to a node still on the search path is rework and is ignored. Each
    node then sits one layer right of its furthest predecessor over the remaining edges (longest path).
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
    return layers


def _dot_text(graph: nx.DiGraph, shares: Mapping[str, float], wait_share: Mapping[str, float], title: str) -> str:
    def quote(text: str) -> str:
        return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = [
        "digraph dfg {",
        f"  rankdir=LR; labelloc=t; label={quote(title)}; fontname=Helvetica; fontsize=16;",
        "  node [shape=box, style=\"rounded,filled\", fontname=Helvetica, fontsize=11];",
        "  edge [fontname=Helvetica, fontsize=9, color=\"#555555\"];",
        f"  {quote(_START)} [shape=circle, label=\"▶\", fillcolor=\"#d8f0d8\"];",
        f"  {quote(_END)} [shape=doublecircle, label=\"■\", fillcolor=\"#f0d8d8\"];",
    ]
    for node, data in graph.nodes(data=True):
        label = f"{wrap_label(node, 24, 3)}\nwait share {float(wait_share.get(node, 0.0)):.0%}"
        if "count" in data:
            label += f"\n{int(data['count']):,}×"
        lines.append(f"  {quote(node)} [label={quote(label)}, "
                     f"fillcolor={quote(_colour(shares[node]))}];")
    top = max((int(data.get("count", 1)) for _, _, data in graph.edges(data=True)), default=1)
    for source, target, data in graph.edges(data=True):
        count = int(data.get("count", 0))
        lines.append(f"  {quote(source)} -> {quote(target)} [label={quote(f'{count:,}')}, "
                     f"penwidth={0.8 + 3.0 * count / top:.2f}];")
    for key, node_a, node_b in (("start_activities", _START, None), ("end_activities", None, _END)):
        for node, count in (graph.graph.get(key) or {}).items():
            source, target = (node_a, node) if node_b is None else (node, node_b)
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


def _draw_with_matplotlib(graph: nx.DiGraph, shares: Mapping[str, float], wait_share: Mapping[str, float],
                          title: str, path: str | Path) -> list[Path]:
    layers = assign_layers(graph)
    by_layer: dict[int, list[str]] = {}
    for node, layer in sorted(layers.items(), key=lambda item: (item[1], str(item[0]))):
        by_layer.setdefault(layer, []).append(node)
    n_layers = max(by_layer) + 1 if by_layer else 1
    _reduce_crossings(graph, by_layer)
    per_row = min(n_layers, LAYERS_PER_ROW)
    row_height = max(len(nodes) for nodes in by_layer.values()) * 1.3 + 0.8
    x_step, width, height = 2.6, 2.0, 0.9
    positions: dict[str, tuple[float, float]] = {}
    for layer, nodes in by_layer.items():
        row, column = divmod(layer, per_row)
        for index, node in enumerate(nodes):
            y_offset = (index - (len(nodes) - 1) / 2) * 1.3
            positions[node] = (0.8 + column * x_step + width / 2, -(row * row_height) - y_offset)
    figure_width = per_row * x_step + 1.2
    top_y = max(y for _, y in positions.values()) + height / 2 + 1.5  # room for loops and the title
    bottom_y = min(y for _, y in positions.values()) - height / 2 - 0.9
    figure = Figure(figsize=(figure_width, top_y - bottom_y))
    axes = figure.add_axes((0, 0, 1, 1))
    axes.set_xlim(0, figure_width)
    axes.set_ylim(bottom_y, top_y)
    axes.set_axis_off()
    axes.text(0.3, top_y - 0.3, title, fontsize=15, fontweight="bold", va="center")
    top = max((int(data.get("count", 1)) for _, _, data in graph.edges(data=True)), default=1)
    for source, target, data in graph.edges(data=True):
        (x1, y1), (x2, y2) = positions[source], positions[target]
        count = int(data.get("count", 0))
        forward = layers[target] > layers[source]
        if source == target:
            start, end, rad = (x1 - width / 4, y1 + height / 2), (x1 + width / 4, y1 + height / 2), -1.5
            label_xy = (x1, y1 + height / 2 + 0.78)
        elif forward and layers[target] // per_row != layers[source] // per_row:
            # the flow wraps to a later row: a stub out of the source and a stub into the target, not a long line
            for stub_start, stub_end in (((x1 + width / 2, y1), (x1 + width / 2 + 0.3, y1)),
                                         ((x2 - width / 2 - 0.35, y2), (x2 - width / 2, y2))):
                axes.annotate("", xy=stub_end, xytext=stub_start,
                              arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.7 + 2.5 * count / top,
                                          "shrinkA": 0, "shrinkB": 0})
            axes.text(x2 - width / 2 - 0.2, y2 + 0.1, f"{count:,}", ha="center", va="bottom", fontsize=9,
                      color="#333333")
            continue
        elif forward:
            start, end = (x1 + width / 2, y1), (x2 - width / 2, y2)
            rad = 0.0 if abs(y1 - y2) < 0.01 else 0.2
            label_xy = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2 + 0.1)
        else:
            start, end = (x1 - width / 4, y1 + height / 2), (x2 + width / 4, y2 + height / 2)
            distance = max(abs(end[0] - start[0]), 0.1)
            rad = -min(0.45, 1.6 / distance)
            label_xy = ((start[0] + end[0]) / 2, max(start[1], end[1]) + abs(rad) * distance / 2 + 0.05)
        axes.annotate("", xy=end, xytext=start,
                      arrowprops={"arrowstyle": "-|>", "color": "#555555" if forward else "#b03a2e",
                                  "lw": 0.7 + 2.5 * count / top, "connectionstyle": f"arc3,rad={rad}",
                                  "shrinkA": 0, "shrinkB": 0})
        axes.text(*label_xy, f"{count:,}", ha="center", va="bottom", fontsize=9, color="#333333",
                  bbox={"boxstyle": "round,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85})
    for node, (x, y) in positions.items():
        axes.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height,
                                      boxstyle="round,pad=0,rounding_size=0.1", facecolor=_colour(shares[node]),
                                      edgecolor="#444444", linewidth=1.0, zorder=3))
        ink = "white" if shares[node] > 0.6 else "black"
        axes.text(x, y + 0.12, wrap_label(node, 22, 2), ha="center", va="center", fontsize=9.5, fontweight="bold",
                  zorder=4, linespacing=1.0, color=ink)
        axes.text(x, y - 0.28, f"wait share {float(wait_share.get(node, 0.0)):.0%}", ha="center", va="center",
                  fontsize=9, zorder=4, color=ink)
    axes.text(0.3, bottom_y + 0.3, "colour: share of all waiting (darker = more) · arrow width and "
              "label: directly-follows count · red arrows go back (rework)", fontsize=9.5, color="#555555")
    return save_figure(figure, path)


def plot_dfg(
    graph: nx.DiGraph,
    path: str | Path,
    *,
    wait_share: Mapping[str, float] | None = None,
    title: str = "Directly-follows graph",
    use_graphviz: bool | None = None,
) -> list[Path]:
    """Draw the directly-follows graph (`discover_dfg`: edge attribute `count`) with stages coloured by wait share.

    Args:
        graph: the DFG; node attribute `count` and graph attributes `start_activities` / `end_activities`
            are used when present.
        path: output path; `.png` and `.svg` are written.
        wait_share: stage → share of all waiting in [0, 1] (`summarize_stages`); missing stages count 0.
        title: figure title.
        use_graphviz: True forces Graphviz, False the matplotlib drawing; None uses Graphviz when `dot` is on PATH.
    """
    if graph.number_of_nodes() == 0:
        raise EventLogError("cannot draw an empty directly-follows graph")
    wait_share = dict(wait_share or {})
    shares = _relative_shares(graph, wait_share)
    if use_graphviz is None:
        use_graphviz = shutil.which("dot") is not None
    if use_graphviz:
        return render_dot(_dot_text(graph, shares, wait_share, title), path)
    return _draw_with_matplotlib(graph, shares, wait_share, title, path)
