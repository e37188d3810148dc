"""Durations held as text in fields with units: ``'2h 50m'`` for a flight, ``'1 hr 5 mins'`` for a film.

Travel sites, film databases and job logs write a duration as counts of days,
hours, minutes or seconds, each followed by its unit (``'2h 50m'``,
``'19h'``, ``'45m'``, ``'1d 4h'``, ``'2 hrs 5 mins'``). A
:class:`UnitDurationFormat` reads such a column as numbers, counts of its
smallest unit, and writes samples back in the same units, spacing and
separators, leaving out the fields that are zero where the data do. A column
holding one unit alone (``'18 days'``) is a number with a suffix
(:mod:`.text_numbers`); years, months and weeks, whose lengths vary or
which read as other things, are not durations here.

APIs and their exports write durations as ISO 8601 does (``'PT4M13S'`` for
a video, ``'P1DT2H'``): a ``'P'``, the days, then a ``'T'`` before the hours,
minutes and seconds, each count followed by its letter. Such a column is
read the same way, with one unit or more (``iso=True``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from .text_numbers import MISSING_MARKERS, distinct_strings

__all__ = ["UnitDurationFormat", "iso_duration_format_of", "unit_duration_format_of"]

# Seconds per unit, largest first, and the labels each unit may be written with (singular, as the data do).
UNITS = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_LABELS = {
    "d": ("d", "day"),
    "h": ("h", "hr", "hour"),
    "m": ("m", "min", "minute"),
    "s": ("s", "sec", "second"),
}
_UNIT_OF = {label: unit for unit, labels in _LABELS.items() for label in labels}
_FIELD = re.compile(r"(\d+)( ?)([A-Za-z]+)")
_SEPARATORS = ("", " ", ", ")
# An ISO 8601 duration in days, hours, minutes and seconds (no years, months or weeks, whose lengths vary).
_ISO = re.compile(r"P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+)S)?)?")


@dataclass(frozen=True)
class UnitDurationFormat:
    """How a column writes durations as counts with units.

    Parameters
    ----------
    units : tuple of str
        The units the column writes, largest first, from ``'d'``, ``'h'``,
        ``'m'`` and ``'s'`` (at least two); numbers count the last.
    labels : tuple of str
        How each unit is written (``'h'``, ``'hr'``, ``'hour'``...).
    plural : bool
        Whether a label takes an ``'s'`` after a count other than 1
        (``'1 hr'``, ``'2 hrs'``).
    space : str
        Between a count and its label: ``''`` (``'2h'``) or ``' '``
        (``'2 h'``).
    separator : str
        Between two fields: ``''``, ``' '`` or ``', '``.
    zeros : bool
        Whether fields that are zero are written (``'2h 0m'``, ``'0h 45m'``)
        or left out (``'2h'``, ``'45m'``; a duration of zero is written in
        the last unit, ``'0m'``).
    pad : bool
        Whether the fields after the first written one have two digits at
        least (``'2h 05m'``).
    missing : str or None, default=None
        The string written for a missing value (one of the missing markers
        of numbers held as text), or None.
    iso : bool, default=False
        Written as ISO 8601 writes durations (``'PT4M13S'``, ``'P1DT2H'``):
        then ``labels`` are the units' letters in capitals, one unit may be
        enough, and no space, separator or plural is written.

    Examples
    --------
    >>> import numpy as np
    >>> flights = UnitDurationFormat(("h", "m"), ("h", "m"), False, "", " ", False, False)
    >>> flights.parse(np.array(["2h 50m", "19h", "45m", None], dtype=object)).tolist()
    [170.0, 1140.0, 45.0, nan]
    >>> flights.format(np.array([170.0, 1140.0, 0.0])).tolist()
    ['2h 50m', '19h', '0m']
    >>> videos = UnitDurationFormat(("h", "m", "s"), ("H", "M", "S"), False, "", "", False, False, iso=True)
    >>> videos.parse(np.array(["PT4M13S", "PT1H", "PT0S"], dtype=object)).tolist()
    [253.0, 3600.0, 0.0]
    >>> videos.format(np.array([253.0, 3600.0, 0.0])).tolist()
    ['PT4M13S', 'PT1H', 'PT0S']
    """

    units: tuple[str, ...]
    labels: tuple[str, ...]
    plural: bool
    space: str
    separator: str
    zeros: bool
    pad: bool
    missing: str | None = None
    iso: bool = False

    def __post_init__(self) -> None:
        units, labels = self.units, self.labels
        iso = self.iso is True and (self.plural, self.space, self.separator, self.pad) == (False, "", "", False)
        if not (
            isinstance(units, tuple)
            and isinstance(labels, tuple)
            and (1 if iso else 2) <= len(units) == len(labels)
            and all(isinstance(u, str) and u in UNITS for u in units)
            and list(units) == sorted(set(units), key=lambda u: -UNITS[u])
            and (labels == tuple(u.upper() for u in units) if iso else self.iso is False)
            and (iso or all(isinstance(label, str) and _UNIT_OF.get(label) == u for u, label in _pairs(units, labels)))
            and all(isinstance(flag, bool) for flag in (self.plural, self.zeros, self.pad))
            and self.space in ("", " ")
            and self.separator in _SEPARATORS
            and (self.missing is None or (isinstance(self.missing, str) and self.missing.lower() in MISSING_MARKERS))
        ):
            raise ValueError(f"invalid unit-duration format {self!r}")

    def to_dict(self) -> dict:
        """The format as plain JSON values (``kind`` tells it from a number format)."""
        return {
            "kind": "unit_durations",
            "units": list(self.units),
            "labels": list(self.labels),
            "plural": self.plural,
            "space": self.space,
            "separator": self.separator,
            "zeros": self.zeros,
            "pad": self.pad,
            "missing": self.missing,
            **({"iso": True} if self.iso else {}),
        }

    @classmethod
    def from_dict(cls, doc) -> UnitDurationFormat:
        """A format written by :meth:`to_dict`; ValueError if it is not one."""
        keys = {"kind", "units", "labels", "plural", "space", "separator", "zeros", "pad", "missing"}
        if not isinstance(doc, dict) or set(doc) - {"iso"} != keys or doc["kind"] != "unit_durations":
            raise ValueError(f"invalid unit-duration format {doc!r}")
        if not (isinstance(doc["units"], list) and isinstance(doc["labels"], list)) or doc.get("iso", True) is not True:
            raise ValueError(f"invalid unit-duration format {doc!r}")
        fields = (doc["plural"], doc["space"], doc["separator"], doc["zeros"], doc["pad"], doc["missing"])
        return cls(tuple(doc["units"]), tuple(doc["labels"]), *fields, iso="iso" in doc)

    def parse(self, values: np.ndarray) -> np.ndarray:
        """Counts of the last unit (float64) of strings written with this format's units; NaN where missing or
        not written so."""
        last = UNITS[self.units[-1]]
        numbers = np.full(len(values), np.nan)
        read = _iso_seconds if self.iso else _seconds
        for i, value in enumerate(values.tolist()):
            seconds = read(value.strip(), self) if isinstance(value, str) else None
            if seconds is not None:
                numbers[i] = seconds / last
        return numbers

    def format(self, numbers: np.ndarray) -> np.ndarray:
        """``numbers`` (rounded to whole counts of the last unit) written in this format, as an object array
        (the missing marker, or None, where NaN)."""
        sizes = [UNITS[u] // UNITS[self.units[-1]] for u in self.units]
        written = []
        for number in np.asarray(numbers, dtype=np.float64).tolist():
            if number != number:
                written.append(self.missing)
                continue
            rest, counts = max(round(number), 0), []
            for size in sizes:
                count, rest = divmod(rest, size)
                counts.append(count)
            shown = [k for k, count in enumerate(counts) if self.zeros or count] or [len(counts) - 1]
            if self.iso:
                written.append(_iso_written(self.units, counts, shown))
                continue
            fields = []
            for place, k in enumerate(shown):
                digits = f"{counts[k]:02d}" if self.pad and place else str(counts[k])
                label = self.labels[k] + ("s" if self.plural and counts[k] != 1 else "")
                fields.append(f"{digits}{self.space}{label}")
            written.append(self.separator.join(fields))
        return np.array(written, dtype=object)


def _pairs(units: tuple, labels: tuple) -> list[tuple]:
    """Each unit beside its label (none where their counts differ, which the format's check refuses)."""
    return list(zip(units, labels, strict=True)) if len(units) == len(labels) else []


def _seconds(text: str, form: UnitDurationFormat) -> int | None:
    """The seconds a string written with ``form``'s labels, spacing and separator holds, or None."""
    position, total, previous = 0, 0, None
    for k, field in enumerate(_FIELD.finditer(text)):
        separator = text[position : field.start()]
        if (k == 0 and separator) or (k > 0 and separator != form.separator) or field[2] != form.space:
            return None
        label = field[3][:-1] if form.plural and field[3].endswith("s") and field[3] != "s" else field[3]
        if label not in form.labels or (previous is not None and form.labels.index(label) <= previous):
            return None
        previous = form.labels.index(label)
        total += int(field[1]) * UNITS[form.units[previous]]
        position = field.end()
    return total if previous is not None and position == len(text) else None


def _iso_seconds(text: str, form: UnitDurationFormat) -> int | None:
    """The seconds an ISO 8601 duration in ``form``'s units holds, or None."""
    match = _ISO.fullmatch(text)
    if match is None or text in ("P", "PT") or text.endswith("T"):
        return None
    counts = {unit: int(count) for unit, count in match.groupdict().items() if count is not None}
    if not counts or not set(counts) <= set(form.units):
        return None
    return sum(count * UNITS[unit] for unit, count in counts.items())


def _iso_written(units: tuple[str, ...], counts: list[int], shown: list[int]) -> str:
    """The ISO 8601 duration of ``counts`` of ``units``, writing the fields at ``shown``."""
    days = "".join(f"{counts[k]}D" for k in shown if units[k] == "d")
    times = "".join(f"{counts[k]}{units[k].upper()}" for k in shown if units[k] != "d")
    return f"P{days}{'T' + times if times else ''}"


def iso_duration_format_of(strings: np.ndarray, marker: str | None) -> UnitDurationFormat | None:
    """The ISO 8601 duration format of a column's distinct strings (its missing marker apart), if every one is
    such a duration in days, hours, minutes and seconds and prints back unchanged; else None."""
    matches = [_ISO.fullmatch(s) for s in strings.tolist()]
    if not matches or not all(m is not None and m.group(0) not in ("P", "PT") and m.lastindex for m in matches):
        return None
    used = {unit for m in matches for unit, count in m.groupdict().items() if count is not None}
    units = tuple(u for u in UNITS if u in used)
    for zeros in (False, True):
        form = UnitDurationFormat(units, tuple(u.upper() for u in units), False, "", "", zeros, False, marker, iso=True)
        parsed = form.parse(strings)
        if not np.isnan(parsed).any() and np.array_equal(form.format(parsed), strings):
            return form
    return None


def unit_duration_format_of(observed: np.ndarray) -> UnitDurationFormat | None:
    """The unit-duration format of a column's observed strings (a missing marker among them allowed), if every
    other one is written in it with two units or more among them, and prints back unchanged; else None.

    Examples
    --------
    >>> import numpy as np
    >>> found = unit_duration_format_of(np.array(["2h 50m", "19h", "45m", "n/a"], dtype=object))
    >>> found.units, found.separator, found.zeros, found.missing
    (('h', 'm'), ' ', False, 'n/a')
    >>> print(unit_duration_format_of(np.array(["5 ft 11 in", "6 ft 0 in"], dtype=object)))
    None
    >>> unit_duration_format_of(np.array(["PT4M13S", "PT1H2M", "PT45S"], dtype=object)).units
    ('h', 'm', 's')
    """
    found = distinct_strings(observed)
    if found is None:
        return None
    distinct, marker = found
    if distinct and distinct[0].startswith("P"):  # 'PT4M13S'
        return iso_duration_format_of(np.array(distinct, dtype=object), marker)
    fields = [list(_FIELD.finditer(s)) for s in distinct]
    if not distinct or not all(fields):
        return None
    words = {field[3] for found in fields for field in found}
    singular = {w[:-1] if w.endswith("s") and w[:-1] in _UNIT_OF else w for w in words}
    if not singular <= set(_UNIT_OF):
        return None
    by_unit: dict[str, set[str]] = {}
    for label in singular:
        by_unit.setdefault(_UNIT_OF[label], set()).add(label)
    if len(by_unit) < 2 or any(len(labels) > 1 for labels in by_unit.values()):
        return None
    units = tuple(sorted(by_unit, key=lambda u: -UNITS[u]))
    labels = tuple(by_unit[u].pop() for u in units)
    spaces = {field[2] for found in fields for field in found}
    if len(spaces) > 1:
        return None
    space, values = spaces.pop(), np.array(distinct, dtype=object)
    for separator, plural, zeros, pad in itertools.product(_SEPARATORS, (False, True), (False, True), (False, True)):
        form = UnitDurationFormat(units, labels, plural, space, separator, zeros, pad, marker)
        parsed = form.parse(values)
        if not np.isnan(parsed).any() and np.array_equal(form.format(parsed), values):
            return form
    return None
