"""Columns that a date determines: a weekday, a month name, a quarter, a weekend flag, a year.

A table exported from a database often keeps, beside a date, fields computed
from it: ``order_date`` with ``order_weekday`` (``'Monday'``) and
``order_month`` (``'Jan'``, or 1). A model of the joint distribution learns
such a column only roughly (a weekday is no interval of the date, so no
partition, :mod:`.partitions`, holds it) and samples rows whose weekday is
not their date's. The encoder records each *calendar field*: a categorical or
discretised column whose value, in every training row that holds the date,
is one fixed label of one field of it (:data:`FIELDS`), each label of the
field's values its own, with the rows too many for that to be chance
(:data:`~skbfn._encoding.orders.MAX_CHANCE`). The column may miss cells
where the date is observed (and has them drawn missing, with a missingness
indicator).

The column stays a model column (a given weekday still informs an imputed
date), but samples take its value from their date: decoding writes the label
of the drawn date's field over the network's draw. A row's score counts
such a cell as certain given its date (probability 1, or 0 where the row
holds another label: ``-inf``), and the imputer moves a drawn date to the
nearest date whose fields are the given ones. A date whose field value no
training row held (a weekday never seen) keeps the network's own draw,
unless the column holds the field's values themselves (a year as a number).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int
from .column import Column
from .orders import MAX_CHANCE, MIN_ORDER_ROWS, screen_rows
from .times import time_values
from .values import as_float, column_values

__all__ = [
    "FIELDS",
    "CalendarField",
    "calendar_fields_from_json",
    "column_calendar_fields",
    "field_values",
    "with_calendar_fields",
    "with_dates_on_given_fields",
]

# The fields of a date a column may hold, tried in this order (each label must name one value of the field).
FIELDS = ("weekday", "weekend", "month", "quarter", "year", "day", "hour")
# A column with more values than this is no calendar field here (the days of a month have 31, the years of a
# century 100).
MAX_FIELD_LABELS = 100


@dataclass(frozen=True)
class CalendarField:
    """Column ``column`` (an index of X) holds, in every row where the date column ``source`` is observed, the
    label ``labels[k]`` (a category's index, or a discretised column's number) of the date's ``field`` value
    ``values[k]``."""

    column: int
    source: int
    field: str
    values: tuple[float, ...]
    labels: tuple[float, ...]

    def to_dict(self) -> dict:
        """The calendar field as plain JSON values."""
        return {
            "column": self.column,
            "source": self.source,
            "field": self.field,
            "values": list(self.values),
            "labels": list(self.labels),
        }

    @property
    def is_identity(self) -> bool:
        """Whether every label is its field value (a year held as a number): then an unseen value is its own."""
        return self.labels == self.values

    def labels_of(self, fields: np.ndarray) -> np.ndarray:
        """The label of each of the date's ``fields`` values (:func:`field_values`); NaN where the date is missing
        or its field value was never seen (unless every label is its value: :attr:`is_identity`)."""
        if self.is_identity:
            return np.asarray(fields, dtype=np.float64)
        values = np.asarray(self.values)
        order = np.argsort(values)
        at = np.clip(np.searchsorted(values[order], fields), 0, len(values) - 1)
        known = values[order][at] == fields
        return np.where(known, np.asarray(self.labels)[order][at], np.nan)


def is_date_column(column: Column) -> bool:
    """Whether a modelled column holds instants (dates or times, not durations), whose calendar fields exist."""
    return (
        column.time_unit is not None
        and column.kind in ("continuous", "discretised")
        and getattr(column.dtype, "kind", None) != "m"
    )


def field_values(column: Column, numbers: np.ndarray, field: str) -> np.ndarray:
    """The ``field`` of each of a date column's ``numbers`` (its model units, NaN where missing), as floats:
    Monday is weekday 0 and a Saturday or Sunday weekend 1, January month 1, NaN where the date is missing.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> X = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-03-02", None])})
    >>> date = TableEncoder().fit(X).columns_[0]
    >>> numbers = date.numbers(X["date"].to_numpy(), None)
    >>> field_values(date, numbers, "weekday"), field_values(date, numbers, "month")
    (array([ 4.,  5., nan]), array([ 3.,  3., nan]))
    """
    import pandas as pd

    times = pd.DatetimeIndex(
        time_values(numbers, np.dtype("datetime64[us]"), column.time_unit, None, None, column.time_offset)
    )
    value = {
        "weekday": lambda: times.day_of_week,
        "weekend": lambda: times.day_of_week >= 5,
        "month": lambda: times.month,
        "quarter": lambda: times.quarter,
        "year": lambda: times.year,
        "day": lambda: times.day,
        "hour": lambda: times.hour,
    }[field]()
    return np.where(np.asarray(times.isna()), np.nan, np.asarray(value, dtype=np.float64))


def column_calendar_fields(columns: list[Column], X) -> list[CalendarField]:
    """The calendar fields among the modelled columns of ``X`` (see the module's description): each column's
    first field (:data:`FIELDS`) of the first date column that determines it.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> dates = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 400, 300), "D")
    >>> X = pd.DataFrame({"date": dates, "weekday": dates.day_name(), "quarter": dates.quarter})
    >>> [(f.column, f.source, f.field) for f in column_calendar_fields(TableEncoder().fit(X).columns_, X)]
    [(1, 0, 'weekday'), (2, 0, 'quarter')]
    """
    dates = {j: c.numbers(column_values(X, j), as_float) for j, c in enumerate(columns) if is_date_column(c)}
    if not dates:
        return []
    targets = {
        j: c.labels(column_values(X, j))
        for j, c in enumerate(columns)
        if j not in dates and c.kind in ("categorical", "discretised") and 2 <= c.n_bins <= MAX_FIELD_LABELS
    }
    screen = screen_rows(X.shape[0], np.random.default_rng(0))
    found: dict[int, CalendarField] = {}
    for source, numbers in dates.items():
        for field in FIELDS:
            screened = field_values(columns[source], numbers[screen], field)
            fields = None  # every row's, read once a column pairs with the screened rows'
            for j, labels in targets.items():
                if j in found or _pairing(screened, labels[screen]) is None:
                    continue
                fields = field_values(columns[source], numbers, field) if fields is None else fields
                pairing = _pairing(fields, labels)
                if pairing is not None and _chance(fields, labels) <= np.log(MAX_CHANCE):
                    found[j] = CalendarField(j, source, field, *pairing)
    return [found[j] for j in sorted(found)]


def _pairing(fields: np.ndarray, labels: np.ndarray) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """The field values and their labels in the rows holding both, each field value with one label and each
    label with one field value, in at least two pairs; else None."""
    both = ~np.isnan(fields) & ~np.isnan(labels)
    if both.sum() < MIN_ORDER_ROWS:
        return None
    groups, values, _, names, label_of_group = _groups(fields[both], labels[both])
    if len(values) < 2 or len(values) != len(names) or len(np.unique(label_of_group)) < len(values):
        return None
    if not np.all(names[label_of_group][groups] == labels[both]):  # a field value with two labels
        return None
    order = np.argsort(values)
    return tuple(float(v) for v in values[order]), tuple(float(v) for v in names[label_of_group][order])


def _groups(fields: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each row's field group and the groups' field values, each row's label code and the labels, and each
    group's first row's label code (by hashing, in linear time: a million rows take milliseconds, where
    sorting the pairs took a second)."""
    import pandas as pd

    groups, values = pd.factorize(fields)
    codes, names = pd.factorize(labels)
    first = np.full(len(values), -1)
    first[groups[::-1]] = np.arange(len(groups))[::-1]  # each group's first row
    return groups, np.asarray(values, dtype=np.float64), codes, np.asarray(names, dtype=np.float64), codes[first]


