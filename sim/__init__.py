"""sim: the SimPy simulator of value streams as networks of queues.

Reads scenario files, runs replications, writes the event log. Never imports `mining` or pm4py.
"""

__all__: list[str] = []
