"""Relations between columns that training rows keep: orders (a start before its end) and copies (paid = due).

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

A real column that equals another in at least :data:`MIN_COPY_SHARE` of the
rows holding both (an amount paid in full, a stay that ends the day it
starts) is a *copy* of it there, which a density cannot draw: its samples
would never equal the other column. Such a column gets a *copy indicator*
(:mod:`.indicators`), modelled with the other columns, 1 where the cell
equals the other column's; samples drawn 1 take the other column's value.
The cell is trained on as it is, and scored as absent where the indicator
is 1 (the indicator's probability counts instead, as a point mass's does).

Only columns whose numbers count the same thing are compared for copies: two
dates in days, two amounts, two counts of one step (see :func:`number_units`).
Orders compare times in seconds, whatever unit each is held in (an order's
time of day before its date of shipping; see :func:`order_units`).
"""

from __future__ import annotations

import functools

import numpy as np

from .._json import is_int
from .column import Column, from_steps
from .column_fit import MIN_MASS_SHARE
from .values import as_float, column_values

__all__ = [
    "MAX_CHANCE",
    "MIN_BROKEN_SHARE",
    "MIN_COPY_SHARE",
    "MIN_ORDER_ROWS",
    "broken_apart",
    "column_copies",
    "column_orders",
    "copies_from_json",
    "number_units",
    "order_cells_broken",
    "orders_broken",
    "orders_from_json",
    "pair_cells_broken",
    "pair_rows_broken",
    "screen_rows",
]

# An order is kept only where two columns drawn apart would break it in at least this share of pairs of values:
# otherwise their ranges (nearly) imply it, and the sampler's bounds keep it already.
MIN_BROKEN_SHARE = 0.05
# An order needs at least this many training rows that hold both columns.
MIN_ORDER_ROWS = 20
# ... and enough of them that two columns drawn apart would keep it in all of them at most this often: with a
# share b broken apart, n rows keep it by chance with probability (1 - b)^n (b = 0.3 needs 20 rows, 0.05 135).
MAX_CHANCE = 1e-3
# A real column equal to another in at least this share of the rows holding both is a copy of it there: the
# share that makes a value a point mass.
MIN_COPY_SHARE = MIN_MASS_SHARE
# Pairs of values compared to estimate the share broken apart (a random subset of each column beyond it).
_SHARE_SAMPLE = 2000
# Rows every pair of columns is first compared on (a random subset beyond it): most pairs break an order or a
# partition there, or are far from copies, so a table of many columns and rows is not compared in full for each pair.
SCREEN_ROWS = 4096


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


# Seconds in each time unit but calendar months (whose length varies): times are compared and added in seconds.
SECONDS = {"D": 86_400, "h": 3_600, "min": 60, "s": 1}
# Seconds in each fixed time unit a column may count: weeks too (weekly readings, every one a Friday).
UNIT_SECONDS = {"W": 604_800, **SECONDS}


def time_kind(column: Column) -> str:
    """``'number'``, ``'instant'`` (a date or a time) or ``'duration'``: what a numeric column holds."""
    if column.time_unit is None:
        return "number"
    return "duration" if getattr(column.dtype, "kind", None) == "m" else "instant"


def comparable_numbers(column: Column, numbers: np.ndarray) -> np.ndarray:
    """A numeric column's numbers (in its steps, as :meth:`~skbfn._encoding.column.Column.numbers` gives them)
    as values to compare and add across columns: its values, a time's in seconds (an instant's from 1970-01-01,
    its offset included); calendar months as they are."""
    numbers = np.asarray(numbers, dtype=np.float64)
    if column.step is not None:
        numbers = from_steps(numbers, column.step)
    if column.time_unit in UNIT_SECONDS:
        offset = column.time_offset if time_kind(column) == "instant" else 0.0
        numbers = numbers * UNIT_SECONDS[column.time_unit] + offset
    return numbers


def order_units(column: Column) -> tuple | None:
    """What a modelled numeric column's :func:`comparable_numbers` count, for orders: instants or durations in
    seconds, whatever unit they are held in; else as :func:`number_units` (plain numbers of one step, calendar
    months from one offset); None for other columns."""
    units = number_units(column)
    return (time_kind(column),) if units is not None and column.time_unit in UNIT_SECONDS else units


def broken_apart(low: np.ndarray, high: np.ndarray, rng: np.random.Generator) -> float:
    """The share of pairs (one value of each column, drawn apart) with the first above the second."""
    low = rng.choice(low, _SHARE_SAMPLE, replace=False) if low.size > _SHARE_SAMPLE else low
    high = rng.choice(high, _SHARE_SAMPLE, replace=False) if high.size > _SHARE_SAMPLE else high
    return _above(low, np.sort(high))