def _chance(fields: np.ndarray, labels: np.ndarray) -> float:
    """About the log-probability that labels drawn apart from the dates, in their shares, would pair with the
    field values as the rows do: each field value's rows after its first draw its label again."""
    both = ~np.isnan(fields) & ~np.isnan(labels)
    groups, _, codes, _, label_of_group = _groups(fields[both], labels[both])
    shares = np.bincount(codes) / both.sum()
    return float(np.sum((np.bincount(groups) - 1) * np.log(shares[label_of_group])))


def with_calendar_fields(encoder, decoded: list, drawn_missing: dict[int, np.ndarray]) -> None:
    """Write, in place, each calendar field's label of its date's drawn value over the decoded values of its
    column (categories of a categorical column, numbers of a discretised one); a date drawn missing, or with a
    field value no training row held, leaves the drawn value, and a field ``drawn_missing`` by its missingness
    indicator stays missing (columns whose entry is None are left out)."""
    for calendar in encoder.calendar_fields_:
        target, dates = decoded[calendar.column], decoded[calendar.source]
        if target is None or dates is None:
            continue
        column = encoder.columns_[calendar.column]
        labels = calendar.labels_of(field_values(encoder.columns_[calendar.source], dates, calendar.field))
        known = ~np.isnan(labels)
        if column.kind == "categorical":  # an unseen value of a field whose codes are its values: no category
            known &= (labels >= 0) & (labels < column.n_bins)
        if calendar.column in drawn_missing:
            known &= ~drawn_missing[calendar.column]
        codes = labels[known]
        target[known] = column.categories[codes.astype(int)] if column.kind == "categorical" else codes


