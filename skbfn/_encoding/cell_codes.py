"""Codes beside the numbers or dates of a column held as text: ``'<0.5'`` below a limit of detection, ``'present'``
for a job not ended.

Exports from laboratories, registers and HR systems write a few strings of
their own among the values of a column: ``'<0.5'`` for a value below the
limit of detection and ``'>1000'`` above the range, ``'<5'`` for a count
suppressed for privacy, ``'ND'``, ``'present'`` or ``'ongoing'`` for an end
date not yet reached. Such a cell is neither a value nor missing: it holds
its *code*. A column of numbers (:mod:`.text_numbers`) may hold up to
:data:`MAX_CODES` strings that cannot be a number in any format, and a
column of dates (:mod:`.times`) up to as many strings without a digit, as
long as it holds more distinct values than codes; more such strings make it
free text. The encoder gives each code an indicator among the model's
columns (:mod:`.indicators`), 1 where the cell holds it, whose value cell is
then absent, so samples draw each code with the rest of their row.
"""

from __future__ import annotations

import numpy as np

from .text_numbers import NumberFormat, is_missing_marker, number_format_of, reads_number
from .times import object_time_format

__all__ = [
    "MAX_CODES",
    "are_codes",
    "code_cells",
    "coded_number_format",
    "coded_time_format",
    "without_codes",
]

# The most codes a column may hold beside its values: more strings that are no value make it free text.
MAX_CODES = 5


def _codes(strings: np.ndarray, is_code) -> tuple[str, ...] | None:
    """The distinct strings for which ``is_code`` holds, in order of first sight; None where they are more than
    :data:`MAX_CODES`."""
    codes = dict.fromkeys(s for s in strings.tolist() if isinstance(s, str) and is_code(s))
    return tuple(codes) if len(codes) <= MAX_CODES else None


def _is_number_code(string: str) -> bool:
    """A string no number is written as, in any format (``'<0.5'``, ``'ND'``), that marks no missing cell."""
    return not reads_number(string) and not is_missing_marker(string)


def _is_date_code(string: str) -> bool:
    """A string no date is written as: one without a digit (``'present'``, ``'ongoing'``)."""
    return not any(character.isdigit() for character in string) and not is_missing_marker(string)


def without_codes(strings: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """The strings that are none of ``codes``."""
    if not codes:
        return strings
    return strings[np.array([s not in codes for s in strings.tolist()], dtype=bool)]


def code_cells(values: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """Which of ``codes`` each value is (its index, int64), -1 for any other value."""
    lookup = {code: k for k, code in enumerate(codes)}
    return np.array([lookup.get(v, -1) if isinstance(v, str) else -1 for v in values.tolist()], dtype=np.int64)


def are_codes(codes) -> bool:
    """Whether ``codes`` is a tuple of at most :data:`MAX_CODES` distinct strings, none of which marks a missing
    cell."""
    return (
        isinstance(codes, tuple)
        and len(codes) <= MAX_CODES
        and len(set(codes)) == len(codes)
        and all(isinstance(c, str) and not is_missing_marker(c) for c in codes)
    )


def _has_more_values_than(values: np.ndarray, codes: tuple[str, ...]) -> bool:
    return len(set(values.tolist())) > len(codes)


def coded_number_format(observed: np.ndarray, dtype) -> tuple[NumberFormat | None, bool, tuple[str, ...]]:
    """:func:`~skbfn._encoding.text_numbers.number_format_of` of the observed strings that are no code, and the
    codes: the strings that cannot be a number in any format (``'<0.5'``, ``'ND'``), where they are at most
    :data:`MAX_CODES` and fewer than the distinct numbers; ``(None, False, ())`` where the strings are no numbers.

    Examples
    --------
    >>> import numpy as np
    >>> lab = np.array(["1.20", "<0.5", "3.40", "<0.5", ">20", "0.90"], dtype=object)
    >>> found, exact, codes = coded_number_format(lab, np.dtype(object))
    >>> found.decimals, exact, codes
    (2, True, ('<0.5', '>20'))
    >>> coded_number_format(np.array(["12", "twelve"], dtype=object), np.dtype(object))  # as many codes as numbers
    (None, False, ())
    """
    if not all(isinstance(v, str) for v in observed.tolist()):
        return None, False, ()  # numbers held as text are strings
    codes = _codes(observed, _is_number_code)
    if codes is None:
        return None, False, ()
    numbers = without_codes(observed, codes)
    if not _has_more_values_than(numbers, codes):
        return None, False, ()
    number_format, exact = number_format_of(numbers, dtype)
    return number_format, exact, codes if number_format is not None else ()


def coded_time_format(dated: np.ndarray, dtype) -> tuple[str | None, tuple[str, ...]]:
    """The strftime format of dates held as strings (their missing markers left out:
    :func:`~skbfn._encoding.text_numbers.without_missing_marker`) beside a few codes without a digit
    (``'present'`` for a job not ended), and the codes; ``(None, ())`` where there are no codes, more than
    :data:`MAX_CODES`, no more distinct dates than codes, or the rest are no dates in one format.

    Examples
    --------
    >>> import numpy as np
    >>> ended = np.array(["2021-03-01", "present", "2019-11-30", "present", "2020-06-15"], dtype=object)
    >>> coded_time_format(ended, np.dtype(object))
    ('%Y-%m-%d', ('present',))
    """
    if not (len(dated) and all(isinstance(v, str) for v in dated.tolist())):
        return None, ()
    codes = _codes(dated, _is_date_code)
    if not codes:
        return None, ()
    dates = without_codes(dated, codes)
    if not _has_more_values_than(dates, codes):
        return None, ()
    time_format = object_time_format(dates, dtype)
    return (time_format, codes) if time_format is not None else (None, ())
