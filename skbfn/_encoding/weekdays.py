"""Dates that fall on some days of the week only: trading days (Monday to Friday), weekly readings (Mondays).

A date column is modelled as a number of days (or hours, minutes, seconds),
and a model of numbers spreads its draws over every day of the week: a table
of trading days got Saturdays and Sundays in about two samples of seven, and
a table of weekly readings got every weekday. Where the training dates of a
column fall on some days of the week only, with the distinct dates too many
for that to be chance (``(k / 7)^n <= MAX_CHANCE`` for ``n`` distinct dates
on ``k`` days of the week, and at least
:data:`~skbfn._encoding.orders.MIN_ORDER_ROWS` of them), the encoder records
those days. The sampler draws a row whose date falls on another day again
(``enforce_bounds``), as it does one that breaks an order or leaves a window:
samples follow the model truncated to those days, and scores are those of
the untruncated model. Days of the week are those of the wall-clock date (a
time-zoned column's local date).

Only instants counted in days, hours, minutes or seconds get days of the
week: not months (the first of a month falls on any day), not durations,
not times of day (all on one day), not ISO weeks (``'2021-W08'``, read as
their Mondays, written as the week of any day).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .._json import is_int
from .column import Column
from .orders import (
    MAX_CHANCE,
    MIN_ORDER_ROWS,
    SECONDS,
    UNIT_SECONDS,
    comparable_numbers,
    order_units,
    pair_cells_broken,
    pair_rows_broken,
    time_kind,
)
from .times import ISO_WEEKS, TIMES_OF_DAY
from .values import as_float, column_values

__all__ = ["Weekdays", "column_weekdays", "weekday_cells_broken", "weekdays_broken", "weekdays_from_json"]

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# 1970-01-01, from which an instant's seconds count, was a Thursday.
_WEEKDAY_OF_EPOCH = 3


@dataclass(frozen=True)
class Weekdays:
    """Column ``column`` (an index of X, an instant) falls on the days of the week ``days`` only (Monday 0 to
    Sunday 6, sorted; fewer than seven), in every training row that holds it."""

    column: int
    days: tuple[int, ...]

    def to_dict(self) -> dict:
        """The days as plain JSON values."""
        return {"column": self.column, "days": list(self.days)}

    def describe(self, names: list[str]) -> str:
        """The days in words: ``'trade_date on Mon-Fri'``, ``'reading on Mon'``, ``'shift on Mon, Wed, Fri'``."""
        days = self.days
        if len(days) > 2 and days == tuple(range(days[0], days[-1] + 1)):
            shown = f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
        else:
            shown = ", ".join(DAY_NAMES[d] for d in days)
        return f"{names[self.column]} on {shown}"

    def outside(self, columns: list[Column], numbers: dict) -> np.ndarray:
        """Where the decoded ``numbers`` of the column fall on another day of the week (False where missing)."""
        seconds = comparable_numbers(columns[self.column], numbers[self.column])
        observed = ~np.isnan(seconds)
        wrong = np.zeros(len(seconds), dtype=bool)
        wrong[observed] = ~np.isin(weekdays_of(seconds[observed]), self.days)
        return wrong


def weekdays_of(seconds: np.ndarray) -> np.ndarray:
    """The day of the week (Monday 0) of wall-clock instants in seconds since 1970-01-01.

    Examples
    --------
    >>> weekdays_of(np.array([0.0, 4 * 86_400.0, -1.0]))  # 1970-01-01 a Thursday, then a Monday, a Wednesday
    array([3, 0, 2])
    """
    days = np.floor(np.asarray(seconds, dtype=np.float64) / SECONDS["D"]).astype(np.int64)
    return (days + _WEEKDAY_OF_EPOCH) % 7


def _has_weekdays(column: Column) -> bool:
    """Whether a column is an instant counted in days, hours, minutes or seconds (not a time of day)."""
    return (
        time_kind(column) == "instant"
        and column.time_unit in UNIT_SECONDS
        and order_units(column) is not None
        and column.time_format not in ("time", ISO_WEEKS, *TIMES_OF_DAY)  # ISO weeks write no day
    )


def column_weekdays(columns: list[Column], X) -> list[Weekdays]:
    """The days of the week each date column keeps (see the module's description).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"trade_date": rng.choice(pd.bdate_range("2024-01-01", "2024-12-31"), 300)})
    >>> [w.describe(list(X)) for w in TableEncoder().fit(X).weekdays_]
    ['trade_date on Mon-Fri']
    """
    found = []
    for j, column in enumerate(columns):
        if not _has_weekdays(column):
            continue
        seconds = comparable_numbers(column, column.numbers(column_values(X, j), as_float))
        dates = np.unique(np.floor(seconds[~np.isnan(seconds)] / SECONDS["D"]))
        days = np.unique(weekdays_of(dates * SECONDS["D"]))
        if len(dates) < MIN_ORDER_ROWS or len(days) == 7:
            continue
        if len(dates) * np.log(len(days) / 7) <= np.log(MAX_CHANCE):
            found.append(Weekdays(j, tuple(int(d) for d in days)))
    return found


def _weekday_checks(columns: list[Column], weekdays) -> list:
    """The days as checks of :func:`~skbfn._encoding.orders.pair_rows_broken` (a pair of one column): broken
    where the date falls on another day."""
    return [(w.column, w.column, functools.partial(w.outside, columns)) for w in weekdays]


def weekdays_broken(encoder, rows: np.ndarray, given: np.ndarray | None, numbers: dict) -> np.ndarray:
    """Which model rows ``rows`` hold a drawn date on a day of the week its column never fell on in training,
    given the ``numbers`` the rows decode to in their columns."""
    return pair_rows_broken(encoder, _weekday_checks(encoder.columns_, encoder.weekdays_), rows, given, numbers)


def weekday_cells_broken(encoder, rows: np.ndarray, given: np.ndarray | None, weekdays: list[Weekdays]) -> np.ndarray:
    """Which drawn cells of the model rows ``rows`` (not those of ``given``, NaN where drawn) are dates on a day
    of the week their column never fell on."""
    return pair_cells_broken(encoder, _weekday_checks(encoder.columns_, weekdays), rows, given)


def weekdays_from_json(documents, columns: list[Column]) -> list[Weekdays]:
    """Days of the week written by :meth:`Weekdays.to_dict`, checked; ValueError names what is wrong."""
    found = []
    for doc in documents if isinstance(documents, list) else [None]:
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"column", "days"}
            and is_int(doc["column"])
            and 0 <= doc["column"] < len(columns)
            and isinstance(doc["days"], list)
            and 0 < len(doc["days"]) < 7
            and all(is_int(d) and 0 <= d < 7 for d in doc["days"])
            and doc["days"] == sorted(set(doc["days"]))
            and _has_weekdays(columns[doc["column"]])
        )
        if not valid:
            raise ValueError(f"the encoder's days of the week hold an invalid entry {doc!r}")
        found.append(Weekdays(doc["column"], tuple(doc["days"])))
    return found
