"""Privacy: does a generator leak its training rows?

Three measures that any generator can be put to. The likelihood membership
audit uses a model's own per-row scores: a model that scores its training
rows higher than rows it never saw has learned them, whatever its samples
look like. It works for any estimator with ``score_samples``
(:class:`~skbfn.BFNGenerator`, :class:`~sklearn.mixture.GaussianMixture`,
:class:`~sklearn.neighbors.KernelDensity`, ...). The closeness share and exact
copies look at the synthetic rows themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.neighbors import KDTree, NearestNeighbors
from sklearn.utils import check_random_state

from ._tables import MAX_CATEGORIES, as_frame, distance_parts, distance_points, learn_layout

__all__ = ["MembershipAudit", "closest_record_share", "copied_values", "exact_copies", "membership_audit"]


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
    return audit_scores(estimator, X_train, X_holdout, n_bootstrap=n_bootstrap, random_state=random_state)[0]


def audit_scores(estimator, X_train, X_holdout, *, n_bootstrap: int = 200, random_state=None):
    """:func:`membership_audit`, and the two sets of scores it ranked (for a figure)."""
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
    audit = MembershipAudit(_auc(train, holdout), float(low), float(high), len(train), len(holdout))
    return audit, (train, holdout)


def _nearest_distances(train_parts, query_parts, layout) -> np.ndarray:
    """Exact L1 distance from each query row to its nearest training row.

    Rows that share a query's discrete part (indicators and categories) differ
    only in their numbers, so a k-d tree over the numbers of that group finds
    the nearest of them; any other row differs in a discrete cell, which costs
    at least 1, so where that nearest is within 1 it is the nearest of all.
    The remaining queries (a discrete part never seen in training, or nothing
    within 1) are searched among all training rows.
    """
    (train_numbers, train_keys), (query_numbers, query_keys) = train_parts, query_parts
    _, group = np.unique(np.vstack([train_keys, query_keys]), axis=0, return_inverse=True)
    group = group.ravel()
    train_group, query_group = group[: len(train_keys)], group[len(train_keys) :]
    nearest = np.full(len(query_keys), np.inf)
    if train_numbers.shape[1]:
        members = pd.Series(np.arange(len(train_group))).groupby(train_group).indices
        asked = pd.Series(np.arange(len(query_group))).groupby(query_group).indices
        for key, queries in asked.items():
            if key in members:
                tree = KDTree(train_numbers[members[key]], metric="manhattan")
                nearest[queries] = tree.query(query_numbers[queries], k=1)[0][:, 0]
    else:  # no numbers: a query with a training row's discrete part is at distance 0
        nearest[np.isin(query_group, train_group)] = 0.0
    unresolved = nearest > 1.0
    if unresolved.any():
        train_points = distance_points(train_parts, layout)
        query_points = distance_points((query_numbers[unresolved], query_keys[unresolved]), layout)
        neighbours = NearestNeighbors(n_neighbors=1, metric="manhattan").fit(train_points)
        nearest[unresolved] = neighbours.kneighbors(query_points)[0][:, 0]
    return nearest


def nearest_training_distances(synthetic, train, holdout, layout=None) -> tuple[np.ndarray, np.ndarray]:
    """L1 distance from each synthetic and each held-out row to its nearest training row, in the layout's
    distance space (numbers min-max scaled by the training rows, categories one-hot)."""
    train = as_frame(train)
    layout = layout or learn_layout(train)
    layout.require_compared_columns("a distance between rows")
    train_parts = distance_parts(train, layout)
    synthetic_distance, holdout_distance = (
        _nearest_distances(train_parts, distance_parts(as_frame(rows, train.columns), layout), layout)
        for rows in (synthetic, holdout)
    )
    return synthetic_distance, holdout_distance


def closest_record_share(synthetic, train, holdout, *, quantile: float = 0.05) -> float:
    """Share of synthetic rows nearer a training row than the ``quantile`` of held-out rows are.

    Every row is placed by one scaling learned from the training rows
    (numbers min-max scaled, categories one-hot, missing cells at the median
    with a missing indicator; free-text columns left out), and distances are
    L1. Each held-out row's distance to its nearest training row sets the
    threshold (its ``quantile``, 5% by default). Rows as new as held-out ones
    give about ``quantile``; a generator that copies or barely perturbs its
    training rows gives more.

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
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile!r}.")
    synthetic_distance, holdout_distance = nearest_training_distances(synthetic, train, holdout)
    return float(np.mean(synthetic_distance < np.quantile(holdout_distance, quantile)))


def copied_values(synthetic, train, *, max_categories: int | str = MAX_CATEGORIES) -> dict:
    """For each free column (ids, names, text: text with too many distinct training values for ``max_categories``,
    or integers that never repeat), the share of synthetic cells that repeat a training value.

    A generator that makes up fresh ids and text gives 0; one that copies
    them from its training rows leaks them, whatever its other columns do.

    Parameters
    ----------
    synthetic, train : DataFrame or array-like
        Tables with the same columns.
    max_categories : int or 'auto', default='auto'
        Text columns with more distinct training values than this are free
        text. 'auto': more than 50, unless they repeat (each held by 5
        training rows or more on average, at most 200).

    Returns
    -------
    shares : dict
        Column name to the share of its observed synthetic cells found among
        the training values.

    Examples
    --------
    >>> import pandas as pd
    >>> from skbfn.metrics import copied_values
    >>> train = pd.DataFrame({"id": [f"u{i}" for i in range(100)], "x": [0.5] * 100})
    >>> copied_values(pd.DataFrame({"id": ["u1", "u2", "new", "new2"], "x": [0, 1, 2, 3]}), train)
    {'id': 0.5}
    """
    train = as_frame(train)
    synthetic = as_frame(synthetic, train.columns)
    layout = learn_layout(train, max_categories=max_categories)
    shares = {}
    for name in (name for name in layout.columns if name in layout.free or name in layout.compounds):
        cells = synthetic[name].dropna().astype(str)
        shares[name] = float(cells.isin(set(train[name].dropna().astype(str))).mean()) if len(cells) else 0.0
    return shares


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

    def keys(frame):
        frame = pd.DataFrame(frame).astype(object)
        return pd.util.hash_pandas_object(frame.where(frame.notna(), None), index=False)

    return int(keys(synthetic).isin(set(keys(train))).sum())
