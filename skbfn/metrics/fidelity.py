"""Fidelity: how far synthetic rows are from real ones, column by column, pair by pair, and as whole rows.

Every measure here is a distance in ``[0, 1]``, 0 for identical tables, so
that smaller is better throughout. Two samples of the same real data are not
at 0 either: compare with the same measure between training and held-out rows
(the report does), which is the floor a perfect generator would reach.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.utils import check_random_state

from ._tables import (
    TableLayout,
    as_frame,
    category_codes,
    code_matrix,
    learn_layout,
    model_features,
    numeric_matrix,
    one_openmp_thread,
)

__all__ = ["classifier_two_sample_auc", "column_shapes", "pair_trends"]


def _ks(a: np.ndarray, b: np.ndarray, codes_a: np.ndarray | None = None, codes_b: np.ndarray | None = None) -> float:
    """Kolmogorov-Smirnov statistic, a missing cell counted as a value above every number, and a code
    (``codes_*``: ``k + 1`` for code ``k``, 0 for none; its number NaN) as the value ``k`` between the numbers
    and the missing cells."""
    a, b = np.sort(np.where(np.isnan(a), np.inf, a)), np.sort(np.where(np.isnan(b), np.inf, b))
    points = np.concatenate([a, b])
    gap = np.searchsorted(a, points, side="right") / len(a) - np.searchsorted(b, points, side="right") / len(b)
    largest = float(np.abs(gap).max())
    if codes_a is None or codes_b is None:
        return largest
    n_codes = int(max(codes_a.max(initial=0), codes_b.max(initial=0)))
    # the rows up to and including each code: the numbers, then the codes in turn
    through_a = np.isfinite(a).sum() + np.cumsum(np.bincount(codes_a, minlength=n_codes + 1)[1:])
    through_b = np.isfinite(b).sum() + np.cumsum(np.bincount(codes_b, minlength=n_codes + 1)[1:])
    through = through_a / len(a) - through_b / len(b)  # the gap after each code
    return max(largest, float(np.abs(through).max(initial=0.0)))


def _tvd(a: np.ndarray, b: np.ndarray, size: int) -> float:
    """Total-variation distance between the frequencies of codes ``0..size-1`` in ``a`` and in ``b``."""
    return 0.5 * float(np.abs(np.bincount(a, minlength=size) / len(a) - np.bincount(b, minlength=size) / len(b)).sum())


def _pair(real: pd.DataFrame, synthetic: pd.DataFrame, layout: TableLayout | None):
    real = as_frame(real)
    synthetic = as_frame(synthetic, real.columns)
    if len(real) == 0 or len(synthetic) == 0:
        raise ValueError("both tables need at least one row.")
    return real, synthetic, layout or learn_layout(real)


def column_shapes(real, synthetic, *, layout: TableLayout | None = None) -> dict:
    """Per-column distance between the real and the synthetic marginals.

    Numbers (datetimes and durations too, and dates held as strings in one
    format or as Python objects): the Kolmogorov-Smirnov statistic,
    the largest gap between the two empirical distribution functions, with a
    missing cell counted above every number, so a wrong missing share shows,
    and codes beside numbers held as text (``'<0.5'``) counted between the
    numbers and the missing cells, each a value of its own.
    Categories: the total-variation distance between the two frequency
    tables (missing and never-seen values are categories too). Free-text
    columns are left out (see :func:`~skbfn.metrics.copied_values`).

    Parameters
    ----------
    real, synthetic : DataFrame or array-like
        Tables with the same columns.
    layout : TableLayout, optional
        How to read the columns; learned from ``real`` by default.

    Returns
    -------
    distances : dict
        Column name to its distance, in [0, 1] (0: the same marginal).

    Examples
    --------
    >>> import pandas as pd
    >>> from skbfn.metrics import column_shapes
    >>> real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": ["a", "a", "b", "b"]})
    >>> synthetic = pd.DataFrame({"x": [1.0, 2.0, 3.0, 9.0], "c": ["a", "b", "b", "b"]})
    >>> column_shapes(real, synthetic)
    {'x': 0.25, 'c': 0.25}
    """
    real, synthetic, layout = _pair(real, synthetic, layout)
    distances = {}
    real_numbers = numeric_matrix(real, layout.numeric, layout.text_formats)
    synthetic_numbers = numeric_matrix(synthetic, layout.numeric, layout.text_formats)
    real_held, synthetic_held = (code_matrix(frame, layout.numeric, layout.codes) for frame in (real, synthetic))
    for j, name in enumerate(layout.numeric):
        distances[name] = _ks(real_numbers[:, j], synthetic_numbers[:, j], real_held[:, j], synthetic_held[:, j])
    real_codes, synthetic_codes = category_codes(real, layout) + 1, category_codes(synthetic, layout) + 1
    for j, (name, known) in enumerate(layout.categories.items()):
        distances[name] = _tvd(real_codes[:, j], synthetic_codes[:, j], len(known) + 2)
    return {name: distances[name] for name in layout.compared if name in distances}


def _binned(values: np.ndarray, edges: np.ndarray, held: np.ndarray) -> np.ndarray:
    """Codes of numbers in the real quantile bins ``edges``: 1.. for bins, 0 for a missing cell, and after the
    bins one for each code the cells hold (``held``: ``k + 1`` for code ``k``, 0 for none)."""
    codes = np.searchsorted(edges, values, side="right") + 1
    codes[np.isnan(values)] = 0
    return np.where(held > 0, len(edges) + 1 + held, codes)


def pair_trends(real, synthetic, *, layout: TableLayout | None = None, n_bins: int = 10) -> dict:
    """Per-pair distance between how two columns go together in real and in synthetic rows.

    Two numbers: half the absolute difference of their Spearman rank
    correlations (robust to heavy tails; computed on the rows where both are
    observed). Any pair with a category: the total-variation distance between
    the two joint frequency tables, each number cut into ``n_bins`` quantile
    bins of the real column (missing cells a bin of their own). Free-text
    columns are left out; pairs with a constant number give NaN.

    Parameters
    ----------
    real, synthetic : DataFrame or array-like
        Tables with the same columns.
    layout : TableLayout, optional
        How to read the columns; learned from ``real`` by default.
    n_bins : int, default=10
        Quantile bins of a number paired with a category.

    Returns
    -------
    distances : dict
        ``(column, column)`` to its distance, in [0, 1] (0: the same trend).

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import pair_trends
    >>> x = np.arange(100.0)
    >>> real = np.column_stack([x, x])
    >>> pair_trends(real, np.column_stack([x, -x]))
    {(0, 1): 1.0}
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}.")
    real, synthetic, layout = _pair(real, synthetic, layout)
    real_numbers = numeric_matrix(real, layout.numeric, layout.text_formats)
    synthetic_numbers = numeric_matrix(synthetic, layout.numeric, layout.text_formats)
    with np.errstate(invalid="ignore", divide="ignore"):
        real_corr = pd.DataFrame(real_numbers).corr(method="spearman").to_numpy()
        synthetic_corr = pd.DataFrame(synthetic_numbers).corr(method="spearman").to_numpy()
    distances = {}
    for (i, a), (j, b) in itertools.combinations(enumerate(layout.numeric), 2):
        distances[(a, b)] = float(abs(real_corr[i, j] - synthetic_corr[i, j]) / 2)
    # every column as codes: numbers in real quantile bins, categories shifted so that missing is 0
    real_codes, synthetic_codes, sizes = {}, {}, {}
    real_held, synthetic_held = (code_matrix(frame, layout.numeric, layout.codes) for frame in (real, synthetic))
    for j, name in enumerate(layout.numeric):
        observed = real_numbers[:, j][~np.isnan(real_numbers[:, j])]
        edges = np.unique(np.quantile(observed, np.linspace(0, 1, n_bins + 1)[1:-1])) if len(observed) else []
        real_codes[name] = _binned(real_numbers[:, j], np.asarray(edges), real_held[:, j])
        synthetic_codes[name] = _binned(synthetic_numbers[:, j], np.asarray(edges), synthetic_held[:, j])
        sizes[name] = len(edges) + 2 + len(layout.codes.get(name, ()))
    real_categories, synthetic_categories = category_codes(real, layout) + 1, category_codes(synthetic, layout) + 1
    for j, (name, known) in enumerate(layout.categories.items()):
        real_codes[name], synthetic_codes[name], sizes[name] = (
            real_categories[:, j],
            synthetic_categories[:, j],
            len(known) + 2,
        )
    ordered = [name for name in layout.compared if name in sizes]
    for a, b in itertools.combinations(ordered, 2):
        if a in layout.categories or b in layout.categories:
            joint = sizes[a] * sizes[b]
            distances[(a, b)] = _tvd(
                real_codes[a] * sizes[b] + real_codes[b], synthetic_codes[a] * sizes[b] + synthetic_codes[b], joint
            )
    order = {name: k for k, name in enumerate(ordered)}
    return dict(sorted(distances.items(), key=lambda item: (order[item[0][0]], order[item[0][1]])))


