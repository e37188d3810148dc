"""Numbers held as text, as spreadsheets and reports write them: ``'$1,234.50'``, ``'12,5 %'``, ``'(3.000 EUR)'``.

A column of such strings (read from a CSV file without parsing, or exported
from a spreadsheet) is a column of numbers. Its *number format* says how
they are written: how a negative number is marked (a minus sign, accounting
parentheses, a trailing minus or the typographic minus sign) and whether a positive one carries a plus
sign; a currency sign or code before the digits, or a percent sign,
currency sign, code or unit (``'kg'``, ``'km/h'``, ``'years'``) after them;
the decimal mark (a point or a comma) and the mark that groups thousands,
if any (a comma, a point, a space or an apostrophe); and a fixed number of
decimals or as few as each value needs; or an exponent (``'2.515e+02'``).
A column is read this way if every observed string parses in one
format and prints back unchanged in it, so nothing is lost, and samples are
written in the same format. Where two formats both do (``'1,234'``: a
thousand with a grouping comma, or 1.234 with a decimal comma),
the point as decimal mark wins. Where none does, but the strings read in
one format that differs from string to string only in grouping and
trailing zeros (``'3,702'`` beside ``'3702'``), the column is numbers too,
written in the way that prints most of them back (and the encoder warns). Leading zeros (``'007'``, zip codes) do not
print back, so such keys stay strings. A column may also mark its missing
values with one string of its own (``'?'``, ``'n/a'``, ``'-'``, as files
from the UCI repository do): such cells are missing, and missing cells of
samples are written with it.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from .magnitudes import magnitude_powers, written_power
from .roles import few_categories, holds_few_values

__all__ = [
    "NumberFormat",
    "distinct_strings",
    "number_format_of",
    "reads_as_codes",
    "reads_number",
    "text_number_format",
]

# The spaces that spreadsheets and locales write between digits and around units: a space, a no-break space (as
# French Excel groups thousands) and a narrow no-break space (as French and SI typography do).
SPACES = " \u00a0\u202f"
# The decimal mark and the thousands mark of each way of writing numbers, the first that reads a column winning:
# English, continental European, SI (a space, or either no-break space) with either decimal mark, and Swiss.
MARKS = (
    (".", ","),
    (",", "."),
    (".", " "),
    (",", " "),
    (".", "'"),
    (",", "\u00a0"),
    (",", "\u202f"),
    (".", "\u00a0"),
    (".", "\u202f"),
)
# What may stand before the digits (after a sign) and after them: currency signs and codes, and the marks of an
# approximate value ('~403', '≈ 12.5'); percent and currency signs, codes and units of measure (letters, then
# letters, '/' or a power: 'kg', 'km/h', 'm²', '°C', 'years').
_PREFIX = f"(?:[$€£¥₹~≈][{SPACES}]?|[A-Z]{{3}}[{SPACES}])?"
_SUFFIX = f"(?:[{SPACES}]?[%$€£¥₹]|[{SPACES}]?[A-Za-zµ°][A-Za-zµ°/²³]{{0,9}})?"
# A minus sign as typography writes it (U+2212), beside the hyphen-minus.
UNICODE_MINUS = "\u2212"
_PARTS = re.compile(
    rf"^(?P<open>\(?)(?P<sign>[-+{UNICODE_MINUS}]?)(?P<prefix>{_PREFIX})(?P<body>\d(?:[\d.,'{SPACES}]*\d)?)"
    rf"(?P<exponent>[eE][-+]\d\d\d?)?(?P<suffix>{_SUFFIX})(?P<trailing>-?)(?P<close>\)?)$"
)
# Exponents as C, Python, R and spreadsheets write them: a mantissa with one digit before its point, then 'e' or
# 'E', a sign and at least two digits ('2.515e+02', '1.00E-05').
_MANTISSA = re.compile(r"^(?P<whole>\d)(?:\.(?P<fraction>\d+))?$")
# How a negative number is marked: '-1.5', '(1.5)' (accounting), '1.5-' (as SAP and some ledgers export) or
# '−1.5' (a typographic minus sign).
NEGATIVES = ("-", "()", "trailing -", UNICODE_MINUS)
# The most decimals a format writes.
MAX_TEXT_DECIMALS = 6
# Strings that mark a missing number (compared in lower case): '' as spreadsheets and databases export an empty
# cell (and pandas keeps it with keep_default_na=False), '#n/a' as Excel writes one.
MISSING_MARKERS = frozenset(
    {"", "?", "-", "--", "—", ".", "n/a", "#n/a", "n.a.", "na", "nan", "nat", "null", "none", "unknown", "missing"}
)
# Distinct strings checked before the whole column is (most columns that are not numbers fail on the first).
_STRINGS_TO_TRY = 20


@functools.cache
def _body_pattern(decimal_mark: str, group_mark: str) -> re.Pattern:
    """Digits with these marks: no leading zero, groups of three after the first, then the decimals."""
    group, decimal = re.escape(group_mark), re.escape(decimal_mark)
    return re.compile(rf"^(?P<whole>[1-9]\d{{0,2}}(?:{group}\d{{3}})+|[1-9]\d*|0)(?:{decimal}(?P<fraction>\d+))?$")


@dataclass(frozen=True)
class NumberFormat:
    """How a column writes its numbers as text.

    Parameters
    ----------
    prefix, suffix : str
        Written before the digits (after a sign) and after them: a currency
        sign (``$ € £ ¥ ₹``, then a space or not) or a three-letter code and a
        space before; a percent or currency sign, a code or a unit (up to ten
        letters, ``/``, ``°``, ``²`` or ``³``, starting with a letter or ``°``),
        with a space before it or not, after.
    grouping : bool
        Thousands grouped by ``group_mark``.
    decimals : int
        Decimals written (0 to 6).
    trim : bool
        Trailing zeros of the decimals dropped (and the decimal mark, if none is left).
    decimal_mark, group_mark : str
        One of :data:`MARKS`: ``'.'`` and ``','`` in English, ``','`` and
        ``'.'`` on the continent.
    missing : str or None
        The string written for a missing value, one of
        :data:`MISSING_MARKERS` in any case (``'?'``); None where missing
        values are None.
    negative : {'-', '()', 'trailing -', '\u2212'}, default='-'
        How a negative number is written: ``'-$3.00'``, ``'($3.00)'``,
        ``'$3.00-'`` or ``'\u2212$3.00'`` (the typographic minus sign).
    plus : bool, default=False
        A plus sign before positive numbers (with a minus sign only).
    plus_on_zero : bool, default=True
        With ``plus``, a plus sign before a zero too (``'+0.0'``, as Python
        writes it), or none (``'0.0'``, as spreadsheets write changes).
    exponent : {'', 'e', 'E'}, default=''
        Written in scientific notation with this letter: one digit, the
        point and ``decimals`` digits, then the letter, a sign and at least
        two digits (``'2.515e+02'``, as C, Python, R and spreadsheets write
        it; no grouping, a decimal point, no trimming).
    magnitudes : tuple of (str, int, int), default=()
        Written at several magnitudes (:mod:`.magnitudes`): each suffix
        after the digits (``'K'``, ``' million'``, ``'MB'``), the power of
        ten it stands for and the decimals written at it, in increasing
        powers; a number is written at the largest it reaches. With
        magnitudes, ``suffix`` is ``''`` and ``decimals`` the most of theirs.

    Examples
    --------
    >>> money = NumberFormat("$", "", grouping=True, decimals=2, trim=False)
    >>> money.format(np.array([1234.5, -3.0, np.nan])).tolist()
    ['$1,234.50', '-$3.00', None]
    >>> money.parse(np.array(["$1,234.50", None], dtype=object)).tolist()
    [1234.5, nan]
    >>> euros = NumberFormat("", " €", grouping=True, decimals=2, trim=False, decimal_mark=",", group_mark=".")
    >>> euros.format(np.array([1234.5])).tolist()
    ['1.234,50 €']
    >>> NumberFormat("", "", False, 1, False, missing="?").format(np.array([2.5, np.nan])).tolist()
    ['2.5', '?']
    >>> ledger = NumberFormat("", "", grouping=True, decimals=2, trim=False, negative="()")
    >>> ledger.format(np.array([-1234.5, 7.0])).tolist()
    ['(1,234.50)', '7.00']
    >>> NumberFormat("", " kg", False, 1, False, plus=True).format(np.array([2.5, -1.0])).tolist()
    ['+2.5 kg', '-1.0 kg']
    >>> NumberFormat("", "", False, 3, False, exponent="e").format(np.array([251.46, -0.00012])).tolist()
    ['2.515e+02', '-1.200e-04']
    >>> funding = NumberFormat("$", "", False, 1, True, magnitudes=(("K", 3, 0), ("M", 6, 1)))
    >>> funding.format(np.array([350_000.0, 1_240_000.0, 2_000_000.0])).tolist()
    ['$350K', '$1.2M', '$2M']
    >>> funding.parse(np.array(["$1.2M", "$45K"], dtype=object)).tolist()
    [1200000.0, 45000.0]
    """

    prefix: str
    suffix: str
    grouping: bool
    decimals: int
    trim: bool
    decimal_mark: str = "."
    group_mark: str = ","
    missing: str | None = None
    negative: str = "-"
    plus: bool = False
    plus_on_zero: bool = True
    exponent: str = ""
    magnitudes: tuple[tuple[str, int, int], ...] = ()

    def __post_init__(self) -> None:
        if not (
            _are_magnitudes(self.magnitudes)
            and not (self.magnitudes and (self.suffix or self.exponent))
            and self.exponent in ("", "e", "E")
            and not (self.exponent and (self.grouping or self.trim or self.decimal_mark != "."))
            and self.negative in NEGATIVES
            and isinstance(self.plus, bool)
            and isinstance(self.plus_on_zero, bool)
            and not (self.plus and self.negative not in ("-", UNICODE_MINUS))
            and (self.missing is None or (isinstance(self.missing, str) and self.missing.lower() in MISSING_MARKERS))
            and isinstance(self.prefix, str)
            and re.fullmatch(_PREFIX, self.prefix)
            and isinstance(self.suffix, str)
            and re.fullmatch(_SUFFIX, self.suffix)
            and (self.decimal_mark, self.group_mark) in MARKS
            and isinstance(self.grouping, bool)
            and isinstance(self.trim, bool)
            and isinstance(self.decimals, int)
            and not isinstance(self.decimals, bool)
            and 0 <= self.decimals <= MAX_TEXT_DECIMALS
        ):
            raise ValueError(f"invalid number format {self!r}")

    def to_dict(self) -> dict:
        """The format as plain JSON values (see :meth:`from_dict`).

        The fields that file format 11 added (the signs and the exponent) are
        written only where they are not their defaults, which documents of
        format 10, without them, mean.
        """
        doc = {name: getattr(self, name) for name in _FIELDS}
        optional = {name: getattr(self, name) for name, default in _SIGNS.items() if getattr(self, name) != default}
        if "magnitudes" in optional:
            optional["magnitudes"] = [list(magnitude) for magnitude in self.magnitudes]
        return {**doc, **optional}

    @classmethod
    def from_dict(cls, doc) -> NumberFormat:
        """A format written by :meth:`to_dict`; ValueError if it is not one."""
        if not isinstance(doc, dict) or not set(_FIELDS) <= set(doc) <= set(_FIELDS) | set(_SIGNS):
            raise ValueError(f"invalid number format {doc!r}")
        magnitudes = doc.get("magnitudes", ())
        if not (isinstance(magnitudes, list | tuple) and all(isinstance(m, list | tuple) for m in magnitudes)):
            raise ValueError(f"invalid number format {doc!r}")
        return cls(**{**doc, "magnitudes": tuple(tuple(m) for m in magnitudes)})

    def format(self, numbers: np.ndarray) -> np.ndarray:
        """``numbers`` written in this format, as an object array (None where NaN)."""
        grouping = "," if self.grouping else ""
        # each magnitude's suffix, power and format spec (one, without magnitudes)
        ways = [(s, p, f"{grouping}.{d}f") for s, p, d in self.magnitudes] or [
            (self.suffix, 0, f"{grouping}.{self.decimals}{self.exponent or 'f'}")
        ]
        powers, decimals = tuple(p for _, p, _ in self.magnitudes), tuple(d for _, _, d in self.magnitudes)
        marks = str.maketrans({",": self.group_mark, ".": self.decimal_mark})
        written = []
        for number in np.asarray(numbers, dtype=np.float64).tolist():
            if number != number:
                written.append(self.missing)
                continue
            suffix, power, spec = ways[written_power(abs(number), powers, decimals) if self.magnitudes else 0]
            digits = format(abs(number) / 10.0**power if power else abs(number), spec)
            if self.trim and "." in digits:
                digits = digits.rstrip("0").rstrip(".")
            text = f"{self.prefix}{digits.translate(marks)}{suffix}"
            if math.copysign(1.0, number) > 0:  # as Python writes them: '-0.0' is negative too
                signed = self.plus and (self.plus_on_zero or any(d in "123456789" for d in digits))
                written.append(f"+{text}" if signed else text)
            else:
                signed = {"-": f"-{text}", "()": f"({text})", "trailing -": f"{text}-", UNICODE_MINUS: f"\u2212{text}"}
                written.append(signed[self.negative])
        return np.array(written, dtype=object)

    def parse(self, values: np.ndarray) -> np.ndarray:
        """The numbers of strings written in this format, float64, NaN where missing or not in the format."""
        body_pattern = _body_pattern(self.decimal_mark, self.group_mark)
        powers = {suffix: power for suffix, power, _ in self.magnitudes} or {self.suffix: 0}
        numbers = np.full(len(values), np.nan)
        for i, value in enumerate(values.tolist()):
            parts = _PARTS.match(value.strip()) if isinstance(value, str) else None  # padded: ' 12.50 '
            if parts is None or parts["prefix"] != self.prefix or parts["suffix"] not in powers:
                continue  # the missing marker too: NaN
            if (parts["exponent"] or "")[:1] != self.exponent:
                continue
            body = (_MANTISSA if self.exponent else body_pattern).match(parts["body"])
            negative = _negative(parts)
            if body is not None and negative in (None, self.negative) and (parts["sign"] == "+") <= self.plus:
                whole = body["whole"].replace(self.group_mark, "") + "." + (body["fraction"] or "0")
                power = powers[parts["suffix"]]
                number = float(whole + (parts["exponent"] or (f"e{power}" if power else "")))
                numbers[i] = number if negative is None else -number  # '-0.0' is -0.0, written back as it was
        return numbers


_FIELDS = ("prefix", "suffix", "grouping", "decimals", "trim", "decimal_mark", "group_mark", "missing")
# Fields that files written before them lack, with the values those files mean.
_SIGNS = {"negative": "-", "plus": False, "exponent": "", "plus_on_zero": True, "magnitudes": ()}


def _are_magnitudes(magnitudes) -> bool:
    """Whether ``magnitudes`` is ``()`` or two or more distinct suffixes with increasing powers of ten that
    :func:`~skbfn._encoding.magnitudes.magnitude_powers` reads as they are, each with its decimals."""
    if magnitudes == ():
        return True
    if not (
        isinstance(magnitudes, tuple)
        and all(isinstance(m, tuple) and len(m) == 3 for m in magnitudes)
        and all(isinstance(s, str) and type(p) is int and type(d) is int for s, p, d in magnitudes)
        and all(0 <= d <= MAX_TEXT_DECIMALS and (s == "" or re.fullmatch(_SUFFIX, s)) for s, _, d in magnitudes)
    ):
        return False
    powers = [p for _, p, _ in magnitudes]
    return powers == sorted(set(powers)) and magnitude_powers([s for s, _, _ in magnitudes]) == {
        s: p for s, p, _ in magnitudes
    }


def _nonzero(body: str) -> bool:
    """Whether the digits of a number's body are not all zeros."""
    return any(digit in "123456789" for digit in body)


