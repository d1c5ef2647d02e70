"""What `flowlab sweep` does: read the scenario once, build every variant, run them in one pool, compare each
with the baseline pair by pair, and write the sweep folder (tables, every variant's results folder, the report).
The command's options live in `flowlab.commands.sweep`, which imports this module only when a sweep runs."""

from __future__ import annotations

import itertools
import json
import shlex
from pathlib import Path
from typing import Any

import pandas as pd
import typer
import yaml
from rich.console import Console
from rich.table import Table

from flowlab.commands.run import (
    check_run_options,
    fail,
    print_report_line,
    quiet_cluster_logs,
    read_scenario_file,
    replication_progress,
    safe_folder_name,
)
from flowlab.folders import write_folder
from flowlab.interruptions import command_guard
from flowlab.report import write_report
from flowlab.run_results import RunResults, collect_results, library_versions, write_results
from flowlab.sweep_table import GROUP_KEYS, REFERENCE, describe_variants, group_file, verdict_lines
from flowlab.variant_comparison import COMPARED_MEASURES, WINNER_MEASURE, compare_variants, find_winner
from mining.time_units import format_hours
from sim.errors import ClusterError, ScenarioError
from sim.load_check import check_offered_load
from sim.network import Network
from sim.overrides import apply_settings, read_variant, variant_source
from sim.replications import Replications, with_run_settings
from sim.scenario import build_network, validate_scenario
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
    return ".".join(step.strip() for step in path.split(".")), list(parsed)


def variant_settings(settings: list[tuple[str, list[Any]]], *, zipped: bool = False) -> dict[str, dict[str, Any]]:
    """The baseline (no change) and the variants, each named ``label=value, …`` in order, every name unique.

    Without `zipped` the variants are every combination of the values; with it, the values are paired by position
    (the first of each, the second of each, …), which needs as many values in every setting. A label is the
    shortest tail of its path (two keys at least) that no other varied path ends with: ``teams.testers.capacity``
    shows as ``testers.capacity``; a value reads as YAML would write it (a text that would read as another value
    is quoted).

    Raises:
        typer.BadParameter: a path given twice, zipped settings with different numbers of values, or the same
            variant twice.
    """
    paths = [path for path, _ in settings]
    repeated = sorted({path for path in paths if paths.count(path) > 1})
    if repeated:
        raise typer.BadParameter(
            f"{', '.join(repeated)} given more than once; list its values in one --set", param_hint="--set"
        )
    value_lists = [values for _, values in settings]
    if zipped and len({len(values) for values in value_lists}) > 1:
        counts = ", ".join(f"{path} has {len(values)}" for path, values in settings)
        raise typer.BadParameter(
            f"pairs the values of the --set options position by position, so each needs as many values ({counts})",
            param_hint="--zip",
        )
    combinations = list(zip(*value_lists, strict=True) if zipped else itertools.product(*value_lists))
    labels = _short_labels(paths)
    variants: dict[str, dict[str, Any]] = {BASELINE: {}}
    seen: set[str] = set()
    for combination in combinations:
        chosen = dict(zip(paths, combination, strict=True))
        name = ", ".join(f"{labels[path]}={_show(value)}" for path, value in chosen.items())
        key = json.dumps(combination, default=repr)
        if key in seen:
            raise typer.BadParameter(f"the variant {name} would run twice; give each value once", param_hint="--set")
        seen.add(key)
        variants[_unused(name, variants)] = chosen
    return variants


def _short_labels(paths: list[str]) -> dict[str, str]:
    """path -> its shortest tail (two keys at least) that no other path ends with; distinct paths, distinct tails."""
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
    """A value as a label shows it: lists and mappings as JSON, YAML's words for true/false/null, a text that would
    read back as something else (``"3"``, ``"yes"``) in quotes."""
    if isinstance(value, list | dict):
        return json.dumps(value, default=str)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str):
        try:
            same = yaml.safe_load(value) == value
        except yaml.YAMLError:
            same = False
        return value if same and value.strip() == value else json.dumps(value)
    return str(value)


