"""Columns that add up several earlier ones: a total of three components, a net of a gross less two charges.

:mod:`.arithmetic` finds a column computed from two others (``a + b``,
``a * b``, ...). A ledger's total often has more terms: ``total = salary +
bonus + stock``, ``net = gross - tax - fees``. A :class:`TermSum` records
such a column: in every training row holding them all, it equals a sum of
three or more earlier plain-number columns, each added or subtracted.

The terms are found by least squares: on the rows that hold the result and
the earlier columns, the result is regressed on all of them at once, and a
sum is kept only where the fit is exact and every coefficient is 0, 1 or -1
(at least three not 0), checked then on every training row, to the float64
error of a sum, in too many rows for chance (as
:func:`~skbfn._encoding.arithmetic_search.column_arithmetic`'s relations are).
A column already computed as a sum or a multiple of others and its terms
would explain each other, so the regression is run without such terms (a
total of a gross amount and fees), then without such results (a total of the
amount the gross was computed from). Tables with more than
:data:`MAX_SUM_TERMS` earlier candidate columns are not searched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

__all__ = ["MAX_SUM_TERMS", "TermSum", "first_sum"]

# The most earlier columns a result is regressed on (the search costs about rows x terms^2 per column).
MAX_SUM_TERMS = 60
# Rows the regression is fitted on, beyond the number of candidate terms.
_EXTRA_ROWS = 32


@dataclass(frozen=True)
class TermSum:
    """Column ``column`` (an index of X) equals ``sum(sign * term)`` over ``terms`` (earlier columns) in every
    row holding them all; ``signs`` are 1 or -1, one per term."""

    column: int
    terms: tuple[int, ...]
    signs: tuple[int, ...]
    operation: ClassVar[str] = "sum"
    unit: ClassVar[None] = None  # a sum reads plain numbers
    factor: ClassVar[None] = None

    def result(self, *values: np.ndarray) -> np.ndarray:
        """The signed sum of the terms' ``values`` (in the order of ``terms``)."""
        return np.sum([sign * np.asarray(v, dtype=np.float64) for sign, v in zip(self.signs, values, strict=True)], 0)

    def solved_for(self, k: int, result: np.ndarray, values: list[np.ndarray]) -> np.ndarray:
        """Term ``k``'s value that makes the row add up, given the result and the other terms' ``values``."""
        others = sum(self.signs[i] * values[i] for i in range(len(self.terms)) if i != k)
        return self.signs[k] * (result - others)

    def describe(self, names: list[str], columns=None) -> str:
        """The sum in words: ``'total = salary + bonus + stock'`` (``columns`` are not needed)."""
        words = [names[self.terms[0]] if self.signs[0] > 0 else f"-{names[self.terms[0]]}"]
        pairs = zip(self.terms[1:], self.signs[1:], strict=True)
        words += [f"{'+' if sign > 0 else '-'} {names[j]}" for j, sign in pairs]
        return f"{names[self.column]} = {' '.join(words)}"

    def to_dict(self) -> dict:
        """The relation as plain JSON values."""
        return {"column": self.column, "terms": list(self.terms), "signs": list(self.signs), "operation": "sum"}

    @classmethod
    def from_dict(cls, doc) -> TermSum | None:
        """The sum :meth:`to_dict` wrote, or None where ``doc`` is not a valid one (indices not yet checked
        against the columns, beyond coming before the result)."""
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"column", "terms", "signs", "operation"}
            and doc["operation"] == "sum"
            and type(doc["column"]) is int
            and isinstance(doc["terms"], list)
            and isinstance(doc["signs"], list)
            and len(doc["terms"]) == len(doc["signs"]) >= 3
            and all(type(j) is int and 0 <= j < doc["column"] for j in doc["terms"])
            and len(set(doc["terms"])) == len(doc["terms"])
            and all(type(s) is int and s in (-1, 1) for s in doc["signs"])
        )
        return cls(doc["column"], tuple(doc["terms"]), tuple(doc["signs"])) if valid else None


def first_sum(result: np.ndarray, terms: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The terms (column positions in ``terms``) and signs of an exact signed sum of three or more columns of
    ``terms`` (rows by columns, NaN where missing) that gives ``result`` in every row holding them, or None.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> terms = rng.integers(0, 100, (200, 5)).astype(float)
    >>> found = first_sum(terms[:, 0] + terms[:, 2] - terms[:, 4], terms)
    >>> [v.tolist() for v in found]
    [[0, 2, 4], [1, 1, -1]]
    """
    present = ~np.isnan(result)
    if terms.shape[1] < 3 or terms.shape[1] > MAX_SUM_TERMS or present.sum() == 0:
        return None
    candidates = np.arange(terms.shape[1])
    rows = present & ~np.isnan(terms).any(axis=1)
    while len(candidates) >= 3 and rows.sum() < len(candidates) + _EXTRA_ROWS // 4:
        # too few rows hold every candidate: leave out the one missing most often where the result is there
        candidates = np.delete(candidates, np.isnan(terms[np.ix_(present, candidates)]).sum(axis=0).argmax())
        rows = present & ~np.isnan(terms[:, candidates]).any(axis=1)
    if len(candidates) < 3:
        return None
    rows = np.flatnonzero(rows)[: len(candidates) + _EXTRA_ROWS]
    A, y = terms[np.ix_(rows, candidates)], result[rows]
    scale = np.maximum(np.abs(A).max(axis=0), 1e-300)  # columns of any size: solve for coefficients in their units
    coefficients = np.linalg.lstsq(A / scale, y, rcond=None)[0] / scale
    signs = np.round(coefficients)
    if not (np.all(np.abs(coefficients - signs) <= 1e-6) and np.all(np.abs(signs) <= 1)):
        return None
    used = np.flatnonzero(signs)
    if len(used) < 3:
        return None
    computed = A[:, used] @ signs[used]
    if not np.all(np.abs(y - computed) <= 1e-9 * (1 + np.abs(A[:, used]).sum(axis=1))):
        return None
    return candidates[used], signs[used].astype(np.int64)
