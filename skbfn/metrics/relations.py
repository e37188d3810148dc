"""Do synthetic rows keep the relations between columns that every real row keeps?

A real table's columns are bound by rules that its rows never break: a stay
starts before it ends, an age group holds its age, a borough goes with its
zone, a weekday is its date's, a total is its terms' sum, ``who`` is a child
under 16. :func:`relations_kept` finds them in the real rows as
:class:`~skbfn.BFNGenerator` does (the Column roles guide), and measures the
share of synthetic rows that keep each: a generator that draws columns apart
breaks them, however close its marginals.
"""

from __future__ import annotations

import copy

import numpy as np

from .._encoding import TableEncoder
from .._encoding.relations import RELATIONS, describe_relations, determined_cells, relations_broken
from .._encoding.values import as_float, column_values
from ._tables import MAX_CATEGORIES, as_frame

__all__ = ["relations_kept"]

# The relations of each row that a table's rows can break, read in the model's rows (the others, calendar fields
# and arithmetic, are read in the table itself); copies hold in some rows only, and are no rule of every row.
_ROW_KINDS = ("orders_", "windows_", "weekdays_", "partitions_", "lookups_")
_TABLE_KINDS = ("calendar_fields_", "arithmetic_")


def relations_kept(real, synthetic, *, max_categories: int | str = MAX_CATEGORIES) -> dict[str, float]:
    """The share of ``synthetic`` rows keeping each relation between columns that every row of ``real`` keeps.

    Parameters
    ----------
    real : DataFrame or array-like
        The real rows, where the relations are found (orders, windows, days
        of the week, partitions, lookups, calendar fields, arithmetic and
        rules, as :class:`~skbfn.BFNGenerator` finds them).
    synthetic : DataFrame or array-like
        Rows with the same columns.
    max_categories : int or 'auto', default='auto'
        As for :class:`~skbfn.BFNGenerator`.

    Returns
    -------
    kept : dict
        Each relation, in words (``'start <= end'``, ``'who decided by age,
        sex'``), to the share of synthetic rows that keep it (1 is best; a
        row missing a cell of it keeps it, and a row holding a category the
        real rows never held in a column of it breaks it). Empty where the
        real rows keep none, or where a synthetic value cannot be read in
        its column (a word in a column of numbers).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> start = rng.uniform(0, 10, 200)
    >>> real = pd.DataFrame({"start": start, "end": start + rng.uniform(0, 5, 200)})
    >>> synthetic = pd.DataFrame({"start": [1.0, 2.0, 3.0, 4.0], "end": [2.0, 1.0, 4.0, 5.0]})
    >>> relations_kept(real, synthetic)
    {'start <= end': 0.75}
    """
    real = as_frame(real)
    synthetic = as_frame(synthetic, real.columns)
    encoder = TableEncoder(max_categories=max_categories, reproduce_missing=True).fit(real)
    try:
        synthetic = encoder.split(synthetic)  # a compound column as its parts, as the encoder reads the real one
        rows = encoder.transform(synthetic, unseen_categories=True)
    except ValueError:  # a value its column cannot hold: the relations of such a table are not read
        return {}
    unseen = {  # cells holding a category the real rows never held, by categorical column
        j: column.labels(column_values(synthetic, j)) == -1
        for j, column in enumerate(encoder.columns_)
        if column.kind == "categorical"
    }
    none = np.zeros(len(synthetic), dtype=bool)
    kept = {}
    for kind in (*_ROW_KINDS, *_TABLE_KINDS):
        for relation in getattr(encoder, kind):
            alone = _with_only(encoder, kind, relation)
            if kind in _ROW_KINDS:
                broken = relations_broken(alone, rows, None)
            else:
                broken = determined_cells(alone, synthetic)[1]
            if kind == "partitions_" and relation.values is not None:  # a product's one price: to the cent
                broken = broken | _off_value(encoder, relation, synthetic)
            for j in _columns(kind, relation):
                broken = broken | unseen.get(j, none)
            kept[describe_relations(alone)[0]] = float(1.0 - np.mean(broken))
    for rule in encoder.rules_:
        labels = {
            j: column.labels(column_values(synthetic, j))
            if column.kind == "categorical"
            else column.numbers(column_values(synthetic, j), as_float)
            for j, column in ((j, encoder.columns_[j]) for j in (rule.column, *rule.by))
        }
        decided = rule.decide(np.column_stack([labels[j] for j in rule.by]))
        held = labels[rule.column]
        broken = ~np.isnan(held) & (decided != held)
        for j in (rule.column, *rule.by):
            broken = broken | unseen.get(j, none)
        kept[rule.describe([str(c.name) for c in encoder.columns_])] = float(1.0 - np.mean(broken))
    return kept


def _off_value(encoder: TableEncoder, partition, X) -> np.ndarray:
    """Which rows of ``X`` hold another value of ``partition``'s column than the one its ``by`` value held in
    every real row."""
    column, by = encoder.columns_[partition.column], encoder.columns_[partition.by]
    numbers = column.numbers(column_values(X, partition.column), as_float)
    value = partition.value_of(by.labels(column_values(X, partition.by)))
    with np.errstate(invalid="ignore"):
        return ~np.isnan(value) & ~np.isnan(numbers) & ~np.isclose(numbers, value, rtol=1e-9, atol=0.0)


def _columns(kind: str, relation) -> tuple[int, ...]:
    """The columns of X that ``relation`` (of the attribute ``kind``) binds, those that may be categorical at
    least (an arithmetic result's terms are numbers)."""
    if kind == "orders_":
        return tuple(relation)
    if kind == "windows_":
        return relation.low, relation.high
    if kind in ("partitions_", "lookups_"):
        return relation.column, relation.by
    if kind == "calendar_fields_":
        return relation.column, relation.source
    return (relation.column,)


def _with_only(encoder: TableEncoder, kind: str, relation) -> TableEncoder:
    """A shallow copy of ``encoder`` with ``relation`` (of the attribute ``kind``) as its one relation."""
    alone = copy.copy(encoder)
    for attribute in RELATIONS:
        setattr(alone, attribute, [relation] if attribute == kind else [])
    alone.blanks_ = ()
    return alone