def _negative(parts: re.Match) -> str | None:
    """How the string of ``parts`` marks itself negative (one of :data:`NEGATIVES`), None if it is not, or
    ``'?'`` for marks that are no one way (a parenthesis alone, two marks)."""
    marks = [
        style
        for style, marked in (
            ("-", parts["sign"] == "-"),
            (UNICODE_MINUS, parts["sign"] == UNICODE_MINUS),
            ("()", bool(parts["open"]) or bool(parts["close"])),
            ("trailing -", bool(parts["trailing"])),
        )
        if marked
    ]
    if not marks:
        return None
    if len(marks) > 1 or (marks == ["()"] and not (parts["open"] and parts["close"])):
        return "?"
    return marks[0]


def _candidates(strings: list[str]):
    """The formats the strings' own affixes, marks and decimals suggest, one per way of writing that reads
    them all (in the order of :data:`MARKS`), if they agree on their affixes."""
    parts = [_PARTS.match(s.strip()) for s in strings]
    if not all(parts) or len({p["prefix"] for p in parts}) != 1:
        return
    suffixes = {p["suffix"] for p in parts}
    powers = magnitude_powers(suffixes) if len(suffixes) > 1 else None  # '$350K' beside '$1.2M'
    if len(suffixes) > 1 and (powers is None or any(p["exponent"] for p in parts)):
        return
    negatives = {_negative(p) for p in parts} - {None}
    plus = any(p["sign"] == "+" for p in parts)
    # a zero without a sign among signed numbers ('0.0' beside '+2.5'), as spreadsheets write changes
    plus_on_zero = not any(p["sign"] == "" and _negative(p) is None and not _nonzero(p["body"]) for p in parts)
    if len(negatives) > 1 or "?" in negatives or (plus and negatives - {"-", UNICODE_MINUS}):
        return
    negative = negatives.pop() if negatives else "-"
    exponents = {(p["exponent"] or "")[:1] for p in parts}
    if len(exponents) > 1:
        return
    if exponents != {""}:
        mantissas = [_MANTISSA.match(p["body"]) for p in parts]
        decimals = {len(m["fraction"] or "") for m in mantissas if m is not None}
        if all(mantissas) and len(decimals) == 1 and max(decimals) <= MAX_TEXT_DECIMALS:
            prefix, suffix = parts[0]["prefix"], parts[0]["suffix"]
            yield NumberFormat(
                prefix,
                suffix,
                False,
                decimals.pop(),
                False,
                negative=negative,
                plus=plus,
                exponent=exponents.pop(),
                plus_on_zero=plus_on_zero or not plus,
            )
        return
    for decimal_mark, group_mark in MARKS:
        bodies = [_body_pattern(decimal_mark, group_mark).match(p["body"]) for p in parts]
        if not all(bodies):
            continue
        decimals = [len(b["fraction"] or "") for b in bodies]
        if max(decimals) > MAX_TEXT_DECIMALS:
            continue
        at = {suffix: [d for d, p in zip(decimals, parts, strict=True) if p["suffix"] == suffix] for suffix in suffixes}
        magnitudes = tuple(sorted(((s, power, max(at[s])) for s, power in (powers or {}).items()), key=lambda m: m[1]))
        yield NumberFormat(
            parts[0]["prefix"],
            "" if magnitudes else parts[0]["suffix"],
            grouping=any(group_mark in b["whole"] for b in bodies),
            decimals=max(decimals),
            trim=any(len(set(d)) > 1 for d in at.values()),
            magnitudes=magnitudes,
            decimal_mark=decimal_mark,
            group_mark=group_mark,
            negative=negative,
            plus=plus,
            plus_on_zero=plus_on_zero or not plus,
        )