def _above(first: np.ndarray, second: np.ndarray) -> float:
    """The share of pairs of a value of ``first`` and one of ``second`` (sorted) with the first above."""
    return float(np.searchsorted(second, first, side="left").mean() / second.size)


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
    numbers = {j: comparable_numbers(columns[j], v) for j, v in _comparable_numbers(columns, X).items()}
    rng = np.random.default_rng(0)
    screen = screen_rows(X.shape[0], rng)
    screened = {j: np.sort(v[screen][~np.isnan(v[screen])]) for j, v in numbers.items()}  # sorted once
    orders = []
    indices = sorted(numbers)
    for a_index, a in enumerate(indices):
        for b in indices[a_index + 1 :]:
            if order_units(columns[a]) != order_units(columns[b]):
                continue
            x, y = numbers[a][screen], numbers[b][screen]
            with np.errstate(invalid="ignore"):
                if np.any(x > y) and np.any(x < y):  # broken both ways already
                    continue
            x, y = screened[a], screened[b]
            if min(x.size, y.size) and max(_above(x, y), _above(y, x)) < MIN_BROKEN_SHARE / 2:
                continue  # the ranges nearly imply it either way
            both = ~np.isnan(numbers[a]) & ~np.isnan(numbers[b])
            if both.sum() < MIN_ORDER_ROWS:
                continue
            x, y = numbers[a][both], numbers[b][both]
            for low, high, first, second in ((a, b, x, y), (b, a, y, x)):
                if np.all(first <= second) and not np.all(first == second):
                    share = broken_apart(first, second, rng)
                    if share >= MIN_BROKEN_SHARE and len(first) * np.log1p(-share) <= np.log(MAX_CHANCE):
                        orders.append((low, high))
    return sorted(orders)


def screen_rows(n_rows: int, rng: np.random.Generator) -> np.ndarray | slice:
    """The rows pairs of columns are first compared on: all, or a random subset of :data:`SCREEN_ROWS`."""
    return slice(None) if n_rows <= SCREEN_ROWS else rng.choice(n_rows, SCREEN_ROWS, replace=False)


def _comparable_numbers(columns: list[Column], X) -> dict[int, np.ndarray]:
    """The numbers of the modelled numeric columns of ``X``, by index (NaN where missing)."""
    return {
        j: column.numbers(column_values(X, j), as_float)
        for j, column in enumerate(columns)
        if number_units(column) is not None
    }


def column_copies(columns: list[Column], X) -> list[tuple[int, int]]:
    """The pairs ``(copy, source)`` of columns of ``X`` (indices): ``copy`` is a real column equal to ``source`` in
    at least :data:`MIN_COPY_SHARE` of the rows holding both (off its point masses), ``source`` the earlier
    comparable column it equals most often, itself no copy.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> due = rng.lognormal(5, 1, 200).round(2)
    >>> X = pd.DataFrame({"due": due, "paid": np.where(rng.random(200) < 0.4, due, (due * 0.7).round(2))})
    >>> column_copies(TableEncoder().fit(X).columns_, X)
    [(1, 0)]
    """
    numbers = _comparable_numbers(columns, X)
    screen = screen_rows(X.shape[0], np.random.default_rng(0))
    copies: dict[int, int] = {}
    for b in sorted(numbers):
        if columns[b].kind != "continuous":
            continue
        on_mass = columns[b].at_point_mass(numbers[b])
        best, best_share = None, MIN_COPY_SHARE
        for a in sorted(numbers):
            if a >= b or a in copies or number_units(columns[a]) != number_units(columns[b]):
                continue
            x, y = numbers[a][screen], numbers[b][screen]
            observed = ~np.isnan(x) & ~np.isnan(y)
            if observed.sum() >= MIN_ORDER_ROWS and np.sum(x == y) < MIN_COPY_SHARE / 2 * observed.sum():
                continue  # far from a copy in the screened rows
            both = ~np.isnan(numbers[a]) & ~np.isnan(numbers[b]) & ~on_mass
            if both.sum() < MIN_ORDER_ROWS:
                continue
            share = float(np.mean(numbers[a][both] == numbers[b][both]))
            if share >= best_share:
                best, best_share = a, share
        if best is not None:
            copies[b] = best
    return sorted(copies.items())


