"""The one error type of the simulator's input side."""


class ScenarioError(ValueError):
    """A scenario file (or model) is malformed; the message names the file, the path inside it and the rule.

    Shape: ``operate.yaml: streams.operate.stages[1].work.cv must be >= 0 (got -0.5)``.
    """