def calendar_fields_of_rows(encoder, X) -> tuple[dict[int, np.ndarray], np.ndarray]:
    """The cells of ``X``'s calendar fields that its dates determine (observed, with a known label), by
    column, to score as certain, and the rows where such a cell holds another label than its date's
    (probability 0)."""
    determined = {}
    contradicted = np.zeros(X.shape[0], dtype=bool)
    for calendar in encoder.calendar_fields_:
        source = encoder.columns_[calendar.source]
        numbers = source.numbers(column_values(X, calendar.source), as_float)
        expected = calendar.labels_of(field_values(source, numbers, calendar.field))
        held = encoder.columns_[calendar.column].labels(column_values(X, calendar.column))
        cells = ~np.isnan(expected) & ~np.isnan(held)
        determined[calendar.column] = cells
        contradicted |= cells & (held != expected)
    return determined, contradicted


# How far the imputer moves a drawn date to the nearest one with the given fields: four years, in days (or
# months), keeping the time of day; and half a day, in hours, for a given hour.
_DAYS_SEARCHED, _WEEKS_SEARCHED, _MONTHS_SEARCHED, _HOURS_SEARCHED = 4 * 366, 4 * 53, 4 * 12, 12
# Units of a date column in a day, and the rows whose candidates are searched at once (memory: rows x candidates).
_PER_DAY = {"D": 1, "h": 24, "min": 1440, "s": 86_400}
_SEARCH_ROWS = 1024


def with_dates_on_given_fields(encoder, Z: np.ndarray, given: np.ndarray) -> np.ndarray:
    """Model rows ``Z`` (a copy) whose drawn dates (NaN in ``given``) sit on the nearest date whose fields are
    the calendar fields ``given`` beside them (a given weekday ``'Monday'`` moves a drawn Thursday to the
    Monday before it): decoding then keeps the given fields. A date with no such date within four years is
    left as drawn. ``Z`` itself where the encoder has no calendar field."""
    if not encoder.calendar_fields_:
        return Z
    Z = Z.copy()
    order = encoder.model_columns
    for source in sorted({field.source for field in encoder.calendar_fields_}):
        wanted = {  # the field value each given label names (NaN where drawn)
            calendar.field: _field_of_label(calendar, given_labels(encoder, calendar.column, given))
            for calendar in encoder.calendar_fields_
            if calendar.source == source
        }
        rows = np.isnan(given[:, order.index(source)]) & np.any([~np.isnan(w) for w in wanted.values()], axis=0)
        if not rows.any():
            continue
        column = encoder.columns_[source]
        numbers = encoder.decoded_numbers(Z[rows], [source])[source]
        moved = _nearest_with_fields(column, numbers, {f: w[rows] for f, w in wanted.items()})
        Z[rows, order.index(source)] = encoder._encode(column, column.values(moved))
    return Z


def given_labels(encoder, j: int, given: np.ndarray) -> np.ndarray:
    """The labels of a categorical or discretised column ``j`` in the model rows ``given`` (NaN where
    missing): category indices, or a discretised column's numbers."""
    column, cells = encoder.columns_[j], given[:, encoder.model_columns.index(j)].astype(np.float64)
    return encoder._decode(column, cells) if column.kind == "discretised" else np.rint(cells)


