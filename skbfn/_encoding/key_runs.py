"""Keys whose runs of digits, letters and other characters follow one layout: made afresh run by run.

An IP address (``'10.217.163.130'``), an order reference (``'AB-9876-Z'``)
or a file name (``'scan_0042.tif'``) is a key of varying length, so no
position-by-position shape holds it (``skbfn._encoding.roles``), and its
fresh keys were tokens of its characters in any order (``'.1.0206478638'``).
Where every key splits into the same sequence of runs (digits, letters,
anything else), with the same text in every run of other characters, a
fresh key draws each run of digits as a number within the range the
training keys span there (zero-padded where they all share a width), each run
of letters from the letters seen there with a length seen there, and writes
the other runs as they are. The layout must hold at least ``min_keys`` keys,
so that a fresh key equals a training key only by rare chance.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable

import numpy as np

from .._json import is_int

__all__ = ["drawn_keys", "key_runs", "run_keys", "valid_runs"]

_RUN = re.compile(r"\d+|[A-Za-z]+|[^A-Za-z\d]+")
# Limits of a layout: runs per key, digits in a run (within int64), letters in a run (a byte of a hash each).
_MAX_RUNS, _MAX_DIGITS, _MAX_LETTERS = 32, 18, 24


def _kind(run: str) -> str:
    return "digits" if run[0].isdigit() else "letters" if run[0].isalpha() else "text"


def key_runs(keys: list[str], min_keys: float) -> list[list] | None:
    """The layout of ``keys`` as runs (``['digits', low, high, width]``, ``['letters', letters, shortest,
    longest]``, ``['text', text]``), or None where the keys split otherwise or the layout holds fewer than
    ``min_keys`` keys.

    Examples
    --------
    >>> key_runs(["AB-12", "CD-345", "EF-06"], 10)
    [['letters', 'ABCDEF', 2, 2], ['text', '-'], ['digits', 6, 345, 0]]
    >>> key_runs(["x07", "y11"], 10)  # both two digits: zero-padded to two
    [['letters', 'xy', 1, 1], ['digits', 7, 11, 2]]
    >>> key_runs(["a-1", "b-2", "c"], 1) is None  # 'c' has one run, the others three
    True
    """
    split = [_RUN.findall(key) for key in keys]
    if not split or len({len(runs) for runs in split}) != 1 or not 0 < len(split[0]) <= _MAX_RUNS:
        return None
    layout = []
    for runs in zip(*split, strict=True):
        kinds = {_kind(run) for run in runs}
        if len(kinds) != 1:
            return None
        kind = kinds.pop()
        if kind == "text":
            if len(set(runs)) != 1:
                return None
            layout.append(["text", runs[0]])
        elif kind == "digits":
            widths = {len(run) for run in runs}
            if max(widths) > _MAX_DIGITS:
                return None
            numbers = [int(run) for run in runs]
            layout.append(["digits", min(numbers), max(numbers), widths.pop() if len(widths) == 1 else 0])
        else:
            lengths = [len(run) for run in runs]
            if max(lengths) > _MAX_LETTERS:
                return None
            layout.append(["letters", "".join(sorted(set("".join(runs)))), min(lengths), max(lengths)])
    return layout if _log10_keys(layout) >= math.log10(min_keys) else None


def _log10_keys(layout: list[list]) -> float:
    """How many keys a layout holds, as a power of ten."""
    total = 0.0
    for run in layout:
        if run[0] == "digits":
            total += math.log10(run[2] - run[1] + 1)
        elif run[0] == "letters":
            total += run[3] * math.log10(len(run[1]))  # at its longest
    return total


def drawn_keys(draw: Callable[[int], str], n: int, distinct: bool = True) -> np.ndarray:
    """``n`` keys ``draw(0)``, ``draw(1)``, ..., a repeat skipped while ``distinct``, as an object array."""
    keys, seen, counter = [], set(), 0
    while len(keys) < n:
        key = draw(counter)
        counter += 1
        if not distinct or key not in seen:
            seen.add(key)
            keys.append(key)
    return np.array(keys, dtype=object)


def run_keys(layout: list[list], n: int, salt: str) -> np.ndarray:
    """``n`` keys in ``layout``, each run drawn from bytes of a hash of a counter and ``salt``; distinct while
    the layout holds twice as many keys."""

    def draw(counter: int) -> str:
        return "".join(
            _draw_run(run, hashlib.sha256(f"skbfn-runs-{salt}-{counter}-{i}".encode()).digest())
            for i, run in enumerate(layout)
        )

    return drawn_keys(draw, n, distinct=n <= 0.5 * 10 ** min(_log10_keys(layout), 300))


def _draw_run(run: list, random: bytes) -> str:
    """One run of a fresh key from 32 random bytes: a number from the first eight; a length from the first, then
    a letter from each next one."""
    if run[0] == "text":
        return run[1]
    if run[0] == "digits":
        _, low, high, width = run
        return str(low + int.from_bytes(random[:8], "little") % (high - low + 1)).zfill(width)
    _, letters, shortest, longest = run
    length = shortest + random[0] % (longest - shortest + 1)
    return "".join(letters[b % len(letters)] for b in random[1 : 1 + length])


def valid_runs(layout) -> bool:
    """Whether ``layout`` is one :func:`key_runs` could have made (checked when a model is loaded)."""
    if not (isinstance(layout, list) and 0 < len(layout) <= _MAX_RUNS):
        return False
    for run in layout:
        if not isinstance(run, list) or not run:
            return False
        if run[0] == "text":
            valid = len(run) == 2 and isinstance(run[1], str) and len(run[1]) > 0
        elif run[0] == "digits":
            valid = (
                len(run) == 4
                and all(is_int(v) for v in run[1:])
                and 0 <= run[1] <= run[2] < 10**_MAX_DIGITS
                and 0 <= run[3] <= _MAX_DIGITS
            )
        elif run[0] == "letters":
            valid = (
                len(run) == 4
                and isinstance(run[1], str)
                and 0 < len(run[1]) == len(set(run[1]))
                and run[1].isalpha()
                and all(is_int(v) for v in run[2:])
                and 1 <= run[2] <= run[3] <= _MAX_LETTERS
            )
        else:
            valid = False
        if not valid:
            return False
    return True
