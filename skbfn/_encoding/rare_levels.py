"""Rare levels of a wide column of categories: pooled into one category, drawn and scored by their shares.

A column of zip codes, cities or products can hold hundreds of levels, many
of them in a row or two. Past :data:`~skbfn._encoding.roles.MOST_CATEGORIES`
levels the categorical flow learns such a column poorly and the rest of the
table suffers (the Column roles page measures it), so it was left out. Under
``max_categories='auto'``, a column of strings whose values repeat (at most
half of them distinct), or of codes held as numbers
(:func:`~skbfn._encoding.roles.code_role`), now keeps as categories its levels held by
:data:`MIN_KEPT_ROWS` rows or more, the
``MOST_CATEGORIES`` most frequent at most, and pools the others into one
category more, where the kept levels hold half of the rows or more. A
sampled row in the pool gets one of the pooled levels, drawn by the training
shares apart from the row's other cells; a scored row there scores the
pool's probability times its level's share of the pool, so the likelihood
stays a probability over the column's levels.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .._json import is_int, plain
from .values import sort_key

__all__ = ["MIN_KEPT_ROWS", "MIN_KEPT_SHARE", "RareLevels", "pool_as_missing", "split_levels"]

# The least share of a column's rows that its kept levels must hold for the rest to be pooled, and the fewest rows
# each kept level holds: a level in a few rows is learned with its rows (uniform codes in 4 rows each, half of them
# in 5 rows or more by chance, raised the membership audit of bench_messy.py's table from 0.54 to 0.65).
MIN_KEPT_SHARE, MIN_KEPT_ROWS = 0.5, 10


@dataclass(frozen=True)
class RareLevels:
    """The pooled levels of a categorical column and their training counts, most frequent first.

    The column's last category is the pool; it is written as the first pooled
    level, which stands for all of them in the model.

    Examples
    --------
    >>> pool = RareLevels(("b", "c"), (3, 1))
    >>> pool.draw(np.array([0.1, 0.8]))
    array(['b', 'c'], dtype=object)
    >>> np.exp(pool.log_shares(np.array(["b", "c", "a"], dtype=object)))
    array([0.75, 0.25, 1.  ])
    """

    values: tuple
    counts: tuple[int, ...]

    def draw(self, uniforms: np.ndarray) -> np.ndarray:
        """The pooled level at each of ``uniforms`` (in ``[0, 1)``) on the cumulative training shares."""
        edges = np.cumsum(self.counts) / sum(self.counts)
        index = np.minimum(np.searchsorted(edges, uniforms, side="right"), len(self.counts) - 1)
        return np.array(self.values, dtype=object)[index]

    def log_shares(self, values: np.ndarray) -> np.ndarray:
        """``ln`` of each pooled value's share of the pool; 0 elsewhere (a kept level, or missing)."""
        total = sum(self.counts)
        shares = {v: np.log(c / total) for v, c in zip(self.values, self.counts, strict=True)}
        return np.array([shares.get(v, 0.0) for v in values.tolist()], dtype=np.float64)

    def to_json(self) -> dict:
        return {"values": plain(list(self.values)), "counts": list(self.counts)}

    @classmethod
    def from_json(cls, doc, categories: list, name) -> RareLevels:
        """Pooled levels written by :meth:`to_json`, checked against the column's categories (the last stands for
        the pool); ValueError names what is wrong."""
        values, counts = (doc.get("values"), doc.get("counts")) if isinstance(doc, dict) else (None, None)
        if not (
            isinstance(values, list)
            and set(doc) == {"values", "counts"}
            and isinstance(counts, list)
            and len(values) == len(counts) >= 2
            and all(is_int(c) and c > 0 for c in counts)
            and len({json.dumps(v) for v in values}) == len(values)
            and categories
            and values[0] == categories[-1]
            and not {json.dumps(v) for v in values} & {json.dumps(c) for c in categories[:-1]}
        ):
            raise ValueError(f"column {name!r} has invalid rare levels")
        return cls(tuple(values), tuple(int(c) for c in counts))


def split_levels(observed: np.ndarray, most: int, min_rows: int) -> tuple[np.ndarray, RareLevels] | None:
    """The categories of a wide column (its levels held by ``min_rows`` rows or more, the ``most`` most frequent at
    most, in sort order, then the pool's first level) and its pooled levels; None where the kept levels hold fewer
    than :data:`MIN_KEPT_SHARE` of the rows (the column would be mostly a pool, drawn apart from the rest of its
    row) or fewer than two levels would be pooled.

    Examples
    --------
    >>> zips = np.array(["02139"] * 6 + ["10001"] * 5 + ["94105"] * 2 + ["60601"], dtype=object)  # 11 of 14 kept
    >>> categories, pool = split_levels(zips, most=200, min_rows=5)
    >>> categories.tolist(), pool
    (['02139', '10001', '94105'], RareLevels(values=('94105', '60601'), counts=(2, 1)))
    """
    ranked = sorted(Counter(observed.tolist()).items(), key=lambda item: (-item[1], sort_key(item[0])))
    kept = [value for value, count in ranked[:most] if count >= min_rows]
    pooled = ranked[len(kept) :]
    if sum(count for _, count in ranked[: len(kept)]) < MIN_KEPT_SHARE * len(observed) or len(pooled) < 2:
        return None
    categories = [*sorted(kept, key=sort_key), pooled[0][0]]
    return np.array(categories, dtype=object), RareLevels(tuple(v for v, _ in pooled), tuple(c for _, c in pooled))


def pool_as_missing(column, codes: np.ndarray) -> np.ndarray:
    """A categorical column's category indices (float64) with NaN in its pool of rare levels, if it has one: the
    pool holds many levels, so relations between columns (a state from its city) leave its cells out."""
    codes = np.asarray(codes, dtype=np.float64)
    if column.rare_levels is None:
        return codes
    return np.where(codes == column.n_bins - 1, np.nan, codes)
