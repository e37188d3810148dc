"""Durations as pandas and Python write them as text: ``'1 days 23:30:13'``, ``'2 days, 0:05:00'``.

A ``timedelta64`` column written to a CSV file and read back, or turned into
strings, holds pandas' way of writing a duration: the days, then the time of
day in clock fields, ``'0 days 00:05:00'`` (``'-1 days +23:59:59'`` for one
second before zero). Python's :class:`datetime.timedelta` writes the days
only where there are some, ``'2 days, 0:05:00'`` beside ``'0:05:00'``. Both
add six digits of microseconds where there are some (``'0:00:01.500000'``).
A :class:`DayDurationFormat` reads such a column as seconds and writes
samples back the same way.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .elapsed import clock
from .text_numbers import MISSING_MARKERS, distinct_strings

__all__ = ["DayDurationFormat", "day_duration_format_of"]

_FRACTION = r"(?:\.(\d{6}))?"
_PATTERNS = {
    "pandas": re.compile(rf"^(-?\d+) days (\+?)(\d\d):([0-5]\d):([0-5]\d){_FRACTION}$"),
    "python": re.compile(rf"^(?:(-?\d+) days?, )?()(\d{{1,2}}):([0-5]\d):([0-5]\d){_FRACTION}$"),
}
_DAY = 86_400


@dataclass(frozen=True)
class DayDurationFormat:
    """How a column writes durations as days and clock fields.

    Parameters
    ----------
    style : {'pandas', 'python'}
        ``'pandas'``: ``'1 days 23:30:13'``, the days always written, the
        hours in two digits, a plus sign before the clock after negative
        days. ``'python'``: ``'1 day, 23:30:13'``, the days only where
        there are some (``'day'`` for one), the hours as few digits as they
        need.
    missing : str or None, default=None
        The string written for a missing value (one of the missing markers
        of numbers held as text), or None.

    Examples
    --------
    >>> import numpy as np
    >>> stays = DayDurationFormat("pandas")
    >>> stays.parse(np.array(["1 days 23:30:13", "-1 days +23:59:59", None], dtype=object)).tolist()
    [171013.0, -1.0, nan]
    >>> stays.format(np.array([300.0, 90_061.5])).tolist()
    ['0 days 00:05:00', '1 days 01:01:01.500000']
    >>> DayDurationFormat("python").format(np.array([300.0, 86_400.0, 2 * 86_400.0])).tolist()
    ['0:05:00', '1 day, 0:00:00', '2 days, 0:00:00']
    """

    style: str
    missing: str | None = None

    def __post_init__(self) -> None:
        if not (
            self.style in _PATTERNS
            and (self.missing is None or (isinstance(self.missing, str) and self.missing.lower() in MISSING_MARKERS))
        ):
            raise ValueError(f"invalid day-duration format {self!r}")

    def to_dict(self) -> dict:
        """The format as plain JSON values (``kind`` tells it from a number format)."""
        return {"kind": "day_durations", "style": self.style, "missing": self.missing}

    @classmethod
    def from_dict(cls, doc) -> DayDurationFormat:
        """A format written by :meth:`to_dict`; ValueError if it is not one."""
        if not isinstance(doc, dict) or set(doc) != {"kind", "style", "missing"} or doc["kind"] != "day_durations":
            raise ValueError(f"invalid day-duration format {doc!r}")
        return cls(doc["style"], doc["missing"])

    def parse(self, values: np.ndarray) -> np.ndarray:
        """Seconds (float64) of strings in this format; NaN where missing or not in it."""
        pattern = _PATTERNS[self.style]
        numbers = np.full(len(values), np.nan)
        for i, value in enumerate(values.tolist()):
            parts = pattern.match(value.strip()) if isinstance(value, str) else None
            if parts is None:
                continue
            days = int(parts[1] or 0)
            if self.style == "pandas" and bool(parts[2]) != (days < 0):
                continue  # pandas writes the plus sign after negative days, and only there
            seconds = (int(parts[3]) * 60 + int(parts[4])) * 60 + int(parts[5])
            if seconds >= _DAY:
                continue
            numbers[i] = days * _DAY + seconds + int(parts[6] or 0) / 1e6
        return numbers

    def format(self, numbers: np.ndarray) -> np.ndarray:
        """``numbers`` (seconds, rounded to microseconds) written in this format, as an object array (the
        missing marker, or None, where NaN)."""
        written = []
        for number in np.asarray(numbers, dtype=np.float64).tolist():
            if not math.isfinite(number):
                written.append(self.missing)
                continue
            days, micro = divmod(round(number * 1e6), _DAY * 10**6)  # floor: a negative count of days
            seconds, micro = divmod(micro, 10**6)
            fraction = f".{micro:06d}" if micro else ""
            if self.style == "pandas":
                written.append(f"{days} days {'+' if days < 0 else ''}{clock(seconds, 2)}{fraction}")
            else:
                time = f"{clock(seconds, 1)}{fraction}"
                written.append(f"{days} day{'' if abs(days) == 1 else 's'}, {time}" if days else time)
        return np.array(written, dtype=object)


def day_duration_format_of(observed: np.ndarray) -> DayDurationFormat | None:
    """The day-duration format of a column's observed strings (a missing marker among them allowed), if every
    other one is written in it and prints back unchanged; else None.

    Examples
    --------
    >>> import numpy as np
    >>> day_duration_format_of(np.array(["0 days 00:05:00", "3 days 12:00:00", "NaT"], dtype=object))
    DayDurationFormat(style='pandas', missing='NaT')
    >>> day_duration_format_of(np.array(["0:05:00", "1 day, 2:00:00"], dtype=object))
    DayDurationFormat(style='python', missing=None)
    >>> print(day_duration_format_of(np.array(["1 days", "2 days"], dtype=object)))
    None
    """
    found = distinct_strings(observed)
    if found is None:
        return None
    distinct, marker = np.array(found[0], dtype=object), found[1]
    for style in _PATTERNS:
        found = DayDurationFormat(style, marker)
        if np.array_equal(found.format(found.parse(distinct)), distinct):
            return found
    return None
