"""Privacy measures of a generative model and its synthetic rows: a likelihood membership audit, closeness to
training rows, and exact copies.

These answer "does it leak training rows?" for any generator. The audit uses
a model's own per-row likelihood: a model that scores its training rows
higher than rows it never saw has learned them, whatever its samples look
like. It works for any estimator with ``score_samples``
(:class:`~skbfn.BFNGenerator`, :class:`~sklearn.mixture.GaussianMixture`,
:class:`~sklearn.neighbors.KernelDensity`, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.neighbors import NearestNeighbors
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils import check_random_state

__all__ = ["MembershipAudit", "closest_record_share", "exact_copies", "membership_audit"]


@dataclass(frozen=True)
class MembershipAudit:
    """The result of :func:`membership_audit`.

    Parameters
    ----------
    auc : float
        ROC AUC of the scores at telling training rows from held-out rows
        (0.5: nothing memorised; 1: every training row scores above every
        held-out row).
    low, high : float
        Bootstrap interval of the AUC.
    n_train, n_holdout : int
        Rows audited.

    Examples
    --------
    >>> str(MembershipAudit(0.52, 0.47, 0.57, 200, 200))
    'membership AUC 0.520 (95% interval 0.470 to 0.570; 200 training and 200 held-out rows)'
    """

    auc: float
    low: float
    high: float
    n_train: int
    n_holdout: int

    def __str__(self) -> str:
        return (
            f"membership AUC {self.auc:.3f} (95% interval {self.low:.3f} to {self.high:.3f}; "
            f"{self.n_train} training and {self.n_holdout} held-out rows)"
        )


def _auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC AUC of ``positive`` above ``negative`` (ties count a half): the Mann-Whitney statistic, by ranks."""
    ranks = rankdata(np.concatenate([positive, negative]))
    n_pos, n_neg = len(positive), len(negative)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def membership_audit(estimator, X_train, X_holdout, *, n_bootstrap: int = 200, random_state=None) -> MembershipAudit:
    """How well a model's own scores tell its training rows from rows it never saw.

    Scores both sets with ``estimator.score_samples`` and returns the ROC AUC
    of the training rows against the held-out ones, with a 95% bootstrap
    interval (each set resampled with replacement ``n_bootstrap`` times).
    0.5 means the model scores rows it was trained on no higher than new
    ones; towards 1, it has memorised them. Scores of ``-inf`` rank lowest.

    Parameters
    ----------
    estimator : object
        A fitted density model with ``score_samples``.
    X_train : array-like or DataFrame
        Rows the estimator was fitted on (or a sample of them).
    X_holdout : array-like or DataFrame
        Rows from the same distribution that it was not fitted on.
    n_bootstrap : int, default=200
        Bootstrap resamples for the interval.
    random_state : int, RandomState instance or None, default=None
        Seeds the bootstrap.

    Returns
    -------
    audit : MembershipAudit
        The AUC, its interval and the numbers of rows.

    Raises
    ------
    ValueError
        If a score is NaN, a set is empty, or ``n_bootstrap`` is below 1.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.mixture import GaussianMixture
    >>> from sklearn.neighbors import KernelDensity
    >>> from skbfn.metrics import membership_audit
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(500, 2)), rng.normal(size=(500, 2))
    >>> round(membership_audit(GaussianMixture(1).fit(train), train, holdout, random_state=0).auc, 1)
    0.5
    >>> round(membership_audit(KernelDensity(bandwidth=0.01).fit(train), train, holdout, random_state=0).auc, 1)
    1.0
    """
    if n_bootstrap < 1:
        raise ValueError(f"n_bootstrap must be at least 1, got {n_bootstrap}.")
    train = np.asarray(estimator.score_samples(X_train), dtype=np.float64)
    holdout = np.asarray(estimator.score_samples(X_holdout), dtype=np.float64)
    if len(train) == 0 or len(holdout) == 0:
        raise ValueError("membership_audit needs at least one training and one held-out row.")
    if np.isnan(train).any() or np.isnan(holdout).any():
        raise ValueError("score_samples returned NaN: the audit needs an order on every row.")
    rng = check_random_state(random_state)
    resampled = [_auc(rng.choice(train, len(train)), rng.choice(holdout, len(holdout))) for _ in range(n_bootstrap)]
    low, high = np.quantile(resampled, [0.025, 0.975])
    return MembershipAudit(_auc(train, holdout), float(low), float(high), len(train), len(holdout))


def _embedding(train):
    """A common scaling fitted on the training rows: numbers standardised (missing: the median), categories one-hot."""
    import pandas as pd

    frame = pd.DataFrame(train)
    categorical = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c]) or frame[c].dtype == bool]
    numeric = [c for c in frame.columns if c not in categorical]
    return ColumnTransformer(
        [
            ("numbers", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
            (
                "categories",
                make_pipeline(
                    SimpleImputer(strategy="constant", fill_value="(missing)"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
        ],
        sparse_threshold=0.0,
    ).fit(frame.astype({c: object for c in categorical}))


def closest_record_share(synthetic, train, holdout, *, quantile: float = 0.05) -> float:
    """Share of synthetic rows nearer a training row than the ``quantile`` of held-out rows are.

    Every row is embedded by one scaling fitted on the training rows (numbers
    standardised, categories one-hot); each held-out row's distance to its
    nearest training row sets the threshold (its ``quantile``, 5% by
    default). Rows as new as held-out ones give about ``quantile``; a
    generator that copies or barely perturbs its training rows gives more.

    Parameters
    ----------
    synthetic, train, holdout : DataFrame or array-like
        Tables with the same columns.
    quantile : float, default=0.05
        The held-out quantile that sets the threshold, in (0, 1).

    Returns
    -------
    share : float
        The share of synthetic rows below the threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import closest_record_share
    >>> rng = np.random.default_rng(0)
    >>> train, holdout = rng.normal(size=(400, 3)), rng.normal(size=(400, 3))
    >>> closest_record_share(train[:100] + 1e-6, train, holdout)
    1.0
    >>> bool(closest_record_share(rng.normal(size=(400, 3)), train, holdout) < 0.15)
    True
    """
    import pandas as pd

    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile!r}.")
    embedding = _embedding(train)

    def embed(frame):
        frame = pd.DataFrame(frame)
        categorical = embedding.transformers_[1][2]
        return embedding.transform(frame.astype({c: object for c in categorical}))

    neighbours = NearestNeighbors(n_neighbors=1).fit(embed(train))
    threshold = np.quantile(neighbours.kneighbors(embed(holdout))[0][:, 0], quantile)
    return float(np.mean(neighbours.kneighbors(embed(synthetic))[0][:, 0] < threshold))


def exact_copies(synthetic, train) -> int:
    """Number of synthetic rows identical to some training row (missing cells equal to missing cells).

    Parameters
    ----------
    synthetic, train : DataFrame or array-like
        Tables with the same columns.

    Returns
    -------
    copies : int
        Synthetic rows that appear among the training rows.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import exact_copies
    >>> train = np.array([[1.0, 2.0], [3.0, np.nan]])
    >>> exact_copies(np.array([[1.0, 2.0], [3.0, np.nan], [3.0, 4.0]]), train)
    2
    """
    import pandas as pd

    def keys(frame):
        frame = pd.DataFrame(frame).astype(object)
        return pd.util.hash_pandas_object(frame.where(frame.notna(), None), index=False)

    return int(keys(synthetic).isin(set(keys(train))).sum())
