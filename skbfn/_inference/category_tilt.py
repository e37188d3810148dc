"""Exponential tilting of a model's categorical marginals to the training shares.

A generative model of a mixed table can get every conditional right and still
draw a category at a few points off its share. The tilt replaces the model
``p`` by

    q(x) = p(x) * prod_j w_j(c_j) / Z,    Z = E_p[prod_j w_j(c_j)],

with one weight per category of each categorical column ``j``, chosen so that
``q``'s categorical marginals are the training rows' shares. Among all
distributions with those marginals, ``q`` is the one closest to ``p`` in
``KL(. || p)`` (the I-projection, Csiszar 1975), so the model's conditionals
given the categories are untouched, and for any distribution ``r`` with those
marginals ``KL(r || q) = KL(r || p) - KL(q || p)``: ``q`` is never further from
``r`` than ``p`` is.

The weights are found by iterative proportional fitting (Deming and Stephan,
1940) on rows drawn from the model, and scaled so that the largest weight of
each column is 1. Then:

- rows of ``q`` are drawn from ``p`` and kept with probability
  ``prod_j w_j(c_j) <= 1`` (rejection sampling, exact for any ``Z``);
- ``Z <= 1``, so ``ln p(x) + sum_j ln w_j(c_j)`` is a lower bound on
  ``ln q(x)`` that needs no estimate of ``Z``: the bound's extra slack is
  ``-ln Z``, estimated on the pool as ``-log_mean_acceptance``. A missing
  categorical cell contributes its column's smallest log-weight, a lower bound
  on the log of its conditional mean weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int, plain

__all__ = ["CategoryTilt", "category_counts", "rejection_sample", "training_counts"]

# No category's weight falls below 1/16 of its column's largest, so a row is
# always kept with probability at least 16**-k (k categorical columns drawn);
# a category the model almost never draws is then raised only that far.
LOG_WEIGHT_FLOOR = -np.log(16.0)
_IPF_ROUNDS, _IPF_TOL = 100, 1e-7
# Rejection rounds before giving up: with weights at least 1/16, a row survives
# 10,000 rounds unaccepted with probability below 1e-280.
_MAX_ROUNDS = 10_000


@dataclass
class CategoryTilt:
    """Log-weights per category of each categorical model column (the largest 0), and their training counts.

    Parameters
    ----------
    positions : list of int
        The categorical columns, as positions in the model's matrix.
    log_weights : list of ndarray
        For each position, ``ln w`` per category code (max 0, at least
        ``LOG_WEIGHT_FLOOR``).
    counts : list of ndarray
        For each position, the training rows' count of each category (the
        target shares, up to normalisation).
    log_mean_acceptance : float
        ``ln Z`` estimated on the model rows the weights were fitted on: the
        mean log acceptance rate, and minus the bound's extra slack.
    """

    positions: list[int]
    log_weights: list[np.ndarray]
    counts: list[np.ndarray]
    log_mean_acceptance: float

    @classmethod
    def fit(cls, pool: np.ndarray, counts: list[np.ndarray], positions: list[int]) -> CategoryTilt:
        """Weights under which the rows ``pool`` (model matrix, drawn from the model) have the shares ``counts``."""
        codes = [np.rint(pool[:, p]).astype(np.int64) for p in positions]
        targets = [np.asarray(c, dtype=np.float64) / max(float(np.sum(c)), 1.0) for c in counts]
        log_weights = [np.zeros(len(c)) for c in counts]
        for _ in range(_IPF_ROUNDS):
            change = 0.0
            for j, (code, target) in enumerate(zip(codes, targets, strict=True)):
                if not target.any():  # no observed training cell: nothing to match
                    continue
                row_weight = np.exp(_row_log_weight(codes, log_weights))
                shares = np.bincount(code, weights=row_weight, minlength=len(target)) / row_weight.sum()
                with np.errstate(divide="ignore"):
                    step = np.where(shares > 0, np.log(target) - np.log(np.where(shares > 0, shares, 1.0)), 0.0)
                updated = log_weights[j] + step
                updated = np.clip(updated - updated[np.isfinite(updated)].max(), LOG_WEIGHT_FLOOR, 0.0)
                change = max(change, float(np.abs(updated - log_weights[j]).max()))
                log_weights[j] = updated
            if change < _IPF_TOL:
                break
        log_acceptance = _row_log_weight(codes, log_weights)
        log_mean = float(np.log(np.mean(np.exp(log_acceptance))))
        return cls(list(positions), log_weights, [np.asarray(c, dtype=np.int64) for c in counts], log_mean)

    def log_acceptance(self, z: np.ndarray, known: np.ndarray | None) -> np.ndarray:
        """Log-probability of keeping each drawn row of ``z``; given cells (non-NaN in ``known``) do not count.

        A given category's weight is the same for every draw of its row, so it
        cancels from the row's conditional distribution.
        """
        total = np.zeros(len(z))
        for position, log_weight in zip(self.positions, self.log_weights, strict=True):
            drawn = slice(None) if known is None else np.isnan(known[:, position])
            codes = np.rint(z[drawn, position]).astype(np.int64)
            total[drawn] += log_weight[codes]
        return total

    def log_score_offset(self, z: np.ndarray) -> np.ndarray:
        """What each row of ``z`` (NaN where missing) adds to a bound on ``ln p`` to bound ``ln q`` (at most 0).

        ``ln w`` of each observed category, and for a missing one its column's
        smallest ``ln w``.
        """
        total = np.zeros(len(z))
        for position, log_weight in zip(self.positions, self.log_weights, strict=True):
            column = z[:, position]
            missing = np.isnan(column)
            codes = np.rint(np.where(missing, 0, column)).astype(np.int64)
            total += np.where(missing, log_weight.min(), log_weight[codes])
        return total

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict:
        """The tilt as plain JSON values (see :meth:`from_dict`)."""
        return {
            "positions": plain(self.positions),
            "log_weights": plain(self.log_weights),
            "counts": plain(self.counts),
            "log_mean_acceptance": self.log_mean_acceptance,
        }

    @classmethod
    def from_dict(cls, doc: dict, encoder) -> CategoryTilt:
        """The tilt :meth:`to_dict` wrote, checked against the columns of the fitted table ``encoder``."""
        positions, expected, n_bins = doc["positions"], encoder.categorical_positions, encoder.model_n_bins
        if positions != expected:
            raise ValueError(f"the category tilt covers model columns {positions!r}, not the categorical {expected}")
        log_weights, counts = doc["log_weights"], doc["counts"]
        if not (isinstance(log_weights, list) and isinstance(counts, list)):
            raise TypeError("the category tilt's log_weights and counts must be lists")
        if len(log_weights) != len(positions) or len(counts) != len(positions):
            raise ValueError("the category tilt needs log_weights and counts for every categorical column")
        for position, weights, count in zip(positions, log_weights, counts, strict=True):
            size = n_bins[position]
            if not (isinstance(weights, list) and isinstance(count, list) and len(weights) == len(count) == size):
                raise ValueError(f"the category tilt of model column {position} must list {size} weights and counts")
            if not all(is_finite_number(w) and LOG_WEIGHT_FLOOR - 1e-9 <= w <= 0 for w in weights):
                raise ValueError(f"the category tilt's log-weights must lie in [{LOG_WEIGHT_FLOOR:.4f}, 0]")
            if not all(is_int(c) and c >= 0 for c in count):
                raise ValueError("the category tilt's counts must be non-negative integers")
        log_mean = doc["log_mean_acceptance"]
        if not (is_finite_number(log_mean) and log_mean <= 0):
            raise ValueError(f"log_mean_acceptance must be a number at most 0, got {log_mean!r}")
        return cls(
            list(positions),
            [np.asarray(w, dtype=np.float64) for w in log_weights],
            [np.asarray(c, dtype=np.int64) for c in counts],
            float(log_mean),
        )


def category_counts(z: np.ndarray, positions: list[int], n_bins: list[int]) -> list[np.ndarray]:
    """Count of each category code in each categorical column of the model matrix ``z`` (missing cells left out)."""
    counts = []
    for position in positions:
        column = z[:, position]
        codes = np.rint(column[~np.isnan(column)]).astype(np.int64)
        counts.append(np.bincount(codes, minlength=n_bins[position]))
    return counts


def training_counts(encoder, encoded: np.ndarray, previous: CategoryTilt | None = None) -> list[np.ndarray] | None:
    """Training counts of each categorical model column's categories (None without categorical columns).

    ``previous`` (a tilt fitted on earlier rows, as in ``partial_fit``) adds its counts.
    """
    positions = encoder.categorical_positions
    if not positions:
        return None
    counts = category_counts(encoded, positions, encoder.model_n_bins)
    return counts if previous is None else [a + b for a, b in zip(counts, previous.counts, strict=True)]


def rejection_sample(
    tilt: CategoryTilt,
    z: np.ndarray,
    known: np.ndarray | None,
    draw: Callable[[np.ndarray], np.ndarray],
    uniform: Callable[[int], np.ndarray],
) -> np.ndarray:
    """Rows of the tilted model from rows ``z`` of the model: each rejected row is drawn again until kept.

    ``draw(rows)`` returns fresh model rows for the row indices ``rows`` (with
    their given cells, if any); ``uniform(n)`` returns n uniforms in [0, 1).
    Each row is kept or redrawn on its own, so every row follows the tilted
    conditional given its own known cells. ``z`` is updated in place (a large
    sample is not copied) and returned.
    """
    pending = np.arange(len(z))
    for _ in range(_MAX_ROUNDS):
        rows_known = None if known is None else known[pending]
        keep = np.log(uniform(len(pending))) < tilt.log_acceptance(z[pending], rows_known)
        pending = pending[~keep]
        if pending.size == 0:
            return z
        z[pending] = draw(pending)
    raise RuntimeError(f"{pending.size} rows were rejected {_MAX_ROUNDS} times by the category tilt.")


def _row_log_weight(codes: list[np.ndarray], log_weights: list[np.ndarray]) -> np.ndarray:
    return np.sum([w[c] for c, w in zip(codes, log_weights, strict=True)], axis=0)
