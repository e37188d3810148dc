"""Columns computed from others: a total from a subtotal and a tax, an amount from a quantity and a price.

A table exported from an order system or a ledger keeps the results of its
arithmetic beside its inputs: ``total = subtotal + tax``, ``net = gross -
deductions``, ``amount = quantity * price``, ``tax = 0.2 * amount``,
``end = start + duration``. A model of the joint distribution learns such a
column only roughly, and samples rows that do not add up. The encoder
records each such *arithmetic* column: a numeric column equal, in every
training row that holds them all, to the sum, difference or product of two
earlier columns, to a fixed multiple of one (a rate, a conversion; 0 and
1 excepted) or of a product of two (``bonus = salary * percent / 100``), to
one plus a fixed offset other than 0 (``due = invoice + 30 days``), or
to a signed sum of three or more (:mod:`.sums`), to its decimals for a
product or a multiple, in units that add
up (plain numbers, or times, added in seconds: a date plus a duration is a
date; a plain number beside times may count days, hours, minutes or seconds:
a visit date plus a stay in days), with the rows too many for that to be chance
(:data:`~skbfn._encoding.orders.MAX_CHANCE`). A term may be a categorical
column of numbers (a few prices).

A duration between two instants is recorded as the later instant, the
earlier one plus the duration (``discharge = visit + stay`` where the stay
follows both dates), so that samples draw the duration in its own right.

As a calendar field (:mod:`.calendar_fields`), the column stays a model
column, but samples compute it from their drawn terms, a row's score counts
it as certain given them (``-inf`` where it does not add up), and the
imputer solves a given sum, difference or multiple for a term it draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int
from .column import Column, in_steps
from .orders import MAX_CHANCE, MIN_ORDER_ROWS, SECONDS, comparable_numbers, screen_rows, time_kind
from .sums import TermSum, first_sum
from .values import as_float, column_values

__all__ = [
    "Arithmetic",
    "arithmetic_from_json",
    "column_arithmetic",
    "with_arithmetic",
    "with_results_solved",
]

OPERATIONS = ("+", "-", "*", "scale", "shift")
# The most numeric columns searched for arithmetic (every pair is a candidate for every column after it).
MAX_ARITHMETIC_COLUMNS = 150
# Rows every candidate is first tried on.
_TRIAL_ROWS = 48
# ... of which a candidate must hold all three in at least this many.
_MIN_TRIAL_ROWS = 4


@dataclass(frozen=True)
class Arithmetic:
    """Column ``column`` (an index of X) equals ``left operation right`` (two earlier columns; a product may
    have a ``factor`` too), or ``factor * left`` (``operation='scale'``, ``right`` None), in every row holding
    them all, in the columns' values. A sum or difference of times may have plain numbers that count a
    ``unit`` of time (``'D'``, ``'h'``, ``'min'`` or ``'s'``): a visit plus a stay in days. A column may also
    be another plus a fixed ``offset`` (``operation='shift'``, ``right`` None; in seconds between times): a due
    date 30 days after its invoice."""

    column: int
    left: int
    right: int | None
    operation: str
    factor: float | None = None
    unit: str | None = None
    offset: float | None = None

    @property
    def terms(self) -> tuple[int, ...]:
        """The columns the result is computed from."""
        return (self.left,) if self.right is None else (self.left, self.right)

    def to_dict(self) -> dict:
        """The relation as plain JSON values."""
        document = {"column": self.column, "left": self.left, "right": self.right, "operation": self.operation}
        if self.factor is not None:
            document["factor"] = self.factor
        if self.offset is not None:
            document["offset"] = self.offset
        return document if self.unit is None else {**document, "unit": self.unit}

    def result(self, left: np.ndarray, right: np.ndarray | None = None) -> np.ndarray:
        """``left operation right`` (times ``factor`` for a product that has one), or ``factor * left``, of the
        terms' values as the relation reads them (:func:`arithmetic_values`)."""
        if self.operation == "scale":
            return self.factor * left
        if self.operation == "shift":
            return left + self.offset
        if self.operation == "+":
            return left + right
        if self.operation == "-":
            return left - right
        return left * right if self.factor is None else self.factor * left * right

    def describe(self, names: list[str], columns: list[Column] | None = None) -> str:
        """The relation in words: ``'total = amount + tax'``, ``'tax = 0.2 * amount'``, ``'due = invoice + 30
        days'`` (an offset between times in its longest whole unit, where ``columns`` are given)."""
        if self.operation == "shift":
            between_times = columns is not None and columns[self.column].time_unit is not None
            offset = _duration_words(self.offset) if between_times else f"{self.offset:g}"
            return f"{names[self.column]} = {names[self.left]} + {offset}"
        if self.right is None:
            terms = f"{self.factor:g} * {names[self.left]}"
        else:
            terms = f"{names[self.left]} {self.operation} {names[self.right]}"
            terms = terms if self.factor is None else f"{self.factor:g} * {terms}"
        counted = "" if self.unit is None else f" (numbers in {_UNIT_NAMES[self.unit]})"
        return f"{names[self.column]} = {terms}{counted}"


