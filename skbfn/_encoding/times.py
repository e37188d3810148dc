"""Datetime and timedelta columns as real numbers, and back.

A datetime column enters the model as a count of its *time unit* since
1970-01-01 in wall-clock time (its time zone kept aside): days (``'D'``) when
every observed value is at midnight, so that dates are integers and come back
as dates, else seconds (``'s'``). A timedelta column enters as seconds. The
numbers are then modelled like any numeric column (integers of days are
discretised or dequantised; seconds are continuous), and decoded values are
rounded to the unit (days) or to microseconds (seconds), localised to the
column's time zone and cast to its dtype.

Object columns can hold times too (as they come from CSV files, databases and
JSON): Python ``date`` or naive ``datetime`` objects, or strings that all
parse in one date format and print back the same in it (``'2024-03-01'``,
``'01/03/2024 08:30'``, ``'Mar 1, 2024'``). Such a column's *time format*
(``'date'``, ``'datetime'``, or the strftime format of its strings) is kept,
and samples come back as values of the same kind, rounded to the finest
unit the format writes (a minute for ``'%H:%M'``). Times of day, Python
``time`` objects or strings such as ``'14:30'``, ``'14:30:05'`` or
``'02:30 PM'`` (format ``'time'`` or one of :data:`TIMES_OF_DAY`), enter as
seconds since midnight.
"""

from __future__ import annotations

import datetime
import re
import warnings

import numpy as np

__all__ = [
    "OBJECT_TIMES",
    "TIMES_OF_DAY",
    "TIME_UNITS",
    "is_time_dtype",
    "is_time_format",
    "object_time_format",
    "time_numbers",
    "time_unit_of",
    "time_values",
    "time_zone_of",
]

TIME_UNITS = ("D", "s")
# Time formats of object columns holding Python objects; any other time format is a strftime format of strings.
OBJECT_TIMES = ("date", "datetime", "time")
# The strftime formats of times of day (without a date) that strings are read in, the first that reads a column.
TIMES_OF_DAY = ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%I:%M %p", "%I:%M:%S %p")
_TIME_OF_DAY = re.compile(r"^\d\d:\d\d")
_EPOCH = "1970-01-01"
# A string format is a date format only with a year and a month in it (a bare '%Y' would read codes as years).
_YEAR, _MONTH = re.compile(r"%[Yy]"), re.compile(r"%[mbB]")
# Distinct strings whose guessed formats are tried (the first parse of a few values is enough to find it).
_STRINGS_TO_GUESS_FROM = 5


def is_time_dtype(dtype) -> bool:
    """Datetime (naive or with a time zone) and timedelta dtypes."""
    return getattr(dtype, "kind", None) in ("M", "m") or str(dtype).startswith("datetime64[")


def _is_timedelta(dtype) -> bool:
    return getattr(dtype, "kind", None) == "m"


def is_time_format(time_format) -> bool:
    """Whether ``time_format`` is one :func:`object_time_format` can give (checked when a model is loaded)."""
    return (
        time_format in OBJECT_TIMES
        or time_format in TIMES_OF_DAY
        or (isinstance(time_format, str) and bool(_YEAR.search(time_format) and _MONTH.search(time_format)))
    )


def _time_of_day_format(strings: list[str]) -> str | None:
    """The format of :data:`TIMES_OF_DAY` every string parses in and prints back the same in, else None."""
    import pandas as pd

    if not _TIME_OF_DAY.match(strings[0]):
        return None
    for time_format in TIMES_OF_DAY:
        times = pd.to_datetime(pd.Series(strings), format=time_format, errors="coerce")
        if not times.isna().any() and times.dt.strftime(time_format).tolist() == strings:
            return time_format
    return None


def _string_format(strings: list[str]) -> str | None:
    """The date format every string parses in and prints back the same in, else None."""
    import pandas as pd
    from pandas.tseries.api import guess_datetime_format

    candidates = []
    for value in list(dict.fromkeys(strings))[:_STRINGS_TO_GUESS_FROM]:
        for dayfirst in (False, True):  # '01/02/2024': month first, as pandas reads it, unless a value says no
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # pandas' note that dayfirst did not apply
                guessed = guess_datetime_format(value, dayfirst=dayfirst)
            if guessed is not None and guessed not in candidates and is_time_format(guessed):
                candidates.append(guessed)
    for time_format in candidates:
        times = pd.to_datetime(pd.Series(strings), format=time_format, errors="coerce")
        if not times.isna().any() and times.dt.strftime(time_format).tolist() == strings:
            return time_format
    return None


def object_time_format(observed: np.ndarray, dtype) -> str | None:
    """How an object or string column's observed values hold times, or None if they do not.

    ``'date'`` for ``datetime.date`` objects, ``'datetime'`` for naive
    ``datetime.datetime`` objects (``pandas.Timestamp`` included), ``'time'``
    for naive ``datetime.time`` objects, a strftime format (with a year and a
    month, or one of :data:`TIMES_OF_DAY`) for strings that all parse in it
    and print back unchanged; None for anything else, such as a mix of these,
    or a pandas category column.
    """
    if str(dtype) == "category" or (getattr(dtype, "kind", "O") != "O" and not str(dtype).startswith("string")):
        return None  # a pandas category stays one, whatever its values
    values = observed.tolist()
    if not values:
        return None
    if all(isinstance(v, datetime.datetime) and v.tzinfo is None for v in values):
        return "datetime"
    if all(isinstance(v, datetime.date) and not isinstance(v, datetime.datetime) for v in values):
        return "date"
    if all(isinstance(v, datetime.time) and v.tzinfo is None for v in values):
        return "time"
    if all(isinstance(v, str) for v in values):
        strings = [str(v) for v in values]  # numpy's str_ as str, which pandas' parser wants
        return _string_format(strings) or _time_of_day_format(strings)
    return None


