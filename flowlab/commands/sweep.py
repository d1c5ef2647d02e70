"""`flowlab sweep`: what-if variants of one scenario, run together, compared in one table with 95% CIs.

    flowlab sweep scenarios/integrate.yaml --set teams.testers.capacity=2,3,4
    flowlab sweep scenarios/it4it-e2e.yaml --set "streams.integrate.stages.Accept & Publish Release.batch.size=4,8"

The baseline (the file as it is) and every combination of the `--set` values are simulated with the same seed, all
replications in one pool of workers; the folder holds a table of the variants, a chart, an HTML report and each
variant's full results folder (so `flowlab compare` takes any two of them, and `flowlab report` any one).
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
import yaml
from rich.console import Console
from rich.table import Table

from flowlab.commands.run import (
    HorizonOption,
    SchedulerOption,
    WarmupOption,
    WorkersOption,
    check_run_options,
    fail,
    percent,
    replication_progress,
    safe_folder_name,
    with_interval,
)
from flowlab.folders import replace_folder
from flowlab.report import write_report
from sim.durations import format_hours
from sim.errors import ScenarioError
from sim.load_check import check_offered_load
from sim.network import Network
from sim.overrides import apply_settings, read_variant, variant_source
from sim.replications import Replications, with_run_settings
from sim.results import collect_results, library_versions, write_results
from sim.scenario import build_network, validate_scenario
from sim.statistics import Summary
from sim.variants import run_variants

BASELINE = "baseline"
SWEEP_FILE = "sweep.json"
MAX_VARIANTS = 64


def parse_setting(text: str) -> tuple[str, list[Any]]:
    """`PATH=V1,V2,…` -> (path, values); values are read as YAML (numbers, durations, [lists], true/false)."""
    path, separator, values = text.partition("=")
    if not separator or not path.strip() or not values.strip():
        raise typer.BadParameter(
            f"expected PATH=VALUE[,VALUE…], e.g. teams.testers.capacity=2,3 (got {text!r})", param_hint="--set"
        )
    try:
        parsed = yaml.safe_load(f"[{values}]")
    except yaml.YAMLError as error:
        raise typer.BadParameter(f"cannot read the values of {text!r} ({error})", param_hint="--set") from None
    return path.strip(), list(parsed)


def variant_settings(settings: list[tuple[str, list[Any]]]) -> dict[str, dict[str, Any]]:
    """The baseline (no change) and every combination of the values, named ``label=value, …`` in order.

    A label is the shortest tail of its path (two keys at least) that no other varied path ends with:
    ``teams.testers.capacity`` shows as ``testers.capacity``.
    """
    variants: dict[str, dict[str, Any]] = {BASELINE: {}}
    paths = [path for path, _ in settings]
    repeated = sorted({path for path in paths if paths.count(path) > 1})
    if repeated:
        raise typer.BadParameter(
            f"{', '.join(repeated)} given more than once; list its values in one --set", param_hint="--set"
        )
    labels = _short_labels(paths)
    for combination in itertools.product(*(values for _, values in settings)):
        chosen = dict(zip(paths, combination, strict=True))
        name = ", ".join(f"{labels[path]}={_show(value)}" for path, value in chosen.items())
        variants[name] = chosen
    return variants


def _short_labels(paths: list[str]) -> dict[str, str]:
    split = {path: path.split(".") for path in paths}
    labels = {}
    for path, steps in split.items():
        for keep in range(min(2, len(steps)), len(steps) + 1):
            tail = steps[-keep:]
            if not any(other != path and other_steps[-keep:] == tail for other, other_steps in split.items()):
                break
        labels[path] = ".".join(tail)
    return labels


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, list | dict) else str(value)


def _slug(index: int, name: str) -> str:
    return f"{index:02d}-{safe_folder_name(name, 'variant')[:60]}"


def variants_table(summaries: dict[str, Summary], settings: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per variant: its settings and the headline measures (mean and 95% CI half-width)."""
    rows = []
    paths = list(dict.fromkeys(path for chosen in settings.values() for path in chosen))
    for name, summary in summaries.items():
        row: dict[str, Any] = {"variant": name}
        row |= {path: _show(settings[name][path]) if path in settings[name] else "(as in the file)" for path in paths}
        for measure in (
            "lead_time_mean_h",
            "lead_time_p85_h",
            "flow_efficiency",
            "throughput_per_day",
            "wip",
            "sla_attainment",
        ):
            estimate = getattr(summary, measure)
            row[measure] = estimate.mean
            row[f"{measure}_ci"] = estimate.half_width
        row["completed_cases"] = summary.completed_cases
        row["bottleneck"] = summary.bottleneck.stage if summary.bottleneck else None
        row["bottleneck_wait_share"] = summary.bottleneck.wait_share if summary.bottleneck else None
        rows.append(row)
    return pd.DataFrame(rows)