# The kinds of (result, left, right) that each operation allows: a date plus a duration is a date, a date less
# a date a duration.
_KINDS = {
    "+": {
        ("number", "number", "number"),
        ("instant", "instant", "duration"),
        ("instant", "duration", "instant"),
        ("duration", "duration", "duration"),
    },
    "-": {
        ("number", "number", "number"),
        ("duration", "instant", "instant"),
        ("instant", "instant", "duration"),
        ("duration", "duration", "duration"),
    },
    "*": {("number", "number", "number")},
    "scale": {("number", "number")},
    "shift": {("number", "number"), ("instant", "instant"), ("duration", "duration")},
}
# A signed sum of three or more terms reads plain numbers only.
_SUM_KIND = "number"
# The relations whose result is a linear function of their terms.
_LINEAR = ("+", "-", "scale", "shift", "sum")


def _adds_up(columns: list[Column], relation: tuple[int, ...], operation: str, unit: str | None = None) -> bool:
    """Whether the units of (result, *terms) allow ``operation``: plain numbers, or times (read in seconds:
    a date in days plus a duration in hours), all in calendar months or none. With a ``unit``, the plain
    numbers among times count it (durations: a date plus a number of days, a number of days between dates)."""
    trio = [columns[j] for j in relation]
    kinds = [time_kind(c) for c in trio]
    if unit is not None:
        if unit not in SECONDS or "number" not in kinds or set(kinds) == {"number"}:
            return False
        if any(c.time_unit == "M" for c in trio):
            return False
        kinds = ["duration" if kind == "number" else kind for kind in kinds]
    if tuple(kinds) not in _KINDS[operation]:
        return False
    if trio[0].time_unit is None:
        return True
    return len({c.time_unit == "M" for c in trio}) == 1


_UNIT_NAMES = {"D": "days", "h": "hours", "min": "minutes", "s": "seconds"}


def _duration_words(seconds: float) -> str:
    """A number of seconds in its longest whole unit: ``'30 days'``, ``'-90 minutes'``, ``'1.5 seconds'``."""
    unit = next((u for u in SECONDS if seconds % SECONDS[u] == 0), "s")
    return f"{seconds / SECONDS[unit]:g} {_UNIT_NAMES[unit]}"


def _seconds_per_number(column: Column, unit: str | None) -> float:
    """What one of a plain-number column's numbers is worth in a relation whose numbers count ``unit``, in
    seconds: 1 for a time (already read in seconds) or a relation of plain numbers (``unit`` None)."""
    return 1.0 if unit is None or column.time_unit is not None else float(SECONDS[unit])


def holds_numbers(column: Column) -> bool:
    """Whether a modelled column holds numbers: a continuous or discretised one, or a categorical one whose
    categories are all numbers (a few prices, modelled as categories)."""
    if column.kind in ("continuous", "discretised"):
        return True
    return column.kind == "categorical" and all(_is_real(v) for v in column.categories.tolist())


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def arithmetic_values(column: Column, values: np.ndarray, unit: str | None = None) -> np.ndarray:
    """A numeric column's values as the arithmetic reads them: its numbers, times the step they count (a
    categorical column's categories, as numbers); in seconds for a time, or for a plain number in a relation
    whose numbers count a ``unit`` of time."""
    if column.kind == "categorical":
        codes = column.category_codes(values)
        known = ~np.isnan(codes) & (codes >= 0)
        numbers = np.full(len(codes), np.nan)
        numbers[known] = column.categories[codes[known].astype(int)].astype(np.float64)
        return numbers * _seconds_per_number(column, unit)
    return comparable_numbers(column, column.numbers(values, as_float)) * _seconds_per_number(column, unit)


