"""How a sweep's variants table reads for people (console and report): units, the Δ cells, the verdict."""

from __future__ import annotations

import dataclasses

import pandas as pd

from flowlab.run_results import collect_results
from flowlab.sweep_table import BOTTLENECK_HEADER, describe_variants, verdict_lines
from flowlab.variant_comparison import compare_variants
from tests.unit.handbuilt_recording import handbuilt_replications


def _table() -> pd.DataFrame:
    """Hand-built baseline (mean lead time 5.5 h in each of 3 replications) and a variant 4, 3, 2 h faster."""
    baseline = collect_results(handbuilt_replications(count=3))
    measures = baseline.measures.copy()
    measures["lead_time_mean_h"] += [-4.0, -3.0, -2.0]
    return compare_variants({"baseline": baseline, "faster": dataclasses.replace(baseline, measures=measures)})


class TestDescribeVariants:
    def test_units_in_the_headers(self) -> None:
        assert [
            "variant",
            "lead time mean (h)",
            "Δ lead time mean (h)",
            "lead time p85 (h)",
            "Δ lead time p85 (h)",
            "flow efficiency (total work / total lead time) (%)",
            "Δ flow efficiency (total work / total lead time) (pp)",
            "throughput (cases/day)",
            "Δ throughput (cases/day)",
            "SLA attainment (%)",
            "Δ SLA attainment (pp)",
            BOTTLENECK_HEADER,
        ] == list(describe_variants(_table()).columns)

    def test_cells(self) -> None:
        shown = describe_variants(_table()).set_index("variant")
        # faster: 1.5, 2.5, 3.5 h (s = 1, half-width t(0.975, 2)/√3 = 2.48); differences −4, −3, −2 h (same spread)
        assert "2.5 ± 2.5" == shown.loc["faster", "lead time mean (h)"]
        assert "-3.0 ± 2.5 real" == shown.loc["faster", "Δ lead time mean (h)"]
        assert "—" == shown.loc["baseline", "Δ lead time mean (h)"]
        # flow efficiency 9/11 in every replication, shown in %; unchanged: +0 ± 0 percentage points, not real
        assert "81.8 ± 0.0" == shown.loc["baseline", "flow efficiency (total work / total lead time) (%)"]
        assert "+0.00 ± 0.00" == shown.loc["faster", "Δ flow efficiency (total work / total lead time) (pp)"]
        # S2 has 3 of the 5 waiting hours; team b is busy 10 of 24 server-hours
        assert "S1 (67% of waiting; a 50% busy)" == shown.loc["baseline", BOTTLENECK_HEADER]


class TestVerdict:
    def test_a_real_reduction_wins(self) -> None:
        # −3 ± 2.484: the interval runs from −5.48 to −0.52 h
        assert [
            "faster: mean lead time -3.0 h (95% CI -5.5 to -0.52 h) — real: shorter",
            "winner: faster (mean lead time 3.0 h shorter than the baseline's)",
        ] == verdict_lines(_table())

    def test_no_winner_without_a_real_difference(self) -> None:
        table = _table()
        table.loc[table["variant"] == "faster", "lead_time_mean_diff_real"] = False
        assert "winner: none — no real difference in mean lead time from the baseline" == verdict_lines(table)[-1]
        assert verdict_lines(table)[0].endswith("— no real difference")
