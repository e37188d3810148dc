"""Windows between two ordered times: an order shipped within a week of being placed, a reply within two hours.

An order between two times (:mod:`.orders`: ``placed <= shipped``) says
that the second comes after the first, not how long after. Where every
training row holds the two within a window, ``shipped - placed <= gap``, and
the two times drawn apart would exceed that gap in at least
:data:`~skbfn._encoding.orders.MIN_BROKEN_SHARE` of the pairs, with the rows
too many for that to be chance (:data:`~skbfn._encoding.orders.MAX_CHANCE`),
the encoder records the window: ``gap`` is the largest difference a training
row holds, in seconds. The sampler draws a row that leaves a window again
(``enforce_bounds``), as it does one that breaks an order or holds a cell
outside its training range: samples follow the model truncated to the
windows, and scores are those of the untruncated model.

Only times are given windows (two instants, or two durations): the largest
gap between two dates is a rule of the process that wrote them (a delivery
promise, a payment term); between two plain numbers it is rarely one, and
the training range of each column already bounds their samples.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int
from .column import Column
from .orders import (
    MAX_CHANCE,
    MIN_BROKEN_SHARE,
    SECONDS,
    UNIT_SECONDS,
    broken_apart,
    comparable_numbers,
    order_units,
    pair_cells_broken,
    pair_rows_broken,
    time_kind,
)
from .values import as_float, column_values

__all__ = ["Window", "column_windows", "window_cells_broken", "windows_broken", "windows_from_json"]

_UNIT_NAMES = {"D": "days", "h": "hours", "min": "minutes", "s": "seconds"}


@dataclass(frozen=True)
class Window:
    """Column ``high`` (an index of X) lies at most ``gap`` after column ``low`` (in seconds), in every row
    holding both; both are times of one kind, ordered ``low <= high``."""

    low: int
    high: int
    gap: float

    def to_dict(self) -> dict:
        """The window as plain JSON values."""
        return {"low": self.low, "high": self.high, "gap": self.gap}

    def describe(self, names: list[str]) -> str:
        """The window in words, in the longest unit the gap holds once: ``'shipped - placed <= 7 days'``,
        ``'6.998 days'``."""
        unit = next((u for u in SECONDS if self.gap >= SECONDS[u]), "s")
        count = self.gap / SECONDS[unit]
        shown = f"{count:g}" if count == round(count) else f"{count:.4g}"
        return f"{names[self.high]} - {names[self.low]} <= {shown} {_UNIT_NAMES[unit]}"

    def outside(self, columns: list[Column], numbers: dict) -> np.ndarray:
        """Where the decoded ``numbers`` of the two columns lie further apart than the gap (False where one is
        missing)."""
        low = comparable_numbers(columns[self.low], numbers[self.low])
        high = comparable_numbers(columns[self.high], numbers[self.high])
        with np.errstate(invalid="ignore"):
            return high - low > self.gap * (1 + 1e-12)


def _is_time_pair(columns: list[Column], low: int, high: int) -> bool:
    """Whether two columns are times of one kind (instants, or durations) counted in days, hours, minutes or
    seconds (not calendar months)."""
    pair = (columns[low], columns[high])
    kinds = {time_kind(c) for c in pair}
    return len(kinds) == 1 and all(c.time_unit in UNIT_SECONDS and order_units(c) is not None for c in pair)


def column_windows(columns: list[Column], X, orders: list[tuple[int, int]]) -> list[Window]:
    """The windows of the ordered pairs of times among ``orders`` (see the module's description).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skbfn._encoding.table import TableEncoder
    >>> rng = np.random.default_rng(0)
    >>> placed = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, 300), "D")
    >>> X = pd.DataFrame({"placed": placed, "shipped": placed + pd.to_timedelta(rng.integers(1, 8, 300), "D")})
    >>> [w.describe(list(X)) for w in TableEncoder().fit(X).windows_]
    ['shipped - placed <= 7 days']
    """
    rng = np.random.default_rng(0)
    windows = []
    for low, high in orders:
        if not _is_time_pair(columns, low, high):
            continue
        first, second = (
            comparable_numbers(columns[j], columns[j].numbers(column_values(X, j), as_float)) for j in (low, high)
        )
        both = ~np.isnan(first) & ~np.isnan(second)
        first, second = first[both], second[both]
        gap = float(np.max(second - first))
        if gap <= 0:
            continue
        share = broken_apart(second, first + gap, rng)  # pairs drawn apart further apart than the gap
        if share >= MIN_BROKEN_SHARE and len(first) * np.log1p(-share) <= np.log(MAX_CHANCE):
            windows.append(Window(low, high, gap))
    return windows


def _window_checks(columns: list[Column], windows) -> list:
    """The windows as checks of :func:`~skbfn._encoding.orders.pair_rows_broken`: broken where the pair lies
    further apart than the gap."""
    return [(w.low, w.high, functools.partial(w.outside, columns)) for w in windows]


def windows_broken(encoder, rows: np.ndarray, given: np.ndarray | None, numbers: dict) -> np.ndarray:
    """Which model rows ``rows`` leave one of ``encoder``'s windows in a drawn cell (a pair of given cells is the
    caller's), given the ``numbers`` the rows decode to in their columns."""
    return pair_rows_broken(encoder, _window_checks(encoder.columns_, encoder.windows_), rows, given, numbers)


def window_cells_broken(encoder, rows: np.ndarray, given: np.ndarray | None, windows: list[Window]) -> np.ndarray:
    """Which drawn cells of the model rows ``rows`` (not those of ``given``, NaN where drawn) belong to a pair
    of ``windows`` that the row leaves."""
    return pair_cells_broken(encoder, _window_checks(encoder.columns_, windows), rows, given)


def windows_from_json(documents, columns: list[Column]) -> list[Window]:
    """Windows written by :meth:`Window.to_dict`, checked; ValueError names what is wrong."""
    windows = []
    for doc in documents if isinstance(documents, list) else [None]:
        valid = (
            isinstance(doc, dict)
            and set(doc) == {"low", "high", "gap"}
            and all(is_int(doc[k]) and 0 <= doc[k] < len(columns) for k in ("low", "high"))
            and doc["low"] != doc["high"]
            and is_finite_number(doc["gap"])
            and doc["gap"] > 0
            and _is_time_pair(columns, doc["low"], doc["high"])
        )
        if not valid:
            raise ValueError(f"the encoder's windows hold an invalid entry {doc!r}")
        windows.append(Window(doc["low"], doc["high"], float(doc["gap"])))
    return windows
