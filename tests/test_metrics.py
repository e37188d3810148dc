"""Privacy measures: each against a hand-computed case, and the audit at its two ends."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity

from skbfn import BFNGenerator
from skbfn.metrics import MembershipAudit, closest_record_share, exact_copies, membership_audit


class _Fixed:
    """A 'model' whose scores are given: the rows' first column."""

    def score_samples(self, X):
        return np.asarray(X, dtype=float)[:, 0]


def test_the_audit_auc_is_the_share_of_ordered_pairs():
    train, holdout = np.array([[3.0], [1.0], [2.0]]), np.array([[0.0], [2.0]])
    # pairs (train, holdout) with the training row above: 3>0, 3>2, 1>0, 2>0; 2=2 a tie (a half): 4.5 of 6
    audit = membership_audit(_Fixed(), train, holdout, n_bootstrap=50, random_state=0)
    assert audit.auc == pytest.approx(4.5 / 6)
    assert 0.0 <= audit.low <= audit.auc <= audit.high <= 1.0
    assert (audit.n_train, audit.n_holdout) == (3, 2)
    assert membership_audit(_Fixed(), np.array([[-np.inf]]), np.array([[0.0]]), n_bootstrap=5).auc == 0.0


def test_a_model_that_cannot_memorise_audits_near_one_half_and_one_that_does_near_one():
    rng = np.random.default_rng(0)
    train, holdout = rng.normal(size=(3000, 2)), rng.normal(size=(3000, 2))
    plain = membership_audit(GaussianMixture(1, random_state=0).fit(train), train, holdout, random_state=0)
    assert plain.low < 0.5 < plain.high and abs(plain.auc - 0.5) < 0.03
    copying = membership_audit(KernelDensity(bandwidth=0.005).fit(train), train, holdout, random_state=0)
    assert copying.auc > 0.99 and copying.low > 0.98


def test_the_audit_takes_a_bfn_generator_and_refuses_nan_scores():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=300), "b": rng.choice(["x", "y"], 300)})
    gen = BFNGenerator(hidden_layer_sizes=(16,), max_iter=30, n_elbo_draws=8, random_state=0).fit(frame[:200])
    assert isinstance(membership_audit(gen, frame[:200], frame[200:], n_bootstrap=20, random_state=0), MembershipAudit)

    class _Broken:
        def score_samples(self, X):
            return np.full(len(X), np.nan)

    with pytest.raises(ValueError, match="NaN"):
        membership_audit(_Broken(), frame, frame)
    with pytest.raises(ValueError, match="n_bootstrap"):
        membership_audit(_Fixed(), np.ones((2, 1)), np.ones((2, 1)), n_bootstrap=0)


def test_the_closest_record_share_by_hand():
    train = pd.DataFrame({"x": [0.0, 10.0, 20.0, 30.0], "c": ["p", "q", "p", "q"]})
    holdout = pd.DataFrame({"x": [1.0, 12.0, 24.0, 33.0], "c": ["p", "q", "p", "q"]})  # all 1 to 4 away
    near = pd.DataFrame({"x": [0.1, 29.9], "c": ["p", "q"]})  # nearer than any held-out row
    far = pd.DataFrame({"x": [5.0, 15.0], "c": ["q", "p"]})  # farther, and of the other category
    assert closest_record_share(near, train, holdout, quantile=0.5) == 1.0
    assert closest_record_share(far, train, holdout, quantile=0.5) == 0.0
    assert closest_record_share(pd.concat([near, far]), train, holdout, quantile=0.5) == 0.5
    with pytest.raises(ValueError, match="quantile"):
        closest_record_share(near, train, holdout, quantile=1.5)


def test_exact_copies_by_hand():
    train = pd.DataFrame({"x": [1.0, 2.0, np.nan], "c": ["a", "b", None]})
    synthetic = pd.DataFrame({"x": [1.0, 2.0, np.nan, 1.0, 2.0], "c": ["a", "a", None, "a", "b"]})
    assert exact_copies(synthetic, train) == 4  # rows 0, 2 (missing matches missing), 3 and 4
