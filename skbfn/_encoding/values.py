"""Reading the values of one column of a table: missing cells, numbers, categories' order."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from sklearn.utils import check_array

__all__ = [
    "NUMBER_TYPES",
    "as_float",
    "as_number_type",
    "column_values",
    "is_categorical_dtype",
    "is_missing",
    "is_pandas",
    "number_type_of",
    "observed_numbers",
    "sort_key",
]

# The Python types an object column of numbers may hold every observed value in, and be given back in.
NUMBER_TYPES = ("int", "Decimal")


def is_pandas(X) -> bool:
    """Whether X is a pandas DataFrame."""
    return hasattr(X, "iloc") and hasattr(X, "dtypes")


def column_values(X, j: int) -> np.ndarray:
    """Column ``j`` of a DataFrame or 2-D array, as an array."""
    return X.iloc[:, j].to_numpy() if is_pandas(X) else X[:, j]


def is_categorical_dtype(dtype) -> bool:
    """pandas category, object, string and bool dtypes."""
    kind = getattr(dtype, "kind", "O")
    return str(dtype) == "category" or kind in "OSUb" or str(dtype).startswith("string")


def as_float(values: np.ndarray, name) -> np.ndarray:
    """Column as float64, NaN in missing cells; infinities refused with the error check_array gives."""
    values = np.asarray(values)
    if values.dtype.kind == "O":
        values = np.where(is_missing(values), np.nan, values)
    try:
        numbers = check_array(
            values.reshape(-1, 1), dtype=np.float64, ensure_all_finite="allow-nan", input_name=f"X column {name!r}"
        )
    except ValueError as exc:
        if "could not convert" in str(exc):
            raise ValueError(
                f"X column {name!r} holds values that are not numbers; name it in categorical_features."
            ) from exc
        if "sequence" in str(exc):  # a list or an array in a cell
            raise ValueError(
                f"X column {name!r} holds sequences (lists or arrays) in its cells, where one value per cell is "
                "modelled: spread them over columns of their own, or drop the column."
            ) from exc
        raise
    except TypeError as exc:  # an unhashable value (a dict, a list): neither a number nor a category
        raise TypeError(f"X column {name!r}: {exc}") from exc
    return numbers[:, 0]


def is_missing(values: np.ndarray) -> np.ndarray:
    """Boolean mask of missing values: None, NaN, and (with pandas) pd.NA and NaT."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return np.array([v is None or (isinstance(v, float) and np.isnan(v)) for v in values], dtype=bool)
    return np.asarray(pd.isna(values), dtype=bool).reshape(len(values))


def observed_numbers(numbers: np.ndarray, name) -> np.ndarray:
    """The non-NaN entries of a column; a column missing everywhere is refused."""
    observed = numbers[~np.isnan(numbers)]
    if observed.size == 0:
        raise ValueError(f"X column {name!r} is missing in every row: there is nothing to learn from it.")
    return observed


def sort_key(value):
    """Orders categories: numbers by value, other values by type name, then value."""
    return (type(value).__name__, value) if not isinstance(value, int | float | np.number) else ("", value)


def number_type_of(observed: np.ndarray, dtype) -> str | None:
    """The Python type every observed value of an object column of numbers has, where samples should have it too:
    'int' (Python or NumPy integers, not booleans) or 'Decimal' (as database drivers give amounts); None for floats,
    mixed types and columns of another dtype.

    Examples
    --------
    >>> from decimal import Decimal
    >>> number_type_of(np.array([1, 2, 40], dtype=object), np.dtype(object))
    'int'
    >>> number_type_of(np.array([Decimal("12.50"), Decimal("3.10")], dtype=object), np.dtype(object))
    'Decimal'
    >>> number_type_of(np.array([1, 2.5], dtype=object), np.dtype(object)) is None
    True
    """
    if getattr(dtype, "kind", None) != "O" or len(observed) == 0:
        return None
    values = observed.tolist()
    if all(isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_) for v in values):
        return "int"
    if all(isinstance(v, Decimal) for v in values):
        return "Decimal"
    return None


def as_number_type(numbers: np.ndarray, number_type: str, decimals: int | None = None) -> np.ndarray:
    """Decoded numbers (float64, NaN where missing) as an object array of ``number_type`` values (see
    :func:`number_type_of`), None where missing; Decimals keep ``decimals`` places when given.

    Examples
    --------
    >>> as_number_type(np.array([3.0, np.nan]), "int").tolist()
    [3, None]
    >>> as_number_type(np.array([12.5, 7.0]), "Decimal", decimals=2).tolist()
    [Decimal('12.50'), Decimal('7.00')]
    """
    numbers = np.asarray(numbers, dtype=np.float64)
    out = np.full(len(numbers), None, dtype=object)
    for i, v in enumerate(numbers.tolist()):
        if not np.isnan(v):
            out[i] = round(v) if number_type == "int" else _as_decimal(v, decimals)
    return out


def _as_decimal(value: float, decimals: int | None) -> Decimal:
    """A float as the Decimal it stands for: with ``decimals`` places, else whole or as Python writes it."""
    if decimals is not None:
        return Decimal(f"{value:.{decimals}f}")
    return Decimal(int(value)) if value == round(value) else Decimal(repr(value))
