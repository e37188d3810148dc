"""Cells that a category leaves blank: a rating only for delivered orders, a reason only for cancelled ones.

A column with missing cells gets a missingness indicator, modelled with the
other columns (:mod:`.indicators`), so a sample has a missing cell about
where the data would. Where a category leaves a column blank in every
training row (no rating for an order not delivered), the model still draws a
cell there now and then. The encoder records each such *blank*: a column
with a missingness indicator, a categorical modelled column ``by`` (or one
with codes beside its values: no ratio where the value is ``'<0.5'``;
:mod:`.cell_codes`), and the categories (or codes) of ``by`` in whose every
training row the column is missing,
each held by rows too many for that to be chance among all the categories
tried (with ``p`` the share of rows missing the column, ``p^n <= MAX_CHANCE
/ m`` for a category of ``n`` rows, ``m`` the pairs of an indicated column
and a category or code tried). Samples (``reproduce_missing=True``) leave the column missing wherever
``by`` is drawn on one of them; a given cell stays as given.

A column may also be blank wherever another column with an indicator is
missing: an address's city wherever its street is, a lab panel's results
wherever one of them is. Each indicator is modelled apart, so a sample left
one of them missing now and then. Such a blank has ``by`` the other column
and ``where_missing`` set, and is chosen by the same rule (``n`` the rows
missing ``by``, ``m`` counting the pairs of indicated columns too).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._json import is_int
from .column import Column
from .indicators import drawn_codes
from .orders import MAX_CHANCE
from .values import column_values

__all__ = ["Blank", "blanks_from_json", "column_blanks", "with_blanks"]


@dataclass(frozen=True)
class Blank:
    """Column ``column`` (an index of X) is missing wherever column ``by`` holds a category whose code is in
    ``codes`` (for a column ``by`` with codes beside its values, :attr:`Column.codes
    <skbfn._encoding.column.Column.codes>`: one of those whose index is in ``codes``)."""

    column: int
    by: int
    codes: tuple[int, ...]
    where_missing: bool = False  # missing where ``by`` is missing (``codes`` empty)

    def to_dict(self) -> dict:
        """The blank as plain JSON values."""
        return {"column": self.column, "by": self.by, "codes": list(self.codes)} | (
            {"missing": True} if self.where_missing else {}
        )

    def describe(self, names: list[str], columns: list[Column]) -> str:
        """The blank in words: ``"rating is missing where status is 'cancelled' or 'returned'"``, ``"city is
        missing where street is missing"``."""
        if self.where_missing:
            return f"{names[self.column]} is missing where {names[self.by]} is missing"
        by = columns[self.by]
        values = [by.categories[code] if by.kind == "categorical" else by.codes[code] for code in self.codes]
        categories = " or ".join(repr(getattr(value, "item", lambda v=value: v)()) for value in values)
        return f"{names[self.column]} is missing where {names[self.by]} is {categories}"


def column_blanks(columns: list[Column], X, indicators: list[int]) -> list[Blank]:
    """The blanks of ``X`` (see the module's description) among the columns with an indicator.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> status = rng.choice(["delivered", "cancelled"], 300)
    >>> rating = np.where(status == "delivered", rng.integers(1, 6, 300), np.nan)
    >>> X = pd.DataFrame({"status": status, "rating": np.where(rng.random(300) < 0.2, np.nan, rating)})
    >>> TableEncoder(reproduce_missing=True).fit(X).blanks_
    [Blank(column=1, by=0, codes=(0,), where_missing=False)]
    """
    categorical = [k for k, c in enumerate(columns) if c.kind == "categorical"]
    coded = [k for k, c in enumerate(columns) if c.is_modelled and c.codes]
    tried = len(indicators) * (sum(columns[k].n_bins for k in categorical) + sum(len(columns[k].codes) for k in coded))
    tried += len(indicators) * (len(indicators) - 1)
    missing_cells = {j: columns[j].missing_cells(column_values(X, j)) for j in indicators}
    blanks = []
    for j in indicators:
        missing = missing_cells[j]
        share = float(np.mean(missing))
        if not 0 < share < 1:
            continue
        for k in indicators:  # missing wherever another column is
            held = int(missing_cells[k].sum())
            if (
                k != j
                and 0 < held == int((missing_cells[k] & missing).sum())
                and held * np.log(share) <= np.log(MAX_CHANCE / tried)
            ):
                blanks.append(Blank(j, k, (), where_missing=True))
        for k in categorical + coded:
            if k == j:
                continue
            code, known, n_values = _values_of(columns[k], column_values(X, k))
            held = np.bincount(code, minlength=n_values)
            blank = np.bincount(code, weights=missing[known], minlength=n_values)
            chosen = (held > 0) & (blank == held) & (held * np.log(share) <= np.log(MAX_CHANCE / tried))
            if chosen.any():
                blanks.append(Blank(j, k, tuple(int(c) for c in np.flatnonzero(chosen))))
    return blanks


