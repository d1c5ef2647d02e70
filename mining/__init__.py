"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.
"""

__all__: list[str] = []
