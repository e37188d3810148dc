"""A smooth, exactly invertible map of one real column to normal scores.

Skewed and heavy-tailed columns leave most of their rows in a sliver of the
flow's range when they are scaled affinely. Tabular diffusion models map each
column through its quantiles to normal scores first (TabDDPM, Kotelnikov et
al. 2023); sklearn's ``QuantileTransformer`` does this, but it is flat outside
the training range and has a density that jumps at every training value, so
no honest likelihood can be scored through it.

:class:`NormalScores` is a version with an exact likelihood:

1. a smoothed CDF ``F`` of the column: the CDF of a Gaussian kernel density
   estimate with centres at ``2 sqrt(n)`` evenly spaced quantiles of its ``n``
   values (at most ``max_knots``; the minimum and maximum among them; a value
   that several quantiles fall on, a heap, is one centre weighted by their
   number), each as wide as Silverman's bandwidth or the wider gap to its
   neighbours, whichever is larger;
2. the normal scores ``T(x) = Phi^-1(F(x))``, computed in log space, so they are
   exact far into the tails, where ``T`` grows linearly: the map is a bijection
   of the real line;
3. the map actually used is the piecewise-linear interpolation of ``T`` on a
   fine grid of about a thousand points, continued linearly beyond it. It is
   strictly increasing, its inverse is the interpolation the other way round,
   and its log-Jacobian is the log of the slope of the segment a value falls
   in: exact for the map, so a density modelled in normal scores gives an
   exact density in the column's own units.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, logsumexp, ndtri_exp

__all__ = ["NormalScores", "is_skewed"]

# Extent of the grid beyond the outermost knots, in bandwidths: T is linear to
# within float precision there, and the linear continuation takes over.
_TAIL_BANDWIDTHS = 30.0
_UNIFORM_POINTS = 512
# Narrowest kernel, relative to the column's interquartile range (its range where that is 0): values closer than
# this act as one. Relative to the range itself, one extreme value would widen every kernel of the bulk with it.
_SMALLEST_WIDTH = 1e-6


@dataclass(frozen=True)
class NormalScores:
    """Piecewise-linear normal-score map of a column: ``knots`` and their ``knot_scores``, both increasing.

    Build one with :meth:`fit`; the two arrays are all it holds, so it
    serialises as two arrays.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> column = rng.lognormal(size=500)
    >>> scores = NormalScores.fit(column)
    >>> s = scores.transform(column)
    >>> bool(np.all(np.abs(s) < 4)), bool(np.all(np.diff(s[np.argsort(column)]) > 0))
    (True, True)
    >>> bool(np.allclose(scores.inverse_transform(s), column))
    True
    """

    knots: np.ndarray
    knot_scores: np.ndarray

    def __post_init__(self) -> None:
        knots = np.asarray(self.knots, dtype=np.float64)
        knot_scores = np.asarray(self.knot_scores, dtype=np.float64)
        if knots.ndim != 1 or knots.shape != knot_scores.shape or knots.size < 2:
            raise ValueError("NormalScores needs two 1-D arrays of the same length, at least 2.")
        if not (np.all(np.isfinite(knots)) and np.all(np.isfinite(knot_scores))):
            raise ValueError("NormalScores knots must be finite.")
        with np.errstate(all="ignore"):  # knots read from a file may span more than float64 can subtract
            if not (np.all(np.diff(knots) > 0) and np.all(np.diff(knot_scores) > 0)):
                raise ValueError("NormalScores knots must be strictly increasing.")
            gaps = np.diff(knots)
            slopes = np.diff(knot_scores) / gaps
        if not (np.all(np.isfinite(gaps)) and np.all(np.isfinite(slopes) & (slopes > 0))):
            raise ValueError("NormalScores knots must span a finite range with finite, positive slopes.")
        object.__setattr__(self, "knots", knots)
        object.__setattr__(self, "knot_scores", knot_scores)

    def __setstate__(self, state: dict) -> None:
        # pickled by skbfn 0.1.0, whose fields were named x and z
        renamed = {"x": "knots", "z": "knot_scores"}
        self.__dict__.update({renamed.get(name, name): value for name, value in state.items()})

    @classmethod
    def fit(cls, values: np.ndarray, max_knots: int = 256) -> NormalScores:
        """Fit the map to the observed values of a column (at least two distinct, all finite)."""
        values = np.sort(np.asarray(values, dtype=np.float64))
        if values.size < 2 or values[0] == values[-1]:
            raise ValueError("NormalScores needs at least two distinct values.")
        n_centres = int(np.clip(round(2 * np.sqrt(values.size)), 2, max_knots))
        # a value that many quantiles fall on (a heap) is one centre, weighted by its share of the quantiles
        centres, counts = np.unique(np.quantile(values, np.linspace(0.0, 1.0, n_centres)), return_counts=True)
        bandwidths = _bandwidths(centres, max(_silverman_bandwidth(values), _smallest_width(values)))
        low = centres[0] - _TAIL_BANDWIDTHS * bandwidths[0]
        high = centres[-1] + _TAIL_BANDWIDTHS * bandwidths[-1]
        midpoints = (centres[1:] + centres[:-1]) / 2
        grid = np.unique(np.concatenate([np.linspace(low, high, _UNIFORM_POINTS), centres, midpoints]))
        scores = _smooth_normal_scores(grid, centres, bandwidths, counts / counts.sum())
        keep = np.concatenate([[True], np.diff(scores) > 0])  # drop points float64 cannot separate
        grid, scores = grid[keep], scores[keep]
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            slopes = np.diff(scores) / np.diff(grid)
        if grid.size < 2 or not np.all(np.isfinite(slopes) & (slopes > 0)):
            raise ValueError("NormalScores cannot resolve a spread this small in float64.")
        return cls(grid, scores)

    # ------------------------------------------------------------------ map
    def _segment(self, knots: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Index ``k`` of the segment ``[knots[k], knots[k+1]]`` holding each value (end segments extended)."""
        return np.clip(np.searchsorted(knots, values, side="right") - 1, 0, knots.size - 2)

    def _slopes(self) -> np.ndarray:
        return np.diff(self.knot_scores) / np.diff(self.knots)

    def transform(self, values: np.ndarray) -> np.ndarray:
        """Normal scores of ``values`` (NaN stays NaN)."""
        values = np.asarray(values, dtype=np.float64)
        k = self._segment(self.knots, values)
        return self.knot_scores[k] + (values - self.knots[k]) * self._slopes()[k]

    def inverse_transform(self, scores: np.ndarray) -> np.ndarray:
        """Values whose normal scores are ``scores`` (NaN stays NaN)."""
        scores = np.asarray(scores, dtype=np.float64)
        k = self._segment(self.knot_scores, scores)
        return self.knots[k] + (scores - self.knot_scores[k]) / self._slopes()[k]

    def log_derivative(self, values: np.ndarray) -> np.ndarray:
        """``ln dT/dx`` at ``values``: the log of the slope of their segment (NaN stays NaN)."""
        values = np.asarray(values, dtype=np.float64)
        log_slopes = np.log(self._slopes())
        return np.where(np.isnan(values), np.nan, log_slopes[self._segment(self.knots, values)])


