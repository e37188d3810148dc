"""Durations held as text in clock fields: ``'0:03:25'`` for a call, ``'125:30'`` for the hours worked in a month.

Call centres, timesheets and sports results write a duration as hours,
minutes and seconds separated by colons (``'1:05:33'``), or as two such
fields (``'45:10'``: minutes and seconds, or hours and minutes). Where the
first field may pass 23 or is not padded to two digits, the strings are no
times of day (:mod:`.times` reads those first). An :class:`ElapsedFormat`
reads such a column as numbers, counts of its last field (seconds, or
minutes), and writes samples back in the same fields; whether two fields are
minutes and seconds or hours and minutes does not matter to either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .text_numbers import MISSING_MARKERS, distinct_strings

__all__ = ["ElapsedFormat", "clock", "elapsed_format_of"]

_ELAPSED = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
# The fields a format may have, and the widest first field it may pad to.
_FIELDS, _MAX_WIDTH = (2, 3), 3


@dataclass(frozen=True)
class ElapsedFormat:
    """How a column writes durations in clock fields.

    Parameters
    ----------
    fields : {2, 3}
        Fields separated by colons: ``'H:MM:SS'`` (3), or ``'M:SS'`` or
        ``'H:MM'`` (2), the last two of two digits each.
    width : int
        The fewest digits of the first field (1: ``'0:03:25'``; 2:
        ``'00:03:25'``), padded with zeros to it.
    missing : str or None, default=None
        The string written for a missing value (one of the missing markers
        of numbers held as text), or None.

    Examples
    --------
    >>> import numpy as np
    >>> calls = ElapsedFormat(3, 1)
    >>> calls.parse(np.array(["0:03:25", "1:05:33", None], dtype=object)).tolist()
    [205.0, 3933.0, nan]
    >>> calls.format(np.array([205.0, 90_061.0])).tolist()
    ['0:03:25', '25:01:01']
    """

    fields: int
    width: int
    missing: str | None = None

    def __post_init__(self) -> None:
        if not (
            self.fields in _FIELDS
            and isinstance(self.width, int)
            and not isinstance(self.width, bool)
            and 1 <= self.width <= _MAX_WIDTH
            and (self.missing is None or (isinstance(self.missing, str) and self.missing.lower() in MISSING_MARKERS))
        ):
            raise ValueError(f"invalid elapsed-time format {self!r}")

    def to_dict(self) -> dict:
        """The format as plain JSON values (``kind`` tells it from a number format)."""
        return {"kind": "elapsed", "fields": self.fields, "width": self.width, "missing": self.missing}

    @classmethod
    def from_dict(cls, doc) -> ElapsedFormat:
        """A format written by :meth:`to_dict`; ValueError if it is not one."""
        if not isinstance(doc, dict) or set(doc) != {"kind", "fields", "width", "missing"} or doc["kind"] != "elapsed":
            raise ValueError(f"invalid elapsed-time format {doc!r}")
        return cls(doc["fields"], doc["width"], doc["missing"])

    def parse(self, values: np.ndarray) -> np.ndarray:
        """Counts of the last field (float64) of strings in this format; NaN where missing or not in it."""
        numbers = np.full(len(values), np.nan)
        for i, value in enumerate(values.tolist()):
            parts = _ELAPSED.match(value.strip()) if isinstance(value, str) else None
            if parts is None or (parts[3] is not None) != (self.fields == 3) or len(parts[1]) < self.width:
                continue
            if len(parts[1]) > self.width and parts[1].startswith("0"):
                continue  # padded past the format's width: another way of writing
            first, second = int(parts[1]), int(parts[2])
            numbers[i] = (first * 60 + second) * 60 + int(parts[3]) if self.fields == 3 else first * 60 + second
        return numbers

    def format(self, numbers: np.ndarray) -> np.ndarray:
        """``numbers`` (rounded to whole counts of the last field) written in this format, as an object array
        (the missing marker, or None, where NaN)."""
        written = []
        for number in np.asarray(numbers, dtype=np.float64).tolist():
            if number != number:
                written.append(self.missing)
                continue
            count = max(round(number), 0)
            if self.fields == 3:
                written.append(clock(count, self.width))
            else:
                first, last = divmod(count, 60)
                written.append(f"{first:0{self.width}d}:{last:02d}")
        return np.array(written, dtype=object)


def clock(seconds: int, width: int) -> str:
    """Whole ``seconds`` (0 or more) as hours, minutes and seconds, ``'H:MM:SS'``, the hours padded to ``width``.

    Examples
    --------
    >>> clock(3933, 1), clock(205, 2)
    ('1:05:33', '00:03:25')
    """
    hours, rest = divmod(seconds, 3600)
    return f"{hours:0{width}d}:{rest // 60:02d}:{rest % 60:02d}"


def elapsed_format_of(observed: np.ndarray) -> ElapsedFormat | None:
    """The elapsed-time format of a column's observed strings (a missing marker among them allowed), if every
    other one is written in it and prints back unchanged; else None.

    Examples
    --------
    >>> import numpy as np
    >>> elapsed_format_of(np.array(["0:03:25", "1:05:33", "?"], dtype=object))
    ElapsedFormat(fields=3, width=1, missing='?')
    >>> print(elapsed_format_of(np.array(["12:30", "3:30 pm"], dtype=object)))
    None
    """
    found = distinct_strings(observed)
    if found is None:
        return None
    distinct, marker = np.array(found[0], dtype=object), found[1]
    parts = [_ELAPSED.match(s) for s in distinct.tolist()]
    if not parts or not all(parts) or len({p[3] is None for p in parts}) != 1:
        return None
    shortest = min((p[1] for p in parts), key=len)
    width = len(shortest)
    if width > _MAX_WIDTH:  # long first fields ('1000:00'): unpadded, unless the shortest starts with a zero
        if shortest.startswith("0"):
            return None
        width = 1
    found = ElapsedFormat(2 if parts[0][3] is None else 3, width, marker)
    return found if np.array_equal(found.format(found.parse(distinct)), distinct) else None
