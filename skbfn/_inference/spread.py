"""The spread of posterior draws, calibrated on cells the model never saw.

A model fitted to a small table is surer of a missing cell than it should be:
it has learned its training rows, and a missing cell's conditional
distribution narrows around the few rows that resemble its own. The spread
is measured on observed cells held out of further fits, and the imputer's
draws are widened by the smallest scale that calibrates them there.

A draw ``a`` is widened with a second draw ``b`` of the same row as

.. math:: a + c\\,(a - b), \\qquad c = \\frac{\\sqrt{2 s^2 - 1} - 1}{2},

which keeps each cell's conditional mean and multiplies its variance by
``s**2`` (``(1 + c)**2 + c**2 = s**2`` for independent ``a``, ``b``); since
``a - b`` is a difference of two whole rows, the correlation of the cells
drawn in one row is kept too. A widened cell beyond a sampling bound is
reflected back at it, and keeps its draw if it is still outside (so near a
bound the mean moves inwards, as the bounded distribution's must). The scale
is the smallest at which the held-out values rank among their draws as they
would among calibrated draws (a rank uniform from 0 to m, as far from the
middle on average): a calibrated model keeps a scale near 1, and draws are
never narrowed (``s >= 1``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SPREAD_SCALES", "best_spread_scale", "calibrated_rank_spread", "rank_spread", "widened"]

# The scales tried: 1 to 4, evenly on a log scale.
SPREAD_SCALES = np.exp(np.linspace(0.0, np.log(4.0), 29))


def widened(draws: np.ndarray, partners: np.ndarray, scale: float, low=-np.inf, high=np.inf) -> np.ndarray:
    """``draws`` with their spread multiplied by ``scale``, using independent ``partners`` of the same rows.

    Parameters
    ----------
    draws, partners : ndarray of the same shape
        Two independent draws of each cell.
    scale : float
        At least 1: the factor on each cell's standard deviation.
    low, high : float or ndarray broadcastable to ``draws``
        Bounds: a widened value beyond one is reflected back at it (as
        kernel density estimates are at a boundary); one still outside is
        replaced by its draw.

    Returns
    -------
    widened : ndarray
        Same shape as ``draws``; equal to it where ``draws == partners`` (given cells).
    """
    if scale < 1:
        raise ValueError(f"the spread scale must be at least 1, got {scale}")
    c = (np.sqrt(2.0 * scale**2 - 1.0) - 1.0) / 2.0
    out = draws + c * (draws - partners)
    out = np.where(out > high, 2 * high - out, out)  # reflected at the bounds, as kernel estimates are
    out = np.where(out < low, 2 * low - out, out)
    return np.where((out < low) | (out > high), draws, out)


def rank_spread(draws: np.ndarray, truth: np.ndarray) -> float:
    """Mean distance from 1/2 of each value's rank among its ``m`` draws, as a probability ``(rank + 1/2) / (m + 1)``.

    For calibrated draws the rank is uniform on ``0 .. m`` and the mean is
    :func:`calibrated_rank_spread`; draws too narrow put the values at the
    ends, and the mean is larger. Ties count half.
    """
    m = draws.shape[0]
    rank = (draws < truth[None]).sum(axis=0) + 0.5 * (draws == truth[None]).sum(axis=0)
    return float(np.mean(np.abs((rank + 0.5) / (m + 1) - 0.5)))


def calibrated_rank_spread(m: int) -> float:
    """:func:`rank_spread` in expectation for ``m`` calibrated draws (a rank uniform on ``0 .. m``)."""
    return float(np.mean(np.abs((np.arange(m + 1) + 0.5) / (m + 1) - 0.5)))


def best_spread_scale(
    draws: np.ndarray, truth: np.ndarray, low=-np.inf, high=np.inf, scales: np.ndarray = SPREAD_SCALES
) -> float:
    """The smallest of ``scales`` whose widened ``draws [m, n]`` rank ``truth [n]`` as calibrated draws would.

    Each draw is widened with the next one (the last with the first) as its
    partner, so ``m >= 2`` draws are needed; ``low`` and ``high`` are per-cell
    bounds (shape ``[n]``) or scalars. The criterion is the mean distance of
    the held-out value's rank from the middle (:func:`rank_spread`): the
    smallest scale at which it is no larger than for calibrated draws, or
    the largest scale when none is.
    """
    if draws.ndim != 2 or draws.shape[0] < 2 or draws.shape[1] != truth.shape[0]:
        raise ValueError(f"draws must have shape (m >= 2, {truth.shape[0]}), got {draws.shape}")
    partners = np.roll(draws, 1, axis=0)
    target = calibrated_rank_spread(draws.shape[0])
    for scale in scales:
        if rank_spread(widened(draws, partners, float(scale), low, high), truth) <= target:
            return float(scale)
    return float(scales[-1])
