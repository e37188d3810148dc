"""Orders between columns that every training row keeps: a start before its end, a minimum below its maximum.

A model of the joint distribution puts a little mass on rows that break such
an order (an amount paid above the amount due, a stay that ends before it
starts), and a synthetic table with a few of them is plainly wrong. The
encoder records each pair of numeric columns ``(low, high)`` with
``low <= high`` in every training row that holds both, where the order says
something: had the two columns been drawn apart, at least
:data:`MIN_BROKEN_SHARE` of the pairs would break it (an age below an income
in dollars says nothing; a minimum below a maximum does), and the rows are
too many to keep it by chance (:data:`MAX_CHANCE`). The sampler draws
a row that breaks one again (``enforce_bounds``), as it does a row with a cell
outside its training range, so samples follow the model truncated to the
orders; scores are those of the untruncated model.

Only columns whose numbers count the same thing are compared: two dates in
days, two amounts, two counts of one step (see :func:`number_units`).
"""

from __future__ import annotations

import numpy as np

from .column import Column
from .values import as_float, column_values

__all__ = ["MAX_CHANCE", "MIN_BROKEN_SHARE", "MIN_ORDER_ROWS", "column_orders", "number_units", "orders_broken"]

# An order is kept only where two columns drawn apart would break it in at least this share of pairs of values:
# otherwise their ranges (nearly) imply it, and the sampler's bounds keep it already.
MIN_BROKEN_SHARE = 0.05
# An order needs at least this many training rows that hold both columns.
MIN_ORDER_ROWS = 20
# ... and enough of them that two columns drawn apart would keep it in all of them at most this often: with a
# share b broken apart, n rows keep it by chance with probability (1 - b)^n (b = 0.3 needs 20 rows, 0.05 135).
MAX_CHANCE = 1e-3
# Pairs of values compared to estimate the share broken apart (a random subset of each column beyond it).
_SHARE_SAMPLE = 2000


def number_units(column: Column) -> tuple | None:
    """What a modelled numeric column's numbers count, for comparing columns; None for other columns.

    Two columns are comparable where their units are equal: both plain
    numbers, or both times (instants, or durations) counting one unit from
    one offset, each in multiples of the same step (or none).
    """
    if column.kind not in ("continuous", "discretised"):
        return None
    duration = getattr(column.dtype, "kind", None) == "m"
    time = None if column.time_unit is None else ("duration" if duration else "instant")
    return time, column.time_unit, column.time_offset, column.step


def _broken_apart(low: np.ndarray, high: np.ndarray, rng: np.random.Generator) -> float:
    """The share of pairs (one value of each column, drawn apart) with the first above the second."""
    low = rng.choice(low, _SHARE_SAMPLE, replace=False) if low.size > _SHARE_SAMPLE else low
    high = np.sort(rng.choice(high, _SHARE_SAMPLE, replace=False) if high.size > _SHARE_SAMPLE else high)
    return float(np.searchsorted(high, low, side="left").mean() / high.size)


def column_orders(columns: list[Column], X) -> list[tuple[int, int]]:
    """The pairs ``(low, high)`` of columns of ``X`` (indices) with ``low <= high`` in every training row that holds
    both, where the order says something (see the module's description); identical columns give none.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> low = rng.normal(10, 5, 200).round(1)
    >>> X = pd.DataFrame({"low": low, "high": low + rng.gamma(2, 2, 200).round(1), "n": rng.normal(0, 1, 200)})
    >>> column_orders(TableEncoder().fit(X).columns_, X)
    [(0, 1)]
    """
    numbers = {}
    for j, column in enumerate(columns):
        if number_units(column) is not None:
            numbers[j] = column.numbers(column_values(X, j), as_float)
    rng = np.random.default_rng(0)
    orders = []
    indices = sorted(numbers)
    for a_index, a in enumerate(indices):
        for b in indices[a_index + 1 :]:
            if number_units(columns[a]) != number_units(columns[b]):
                continue
            both = ~np.isnan(numbers[a]) & ~np.isnan(numbers[b])
            if both.sum() < MIN_ORDER_ROWS:
                continue
            x, y = numbers[a][both], numbers[b][both]
            for low, high, first, second in ((a, b, x, y), (b, a, y, x)):
                if np.all(first <= second) and not np.all(first == second):
                    share = _broken_apart(first, second, rng)
                    if share >= MIN_BROKEN_SHARE and len(first) * np.log1p(-share) <= np.log(MAX_CHANCE):
                        orders.append((low, high))
    return sorted(orders)


def orders_broken(encoder, orders: list[tuple[int, int]], rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Which model rows ``rows`` break one of the ``orders`` in a drawn cell (a pair of given cells is the
    caller's; a missing cell breaks nothing)."""
    if not orders:
        return np.zeros(len(rows), dtype=bool)
    needed = sorted({j for pair in orders for j in pair})
    numbers = encoder.decoded_numbers(rows, needed)
    broken = np.zeros(len(rows), dtype=bool)
    for low, high in orders:
        with np.errstate(invalid="ignore"):
            wrong = numbers[low] > numbers[high]
        if given is not None:
            positions = [encoder.model_columns.index(j) for j in (low, high)]
            wrong &= np.isnan(given[:, positions]).any(axis=1)
        broken |= wrong
    return broken
