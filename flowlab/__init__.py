"""flowlab: the command line and the HTML report, the one place that uses both `sim` and `mining`.

`sim` (the SimPy simulator) and `mining` (event-log import, measures and discovery with pm4py) never import each
other; they meet through two data formats, the event log and the scenario file (see DESIGN.md).
"""

__version__ = "0.1.0"

__all__ = ["RunResults", "collect_results", "compare_variants", "find_winner", "write_results"]

_LAZY = {
    "RunResults": "flowlab.run_results",
    "collect_results": "flowlab.run_results",
    "write_results": "flowlab.run_results",
    "compare_variants": "flowlab.variant_comparison",
    "find_winner": "flowlab.variant_comparison",
}


def __getattr__(name: str) -> object:
    """Import the run-results helpers on first use, so `flowlab --help` stays light (no pandas or scipy)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'flowlab' has no attribute {name!r}")
