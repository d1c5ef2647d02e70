"""The picture of a calibration: the weekly arrival profile, and each activity's observed work times against the
distribution fitted to them."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from scipy import stats

from mining.plots_common import PROJECTOR_WIDTH_IN, ROOM_STYLE, SIDE_COLOURS, WORK_COLOUR, save_figure
from mining.time_units import duration_hours

__all__ = ["draw_on_duty", "plot_calibration", "plot_on_duty"]

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")



def _pdf(spec: dict[str, Any], x: np.ndarray) -> np.ndarray | None:
    """Density of a scenario distribution spec at `x` (hours); None for kinds without one (fixed, empirical)."""
    kind = spec.get("kind")
    if kind not in {"exponential", "lognormal", "gamma"}:
        return None
    mean = duration_hours(spec["mean"])
    if kind == "exponential":
        return stats.expon.pdf(x, scale=mean)
    cv = float(spec["cv"])
    if kind == "lognormal":
        sigma = math.sqrt(math.log(1 + cv * cv))
        return stats.lognorm.pdf(x, sigma, scale=mean / math.sqrt(1 + cv * cv))
    shape = 1 / (cv * cv)
    return stats.gamma.pdf(x, shape, scale=mean / shape)


def plot_calibration(
    arrivals: pd.DataFrame, work: dict[str, np.ndarray], stages: list[dict[str, Any]], path: str | Path
) -> list[Path]:
    """One figure: arrivals per hour over the week (top), then per activity a histogram of its observed work times
    (log-spaced bins) with the fitted density over it. Returns the PNG and SVG paths."""
    shown = [stage for stage in stages if len(work.get(stage["name"], ())) > 0][:12]
    columns = 3
    rows = 1 + math.ceil(len(shown) / columns)
    figure = Figure(figsize=(15, 3.2 * rows), layout="constrained")
    grid = figure.add_gridspec(rows, columns)
    top = figure.add_subplot(grid[0, :])
    if len(arrivals):
        hour_of_week = arrivals["weekday"].to_numpy(dtype=int) * 24 + arrivals["hour"].to_numpy(dtype=int)
        top.bar(hour_of_week, arrivals["rate_per_h"].fillna(0.0), width=1.0, color=SIDE_COLOURS[0])
        top.set_xticks(np.arange(7) * 24 + 12, _WEEKDAYS)
        top.set_xlim(0, 168)
    top.set_ylabel("arrivals per hour")
    top.set_title("Arrivals over the week (UTC), as calibrated", fontsize=13)
    for index, stage in enumerate(shown):
        axes = figure.add_subplot(grid[1 + index // columns, index % columns])
        values = np.asarray(work[stage["name"]], dtype=float)
        positive = values[values > 0]
        if len(positive):
            # on a log axis, compare densities of log10(time): the fitted pdf f(x) becomes f(x)·x·ln 10
            logs = np.log10(positive)
            label = f"observed (n={len(values)})"
            axes.hist(logs, bins=30, density=True, color=WORK_COLOUR, alpha=0.5, label=label)
            if np.ptp(logs) > 0:
                exponents = np.linspace(logs.min(), logs.max(), 200)
                density = _pdf(stage["work"], 10**exponents)
                if density is not None:
                    axes.plot(exponents, density * 10**exponents * math.log(10), color="black", linewidth=1.5,
                              label=f"fitted {stage['work']['kind']}")  # fmt: skip
        axes.set_title(stage["name"], fontsize=11)
        axes.set_xlabel("work time, log10 of hours")
        axes.legend(fontsize=8)
    return save_figure(figure, path)


def plot_on_duty(on_duty: pd.DataFrame, path: str | Path) -> list[Path]:
    """`draw_on_duty` written as PNG (and SVG on request); returns the paths."""
    return save_figure(draw_on_duty(on_duty), path)


@rc_context(ROOM_STYLE)  # text made for a room: the settings apply to the artists made inside
def draw_on_duty(on_duty: pd.DataFrame) -> Figure:
    """Per team, over the week: the people the calibrated calendars put on duty (line) beside the mean number of
    people the log shows working in each hour (bars). Bars outside the line are work the calendars do not cover.
    `on_duty` is `Calibration.on_duty` (columns team, hour_of_week, seen_working, on_duty)."""
    teams = list(dict.fromkeys(on_duty["team"])) if len(on_duty) else []
    figure = Figure(figsize=(PROJECTOR_WIDTH_IN, 2.6 * max(len(teams), 1) + 0.6), layout="constrained")
    for index, team in enumerate(teams or [""]):
        axes = figure.add_subplot(max(len(teams), 1), 1, index + 1)
        if team:
            mine = on_duty.loc[on_duty["team"] == team].sort_values("hour_of_week")
            hours = mine["hour_of_week"].to_numpy(dtype=int)
            axes.bar(hours + 0.5, mine["seen_working"], width=1.0, color=SIDE_COLOURS[1], alpha=0.6,
                     label="people seen working (mean per hour, from the log)")  # fmt: skip
            axes.step(np.append(hours, 168), np.append(mine["on_duty"], mine["on_duty"].iloc[-1]), where="post",
                      color="black", linewidth=1.8, label="people on duty (calibrated calendars)")  # fmt: skip
            axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_xticks(np.arange(7) * 24 + 12, _WEEKDAYS)
        axes.set_xticks(np.arange(8) * 24, minor=True)
        axes.tick_params(axis="x", which="minor", length=0)
        axes.grid(axis="x", which="minor", color="0.8")
        axes.set_xlim(0, 168)
        axes.set_ylabel("people")
        axes.set_title(team or "no resources in the log: no working hours learned", loc="left")
        if index == 0 and team:
            figure.legend(*axes.get_legend_handles_labels(), loc="outside upper center", ncols=2, frameon=False)
    return figure
