"""Encoding of the conditioning target ``y``: class labels or real-valued vectors."""

from __future__ import annotations

import json
from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.multiclass import type_of_target

from .._json import plain

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
            labels = column_or_1d(y, warn=True)
            if len(labels) < 1:
                raise ValueError("y holds no class label.")
            self._labels = LabelEncoder().fit(labels)
            self.classes_ = self._labels.classes_
        else:
            values = self._as_matrix(y)
            self.n_features_ = values.shape[1]
            scaler = StandardScaler().fit(values)
            self.mean_, self.scale_ = scaler.mean_, scaler.scale_
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
            labels = column_or_1d(y)
            try:
                return self._labels.transform(labels).astype(np.int64)
            except (ValueError, TypeError) as exc:
                known = set(self.classes_.tolist())
                unknown = sorted({label for label in labels.tolist() if label not in known}, key=str)
                raise ValueError(
                    f"y holds labels unseen in fit: {unknown[:10]}; known labels are {self.classes_.tolist()[:20]}."
                ) from exc
        values = self._as_matrix(y)
        if values.shape[1] != self.n_features_:
            raise ValueError(f"y has {values.shape[1]} columns, but the model was fitted on {self.n_features_}.")
        return ((values - self.mean_) / self.scale_).astype(np.float32)

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

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict:
        """The fitted encoder as plain JSON values (see :meth:`from_dict`)."""
        if self.kind == "classes":
            return {"y_type": self.y_type, "kind": "classes", "classes": plain(self.classes_)}
        return {"y_type": self.y_type, "kind": "values", "mean": plain(self.mean_), "scale": plain(self.scale_)}

    @classmethod
    def from_dict(cls, doc: dict) -> ConditionEncoder:
        """A fitted encoder written by :meth:`to_dict`, checked (ValueError names what is wrong).

        Classes must be distinct and sorted, as fitting leaves them; values
        need finite means and positive finite scales of one length.
        """
        if doc["y_type"] not in ("auto", "classes", "values") or doc["kind"] not in ("classes", "values"):
            raise ValueError(f"unknown condition kind {doc['kind']!r} or y_type {doc['y_type']!r}")
        encoder = cls(doc["y_type"])
        encoder.kind = doc["kind"]
        if encoder.kind == "classes":
            classes = doc["classes"]
            distinct = isinstance(classes, list) and len({json.dumps(c) for c in classes}) == len(classes)
            kinds = {bool if isinstance(c, bool) else int if isinstance(c, int) else type(c) for c in classes or []}
            if len(kinds) > 1 or not kinds <= {bool, int, float, str}:
                raise ValueError(f"the condition's classes mix kinds of labels: {classes[:5]!r}")
            if not distinct or len(classes) < 1:
                raise ValueError("the condition's classes must be a list of distinct labels")
            encoder._labels = LabelEncoder().fit(np.array(classes))
            if encoder._labels.classes_.tolist() != classes:
                raise ValueError("the condition's classes must be listed in sorted order")
            encoder.classes_ = encoder._labels.classes_
            return encoder
        mean, scale = (np.asarray(doc[key], dtype=np.float64) for key in ("mean", "scale"))
        if not (
            mean.ndim == 1
            and mean.shape == scale.shape
            and np.all(np.isfinite(mean))
            and np.all(np.isfinite(scale) & (scale > 0))
        ):
            raise ValueError("the condition's mean and scale must be finite, of one length, with positive scales")
        encoder.mean_, encoder.scale_, encoder.n_features_ = mean, scale, len(mean)
        return encoder