def _tolerance(column: Column, operation: str, result: np.ndarray) -> np.ndarray:
    """How far a column's value may lie from the result: rounding to its decimals (or whole numbers) for a
    product or a scaled column, the float64 error of a sum or difference."""
    rounding = 0.0
    if operation in ("*", "scale"):
        if column.kind == "discretised" or column.lattice or column.time_unit is not None:
            rounding = 0.5
        elif column.decimals is not None:
            rounding = 0.5 * 10.0**-column.decimals
    return rounding * (1 + 1e-9) + 1e-12 * (1 + np.abs(result))


def column_arithmetic(columns: list[Column], X) -> list[Arithmetic]:
    """The arithmetic columns among the numeric modelled columns of ``X`` (see the module's description), each
    the last column of its three (but a duration after its two instants: the later instant), its terms the
    first pair found (sums, then differences, then products), or else a fixed multiple of an earlier column,
    a time plus a number of its units, or a signed sum.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> price, quantity = rng.choice([4.99, 12.5, 20.0], 300), rng.integers(1, 6, 300)
    >>> X = pd.DataFrame({"price": price, "quantity": quantity, "amount": (price * quantity).round(2)})
    >>> X["tax"] = (X["amount"] * 0.2).round(2)
    >>> X["total"] = X["amount"] + X["tax"]
    >>> found = column_arithmetic(TableEncoder().fit(X).columns_, X)
    >>> [(r.column, r.left, r.operation, r.right or r.factor) for r in found]
    [(2, 0, '*', 1), (3, 2, 'scale', 0.2), (4, 2, '+', 3)]
    """
    numeric = [j for j, c in enumerate(columns) if holds_numbers(c)]
    if not 2 <= len(numeric) <= MAX_ARITHMETIC_COLUMNS:
        return []
    rng = np.random.default_rng(0)
    screen = np.arange(X.shape[0])[screen_rows(X.shape[0], rng)]
    trial_rows = rng.permutation(screen)[:_TRIAL_ROWS]  # rows at random: holes are often in runs
    screened = {j: arithmetic_values(columns[j], column_values(X, j)[screen]) for j in numeric}
    trial = np.column_stack([arithmetic_values(columns[j], column_values(X, j)[trial_rows]) for j in numeric])
    varies = np.array([len(np.unique(v[~np.isnan(v)])) >= 2 for v in screened.values()])
    full: dict[int, np.ndarray] = {}  # every row's values of the columns a candidate names, read once

    def values(j: int) -> np.ndarray:
        if j not in full:
            full[j] = arithmetic_values(columns[j], column_values(X, j))
        return full[j]

    found: list = []
    for c in range(1, len(numeric)):
        if columns[numeric[c]].kind == "categorical":  # a term only: samples write numbers over a result
            continue
        relation = _first_relation(columns, numeric, values, trial, varies, c)
        if relation is None:
            relation = _first_shift(columns, numeric, values, trial, varies, c)
        if relation is None:
            relation = _first_counted_time(columns, numeric, values, trial, varies, c)
        if relation is None:
            relation = _first_sum(columns, numeric, values, screened, varies, c, found)
        if relation is not None:
            found.append(_as_later_instant(relation, columns, found))
    return found


def _as_later_instant(relation, columns: list[Column], found: list):
    """A duration between two instants (a stay, after its visit and discharge dates) as the later instant:
    the earlier one plus the duration. Samples then draw the duration in its own right (a stay of one day), not
    as the difference of two draws each spread over years. The relation is kept as found where the later
    instant is already part of another, whose values it would change after they were used."""
    if relation.operation != "-" or not all(time_kind(columns[j]) == "instant" for j in relation.terms):
        return relation
    if relation.left in {j for r in found for j in (r.column, *r.terms)}:
        return relation
    return Arithmetic(relation.left, relation.right, relation.column, "+", unit=relation.unit)


