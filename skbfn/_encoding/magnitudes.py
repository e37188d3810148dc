"""Numbers written at several magnitudes: ``'$350K'`` beside ``'$1.2M'``, ``'201k'`` beside ``'19M'``, ``'750 MB'``
beside ``'1.2 GB'``.

Reports, app stores and finance exports shorten big numbers with a letter or
a word for their power of ten (``K``, ``M``, ``bn``, ``million``), which may
prefix a unit (``kg`` beside ``g``, ``MB`` beside ``GB``). A column whose
numbers carry two or more such suffixes is one column of numbers: each
suffix is a power of ten (:func:`magnitude_powers`), the number is the
digits times it, and a sample is written at the largest magnitude it
reaches (:func:`written_power`), with as many decimals as that magnitude
had in the data (``'$1.2M'`` but ``'$350K'``).
"""

from __future__ import annotations

__all__ = ["MAGNITUDE_POWERS", "magnitude_powers", "written_power"]

# The letters and words that shorten a power of ten, as reports, finance and SI write them. A lower-case 'm' is
# milli in 'mg' and 'mm' but may be million or metres alone: it is read (as milli) only before a unit.
MAGNITUDE_POWERS = {
    "k": 3,
    "K": 3,
    "thousand": 3,
    "Thousand": 3,
    "M": 6,
    "MM": 6,
    "mn": 6,
    "Mn": 6,
    "mil": 6,
    "million": 6,
    "Million": 6,
    "B": 9,
    "G": 9,
    "bn": 9,
    "Bn": 9,
    "billion": 9,
    "Billion": 9,
    "T": 12,
    "tn": 12,
    "Tn": 12,
    "trillion": 12,
    "Trillion": 12,
}
# Prefixes read only before a unit ('mg', 'µm'), never alone.
_UNIT_PREFIXES = {"m": -3, "µ": -6, "\u03bc": -6}
# The spaces that may stand between the digits and the suffix.
_SPACES = " \u00a0\u202f"


def magnitude_powers(suffixes) -> dict[str, int] | None:
    """The power of ten each of ``suffixes`` (as written after the digits) stands for, or None where they are
    not one unit (or none) at two or more magnitudes.

    The suffixes may share a unit after their magnitude (``'B'`` of ``'KB'``
    and ``'MB'``); a suffix that is the unit alone, or no suffix where they
    share none, is the power 0. Every suffix must name a power of its own.

    Examples
    --------
    >>> magnitude_powers(["K", "M", ""])
    {'': 0, 'K': 3, 'M': 6}
    >>> magnitude_powers([" MB", " GB", " KB"])
    {' GB': 9, ' KB': 3, ' MB': 6}
    >>> magnitude_powers(["mg", "g"])  # milli before a unit
    {'g': 0, 'mg': -3}
    >>> magnitude_powers(["A", "B"]) is None  # seats 12A and 12B
    True
    >>> magnitude_powers(["K", "k"]) is None  # two ways of writing one power
    True
    """
    suffixes = sorted(set(suffixes))
    if len(suffixes) < 2:
        return None
    named = [s for s in suffixes if s]
    shared = _common_ending(named)  # the unit after the magnitudes, if any
    for width in range(len(shared), -1, -1):
        unit = shared[len(shared) - width :]
        if unit and (not suffixes[0] or unit[0] in _SPACES):
            continue  # a bare number beside '12 kg', or a unit that is only a space
        powers = _powers(suffixes, unit)
        if powers is not None:
            return powers
    return None


def _common_ending(strings: list[str]) -> str:
    """The longest string every one of ``strings`` ends with."""
    shortest = min(strings, key=len)
    width = 0
    while width < len(shortest) and all(s[len(s) - width - 1] == shortest[-width - 1] for s in strings):
        width += 1
    return shortest[len(shortest) - width :]


def _powers(suffixes: list[str], unit: str) -> dict[str, int] | None:
    words = {**MAGNITUDE_POWERS, **(_UNIT_PREFIXES if unit else {})}
    powers = {}
    for suffix in suffixes:
        word = suffix[: len(suffix) - len(unit)].strip(_SPACES)
        if word and word not in words:
            return None
        powers[suffix] = words.get(word, 0)
    return powers if len(set(powers.values())) == len(powers) else None


def written_power(magnitude: float, powers: tuple[int, ...], decimals: tuple[int, ...]) -> int:
    """The index of the magnitude a number of absolute value ``magnitude`` is written at.

    That is the largest power of ten it reaches (the smallest where it
    reaches none), or the next one up where its digits, rounded to the
    power's decimals, would reach that one (``999,960`` is ``'1.0M'``,
    not ``'1000K'``). ``powers`` are in increasing order, ``decimals`` are
    theirs.

    Examples
    --------
    >>> written_power(350_000.0, (3, 6), (0, 1)), written_power(999_960.0, (3, 6), (0, 1))
    (0, 1)
    >>> written_power(600_000.0, (3, 6), (0, 0)), written_power(12.0, (3, 6), (0, 1))
    (0, 0)
    """
    index = 0
    while index + 1 < len(powers) and magnitude >= 10.0 ** powers[index + 1]:
        index += 1
    if index + 1 < len(powers):
        digits = round(magnitude / 10.0 ** powers[index], decimals[index])
        index += int(digits >= 10.0 ** (powers[index + 1] - powers[index]))
    return index
