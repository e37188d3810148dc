"""Encoding: how tables and conditions become the model's matrices, and back.

- :class:`TableEncoder` reads each column of ``X`` (its kind, range, bins or
  categories, transform) and maps rows to the model matrix (float32, one
  *model column* per modelled column, in flow order) and back.
- :class:`Column` is what it knows of one column; :class:`NormalScores` the
  invertible map of a skewed column to normal scores.
- :class:`ConditionEncoder` turns ``y`` into class indices or standardised values.
- :func:`validate_table` checks a table's shape and feature names against an estimator.
"""

from .column import MAX_BINS, Column
from .column_fit import SCALED_LIMIT
from .condition import ConditionEncoder
from .input import validate_table
from .normal_scores import NormalScores, is_skewed
from .table import TableEncoder
from .values import is_missing

__all__ = [
    "MAX_BINS",
    "SCALED_LIMIT",
    "Column",
    "ConditionEncoder",
    "NormalScores",
    "TableEncoder",
    "is_missing",
    "is_skewed",
    "validate_table",
]
