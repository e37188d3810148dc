"""Values beyond a column's training range: a small, documented tail instead of none or next to none.

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

A continuous column (real-valued, or an integer column too wide to
discretise) has a density beyond its training range, but the model's falls
there about like a Gaussian of width ``sigma_1`` in the flow's units: a
held-out value a tenth of the range past the training maximum can cost over
a hundred nats, and one such cell decides a row's score. A model fitted by
this release is instead, for each such column, the mixture

    p'(z) = (1 - eps) p(z) + eps * exp(-d / s) / (2 s)    (d = |z| - L beyond the range, else no tail)

in the flow's units ``z`` (the training range is ``[-L, L]``, ``L =
SCALED_LIMIT``), with ``eps = CONTINUOUS_TAIL`` and ``s = TAIL_SCALE``: the
column is drawn, with probability ``eps``, apart from the rest of the row.
The row's log-Jacobian turns the tail into a density in the column's units;
for an integer column it is the log of the cell's width, and the tail's
log-density at the cell's centre plus it bounds the log of the cell's tail
mass (Jensen's inequality; ``ln t`` is linear over a cell beyond the range).
A row's score is the log-sum of two of its terms, each a bound: every cell
from the model (each observed cell of such a column adds ``ln(1 - eps)``),
and every cell beyond the range from its tail (those cells scored as
absent, each adding ``ln(eps)`` and its tail's log-density).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .column_fit import SCALED_LIMIT

__all__ = [
    "CATEGORY_TAIL",
    "CONTINUOUS_TAIL",
    "INTEGER_TAIL",
    "TAIL_SCALE",
    "ContinuousTails",
    "beyond_range",
    "continuous_tails",
    "unseen_categories",
]

INTEGER_TAIL = 1e-3
# The continuous tails' weight: small, as every observed continuous cell inside the range pays ln(1 - eps) for it
# (1e-5 nats; with 1e-3, a two-column table's held-out rows would lose 0.002 nats, more than the margins between
# skbfn, kernel density and Gaussian mixtures on two moons), while a cell beyond it gains far more.
CONTINUOUS_TAIL = 1e-5
# The tail's scale in the flow's units, where the training range spans 2 * SCALED_LIMIT = 1.8: a cell a tenth of
# the range beyond it (d = 0.18) costs ln(eps / 2s) - d / s, about -11.7 nats, against the model's own
# (sigma_1 = 0.01) about 0.18^2 / (2 sigma_1^2) = 162.
TAIL_SCALE = 0.1
# The weight of "a category not seen in fit" in each categorical column: a held-out row with a rare level that no
# training row had (one fold of a cross-validation holds it) scores ln(eps) for it, about -11.5 nats, not an error.
CATEGORY_TAIL = 1e-5


def _no_cells(encoder, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """An empty mask over the model matrix of ``n_rows`` rows, and a log-mass of 0 per row."""
    return np.zeros((n_rows, encoder.n_model_columns), dtype=bool), np.zeros(n_rows)


def beyond_range(encoder, n_rows: int, column_numbers) -> tuple[np.ndarray, np.ndarray]:
    """Cells of discretised columns beyond their bins (a mask over the model matrix) and each row's log tail mass.

    ``column_numbers(j)`` returns column ``j`` of ``X`` as float64 numbers.
    Without a tail (models of earlier releases) the mask is empty and the
    masses are 0.
    """
    mask, log_mass = _no_cells(encoder, n_rows)
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


def unseen_categories(encoder, n_rows: int, column_codes) -> tuple[np.ndarray, np.ndarray]:
    """Cells of categorical columns holding a category not seen in fit (a mask over the model matrix), and each
    row's log-probability of its categorical and constant cells under the columns' tails.

    A model fitted by this release is, for each categorical column, the
    mixture ``P'(k) = (1 - eps) P(k) + eps [k not seen in fit]`` (every
    unseen category one outcome, ``eps = CATEGORY_TAIL``): an unseen
    category is drawn, with probability ``eps``, apart from the rest of the
    row. A row's score bounds ``ln P'``: each observed cell of a seen
    category adds ``ln(1 - eps)``, and an unseen one is scored as absent
    plus ``ln(eps)``. A constant column (one value in fit, not modelled) is
    the same mixture of its value and any other (one cross-validation fold
    may hold a rare level that no training row of another had). Samples
    never hold an unseen category.
    ``column_codes(j)`` returns column ``j``'s codes (NaN where missing, -1
    for a category not seen in fit). Without a tail (models of earlier
    releases, which refuse unseen categories) the mask is empty and the
    masses are 0.
    """
    mask, log_mass = _no_cells(encoder, n_rows)
    tail = encoder.category_tail_
    if not tail:
        return mask, log_mass
    positions = {j: position for position, j in enumerate(encoder.model_columns)}
    for j, column in enumerate(encoder.columns_):
        if column.kind not in ("categorical", "constant"):
            continue
        codes = column_codes(j)
        unseen = codes < 0
        if j in positions:
            mask[:, positions[j]] = unseen
        log_mass += np.where(unseen, np.log(tail), np.where(np.isnan(codes), 0.0, np.log1p(-tail)))
    return mask, log_mass


@dataclass(frozen=True)
class ContinuousTails:
    """The two terms of each row's score under the continuous tails (see the module docstring).

    Attributes
    ----------
    beyond : ndarray of bool, shape (n_rows, n_model_columns)
        Observed cells of continuous columns beyond the training range.
    log_inside : ndarray of shape (n_rows,)
        ``ln(1 - eps)`` for every observed cell of a continuous column: the
        weight of the term that scores every cell by the model.
    log_tail : ndarray of shape (n_rows,)
        What the other term (its ``beyond`` cells absent) adds beyond
        ``log_inside``: ``ln(eps / (1 - eps))`` and the tail's log-density for
        each ``beyond`` cell.
    tail_only : ndarray of bool, shape (n_rows,)
        Rows with a cell too far out for the float32 model to score (more
        than a million training half-ranges from the centre): the tail term
        alone bounds them.
    """

    beyond: np.ndarray
    log_inside: np.ndarray
    log_tail: np.ndarray
    tail_only: np.ndarray


def continuous_tails(
    encoder, encoded: np.ndarray, observed: np.ndarray, far: np.ndarray | None = None
) -> ContinuousTails:
    """The continuous tails of the rows ``encoded`` (the model matrix, NaN where a cell is absent).

    ``observed`` (a boolean mask over the model matrix) names the cells of
    continuous columns that hold a value, a point mass's included (their
    continuous cell is absent from ``encoded``). ``far`` names cells the
    model cannot score (too far out for float32): their rows have no model
    term. Without a tail (models of earlier releases, images) nothing is
    beyond and both terms are 0.
    """
    n_rows = encoded.shape[0]
    beyond = np.zeros(encoded.shape, dtype=bool)
    tail = encoder.continuous_tail_
    if not tail:
        return ContinuousTails(beyond, np.zeros(n_rows), np.zeros(n_rows), np.zeros(n_rows, dtype=bool))
    tailed = encoder.continuous_model_columns
    with np.errstate(invalid="ignore"):
        distance = np.abs(encoded.astype(np.float64)) - SCALED_LIMIT
        beyond = tailed & (distance > SCALED_LIMIT * 1e-6)  # past the float32 image of the training extremes
    log_inside = np.log1p(-tail) * (observed & tailed).sum(axis=1)
    with np.errstate(over="ignore"):  # a distance near float64's largest: -inf, never NaN
        decay = np.where(beyond, distance, 0.0) / TAIL_SCALE
    log_density = np.log(tail / (2 * TAIL_SCALE)) - np.log1p(-tail) - decay
    log_tail = np.where(beyond, log_density, 0.0).sum(axis=1)
    tail_only = np.zeros(n_rows, dtype=bool) if far is None else (far & beyond).any(axis=1)
    return ContinuousTails(beyond, log_inside, log_tail, tail_only)
