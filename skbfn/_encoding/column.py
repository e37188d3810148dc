"""What the table encoder knows about one column: its kind and how its values enter the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .._json import dtype_from_json, dtype_to_json, is_finite_number, is_int, plain
from .normal_scores import NormalScores

__all__ = ["KINDS", "MAX_BINS", "Column"]

KINDS = ("continuous", "discretised", "categorical", "constant")
# The most bins (integers or categories) a column may have.
MAX_BINS = 100_000


@dataclass
class Column:
    """What the encoder knows about one column of X."""

    name: object
    kind: str
    dtype: object = None
    offset: float = 0.0  # continuous: centre of the training range (of the scores, if any); discretised: lowest integer
    scale: float = 1.0  # continuous: dz/dx (dz/ds for normal scores s)
    n_bins: int = 0
    categories: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))
    normal_scores: NormalScores | None = None  # continuous: the map applied before the affine one
    lattice: bool = False  # continuous: integer data, dequantised (trained and scored on k + U(-1/2, 1/2))

    @property
    def is_numeric_constant(self) -> bool:
        """A constant column holding a number (a point mass), rather than a category."""
        return self.kind == "constant" and getattr(self.dtype, "kind", "O") in "iuf"

    @property
    def holds_categories(self) -> bool:
        """Values are categories (decoded as objects): a categorical column, or a constant non-numeric one."""
        return self.kind == "categorical" or (self.kind == "constant" and not self.is_numeric_constant)

    def to_flow_range(self, numbers: np.ndarray) -> np.ndarray:
        """A continuous column's values in the flow's units (no overflow for huge values)."""
        if self.normal_scores is not None:
            numbers = self.normal_scores.transform(numbers)
        return numbers * self.scale - self.offset * self.scale

    def from_flow_range(self, z: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_flow_range`."""
        with np.errstate(over="ignore"):  # samples near the edge of the dtype's range stay finite
            values = z / self.scale + self.offset
        return values if self.normal_scores is None else self.normal_scores.inverse_transform(values)

    def log_jacobian(self, numbers: np.ndarray) -> np.ndarray:
        """``ln |dz/dx|`` of :meth:`to_flow_range` at each value (NaN stays NaN)."""
        log_scale = np.where(np.isnan(numbers), np.nan, np.log(self.scale))
        if self.normal_scores is None:
            return log_scale
        return log_scale + self.normal_scores.log_derivative(numbers)

    # ------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        """The column as plain JSON values (see :meth:`from_dict`)."""
        return {
            "name": plain(self.name),
            "kind": self.kind,
            "dtype": dtype_to_json(self.dtype),
            "offset": self.offset,
            "scale": self.scale,
            "n_bins": self.n_bins,
            "categories": plain(self.categories),
            "normal_scores": None
            if self.normal_scores is None
            else {"x": self.normal_scores.knots.tolist(), "z": self.normal_scores.knot_scores.tolist()},
            "lattice": self.lattice,
        }

    @classmethod
    def from_dict(cls, doc: dict) -> Column:
        """A column written by :meth:`to_dict`, checked.

        A known kind, a finite offset and positive scale, bins matching the
        categories, distinct categories, normal scores on continuous columns
        only; ValueError names what is wrong.
        """
        known = {"name", "kind", "dtype", "offset", "scale", "n_bins", "categories", "normal_scores", "lattice"}
        if set(doc) - known:
            raise ValueError(f"unknown column entries {sorted(set(doc) - known)}")
        name, kind, offset, scale = doc["name"], doc["kind"], doc["offset"], doc["scale"]
        n_bins, categories = doc["n_bins"], doc["categories"]
        if kind not in KINDS:
            raise ValueError(f"column kind {kind!r} is not one of {KINDS}")
        if not (is_finite_number(offset) and is_finite_number(scale) and scale > 0):
            raise ValueError(f"column {name!r} needs a finite offset and a finite positive scale")
        if not (is_int(n_bins) and 0 <= n_bins <= MAX_BINS) or not isinstance(categories, list):
            raise ValueError(f"column {name!r} has invalid bins or categories")
        if kind == "discretised" and (n_bins < 2 or offset != round(offset)):
            raise ValueError(f"discretised column {name!r} needs at least 2 bins and an integer offset")
        if kind in ("categorical", "constant"):
            if n_bins != len(categories) or len(categories) < (2 if kind == "categorical" else 1):
                raise ValueError(f"column {name!r} has {n_bins} bins for {len(categories)} categories")
            if len({json.dumps(c) for c in categories}) != len(categories):
                raise ValueError(f"column {name!r} repeats a category")
        scores = doc.get("normal_scores")
        normal_scores = None if scores is None else NormalScores(np.array(scores["x"]), np.array(scores["z"]))
        if normal_scores is not None and kind != "continuous":
            raise ValueError(f"column {name!r} is {kind} but has normal scores")
        lattice = doc.get("lattice", False)  # absent in files of releases before dequantised integer columns
        if not isinstance(lattice, bool) or (lattice and (kind != "continuous" or normal_scores is not None)):
            raise ValueError(f"column {name!r} has an invalid lattice flag {lattice!r}")
        return cls(
            name,
            kind,
            dtype_from_json(doc["dtype"]),
            offset,
            scale,
            n_bins,
            np.array(categories, dtype=object),
            normal_scores,
            lattice,
        )