def classifier_two_sample_auc(
    real, synthetic, *, layout: TableLayout | None = None, max_rows: int | None = 20_000, cv: int = 5, random_state=None
) -> float:
    """How well a classifier tells real rows from synthetic ones: the classifier two-sample test.

    A :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (categories
    split as categories, missing cells as missing) learns to tell ``real``
    rows from as many ``synthetic`` rows (both subsampled to the smaller count,
    at most ``max_rows`` each); the ROC AUC of its out-of-fold predictions over
    ``cv`` stratified folds is returned. 0.5: it cannot tell them apart; 1:
    every synthetic row gives itself away. Two samples of the same real data
    score about 0.5 (within a few hundredths, either way, on tables of a few
    hundred rows), which is the floor to compare with. Free-text columns are left out.

    Parameters
    ----------
    real, synthetic : DataFrame or array-like
        Tables with the same columns, at least ``cv`` rows each.
    layout : TableLayout, optional
        How to read the columns; learned from ``real`` by default.
    max_rows : int or None, default=20000
        At most this many rows of each table (None: all).
    cv : int, default=5
        Stratified folds.
    random_state : int, RandomState instance or None, default=None
        Seeds the subsampling, the folds and the classifier.

    Returns
    -------
    auc : float
        The out-of-fold ROC AUC.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import classifier_two_sample_auc
    >>> rng = np.random.default_rng(0)
    >>> real = rng.normal(size=(1000, 2))
    >>> round(classifier_two_sample_auc(real, rng.normal(size=(1000, 2)), random_state=0), 1)
    0.5
    >>> round(classifier_two_sample_auc(real, rng.normal(2.0, size=(1000, 2)), random_state=0), 1)
    1.0
    """
    real, synthetic, layout = _pair(real, synthetic, layout)
    layout.require_compared_columns("the classifier two-sample test")
    rng = check_random_state(random_state)
    n = min(len(real), len(synthetic), max_rows or len(real))
    if n < cv:
        raise ValueError(f"the two-sample test needs at least cv={cv} rows in each table, got {n}.")
    rows = [frame.iloc[np.sort(rng.choice(len(frame), n, replace=False))] for frame in (real, synthetic)]
    features, categorical = model_features(pd.concat(rows, ignore_index=True), layout)
    observed = ~np.isnan(features).all(axis=0)  # a column missing everywhere tells nothing (and trees refuse it)
    features, categorical = features[:, observed], categorical[observed]
    labels = np.repeat([0, 1], n)
    classifier = HistGradientBoostingClassifier(
        categorical_features=categorical if categorical.any() else None, random_state=rng.randint(2**31 - 1)
    )
    folds = StratifiedKFold(cv, shuffle=True, random_state=rng.randint(2**31 - 1))
    with one_openmp_thread():
        scores = cross_val_predict(classifier, features, labels, cv=folds, method="predict_proba")[:, 1]
    return float(roc_auc_score(labels, scores))