def _field_of_label(calendar: CalendarField, labels: np.ndarray) -> np.ndarray:
    """The field value of each of the calendar field's ``labels`` (NaN where missing or not a label)."""
    values = dict(zip(calendar.labels, calendar.values, strict=True))
    return np.array([values.get(v, np.nan) for v in labels.tolist()])


def _nearest_with_fields(column: Column, numbers: np.ndarray, wanted: dict[str, np.ndarray]) -> np.ndarray:
    """Each date of ``numbers`` moved to the nearest one whose fields are ``wanted`` (NaN: any), its hour first
    (in hours), then its day (in days, or months); unmoved where none is near."""
    numbers = numbers.copy()
    per_day = _PER_DAY.get(column.time_unit)
    if "hour" in wanted and per_day and per_day > 1:
        hours = np.arange(-_HOURS_SEARCHED, _HOURS_SEARCHED + 1) * (per_day // 24)
        numbers = _nearest(column, numbers, hours[np.argsort(np.abs(hours), kind="stable")], {"hour": wanted["hour"]})
    dated = {f: w for f, w in wanted.items() if f != "hour"}
    if dated:
        span = {"M": _MONTHS_SEARCHED, "W": _WEEKS_SEARCHED}.get(column.time_unit, _DAYS_SEARCHED)
        steps = np.arange(-span, span + 1) * (per_day or 1)
        numbers = _nearest(column, numbers, steps[np.argsort(np.abs(steps), kind="stable")], dated)
    return numbers


def _nearest(column: Column, numbers: np.ndarray, steps: np.ndarray, wanted: dict[str, np.ndarray]) -> np.ndarray:
    """``numbers`` moved by the first of ``steps`` (nearest first) that gives every ``wanted`` field."""
    moved = numbers.copy()
    for start in range(0, len(numbers), _SEARCH_ROWS):
        rows = slice(start, start + _SEARCH_ROWS)
        candidates = numbers[rows, None] + steps[None, :]
        fits = np.ones(candidates.shape, dtype=bool)
        for field, values in wanted.items():
            got = field_values(column, candidates.ravel(), field).reshape(candidates.shape)
            fits &= np.isnan(values[rows, None]) | (got == values[rows, None])
        found = fits.any(axis=1) & ~np.isnan(numbers[rows])
        moved[rows] = np.where(found, candidates[np.arange(candidates.shape[0]), fits.argmax(axis=1)], numbers[rows])
    return moved


def calendar_fields_from_json(documents, columns: list[Column]) -> list[CalendarField]:
    """Calendar fields written by :meth:`CalendarField.to_dict`, checked; ValueError names what is wrong."""
    fields = []
    for doc in documents if isinstance(documents, list) else [None]:
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"column", "source", "field", "values", "labels"}
            and all(is_int(doc[k]) and 0 <= doc[k] < len(columns) for k in ("column", "source"))
            and doc["field"] in FIELDS
            and isinstance(doc["values"], list)
            and isinstance(doc["labels"], list)
            and 2 <= len(doc["values"]) == len(doc["labels"])
            and all(is_finite_number(v) for v in doc["values"] + doc["labels"])
            and len(set(doc["values"])) == len(doc["values"])
            and len(set(doc["labels"])) == len(doc["labels"])
        )
        if not valid or not is_date_column(columns[doc["source"]]):
            raise ValueError(f"the encoder's calendar fields hold an invalid entry {doc!r}")
        column = columns[doc["column"]]
        in_range = (
            all(v == int(v) and 0 <= v < column.n_bins for v in doc["labels"])
            if column.kind == "categorical"
            else column.kind == "discretised"
            and all(column.offset <= v <= column.offset + column.n_bins - 1 for v in doc["labels"])
        )
        if not in_range:
            raise ValueError(f"the calendar field of column {column.name!r} has labels its column cannot hold")
        fields.append(
            CalendarField(
                doc["column"],
                doc["source"],
                doc["field"],
                tuple(float(v) for v in doc["values"]),
                tuple(float(v) for v in doc["labels"]),
            )
        )
    return fields
