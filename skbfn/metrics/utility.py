"""Utility: does a model trained on synthetic rows do as well on real rows as one trained on real rows?"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.utils import check_random_state

from ._tables import as_frame, learn_layout, model_features, one_openmp_thread

__all__ = ["Utility", "synthetic_utility"]


@dataclass(frozen=True)
class Utility:
    """The result of :func:`synthetic_utility`.

    Parameters
    ----------
    target : object
        The predicted column.
    task : {'classification', 'regression'}
        What was predicted.
    metric : str
        The score on the held-out rows: ``'accuracy'`` or ``'r2'``.
    synthetic : float
        The score of the model trained on synthetic rows (train synthetic,
        test real).
    real : float
        The score of the same model trained on the real training rows (train
        real, test real).

    Examples
    --------
    >>> str(Utility("species", "classification", "accuracy", 0.91, 0.95))
    'species: accuracy 0.910 trained on synthetic rows, 0.950 on real rows'
    """

    target: object
    task: str
    metric: str
    synthetic: float
    real: float

    def __str__(self) -> str:
        return (
            f"{self.target}: {self.metric} {self.synthetic:.3f} trained on synthetic rows, {self.real:.3f} on real rows"
        )


def _task_of(values: pd.Series) -> str:
    """Classification for categories, booleans, text and integers with at most 20 distinct values."""
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return "classification"
    observed = values.dropna().to_numpy(dtype=np.float64)
    whole = np.all(observed == np.round(observed))
    return "classification" if whole and len(np.unique(observed)) <= 20 else "regression"


def synthetic_utility(
    synthetic, train, holdout, target, *, estimator=None, task: str = "auto", random_state=None
) -> Utility:
    """Train on synthetic, test on real, beside train on real, test on real, for the column ``target``.

    The same model is fitted once on the synthetic rows and once on the real
    training rows to predict ``target`` from the other columns (free-text
    columns left out), and both are scored on the held-out rows with their
    ``score`` (accuracy, or R² for a regression). A faithful generator gives
    a synthetic score close to the real one. Rows whose target is missing are
    dropped.

    Parameters
    ----------
    synthetic, train, holdout : DataFrame or array-like
        Tables with the same columns.
    target : column name or int
        The column to predict (a column index for arrays).
    estimator : estimator, optional
        What to fit (cloned for each fit); by default a
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier` or
        ``Regressor``, with categories split as categories.
    task : {'auto', 'classification', 'regression'}, default='auto'
        'auto': classification for categorical, boolean and text targets and
        for integers with at most 20 distinct values; regression otherwise.
    random_state : int, RandomState instance or None, default=None
        Seeds the default estimator.

    Returns
    -------
    utility : Utility
        Both scores.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import synthetic_utility
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(600, 1))
    >>> table = np.column_stack([x, (x[:, 0] > 0).astype(int)])
    >>> shuffled = np.column_stack([x, rng.permutation(table[:, 1])])
    >>> result = synthetic_utility(shuffled[:200], table[:400], table[400:], target=1, random_state=0)
    >>> result.metric, result.real > 0.9, result.synthetic < 0.7
    ('accuracy', True, True)
    """
    train = as_frame(train)
    synthetic, holdout = as_frame(synthetic, train.columns), as_frame(holdout, train.columns)
    if target not in train.columns:
        raise ValueError(f"target {target!r} is not a column of the table {list(train.columns)}.")
    if task == "auto":
        task = _task_of(train[target])
    if task not in ("classification", "regression"):
        raise ValueError(f"task must be 'auto', 'classification' or 'regression', got {task!r}.")
    features = train.drop(columns=[target])
    if features.shape[1] == 0:
        raise ValueError("the table needs at least one column besides the target.")
    layout = learn_layout(features)
    layout.require_compared_columns("training on the synthetic rows")
    seed = check_random_state(random_state).randint(2**31 - 1)

    def split(frame):
        frame = frame[frame[target].notna()]
        X, categorical = model_features(frame.drop(columns=[target]), layout)
        y = frame[target].astype(str).to_numpy() if task == "classification" else frame[target].to_numpy(float)
        return X, y, categorical

    X_test, y_test, categorical = split(holdout)
    scores = []
    for frame in (synthetic, train):
        X, y, _ = split(frame)
        if len(y) == 0 or (task == "classification" and len(np.unique(y)) < 2):
            scores.append(float("nan"))  # nothing to learn from: no rows, or a single class
            continue
        observed = ~np.isnan(X).all(axis=0)  # a column missing in every row tells nothing (and trees refuse it)
        model = estimator
        if model is None:
            kind = HistGradientBoostingClassifier if task == "classification" else HistGradientBoostingRegressor
            mask = categorical[observed]
            model = kind(categorical_features=mask if mask.any() else None, random_state=seed)
        with one_openmp_thread():
            scores.append(float(clone(model).fit(X[:, observed], y).score(X_test[:, observed], y_test)))
    return Utility(target, task, "accuracy" if task == "classification" else "r2", scores[0], scores[1])