def is_skewed(values: np.ndarray) -> bool:
    """Whether a column is highly skewed (``|skewness| > 1``) or heavy-tailed (excess kurtosis above 3).

    Such columns leave most rows in a sliver of an affine range; roughly
    symmetric, light-tailed columns keep their shape better under an affine
    map, and their likelihood is better modelled there.
    """
    values = np.asarray(values, dtype=np.float64)
    centred = values - values.mean()
    variance = np.mean(centred**2)
    if variance == 0:
        return False
    skewness = np.mean(centred**3) / variance**1.5
    excess_kurtosis = np.mean(centred**4) / variance**2 - 3.0
    return bool(abs(skewness) > 1.0 or excess_kurtosis > 3.0)


def _silverman_bandwidth(values: np.ndarray) -> float:
    """Silverman's rule ``0.9 min(sd, IQR / 1.349) n^(-1/5)`` (the sd alone where the IQR is 0)."""
    spread = float(np.std(values))
    q25, q75 = np.quantile(values, [0.25, 0.75])
    return 0.9 * (min(spread, (q75 - q25) / 1.349) or spread) * values.size ** (-0.2)


def _smallest_width(values: np.ndarray) -> float:
    """The narrowest kernel: :data:`_SMALLEST_WIDTH` of the interquartile range (of the range where that is 0),
    and wide enough for float64 to tell values that far apart at the column's magnitude. ``values`` sorted."""
    q25, q75 = np.quantile(values, [0.25, 0.75])
    spread = (q75 - q25) or (values[-1] - values[0])
    return max(_SMALLEST_WIDTH * spread, 1024 * float(np.spacing(np.max(np.abs(values[[0, -1]])))))


def _bandwidths(centres: np.ndarray, smallest: float) -> np.ndarray:
    """Kernel width per centre: the wider gap to its two neighbours, at least ``smallest``.

    Silverman's width keeps the map smooth where the data are dense (a wiggly
    map costs likelihood), and the gaps widen the kernels in sparse tails, so
    the smoothed CDF has no flat stretch (where the map's slope, hence the
    density, would collapse).
    """
    gaps = np.diff(centres)
    if gaps.size == 0:
        return np.full(centres.shape, smallest)
    widest = np.maximum(np.concatenate([gaps[:1], gaps]), np.concatenate([gaps, gaps[-1:]]))
    return np.maximum(widest, smallest)


def _smooth_normal_scores(
    grid: np.ndarray, centres: np.ndarray, bandwidths: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """``Phi^-1(F(grid))`` for ``F`` the ``weights``-weighted mean of ``Phi((x - c) / h_c)`` over centres ``c``,
    exact in both tails."""
    u = (grid[:, None] - centres[None, :]) / bandwidths[None, :]
    log_weights = np.log(weights)[None, :]
    log_cdf = logsumexp(log_ndtr(u) + log_weights, axis=1)
    log_survival = logsumexp(log_ndtr(-u) + log_weights, axis=1)
    lower = ndtri_exp(np.minimum(log_cdf, np.log(0.5)))
    upper = -ndtri_exp(np.minimum(log_survival, np.log(0.5)))
    return np.where(log_cdf < np.log(0.5), lower, upper)
