"""How arithmetic columns are found (:mod:`.arithmetic` says what they are and how samples, scores and the
imputer keep them).

Each numeric column is tried, in column order, as the result of earlier ones:
first every pair of earlier columns on 48 random rows (sums, then
differences, then products), then a multiple of one column, of a product of
two or of a ratio of two (the second maybe squared), one column plus a fixed
offset, a time plus a number that counts its units, the whole years between
two dates or from one to a fixed day (:mod:`.whole_years`), and last a signed
sum of three or more (:mod:`.sums`). A candidate
that holds on the trial rows is checked on every row holding its columns,
and kept where the rows are too many for it to hold by chance.
"""

from __future__ import annotations

import numpy as np

from .arithmetic import (
    LINEAR,
    OPERATIONS,
    POWERS,
    SUM_KIND,
    Arithmetic,
    adds_up,
    arithmetic_values,
    holds_numbers,
    seconds_per_number,
    tolerance,
)
from .column import Column
from .orders import MAX_CHANCE, MIN_ORDER_ROWS, SECONDS, UNIT_SECONDS, screen_rows, time_kind
from .sums import TermSum, first_sum
from .values import column_values
from .whole_years import MAX_YEARS, RULES, WholeYears, years_reference

__all__ = ["MAX_ARITHMETIC_COLUMNS", "column_arithmetic"]

# The most numeric columns searched for arithmetic (every pair is a candidate for every column after it).
MAX_ARITHMETIC_COLUMNS = 150
# Rows every candidate is first tried on.
_TRIAL_ROWS = 48
# ... of which a candidate must hold all three in at least this many.
_MIN_TRIAL_ROWS = 4


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
            relation = _first_constant(columns, numeric, values, trial, varies, c, "shift")
        if relation is None:
            relation = _first_counted_time(columns, numeric, values, trial, varies, c)
        if relation is None:
            relation = _first_whole_years(columns, numeric, values, trial, varies, c)
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
    scaled = _first_constant(columns, numeric, values, trial, varies, c, "scale")
    if scaled is not None:
        return scaled
    product = _first_scaled_product(columns, numeric, values, trial, varies, c)
    if product is not None:
        return Arithmetic(numeric[c], numeric[product[0]], numeric[product[1]], "*", product[2])
    return _first_ratio(columns, numeric, values, trial, varies, c)


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
        scale = np.array([seconds_per_number(columns[j], unit) for j in numeric[: c + 1]])
        scaled = trial[:, : c + 1] * scale
        for operation, lefts, rights in shapes:
            left, right, result = scaled[:, lefts, None], scaled[:, None, rights], scaled[:, c, None, None]
            computed = left + right if operation == "+" else left - right
            close = np.abs(result - computed) <= tolerance(columns[numeric[c]], operation, computed)
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
                if adds_up(columns, (relation.column, *relation.terms), operation, unit) and _holds(
                    columns[relation.column], trio, relation
                ):
                    return relation
    return None


def _first_whole_years(columns, numeric, values, trial, varies, c: int) -> WholeYears | None:
    """Column ``c``, whole numbers, as the whole years from an earlier instant to another or to a fixed day
    (:mod:`.whole_years`), the first found, birthdays counted before days."""
    counts = trial[:, c][~np.isnan(trial[:, c])]
    if time_kind(columns[numeric[c]]) != "number" or np.any(counts % 1 != 0) or np.any(np.abs(counts) > MAX_YEARS):
        return None
    instants = [a for a in range(c) if varies[a] and time_kind(columns[numeric[a]]) == "instant"]
    instants = [a for a in instants if columns[numeric[a]].time_unit in UNIT_SECONDS]
    for rule in RULES:
        for a in instants:
            for b in [None, *(b for b in instants if b != a)]:
                if b is None:
                    if years_reference(trial[:, a], trial[:, c], rule) is None:
                        continue
                    full = np.column_stack([values(numeric[c]), values(numeric[a])])
                    reference = years_reference(full[:, 1], full[:, 0], rule)
                    if reference is None:
                        continue
                    relation = WholeYears(numeric[c], numeric[a], None, rule, reference)
                else:
                    relation = WholeYears(numeric[c], numeric[a], numeric[b], rule)
                    rows = trial[:, [c, a, b]]
                    rows = rows[~np.isnan(rows).any(axis=1)]
                    if len(rows) < _MIN_TRIAL_ROWS or np.any(relation.result(rows[:, 1], rows[:, 2]) != rows[:, 0]):
                        continue
                    full = np.column_stack([values(j) for j in (relation.column, *relation.terms)])
                if _holds(columns[relation.column], full, relation):
                    return relation
    return None


