"""One reading of a table for every metric: which columns are numbers, which are categories, which are free.

The layout is learned from the training rows and then applied to every table
compared with them, so that real, held-out and synthetic rows are measured in
the same terms:

- numbers: numeric columns, and datetimes and durations as numbers of
  nanoseconds (dates held as strings in one format or as Python objects, as
  the generator reads them, as seconds); min-max scaled by the training rows
  where a distance is taken;
- categories: booleans, pandas categories and text columns with few enough
  distinct training values for ``max_categories`` (as the generator reads
  them: 'auto', 50, or up to 200 that repeat), or wide columns whose frequent
  levels the generator keeps and whose rare ones it pools (cities, zip
  codes: :mod:`skbfn._encoding.rare_levels`), every level a category; a value
  never seen in training is one more category, "other";
- free columns: text with more distinct values (ids, names, free text), and
  integer columns whose every training value differs (integer ids) or whose
  name references keys with more values than categories (``customer_id``
  beside each customer's orders, which samples hold fresh keys in). Shapes
  and trends over them mean nothing, so the fidelity metrics and distances
  leave them out; the report says so and counts copied values instead;
- compound columns: text whose cells all hold numbers between the same
  pieces of text (``'120/80'``, ``'(40.7128, -74.0060)'``, as the generator
  reads them: :mod:`skbfn._encoding.compound_cells`), where it would be free
  text: each part is a column of numbers (``'pressure[1]'``), a cell written
  otherwise missing in every part; copied values are counted on whole cells.

Missing cells are a value of their own: a missing category, or a number
past every other (in shapes), a bin of its own (in pair tables), the
training median plus a missing indicator (in distances), NaN (for the
classifiers, which split on it). Rank correlations use the rows where both
numbers are observed.

Codes beside numbers or dates held as text (``'<0.5'`` below a limit of
detection, ``'present'`` for a job not ended: :mod:`skbfn._encoding.cell_codes`)
are values of their own too, neither numbers nor missing cells: each past
every number and before the missing cells (in shapes), a bin of its own (in
pair tables), the training median plus a code one-hot (in distances), and a
categorical feature beside the number (for the classifiers).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .._encoding.cell_codes import code_cells, coded_number_format, coded_time_format, without_codes
from .._encoding.compound_cells import CompoundPart, compound_parts
from .._encoding.day_durations import DayDurationFormat
from .._encoding.durations import duration_format_of
from .._encoding.elapsed import ElapsedFormat
from .._encoding.roles import detect_role, few_categories, holds_categories, holds_few_values, names_a_reference
from .._encoding.text_numbers import NumberFormat, reads_as_codes, without_missing_marker
from .._encoding.times import mixed_time_formats, object_time_format, readable_together, time_numbers
from .._encoding.unit_durations import UnitDurationFormat

MAX_CATEGORIES = "auto"
# How a column holds dates or numbers as text: a time format (several, for dates in several formats), a number
# format or durations in clock fields; None for other columns.
TextFormat = (
    str | tuple[str, ...] | NumberFormat | ElapsedFormat | UnitDurationFormat | DayDurationFormat | CompoundPart | None
)


@dataclass(frozen=True)
class TableLayout:
    """The columns of a table as the metrics read them, learned from the training rows."""

    columns: tuple
    numeric: tuple
    categories: dict  # column -> the training categories, sorted
    free: tuple
    low: np.ndarray  # per numeric column: the training minimum (NaN when never observed)
    span: np.ndarray  # per numeric column: the training range (1 where it is 0 or unknown)
    median: np.ndarray  # per numeric column: the training median, in min-max units
    with_missing: np.ndarray  # per numeric column: whether its missing cells get an indicator
    # numeric column -> how it holds dates or numbers as text or objects (skbfn._encoding.times, .text_numbers)
    text_formats: dict
    # numeric column -> the codes its training rows hold beside the numbers or dates ('<0.5'), where it has any
    codes: dict = field(default_factory=dict)
    # column of compound cells ('120/80': skbfn._encoding.compound_cells) -> the names of its parts, each numeric
    compounds: dict = field(default_factory=dict)

    @property
    def categorical(self) -> tuple:
        return tuple(self.categories)

    @property
    def compared(self) -> list:
        """The numeric and categorical columns in the table's order, each compound column as its parts."""
        names = [part for name in self.columns for part in self.compounds.get(name, (name,))]
        return [name for name in names if name in self.numeric or name in self.categories]

    def require_compared_columns(self, use: str) -> None:
        """Refuse a table with nothing to compare: every column free text or an id (ValueError naming them)."""
        if not self.numeric and not self.categories:
            raise ValueError(
                f"{use} needs a column of numbers or categories, but every column is free text or an id "
                f"(text with more distinct values than max_categories is free text): {list(self.free)[:10]}."
            )


