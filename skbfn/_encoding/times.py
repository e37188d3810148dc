"""Datetime and timedelta columns as real numbers, and back.

A datetime column enters the model as a count of its *time unit* since
1970-01-01 in wall-clock time (its time zone kept aside): days (``'D'``) when
every observed value is at midnight, so that dates are integers and come back
as dates, else seconds (``'s'``). A timedelta column enters as seconds. The
numbers are then modelled like any numeric column (integers of days are
discretised or dequantised; seconds are continuous), and decoded values are
rounded to the unit (days) or to microseconds (seconds), localised to the
column's time zone and cast to its dtype.
"""

from __future__ import annotations

import numpy as np

__all__ = ["TIME_UNITS", "is_time_dtype", "time_numbers", "time_unit_of", "time_values", "time_zone_of"]

TIME_UNITS = ("D", "s")
_EPOCH = "1970-01-01"


def is_time_dtype(dtype) -> bool:
    """Datetime (naive or with a time zone) and timedelta dtypes."""
    return getattr(dtype, "kind", None) in ("M", "m") or str(dtype).startswith("datetime64[")


def _is_timedelta(dtype) -> bool:
    return getattr(dtype, "kind", None) == "m"


def _wall_times(values: np.ndarray):
    """A pandas DatetimeIndex of the values in wall-clock time (time zone dropped); NaT where missing."""
    import pandas as pd

    times = pd.DatetimeIndex(pd.to_datetime(pd.Series(values, dtype=object if values.dtype == object else None)))
    return times.tz_localize(None) if times.tz is not None else times


def time_zone_of(values: np.ndarray, dtype) -> str | None:
    """The time zone of a datetime column, as a name (None for naive datetimes and timedeltas)."""
    tz = getattr(dtype, "tz", None)
    return None if tz is None else str(tz)


def time_unit_of(values: np.ndarray, dtype) -> str:
    """'D' for a datetime column whose observed values are all at midnight, else 's'."""
    if _is_timedelta(dtype):
        return "s"
    times = _wall_times(values)
    observed = times[~times.isna()]
    return "D" if len(observed) and bool((observed == observed.normalize()).all()) else "s"


def time_numbers(values: np.ndarray, dtype, unit: str) -> np.ndarray:
    """Counts of ``unit`` since 1970-01-01 (wall time) or, for timedeltas, of ``unit``; NaN where missing."""
    import pandas as pd

    step = pd.Timedelta(1, unit=unit)
    if _is_timedelta(dtype):
        deltas = pd.TimedeltaIndex(pd.to_timedelta(pd.Series(values)))
    else:
        deltas = _wall_times(values) - pd.Timestamp(_EPOCH)
    return np.asarray(deltas / step, dtype=np.float64)


def time_values(numbers: np.ndarray, dtype, unit: str, time_zone: str | None) -> np.ndarray:
    """Values of the column's dtype from counts of ``unit`` (rounded to the unit, or to microseconds)."""
    import pandas as pd

    micros = np.round(np.asarray(numbers, dtype=np.float64) * pd.Timedelta(1, unit=unit).value / 1000)
    if unit == "D":
        micros = np.round(micros / 86_400e6) * 86_400e6
    deltas = pd.to_timedelta(micros, unit="us")
    if _is_timedelta(dtype):
        return np.asarray(pd.Series(deltas).astype(dtype))
    times = pd.DatetimeIndex(pd.Timestamp(_EPOCH) + deltas)
    if time_zone is not None:
        times = times.tz_localize(time_zone, ambiguous="NaT", nonexistent="shift_forward")
    return pd.Series(times).astype(dtype).array
