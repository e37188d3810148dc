"""What scores read of a table beyond its model matrix: tails, Jacobians, cells without mass, determined cells.

:class:`ScoredCells` is the part of :class:`~skbfn._encoding.table.TableEncoder`
that :meth:`skbfn.BFNGenerator.score_samples` reads besides the model
matrix: the tails of values beyond the training range (:mod:`.tails`), the
Jacobian of the scaling, the cells whose row has no mass under the model,
and the cells that other cells of their row determine (copies, calendar
fields, arithmetic results; :mod:`.relations`), scored as certain.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import check_array

from .column import without_mass
from .column_fit import SCALED_LIMIT
from .indicators import copied_cells
from .relations import determined_cells
from .tails import ContinuousTails, beyond_range, continuous_tails, unseen_categories
from .values import as_float, column_values, is_pandas

__all__ = ["FAR_BEYOND", "ScoredCells"]

# A real value farther than this from the centre, in the flow's units (a million training half-ranges), is not
# scored by the float32 model, whose loss would overflow to inf (and inf - inf is NaN): its tail scores it.
FAR_BEYOND = 1e6


class ScoredCells:
    """What a fitted :class:`~skbfn._encoding.table.TableEncoder` tells a score beyond the model matrix (a
    mixin: it reads the encoder's columns, model order and relations)."""

    def beyond_range(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Integer cells beyond a discretised column's bins, and each row's log tail mass (:mod:`.tails`)."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)

        certain = self._certain_cells(X)

        def numbers(j: int) -> np.ndarray:
            numbers = self.columns_[j].numbers(column_values(X, j), as_float)
            return np.where(certain[j], np.nan, numbers) if j in certain else numbers

        return beyond_range(self, X.shape[0], numbers)

    def unseen_categories(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Categorical cells holding a category not seen in fit, and each row's log-probability of its
        categorical cells under the columns' tails (:func:`.tails.unseen_categories`)."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        certain = self._certain_cells(X)

        def codes(j: int) -> np.ndarray:
            codes = self.columns_[j].category_codes(column_values(X, j)).astype(np.float64)
            return np.where(certain[j], np.nan, codes) if j in certain else codes

        return unseen_categories(self, X.shape[0], codes)

    def continuous_tails(self, X, encoded: np.ndarray, far: np.ndarray | None = None) -> ContinuousTails:
        """Continuous cells of ``encoded`` (the model matrix of ``X``) beyond their training range, and the terms
        of each row's score under the columns' tails (:mod:`.tails`).

        ``far`` (:meth:`far_cells`) names cells too far out for the float32
        model, whatever ``encoded`` holds there: their distance is taken from
        ``X`` in float64, and their rows are scored by the tail term alone.
        """
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        observed = np.zeros(encoded.shape, dtype=bool)
        values = encoded.astype(np.float64)
        certain = self._certain_cells(X)  # a result of its terms: certain, no tail
        if self.continuous_tail_:
            for position in np.flatnonzero(self.continuous_model_columns):
                column = self.columns_[self._order[position]]
                numbers = column.numbers(column_values(X, self._order[position]), as_float)
                observed[:, position] = ~np.isnan(numbers) & ~certain.get(self._order[position], np.False_)
                if far is not None and far[:, position].any():
                    rows = far[:, position]
                    with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: an infinite distance
                        values[rows, position] = column.to_flow_range(column.off_point_masses(numbers[rows]))
        return continuous_tails(self, values, observed, far)

    def columns_beyond_range(self, X) -> list:
        """Names of numeric model columns with observed values outside the range the encoder was fitted on."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        names = []
        for j in self._order:
            column = self.columns_[j]
            if column.kind == "categorical":
                continue
            numbers = column.numbers(column_values(X, j), as_float)
            numbers = column.off_point_masses(numbers)
            numbers = numbers[~np.isnan(numbers)]
            if column.kind == "discretised":
                beyond = (numbers < column.offset) | (numbers > column.offset + column.n_bins - 1)
            else:
                beyond = np.abs(column.to_flow_range(numbers)) > SCALED_LIMIT * (1 + 1e-6)
            if beyond.any():
                names.append(column.name)
        return names

    def far_cells(self, encoded: np.ndarray) -> np.ndarray:
        """Continuous model cells more than ``FAR_BEYOND`` flow ranges from the centre, or non-finite.

        A value that far from the training range has no density the float32
        model can compute (the loss overflows): its row is scored by the
        column's tail alone (:meth:`continuous_tails`), or ``-inf`` by a model
        without tails (earlier releases).
        """
        with np.errstate(invalid="ignore"):
            far = ~(np.abs(encoded) <= FAR_BEYOND) & ~np.isnan(encoded)
        return far & self.continuous_model_columns

    def unmodelled_missing(self, X) -> np.ndarray:
        """Rows with a missing cell in a modelled column that has no missingness indicator."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        rows = np.zeros(X.shape[0], dtype=bool)
        for j in self._order:
            if j not in self.indicators_:
                rows |= self.columns_[j].missing_cells(column_values(X, j))
        return rows

    @property
    def log_jacobian(self) -> float:
        """``sum ln |dz/dx|`` over affinely scaled continuous columns: densities in scaled units to original units."""
        if any(c.normal_scores is not None for c in self.columns_):
            raise ValueError("The Jacobian of normal scores varies by row: use row_log_jacobian.")
        return float(sum(np.log(c.scale) for c in self.columns_ if c.kind == "continuous"))

    def row_log_jacobian(self, X) -> np.ndarray:
        """``sum ln |dz/dx|`` over the observed continuous cells of each row of ``X`` (in original units), and
        the log share of each observed cell's level in its column's pool of rare levels (:mod:`.rare_levels`)."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        total = np.zeros(X.shape[0])
        certain = self._certain_cells(X)  # a result of its terms: certain, no density
        for j, column in enumerate(self.columns_):
            if column.rare_levels is not None:
                total += column.rare_levels.log_shares(column_values(X, j))
            if column.kind == "continuous":
                numbers = column.numbers(column_values(X, j), as_float)
                numbers = column.off_point_masses(numbers)  # a mass, not a density
                if j in certain:
                    numbers = np.where(certain[j], np.nan, numbers)
                source = dict(self.copies_).get(j)
                if source is not None:  # a copy: its indicator's probability, not a density
                    source_numbers = self.columns_[source].numbers(column_values(X, source), as_float)
                    numbers = np.where(numbers == source_numbers, np.nan, numbers)
                total += np.nan_to_num(column.log_jacobian(numbers), nan=0.0)
        return total

    def certain_cells(self, X) -> np.ndarray:
        """Model cells of ``X`` that other cells of their row determine, to score as certain: a calendar field
        beside its date (:mod:`.calendar_fields`), an arithmetic result beside its terms (:mod:`.arithmetic`),
        with the indicators of its point masses and round values; :meth:`off_support` names the rows where
        such a cell holds another value."""
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        cells = np.zeros((X.shape[0], self.n_model_columns), dtype=bool)
        start = len(self._order) + len(self.indicators_)
        masses = [start + i for i, (j, _) in enumerate(self.point_masses)]
        rounds = [start + len(masses) + i for i in range(len(self.round_columns))]
        indicators = [j for j, _ in self.point_masses] + self.round_columns
        for j, determined in self._certain_cells(X).items():
            cells[:, self._order.index(j)] = determined
            for position, column in zip(masses + rounds, indicators, strict=True):
                if column == j:
                    cells[:, position] = determined
        return cells

    def _certain_cells(self, X) -> dict[int, np.ndarray]:
        """The cells of ``X`` certain under the model, by column (:meth:`certain_cells`), which the tails
        (:mod:`.tails`) and the Jacobian leave out."""
        return determined_cells(self, X)[0] if self.calendar_fields_ or self.arithmetic_ else {}

    def copied_cells(self, encoded: np.ndarray) -> np.ndarray:
        """Cells of the model matrix ``encoded`` that copy another column's, to score as absent (:mod:`.orders`)."""
        return copied_cells(self, encoded)

    def off_support(self, X) -> np.ndarray:
        """Rows with an observed cell that has no mass under the model.

        That is an integer cell that is not an integer (discretised and
        dequantised columns) or lies outside a discretised column's bins, a
        constant column's cell holding another number, or a cell that other
        cells of its row determine holding another value (a calendar field
        beside its date, an arithmetic result beside its terms:
        :meth:`certain_cells`).

        The model gives such a row probability 0, so its log-likelihood is ``-inf``
        (the encoding itself clips the value into the end bins). Dequantised
        (lattice) columns have mass at every integer, so only non-integers are off.
        """
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        outside = determined_cells(self, X)[1]
        for j, column in enumerate(self.columns_):
            if column.is_numeric_constant and self.category_tail_:  # another number: the tail scores it
                continue
            if column.kind == "discretised" or column.lattice or column.is_numeric_constant:
                numbers = column.numbers(column_values(X, j), as_float)
                observed = ~np.isnan(numbers)
                off = without_mass(column, numbers[observed])
                if column.kind == "discretised" and self.integer_tail_:  # integers beyond the bins have a tail
                    off &= numbers[observed] != np.round(numbers[observed])
                outside[observed] |= off
        return outside
