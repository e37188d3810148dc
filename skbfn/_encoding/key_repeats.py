"""Keys that repeat over a table's rows: how many rows each key holds, kept by the fresh keys of samples.

A column of keys (role ``'id'``) is never modelled: samples get fresh keys,
so that no training key is copied. Where the training keys repeat (customer
ids beside their orders, e-mail addresses beside logins), each fresh key
used to sit in one row, so a customer seen four times in the data was four
customers in samples. Now such a column keeps the training keys' counts of
rows: samples draw the rows of each fresh key from the counts the training
keys held, and spread each key's rows at random over the sample. The other
cells of a key's rows are drawn apart from one another (a customer's orders
need not share a city); the counts of rows per key, and so the number of
distinct keys, follow the data's.

Two columns of keys that group the rows alike (a customer's id and e-mail
address, each the same in all of that customer's rows) keep doing so: the
second's fresh keys follow the first's rows (``rows_of``).

Only the counts are kept (how many keys held one row, two rows...), never a
key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .._json import is_int
from .values import is_missing

__all__ = ["KeyRepeats", "check_alike_keys", "key_groups", "with_alike_keys"]


@dataclass(frozen=True)
class KeyRepeats:
    """How many training keys held each count of rows: ``keys[i]`` keys held ``counts[i]`` rows each.

    Examples
    --------
    >>> repeats = KeyRepeats.of(np.array(["a", "a", "b", "c", "c", "c", "d"], dtype=object))
    >>> repeats
    KeyRepeats(counts=(1, 2, 3), keys=(2, 1, 1), rows_of=None)
    >>> sizes = repeats.group_sizes(10, np.random.default_rng(0))
    >>> int(sizes.sum()), bool(set(sizes.tolist()) <= {1, 2, 3})
    (10, True)
    >>> KeyRepeats.of(np.array([1, 2, 3])) is None  # every key in one row
    True
    """

    counts: tuple[int, ...]  # rows per key, ascending
    keys: tuple[int, ...]  # how many training keys held each count
    rows_of: int | None = None  # an earlier column of keys that groups the rows alike, whose rows these keys follow

    @classmethod
    def of(cls, observed: np.ndarray) -> KeyRepeats | None:
        """The counts of rows per key of the observed (non-missing) keys; None where no key repeats."""
        per_key = Counter(Counter(observed.tolist()).values())
        if not per_key or max(per_key) == 1:
            return None
        counts = sorted(per_key)
        return cls(tuple(int(c) for c in counts), tuple(int(per_key[c]) for c in counts))

    def group_sizes(self, n_rows: int, rng: np.random.Generator) -> np.ndarray:
        """Rows of each fresh key for ``n_rows`` rows: counts drawn independently by the training keys' shares,
        until they cover ``n_rows`` (the last count cut to fit)."""
        if n_rows == 0:
            return np.zeros(0, dtype=np.int64)
        counts, keys = np.array(self.counts, dtype=np.int64), np.array(self.keys, dtype=np.float64)
        mean = float(counts @ keys / keys.sum())
        drawn, total = [], 0
        while total < n_rows:
            batch = rng.choice(counts, size=int(np.ceil((n_rows - total) / mean)) + 8, p=keys / keys.sum())
            drawn.append(batch)
            total += int(batch.sum())
        sizes = np.concatenate(drawn)
        ends = np.cumsum(sizes)
        last = int(np.searchsorted(ends, n_rows))  # the first key whose rows reach n_rows
        sizes = sizes[: last + 1].copy()
        sizes[-1] -= ends[last] - n_rows
        return sizes

    def row_groups(self, n_rows: int, rng: np.random.Generator) -> np.ndarray:
        """Which fresh key each of ``n_rows`` rows holds (``0..``), each key in as many rows as
        :meth:`group_sizes` draws, spread at random."""
        sizes = self.group_sizes(n_rows, rng)
        return rng.permutation(np.repeat(np.arange(len(sizes)), sizes))

    def to_json(self) -> dict:
        return {
            "counts": list(self.counts),
            "keys": list(self.keys),
            **({"rows_of": self.rows_of} if self.rows_of is not None else {}),
        }

    @classmethod
    def from_json(cls, doc, name) -> KeyRepeats:
        """Counts written by :meth:`to_json`, checked; ValueError names what is wrong."""
        counts, keys = (doc.get("counts"), doc.get("keys")) if isinstance(doc, dict) else (None, None)
        rows_of = doc.get("rows_of") if isinstance(doc, dict) else None
        if not (
            isinstance(doc, dict)
            and set(doc) - {"rows_of"} == {"counts", "keys"}
            and (rows_of is None or (is_int(rows_of) and rows_of >= 0))
            and isinstance(counts, list)
            and isinstance(keys, list)
            and len(counts) == len(keys) >= 1
            and all(is_int(c) and c >= 1 for c in counts)
            and all(is_int(k) and k >= 1 for k in keys)
            and counts == sorted(set(counts))
            and counts[-1] > 1
        ):
            raise ValueError(f"column {name!r} has invalid key repeats")
        return cls(
            tuple(int(c) for c in counts), tuple(int(k) for k in keys), None if rows_of is None else int(rows_of)
        )


def key_groups(
    columns: list, n_rows: int, rng: np.random.Generator, missing: dict[int, np.ndarray]
) -> dict[int, np.ndarray]:
    """For each column of repeated keys, which fresh key each of ``n_rows`` sampled rows holds (-1 in the
    column's cells drawn ``missing``, by column); keys that group the rows alike share their groups."""
    groups: dict[int, np.ndarray] = {}
    for j, column in enumerate(columns):
        repeats = column.key_repeats
        if repeats is not None and repeats.rows_of is not None:
            groups[j] = groups[repeats.rows_of]
        elif repeats is not None:
            held = ~missing[j] if j in missing else np.ones(n_rows, dtype=bool)
            groups[j] = np.full(n_rows, -1, dtype=np.int64)
            groups[j][held] = repeats.row_groups(int(held.sum()), rng)
    return groups


def with_alike_keys(columns: list, values_of: Callable[[int], np.ndarray]) -> list:
    """``columns``, where a column of repeated keys groups the rows as an earlier one does (the same rows missing,
    and each key of one beside one key of the other), with its :class:`KeyRepeats` following that column's rows.
    ``values_of(j)``: the training values of column ``j``."""
    columns = list(columns)
    leaders: list[tuple[int, np.ndarray, np.ndarray]] = []  # (column, missing cells, key codes)
    for j, column in enumerate(columns):
        if column.key_repeats is None:
            continue
        values = values_of(j)
        missing = is_missing(values)
        codes = pd.factorize(values[~missing])[0]
        for k, leader_missing, leader_codes in leaders:
            if np.array_equal(missing, leader_missing) and _group_alike(codes, leader_codes):
                columns[j] = replace(column, key_repeats=replace(column.key_repeats, rows_of=k))
                break
        else:
            leaders.append((j, missing, codes))
    return columns


def _group_alike(codes: np.ndarray, other: np.ndarray) -> bool:
    """Whether two columns' key codes (over the same rows) pair each key of one with one key of the other."""
    pairs = len(np.unique(codes.astype(np.int64) * (int(other.max(initial=0)) + 1) + other))
    return pairs == codes.max(initial=-1) + 1 == other.max(initial=-1) + 1


def check_alike_keys(columns: list) -> None:
    """Refuse keys that follow the rows of a column that is not an earlier one of repeated keys leading its own
    (ValueError naming the column)."""
    for j, column in enumerate(columns):
        rows_of = None if column.key_repeats is None else column.key_repeats.rows_of
        if rows_of is None:
            continue
        leader = columns[rows_of] if rows_of < j else None
        if leader is None or leader.key_repeats is None or leader.key_repeats.rows_of is not None:
            raise ValueError(f"column {column.name!r} has key repeats that follow no earlier column of repeated keys")
