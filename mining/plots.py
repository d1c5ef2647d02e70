"""The plots of flowlab in one place: value stream map, comparison plots, WIP / queues, directly-follows graph.

Every function takes tables (or a graph) and an output path, writes `<path>.png` (and `<path>.svg` inside
`figure_formats(svg=True)`) with matplotlib's Agg renderer (or Graphviz for the DFG when `dot` is installed) and
returns the written paths, PNG first.
"""

from mining.plots_common import choose_time_unit, figure_formats, format_difference, format_hours, save_figure
from mining.plots_compare import plot_lead_time_cdf, plot_stage_comparison
from mining.plots_dfg import plot_dfg
from mining.plots_flow import plot_lead_time_histogram, plot_queue_lengths
from mining.plots_vsm import attach_groups, plot_value_stream_map, summarize_value_stream

__all__ = [
    "attach_groups",
    "choose_time_unit",
    "figure_formats",
    "format_difference",
    "format_hours",
    "plot_dfg",
    "plot_lead_time_cdf",
    "plot_lead_time_histogram",
    "plot_queue_lengths",
    "plot_stage_comparison",
    "plot_value_stream_map",
    "save_figure",
    "summarize_value_stream",
]
