"""flowlab: the command line and the HTML report, the one place that uses both `sim` and `mining`.

`sim` (the SimPy simulator) and `mining` (event-log import, measures and discovery with pm4py) never import each
other; they meet through two data formats, the event log and the scenario file (see DESIGN.md).
"""

__version__ = "0.1.0"
