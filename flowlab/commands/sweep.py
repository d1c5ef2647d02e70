"""`flowlab sweep`: what-if variants of one scenario, run together, each compared with the baseline pair by pair.

    flowlab sweep scenarios/integrate.yaml --set teams.testers.capacity=2,3,4
    flowlab sweep scenarios/it4it-e2e.yaml --set "streams.integrate.stages.Accept & Publish Release.batch.size=4,8"
    flowlab sweep scenarios/integrate.yaml --zip --set teams.testers.capacity=2,3 --set teams.developers.capacity=5,6

The baseline (the file as it is) and the variants are simulated with the same seed, all replications in one pool of
workers. Without `--zip` the variants are every combination of the `--set` values; with `--zip` the values of the
`--set` options are paired position by position (2 and 5, then 3 and 6 above), so every `--set` needs as many values.
A variant is named by the shortest tail of each setting path that tells it from the other paths, and its value
(``testers.capacity=3``); sweep.json keeps the full paths.

Replication r of every variant draws from the same random streams (common random numbers), so each variant is judged
by its paired difference to the baseline: replication r of the variant minus replication r of the baseline, with a
95% t interval over those differences. A difference is real only when that interval excludes 0, and a variant is
named the winner only for a real reduction of the mean lead time.

The folder holds (durations in hours, shares as fractions 0–1):

- `variants.csv`: per variant its settings (a column per full path) and, for lead time mean and p85, flow
  efficiency, throughput per day, WIP and SLA attainment, the mean with its 95% CI half-width (`_ci`), the paired
  difference to the baseline (`_diff`), that difference's half-width (`_diff_ci`) and whether it is real
  (`_diff_real`); then the top bottleneck, its share of the waiting and its team's utilisation;
- `variants_by_class.csv`, `variants_by_stream.csv`: the same per variant and work item class (`item`) or stream;
- `sweep.json`: the run settings, the settings varied (full paths and labels), the winner, and per variant its
  folder, settings, summary, paired differences and its per-class and per-stream rows;
- `plots/`, `report.html`: charts of the paired differences with their CIs, and the HTML report;
- `variants/NN-<label>/`: each variant's full results folder (`flowlab compare` takes any two of them, `flowlab
  report` any one);
- `flowlab.json`: the manifest (`flowlab.folders`); the folder is written whole or not at all, its report included
  (`--no-report` leaves out `plots/` and `report.html`; `flowlab report FOLDER` draws them later).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from flowlab.commands.run import HorizonOption, SchedulerOption, WarmupOption, WorkersOption
from flowlab.interruptions import guarded
from flowlab.options import ReportOption, SvgOption


@guarded
def sweep_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    *,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="PATH=V1,V2,… a setting and the values to try, e.g. teams.testers.capacity=2,3,4 (repeat for "
            "several settings: every combination runs, or with --zip the values paired by position). Paths: keys "
            "joined by dots; stages by name or index.",
        ),
    ],
    zip_: Annotated[
        bool,
        typer.Option(
            "--zip",
            help="Pair the values of the --set options position by position instead of trying every combination: "
            "--zip --set a.capacity=1,2 --set b.capacity=3,4 runs a.capacity=1 with b.capacity=3, then 2 with 4 "
            "(every --set needs as many values).",
        ),
    ] = False,
    replications: Annotated[
        int | None, typer.Option(help="Replications per variant (default: the scenario's).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed shared by all variants (default: the scenario's).")] = None,
    horizon: HorizonOption = None,
    warmup: WarmupOption = None,
    out: Annotated[
        Path | None, typer.Option(help="Sweep folder (default: results/<scenario name>-sweep-<seed> here).")
    ] = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    report: ReportOption = True,
    svg: SvgOption = False,
) -> None:
    """Try what-if variants of a scenario beside the baseline: every combination of the --set values (or, with
    --zip, the values paired by position), each judged by its paired difference to the baseline with a 95% CI."""
    from flowlab.sweeping import run_sweep

    run_sweep(
        scenario, set_=set_, zip_=zip_, replications=replications, seed=seed, horizon=horizon, warmup=warmup,
        out=out, workers=workers, scheduler=scheduler, report=report, svg=svg,
    )  # fmt: skip
