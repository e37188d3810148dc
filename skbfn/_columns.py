"""How the columns of X map into the flows' data range, and back."""

from __future__ import annotations

import numpy as np
from sklearn.preprocessing import MinMaxScaler

__all__ = ["SCALED_LIMIT", "ColumnScaler"]

# Training data are mapped to [-SCALED_LIMIT, SCALED_LIMIT], inside the flow's
# clipping range [-1, 1]: held-out points a little beyond the training range
# keep a finite, fair likelihood, and samples can reach slightly past it.
SCALED_LIMIT = 0.9


class ColumnScaler:
    """Affine per-column map of real-valued data into the continuous flow's range.

    Each column's training minimum and maximum go to ``-SCALED_LIMIT`` and
    ``SCALED_LIMIT`` (a constant column goes to 0). Because the map is affine its
    log-Jacobian is a constant, added to every likelihood computed in scaled
    units to express it in the original units of X.
    """

    def fit(self, X: np.ndarray) -> ColumnScaler:
        self._scaler = MinMaxScaler(feature_range=(-SCALED_LIMIT, SCALED_LIMIT)).fit(X)
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return self._scaler.transform(X)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray:
        return self._scaler.inverse_transform(Z)

    @property
    def log_jacobian(self) -> float:
        """``sum_j ln |dz_j / dx_j|`` for ``z = transform(x)``."""
        return float(np.sum(np.log(self._scaler.scale_)))
