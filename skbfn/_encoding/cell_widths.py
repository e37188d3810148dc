"""The widths of integer cells in the model's units: how far a dequantised integer column's draws spread.

An integer column too wide for bins (``lattice``) is modelled as a density
over the flow's units, trained and scored on draws uniform over the image of
each integer's cell ``[k - 1/2, k + 1/2]`` (Theis et al. 2016; Ho et al.
2019). Under an affine map every cell's image is equally wide; under normal
scores each has its own width, so the widths are a function of the cell.
A column with a round unit ``u`` (:mod:`.round_values`) is dequantised
likewise where its indicator says a cell is round, over ``[k - u/2, k + u/2]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .column import Column
from .round_values import to_multiple

__all__ = ["CellWidths"]


@dataclass(frozen=True, eq=False)
class CellWidths:
    """Widths of each model column's integer cells: one per column, or one per cell.

    Parameters
    ----------
    constant : ndarray of shape (n_model_columns,)
        The width of every cell of each affinely scaled integer column; 0 for
        other columns (and for those in ``varying``).
    varying : tuple of (int, Column)
        Model positions and columns of the integer columns under normal
        scores, whose cells differ in width.
    rounded : tuple of (int, int, Column)
        Model positions, positions of their round-value indicators and
        columns of the continuous columns with a round unit: where the
        indicator is 1, the width of the round cell (its unit's), else the
        width the other entries give.

    Examples
    --------
    >>> import numpy as np
    >>> widths = CellWidths(np.array([0.0, 0.25], dtype=np.float32))
    >>> widths.of(np.zeros((3, 2), dtype=np.float32))
    array([0.  , 0.25], dtype=float32)
    """

    constant: np.ndarray
    varying: tuple[tuple[int, Column], ...] = ()
    rounded: tuple[tuple[int, int, Column], ...] = ()

    def of(self, encoded: np.ndarray) -> np.ndarray:
        """Widths for the model rows ``encoded`` ``[n, n_model_columns]``, float32, broadcastable against them.

        ``constant`` itself when no cell varies; else one width per cell
        (``[n, n_model_columns]``), 0 in missing cells (NaN in ``encoded``).
        """
        if not self.varying and not self.rounded:
            return self.constant
        widths = np.repeat(self.constant[None, :], encoded.shape[0], axis=0)
        for position, column in self.varying:
            cells = np.round(column.from_flow_range(encoded[:, position].astype(np.float64)))
            widths[:, position] = np.nan_to_num(column.cell_widths(cells), nan=0.0)
        for position, indicator, column in self.rounded:
            unit, at = column.round_unit, encoded[:, indicator] == 1
            cells = to_multiple(column.from_flow_range(encoded[at, position].astype(np.float64)), unit)
            widths[at, position] = np.nan_to_num(column.cell_widths(cells, unit), nan=0.0)
        return widths