def pair_rows_broken(encoder, checks: list, rows: np.ndarray, given: np.ndarray | None, numbers: dict) -> np.ndarray:
    """Which model rows ``rows`` break one of the ``checks`` in a drawn cell (a pair of given cells is the
    caller's; a missing cell breaks nothing), given the ``numbers`` the rows decode to in the checked columns
    (:meth:`~skbfn._encoding.table.TableEncoder.decoded_numbers`). Each check is ``(low, high, wrong)``: two
    columns and a function of ``numbers`` that says where the pair breaks it (an order, a window)."""
    broken = np.zeros(len(rows), dtype=bool)
    for low, high, wrong_of in checks:
        with np.errstate(invalid="ignore"):
            wrong = wrong_of(numbers)
        if given is not None:
            positions = [encoder.model_columns.index(j) for j in (low, high)]
            wrong &= np.isnan(given[:, positions]).any(axis=1)
        broken |= wrong
    return broken


def pair_cells_broken(
    encoder, checks: list, rows: np.ndarray, given: np.ndarray | None, read: set[int] | None = None
) -> np.ndarray:
    """Which cells of the model rows ``rows`` break one of the ``checks`` (as :func:`pair_rows_broken` takes
    them): the drawn cells (not those of ``given``, NaN where drawn) of each pair the row breaks. ``read``: the
    columns whose decoded numbers the checks read (default: every column of a pair)."""
    cells = np.zeros(rows.shape, dtype=bool)
    if not checks:
        return cells
    read = {j for low, high, _ in checks for j in (low, high)} if read is None else read
    numbers = encoder.decoded_numbers(rows, sorted(read))
    drawn = np.ones(rows.shape, dtype=bool) if given is None else np.isnan(given)
    for low, high, wrong_of in checks:
        with np.errstate(invalid="ignore"):
            wrong = wrong_of(numbers)
        for j in (low, high):
            position = encoder.model_columns.index(j)
            cells[:, position] |= wrong & drawn[:, position]
    return cells


def _order_checks(columns: list[Column], orders) -> list:
    """The orders as checks of :func:`pair_rows_broken`: broken where the low value exceeds the high one."""
    return [(low, high, functools.partial(_breaks, columns, low=low, high=high)) for low, high in orders]


def orders_broken(
    encoder, orders: list[tuple[int, int]], rows: np.ndarray, given: np.ndarray | None, numbers: dict
) -> np.ndarray:
    """Which model rows ``rows`` break one of the ``orders`` in a drawn cell (:func:`pair_rows_broken`)."""
    return pair_rows_broken(encoder, _order_checks(encoder.columns_, orders), rows, given, numbers)


def order_cells_broken(
    encoder, rows: np.ndarray, given: np.ndarray | None, orders: list[tuple[int, int]] | None = None
) -> np.ndarray:
    """Which drawn cells of the model rows ``rows`` break one of the ``orders`` (default: all of ``encoder``'s;
    :func:`pair_cells_broken`)."""
    orders = encoder.orders_ if orders is None else orders
    return pair_cells_broken(encoder, _order_checks(encoder.columns_, orders), rows, given)


def _breaks(columns: list[Column], numbers: dict, *, low: int, high: int) -> np.ndarray:
    """Where column ``low``'s decoded ``numbers`` lie above column ``high``'s, compared as values."""
    return comparable_numbers(columns[low], numbers[low]) > comparable_numbers(columns[high], numbers[high])


def _pairs_from_json(pairs, columns: list[Column], what: str) -> list[tuple[int, int]]:
    """Pairs of distinct comparable numeric modelled columns (indices), checked; ValueError names what is wrong."""
    units = order_units if what == "orders" else number_units
    valid = isinstance(pairs, list) and all(
        isinstance(pair, list)
        and len(pair) == 2
        and all(is_int(j) and 0 <= j < len(columns) for j in pair)
        and pair[0] != pair[1]
        and units(columns[pair[0]]) is not None
        and units(columns[pair[0]]) == units(columns[pair[1]])
        for pair in pairs
    )
    if not valid:
        raise ValueError(f"the encoder's column {what} must be pairs of comparable numeric columns, got {pairs!r}")
    return [tuple(pair) for pair in pairs]


def orders_from_json(pairs, columns: list[Column]) -> list[tuple[int, int]]:
    """Orders as :func:`column_orders` gives them, read from a document and checked."""
    return _pairs_from_json(pairs, columns, "orders")


def copies_from_json(pairs, columns: list[Column]) -> list[tuple[int, int]]:
    """Copies as :func:`column_copies` gives them, read from a document and checked: each into its own real column,
    from a column that is no copy."""
    copies = _pairs_from_json(pairs, columns, "copies")
    targets = [copy for copy, _ in copies]
    if (
        len(set(targets)) != len(targets)
        or any(columns[copy].kind != "continuous" for copy in targets)
        or any(source in targets for _, source in copies)
    ):
        raise ValueError(
            f"the encoder's column copies must each copy a column that is no copy into its own real one, got {pairs!r}"
        )
    return copies
