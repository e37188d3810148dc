"""Relations between columns that training rows keep, which the encoder records and the sampler keeps.

Nine kinds, each in its own module: orders (a start before its end) and
copies (paid equal to due) in :mod:`.orders`, windows (shipped within a week
of the order) in :mod:`.windows`, days of the week (trading days, Monday to
Friday) in :mod:`.weekdays`, partitions (an age group
from an age) in :mod:`.partitions`, lookups (a borough from its zone) in
:mod:`.lookups`, calendar fields (a weekday from a
date) in :mod:`.calendar_fields`, arithmetic (a total from a subtotal
and a tax) in :mod:`.arithmetic`, and rules (who is a child from sex and
age) in :mod:`.rules`. This module fits, writes and reads them
together; tells which drawn rows break an order, a window, the days of the
week, a partition, a lookup or a rule; and says which cells of a table the others
determine (calendar fields and arithmetic results, certain given their
sources) and which rows contradict them.
"""

from __future__ import annotations

import numpy as np

from .arithmetic import arithmetic_from_json, arithmetic_of_rows
from .arithmetic_search import column_arithmetic
from .calendar_fields import calendar_fields_from_json, calendar_fields_of_rows, column_calendar_fields
from .lookups import column_lookups, lookups_broken, lookups_from_json, numeric_label_columns
from .orders import column_copies, column_orders, copies_from_json, orders_broken, orders_from_json
from .partitions import column_partitions, numeric_columns, partitions_broken, partitions_from_json
from .rules import column_rules, rule_number_columns, rules_broken, rules_from_json
from .weekdays import column_weekdays, weekdays_broken, weekdays_from_json
from .windows import column_windows, windows_broken, windows_from_json

__all__ = [
    "RELATIONS",
    "describe_relations",
    "determined_cells",
    "fit_relations",
    "relations_broken",
    "relations_from_json",
    "relations_to_json",
]

# The encoder's attribute of each kind of relation, and the key of its document.
RELATIONS = {
    "orders_": "orders",
    "windows_": "windows",
    "weekdays_": "weekdays",
    "copies_": "copies",
    "partitions_": "partitions",
    "lookups_": "lookups",
    "calendar_fields_": "calendar_fields",
    "arithmetic_": "arithmetic",
    "rules_": "rules",
}


def fit_relations(columns: list, X) -> dict[str, list]:
    """The relations among the fitted ``columns`` of ``X``, by the encoder's attribute (:data:`RELATIONS`).

    A column that its date or its terms determine (a calendar field, an
    arithmetic result) takes part in no order, copy or partition: samples
    compute it after those are kept.
    """
    arithmetic = column_arithmetic(columns, X)
    calendar = column_calendar_fields(columns, X)
    determined = {r.column for r in arithmetic} | {f.column for f in calendar}
    orders = [pair for pair in column_orders(columns, X) if determined.isdisjoint(pair)]
    partitions = [p for p in column_partitions(columns, X) if determined.isdisjoint((p.column, p.by))]
    binned = {(p.column, p.by) for p in partitions} | {(p.by, p.column) for p in partitions}
    lookups = [x for x in column_lookups(columns, X, determined) if (x.column, x.by) not in binned]
    decided = determined | {p.by for p in partitions} | {x.column for x in lookups}
    return {
        "orders_": orders,
        "windows_": column_windows(columns, X, orders),
        "weekdays_": [w for w in column_weekdays(columns, X) if w.column not in determined],
        "copies_": [pair for pair in column_copies(columns, X) if determined.isdisjoint(pair)],
        "partitions_": partitions,
        "lookups_": lookups,
        "calendar_fields_": calendar,
        "arithmetic_": arithmetic,
        "rules_": column_rules(columns, X, decided),
    }