def as_frame(X, columns=None) -> pd.DataFrame:
    """``X`` as a DataFrame (an array's columns numbered), checked against ``columns`` when given."""
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X) if not hasattr(X, "columns") else X)
    if frame.ndim != 2 or frame.shape[1] == 0:
        raise ValueError(f"a table needs at least one column, got shape {frame.shape}.")
    if columns is not None and tuple(frame.columns) != tuple(columns):
        raise ValueError(f"the tables must have the training rows' columns {list(columns)}, got {list(frame.columns)}.")
    return frame.reset_index(drop=True)


def _is_number(series: pd.Series) -> bool:
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
        return False
    if pd.api.types.is_object_dtype(dtype):  # an object column of numbers (an object array's numeric column) is numbers
        return pd.api.types.infer_dtype(series, skipna=True) in ("integer", "floating", "mixed-integer-float")
    return bool(
        pd.api.types.is_numeric_dtype(dtype)
        or pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    )


def _is_integer_key(series: pd.Series, max_categories: int | str) -> bool:
    """An integer column whose every value differs, over more rows than ``max_categories`` (50 for 'auto'), or
    whose name says it references keys (:func:`~skbfn._encoding.roles.names_a_reference`: ``customer_id``)
    with more distinct values than categories, whole numbers read as floats beside blank cells too: an id, not
    a number, whose synthetic values are fresh keys (:func:`~skbfn._encoding.roles.code_role`)."""
    observed = series.dropna()
    integers = pd.api.types.is_integer_dtype(series.dtype) or (
        pd.api.types.is_object_dtype(series.dtype) and pd.api.types.infer_dtype(series, skipna=True) == "integer"
    )
    if integers and len(observed) > few_categories(max_categories) and observed.is_unique:
        return True
    whole = pd.api.types.is_float_dtype(series.dtype) and bool(np.all(observed == np.round(observed)))
    return (
        (integers or whole)
        and names_a_reference(series.name)
        and not holds_categories(observed.nunique(), len(observed), max_categories)
    )