def _first_relation(columns, numeric, values, trial, varies, c: int) -> Arithmetic | None:
    """Column ``c``'s first pair (sums, then differences, then products), else its first multiple of a column,
    else of a product of two."""
    for operation in OPERATIONS[:3]:
        pair = _first_pair(columns, numeric, values, trial, varies, c, operation)
        if pair is not None:
            return Arithmetic(numeric[c], numeric[pair[0]], numeric[pair[1]], operation)
    scaled = _first_scale(columns, numeric, values, trial, varies, c)
    if scaled is not None:
        return Arithmetic(numeric[c], numeric[scaled[0]], None, "scale", scaled[1])
    product = _first_scaled_product(columns, numeric, values, trial, varies, c)
    if product is not None:
        return Arithmetic(numeric[c], numeric[product[0]], numeric[product[1]], "*", product[2])
    return None


def _first_shift(columns, numeric, values, trial, varies, c: int) -> Arithmetic | None:
    """Column ``c`` as the first earlier column of its kind plus a fixed offset other than 0 (a due date 30
    days after its invoice, a maximum 5 above its minimum), the offset as short a decimal as fits."""

    def offsets(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # the offsets every row allows
        half = _tolerance(columns[numeric[c]], "shift", rows[:, :1])
        gap = rows[:, :1] - rows[:, 1:]
        missing = np.isnan(gap)
        return np.where(missing, -np.inf, gap - half).max(axis=0), np.where(missing, np.inf, gap + half).min(axis=0)

    low, high = offsets(trial[:, : c + 1][:, [c, *range(c)]])
    held = (~np.isnan(trial[:, c, None]) & ~np.isnan(trial[:, :c])).sum(axis=0)
    candidates = (low <= high) & ~((low <= 0) & (high >= 0)) & varies[:c] & (held >= _MIN_TRIAL_ROWS)
    for a in np.flatnonzero(candidates):
        relation = (numeric[c], numeric[a])
        if not _adds_up(columns, relation, "shift"):
            continue
        pair = np.column_stack([values(j) for j in relation])
        pair = pair[~np.isnan(pair).any(axis=1)]
        if len(pair) < MIN_ORDER_ROWS:
            continue
        low, high = offsets(pair)
        if not low[0] <= high[0]:
            continue
        found = Arithmetic(*relation, None, "shift", offset=_shortest_decimal(float(low[0]), float(high[0])))
        if _holds(columns[numeric[c]], pair, found):
            return found
    return None


def _first_counted_time(columns, numeric, values, trial, varies, c: int) -> Arithmetic | None:
    """Column ``c`` as an earlier instant plus or less an earlier plain number that counts days, hours, minutes
    or seconds (a discharge date: a visit date plus a stay in days), or as a plain number, the difference of
    two earlier instants in one of those units (the stay, after both dates), the first found, the longest unit
    first."""
    kinds = np.array([time_kind(columns[j]) for j in numeric[: c + 1]])
    usable = varies[:c] & np.array([columns[j].time_unit != "M" for j in numeric[:c]])
    instants = np.flatnonzero(usable & (kinds[:c] == "instant"))
    plain = np.flatnonzero(usable & (kinds[:c] == "number"))
    if columns[numeric[c]].time_unit == "M" or kinds[c] not in ("instant", "number"):
        return None
    shapes = [("+", instants, plain), ("-", instants, plain)] if kinds[c] == "instant" else [("-", instants, instants)]
    for unit in SECONDS:
        scale = np.array([_seconds_per_number(columns[j], unit) for j in numeric[: c + 1]])
        scaled = trial[:, : c + 1] * scale
        for operation, lefts, rights in shapes:
            left, right, result = scaled[:, lefts, None], scaled[:, None, rights], scaled[:, c, None, None]
            computed = left + right if operation == "+" else left - right
            close = np.abs(result - computed) <= _tolerance(columns[numeric[c]], operation, computed)
            held = ~np.isnan(computed) & ~np.isnan(result)
            candidates = np.all(close | ~held, axis=0) & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
            candidates &= lefts[:, None] != rights[None, :]
            for a, b in zip(*np.nonzero(candidates), strict=True):
                relation = Arithmetic(numeric[c], numeric[lefts[a]], numeric[rights[b]], operation, unit=unit)
                trio = np.column_stack(
                    [
                        values(j) * scale[p]
                        for p, j in ((c, relation.column), (lefts[a], relation.left), (rights[b], relation.right))
                    ]
                )
                if _adds_up(columns, (relation.column, *relation.terms), operation, unit) and _holds(
                    columns[relation.column], trio, relation
                ):
                    return relation
    return None


def _first_sum(columns, numeric, values, screened: dict, varies, c: int, found: list) -> TermSum | None:
    """Column ``c``'s signed sum of three or more earlier plain-number columns, found on the screened rows and
    checked on every row.

    A result that is linear in its terms (a sum, a difference, a multiple) and its terms would explain each
    other in the regression, so it is run without the terms of such ``found`` relations (a total of a gross
    amount and fees), and then without their results (a total of the amount the gross was computed from).
    """
    if time_kind(columns[numeric[c]]) != _SUM_KIND:
        return None
    linear = [r for r in found if r.operation in _LINEAR]
    results, terms = {r.column for r in linear}, {j for r in linear for j in r.terms}
    tried = []
    for excluded in (terms, results):
        earlier = [
            a
            for a in range(c)
            if varies[a] and numeric[a] not in excluded and time_kind(columns[numeric[a]]) == _SUM_KIND
        ]
        if len(earlier) < 3 or earlier in tried:
            continue
        tried.append(earlier)
        sum_found = first_sum(screened[numeric[c]], np.column_stack([screened[numeric[a]] for a in earlier]))
        if sum_found is None:
            continue
        positions, signs = sum_found
        relation = TermSum(numeric[c], tuple(numeric[earlier[i]] for i in positions), tuple(int(s) for s in signs))
        rows = np.column_stack([values(j) for j in (relation.column, *relation.terms)])
        if _holds(columns[relation.column], rows, relation):
            return relation
    return None


def _factors(column: Column, result: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest factor ``k`` with ``result = k * term`` to the result's tolerance, over the rows
    holding both (the first axis; NaN rows left out): an empty interval where no factor fits them all."""
    half = _tolerance(column, "scale", result)
    with np.errstate(divide="ignore", invalid="ignore"):
        below, above = (result - half) / term, (result + half) / term
    low, high = np.fmin(below, above), np.fmax(below, above)
    zero = term == 0  # a zero term needs a zero result: then any factor fits the row, else none
    low = np.where(zero, np.where(np.abs(result) > half, np.inf, -np.inf), low)
    high = np.where(zero, np.where(np.abs(result) > half, -np.inf, np.inf), high)
    missing = np.isnan(result) | np.isnan(term)
    return np.where(missing, -np.inf, low).max(axis=0), np.where(missing, np.inf, high).min(axis=0)


def _first_scale(columns, numeric, values, trial, varies, c: int) -> tuple[int, float] | None:
    """The first column before position ``c`` that column ``c`` is a fixed multiple of (other than 0 or 1: a
    tax rate, a unit's conversion), to its decimals, and that factor, as short a decimal as fits."""
    held = ~np.isnan(trial[:, c, None]) & ~np.isnan(trial[:, :c])
    result = np.where(held, trial[:, c, None], np.nan)
    low, high = _factors(columns[numeric[c]], result, np.where(held, trial[:, :c], np.nan))
    candidates = (low <= high) & ~((low <= 1) & (high >= 1)) & ~((low <= 0) & (high >= 0))
    candidates &= varies[:c] & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
    for a in np.flatnonzero(candidates):
        relation = (numeric[c], numeric[a])
        if not _adds_up(columns, relation, "scale"):
            continue
        pair = np.column_stack([values(j) for j in relation])
        pair = pair[~np.isnan(pair).any(axis=1)]
        low, high = _factors(columns[numeric[c]], pair[:, :1], pair[:, 1:])
        if not low[0] <= high[0] or len(pair) < MIN_ORDER_ROWS:
            continue
        factor = _shortest_decimal(float(low[0]), float(high[0]))
        if _holds(columns[numeric[c]], pair, Arithmetic(*relation, None, "scale", factor)):
            return int(a), factor
    return None


def _first_scaled_product(columns, numeric, values, trial, varies, c: int) -> tuple[int, int, float] | None:
    """The first pair of columns before position ``c`` whose product column ``c`` is a fixed multiple of (other
    than 0 or 1: ``bonus = salary * percent / 100``), to its decimals, and that factor, as short a decimal as
    fits."""
    products = trial[:, :c, None] * trial[:, None, :c]
    held = ~np.isnan(products) & ~np.isnan(trial[:, c, None, None])
    result = np.where(held, trial[:, c, None, None], np.nan)
    low, high = _factors(columns[numeric[c]], result, np.where(held, products, np.nan))
    candidates = (low <= high) & ~((low <= 1) & (high >= 1)) & ~((low <= 0) & (high >= 0))
    candidates &= np.triu(np.ones((c, c), dtype=bool), 1) & varies[:c, None] & varies[None, :c]
    candidates &= held.sum(axis=0) >= _MIN_TRIAL_ROWS
    for a, b in zip(*np.nonzero(candidates), strict=True):
        relation = (numeric[c], numeric[a], numeric[b])
        if not _adds_up(columns, relation, "*"):
            continue
        trio = np.column_stack([values(j) for j in relation])
        trio = trio[~np.isnan(trio).any(axis=1)]
        if len(trio) < MIN_ORDER_ROWS:
            continue
        low, high = _factors(columns[numeric[c]], trio[:, :1], trio[:, 1:2] * trio[:, 2:])
        if not low[0] <= high[0]:
            continue
        factor = _shortest_decimal(float(low[0]), float(high[0]))
        if _holds(columns[numeric[c]], trio, Arithmetic(*relation, "*", factor)):
            return int(a), int(b), factor
    return None


def _shortest_decimal(low: float, high: float) -> float:
    """The number with the fewest decimals in ``[low, high]`` (its middle, rounded)."""
    middle = (low + high) / 2
    for decimals in range(16):
        rounded = round(middle, decimals)
        if low <= rounded <= high:
            return rounded
    return middle


def _first_pair(columns, numeric, values, trial, varies, c: int, operation: str) -> tuple[int, int] | None:
    """The first pair of columns before position ``c`` (positions in ``numeric``) whose ``operation`` gives
    column ``c`` in every row holding the three (``values(j)``: column ``j``'s), tried on the ``trial`` rows
    first."""
    result, left, right = trial[:, c, None, None], trial[:, :c, None], trial[:, None, :c]
    computed = {"+": left + right, "-": left - right, "*": left * right}[operation]
    close = np.abs(result - computed) <= _tolerance(columns[numeric[c]], operation, computed)
    held = ~np.isnan(computed) & ~np.isnan(result)
    candidates = np.all(close | ~held, axis=0) & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
    if operation != "-":  # a + b and b + a are one pair
        candidates &= np.triu(np.ones((c, c), dtype=bool), 1)
    candidates &= varies[:c, None] & varies[None, :c] & ~np.eye(c, dtype=bool)
    for a, b in zip(*np.nonzero(candidates), strict=True):
        relation = (numeric[c], numeric[a], numeric[b])
        if _adds_up(columns, relation, operation):
            trio = np.column_stack([values(j) for j in relation])
            if _holds(columns[numeric[c]], trio, Arithmetic(*relation, operation)):
                return int(a), int(b)
    return None


def _holds(column: Column, values: np.ndarray, relation) -> bool:
    """Whether ``relation``'s result (of the columns of ``values`` after the first, in its terms' order) gives
    the first column in every row of ``values`` holding them all, in too many rows for chance: where the
    result's commonest value holds a share ``p``, ``p^n <= MAX_CHANCE``."""
    rows = values[~np.isnan(values).any(axis=1)]
    if len(rows) < MIN_ORDER_ROWS:
        return False
    computed = relation.result(*rows[:, 1:].T)
    if not np.all(np.abs(rows[:, 0] - computed) <= _tolerance(column, relation.operation, computed)):
        return False
    commonest = np.unique(rows[:, 0], return_counts=True)[1].max() / len(rows)
    return len(rows) * np.log(commonest) <= np.log(MAX_CHANCE)


def _as_numbers(column: Column, values: np.ndarray, unit: str | None = None) -> np.ndarray:
    """Values computed for a column as its decoded numbers (the inverse of
    :func:`~skbfn._encoding.orders.comparable_numbers`, and of a relation's ``unit``): in its steps or time
    units, rounded as its samples are."""
    numbers = np.asarray(values, dtype=np.float64) / _seconds_per_number(column, unit)
    if column.time_unit in SECONDS:
        offset = column.time_offset if time_kind(column) == "instant" else 0.0
        numbers = (numbers - offset) / SECONDS[column.time_unit]
    if column.step is not None:
        numbers = in_steps(numbers, column.step)
    if column.kind == "discretised" or column.lattice or column.time_unit is not None:
        return np.round(numbers)
    return numbers if column.decimals is None else np.round(numbers, column.decimals)


def with_arithmetic(encoder, decoded: list, drawn_missing: dict[int, np.ndarray]) -> None:
    """Write, in place, each arithmetic column's result of its drawn terms over its decoded numbers, in the
    order of the columns (a result may be the term of a later one); a term drawn missing leaves the column's
    own draw, and a column drawn missing stays missing (columns whose entry is None are left out)."""
    for relation in encoder.arithmetic_:
        if any(decoded[j] is None for j in (relation.column, *relation.terms)):
            continue
        result = decoded[relation.column]
        unit = relation.unit
        computed = relation.result(*(_plain(encoder.columns_[j], decoded[j], unit) for j in relation.terms))
        rows = ~np.isnan(computed)
        if relation.column in drawn_missing:
            rows &= ~drawn_missing[relation.column]
        result[rows] = _as_numbers(encoder.columns_[relation.column], computed[rows], unit)


def _plain(column: Column, decoded: np.ndarray, unit: str | None) -> np.ndarray:
    """A column's decoded values (numbers, or a categorical column's categories) as the arithmetic of a
    relation whose numbers count ``unit`` reads them."""
    if column.kind == "categorical":
        numbers = np.array([np.nan if v is None else float(v) for v in decoded.tolist()])
        return numbers * _seconds_per_number(column, unit)
    return comparable_numbers(column, decoded) * _seconds_per_number(column, unit)


def arithmetic_of_rows(encoder, X) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """The cells of ``X``'s arithmetic columns that their terms determine (all observed), by column, to score
    as certain, and the rows where such a cell does not add up (probability 0)."""
    determined = {}
    contradicted = np.zeros(X.shape[0], dtype=bool)
    for relation in encoder.arithmetic_:
        unit = relation.unit
        held, *terms = (
            arithmetic_values(encoder.columns_[j], column_values(X, j), unit)
            for j in (relation.column, *relation.terms)
        )
        computed = relation.result(*terms)
        cells = ~np.isnan(held) & ~np.isnan(computed)
        column = encoder.columns_[relation.column]
        wrong = np.abs(held - computed) > _tolerance(column, relation.operation, computed)
        determined[relation.column] = cells
        contradicted |= cells & wrong
    return determined, contradicted


def with_results_solved(encoder, rows, given) -> None:
    """Make the imputed ``rows`` (decoded, with the given cells of the table ``given`` in them) add up, in
    place, relation by relation in column order: a given sum, difference or multiple is solved for a term that
    is not given (the right one where both are drawn), and a result that is not given is computed again from
    its terms as they now are (a given term replaced the one it was decoded from). Products given, and terms
    that are categories of numbers, are left as drawn. A given sum of three or more terms is solved for its
    last drawn term."""
    for relation in encoder.arithmetic_:
        columns = {j: encoder.columns_[j] for j in (relation.column, *relation.terms)}
        unit = relation.unit
        missing = {j: c.missing_cells(column_values(given, j)) for j, c in columns.items()}
        values = {j: arithmetic_values(c, column_values(rows, j), unit) for j, c in columns.items()}
        result = values[relation.column]
        computed = relation.result(*(values[j] for j in relation.terms))
        drawn = missing[relation.column] & ~np.isnan(result)  # a result drawn missing stays missing
        solutions = [(relation.column, computed, drawn & ~np.isnan(computed))]
        if relation.operation == "sum":
            solutions += _sum_solutions(relation, result, [values[j] for j in relation.terms], missing)
        elif relation.operation == "scale":
            solutions.append((relation.left, result / relation.factor, missing[relation.left]))
        elif relation.operation == "shift":
            solutions.append((relation.left, result - relation.offset, missing[relation.left]))
        elif relation.operation != "*":
            sign = 1.0 if relation.operation == "+" else -1.0
            drawn_right = missing[relation.right]
            solutions += [
                (relation.right, sign * (result - values[relation.left]), drawn_right),
                (relation.left, result - sign * values[relation.right], missing[relation.left] & ~drawn_right),
            ]
        for j, solved, where in solutions:
            if j != relation.column:
                where = where & ~missing[relation.column]
            if where.any() and columns[j].kind != "categorical":  # a price not in the list: left as drawn
                numbers = np.full(len(where), np.nan)
                numbers[where] = _as_numbers(columns[j], solved[where], unit)
                _write(rows, j, where, columns[j].values(numbers)[where])


def _sum_solutions(relation: TermSum, result: np.ndarray, terms: list[np.ndarray], missing: dict) -> list:
    """``(term, value, rows)`` that make a given sum add up: in each row, its last drawn term solved for."""
    solutions, solved = [], np.zeros(len(result), dtype=bool)
    for k in reversed(range(len(relation.terms))):
        where = missing[relation.terms[k]] & ~solved
        solutions.append((relation.terms[k], relation.solved_for(k, result, terms), where))
        solved |= where
    return solutions


def _write(rows, j: int, where: np.ndarray, values: np.ndarray) -> None:
    """Write ``values`` into column ``j`` of the decoded ``rows`` (a DataFrame or an array) at ``where``."""
    if hasattr(rows, "iloc"):
        import pandas as pd

        column = rows.iloc[:, j].copy()
        column.iloc[np.flatnonzero(where)] = pd.Series(values).astype(column.dtype).array
        rows[rows.columns[j]] = column
    else:
        rows[where, j] = values


def _relation_from_json(doc, n_columns: int) -> Arithmetic | TermSum | None:
    """The relation a document describes, or None where it is not a valid one."""
    if isinstance(doc, dict) and doc.get("operation") == "sum":
        relation = TermSum.from_dict(doc)
        return relation if relation is not None and relation.column < n_columns else None
    operation = doc.get("operation") if isinstance(doc, dict) else None
    factored = operation == "scale" or (operation == "*" and "factor" in doc)
    counted = operation in ("+", "-") and "unit" in doc
    shifted = operation == "shift"
    extra = {"factor": factored, "unit": counted, "offset": shifted}
    valid = (
        isinstance(doc, dict)
        and set(doc) == {"column", "left", "right", "operation", *(k for k, wanted in extra.items() if wanted)}
        and operation in OPERATIONS
        and (not counted or doc["unit"] in SECONDS)
        and is_int(doc["column"])
        and is_int(doc["left"])
        and 0 <= doc["left"] < n_columns
        and 0 <= doc["column"] < n_columns
        and doc["left"] != doc["column"]
        and (not factored or (is_finite_number(doc["factor"]) and doc["factor"] not in (0, 1)))
        and (not shifted or (is_finite_number(doc["offset"]) and doc["offset"] != 0))
        and (
            doc["right"] is None
            if operation in ("scale", "shift")
            else is_int(doc["right"])
            and 0 <= doc["right"] < n_columns
            and doc["right"] not in (doc["column"], doc["left"])
        )
    )
    if not valid:
        return None
    return Arithmetic(
        doc["column"], doc["left"], doc["right"], operation, doc.get("factor"), doc.get("unit"), doc.get("offset")
    )


def arithmetic_from_json(documents, columns: list[Column]) -> list[Arithmetic | TermSum]:
    """Arithmetic columns written by :meth:`Arithmetic.to_dict`, checked; ValueError names what is wrong."""
    relations = []
    for doc in documents if isinstance(documents, list) else [None]:
        relation = _relation_from_json(doc, len(columns))
        involved = (relation.column, *relation.terms) if relation is not None else ()
        if (
            relation is None
            or columns[involved[0]].kind == "categorical"
            or not all(holds_numbers(columns[j]) for j in involved)
        ):
            raise ValueError(f"the encoder's arithmetic columns hold an invalid entry {doc!r}")
        adds_up = (
            all(time_kind(columns[j]) == _SUM_KIND for j in involved)
            if relation.operation == "sum"
            else _adds_up(columns, involved, relation.operation, relation.unit)
        )
        if not adds_up:
            raise ValueError(f"the arithmetic of column {columns[relation.column].name!r} mixes units")
        relations.append(relation)
    if len({r.column for r in relations}) < len(relations):
        raise ValueError("the encoder computes a column twice")
    if any(r.column in s.terms for i, r in enumerate(relations) for s in relations[:i]):
        raise ValueError("the encoder computes a column after a relation that reads it")
    return relations
