"""Columns that another column's value determines: a borough from its zone, a town from its port's code.

A table exported from a database often holds a code beside its label
(``'S'`` beside ``'Southampton'``), or a place beside the region it lies in
(a zone beside its borough, a city beside its state). A model of the joint
distribution puts a little mass on rows where the two disagree: about one
sampled row in a hundred put a zone in another borough. The encoder records
each such *lookup*: a categorical or discretised column (``column``) that
holds one value for each value of another (``by``), in every training row
that holds both, with the rows too many for that to be chance among all the
pairs of columns tried (the probability that the column's values, drawn
apart from ``by``'s with their shares in those rows, agree within every
value of ``by``, at most ``MAX_CHANCE / m`` for ``m`` pairs tried).

The sampler draws a row that breaks a lookup again (``enforce_bounds``), as
it does a row that breaks an order between columns (:mod:`.orders`), and the
cell repair draws the broken cells again given the rest of their row where a
column of the pair has missing cells (:mod:`skbfn._inference.cell_repair`): samples
follow the model truncated to the rows that keep every lookup, and scores
are those of the untruncated model. A value of ``by`` that no training row
held beside a value of the column (a zone seen only where its borough was
missing), and a missing cell, break nothing.

Of two columns that determine each other (a code and its label) one lookup
is kept, the later column determined by the earlier; a lookup that two others
imply (a zone's region, through its borough) is left out, and so is one that
a partition (:mod:`.partitions`) already holds in the other direction.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp

from .._json import is_finite_number, is_int
from ..core.flows import bin_centre
from .column import Column
from .orders import MAX_CHANCE, MIN_ORDER_ROWS, pair_cells_broken, pair_rows_broken, screen_rows
from .rare_levels import pool_as_missing
from .values import column_values

__all__ = [
    "Lookup",
    "column_lookups",
    "label_columns",
    "lookup_cells_broken",
    "lookups_broken",
    "lookups_from_json",
    "with_lookups_kept",
]

# A discretised column with more values than this determines no other one here (a count, a fine measurement).
MAX_KEYS = 1000


@dataclass(frozen=True)
class Lookup:
    """Column ``column`` (an index of X) holds ``values[k]`` wherever column ``by`` holds ``keys[k]``, in every
    training row that holds both (each a category's index, or a discretised column's number; ``keys`` sorted)."""

    column: int
    by: int
    keys: tuple[float, ...]
    values: tuple[float, ...]

    def to_dict(self) -> dict:
        """The lookup as plain JSON values."""
        return {"column": self.column, "by": self.by, "keys": list(self.keys), "values": list(self.values)}

    def describe(self, names: list[str]) -> str:
        """The lookup in words: ``'borough determined by zone'``."""
        return f"{names[self.column]} determined by {names[self.by]}"

    def broken(self, labels: dict) -> np.ndarray:
        """Which rows hold, beside a value of ``by`` the lookup lists, another value of ``column`` than the
        lookup's (``labels`` by column, NaN where missing); a missing cell breaks nothing."""
        keys, values = np.asarray(self.keys), np.asarray(self.values)
        by, held = labels[self.by], labels[self.column]
        found = np.clip(np.searchsorted(keys, by), 0, len(keys) - 1)
        listed = keys[found] == by
        return listed & ~np.isnan(held) & (held != values[found])


def label_columns(columns: list[Column], X) -> dict[int, np.ndarray]:
    """The labels (:meth:`Column.labels <skbfn._encoding.column.Column.labels>`) of the categorical and
    discretised modelled columns of ``X`` that may take part in a lookup, by column; NaN where missing."""
    return {
        j: c.labels(column_values(X, j))
        for j, c in enumerate(columns)
        if c.is_modelled and (c.kind == "categorical" or (c.kind == "discretised" and c.n_bins <= MAX_KEYS))
    }


def _codes(labels: np.ndarray) -> np.ndarray:
    """Each row's label as an index among the column's distinct labels, -1 where missing."""
    codes = np.full(len(labels), -1, dtype=np.int64)
    observed = ~np.isnan(labels)
    codes[observed] = np.unique(labels[observed], return_inverse=True)[1].ravel()
    return codes