def _first_sum(columns, numeric, values, screened: dict, varies, c: int, found: list) -> TermSum | None:
    """Column ``c``'s signed sum of three or more earlier plain-number columns, found on the screened rows and
    checked on every row.

    A result that is linear in its terms (a sum, a difference, a multiple) and its terms would explain each
    other in the regression, so it is run without the terms of such ``found`` relations (a total of a gross
    amount and fees), and then without their results (a total of the amount the gross was computed from).
    """
    if time_kind(columns[numeric[c]]) != SUM_KIND:
        return None
    linear = [r for r in found if r.operation in LINEAR]
    results, terms = {r.column for r in linear}, {j for r in linear for j in r.terms}
    tried = []
    for excluded in (terms, results):
        earlier = [
            a
            for a in range(c)
            if varies[a] and numeric[a] not in excluded and time_kind(columns[numeric[a]]) == SUM_KIND
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
    half = tolerance(column, "scale", result)
    with np.errstate(divide="ignore", invalid="ignore"):
        below, above = (result - half) / term, (result + half) / term
    low, high = np.fmin(below, above), np.fmax(below, above)
    zero = term == 0  # a zero term needs a zero result: then any factor fits the row, else none
    low = np.where(zero, np.where(np.abs(result) > half, np.inf, -np.inf), low)
    high = np.where(zero, np.where(np.abs(result) > half, -np.inf, np.inf), high)
    missing = np.isnan(result) | np.isnan(term)
    return np.where(missing, -np.inf, low).max(axis=0), np.where(missing, np.inf, high).min(axis=0)


def _offsets(column: Column, result: np.ndarray, term: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and highest offset ``k`` with ``result = term + k`` to the result's tolerance, over the rows
    holding both (the first axis; NaN rows left out): an empty interval where no offset fits them all."""
    half = tolerance(column, "shift", result)
    gap = result - term
    missing = np.isnan(gap)
    return np.where(missing, -np.inf, gap - half).max(axis=0), np.where(missing, np.inf, gap + half).min(axis=0)


# How each fixed constant of one earlier column is fitted, and the values it may not take: a multiple (neither 0
# nor 1, a copy), an offset (not 0, a copy).
_CONSTANTS = {"scale": (_factors, (0.0, 1.0)), "shift": (_offsets, (0.0,))}


def _first_constant(columns, numeric, values, trial, varies, c: int, operation: str) -> Arithmetic | None:
    """Column ``c`` as the first earlier column times a fixed factor (``'scale'``: a tax rate, a unit's
    conversion) or plus a fixed offset (``'shift'``: a due date 30 days after its invoice), to its decimals,
    the constant as short a decimal as fits every row."""
    interval, excluded = _CONSTANTS[operation]
    column = columns[numeric[c]]
    held = ~np.isnan(trial[:, c, None]) & ~np.isnan(trial[:, :c])
    low, high = interval(column, np.where(held, trial[:, c, None], np.nan), np.where(held, trial[:, :c], np.nan))
    candidates = (low <= high) & varies[:c] & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
    for value in excluded:
        candidates &= ~((low <= value) & (high >= value))
    for a in np.flatnonzero(candidates):
        relation = (numeric[c], numeric[a])
        if not adds_up(columns, relation, operation):
            continue
        pair = np.column_stack([values(j) for j in relation])
        pair = pair[~np.isnan(pair).any(axis=1)]
        low, high = interval(column, pair[:, :1], pair[:, 1:])
        if len(pair) < MIN_ORDER_ROWS or not low[0] <= high[0]:
            continue
        constant = _shortest_decimal(float(low[0]), float(high[0]))
        found = Arithmetic(*relation, None, operation, **{"factor" if operation == "scale" else "offset": constant})
        if _holds(column, pair, found):
            return found
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
        if not adds_up(columns, relation, "*"):
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


def _first_ratio(columns, numeric, values, trial, varies, c: int) -> Arithmetic | None:
    """Column ``c`` as a fixed multiple (1 included) of the ratio of two earlier columns, the second to a power
    of :data:`POWERS` (``unit_price = total / quantity``, ``bmi = 10000 * weight / height^2``), to its
    decimals, the factor as short a decimal as fits."""
    column = columns[numeric[c]]
    for power in POWERS:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ratios = trial[:, :c, None] / trial[:, None, :c] ** power
        held = np.isfinite(ratios) & ~np.isnan(trial[:, c, None, None])
        result = np.where(held, trial[:, c, None, None], np.nan)
        low, high = _factors(column, result, np.where(held, ratios, np.nan))
        candidates = (low <= high) & ~((low <= 0) & (high >= 0)) & ~np.eye(c, dtype=bool)
        candidates &= varies[:c, None] & varies[None, :c] & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
        for a, b in zip(*np.nonzero(candidates), strict=True):
            relation = (numeric[c], numeric[a], numeric[b])
            if not adds_up(columns, relation, "/"):
                continue
            trio = np.column_stack([values(j) for j in relation])
            trio = trio[~np.isnan(trio).any(axis=1) & (trio[:, 2] != 0)]
            if len(trio) < MIN_ORDER_ROWS:
                continue
            low, high = _factors(column, trio[:, :1], trio[:, 1:2] / trio[:, 2:] ** power)
            if not low[0] <= high[0]:
                continue
            factor = _shortest_decimal(float(low[0]), float(high[0]))
            found = Arithmetic(*relation, "/", None if factor == 1 else factor, power=None if power == 1 else power)
            if _holds(column, trio, found):
                return found
    return None


def _shortest_decimal(low: float, high: float) -> float:
    """The roundest number in ``[low, high]``: its middle rounded to the fewest decimals, or to the most
    trailing zeros (10000, not 10001)."""
    middle = (low + high) / 2
    for decimals in range(-15, 16):
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
    close = np.abs(result - computed) <= tolerance(columns[numeric[c]], operation, computed)
    held = ~np.isnan(computed) & ~np.isnan(result)
    candidates = np.all(close | ~held, axis=0) & (held.sum(axis=0) >= _MIN_TRIAL_ROWS)
    if operation != "-":  # a + b and b + a are one pair
        candidates &= np.triu(np.ones((c, c), dtype=bool), 1)
    candidates &= varies[:c, None] & varies[None, :c] & ~np.eye(c, dtype=bool)
    for a, b in zip(*np.nonzero(candidates), strict=True):
        relation = (numeric[c], numeric[a], numeric[b])
        if adds_up(columns, relation, operation):
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
    if not np.all(np.abs(rows[:, 0] - computed) <= tolerance(column, relation.operation, computed)):
        return False
    commonest = np.unique(rows[:, 0], return_counts=True)[1].max() / len(rows)
    return len(rows) * np.log(commonest) <= np.log(MAX_CHANCE)
