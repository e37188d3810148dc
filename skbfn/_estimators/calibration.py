"""The spread calibration of :class:`~skbfn.BFNImputer`: observed cells held out of further fits, and imputed.

A model fitted to a small table is surer of a missing cell than it should be
(:mod:`skbfn._inference.spread` says how its draws are widened). The scale is
measured on observed real-valued cells that a fit of the same parameters
never saw, drawn to resemble the missing cells (weighted by the odds that
such a cell is missing): each fold hides a tenth of those cells (at least
``MIN_CALIBRATION_CELLS``, at most ``MAX_CALIBRATION_CELLS``), and small
tables run several disjoint folds, until about ``TARGET_CALIBRATION_CELLS``
cells are held out in all (at most ``MAX_CALIBRATION_FOLDS`` folds): the
scale read from a few dozen cells moved from 1.16 to 2.10 with the cells
drawn (iris with half its cells missing), which one fold cannot steady.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from .._device import torch_generator
from .._inference.sampling import (
    SamplerSettings,
    conditional_draws,
    sampling_bounds,
    sampling_relations,
    sampling_repair,
)
from .._inference.spread import best_spread_scale
from .._model.fitting import fit_state

__all__ = [
    "CALIBRATION_DRAWS",
    "CALIBRATION_SHARE",
    "MAX_CALIBRATION_CELLS",
    "MAX_CALIBRATION_FOLDS",
    "MAX_HELD_OUT_SHARE",
    "MAX_PROPENSITY_CELLS",
    "MIN_CALIBRATION_CELLS",
    "TARGET_CALIBRATION_CELLS",
    "calibrated_spread_scale",
]

# Each fold holds out this share of the observed real-valued cells, at least MIN_CALIBRATION_CELLS and at most
# MAX_CALIBRATION_CELLS, never more than MAX_HELD_OUT_SHARE of them (below that, no calibration).
CALIBRATION_SHARE, MIN_CALIBRATION_CELLS, MAX_CALIBRATION_CELLS, MAX_HELD_OUT_SHARE = 0.1, 30, 2000, 0.25
# Folds (each a second fit, on disjoint cells) until this many cells are held out in all, at most this many.
TARGET_CALIBRATION_CELLS, MAX_CALIBRATION_FOLDS = 300, 4
# Draws of each held-out cell.
CALIBRATION_DRAWS = 20
# Cells the propensity of a missing cell is fitted on, and candidates it weights, at most.
MAX_PROPENSITY_CELLS = 20_000


def calibrated_spread_scale(model, X, *, seed: int) -> float:
    """The spread scale of ``model``'s draws, from observed real-valued cells of ``X`` held out of further fits.

    In each fold, a share ``CALIBRATION_SHARE`` of the observed cells of
    continuous columns, drawn with the odds that such a cell is missing
    (:func:`_like_the_missing_cells`), is hidden from a fresh fit of the same parameters
    (its encoders still see them, so its model columns are ``model``'s), and
    each hidden cell gets ``CALIBRATION_DRAWS`` draws given the rest of its
    row. The folds' cells are disjoint; their draws are pooled, and the
    scale is the smallest at which the held-out values rank among their
    widened draws as among calibrated draws
    (:func:`~skbfn._inference.spread.best_spread_scale`). 1.0 when one fold
    would hold out more than ``MAX_HELD_OUT_SHARE`` of the observed cells,
    or when ``model`` cannot condition on given cells.

    Parameters
    ----------
    model : BFNGenerator
        The fitted model whose draws are calibrated.
    X : array-like or DataFrame
        The table it was fitted on (validated).
    seed : int
        Seed of the held-out cells and of their draws.

    Returns
    -------
    scale : float
        A value of :data:`~skbfn._inference.spread.SPREAD_SCALES`, or 1.0.
    """
    encoder = model.encoder_
    if not model.model_.cell_inputs or model.conditional_fraction == 0:
        return 1.0
    observed = encoder.transform(encoder.split(X), as_observed=True)
    candidates = np.argwhere(~np.isnan(observed) & encoder.continuous_model_columns[None, :])
    n_cells = min(max(int(CALIBRATION_SHARE * len(candidates)), MIN_CALIBRATION_CELLS), MAX_CALIBRATION_CELLS)
    if n_cells > MAX_HELD_OUT_SHARE * len(candidates):
        return 1.0
    n_folds = min(MAX_CALIBRATION_FOLDS, math.ceil(TARGET_CALIBRATION_CELLS / n_cells), len(candidates) // n_cells)
    rng = np.random.default_rng(seed)
    if len(candidates) > MAX_PROPENSITY_CELLS:  # the choice below needs only a large uniform share of them
        candidates = candidates[rng.choice(len(candidates), MAX_PROPENSITY_CELLS, replace=False)]
    weights = _like_the_missing_cells(observed, encoder.continuous_model_columns, candidates, rng)
    chosen = rng.choice(len(candidates), n_folds * n_cells, replace=False, p=weights)
    folds = [
        _held_out_draws(model, X, observed, candidates[chosen[k * n_cells : (k + 1) * n_cells]], seed + k)
        for k in range(n_folds)
    ]
    draws, truth, low, high = (np.concatenate(parts) for parts in zip(*folds, strict=True))
    return best_spread_scale(draws.T, truth, low, high)


def _like_the_missing_cells(
    observed: np.ndarray, real_columns: np.ndarray, candidates: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Probabilities of holding out each candidate cell, so that the held-out cells resemble the missing ones.

    A logistic regression estimates the probability ``pi`` that a cell of a
    real-valued column is missing from its column and the other observed
    values of its row (the cell's own value, and which other cells are
    missing, are not shown to it); each observed candidate is then weighted
    by the odds ``pi / (1 - pi)``, which turn the distribution of observed
    cells into that of missing ones (Rosenbaum and Rubin 1983). Where cells
    are missing completely at random the odds are flat and the choice
    uniform, which is exact there: an observed cell hidden from its row
    leaves that row as many unobserved cells as a missing cell's row has.
    Where cells are missing more often given some values (missing at
    random), uniform held-out cells would sit in the wrong rows and
    calibrate those instead.

    Parameters
    ----------
    observed : ndarray of shape (n_rows, n_model_columns)
        The model matrix, NaN in missing cells.
    real_columns : ndarray of bool of shape (n_model_columns,)
        The continuous model columns, whose cells can be held out.
    candidates : ndarray of shape (n_candidates, 2)
        Positions of the observed cells of those columns.
    rng : numpy.random.Generator
        Draws the cells the regression is fitted on, where the real-valued
        columns hold more than ``MAX_PROPENSITY_CELLS``.

    Returns
    -------
    probabilities : ndarray of shape (n_candidates,)
        Summing to 1; uniform when no real-valued cell, or every one, is missing.
    """
    missing = np.isnan(observed)
    columns = np.flatnonzero(real_columns)
    n_cells = len(observed) * len(columns)
    if n_cells <= MAX_PROPENSITY_CELLS:  # every cell of the real-valued columns
        cells = np.stack(np.meshgrid(np.arange(len(observed)), columns, indexing="ij"), axis=-1).reshape(-1, 2)
    else:
        cells = np.column_stack(
            [
                rng.integers(len(observed), size=MAX_PROPENSITY_CELLS),
                columns[rng.integers(len(columns), size=MAX_PROPENSITY_CELLS)],
            ]
        )
    is_missing = missing[cells[:, 0], cells[:, 1]]
    if is_missing.all() or not is_missing.any():
        return np.full(len(candidates), 1.0 / len(candidates))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column with no observed value: its mean is NaN, then 0
        centre, spread = np.nanmean(observed, axis=0), np.nanstd(observed, axis=0)
        scaled = np.nan_to_num((observed - centre) / np.where(spread > 0, spread, 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the weights need only be roughly right
        propensity = LogisticRegression(max_iter=500).fit(_features(scaled, columns, cells), is_missing)
    chance = np.clip(propensity.predict_proba(_features(scaled, columns, candidates))[:, 1], 1e-3, 1 - 1e-3)
    odds = chance / (1.0 - chance)
    return odds / odds.sum()


def _features(scaled: np.ndarray, columns: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Per cell: its row's scaled values without its own (0 there), and its column, one-hot."""
    rows, own = cells.T
    values = scaled[rows]
    values[np.arange(len(cells)), own] = 0.0
    return np.concatenate([values, own[:, None] == columns[None, :]], axis=1)


def _held_out_draws(model, X, observed: np.ndarray, cells: np.ndarray, seed: int) -> tuple[np.ndarray, ...]:
    """Draws ``[cells, CALIBRATION_DRAWS]`` of ``cells`` (``[n, 2]`` positions) by a fit that never saw them,
    with their values and the sampling bounds of their columns (``-inf``/``inf`` without bounds)."""
    rows, columns = cells.T
    hidden = np.zeros(observed.shape, dtype=bool)
    hidden[rows, columns] = True
    twin = clone(model).set_params(checkpoint_dir=None, warm_start=False, verbose=0)
    state = fit_state(twin, X, None, previous=None, one_pass=False, hidden=hidden)
    drawn_rows, position = np.unique(rows, return_inverse=True)
    bounds = sampling_bounds(state.encoder, twin)
    with warnings.catch_warnings():  # rows clipped into the range: about the twin, which the user never sees
        warnings.filterwarnings("ignore", message=".* still had cells outside the training range", category=UserWarning)
        warnings.filterwarnings("ignore", message=".* still broke an order or a partition", category=UserWarning)
        draws = conditional_draws(
            state.ema.module,
            SamplerSettings.of(twin),
            np.where(hidden, np.nan, observed)[drawn_rows],
            CALIBRATION_DRAWS,
            generator=torch_generator(seed, state.device),
            tilt=state.category_tilt,
            bounds=bounds,
            relations=sampling_relations(state.encoder, twin),
            repair=sampling_repair(state.encoder, twin, state.model),
        )
    if bounds is None:
        low, high = np.full(len(rows), -np.inf), np.full(len(rows), np.inf)
    else:
        low, high = bounds[0][columns], bounds[1][columns]
    return draws[position, :, columns], observed[rows, columns], low, high
