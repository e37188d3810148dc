"""Plain JSON values for fitted state: what the persistence format stores, and checks on what it reads."""

from __future__ import annotations

import functools
import math
import re
from numbers import Real
from typing import Any

import numpy as np

__all__ = ["dtype_from_json", "dtype_to_json", "is_finite_number", "is_int", "plain"]

# The widest column dtype a file may name (fixed-width strings are the wide ones).
_MAX_DTYPE_ITEMSIZE = 1024


def plain(value: Any) -> Any:
    """Python value for JSON; refuses what JSON cannot hold faithfully."""
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"skbfn.save cannot store a value of type {type(value).__name__} ({value!r}) as JSON.")


def dtype_to_json(dtype) -> dict:
    """A column dtype as JSON: its name, or a pandas category's categories and order."""
    if str(dtype) == "category":
        return {"category": plain(list(dtype.categories)), "ordered": bool(dtype.ordered)}
    return {"name": str(dtype)}


def dtype_from_json(spec: dict):
    """The dtype :func:`dtype_to_json` wrote; only column dtypes skbfn writes are accepted (ValueError else).

    numpy's plain dtypes, pandas' nullable and string dtypes, and datetimes
    with a time zone named in the IANA database: a name is never handed to a
    parser that could open files or import modules.
    """
    if "category" in spec:
        import pandas as pd

        return pd.CategoricalDtype(spec["category"], ordered=bool(spec["ordered"]))
    name = spec["name"]
    if not isinstance(name, str):
        raise TypeError(f"a dtype name must be a string, got {name!r}")
    if name in _PANDAS_DTYPES:
        import pandas as pd

        return pd.api.types.pandas_dtype(name)
    zoned = _ZONED_DATETIME.match(name)
    if zoned:
        import pandas as pd

        unit, zone = zoned.groups()
        if zone != "UTC" and zone not in _time_zones():
            raise ValueError(f"dtype {name!r} names a time zone that is not in the IANA database")
        return pd.DatetimeTZDtype(unit, zone)
    try:
        dtype = np.dtype(name)
    except TypeError as exc:
        raise ValueError(f"dtype {name!r} is not a column dtype skbfn writes") from exc
    if dtype.kind not in "biufcOUSMm" or dtype.fields is not None or dtype.itemsize > _MAX_DTYPE_ITEMSIZE:
        raise ValueError(f"dtype {name!r} is not a column dtype skbfn writes")
    return dtype


_PANDAS_DTYPES = frozenset(
    ["str", "string", "boolean", "Float32", "Float64"]
    + [f"{sign}Int{bits}" for sign in ("", "U") for bits in (8, 16, 32, 64)]
)
_ZONED_DATETIME = re.compile(r"^datetime64\[(s|ms|us|ns), ([A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*)\]$")


@functools.cache
def _time_zones() -> frozenset:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def is_int(value) -> bool:
    """An int from JSON (not a bool)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_finite_number(value) -> bool:
    """A finite real number from JSON (not a bool)."""
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