def sweep_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.", show_default=False)],
    *,
    set_: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="PATH=V1,V2,… a setting and the values to try, e.g. teams.testers.capacity=2,3,4 (repeat for "
            "several settings: every combination runs). Paths: keys joined by dots; stages by name or index.",
        ),
    ],
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
) -> None:
    """Try what-if variants of a scenario side by side: every combination of the --set values and the baseline."""
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    horizon_h, warmup_h = check_run_options(horizon, warmup, workers)
    if not set_:
        raise typer.BadParameter("give at least one setting to vary", param_hint="--set")
    settings = variant_settings([parse_setting(text) for text in set_])
    if len(settings) > MAX_VARIANTS:
        raise fail(errors, f"{len(settings)} variants is more than {MAX_VARIANTS}; try fewer values per --set")
    networks: dict[str, Network] = {}
    documents: dict[str, Any] = {}  # each variant's scenario as data, written beside its results
    try:
        base = read_variant(scenario, {})  # the file is read and parsed once; each variant changes a copy
        for name, chosen in settings.items():
            label = None if name == BASELINE else name
            documents[name] = apply_settings(base, chosen, source=variant_source(scenario, label))
            network = build_network(validate_scenario(documents[name], variant_source(scenario, label)))
            networks[name] = with_run_settings(
                network, replications=replications, seed=seed, horizon_h=horizon_h, warmup_h=warmup_h
            )
    except ScenarioError as error:
        raise fail(errors, str(error)) from None
    except ValueError as error:
        raise fail(errors, f"{scenario.name}: {error}") from None
    runs = _run(console, networks, workers, scheduler)

    baseline = runs[BASELINE].network
    target = out if out is not None else Path("results") / _default_name(baseline)
    if target.exists() and any(target.iterdir()) and not (target / SWEEP_FILE).is_file():
        raise fail(
            errors,
            f"refusing to replace {target}: it exists and is not a flowlab sweep folder "
            f"(no {SWEEP_FILE}); choose another --out",
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}-", suffix=".partial", dir=target.parent))
    try:
        with console.status("writing every variant's results …"):
            summaries = _write_sweep(scratch, scenario, runs, settings, documents)
        replace_folder(scratch, target)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)
    with console.status("drawing the chart and the HTML report …"):
        report = write_report(target)
    console.print(_print_table(summaries, baseline))
    console.print(f"sweep:  {target}  (variants/ holds each variant's results folder)", markup=False)
    console.print(f"report: {report} (open it in a browser)", markup=False)


def _default_name(network: Network) -> str:
    return f"{safe_folder_name(network.name)}-sweep-{network.run.seed}"


def _run(
    console: Console, networks: dict[str, Network], workers: int | None, scheduler: str | None
) -> dict[str, Replications]:
    """Warn about overloaded teams per variant, then run every variant's replications in one pool with a bar."""
    for name, network in networks.items():
        for warning in check_offered_load(network):
            console.print(f"warning: [{name}] {warning.message}", style="yellow", markup=False)
    settings = networks[BASELINE].run
    console.print(
        f"{len(networks)} variants x {settings.replications} replications of {format_hours(settings.horizon_h)} "
        f"(warm-up {format_hours(settings.warmup_h)}), seed {settings.seed}",
        markup=False,
    )
    with replication_progress(console, sum(network.run.replications for network in networks.values())) as advance:
        return run_variants(networks, workers=workers, scheduler=scheduler, progress=advance)


def _write_sweep(
    folder: Path,
    scenario: Path,
    runs: dict[str, Replications],
    settings: dict[str, dict[str, Any]],
    documents: dict[str, Any],
) -> dict[str, Summary]:
    """Each variant's results folder, `variants.csv`, the chart and `sweep.json` into `folder`; the summaries.

    A variant's folder holds its own scenario (the file with the variant's settings applied), so `flowlab report`
    and a later `flowlab run` of it see what was simulated; the baseline keeps the file as it is, comments and all.
    """
    summaries: dict[str, Summary] = {}
    entries = []
    drafts = folder / ".scenarios"
    for index, (name, run) in enumerate(runs.items()):
        results = collect_results(run)
        summaries[name] = results.summary
        slug = _slug(index, name)
        source = scenario
        if settings[name]:
            source = drafts / slug / scenario.name
            source.parent.mkdir(parents=True)
            header = f"# {scenario.name} with {name} (written by flowlab sweep)\n"
            body = yaml.dump(documents[name], Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
            source.write_text(header + body, encoding="utf-8")
        write_results(folder / "variants" / slug, results, scenario_path=source)
        entries.append(
            {
                "variant": name,
                "folder": f"variants/{slug}",
                "settings": settings[name],
                "summary": results.summary.to_dict(),
            }
        )
    shutil.rmtree(drafts, ignore_errors=True)
    table = variants_table(summaries, settings)
    table.to_csv(folder / "variants.csv", index=False)
    baseline = runs[BASELINE].network
    document = {
        "scenario": baseline.name,
        "scenario_file": scenario.name,
        "seed": baseline.run.seed,
        "replications": baseline.run.replications,
        "horizon_h": baseline.run.horizon_h,
        "warmup_h": baseline.run.warmup_h,
        "versions": library_versions(),
        "variants": entries,
    }
    (folder / SWEEP_FILE).write_text(
        json.dumps(document, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8"
    )
    return summaries


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML that repeats shared values (a calendar used by several teams) instead of writing &anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _print_table(summaries: dict[str, Summary], baseline: Network) -> Table:
    settings = baseline.run
    shown = Table(
        title=f"{baseline.name}: {len(summaries)} variants, {settings.replications} replications each, "
        f"seed {settings.seed} "
        "(mean ± 95% CI)"
    )
    for column in ("variant", "lead time", "lead time p85", "flow efficiency", "throughput / day", "top bottleneck"):
        text = column in ("variant", "top bottleneck")
        shown.add_column(column, justify="left" if text else "right", overflow="fold" if text else "ellipsis")
    for name, summary in summaries.items():
        bottleneck = summary.bottleneck
        shown.add_row(
            name,
            with_interval(summary.lead_time_mean_h, format_hours),
            with_interval(summary.lead_time_p85_h, format_hours),
            with_interval(summary.flow_efficiency, percent),
            with_interval(summary.throughput_per_day, lambda value: f"{value:.2f}"),
            "none" if bottleneck is None else f"{bottleneck.stage} ({percent(bottleneck.wait_share)})",
        )
    return shown
