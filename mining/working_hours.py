"""Hours of a weekly working calendar between two moments, for many intervals at once (vectorised).

A calendar here is the working weekdays (0 = Monday) and one daily window [open, close) in hours of the day, in UTC
(the timezone calibrated scenarios run in). Mining needs it to tell waiting while a team was off duty from the rest.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

__all__ = ["last_opening", "working_hours_between"]

_NS_PER_HOUR = 3_600_000_000_000
_NS_PER_DAY = 24 * _NS_PER_HOUR
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday


def _working_hours_until(ns: np.ndarray, daily: np.ndarray, open_h: float, close_h: float) -> np.ndarray:
    """W(t): working hours from the epoch to each moment (a ramp that grows one hour per working hour)."""
    day = np.floor_divide(ns, _NS_PER_DAY)
    weekday = (day + _EPOCH_WEEKDAY) % 7
    # working hours of the days before `day`: whole weeks, then the days of the current week so far
    week_prefix = np.concatenate([[0.0], np.cumsum(np.roll(daily, -_EPOCH_WEEKDAY))])  # from a Thursday on
    offset = (weekday - _EPOCH_WEEKDAY) % 7
    before = (day // 7) * daily.sum() + week_prefix[offset]
    clock_h = (ns - day * _NS_PER_DAY) / _NS_PER_HOUR
    today = np.clip(clock_h, open_h, close_h) - open_h
    return before + np.where(daily[weekday] > 0, today, 0.0)


def working_hours_between(
    begin_ns: np.ndarray, end_ns: np.ndarray, weekdays: Iterable[int], open_h: float, close_h: float
) -> np.ndarray:
    """Working hours of the calendar (`weekdays`, daily window [`open_h`, `close_h`)) within each [begin, end]."""
    days = set(weekdays)
    daily = np.array([close_h - open_h if day in days else 0.0 for day in range(7)], dtype=float)
    begin = np.asarray(begin_ns, dtype=np.int64)
    end = np.asarray(end_ns, dtype=np.int64)
    return _working_hours_until(end, daily, open_h, close_h) - _working_hours_until(begin, daily, open_h, close_h)


def last_opening(
    moments_ns: np.ndarray, weekdays: Iterable[int], open_h: float, close_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """For each moment: the calendar's last opening at or before it, and the closing of the working day before that
    opening (both ns). A moment inside working hours has its own day's opening."""
    days = set(weekdays)
    if not days:
        raise ValueError("a calendar without working days has no opening")
    moments = np.asarray(moments_ns, dtype=np.int64)
    day = np.floor_divide(moments, _NS_PER_DAY)
    open_ns, close_ns = round(open_h * _NS_PER_HOUR), round(close_h * _NS_PER_HOUR)
    working = np.array([day_of_week in days for day_of_week in range(7)])
    # step back to the latest working day whose opening is not after the moment
    candidate = day.copy()
    opened = working[(candidate + _EPOCH_WEEKDAY) % 7] & (candidate * _NS_PER_DAY + open_ns <= moments)
    for _ in range(8):
        candidate = np.where(opened, candidate, candidate - 1)
        opened = working[(candidate + _EPOCH_WEEKDAY) % 7] & (candidate * _NS_PER_DAY + open_ns <= moments)
    opening = candidate * _NS_PER_DAY + open_ns
    previous = candidate - 1
    for _ in range(7):
        previous = np.where(working[(previous + _EPOCH_WEEKDAY) % 7], previous, previous - 1)
    return opening, previous * _NS_PER_DAY + close_ns