def without_missing_marker(observed: np.ndarray) -> tuple[np.ndarray, str | None]:
    """The observed values without the strings among them that mark a missing cell (:data:`MISSING_MARKERS`),
    and the marker most of those cells hold (the first seen of the most common); the values as they are and
    None where no marker, or nothing else, is there.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn._encoding.text_numbers import without_missing_marker
    >>> without_missing_marker(np.array(["2024-03-01", "?", "2024-03-02", "n/a", "?"], dtype=object))
    (array(['2024-03-01', '2024-03-02'], dtype=object), '?')
    """
    if observed.dtype.kind in "biufcmM":  # numbers or times: no strings among them
        return observed, None
    is_marker = np.array([is_missing_marker(v) for v in observed.tolist()], dtype=bool)
    if not is_marker.any() or is_marker.all():
        return observed, None
    marker = Counter(observed[is_marker].tolist()).most_common(1)[0][0]  # ties: the first seen
    return observed[~is_marker], str(marker)


def distinct_strings(observed: np.ndarray) -> tuple[list[str], str | None] | None:
    """A column's distinct observed strings, stripped, in order of first sight, but its missing marker
    (:func:`without_missing_marker`), and that marker; None where there is no value or one is not a string.

    Examples
    --------
    >>> import numpy as np
    >>> distinct_strings(np.array([" 0:03:25", "?", "1:05:33", "0:03:25"], dtype=object))
    (['0:03:25', '1:05:33'], '?')
    """
    if not len(observed) or not all(isinstance(v, str) for v in observed.tolist()):
        return None
    strings, marker = without_missing_marker(observed)
    return list(dict.fromkeys(s.strip() for s in strings.tolist())), marker