@dataclass(frozen=True)
class _Groups:
    """The rows of a column ``by`` (codes, -1 where missing), sorted by its value: ``order`` the rows holding a
    value, ``starts`` where each value's run begins in that order."""

    order: np.ndarray
    starts: np.ndarray

    @classmethod
    def of(cls, codes: np.ndarray) -> _Groups:
        order = np.flatnonzero(codes >= 0)
        order = order[np.argsort(codes[order], kind="stable")]
        sorted_codes = codes[order]
        starts = np.flatnonzero(np.r_[True, sorted_codes[1:] != sorted_codes[:-1]]) if len(order) else order
        return cls(order, starts)

    def determine(self, codes: np.ndarray) -> bool:
        """Whether each value of ``by`` goes with one value of ``codes`` (-1 where missing) in the rows holding
        both, and some row holds both."""
        held = codes[self.order]
        observed = held >= 0
        if not observed.any():
            return False
        lowest = np.minimum.reduceat(np.where(observed, held, np.iinfo(np.int64).max), self.starts)
        highest = np.maximum.reduceat(held, self.starts)
        return bool(np.all((highest < 0) | (lowest == highest)))


def _chance(by: np.ndarray, held: np.ndarray) -> float:
    """The log-probability that ``held``'s values (codes, -1 where missing), drawn apart from ``by``'s with their
    shares in the rows holding both, agree within every value of ``by``: the sum over values ``v`` of
    ``log sum_c p_c ** n_v``."""
    both = (by >= 0) & (held >= 0)
    shares = np.bincount(held[both])
    log_shares = np.log(shares[shares > 0] / both.sum())
    sizes = np.bincount(by[both])
    sizes = sizes[sizes > 0]
    return float(logsumexp(sizes[:, None] * log_shares[None, :], axis=1).sum())


def column_lookups(columns: list[Column], X, left_out: set[int] = frozenset()) -> list[Lookup]:
    """The lookups among the categorical and discretised modelled columns of ``X`` (see the module's
    description), none with a column of ``left_out`` (those that other relations compute).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> zone = np.random.default_rng(0).choice(["Midtown", "SoHo", "Astoria", "Flushing"], 300)
    >>> borough = np.where(np.isin(zone, ["Midtown", "SoHo"]), "Manhattan", "Queens")
    >>> X = pd.DataFrame({"zone": zone, "borough": borough})
    >>> [lookup.describe(["zone", "borough"]) for lookup in column_lookups(TableEncoder().fit(X).columns_, X)]
    ['borough determined by zone']
    """
    labels = {j: v for j, v in label_columns(columns, X).items() if j not in left_out}
    codes = {j: _codes(v) for j, v in labels.items()}
    screen = screen_rows(X.shape[0], np.random.default_rng(0))
    screened = {j: c[screen] for j, c in codes.items()}
    tried = max(len(labels) * (len(labels) - 1), 1)
    found = {}
    for by in labels:
        groups, screened_groups = None, _Groups.of(screened[by])
        for j, held in labels.items():
            if j == by or not screened_groups.determine(screened[j]):
                continue
            both = (codes[by] >= 0) & (codes[j] >= 0)
            if both.sum() < MIN_ORDER_ROWS or len(np.unique(codes[j][both])) < 2:
                continue
            groups = groups or _Groups.of(codes[by])
            if groups.determine(codes[j]) and _chance(codes[by], codes[j]) <= np.log(MAX_CHANCE / tried):
                pairs = np.unique(np.stack([labels[by][both], held[both]], axis=1), axis=0)
                found[(j, by)] = Lookup(j, by, tuple(map(float, pairs[:, 0])), tuple(map(float, pairs[:, 1])))
    return _fewest(found)


def _fewest(found: dict[tuple[int, int], Lookup]) -> list[Lookup]:
    """The lookups ``found`` (by ``(column, by)``) without those that others imply: of two columns that
    determine each other, the earlier one's determining the later; none that two others chain."""
    kept = {(j, by) for j, by in found if not ((by, j) in found and by > j)}
    middles = {by for _, by in kept}
    chained = {(j, by) for j, by in kept if any({(m, by), (j, m)} <= kept for m in middles - {j, by})}
    return [found[pair] for pair in sorted(kept - chained)]


def drawn_labels(encoder, rows: np.ndarray, columns: set[int], numbers: dict) -> dict[int, np.ndarray]:
    """The labels the model rows ``rows`` hold in ``columns``: a categorical column's category index (NaN where
    drawn missing or in the pool of rare levels), a discretised column's decoded number (``numbers``, from
    :meth:`~skbfn._encoding.table.TableEncoder.decoded_numbers`)."""
    labels = {}
    for j in columns:
        column = encoder.columns_[j]
        if column.kind != "categorical":
            labels[j] = numbers[j]
            continue
        position = encoder.model_columns.index(j)
        labels[j] = pool_as_missing(column, np.clip(np.rint(rows[:, position]), 0, column.n_bins - 1))
        if j in encoder.indicators_:  # drawn missing: no label
            drawn_missing = np.rint(rows[:, len(encoder.model_columns) + encoder.indicators_.index(j)])
            labels[j][drawn_missing == 1] = np.nan
    return labels


