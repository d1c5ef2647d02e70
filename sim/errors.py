"""The one error type of the simulator's input side."""


class ScenarioError(ValueError):
    """A scenario file (or model) is malformed; the message names the file, the path inside it and the rule.

    Shape: ``operate.yaml: streams.operate.stages[1].work.cv must be >= 0 (got -0.5)``.
    """


class ClusterError(RuntimeError):
    """A Dask cluster could not run the replications: Dask is not installed, the scheduler cannot be reached, or the
    cluster failed during the run. The message says which and what to do; no results exist."""