def reads_number(string: str) -> bool:
    """Whether a string could be a number written in some format (digits, with a sign, marks and affixes)."""
    return _PARTS.match(string.strip()) is not None


def is_missing_marker(value) -> bool:
    """Whether a value is a string that marks a missing cell (:data:`MISSING_MARKERS`, in any case)."""
    return isinstance(value, str) and value.lower() in MISSING_MARKERS


def text_number_format(observed: np.ndarray, dtype) -> NumberFormat | None:
    """The number format of an object or string column's observed values, or None if they are not all numbers
    written in one format that prints each of them back unchanged."""
    number_format, exact = number_format_of(observed, dtype)
    return number_format if exact else None


def number_format_of(observed: np.ndarray, dtype) -> tuple[NumberFormat | None, bool]:
    """The number format of an object or string column's observed values, and whether it prints every one of
    them back unchanged.

    Where no one format does, but every value reads as a number in one
    format that differs from value to value only in its grouping and
    trailing zeros (``'3,702'`` beside ``'3702'``, ``'2.50'`` beside
    ``'3.1'``, as columns pasted together from several sources have them),
    the format of that reading (the first in :data:`MARKS`' order) that
    prints the most values back unchanged, with False. Otherwise
    ``(None, False)``: two affixes, marks, ways of marking negatives or
    exponents in some values only stay text.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn._encoding.text_numbers import number_format_of
    >>> found, exact = number_format_of(np.array(["3,700", "1,250", "998", "4120"], dtype=object), np.dtype(object))
    >>> exact, found.format(np.array([4120.0, 12345.0])).tolist()
    (False, ['4,120', '12,345'])
    """
    if getattr(dtype, "kind", "O") != "O" or str(dtype) == "category" or len(observed) == 0:
        return None, False
    values = observed.tolist()
    if not all(isinstance(v, str) for v in values):
        return None, False
    numbers, marker = without_missing_marker(np.asarray(values, dtype=object))
    distinct = list(dict.fromkeys(numbers.tolist()))
    if next(_candidates(distinct[:_STRINGS_TO_TRY]), None) is None:
        return None, False
    strings = np.array(distinct, dtype=object)
    candidates = list(_candidates(distinct))  # all of them: the marks, grouping and decimals of the column
    for number_format in candidates:
        if np.array_equal(number_format.format(number_format.parse(strings)), strings):
            return replace(number_format, missing=marker), True
    for number_format in candidates:
        parsed = number_format.parse(strings)
        if number_format.exponent or np.isnan(parsed).any():
            continue
        return replace(_closest_way(number_format, parsed, strings), missing=marker), False
    return None, False


def _closest_way(number_format: NumberFormat, numbers: np.ndarray, strings: np.ndarray) -> NumberFormat:
    """``number_format`` grouped or not and trimmed or not, whichever writes the most of ``numbers`` as
    ``strings`` (in a tie, the grouping and trimming the format was read with)."""

    def fit(way: NumberFormat) -> tuple[int, bool, bool]:
        written = int(np.sum(way.format(numbers) == strings))
        return written, way.grouping == number_format.grouping, way.trim == number_format.trim

    return max((replace(number_format, grouping=g, trim=t) for g in (True, False) for t in (False, True)), key=fit)


def reads_as_codes(observed: np.ndarray, number_format: NumberFormat, max_categories: int | str) -> bool:
    """Whether numbers written as text are codes rather than quantities: a few values each seen often
    (:func:`~skbfn._encoding.roles.holds_few_values`), or bare integers (no sign, mark or decimals: ``'101'``,
    ``'205'``) with at most ``max_categories`` distinct values (50 for 'auto': more are read as numbers)."""
    bare = number_format == NumberFormat("", "", grouping=False, decimals=0, trim=False)
    return holds_few_values(observed) or (bare and len(set(observed.tolist())) <= few_categories(max_categories))
