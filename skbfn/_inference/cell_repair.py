"""Drawn cells whose presence is drawn too, outside the range or out of order, drawn again given their row.

A network that has not learnt a column's edge well draws some of its cells
beyond the training range (a heavy-tailed amount piled against its minimum),
or a pair of dates out of order. Rejecting such a row and drawing a new one
truncates the model's joint distribution to the rows that keep the bounds
and orders. Where the cell that broke them may also be missing, on a point
mass, a round value or a copy (its indicator, :mod:`skbfn._encoding.indicators`,
is drawn with the row), that truncation also changes how often it is: an
amount that is 0 in 60% of the rows can leave the range only when it is not
0, so rejecting those rows raises the share of zeros; an end date that may
be missing can only break its order when it is there, so rejecting those
rows raises the share of missing end dates.

A :class:`CellRepair` draws such cells again instead, each row's other cells
given (the network learnt every conditional ``p(x_modelled | x_given)`` in
training, :mod:`skbfn.core.cells`), for a few rounds, so that the indicators
keep the network's shares. A cell of a column without an indicator is left to
the caller, which rejects its row whole, as are the rows still broken after
the last round. The cells that a row's indicators make meaningless (a
missing cell, a cell on a point mass) are given their training placeholder,
as the network saw them in training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._encoding import TableEncoder
from .._encoding.lookups import lookup_cells_broken
from .._encoding.orders import order_cells_broken
from .._encoding.weekdays import weekday_cells_broken
from .._encoding.windows import window_cells_broken

__all__ = ["REPAIR_ROUNDS", "CellRepair", "indicated_columns", "outside"]

# Rounds of drawing a row's broken cells again: a cell the network's conditional draws outside its column's
# range even half the time is inside after eight rounds in all but 1 row in 256.
REPAIR_ROUNDS = 8


def outside(rows: np.ndarray, given: np.ndarray | None, bounds: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Drawn (not given) cells of the model rows ``rows`` outside ``bounds`` (lowest and highest per column)."""
    low, high = bounds
    cells = (rows < low) | (rows > high)
    return cells if given is None else cells & np.isnan(given)


def indicated_columns(encoder: TableEncoder) -> frozenset[int]:
    """The columns of X (indices) whose cells have an indicator: that may be missing, on a point mass, a round
    value, a copy or copied."""
    copied = {j for pair in encoder.copies_ for j in pair}
    masses = {j for j, _ in encoder.point_masses}
    return frozenset(set(encoder.indicators_) | masses | set(encoder.round_columns) | copied)


@dataclass(frozen=True)
class CellRepair:
    """Draws again, given the rest of their row, the drawn cells outside ``bounds`` or breaking an order, of
    the ``columns`` that have an indicator.

    Parameters
    ----------
    encoder : TableEncoder
        The fitted encoder: its orders between columns and its indicators' placeholders.
    bounds : tuple of ndarray, optional
        Lowest and highest value of each model column a drawn cell may take.
    columns : frozenset of int
        The columns of X whose cells are drawn again (:func:`indicated_columns`); an order is repaired where
        either of its columns is one of them.
    rounds : int, default=REPAIR_ROUNDS
        How many times a row's broken cells are drawn again at most.
    """

    encoder: TableEncoder
    bounds: tuple[np.ndarray, np.ndarray] | None
    columns: frozenset[int]
    rounds: int = REPAIR_ROUNDS

    def broken_cells(self, rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
        """Which drawn cells of the model rows ``rows`` to draw again: those of ``columns`` outside the bounds,
        and those of an order, a window or a lookup with a column among ``columns`` that the row breaks or leaves,
        and dates of ``columns`` on a day of the week their column never fell on."""
        cells = np.zeros(rows.shape, dtype=bool)
        positions = [p for p, j in enumerate(self.encoder.model_columns) if j in self.columns]
        if self.bounds is not None and positions:
            cells[:, positions] = outside(rows, given, self.bounds)[:, positions]
        orders = [pair for pair in self.encoder.orders_ if set(pair) & self.columns]
        if orders:
            cells |= order_cells_broken(self.encoder, rows, given, orders)
        windows = [w for w in self.encoder.windows_ if {w.low, w.high} & self.columns]
        if windows:
            cells |= window_cells_broken(self.encoder, rows, given, windows)
        weekdays = [w for w in self.encoder.weekdays_ if w.column in self.columns]
        if weekdays:
            cells |= weekday_cells_broken(self.encoder, rows, given, weekdays)
        lookups = [x for x in self.encoder.lookups_ if {x.column, x.by} & self.columns]
        if lookups:
            cells |= lookup_cells_broken(self.encoder, rows, given, lookups)
        return cells

    def __call__(
        self,
        rows: np.ndarray,
        given: np.ndarray | None,
        redraw: Callable[[np.ndarray, np.ndarray], np.ndarray],
    ) -> np.ndarray:
        """``rows`` (model rows, changed in place) with their broken cells drawn again given the rest of the row.

        ``given`` holds each row's given cells (NaN where drawn; None: none
        given); ``redraw(indices, request)`` draws the rows ``indices`` of
        ``rows`` again with the cells of ``request`` given (NaN: draw). The
        cells that the rows' indicators make meaningless hold their
        placeholders on return, so that none of them counts as broken.
        """
        rows[:] = self.encoder.with_placeholders(rows)
        for _ in range(self.rounds):
            cells = self.broken_cells(rows, given)
            pending = np.flatnonzero(cells.any(axis=1))
            if pending.size == 0:
                break
            request = rows[pending]
            if given is not None:  # given cells exactly as asked (a drawn row holds them in float32 already)
                request = np.where(np.isnan(given[pending]), request, given[pending])
            request[cells[pending]] = np.nan
            rows[pending] = self.encoder.with_placeholders(redraw(pending, request))
        return rows
