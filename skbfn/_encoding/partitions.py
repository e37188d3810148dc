"""Columns that bin another: an age group from an age, an income bracket from an income.

A table exported from a database often holds a column derived from another,
each of its values a range of the other column's values. A model of the
joint distribution puts a little mass on rows where the two disagree (an
age of 25 in the group ``'60+'``, a date in 2021 in the year 2020). The
encoder records each such *partition*: a categorical or discretised column
(``by``) whose values each hold the other column's values in an interval of
its own, the intervals disjoint, in every training row that holds both, with
the rows too many for that to be chance (:data:`MAX_CHANCE`). The sampler
draws a row that breaks one again (``enforce_bounds``), as it does a row that
breaks an order between columns (:mod:`.orders`). Each value of ``by`` may
then take the other column's values up to the middle of the gap to the
next value's interval. A column that a field of a date determines (a year)
is a calendar field instead (:mod:`.calendar_fields`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from .._json import is_finite_number, is_int
from .column import Column
from .lookups import drawn_labels
from .orders import MAX_CHANCE, MIN_ORDER_ROWS, screen_rows
from .values import as_float, column_values

__all__ = [
    "MAX_LABELS",
    "Partition",
    "column_partitions",
    "numeric_columns",
    "partitions_broken",
    "partitions_from_json",
    "with_partition_values",
]

# A column with more values than this bins no other one here (a key, a fine measurement).
MAX_LABELS = 50


@dataclass(frozen=True)
class Partition:
    """Column ``column`` (an index of X) binned by column ``by``: the value ``labels[k]`` of ``by`` (a category's
    index, or a discretised column's number) holds ``column``'s values between ``cuts[k - 1]`` and ``cuts[k]``
    (the first and last without their outer end). Where every value of ``by`` held one value of ``column`` in
    training (a product's price), ``values[k]`` is that of ``labels[k]``, and decoded rows take it."""

    column: int
    by: int
    labels: tuple[float, ...]
    cuts: tuple[float, ...]
    values: tuple[float, ...] | None = None

    def to_dict(self) -> dict:
        """The partition as plain JSON values (``values`` only where it has them)."""
        document = {"column": self.column, "by": self.by, "labels": list(self.labels), "cuts": list(self.cuts)}
        return document if self.values is None else {**document, "values": list(self.values)}

    def value_of(self, labels: np.ndarray) -> np.ndarray:
        """The value of ``column`` that each of ``labels`` holds (NaN for a label the partition does not list, or
        a missing one); all NaN for a partition without ``values``."""
        if self.values is None:
            return np.full(len(labels), np.nan)
        listed, position = self._places(labels)
        return np.where(listed, np.asarray(self.values)[position], np.nan)

    def _places(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whether the partition lists each of ``labels``, and its place among the intervals (0 where not)."""
        order = np.argsort(self.labels)
        sorted_labels = np.asarray(self.labels)[order]
        found = np.clip(np.searchsorted(sorted_labels, labels), 0, len(sorted_labels) - 1)
        return sorted_labels[found] == labels, order[found]

    def broken(self, numbers: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """Which rows hold a value of ``column`` (``numbers``) outside the interval of their ``by`` value
        (``labels``); a missing cell, or a value of ``by`` the partition does not list, breaks nothing."""
        listed, position = self._places(labels)
        low = np.r_[-np.inf, self.cuts][position]
        high = np.r_[self.cuts, np.inf][position]
        with np.errstate(invalid="ignore"):
            return listed & ~np.isnan(numbers) & ((numbers <= low) | (numbers > high))


def _chance(sizes: np.ndarray) -> float:
    """The log-probability that rows in groups of ``sizes``, their order shuffled, fall into disjoint runs: the
    ``k!`` orders of the runs among all ``n! / prod(n_i!)`` arrangements."""
    k, n = len(sizes), sizes.sum()
    return float(gammaln(k + 1) + gammaln(sizes + 1).sum() - gammaln(n + 1))


def column_partitions(columns: list[Column], X) -> list[Partition]:
    """The partitions of the numeric modelled columns of ``X`` by its categorical and discretised modelled
    columns of at most :data:`MAX_LABELS` values (see the module's description).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> age = np.random.default_rng(0).integers(18, 90, 300).astype(float)
    >>> X = pd.DataFrame({"age": age, "group": np.where(age < 40, "young", "old")})
    >>> [(p.column, p.by, p.cuts) for p in column_partitions(TableEncoder().fit(X).columns_, X)]
    [(0, 1, (39.5,))]
    """
    numeric = {
        j: c.numbers(column_values(X, j), as_float)
        for j, c in enumerate(columns)
        if c.kind in ("continuous", "discretised")
    }
    bys = {
        j: c.labels(column_values(X, j))
        for j, c in enumerate(columns)
        if c.kind in ("categorical", "discretised") and c.n_bins <= MAX_LABELS
    }
    screen = screen_rows(X.shape[0], np.random.default_rng(0))
    partitions = []
    for by, labels in bys.items():
        for j, numbers in numeric.items():
            if j == by or _intervals(numbers[screen], labels[screen]) is None:  # overlapping in the screened rows
                continue
            if np.sum(~np.isnan(numbers) & ~np.isnan(labels)) < MIN_ORDER_ROWS:
                continue
            found = _intervals(numbers, labels)
            if found is not None and len(found[0]) >= 2 and _chance(found[3]) <= np.log(MAX_CHANCE):
                names, low, high, _ = found
                cuts = (high[:-1] + low[1:]) / 2
                values = tuple(float(v) for v in low) if np.array_equal(low, high) else None  # one value a label
                names, cuts = tuple(float(v) for v in names), tuple(float(c) for c in cuts)
                partitions.append(Partition(j, by, names, cuts, values))
    return partitions


def _intervals(numbers: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """The labels of the rows holding both, with the lowest and highest of their ``numbers`` and their row counts,
    in increasing order of the intervals; None where two intervals meet or overlap."""
    both = ~np.isnan(numbers) & ~np.isnan(labels)
    names, inverse, sizes = np.unique(labels[both], return_inverse=True, return_counts=True)
    low, high = np.full(len(names), np.inf), np.full(len(names), -np.inf)
    np.minimum.at(low, inverse, numbers[both])
    np.maximum.at(high, inverse, numbers[both])
    order = np.argsort(low)
    if np.any(high[order][:-1] >= low[order][1:]):
        return None
    return names[order], low[order], high[order], sizes[order]


def numeric_columns(partitions: list[Partition], columns: list[Column]) -> set[int]:
    """The columns whose decoded numbers :func:`partitions_broken` reads: the binned ones and discretised ``by``."""
    return {p.column for p in partitions} | {p.by for p in partitions if columns[p.by].kind != "categorical"}


def partitions_broken(
    encoder, partitions: list[Partition], rows: np.ndarray, given: np.ndarray | None, numbers: dict
) -> np.ndarray:
    """Which model rows ``rows`` break one of the ``partitions`` in a drawn cell (a pair of given cells is the
    caller's), given the ``numbers`` the rows decode to in :func:`numeric_columns`."""
    broken = np.zeros(len(rows), dtype=bool)
    for partition in partitions:
        labels = drawn_labels(encoder, rows, {partition.by}, numbers)[partition.by]
        wrong = partition.broken(numbers[partition.column], labels)
        if given is not None:
            positions = [encoder.model_columns.index(j) for j in (partition.column, partition.by)]
            wrong &= np.isnan(given[:, positions]).any(axis=1)
        broken |= wrong
    return broken


def with_partition_values(encoder, rows: np.ndarray, decoded: list) -> None:
    """Set, in place, the ``decoded`` numbers (by column of X, as :meth:`~skbfn._encoding.table.TableEncoder.
    inverse_transform` holds them, indicators applied) of each partition with ``values`` to the value of the row's
    ``by`` (from the model rows ``rows``), where both are there: a product's price, as every training row had it."""
    for partition in encoder.partitions_:
        if partition.values is None:
            continue
        labels = drawn_labels(encoder, rows, {partition.by}, {partition.by: decoded[partition.by]})[partition.by]
        value = partition.value_of(labels)
        held = ~np.isnan(value) & ~np.isnan(decoded[partition.column])
        decoded[partition.column] = np.where(held, value, decoded[partition.column])


def partitions_from_json(documents, columns: list[Column]) -> list[Partition]:
    """Partitions written by :meth:`Partition.to_dict`, checked; ValueError names what is wrong."""
    partitions = []
    for doc in documents if isinstance(documents, list) else [None]:
        valid = (
            isinstance(doc, dict)
            and {"column", "by", "labels", "cuts"} <= set(doc) <= {"column", "by", "labels", "cuts", "values"}
            and all(is_int(doc[k]) and 0 <= doc[k] < len(columns) for k in ("column", "by"))
            and doc["column"] != doc["by"]
            and isinstance(doc["labels"], list)
            and isinstance(doc["cuts"], list)
            and len(doc["labels"]) >= 2
            and len(doc["cuts"]) == len(doc["labels"]) - 1
            and all(is_finite_number(v) for v in doc["labels"] + doc["cuts"])
            and len(set(doc["labels"])) == len(doc["labels"])
            and list(doc["cuts"]) == sorted(doc["cuts"])
        )
        if valid:
            column, by = columns[doc["column"]], columns[doc["by"]]
            valid = column.kind in ("continuous", "discretised") and by.kind in ("categorical", "discretised")
        values = doc.get("values") if valid else None
        if values is not None:  # absent in files before partitions kept one value a label
            bounds = np.r_[-np.inf, doc["cuts"], np.inf]
            valid = (
                isinstance(values, list)
                and len(values) == len(doc["labels"])
                and all(is_finite_number(v) for v in values)
                and all(bounds[i] < value <= bounds[i + 1] for i, value in enumerate(values))  # each in its interval
            )
        if not valid:
            raise ValueError(f"the encoder's column partitions must each bin a numeric column by another, got {doc!r}")
        values = None if values is None else tuple(float(v) for v in values)
        partitions.append(Partition(doc["column"], doc["by"], tuple(doc["labels"]), tuple(doc["cuts"]), values))
    return partitions