def _wall_times(values: np.ndarray, time_format: str | None = None):
    """A pandas DatetimeIndex of the values in wall-clock time (time zone dropped); NaT where missing.

    With a ``time_format``, values that are not times in it are NaT too.
    """
    import pandas as pd

    series = pd.Series(values, dtype=object if values.dtype == object else None)
    if time_format == "time":
        return _times_of_day(series)
    if time_format is None:
        times = pd.DatetimeIndex(pd.to_datetime(series))
    else:
        strftime = None if time_format in OBJECT_TIMES else time_format
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas' note on parsing objects one by one
            times = pd.DatetimeIndex(pd.to_datetime(series, format=strftime, errors="coerce"))
        if time_format in TIMES_OF_DAY:  # parsed on 1900-01-01: the time since midnight, from 1970-01-01 on
            times = pd.Timestamp(_EPOCH) + (times - times.normalize())
    return times.tz_localize(None) if times.tz is not None else times


def _times_of_day(series):
    """``datetime.time`` values as times on 1970-01-01 (a DatetimeIndex; NaT for anything else)."""
    import pandas as pd

    deltas = [
        pd.Timedelta(hours=v.hour, minutes=v.minute, seconds=v.second, microseconds=v.microsecond)
        if isinstance(v, datetime.time)
        else pd.NaT
        for v in series.tolist()
    ]
    return pd.DatetimeIndex(pd.Timestamp(_EPOCH) + pd.TimedeltaIndex(deltas))


def _finest_unit(time_format: str) -> str | None:
    """The finest unit a strftime format writes, as a pandas frequency (None: microseconds or days)."""
    for code, unit in (("%f", None), ("%S", "s"), ("%M", "min"), ("%H", "h"), ("%I", "h")):
        if code in time_format:
            return unit
    return None


def time_zone_of(values: np.ndarray, dtype) -> str | None:
    """The time zone of a datetime column, as a name (None for naive datetimes and timedeltas)."""
    tz = getattr(dtype, "tz", None)
    return None if tz is None else str(tz)


def time_unit_of(values: np.ndarray, dtype, time_format: str | None = None) -> str:
    """'D' for a datetime column whose observed values are all at midnight, else 's'."""
    if _is_timedelta(dtype):
        return "s"
    times = _wall_times(values, time_format)
    observed = times[~times.isna()]
    return "D" if len(observed) and bool((observed == observed.normalize()).all()) else "s"


def time_numbers(values: np.ndarray, dtype, unit: str, time_format: str | None = None) -> np.ndarray:
    """Counts of ``unit`` since 1970-01-01 (wall time) or, for timedeltas, of ``unit``; NaN where missing
    (and, with a strftime ``time_format``, where a string does not parse in it)."""
    import pandas as pd

    step = pd.Timedelta(1, unit=unit)
    if _is_timedelta(dtype):
        deltas = pd.TimedeltaIndex(pd.to_timedelta(pd.Series(values)))
    else:
        deltas = _wall_times(values, time_format) - pd.Timestamp(_EPOCH)
    return np.asarray(deltas / step, dtype=np.float64)


def _as_objects(times, time_format: str) -> np.ndarray:
    """A DatetimeIndex as an object array in ``time_format``: dates, datetimes or strings; None where missing."""
    if time_format == "date":
        values = np.asarray(times.date, dtype=object)
    elif time_format == "datetime":
        values = np.asarray(times.to_pydatetime(), dtype=object)
    elif time_format == "time":
        values = np.asarray(times.time, dtype=object)
    else:
        unit = _finest_unit(time_format)  # rounded, not cut off: 08:29:50 written '%H:%M' is 08:30
        values = np.asarray((times if unit is None else times.round(unit)).strftime(time_format), dtype=object)
    values[np.asarray(times.isna())] = None
    return values


def time_values(
    numbers: np.ndarray, dtype, unit: str, time_zone: str | None, time_format: str | None = None
) -> np.ndarray:
    """Values of the column's dtype (or, with ``time_format``, objects of that kind) from counts of ``unit``
    (rounded to the unit, or to microseconds)."""
    import pandas as pd

    micros = np.round(np.asarray(numbers, dtype=np.float64) * pd.Timedelta(1, unit=unit).value / 1000)
    if unit == "D":
        micros = np.round(micros / 86_400e6) * 86_400e6
    deltas = pd.to_timedelta(micros, unit="us")
    if _is_timedelta(dtype):
        return np.asarray(pd.Series(deltas).astype(dtype))
    times = pd.DatetimeIndex(pd.Timestamp(_EPOCH) + deltas)
    if time_format is not None:
        return _as_objects(times, time_format)
    if time_zone is not None:
        times = times.tz_localize(time_zone, ambiguous="NaT", nonexistent="shift_forward")
    return pd.Series(times).astype(dtype).array
