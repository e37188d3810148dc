"""Checks of a table handed to an estimator: its type, shape and feature names."""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

__all__ = ["validate_table"]


def validate_table(estimator: BaseEstimator, X, *, reset: bool):
    """``X`` with its feature names and count checked against ``estimator`` (and set on it when ``reset``).

    DataFrames pass through as they are; anything else becomes a 2-D array of
    its own dtype. Column types are the table encoder's job.
    """
    if isinstance(X, str) or not (hasattr(X, "__len__") or hasattr(X, "__array__")):
        raise TypeError(f"X must be a 2-D array-like or DataFrame, got {type(X).__name__}.")
    if hasattr(X, "iloc") and getattr(X, "ndim", 2) != 2:
        raise ValueError(
            f"Expected a 2-D table, got a 1-D {type(X).__name__} of {len(X)} values: pass X.to_frame() for a "
            "table of one column."
        )
    if not hasattr(X, "iloc"):
        X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    elif X.shape[0] == 0:  # as check_array says it of an array, with the table's own shape
        raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
    validate_data(estimator, X, skip_check_array=True, reset=reset)
    return X
