"""Encoding of the conditioning target ``y``: class labels or real-valued vectors."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import type_of_target

__all__ = ["ConditionEncoder"]


class ConditionEncoder:
    """Turns ``y`` into network conditions: class indices or standardised vectors.

    Parameters
    ----------
    y_type : {'auto', 'classes', 'values'}
        'auto' reads class labels for binary or multiclass targets (in the sense
        of :func:`sklearn.utils.multiclass.type_of_target`) and real values
        otherwise.
    """

    def __init__(self, y_type: str = "auto") -> None:
        self.y_type = y_type

    def fit(self, y) -> ConditionEncoder:
        kind = self.y_type
        if kind == "auto":
            target = type_of_target(y, input_name="y", raise_unknown=True)
            if target in ("binary", "multiclass"):
                kind = "classes"
            elif target in ("continuous", "continuous-multioutput", "multilabel-indicator"):
                kind = "values"
            else:
                raise ValueError(
                    f"y of type {target!r} cannot be conditioned on: pass class labels "
                    "(1-D) or real values (1-D or 2-D)."
                )
        self.kind = kind
        if kind == "classes":
            self.classes_ = np.unique(column_or_1d(y, warn=True))
            if len(self.classes_) < 1:
                raise ValueError("y holds no class label.")
        else:
            values = self._as_matrix(y)
            self.n_features_ = values.shape[1]
            self._scaler = StandardScaler().fit(values)
        return self

    @staticmethod
    def _as_matrix(y) -> np.ndarray:
        values = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        return values.reshape(len(values), -1) if values.ndim == 1 else values

    @property
    def n_classes(self) -> int | None:
        return len(self.classes_) if self.kind == "classes" else None

    @property
    def n_values(self) -> int | None:
        return self.n_features_ if self.kind == "values" else None

    def transform(self, y) -> np.ndarray:
        """Class indices (int64, shape [n]) or standardised values (float32, [n, k])."""
        if self.kind == "classes":
            lookup = {label: index for index, label in enumerate(self.classes_.tolist())}
            labels = column_or_1d(np.asarray(y, dtype=object)).tolist()
            unknown = sorted({label for label in labels if label not in lookup}, key=str)
            if unknown:
                raise ValueError(f"y holds labels unseen in fit: {unknown}; known labels are {self.classes_.tolist()}.")
            return np.fromiter((lookup[label] for label in labels), dtype=np.int64, count=len(labels))
        values = self._as_matrix(y)
        if values.shape[1] != self.n_features_:
            raise ValueError(f"y has {values.shape[1]} columns, but the model was fitted on {self.n_features_}.")
        return self._scaler.transform(values).astype(np.float32)

    def broadcast(self, y, n_rows: int) -> np.ndarray:
        """Encode ``y`` given either for every row or as one condition for all rows."""
        if self.kind == "classes":
            if np.ndim(y) == 0:
                y = np.full(n_rows, y, dtype=object)
        elif np.ndim(y) == 0 or (np.ndim(y) == 1 and self.n_features_ > 1 and len(y) == self.n_features_):
            if np.ndim(y) == 0 and not isinstance(y, Real | np.number):
                raise TypeError(f"y must be a real value or an array of real values, got {type(y).__name__}.")
            y = np.tile(np.reshape(np.asarray(y, dtype=np.float64), (1, -1)), (n_rows, 1))
        if len(y) != n_rows:
            raise ValueError(f"y has {len(y)} rows, but {n_rows} were expected (one per sample).")
        return self.transform(y)
