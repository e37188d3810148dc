"""Numbers held as text, as spreadsheets and reports write them: ``'$1,234.50'``, ``'12.5%'``, ``'3,000'``.

A column of such strings (read from a CSV file without parsing, or exported
from a spreadsheet) is a column of numbers. Its *number format* says how
they are written: a currency sign before the digits, a percent sign after
them, thousands grouped by commas, and a fixed number of decimals or as
few as each value needs. A column is read this way only if every observed
string parses in one format and prints back unchanged in it, so nothing is
lost, and samples are written in the same format. Leading zeros (``'007'``,
zip codes) do not print back, so such keys stay strings.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

__all__ = ["NumberFormat", "text_number_format"]

# Signs written before the digits (after a minus sign) and after them.
PREFIXES = ("", "$", "€", "£", "¥", "₹")
SUFFIXES = ("", "%")
# The most decimals a format writes.
MAX_TEXT_DECIMALS = 6
_PATTERN = re.compile(
    r"^(?P<minus>-?)(?P<prefix>[$€£¥₹]?)(?P<whole>[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*|0)(?:\.(?P<fraction>\d+))?(?P<suffix>%?)$"
)
# Distinct strings checked before the whole column is (most columns that are not numbers fail on the first).
_STRINGS_TO_TRY = 20


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers as text.

    Parameters
    ----------
    prefix, suffix : str
        Written before the digits (after a minus sign) and after them: one of
        :data:`PREFIXES` and :data:`SUFFIXES`.
    grouping : bool
        Thousands grouped by commas.
    decimals : int
        Decimals written (0 to 6).
    trim : bool
        Trailing zeros of the decimals dropped (and the point, if none is left).

    Examples
    --------
    >>> money = NumberFormat("$", "", grouping=True, decimals=2, trim=False)
    >>> money.format(np.array([1234.5, -3.0, np.nan])).tolist()
    ['$1,234.50', '-$3.00', None]
    >>> money.parse(np.array(["$1,234.50", None], dtype=object)).tolist()
    [1234.5, nan]
    """

    prefix: str
    suffix: str
    grouping: bool
    decimals: int
    trim: bool

    def __post_init__(self) -> None:
        if not (
            self.prefix in PREFIXES
            and self.suffix in SUFFIXES
            and isinstance(self.grouping, bool)
            and isinstance(self.trim, bool)
            and isinstance(self.decimals, int)
            and not isinstance(self.decimals, bool)
            and 0 <= self.decimals <= MAX_TEXT_DECIMALS
        ):
            raise ValueError(f"invalid number format {self!r}")

    def to_dict(self) -> dict:
        """The format as plain JSON values (see :meth:`from_dict`)."""
        return {
            "prefix": self.prefix,
            "suffix": self.suffix,
            "grouping": self.grouping,
            "decimals": self.decimals,
            "trim": self.trim,
        }

    @classmethod
    def from_dict(cls, doc) -> NumberFormat:
        """A format written by :meth:`to_dict`; ValueError if it is not one."""
        if not isinstance(doc, dict) or set(doc) != {"prefix", "suffix", "grouping", "decimals", "trim"}:
            raise ValueError(f"invalid number format {doc!r}")
        return cls(**doc)

    def format(self, numbers: np.ndarray) -> np.ndarray:
        """``numbers`` written in this format, as an object array (None where NaN)."""
        spec = f"{',' if self.grouping else ''}.{self.decimals}f"
        written = []
        for number in np.asarray(numbers, dtype=np.float64).tolist():
            if number != number:
                written.append(None)
                continue
            digits = format(abs(number), spec)
            if self.trim and "." in digits:
                digits = digits.rstrip("0").rstrip(".")
            minus = "-" if math.copysign(1.0, number) < 0 else ""  # as Python writes them: '-0.0' too
            written.append(f"{minus}{self.prefix}{digits}{self.suffix}")
        return np.array(written, dtype=object)

    def parse(self, values: np.ndarray) -> np.ndarray:
        """The numbers of strings written in this format, float64, NaN where missing or not in the format."""
        numbers = np.full(len(values), np.nan)
        for i, value in enumerate(values.tolist()):
            match = _PATTERN.match(value) if isinstance(value, str) else None
            if match and match["prefix"] == self.prefix and match["suffix"] == self.suffix:
                number = float(match["whole"].replace(",", "") + "." + (match["fraction"] or "0"))
                numbers[i] = -number if match["minus"] else number  # '-0.0' is -0.0, written back as it was
        return numbers


def _candidate(strings: list[str]) -> NumberFormat | None:
    """The format that the strings' own signs, grouping and decimals suggest, if they agree on their signs."""
    matches = [_PATTERN.match(s) for s in strings]
    if not all(matches) or len({(m["prefix"], m["suffix"]) for m in matches}) != 1:
        return None
    decimals = [len(m["fraction"] or "") for m in matches]
    if max(decimals) > MAX_TEXT_DECIMALS:
        return None
    return NumberFormat(
        matches[0]["prefix"],
        matches[0]["suffix"],
        grouping=any("," in m["whole"] for m in matches),
        decimals=max(decimals),
        trim=len(set(decimals)) > 1,
    )


def text_number_format(observed: np.ndarray, dtype) -> NumberFormat | None:
    """The number format of an object or string column's observed values, or None if they are not all numbers
    written in one format that prints each of them back unchanged."""
    if getattr(dtype, "kind", "O") != "O" or str(dtype) == "category" or len(observed) == 0:
        return None
    values = observed.tolist()
    if not all(isinstance(v, str) for v in values):
        return None
    distinct = list(dict.fromkeys(values))
    number_format = _candidate(distinct[:_STRINGS_TO_TRY])
    if number_format is None:
        return None
    number_format = _candidate(distinct)  # all of them: the grouping and decimals of the whole column
    if number_format is None:
        return None
    strings = np.array(distinct, dtype=object)
    if not np.array_equal(number_format.format(number_format.parse(strings)), strings):
        return None
    return number_format
