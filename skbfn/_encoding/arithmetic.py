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
a fixed multiple of a ratio of two, the second maybe squared (``bmi = 10000 *
weight / height^2``, ``unit_price = total / quantity``), to
one plus a fixed offset other than 0 (``due = invoice + 30 days``), or
to the whole years from one date to another or to a fixed day
(:mod:`.whole_years`), or to a signed sum of three or more (:mod:`.sums`), to its decimals for a
product, a ratio or a multiple, in units that add
up (plain numbers, or times, added in seconds: a date plus a duration is a
date; a plain number beside times may count days, hours, minutes or seconds:
a visit date plus a stay in days), with the rows too many for that to be chance
(:data:`~skbfn._encoding.orders.MAX_CHANCE`). A term may be a categorical
column of numbers (a few prices).

A duration between two instants is recorded as the later instant, the
earlier one plus the duration (``discharge = visit + stay`` where the stay
follows both dates), so that samples draw the duration in its own right.

:mod:`.arithmetic_search` finds them.

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
from .orders import SECONDS, UNIT_SECONDS, comparable_numbers, time_kind
from .sums import TermSum
from .values import as_float, column_values
from .whole_years import WholeYears

__all__ = [
    "LINEAR",
    "OPERATIONS",
    "SUM_KIND",
    "Arithmetic",
    "adds_up",
    "arithmetic_from_json",
    "arithmetic_values",
    "holds_numbers",
    "seconds_per_number",
    "tolerance",
    "with_arithmetic",
    "with_results_solved",
]

OPERATIONS = ("+", "-", "*", "scale", "shift", "/")
# The powers of a ratio's second term that are tried: ``a / b`` and ``a / b^2`` (a body mass index).
POWERS = (1, 2)


@dataclass(frozen=True)
class Arithmetic:
    """Column ``column`` (an index of X) equals ``left operation right`` (two other columns; a product may
    have a ``factor`` too), or ``factor * left`` (``operation='scale'``, ``right`` None), in every row holding
    them all, in the columns' values. A sum or difference of times may have plain numbers that count a
    ``unit`` of time (``'D'``, ``'h'``, ``'min'`` or ``'s'``): a visit plus a stay in days. A column may also
    be another plus a fixed ``offset`` (``operation='shift'``, ``right`` None; in seconds between times): a due
    date 30 days after its invoice. A ratio (``operation='/'``) is ``factor * left / right^power`` (a factor
    of None is 1, a power of None 1): ``bmi = 10000 * weight / height^2``."""

    column: int
    left: int
    right: int | None
    operation: str
    factor: float | None = None
    unit: str | None = None
    offset: float | None = None
    power: int | None = None

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
        if self.power is not None:
            document["power"] = self.power
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
        if self.operation == "/":
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = left / right ** (self.power or 1)
            ratio = np.where(right == 0, np.nan, ratio)  # no result: the column keeps its own draw
            return ratio if self.factor is None else self.factor * ratio
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
            power = "" if self.power is None else f"^{self.power}"
            terms = f"{names[self.left]} {self.operation} {names[self.right]}{power}"
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
    "/": {("number", "number", "number")},
    "scale": {("number", "number")},
    "shift": {("number", "number"), ("instant", "instant"), ("duration", "duration")},
}
# A signed sum of three or more terms reads plain numbers only.
SUM_KIND = "number"
# The relations whose result is a linear function of their terms.
LINEAR = ("+", "-", "scale", "shift", "sum")


def adds_up(columns: list[Column], relation: tuple[int, ...], operation: str, unit: str | None = None) -> bool:
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


def seconds_per_number(column: Column, unit: str | None) -> float:
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
        return numbers * seconds_per_number(column, unit)
    return comparable_numbers(column, column.numbers(values, as_float)) * seconds_per_number(column, unit)


