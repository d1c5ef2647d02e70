"""Column names of the event log (XES standard keys as pm4py uses them; see DESIGN.md)."""

CASE = "case:concept:name"
ACTIVITY = "concept:name"
LIFECYCLE = "lifecycle:transition"
TIMESTAMP = "time:timestamp"
RESOURCE = "org:resource"
INSTANCE = "concept:instance"
ARRIVAL = "case:arrival"