def relations_to_json(encoder) -> dict:
    """The encoder's relations as plain JSON values (entries left out where there are none)."""
    document = {}
    for attribute, key in RELATIONS.items():
        relations = getattr(encoder, attribute)
        if relations:
            document[key] = [list(r) if isinstance(r, tuple) else r.to_dict() for r in relations]
    return document


def relations_from_json(doc: dict, columns: list) -> dict[str, list]:
    """The relations of an encoder's document by the encoder's attribute, checked (each absent in files before
    it)."""
    read = {
        "orders_": orders_from_json,
        "windows_": windows_from_json,
        "weekdays_": weekdays_from_json,
        "copies_": copies_from_json,
        "partitions_": partitions_from_json,
        "lookups_": lookups_from_json,
        "calendar_fields_": calendar_fields_from_json,
        "arithmetic_": arithmetic_from_json,
        "rules_": rules_from_json,
    }
    return {attribute: read[attribute](doc.get(key, []), columns) for attribute, key in RELATIONS.items()}


def relations_broken(encoder, rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
    """Which model rows ``rows`` break an order, a window, the days of the week, a partition, a lookup or a rule
    of ``encoder`` in a drawn cell (the rows are decoded once for all)."""
    orders, partitions = list(encoder.orders_), list(encoder.partitions_)
    needed = {j for pair in orders for j in pair} | numeric_columns(partitions, encoder.columns_)
    needed |= {j for window in encoder.windows_ for j in (window.low, window.high)}
    needed |= {days.column for days in encoder.weekdays_} | numeric_label_columns(encoder, encoder.lookups_)
    needed |= rule_number_columns(encoder, encoder.rules_)
    numbers = encoder.decoded_numbers(rows, sorted(needed))
    broken = orders_broken(encoder, orders, rows, given, numbers) | windows_broken(encoder, rows, given, numbers)
    broken |= weekdays_broken(encoder, rows, given, numbers) | lookups_broken(encoder, rows, given, numbers)
    broken |= rules_broken(encoder, rows, given, numbers)
    return broken | partitions_broken(encoder, partitions, rows, given, numbers)


def determined_cells(encoder, X) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """The cells of ``X`` that other cells of their row determine (a calendar field beside its date, a total
    beside its terms), by column, and the rows where such a cell holds another value (probability 0)."""
    determined, contradicted = {}, np.zeros(X.shape[0], dtype=bool)
    if encoder.calendar_fields_:
        determined, contradicted = calendar_fields_of_rows(encoder, X)
    if encoder.arithmetic_:
        results, wrong = arithmetic_of_rows(encoder, X)
        determined = {**determined, **results}
        contradicted = contradicted | wrong
    return determined, contradicted


def describe_relations(encoder) -> list[str]:
    """The encoder's relations in words, one line each: ``'start <= end'``, ``'paid = due in some rows'``,
    ``'trade_date on Mon-Fri'``, ``'age_group bins age'``, ``'weekday = weekday of date'``, ``'total = amount + tax'``,
    ``'tax = 0.2 * amount'``."""
    names = [str(column.name) for column in encoder.columns_]
    lines = [f"{names[low]} <= {names[high]}" for low, high in encoder.orders_]
    lines += [window.describe(names) for window in encoder.windows_]
    lines += [days.describe(names) for days in encoder.weekdays_]
    lines += [f"{names[copy]} = {names[source]} in some rows" for copy, source in encoder.copies_]
    lines += [
        f"{names[p.column]} determined by {names[p.by]}" if p.values else f"{names[p.by]} bins {names[p.column]}"
        for p in encoder.partitions_
    ]
    lines += [lookup.describe(names) for lookup in encoder.lookups_]
    lines += [f"{names[f.column]} = {f.field} of {names[f.source]}" for f in encoder.calendar_fields_]
    lines += [relation.describe(names, encoder.columns_) for relation in encoder.arithmetic_]
    lines += [rule.describe(names) for rule in encoder.rules_]
    return lines + [blank.describe(names, encoder.columns_) for blank in getattr(encoder, "blanks_", ())]
