"""Exponential tilting of a model's categorical marginals to the training shares.

A generative model of a mixed table can get every conditional right and still
draw a category at a few points off its share. The tilt replaces the model
``p`` by

    q(x) = p(x) * prod_j w_j(c_j) / Z,    Z = E_p[prod_j w_j(c_j)],

with one weight per category of each categorical column ``j``, chosen so that
``q``'s categorical marginals are the training rows' shares. Among all
distributions with those marginals, that ``q`` is the one closest to ``p`` in
``KL(. || p)`` (the I-projection, Csiszar 1975), so the model's conditionals
given the categories are untouched, and for any distribution ``r`` with those
marginals ``KL(r || q) = KL(r || p) - KL(q || p)``: ``q`` is never further from
``r`` than ``p`` is.

The weights are found by iterative proportional fitting (Deming and Stephan,
1940) on rows drawn from the model, and scaled so that the largest weight of
each column is 1. Two limits keep the cost bounded, at the price of matching
the shares only approximately (the distribution drawn is a tilt of the
sampler's, not the exact I-projection):

- no category's weight falls below 1/16 of its column's largest, and no row's
  weight (the product over its columns) below 1/16, whatever the number of
  categorical columns: a rare target share can come out higher than asked;
- with ``min_mean_acceptance``, a tilt that would keep fewer of the network's
  rows than that is tempered (``w ** alpha``, one ``alpha`` in (0, 1]), which
  moves the shares only part of the way to the training shares.

Then, with ``a(x) = max(prod_j w_j(c_j), 1/16) <= 1``:

- rows of ``q(x) = p(x) a(x) / Z`` are drawn from ``p`` and kept with
  probability ``a(x)`` (rejection sampling, exact for any ``Z``);
- ``Z <= 1``, so ``ln p(x) + ln a(x)`` is a lower bound on ``ln q(x)`` that
  needs no estimate of ``Z``: the bound's extra slack is ``-ln Z``, estimated
  on the pool as ``-log_mean_acceptance``, so scores under the tilt must not be
  compared with scores without it. A missing categorical cell contributes its
  column's smallest log-weight, a lower bound on the log of its conditional
  mean weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._json import is_finite_number, is_int, plain

__all__ = ["CategoryTilt", "category_counts", "training_counts"]

# No category's weight falls below 1/16 of its column's largest: a category the
# model almost never draws is raised only that far.
LOG_WEIGHT_FLOOR = -np.log(16.0)
# No row is kept with probability below 1/16, however many categorical columns
# it has: a row's weight is the product of its categories' weights, floored.
ROW_LOG_FLOOR = -np.log(16.0)
_IPF_ROUNDS, _IPF_TOL = 100, 1e-7


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
    def fit(
        cls,
        pool: np.ndarray,
        counts: list[np.ndarray],
        positions: list[int],
        *,
        min_mean_acceptance: float | None = None,
    ) -> CategoryTilt:
        """Weights under which the rows ``pool`` (model matrix, drawn from the model) have the shares ``counts``.

        With ``min_mean_acceptance``, a tilt that would keep fewer of the
        network's rows is tempered (every log-weight times one factor in
        (0, 1]) until it keeps that share: sampling then costs at most
        ``1 / min_mean_acceptance`` draws a row on average, and the shares
        move only part of the way to ``counts``.
        """
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
        if min_mean_acceptance is not None:
            log_weights = _tempered(codes, log_weights, min_mean_acceptance)
        log_acceptance = np.maximum(_row_log_weight(codes, log_weights), ROW_LOG_FLOOR)
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
        return np.maximum(total, ROW_LOG_FLOOR)

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
        return np.maximum(total, ROW_LOG_FLOOR)

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
            if max(weights) != 0:
                raise ValueError(f"the category tilt's largest weight of model column {position} must be 1")
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

    The training rows ``encoded`` (model matrix, NaN where missing) are
    counted as the network learns them: a missing cell with an indicator
    holds its placeholder category (``with_placeholders``), as it does in the
    rows the network draws, so that a network drawing what it learned needs
    no weight. ``previous`` (a tilt fitted on earlier rows, as in
    ``partial_fit``) adds its counts.
    """
    positions = encoder.categorical_positions
    if not positions:
        return None
    counts = category_counts(encoder.with_placeholders(encoded), positions, encoder.model_n_bins)
    return counts if previous is None else [a + b for a, b in zip(counts, previous.counts, strict=True)]


def _row_log_weight(codes: list[np.ndarray], log_weights: list[np.ndarray]) -> np.ndarray:
    return np.sum([w[c] for c, w in zip(codes, log_weights, strict=True)], axis=0)


def _tempered(codes: list[np.ndarray], log_weights: list[np.ndarray], min_mean_acceptance: float) -> list[np.ndarray]:
    """``log_weights`` times the largest factor in (0, 1] under which the pool's mean acceptance is enough."""

    def mean_acceptance(factor: float) -> float:
        scaled = [factor * w for w in log_weights]
        return float(np.mean(np.exp(np.maximum(_row_log_weight(codes, scaled), ROW_LOG_FLOOR))))

    if mean_acceptance(1.0) >= min_mean_acceptance:
        return log_weights
    low, high = 0.0, 1.0  # mean_acceptance falls as the factor grows
    for _ in range(40):
        middle = (low + high) / 2
        low, high = (middle, high) if mean_acceptance(middle) >= min_mean_acceptance else (low, middle)
    return [low * w for w in log_weights]