def _unused(name: str, taken: dict[str, Any]) -> str:
    """`name`, or `name (2)`, `name (3)` … when two different values happen to read alike."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name} ({number})"
    return candidate


def _slug(index: int, name: str) -> str:
    return f"{index:02d}-{safe_folder_name(name, 'variant')[:60]}"


def variants_table(results: dict[str, RunResults], settings: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """One row per variant: its settings (a column per full path) and `compare_variants` against the baseline."""
    paths = list(dict.fromkeys(path for chosen in settings.values() for path in chosen))
    table = compare_variants(results, baseline=BASELINE)
    for position, path in enumerate(paths, start=1):
        shown = [_show(settings[name][path]) if path in settings[name] else "(as in the file)" for name in results]
        table.insert(position, path, shown)
    return table


def run_sweep(
    scenario: Path,
    *,
    set_: list[str],
    zip_: bool,
    replications: int | None,
    seed: int | None,
    horizon: str | None,
    warmup: str | None,
    out: Path | None,
    workers: int | None,
    scheduler: str | None,
    report: bool = True,
    svg: bool = False,
) -> None:
    """Run `flowlab sweep` (its options are documented on `flowlab.commands.sweep.sweep_command`)."""
    console = Console(highlight=False)
    errors = Console(stderr=True, highlight=False)
    horizon_h, warmup_h = check_run_options(horizon, warmup, workers)
    if not set_:
        raise typer.BadParameter("give at least one setting to vary", param_hint="--set")
    settings = variant_settings([parse_setting(text) for text in set_], zipped=zip_)
    if len(settings) > MAX_VARIANTS:
        raise fail(errors, f"{len(settings)} variants is more than {MAX_VARIANTS}; try fewer values per --set")
    networks: dict[str, Network] = {}
    documents: dict[str, Any] = {}  # each variant's scenario as data, written beside its results
    text = read_scenario_file(scenario, errors)  # read once: what is simulated is what the folder keeps
    try:
        base = read_variant(scenario, {}, text=text)  # parsed once too; each variant changes a copy
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
    counts = {name: network.run.replications for name, network in networks.items()}
    if len(set(counts.values())) > 1:
        shown = ", ".join(f"{name}: {count}" for name, count in counts.items())
        raise fail(
            errors,
            f"the variants would run different numbers of replications ({shown}); they are compared replication by "
            "replication, so give them one count with --replications",
        )
    target = out if out is not None else Path("results") / _default_name(networks[BASELINE])
    command_guard().out = target
    try:
        runs = _run(console, networks, workers, scheduler)
    except ClusterError as error:
        raise fail(errors, str(error)) from None
    except ScenarioError as error:  # a limit the run reached (sim.limits)
        raise fail(errors, f"{scenario.name}: {error}") from None

    baseline = runs[BASELINE].network
    tables: dict[str | None, pd.DataFrame] = {}

    def fill(folder: Path) -> None:
        tables.update(_write_sweep(folder, scenario, runs, settings, documents, text=text, zipped=zip_))
        if report:
            write_report(folder, kind="sweep", svg=svg, shown_as=target)

    command = ["flowlab", "sweep", str(scenario), *(part for text in set_ for part in ("--set", text))]
    command += ["--zip"] if zip_ else []
    try:
        status = "writing every variant's results, the chart and the HTML report …" if report \
            else "writing every variant's results …"
        with console.status(status):
            write_folder(target, "sweep", fill, command=shlex.join(command), inputs=[str(scenario)])
    except FileExistsError as error:
        raise fail(errors, str(error)) from None
    command_guard().written = True
    _print_tables(console, tables, baseline)
    console.print(f"sweep:  {target}  (variants/ holds each variant's results folder)", markup=False, soft_wrap=True)
    print_report_line(console, target, report)


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
    with (
        replication_progress(console, sum(network.run.replications for network in networks.values())) as advance,
        quiet_cluster_logs(scheduler),
    ):
        return run_variants(networks, workers=workers, scheduler=scheduler, progress=advance)


def _write_sweep(
    folder: Path,
    scenario: Path,
    runs: dict[str, Replications],
    settings: dict[str, dict[str, Any]],
    documents: dict[str, Any],
    *,
    text: str,
    zipped: bool,
) -> dict[str | None, pd.DataFrame]:
    """Each variant's results folder, the variants tables and `sweep.json` into `folder`; the tables by grouping.

    A variant's folder holds its own scenario (the file's `text` with the variant's settings applied), so `flowlab
    report` and a later `flowlab run` of it see what was simulated; the baseline keeps the `text` as it was read,
    comments and all.
    """
    results: dict[str, RunResults] = {}
    folders: dict[str, str] = {}
    for index, (name, run) in enumerate(runs.items()):
        results[name] = collect_results(run)
        slug = _slug(index, name)
        written = text
        if settings[name]:
            header = f"# {scenario.name} with {name} (written by flowlab sweep)\n"
            written = header + yaml.dump(documents[name], Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
        write_results(folder / "variants" / slug, results[name], scenario_path=scenario,
                      scenario_text=written.encode("utf-8"))
        folders[name] = f"variants/{slug}"
    tables: dict[str | None, pd.DataFrame] = {None: variants_table(results, settings)}
    tables[None].to_csv(folder / "variants.csv", index=False)
    for by in GROUP_KEYS:
        tables[by] = compare_variants(results, baseline=BASELINE, by=by)
        tables[by].to_csv(folder / group_file(by), index=False)
    baseline = runs[BASELINE].network
    paths = list(dict.fromkeys(path for chosen in settings.values() for path in chosen))
    labels = _short_labels(paths)
    document = {
        "scenario": baseline.name,
        "scenario_file": scenario.name,
        "seed": baseline.run.seed,
        "replications": baseline.run.replications,
        "horizon_h": baseline.run.horizon_h,
        "warmup_h": baseline.run.warmup_h,
        "versions": library_versions(),
        "varied": [{"path": path, "label": labels[path]} for path in paths],
        "combined": "zipped by position" if zipped else "every combination",
        "baseline": BASELINE,
        "winner": find_winner(tables[None]),
        "winner_rule": (
            f"the largest reduction of {WINNER_MEASURE.column()} whose paired 95% CI over replications excludes 0"
        ),
        "variants": [
            {
                "variant": name,
                "folder": folders[name],
                "settings": settings[name],
                "summary": results[name].summary.to_dict(),
                "differences": _differences(tables[None].loc[tables[None]["variant"] == name].iloc[0]),
                **{key: _records(tables[by].loc[tables[by]["variant"] == name]) for by, key in GROUP_KEYS.items()},
            }
            for name in results
        ],
    }
    (folder / SWEEP_FILE).write_text(
        json.dumps(document, indent=2, allow_nan=False, default=str) + "\n", encoding="utf-8"
    )
    return tables


def _differences(row: pd.Series) -> dict[str, Any]:
    """measure column -> its paired difference to the baseline: mean, CI half-width (null without one), real."""
    return {
        measure.column(): {
            "mean": _number_or_none(row[measure.column("_diff")]),
            "half_width": _number_or_none(row[measure.column("_diff_ci")]),
            "real": bool(row[measure.real_column]),
        }
        for measure in COMPARED_MEASURES
    }


def _number_or_none(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-safe dicts (NaN as None, numpy numbers and booleans as Python's), without the variant column."""
    records: list[dict[str, Any]] = json.loads(rows.drop(columns="variant").to_json(orient="records"))
    return records


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML that repeats shared values (a calendar used by several teams) instead of writing &anchors."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _print_tables(console: Console, tables: dict[str | None, pd.DataFrame], baseline: Network) -> None:
    """The variants overall, per stream and per item class, then the verdict on the mean lead time."""
    settings = baseline.run
    caption = (
        "mean ± 95% CI half-width; Δ = paired difference to the baseline ± its 95% CI over the replications "
        "(same random numbers); 'real' = that CI excludes 0"
    )
    titles = {
        None: f"{baseline.name}: {len(tables[None])} variants, {settings.replications} replications each, "
        f"seed {settings.seed}",
        "stream": "per stream",
        "item": "per work item class",
    }
    for by in (None, "stream", "item"):
        console.print(_console_table(titles[by], describe_variants(tables[by], by, baseline=BASELINE), caption))
    for line in verdict_lines(tables[None], baseline=BASELINE):
        console.print(line, markup=False)


def _console_table(title: str, shown: pd.DataFrame, caption: str) -> Table:
    """A rich table of `describe_variants` text: each measure's Δ column under the measure, in the same cell."""
    table = Table(title=title, caption=caption)
    columns = list(shown.columns)
    merged: list[list[str]] = []
    for position, column in enumerate(columns):
        if column.startswith("Δ "):
            continue
        following = columns[position + 1] if position + 1 < len(columns) else ""
        merged.append([column, following] if following.startswith("Δ ") else [column])
    for group in merged:
        if len(group) == 1:
            table.add_column(group[0], justify="left", overflow="fold")
        else:
            table.add_column("\n".join(group), justify="right", overflow="fold")
    for row in shown.to_dict("records"):
        cells = []
        for group in merged:
            parts = [str(row[column]) for column in group]
            if group[0] == "variant":  # one setting a line
                parts = [parts[0].replace(", ", ",\n")]
            if len(parts) == 2 and parts[1] != REFERENCE:
                parts[1] = f"Δ {parts[1]}"
            cells.append("\n".join(parts))
        table.add_row(*cells)
    return table