def _pools(column: pd.Series, observed: np.ndarray) -> bool:
    """Whether the generator keeps a wide column's frequent levels and pools its rare ones (cities, zip codes:
    :mod:`~skbfn._encoding.rare_levels`), under ``max_categories='auto'``: its levels are then compared as
    categories, every one of them, as the samples hold them."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the roles' own warnings are the generator's to give
        return detect_role(column.name, observed, len(column), column.dtype, "auto") == "pooled"


def _text_format(series: pd.Series, max_categories: int | str) -> tuple[TextFormat, tuple[str, ...]]:
    """How an object or string column holds dates or numbers, as the encoder reads them
    (:func:`~skbfn._encoding.times.object_time_format`, :func:`~skbfn._encoding.text_numbers.number_format_of`,
    dates in several formats: a tuple of them, the commonest first; numbers that read as codes are categories:
    :func:`~skbfn._encoding.text_numbers.reads_as_codes`), and the few codes beside them
    (:mod:`~skbfn._encoding.cell_codes`)."""
    observed = series.dropna().to_numpy(dtype=object)
    dated = without_missing_marker(observed)[0]  # '?' beside dates: missing
    time_format, codes = object_time_format(dated, series.dtype), ()
    if time_format is None:  # codes beside dates ('present')
        time_format, codes = coded_time_format(dated, series.dtype)
    if time_format is not None:
        return time_format, codes
    formats = mixed_time_formats(dated)  # '2024-03-01' beside '01/03/2024': each read in its own
    if readable_together(formats) and not holds_few_values(dated):
        return tuple(formats), ()
    number_format, _, codes = coded_number_format(observed, series.dtype)  # codes ('<0.5')
    # durations in clock fields ('0:03:25'), with units ('2h 50m') or days ('1 days 02:00:00')
    number_format = number_format or duration_format_of(observed)
    if number_format is None or reads_as_codes(without_codes(observed, codes), number_format, max_categories):
        return None, ()
    return number_format, codes


def _as_float(series: pd.Series, text_format: TextFormat = None) -> np.ndarray:
    """Numbers as float64, datetimes and durations as nanoseconds, dates held in a time format as seconds and
    numbers held in a number format as numbers (a value that is not one: NaN), missing cells NaN."""
    if isinstance(text_format, NumberFormat | ElapsedFormat | UnitDurationFormat | DayDurationFormat | CompoundPart):
        return text_format.parse(series.to_numpy(dtype=object))
    if isinstance(text_format, tuple):  # dates in several formats
        return time_numbers(series.to_numpy(dtype=object), np.dtype(object), "s", text_format[0], text_format[1:])
    if text_format is not None:
        return time_numbers(series.to_numpy(dtype=object), np.dtype(object), "s", text_format)
    if pd.api.types.is_datetime64_any_dtype(series.dtype) or pd.api.types.is_timedelta64_dtype(series.dtype):
        values = series.to_numpy(dtype="datetime64[ns]" if series.dtype.kind == "M" else "timedelta64[ns]")
        out = values.astype("int64").astype(np.float64)
        out[pd.isna(values)] = np.nan
        return out
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def learn_layout(train: pd.DataFrame, *, max_categories: int | str = MAX_CATEGORIES) -> TableLayout:
    """Read the training rows' columns: numbers, categories (few enough values for ``max_categories``:
    :func:`~skbfn._encoding.roles.holds_categories`) and free text."""
    if max_categories != "auto" and (
        not isinstance(max_categories, int | np.integer) or isinstance(max_categories, bool) or max_categories < 1
    ):
        raise ValueError(f"max_categories must be a positive integer or 'auto', got {max_categories!r}.")
    numeric, categories, free, text_formats, codes, compounds = [], {}, [], {}, {}, {}
    for name in train.columns:
        column = train[name]
        text_format, column_codes = (None, ()) if _is_number(column) else _text_format(column, max_categories)
        if text_format is not None:
            numeric.append(name)
            text_formats[name] = text_format
            if column_codes:
                codes[name] = column_codes
            continue
        if _is_number(column):
            if _is_integer_key(column, max_categories):
                free.append(name)
            else:
                numeric.append(name)
            continue
        observed = column.dropna().astype(object).to_numpy()
        values = pd.unique(observed)
        wide = not holds_categories(len(values), len(observed), max_categories)
        if wide and not (max_categories == "auto" and _pools(column, observed)):
            parts = compound_parts(name, column.to_numpy(dtype=object)) if isinstance(name, str) else []
            numeric += [part.name for part in parts]  # '120/80': its numbers
            text_formats.update((part.name, part) for part in parts)
            compounds.update({name: tuple(part.name for part in parts)} if parts else {})
            free += [] if parts else [name]
        else:
            categories[name] = np.array(sorted(values, key=lambda v: (type(v).__name__, str(v))), dtype=object)
    values = numeric_matrix(train, numeric, text_formats)
    coded = code_matrix(train, numeric, codes) > 0
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-missing columns: their range is set below
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        span = np.where(np.isfinite(high - low) & (high > low), high - low, 1.0)
        median = (np.nanmedian(values, axis=0) - low) / span
    return TableLayout(
        columns=tuple(train.columns),
        numeric=tuple(numeric),
        categories=categories,
        free=tuple(free),
        low=np.nan_to_num(low),
        span=span,
        median=np.nan_to_num(median, nan=0.5),
        with_missing=(np.isnan(values) & ~coded).any(axis=0),
        text_formats=text_formats,
        codes=codes,
        compounds=compounds,
    )


def numeric_matrix(frame: pd.DataFrame, numeric, text_formats: dict | None = None) -> np.ndarray:
    """The numeric columns as a float64 matrix ``[rows, columns]``, missing cells NaN (``text_formats``: the
    columns that hold dates or numbers as text or objects, and how)."""
    if not numeric:
        return np.empty((len(frame), 0))
    text_formats = text_formats or {}
    return np.column_stack([_as_float(frame[_source(name, text_formats)], text_formats.get(name)) for name in numeric])


def _source(name, text_formats: dict):
    """The column of a table that holds the numeric column ``name``: itself, or the compound column of a part."""
    text_format = text_formats.get(name)
    return text_format.column if isinstance(text_format, CompoundPart) else name


def code_matrix(frame: pd.DataFrame, numeric, codes: dict) -> np.ndarray:
    """Which code each cell of the numeric columns holds, ``[rows, columns]`` int64: ``k + 1`` for the column's
    code ``k`` (``codes``: column -> its codes), 0 for a number, a missing cell or any other value."""
    matrix = np.zeros((len(frame), len(numeric)), dtype=np.int64)
    for j, name in enumerate(numeric):
        if name in codes:
            matrix[:, j] = code_cells(frame[name].to_numpy(dtype=object), codes[name]) + 1
    return matrix


def category_codes(frame: pd.DataFrame, layout: TableLayout) -> np.ndarray:
    """Categorical columns as codes ``[rows, columns]``: the training category's index, ``len(categories)`` for
    a value never seen in training ("other"), and ``-1`` for a missing cell."""
    codes = np.empty((len(frame), len(layout.categories)), dtype=np.int64)
    for j, (name, known) in enumerate(layout.categories.items()):
        column = frame[name]
        index = pd.Index(known, dtype=object).get_indexer(column.astype(object).to_numpy())
        index[index < 0] = len(known)
        index[column.isna().to_numpy()] = -1
        codes[:, j] = index
    return codes


def distance_parts(frame: pd.DataFrame, layout: TableLayout) -> tuple[np.ndarray, np.ndarray]:
    """Rows in two parts for the L1 distance: numbers min-max scaled by the training rows (a missing cell or a
    code at the training median), and the discrete part as integer codes: a missing indicator for each column
    with missing training cells, then each category's code (missing and "other" one code each), then each
    column with codes beside its numbers: which code a cell holds (0 for none)."""
    numbers = (numeric_matrix(frame, layout.numeric, layout.text_formats) - layout.low) / layout.span
    held = code_matrix(frame, layout.numeric, layout.codes)
    missing = np.isnan(numbers) & (held == 0)
    numbers = np.where(np.isnan(numbers), layout.median, numbers)
    with_codes = [name in layout.codes for name in layout.numeric]
    parts = [missing[:, layout.with_missing].astype(np.int64), category_codes(frame, layout), held[:, with_codes]]
    return numbers, np.hstack(parts)


def distance_points(parts: tuple[np.ndarray, np.ndarray], layout: TableLayout) -> np.ndarray:
    """:func:`distance_parts` as points for the L1 distance: the indicators as 0/1 and the categories one-hot
    (a category mismatch costs 2, an indicator mismatch 1)."""
    numbers, discrete = parts
    n_indicators, n_categories = int(layout.with_missing.sum()), len(layout.categories)
    points = [numbers, discrete[:, :n_indicators].astype(np.float64)]
    for j, known in enumerate(layout.categories.values()):
        codes = discrete[:, n_indicators + j]
        points.append(np.eye(len(known) + 2)[np.where(codes < 0, len(known) + 1, codes)])
    for j, codes in enumerate(layout.codes.values()):  # a code one-hot: no code, or which (a mismatch costs 2)
        points.append(np.eye(len(codes) + 1)[discrete[:, n_indicators + n_categories + j]])
    return np.hstack(points)


def distance_space(frame: pd.DataFrame, layout: TableLayout) -> np.ndarray:
    """Rows of ``frame`` as points for the L1 distance (free columns left out; see :func:`distance_points`)."""
    return distance_points(distance_parts(frame, layout), layout)


def model_features(frame: pd.DataFrame, layout: TableLayout) -> tuple[np.ndarray, np.ndarray]:
    """Features for a classifier: numbers as they are, categories as codes, missing cells NaN; and which
    columns are categorical (those with few enough codes for a histogram-based tree's categorical splits)."""
    numbers = numeric_matrix(frame, layout.numeric, layout.text_formats)
    codes = category_codes(frame, layout).astype(np.float64)
    codes[codes < 0] = np.nan
    sizes = np.array([len(known) + 1 for known in layout.categories.values()], dtype=np.int64)
    with_codes = [name in layout.codes for name in layout.numeric]
    held = code_matrix(frame, layout.numeric, layout.codes)[:, with_codes].astype(np.float64)  # 0: no code
    categorical = np.concatenate(
        [np.zeros(numbers.shape[1], dtype=bool), sizes <= 255, np.ones(len(layout.codes), bool)]
    )
    return np.hstack([numbers, codes, held]), categorical


def one_openmp_thread():
    """A context in which OpenMP runs one thread: the metrics' gradient-boosted trees then do not compete with
    the second OpenMP runtime that PyTorch loads (measured on 2 cores: 3.8 s against 0.26 s for a two-sample
    test on 300 rows, and the same 0.55 s on 40,000 rows, where trees stop early)."""
    return threadpool_limits(1, user_api="openmp")
