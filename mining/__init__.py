"""mining: event-log import and validation, flow measures, pm4py discovery, comparison.

Reads any event log in the DESIGN.md format (the simulator's included). Never imports `sim` or SimPy.
"""

from mining.errors import EventLogError, LogRepairWarning
from mining.read import read_log
from mining.validate import Repair, repair_log, validate_log

__all__: list[str] = [
    "EventLogError",
    "LogRepairWarning",
    "Repair",
    "read_log",
    "repair_log",
    "validate_log",
]