def tolerance(column: Column, operation: str, result: np.ndarray) -> np.ndarray:
    """How far a column's value may lie from the result: rounding to its decimals (or whole numbers) for a
    product, a ratio or a scaled column, the float64 error of a sum or difference."""
    rounding = 0.0
    if operation in ("*", "/", "scale"):
        if column.kind == "discretised" or column.lattice or column.time_unit is not None:
            rounding = 0.5
        elif column.decimals is not None:
            rounding = 0.5 * 10.0**-column.decimals
    return rounding * (1 + 1e-9) + 1e-12 * (1 + np.abs(result))


def _as_numbers(column: Column, values: np.ndarray, unit: str | None = None) -> np.ndarray:
    """Values computed for a column as its decoded numbers (the inverse of
    :func:`~skbfn._encoding.orders.comparable_numbers`, and of a relation's ``unit``): in its steps or time
    units, rounded as its samples are."""
    numbers = np.asarray(values, dtype=np.float64) / seconds_per_number(column, unit)
    if column.time_unit in UNIT_SECONDS:
        offset = column.time_offset if time_kind(column) == "instant" else 0.0
        numbers = (numbers - offset) / UNIT_SECONDS[column.time_unit]
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
        return numbers * seconds_per_number(column, unit)
    return comparable_numbers(column, decoded) * seconds_per_number(column, unit)


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
        wrong = np.abs(held - computed) > tolerance(column, relation.operation, computed)
        determined[relation.column] = cells
        contradicted |= cells & wrong
    return determined, contradicted


def with_results_solved(encoder, rows, given) -> None:
    """Make the imputed ``rows`` (decoded, with the given cells of the table ``given`` in them) add up, in
    place, relation by relation in column order: a given sum, difference or multiple is solved for a term that
    is not given (the right one where both are drawn), and a result that is not given is computed again from
    its terms as they now are (a given term replaced the one it was decoded from). Products and ratios given, and terms
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
        elif relation.operation in ("+", "-"):
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


def _relation_from_json(doc, n_columns: int) -> Arithmetic | TermSum | WholeYears | None:
    """The relation a document describes, or None where it is not a valid one."""
    if isinstance(doc, dict) and doc.get("operation") == "sum":
        relation = TermSum.from_dict(doc)
        return relation if relation is not None and relation.column < n_columns else None
    if isinstance(doc, dict) and doc.get("operation") == "years":
        return WholeYears.from_dict(doc, n_columns)
    operation = doc.get("operation") if isinstance(doc, dict) else None
    factored = operation == "scale" or (operation in ("*", "/") and "factor" in doc)
    counted = operation in ("+", "-") and "unit" in doc
    shifted = operation == "shift"
    powered = operation == "/" and "power" in doc
    extra = {"factor": factored, "unit": counted, "offset": shifted, "power": powered}
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
        and (not powered or (is_int(doc["power"]) and doc["power"] in POWERS[1:]))
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
        doc["column"],
        doc["left"],
        doc["right"],
        operation,
        doc.get("factor"),
        doc.get("unit"),
        doc.get("offset"),
        doc.get("power"),
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
        if relation.operation == "sum":
            in_units = all(time_kind(columns[j]) == SUM_KIND for j in involved)
        elif relation.operation == "years":
            in_units = time_kind(columns[involved[0]]) == "number" and all(
                time_kind(columns[j]) == "instant" and columns[j].time_unit in UNIT_SECONDS for j in involved[1:]
            )
        else:
            in_units = adds_up(columns, involved, relation.operation, relation.unit)
        if not in_units:
            raise ValueError(f"the arithmetic of column {columns[relation.column].name!r} mixes units")
        relations.append(relation)
    if len({r.column for r in relations}) < len(relations):
        raise ValueError("the encoder computes a column twice")
    if any(r.column in s.terms for i, r in enumerate(relations) for s in relations[:i]):
        raise ValueError("the encoder computes a column after a relation that reads it")
    return relations
