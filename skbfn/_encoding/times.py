"""Datetime and timedelta columns as real numbers, and back.

A datetime column enters the model as a count of its *time unit* since
1970-01-01 in wall-clock time (its time zone kept aside), a timedelta column
as a count of its unit: months (``'M'``) when every observed value is the
first of a month at midnight (a datetime column only), else the coarsest of
days (``'D'``), hours (``'h'``) and minutes (``'min'``) that every observed
value is a whole number of, else seconds (``'s'``). So dates are integers
and come back as dates, months as months, and readings taken on the minute
or the hour come back on it (before, only days were found, and such
readings came back with seconds). The numbers are then
modelled like any numeric column (integers are discretised or dequantised;
seconds with fractions are continuous), and decoded values are rounded to the
unit (to microseconds for seconds), localised to the column's time zone and
cast to its dtype.

Object columns can hold times too (as they come from CSV files, databases and
JSON): Python ``date`` or naive ``datetime`` objects, or strings that all
parse in one date format and print back the same in it (``'2024-03-01'``,
``'01/03/2024 08:30'``, ``'Mar 1, 2024'``, ``'2024-03-01T08:30:00.250Z'``:
a zone designator every string ends in alike is written text of the format,
designators that differ make the times instants, read and written in UTC
(``%z``), ``%3f`` writes milliseconds with three digits, and days, months and
hours written without a leading zero, as spreadsheets write them
(``'3/5/2024 9:30'``, ``'9-Sep-03'``, ``'Mar 5, 2024'``), are ``%-d``,
``%-m``, ``%-H`` and ``%-I``, and names in capitals (``'05-MAR-24'``) ``%^b``,
``%^B``, ``%^a`` and ``%^A``, read and written so on every platform). Such a column's *time format*
(``'date'``, ``'datetime'``, or the strftime format of its strings) is kept,
and samples come back as values of the same kind, rounded to the finest
unit the format writes (a minute for ``'%H:%M'``). Times of day, Python
``time`` objects or strings such as ``'14:30'``, ``'14:30:05'``, ``'02:30 PM'``
or ``'2:30 PM'`` (format ``'time'`` or one of :data:`TIMES_OF_DAY`), enter as
seconds since midnight.
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections import Counter

import numpy as np

__all__ = [
    "COMPACT_DATES",
    "COMPACT_FORMATS",
    "COMPACT_MONTHS",
    "ISO_WEEKS",
    "OBJECT_TIMES",
    "TIMES_OF_DAY",
    "TIME_UNITS",
    "YEAR_ALONE",
    "compact_date_format",
    "is_time_dtype",
    "is_time_format",
    "mixed_time_formats",
    "object_time_format",
    "readable_together",
    "time_numbers",
    "time_unit_of",
    "time_values",
    "time_zone_of",
]

# Coarsest first: a column's unit is the first that every observed value is a whole number of ('s' otherwise);
# months ('M', of datetimes only) are counted from the calendar, the others are fixed lengths of time: weeks
# ('W': weekly readings, every one a Friday, count weeks past that weekday), days, hours, minutes, seconds.
TIME_UNITS = ("M", "W", "D", "h", "min", "s")
_MONTHS = "M"
# Time formats of object columns holding Python objects; any other time format is a strftime format of strings.
OBJECT_TIMES = ("date", "datetime", "time")
# The strftime formats of times of day (without a date) that strings are read in, the first that reads a column.
# An unpadded hour is read only beside AM or PM: '5:30' alone may be a duration (five and a half minutes).
TIMES_OF_DAY = ("%H:%M", "%H:%M:%S", "%H:%M:%S.%f", "%I:%M %p", "%I:%M:%S %p", "%-I:%M %p", "%-I:%M:%S %p")
_TIME_OF_DAY = re.compile(r"^\d\d?:\d\d")
# A time zone designator at the end of a date string, as ISO 8601 writes it: 'Z', '+01:00' or '-0500'.
_ZONE = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")
# The end of a time format whose strings carry their own UTC offsets: read as instants, written in UTC as 'Z'.
_OFFSETS = "%z"
# Three digits of milliseconds in a time format (not strftime's: '%f' writes six), and a fraction of a second.
_MILLISECONDS = "%3f"
_FRACTION = re.compile(r"\d\d:\d\d\.(\d+)")
_EPOCH = "1970-01-01"
# A string format is a date format only with a year and a month (or an ISO week) in it (a bare '%Y' would read
# codes as years).
_YEAR, _MONTH = re.compile(r"%[YyG]"), re.compile(r"%[-^]?[mbBV]")
# ISO weeks ('2021-W08', as retail and operations reports write them): read as their Monday, written as the week
# of any day. pandas reads '%V' only beside a day of the week, which such strings lack.
ISO_WEEKS = "%G-W%V"
_ISO_MONDAY = ("-1", "-%u")
# Fields written with a flag of glibc's strftime, on every platform: without a leading zero ('%-d': spreadsheets
# write '3/5/2024 9:30'), and names in capitals ('%^b': Oracle writes '05-MAR-24').
_PADDED_FIELDS = ("%d", "%m", "%H", "%I")
_DATE_FIELDS, _HOUR_FIELDS = ("%d", "%m"), ("%H", "%I")
_NAME_FIELDS = ("%b", "%B", "%a", "%A")
_FLAGGED_FIELD = re.compile(r"%([-^])([dmHIbBaA])")
# Distinct strings whose guessed formats are tried (the first parse of a few values is enough to find it).
_STRINGS_TO_GUESS_FROM = 5
# A date written as its year alone ('1999'), read beside dates of finer precision as its 1 January.
YEAR_ALONE = "%Y"
_YEAR_ALONE = re.compile(r"1[0-9]{3}|2[0-9]{3}")
# The most layouts (digits as 9, letters as a) a column of dates written in several formats is read in.
_MAX_LAYOUTS = 8
# Dates written as integers (20151231), as SAS, databases and some CSV exports hold them, and months so written
# (201512), as statistics offices hold periods: read and written so; the range of each, 1900 to 2100.
COMPACT_DATES = "%Y%m%d"
COMPACT_MONTHS = "%Y%m"
COMPACT_FORMATS = {COMPACT_DATES: (1900_01_01, 2100_12_31), COMPACT_MONTHS: (1900_01, 2100_12)}
# Date formats pandas does not guess (two-digit years, months without a day), tried where it guesses none.
_UNGUESSED_FORMATS = (
    "%m/%d/%y",
    "%d/%m/%y",
    "%d.%m.%y",
    "%d-%b-%y",
    "%b-%Y",
    "%b %Y",
    "%B %Y",
    "%b-%y",
    "%m/%Y",
    "%m-%Y",
    "%m.%Y",
    "%Y/%m",
    ISO_WEEKS,
)


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
    if not _TIME_OF_DAY.match(strings[0]):
        return None
    return next((time_format for time_format in TIMES_OF_DAY if _reads_back(strings, time_format)), None)


def _reads_back(strings: list[str], time_format: str) -> bool:
    """Whether every string parses in ``time_format`` and prints back the same in it."""
    import pandas as pd

    times = pd.DatetimeIndex(_parse(pd.Series(strings), time_format))
    return not times.isna().any() and _write(times, time_format).tolist() == strings


def _plain(time_format: str) -> str:
    """``time_format`` without its fields' flags (``%-d`` as ``%d``, ``%^b`` as ``%b``): the plain fields read
    unpadded numbers and names in any case."""
    return _FLAGGED_FIELD.sub(r"%\2", time_format)


def _flagged(time_format: str, fields: tuple[str, ...], flag: str) -> str:
    for field in fields:
        time_format = time_format.replace(field, field[0] + flag + field[1])
    return time_format


def _flagged_variants(time_format: str) -> list[str]:
    """``time_format`` with its day, month and hour fields written without a leading zero (all of them, then the
    date's alone, then the hour's alone), each also with its names in capitals; none that equals it."""
    unpadded = [time_format] + [_flagged(time_format, f, "-") for f in (_PADDED_FIELDS, _DATE_FIELDS, _HOUR_FIELDS)]
    variants = []
    for variant in unpadded + [_flagged(v, _NAME_FIELDS, "^") for v in unpadded]:
        if variant != time_format and variant not in variants:
            variants.append(variant)
    return variants


def _parse(series, time_format: str):
    """``pd.to_datetime`` of strings in ``time_format`` (milliseconds ``%3f`` read as ``%f``, flagged fields as
    plain ones, which read them), NaT where not."""
    import pandas as pd

    instants = time_format.endswith(_OFFSETS)  # in UTC, whatever each string's offset
    pattern = _plain(time_format).replace(_MILLISECONDS, "%f")
    if time_format == ISO_WEEKS:  # each week's Monday
        series, pattern = pd.Series(series, dtype=object) + _ISO_MONDAY[0], pattern + _ISO_MONDAY[1]
    return pd.to_datetime(series, format=pattern, errors="coerce", utc=instants)


def _write(times, time_format: str) -> np.ndarray:
    """A DatetimeIndex written in ``time_format`` (``strftime``, with ``%3f`` as three digits of milliseconds,
    ``%-d``, ``%-m``, ``%-H``, ``%-I`` without a leading zero and ``%^b``, ``%^B``, ``%^a``, ``%^A`` in capitals on
    every platform), as an object array; what NaT writes is for the caller to replace. Instants (``%z``) are
    written in UTC."""
    if time_format.endswith(_OFFSETS):
        time_format = time_format[: -len(_OFFSETS)] + "Z"
    if _FLAGGED_FIELD.search(time_format):
        return _write_flagged(times, time_format)
    if _MILLISECONDS not in time_format:
        return np.asarray(times.strftime(time_format), dtype=object)
    import pandas as pd

    times = times.fillna(pd.Timestamp(_EPOCH))
    pieces = [np.asarray(times.strftime(piece), dtype=object) for piece in time_format.split(_MILLISECONDS)]
    milliseconds = np.asarray(times.strftime("%f").str[:3], dtype=object)
    written = pieces[0]
    for piece in pieces[1:]:
        written = written + milliseconds + piece
    return written


def _write_flagged(times, time_format: str) -> np.ndarray:
    """:func:`_write` of a format with flagged fields: the pieces between them written as they are, each field
    written plain, then without its leading zero (``-``) or in capitals (``^``)."""
    import pandas as pd

    times = times.fillna(pd.Timestamp(_EPOCH))
    pieces = _FLAGGED_FIELD.split(time_format)  # text, flag, field letter, text, flag, field letter, ..., text
    written = _write(times, pieces[0]) if pieces[0] else np.full(len(times), "", dtype=object)
    for flag, letter, text in zip(pieces[1::3], pieces[2::3], pieces[3::3], strict=True):
        plain = pd.Series(np.asarray(times.strftime("%" + letter), dtype=object), dtype=object)
        field = plain.str.replace(r"^0(?=\d)", "", regex=True) if flag == "-" else plain.str.upper()
        written = written + np.asarray(field, dtype=object)
        if text:
            written = written + _write(times, text)
    return written


def _string_format(strings: list[str]) -> str | None:
    """The date format every string parses in and prints back the same in, else None.

    A time zone designator that ends every string alike (``'Z'``, ``'+01:00'``)
    is part of the format as written text: the times are wall-clock times in
    that zone, and samples end in it too. Designators that differ (a zone's
    summer and winter offsets, as pandas writes a time-zoned column to CSV)
    make the strings instants: the format ends in ``%z``, the times are read
    in UTC, and samples are written in UTC, ending in ``'Z'``.
    """
    zones = [zone.group(0) if (zone := _ZONE.search(s)) else "" for s in strings]
    if all(zones):
        layout = _string_format([s[: -len(zone)] for s, zone in zip(strings, zones, strict=True)])
        if layout is not None and _ZONE.search(layout) is None:
            return layout + (zones[0] if len(set(zones)) == 1 else _OFFSETS)
    return _guessed_format(strings)


def _guessed_format(strings: list[str]) -> str | None:
    """The format pandas guesses from a few strings that every string parses in and prints back the same in."""
    from pandas.tseries.api import guess_datetime_format

    candidates = []
    guessed_from = list(dict.fromkeys(strings))[:_STRINGS_TO_GUESS_FROM]
    for value in guessed_from + [v.title() for v in guessed_from if v.isupper()]:  # 'DEC' as pandas knows it
        for dayfirst in (False, True):  # '01/02/2024': month first, as pandas reads it, unless a value says no
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # pandas' note that dayfirst did not apply
                guessed = guess_datetime_format(value, dayfirst=dayfirst)
            # a zone read by '%z' would be dropped from the wall times, and samples would not print it back
            if guessed is not None and guessed not in candidates and is_time_format(guessed) and "%z" not in guessed:
                candidates.append(guessed)
    # milliseconds, as JavaScript and many databases write them: three digits, where strftime's '%f' writes six
    fractions = {len(m.group(1)) for m in map(_FRACTION.search, strings) if m is not None}
    if fractions == {3}:
        candidates = [c.replace("%f", _MILLISECONDS) for c in candidates]
    head = list(dict.fromkeys(strings))[:_STRINGS_TO_GUESS_FROM]
    if not candidates:  # two-digit years, months without a day: tried on a few strings, then on all
        candidates = [f for f in _UNGUESSED_FORMATS if _reads_back(head, f)]
        # unpadded ones ('9-Sep-03') or in capitals ('05-MAR-24'), where no plain one reads the first strings
        candidates = candidates or [v for f in _UNGUESSED_FORMATS for v in _flagged_variants(f) if _reads_back(head, v)]
    found = next((time_format for time_format in candidates if _reads_back(strings, time_format)), None)
    if found is not None:
        return found
    # days, months or hours written without a leading zero ('3/5/2024'), names in capitals: each candidate's
    variants = [v for f in candidates for v in _flagged_variants(f) if _reads_back(head, v)]
    return next((time_format for time_format in variants if _reads_back(strings, time_format)), None)


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


def mixed_time_formats(observed: np.ndarray) -> list[str]:
    """The date formats of strings that are dates written in two or more formats, else ``[]``; the format of
    the most strings first.

    The strings are grouped by layout (each digit as ``9``, each letter as
    ``a``: ``'2024-03-01'`` and ``'01/03/2024'`` differ), each group must
    be dates in one format (:func:`object_time_format`), and at least two
    groups must differ in it. No single format writes such a column back as
    it was; each string reads in its group's format
    (:func:`readable_together` says whether the formats may be read as one
    column).

    Dates at several precisions, as music catalogues date releases
    (``'1999-05-12'`` beside ``'1999-05'`` and a bare year ``'1999'``), are
    such a column too: a bare year reads as its 1 January (:data:`YEAR_ALONE`,
    never the first format, which writes the samples).

    Examples
    --------
    >>> import numpy as np
    >>> mixed_time_formats(np.array(["2024-03-01", "15/03/2024", "2024-04-02"], dtype=object))
    ['%Y-%m-%d', '%d/%m/%Y']
    >>> mixed_time_formats(np.array(["1999", "2003", "1999-05-12", "1987-01"], dtype=object))
    ['%Y-%m-%d', '%Y-%m', '%Y']
    """
    strings = observed.tolist()
    if not strings or not all(isinstance(v, str) for v in strings):
        return []
    distinct = list(dict.fromkeys(strings))
    head = _layouts(distinct[: 4 * _STRINGS_TO_GUESS_FROM])  # most columns fail on their first strings
    if head is None or any(_dates_format(group) is None for group in head.values()):
        return []
    layouts = _layouts(distinct)
    if layouts is None or len(layouts) < 2:
        return []
    formats = [_dates_format(group) for group in layouts.values()]
    if None in formats or set(formats) == {YEAR_ALONE}:
        return []
    of_layout = dict(zip(layouts, formats, strict=True))
    shares = Counter(of_layout[_layout(value)] for value in strings)
    # stable: ties in order of appearance; a bare year never first, as it cannot write a date back
    formats = sorted(dict.fromkeys(formats), key=lambda f: (f == YEAR_ALONE, -shares[f]))
    return formats if len(formats) > 1 else []


def readable_together(formats: list[str]) -> bool:
    """Whether strings in these formats can be read as one column of wall times: dates or datetimes with a
    year and a month, none an instant (``%z``), a time of day or an object kind; after the first, a bare year
    (:data:`YEAR_ALONE`) too."""
    return len(formats) > 1 and all(
        (is_time_format(f) and f not in OBJECT_TIMES and f not in TIMES_OF_DAY and not f.endswith(_OFFSETS))
        or (k > 0 and f == YEAR_ALONE)
        for k, f in enumerate(formats)
    )


def _layouts(strings: list[str]) -> dict[str, list[str]] | None:
    """The strings grouped by layout (digits as ``9``, letters as ``a``); None beyond :data:`_MAX_LAYOUTS`."""
    layouts: dict[str, list[str]] = {}
    for value in strings:
        layouts.setdefault(_layout(value), []).append(value)
        if len(layouts) > _MAX_LAYOUTS:  # text, not dates
            return None
    return layouts


def _layout(value: str) -> str:
    return re.sub(r"[A-Za-z]", "a", re.sub(r"\d", "9", value))


def _dates_format(strings: list[str]) -> str | None:
    if all(_YEAR_ALONE.fullmatch(s) for s in strings):  # a date at a year's precision, beside other dates
        return YEAR_ALONE
    return object_time_format(np.array(strings, dtype=object), np.dtype(object))


def compact_date_format(observed: np.ndarray, dtype) -> str | None:
    """The format of a column of numbers that holds dates written as integers ``YYYYMMDD`` (``20151231``:
    :data:`COMPACT_DATES`) or months written ``YYYYMM`` (``201512``: :data:`COMPACT_MONTHS`), else None: all
    integers from 1900 to 2100 that are dates (or months) in it, at least five of them distinct (random integers
    of eight digits rarely are dates, one in a thousand or so; five random ones of six digits are months about
    once in 40,000).

    Examples
    --------
    >>> import numpy as np
    >>> compact_date_format(np.array([20151231, 20160115, 20160201, 20170310, 20180704]), np.dtype(np.int64))
    '%Y%m%d'
    >>> compact_date_format(np.array([201512, 201601, 201602, 201703, 201807]), np.dtype(np.int64))
    '%Y%m'
    >>> compact_date_format(np.array([20151231, 20161315, 20160201, 20170310, 20180704]), np.dtype(np.int64))
    >>> compact_date_format(np.array([201512, 201613, 201602, 201703, 201807]), np.dtype(np.int64))  # month 13
    """
    if getattr(dtype, "kind", "O") not in "iuf":
        return None
    numbers = np.asarray(observed, dtype=np.float64)
    lowest, highest = min(r[0] for r in COMPACT_FORMATS.values()), max(r[1] for r in COMPACT_FORMATS.values())
    if not (np.all(numbers == np.round(numbers)) and numbers.min() >= lowest and numbers.max() <= highest):
        return None
    distinct = np.unique(numbers).astype(np.int64)
    if len(distinct) < 5:
        return None
    for time_format, (low, high) in COMPACT_FORMATS.items():
        if low <= distinct[0] and distinct[-1] <= high and _reads_back([str(v) for v in distinct], time_format):
            return time_format
    return None


def _as_compact_strings(values: np.ndarray) -> np.ndarray:
    """Numbers ``YYYYMMDD`` (or ``YYYYMM``) as strings of their digits (None where missing, anything else as its
    text, which does not parse), for parsing in :data:`COMPACT_FORMATS`."""
    import pandas as pd

    def digits(value):
        if pd.isna(value):
            return None
        if isinstance(value, (int, float, np.integer, np.floating)) and float(value) == int(value):
            return str(int(value))
        return str(value)

    return np.array([digits(v) for v in np.asarray(values, dtype=object).tolist()], dtype=object)


def _wall_times(values: np.ndarray, time_format: str | None = None, read_formats: tuple[str, ...] = ()):
    """A pandas DatetimeIndex of the values in wall-clock time (time zone dropped); NaT where missing.

    With a ``time_format``, values that are not times in it (nor in one of
    ``read_formats``, tried in turn) are NaT too.
    """
    import pandas as pd

    if time_format in COMPACT_FORMATS:  # numbers, as the column holds them, or as a given cell
        values = _as_compact_strings(values)
    series = pd.Series(values, dtype=object if values.dtype == object else None)
    if time_format == "time":
        return _times_of_day(series)
    if time_format is None:
        times = pd.DatetimeIndex(pd.to_datetime(series))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # pandas' note on parsing objects one by one
            if time_format in OBJECT_TIMES:
                times = pd.DatetimeIndex(pd.to_datetime(series, errors="coerce"))
            else:
                times = pd.DatetimeIndex(_parse(series, time_format))
                for other in read_formats:  # a column written in several formats (readable_together)
                    unread = times.isna()
                    if unread.any():
                        times = times.where(~unread, pd.DatetimeIndex(_parse(series, other)))
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
    time_format = _plain(time_format)
    for code, unit in (("%f", None), (_MILLISECONDS, "ms"), ("%S", "s"), ("%M", "min"), ("%H", "h"), ("%I", "h")):
        if code in time_format:
            return unit
    return None


def time_zone_of(values: np.ndarray, dtype) -> str | None:
    """The time zone of a datetime column, as a name (None for naive datetimes and timedeltas)."""
    tz = getattr(dtype, "tz", None)
    return None if tz is None else str(tz)


def time_unit_of(
    values: np.ndarray, dtype, time_format: str | None = None, read_formats: tuple[str, ...] = ()
) -> tuple[str, float]:
    """The coarsest of :data:`TIME_UNITS` that every observed value (wall time since 1970-01-01, or duration) is a
    whole number of past one offset, and that offset in seconds: 'M' for firsts of months at midnight
    (datetimes only), 'W' for dates all on one day of the week (Fridays are 86,400 s past the Thursdays that
    whole weeks since 1970-01-01 end on), 'D' for dates at midnight (or all at one time of day: readings at
    09:00 every day are 32,400 s past whole days), 'h' or 'min' for readings on the hour or the minute (or all
    at one minute or second past), else 's'. Durations take no offset.

    Examples
    --------
    >>> import numpy as np
    >>> days = np.array(["2024-03-01T09:00", "2024-05-16T09:00"], dtype="datetime64[ns]")
    >>> time_unit_of(days, days.dtype)
    ('D', 32400.0)
    >>> fridays = np.array(["2024-03-01", "2024-05-17", "2024-05-24"], dtype="datetime64[ns]")
    >>> time_unit_of(fridays, fridays.dtype)
    ('W', 86400.0)
    """
    import pandas as pd

    if _is_timedelta(dtype):
        deltas = pd.TimedeltaIndex(pd.to_timedelta(pd.Series(values)))
    else:
        times = _wall_times(values, time_format, read_formats)
        times = times[~times.isna()]
        if len(times) and bool(((times.day == 1) & (times == times.normalize())).all()):
            return _MONTHS, 0.0
        deltas = times - pd.Timestamp(_EPOCH)
    deltas = deltas[~deltas.isna()]
    for unit in TIME_UNITS[1:-1]:
        offset = _shared_offset(deltas, unit)
        if offset == 0 or (offset is not None and not _is_timedelta(dtype)):
            return unit, offset / 1e9
    return "s", 0.0


# Nanoseconds in each resolution of pandas' times.
_NANOSECONDS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}


def _shared_offset(deltas, unit: str) -> int | None:
    """The nanoseconds past a whole number of ``unit`` that every one of ``deltas`` lies at, or None."""
    import pandas as pd

    if not len(deltas):
        return None
    index = pd.TimedeltaIndex(deltas)  # in its own resolution: years past 2262 overflow nanoseconds
    step = int(pd.Timedelta(1, unit=unit) // pd.Timedelta(1, unit=index.unit))  # the unit in the resolution's
    past = np.asarray(index.asi8, dtype=np.int64) % step
    return int(past[0]) * _NANOSECONDS[index.unit] if bool(np.all(past == past[0])) else None


def time_numbers(
    values: np.ndarray,
    dtype,
    unit: str,
    time_format: str | None = None,
    read_formats: tuple[str, ...] = (),
    offset: float = 0.0,
) -> np.ndarray:
    """Counts of ``unit`` since 1970-01-01 (wall time) plus ``offset`` seconds or, for timedeltas, of ``unit``;
    NaN where missing (and, with a strftime ``time_format``, where a string parses neither in it nor in
    ``read_formats``)."""
    import pandas as pd

    if unit == _MONTHS:  # calendar months since 1970-01 (the day and time of day, all zero here, as fractions)
        times = _wall_times(values, time_format, read_formats)
        start = pd.DatetimeIndex(times.to_period("M").to_timestamp())
        months = (times.year - 1970) * 12 + times.month - 1
        fraction = (times - start) / (start + pd.offsets.MonthBegin(1) - start)
        return np.asarray(months + fraction, dtype=np.float64)
    step = pd.Timedelta(1, unit=unit)
    if _is_timedelta(dtype):
        deltas = pd.TimedeltaIndex(pd.to_timedelta(pd.Series(values)))
    else:
        deltas = _wall_times(values, time_format, read_formats) - pd.Timestamp(_EPOCH) - _seconds(offset)
    return np.asarray(deltas / step, dtype=np.float64)


def _seconds(seconds: float):
    import pandas as pd

    return pd.Timedelta(round(seconds * 1e6), unit="us")  # not ns: times past 2262 (9999-12-31) overflow them


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
        values = _write(times if unit is None else times.round(unit), time_format)
    values[np.asarray(times.isna())] = None
    return values


def time_values(
    numbers: np.ndarray, dtype, unit: str, time_zone: str | None, time_format: str | None = None, offset: float = 0.0
) -> np.ndarray:
    """Values of the column's dtype (or, with ``time_format``, objects of that kind) from counts of ``unit``
    (rounded to the unit, or to microseconds) past 1970-01-01 plus ``offset`` seconds."""
    import pandas as pd

    if unit == _MONTHS:  # whole calendar months since 1970-01
        months = np.round(np.asarray(numbers, dtype=np.float64))
        observed = ~np.isnan(months)
        years, month = np.divmod(months[observed].astype(np.int64), 12)
        micros = np.full(len(months), np.nan)
        micros[observed] = (
            pd.to_datetime({"year": years + 1970, "month": month + 1, "day": 1})
            .to_numpy(dtype="datetime64[us]")
            .astype(np.int64)
        )
        numbers, unit = micros / 86_400e6, "D"  # days since 1970-01-01, whole
    step = pd.Timedelta(1, unit=unit).value / 1000  # the unit in microseconds
    micros = np.round(np.asarray(numbers, dtype=np.float64) * step)
    if unit != "s":  # whole units: days, hours, minutes
        micros = np.round(micros / step) * step
    deltas = pd.to_timedelta(micros, unit="us")
    if _is_timedelta(dtype):
        return np.asarray(pd.Series(deltas).astype(dtype))
    times = pd.DatetimeIndex(pd.Timestamp(_EPOCH) + _seconds(offset) + deltas)
    if time_format is not None:
        return _as_objects(times, time_format)
    if time_zone is not None:
        times = times.tz_localize(time_zone, ambiguous="NaT", nonexistent="shift_forward")
    return pd.Series(times).astype(dtype).array