def numeric_label_columns(encoder, lookups: list[Lookup]) -> set[int]:
    """The discretised columns of ``lookups``, whose decoded numbers :func:`lookups_broken` reads."""
    return {j for lookup in lookups for j in (lookup.column, lookup.by) if encoder.columns_[j].kind != "categorical"}


def _lookup_checks(encoder, rows: np.ndarray, lookups: list[Lookup]) -> list:
    """The lookups as checks of :func:`~skbfn._encoding.orders.pair_rows_broken`, reading the rows' labels."""

    def wrong(lookup: Lookup, numbers: dict) -> np.ndarray:
        return lookup.broken(drawn_labels(encoder, rows, {lookup.column, lookup.by}, numbers))

    return [(lookup.by, lookup.column, functools.partial(wrong, lookup)) for lookup in lookups]


def lookups_broken(encoder, rows: np.ndarray, given: np.ndarray | None, numbers: dict) -> np.ndarray:
    """Which model rows ``rows`` break one of ``encoder``'s lookups in a drawn cell, given the ``numbers`` the
    rows decode to in :func:`numeric_label_columns`."""
    return pair_rows_broken(encoder, _lookup_checks(encoder, rows, encoder.lookups_), rows, given, numbers)


def lookup_cells_broken(encoder, rows: np.ndarray, given: np.ndarray | None, lookups: list[Lookup]) -> np.ndarray:
    """Which drawn cells of the model rows ``rows`` (not those of ``given``, NaN where drawn) break one of the
    ``lookups``: both cells of the pair, where drawn (a categorical column's cells are read as they are, not
    decoded)."""
    checks = _lookup_checks(encoder, rows, lookups)
    return pair_cells_broken(encoder, checks, rows, given, read=numeric_label_columns(encoder, lookups))


def with_lookups_kept(encoder, rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Model rows ``rows`` (a copy) whose drawn cells (NaN in ``given``; all without it) of each lookup's column
    hold the value that their row's ``by`` determines, where the lookup lists it: cell by cell point estimates
    (a zone's mode and a borough's mode) then keep the lookups that each draw kept. ``rows`` itself where the
    encoder has none. A chain (a zone's borough, then its region) is followed in order."""
    if not encoder.lookups_:
        return rows
    rows = rows.copy()
    drawn = np.ones(rows.shape, dtype=bool) if given is None else np.isnan(given)
    for lookup in _in_chain_order(encoder.lookups_):
        numbers = encoder.decoded_numbers(rows, sorted(numeric_label_columns(encoder, [lookup])))
        by = drawn_labels(encoder, rows, {lookup.by}, numbers)[lookup.by]
        keys, values = np.asarray(lookup.keys), np.asarray(lookup.values)
        found = np.clip(np.searchsorted(keys, by), 0, len(keys) - 1)
        position = encoder.model_columns.index(lookup.column)
        kept = (keys[found] == by) & drawn[:, position]
        column = encoder.columns_[lookup.column]
        value = values[found[kept]]
        if column.kind == "discretised":
            value = bin_centre(value - column.offset, column.n_bins)
        rows[kept, position] = value
    return rows


def _in_chain_order(lookups: list[Lookup]) -> list[Lookup]:
    """The lookups, each after those that determine its ``by``."""
    ordered, pending = [], list(lookups)
    while pending:
        ready = [x for x in pending if not any(other.column == x.by for other in pending)] or pending[:1]
        ordered += ready
        pending = [x for x in pending if x not in ready]
    return ordered


def lookups_from_json(documents, columns: list[Column]) -> list[Lookup]:
    """Lookups written by :meth:`Lookup.to_dict`, checked; ValueError names what is wrong."""
    found = []
    for doc in documents if isinstance(documents, list) else [None]:
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"column", "by", "keys", "values"}
            and all(is_int(doc[k]) and 0 <= doc[k] < len(columns) for k in ("column", "by"))
            and doc["column"] != doc["by"]
            and isinstance(doc["keys"], list)
            and isinstance(doc["values"], list)
            and len(doc["keys"]) == len(doc["values"]) >= 1
            and all(is_finite_number(v) for v in doc["keys"] + doc["values"])
            and doc["keys"] == sorted(set(doc["keys"]))
            and all(columns[doc[k]].kind in ("categorical", "discretised") for k in ("column", "by"))
        )
        if not valid:
            raise ValueError(f"the encoder's lookups must each map the values of a column to another's, got {doc!r}")
        found.append(Lookup(doc["column"], doc["by"], tuple(doc["keys"]), tuple(doc["values"])))
    return found
