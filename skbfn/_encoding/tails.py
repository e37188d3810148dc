"""Integers just beyond a discretised column's training range: a small, documented mass instead of none.

A discretised column has one bin per integer from its training minimum to
its maximum, so a held-out integer one step beyond either end would have
probability 0 and its row a score of ``-inf`` (one such row makes a mean
score ``-inf``, and model selection by ``score`` arbitrary). A model fitted
by this release is instead the mixture

    P'(k) = (1 - eps) P(k) + eps / 2 * 2**-d    (d >= 1 steps beyond an end)

for each discretised column, with ``eps = INTEGER_TAIL``: every integer has
mass, and one step beyond the range costs ``ln(eps / 4)``, about -8.3 nats,
each further step ``ln 2`` more. A row's score bounds ``ln P'``: its
in-range integer cells add ``ln(1 - eps)`` (-0.001) and a cell beyond the
range is scored as absent plus its tail mass. Samples never leave the range.
"""

from __future__ import annotations

import numpy as np

__all__ = ["INTEGER_TAIL", "beyond_range"]

INTEGER_TAIL = 1e-3


def beyond_range(encoder, n_rows: int, column_numbers) -> tuple[np.ndarray, np.ndarray]:
    """Cells of discretised columns beyond their bins (a mask over the model matrix) and each row's log tail mass.

    ``column_numbers(j)`` returns column ``j`` of ``X`` as float64 numbers.
    Without a tail (models of earlier releases) the mask is empty and the
    masses are 0.
    """
    mask = np.zeros((n_rows, encoder.n_model_columns), dtype=bool)
    log_mass = np.zeros(n_rows)
    tail = encoder.integer_tail_
    if not tail:
        return mask, log_mass
    for position, j in enumerate(encoder.model_columns):
        column = encoder.columns_[j]
        if column.kind != "discretised":
            continue
        numbers = column_numbers(j)
        integral = ~np.isnan(numbers) & (numbers == np.round(numbers))
        low, high = column.offset, column.offset + column.n_bins - 1
        with np.errstate(invalid="ignore"):
            distance = np.where(numbers < low, low - numbers, np.where(numbers > high, numbers - high, 0.0))
        beyond = integral & (distance > 0)
        mask[:, position] = beyond
        inside = integral & ~beyond
        log_mass += np.where(beyond, np.log(tail / 2) - np.where(beyond, distance, 0) * np.log(2.0), 0.0)
        log_mass += np.where(inside, np.log1p(-tail), 0.0)
    return mask, log_mass