def _values_of(column: Column, values: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The category (or code) each known cell of a column holds, which cells are known, and how many categories
    (or codes) there are."""
    if column.kind == "categorical":
        codes = column.category_codes(values)
        known = ~np.isnan(codes) & (codes >= 0)
        return codes[known].astype(np.int64), known, column.n_bins
    codes = column.code_cells(values)
    known = codes >= 0
    return codes[known], known, len(column.codes)


def _drawn_on(encoder, Z: np.ndarray, blank: Blank) -> np.ndarray:
    """Which model rows ``Z`` are drawn on one of the blank's categories (or codes) of ``by``, or missing it."""
    model_columns = list(encoder.model_columns)
    if blank.where_missing:
        return np.rint(Z[:, len(model_columns) + list(encoder.indicators_).index(blank.by)]) == 1
    if encoder.columns_[blank.by].kind == "categorical":
        return np.isin(np.rint(Z[:, model_columns.index(blank.by)]), blank.codes)
    drawn = drawn_codes(encoder, Z)[blank.by]
    return np.isin(drawn, blank.codes)


def with_blanks(encoder, Z: np.ndarray, given: np.ndarray | None = None) -> np.ndarray:
    """The model rows ``Z`` with each blank column's missingness indicator at 1 where its ``by`` column holds
    one of its categories (or is missing), but where the column's cell or indicator is given (non-NaN in
    ``given``). A chain (a city missing with its street, a postcode with its city) is followed to its end."""
    blanks = getattr(encoder, "blanks_", ())
    if not blanks:
        return Z
    Z = np.array(Z, copy=True)
    model_columns = list(encoder.model_columns)
    for _ in range(len(blanks)):
        before = Z.copy()
        for blank in blanks:
            indicator = len(model_columns) + list(encoder.indicators_).index(blank.column)
            rows = _drawn_on(encoder, Z, blank)
            if given is not None:
                rows &= np.isnan(given[:, indicator])
                if blank.column in model_columns:
                    rows &= np.isnan(given[:, model_columns.index(blank.column)])
            Z[rows, indicator] = 1.0
        if np.array_equal(Z, before, equal_nan=True):
            break
    return Z


def _n_values(column: Column) -> int:
    """How many categories (or codes beside its values) a column has."""
    return column.n_bins if column.kind == "categorical" else len(column.codes)


def blanks_from_json(documents, columns: list[Column], indicators: list[int]) -> list[Blank]:
    """Blanks written by :meth:`Blank.to_dict`, checked; ValueError names what is wrong."""
    blanks = []
    for doc in documents if isinstance(documents, list) else [None]:
        where_missing = isinstance(doc, dict) and doc.get("missing", False) is True
        valid = (
            isinstance(doc, dict)
            and set(doc) - {"missing"} == {"column", "by", "codes"}
            and doc.get("missing", True) is True
            and is_int(doc["column"])
            and doc["column"] in indicators
            and is_int(doc["by"])
            and 0 <= doc["by"] < len(columns)
            and doc["by"] != doc["column"]
            and isinstance(doc["codes"], list)
            and (_valid_codes(doc, columns) if not where_missing else doc["codes"] == [] and doc["by"] in indicators)
        )
        if not valid:
            raise ValueError(f"the encoder's blanks hold an invalid entry {doc!r}")
        blanks.append(Blank(doc["column"], doc["by"], tuple(doc["codes"]), where_missing))
    if len({(b.column, b.by, b.where_missing) for b in blanks}) < len(blanks):
        raise ValueError("the encoder's blanks name one pair of columns twice")
    return blanks


def _valid_codes(doc: dict, columns: list[Column]) -> bool:
    """Whether a blank's document names categories (or codes) of a categorical (or coded) column ``by``."""
    by = columns[doc["by"]]
    return (
        (by.kind == "categorical" or (by.is_modelled and bool(by.codes)))
        and len(doc["codes"]) > 0
        and all(is_int(c) and 0 <= c < _n_values(by) for c in doc["codes"])
        and doc["codes"] == sorted(set(doc["codes"]))
    )
