"""Ages and tenures: whole years from one date to another, or to the day a table was exported.

A customer, patient or staff table often holds a birth date beside an age,
or a hire date beside the years served. The age is the number of whole years
from the birth date to a visit date (another column) or to a date no column
holds (the day the table was exported), counted one of two ways:

- ``'birthdays'``: the birthdays passed, as people count (a birthday on 29
  February is passed on 1 March in other years);
- ``'days'``: the days between, over 365.25, rounded down, as
  ``((end - start).days / 365.25).astype(int)`` computes it.

The search (:mod:`.arithmetic_search`) records such a column as a
:class:`WholeYears` relation beside the other arithmetic columns, where it
holds in every training row holding its dates; samples then compute the age
from their drawn dates, and a row's score counts it as certain given them.
A fixed reference date is one that every training row allows: the earliest
of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from .._json import is_finite_number

__all__ = ["MAX_YEARS", "RULES", "WholeYears", "whole_years", "years_reference"]

RULES = ("birthdays", "days")
# The most years a column of whole years counts, either way: ages, tenures and terms, not years of the calendar.
MAX_YEARS = 1000
_YEAR_SECONDS = 365.25 * 86_400


@dataclass(frozen=True)
class WholeYears:
    """Column ``column`` (an index of X) holds the whole years from the instant in column ``start`` to the one
    in column ``end``, or to the fixed instant ``reference`` (seconds from 1970-01-01) where ``end`` is None,
    counted by ``rule`` (see :data:`RULES`)."""

    column: int
    start: int
    end: int | None
    rule: str
    reference: float | None = None
    operation: ClassVar[str] = "years"
    unit: ClassVar[None] = None
    factor: ClassVar[None] = None

    @property
    def terms(self) -> tuple[int, ...]:
        """The columns the years are computed from."""
        return (self.start,) if self.end is None else (self.start, self.end)

    def result(self, start: np.ndarray, end: np.ndarray | None = None) -> np.ndarray:
        """The whole years from ``start`` to ``end`` (instants in seconds; NaN where either is missing)."""
        end = np.full(len(start), self.reference) if end is None else end
        return whole_years(start, end, self.rule)

    def describe(self, names: list[str], columns=None) -> str:
        """The relation in words: ``'age = whole years from dob to visit'``."""
        if self.end is None:
            day = np.datetime64(int(self.reference), "s").astype("datetime64[D]")
            to = f"{day} (no column)"
        else:
            to = names[self.end]
        counted = "birthdays passed" if self.rule == "birthdays" else "days / 365.25"
        return f"{names[self.column]} = whole years from {names[self.start]} to {to}, by {counted}"

    def to_dict(self) -> dict:
        """The relation as plain JSON values."""
        document = {"column": self.column, "start": self.start, "end": self.end, "operation": "years"}
        document["rule"] = self.rule
        return document if self.reference is None else {**document, "reference": self.reference}

    @classmethod
    def from_dict(cls, doc, n_columns: int) -> WholeYears | None:
        """The relation :meth:`to_dict` wrote, or None where ``doc`` is not a valid one."""
        fixed = isinstance(doc, dict) and doc.get("end") is None
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"column", "start", "end", "operation", "rule", *(("reference",) if fixed else ())}
            and doc["operation"] == "years"
            and doc["rule"] in RULES
            and all(type(doc[k]) is int and 0 <= doc[k] < n_columns for k in ("column", "start"))
            and (fixed or (type(doc["end"]) is int and 0 <= doc["end"] < n_columns))
            and len({doc["column"], doc["start"], doc["end"]}) == 3
            and (not fixed or is_finite_number(doc["reference"]))
        )
        if not valid:
            return None
        return cls(doc["column"], doc["start"], doc["end"], doc["rule"], doc.get("reference"))


def whole_years(start: np.ndarray, end: np.ndarray, rule: str) -> np.ndarray:
    """Whole years from each instant of ``start`` to the one of ``end`` (seconds from 1970-01-01, NaN where
    missing), counted by ``rule``.

    Examples
    --------
    >>> day = lambda text: float(np.datetime64(text, "s").astype(np.int64))
    >>> born = np.array([day("2000-03-15"), day("2000-02-29"), day("2000-02-29")])
    >>> seen = np.array([day("2024-03-14"), day("2023-02-28"), day("2023-03-01")])
    >>> whole_years(born, seen, "birthdays").tolist()
    [23.0, 22.0, 23.0]
    """
    start, end = np.asarray(start, dtype=np.float64), np.asarray(end, dtype=np.float64)
    years = np.full(np.broadcast(start, end).shape, np.nan)
    held = ~np.isnan(start) & ~np.isnan(end)
    if rule == "days":
        years[held] = np.floor((end[held] - start[held]) / _YEAR_SECONDS)
        return years
    first, last = _instants(start[held]), _instants(end[held])
    passed = last.astype("datetime64[Y]").astype(np.int64) - first.astype("datetime64[Y]").astype(np.int64)
    years[held] = passed - (_years_on(first, passed) > last)
    return years


def years_reference(start: np.ndarray, years: np.ndarray, rule: str) -> float | None:
    """The earliest instant (seconds) from which every row's ``start`` lies its ``years`` back by ``rule``, or
    None where no instant does (rows holding both)."""
    held = ~np.isnan(start) & ~np.isnan(years)
    start, years = start[held], years[held]
    if not len(start) or np.any(years != np.round(years)) or np.any(np.abs(years) > MAX_YEARS):
        return None
    if rule == "days":
        low, high = start + years * _YEAR_SECONDS, start + (years + 1) * _YEAR_SECONDS
    else:
        first = _instants(start)
        low = _seconds(_years_on(first, years.astype(np.int64)))
        high = _seconds(_years_on(first, years.astype(np.int64) + 1))
    earliest = float(low.max())
    return earliest if earliest < high.min() else None


def _instants(seconds: np.ndarray) -> np.ndarray:
    return np.floor(seconds).astype(np.int64).astype("datetime64[s]")


def _seconds(instants: np.ndarray) -> np.ndarray:
    return instants.astype(np.int64).astype(np.float64)


def _years_on(instants: np.ndarray, years: np.ndarray) -> np.ndarray:
    """Each instant moved on by its whole ``years``, the same time into its month (29 February to 1 March)."""
    months = instants.astype("datetime64[M]")
    return (months + 12 * years).astype("datetime64[s]") + (instants - months.astype("datetime64[s]"))
