"""How one column of X becomes a :class:`~skbfn._encoding.column.Column`: its kind, range, scaling or categories.

:class:`ColumnFitter` holds the encoder's settings that decide it; the kinds
themselves are described in :mod:`skbfn._encoding.table`.
"""

from __future__ import annotations

import decimal
import numbers
import warnings
from collections.abc import Hashable
from dataclasses import dataclass, replace

import numpy as np

from .cell_codes import coded_number_format, coded_time_format, without_codes
from .column import MAX_BINS, Column, in_steps, shared_decimals
from .durations import duration_format_of
from .key_repeats import KeyRepeats
from .normal_scores import NormalScores, is_skewed
from .rare_levels import MIN_KEPT_ROWS, split_levels
from .roles import (
    FEW_CATEGORIES,
    MOST_CATEGORIES,
    ROWS_PER_CATEGORY,
    are_big_codes,
    are_keys,
    code_role,
    detect_role,
    holds_few_values,
    id_template,
)
from .round_values import round_unit_of
from .text_numbers import NumberFormat, reads_as_codes, without_missing_marker
from .times import (
    YEAR_ALONE,
    compact_date_format,
    is_time_dtype,
    mixed_time_formats,
    object_time_format,
    readable_together,
    time_numbers,
    time_unit_of,
    time_zone_of,
)
from .values import (
    as_float,
    column_values,
    is_categorical_dtype,
    is_missing,
    number_type_of,
    observed_numbers,
    sort_key,
)

__all__ = [
    "HEAP_RATIO",
    "MIN_LEVEL_ROWS",
    "MIN_MASS_SHARE",
    "MIN_MIDDLE_SHARE",
    "SCALED_LIMIT",
    "ColumnFitter",
    "are_gapped_levels",
    "integer_step",
    "is_auto_categorical",
    "middle_share",
    "point_masses_of",
    "shared_decimals",
    "value_step",
    "with_round_unit",
]

# Codes of more than a few values (are_wide_codes) lie more than this many steps apart, the median gap.
CODE_GAP = 10
# Every value of a column of levels (are_gapped_levels) is held by at least this many rows.
MIN_LEVEL_ROWS = 5
# Training data are mapped to [-SCALED_LIMIT, SCALED_LIMIT], inside the flow's
# clipping range [-1, 1]: held-out points a little beyond the training range
# keep a finite, fair likelihood, and samples can reach slightly past it.
SCALED_LIMIT = 0.9
# A real column's minimum or maximum held by at least this share of its observed values is a point mass of its
# own (zero-inflated amounts, capped percentages): a continuous flow spreads such a spike, and samples would hold
# no exact zero. Measurements rarely repeat a value this often, least of all at an end of their range; inside the
# range a value must also stand out from the others (HEAP_RATIO).
MIN_MASS_SHARE = 0.1
# An interior value is a point mass too when it holds at least MIN_MASS_SHARE of the values and this many times
# the share of the column's typical value: a heap (a default amount, a standard fee), not a coarse grid (a length
# read to 0.1 cm, whose values each hold a few percent).
HEAP_RATIO = 20
# An end of the range is a point mass from a smaller share where it stands out from the values next to it: where
# it holds at least MIN_END_SHARE of the values and END_RATIO times the mean share of the END_NEIGHBOURS values
# nearest it, a cap or a floor (scores capped at 100, ages top-coded at 90, a measure at exactly 0), not a grid's
# end (a column of few values, fewer than 2 * END_NEIGHBOURS + 2, has none).
MIN_END_SHARE = 0.05
END_RATIO = 5
END_NEIGHBOURS = 5
# A column whose middle half of values spans less than this share of its range has a tail too heavy for the affine
# map: 5% of the range is 0.09 in the flow's units, about nine sigma_1 at the default 0.01. Measured on log-normal
# amounts (benchmarks/bench_heavy_tails.py --sweep), samples under the affine map came twice as far from held-out
# rows (KS) as under normal scores at 4.4% in two seeds, and from 5.5% up sometimes nearer, sometimes further.
# 'heavy_tails' maps such columns through their normal scores; 'affine' warns about them.
MIN_MIDDLE_SHARE = 0.05


def point_masses_of(numbers: np.ndarray) -> tuple[float, ...]:
    """The values of a column that are point masses, in increasing order.

    Its minimum and maximum where each holds at least
    :data:`MIN_MASS_SHARE` of its values, or at least :data:`MIN_END_SHARE`
    and :data:`END_RATIO` times the mean share of its
    :data:`END_NEIGHBOURS` nearest values (a cap); and any other value that
    holds :data:`MIN_MASS_SHARE` and :data:`HEAP_RATIO` times the median
    share of the values that do not.

    Examples
    --------
    >>> scores = np.minimum(np.round(np.random.default_rng(0).normal(70, 20, 1000)), 100)
    >>> point_masses_of(scores)  # 7% capped at 100, against under 1% at each of 95 to 99
    (100.0,)
    """
    values, counts = np.unique(numbers, return_counts=True)
    shares = counts / numbers.size
    frequent = shares >= MIN_MASS_SHARE
    typical = np.median(shares[~frequent]) if not frequent.all() else np.inf
    heaps = frequent & (shares >= HEAP_RATIO * typical)
    heaps[[0, -1]] = frequent[[0, -1]]
    if len(values) >= 2 * END_NEIGHBOURS + 2:
        for end, neighbours in ((0, shares[1 : 1 + END_NEIGHBOURS]), (-1, shares[-1 - END_NEIGHBOURS : -1])):
            heaps[end] |= shares[end] >= MIN_END_SHARE and shares[end] >= END_RATIO * neighbours.mean()
    return tuple(float(v) for v in values[heaps])


def middle_share(numbers: np.ndarray) -> float:
    """The share of a column's range that the middle half of its values (the interquartile range) spans."""
    low, q1, q3, high = np.percentile(numbers, [0, 25, 75, 100])
    return float((q3 - q1) / (high - low)) if high > low else 1.0


def _warn_of_dates_in_several_formats(name, formats: list[str]) -> None:
    """Warn that a column's dates, written in several formats, come back written in the most common one."""
    warnings.warn(
        f"X column {name!r} holds dates written in {len(formats)} formats ({', '.join(map(repr, formats))}): it is "
        f"modelled as dates, each read in its own format{' (a year alone as its 1 January)' * (YEAR_ALONE in formats)}"
        f", and its samples are written in the most common one, {formats[0]!r}.",
        UserWarning,
        stacklevel=8,  # the caller of BFNGenerator.fit
    )


def _warn_if_mixed_dates(name, dated: np.ndarray) -> bool:
    """Warn, and say so, where a column holds dates written in several formats that cannot be read as one
    column (a time of day beside dates, instants beside wall times): no one format writes its samples back
    (they were taken for keys, or text), so it is not modelled until it is read as datetimes. A few such
    values, each seen often, are codes, and stay categories."""
    formats = mixed_time_formats(dated)
    if formats and not holds_few_values(dated):
        warnings.warn(
            f"X column {name!r} holds dates written in {len(formats)} formats ({', '.join(map(repr, formats))}), "
            "so it is not modelled, and samples hold missing values there. Read it as datetimes first "
            f"(X[{name!r}] = pandas.to_datetime(X[{name!r}], format='mixed')) to model it, or set "
            f"column_roles={{{name!r}: 'drop'}} to silence this.",
            UserWarning,
            stacklevel=8,  # the caller of BFNGenerator.fit
        )
        return True
    return False


def _warn_of_one_way_of_writing(name, observed: np.ndarray, number_format: NumberFormat) -> None:
    """Warn that a column's numbers, written in more than one way, come back written in one of them."""
    strings = np.array(list(dict.fromkeys(without_missing_marker(observed)[0].tolist())), dtype=object)
    written = number_format.format(number_format.parse(strings))
    example = next((f", {a!r} as {b!r}" for a, b in zip(strings, written, strict=True) if a != b), "")
    warnings.warn(
        f"X column {name!r} writes its numbers in more than one way (grouped or not, with trailing zeros or "
        f"not, padded with spaces or not{', at one magnitude or another' if number_format.magnitudes else ''}): "
        f"it is modelled as numbers, and its samples are written the way most of its values are{example}.",
        UserWarning,
        stacklevel=8,  # the caller of BFNGenerator.fit
    )


def _warn_if_unresolved(name, numbers: np.ndarray) -> None:
    """Warn that an affinely scaled column keeps the middle half of its values in a sliver of the flow's range."""
    share = middle_share(numbers)
    if share < MIN_MIDDLE_SHARE:
        warnings.warn(
            f"X column {name!r} holds the middle half of its values in {share:.1%} of its range (a heavy tail): "
            "scaled affinely (continuous_transform='affine'), they sit within about nine sigma_1 of each other, "
            "and its samples and scores lose their shape. continuous_transform='heavy_tails' (the default) or "
            "'auto' maps such columns through their normal scores first.",
            UserWarning,
            stacklevel=9,  # the caller of BFNGenerator.fit
        )


def integer_step(numbers: np.ndarray) -> int | None:
    """The greatest integer of at least 2 that divides every value of an integer column, where the values are
    too many for that to be chance (random integers are all multiples of ``step`` with probability
    ``step ** -n_distinct``; at most 1 in 1000 is asked), else None.

    Examples
    --------
    >>> import numpy as np
    >>> integer_step(np.array([35_000.0, 52_000.0, 120_000.0, 47_000.0]))  # salaries in thousands
    1000
    >>> integer_step(np.array([2.0, 4.0, 6.0])) is None  # three even numbers: could be chance
    True
    """
    distinct = np.unique(numbers)
    if len(distinct) < 2 or np.abs(distinct).max() > 2**53 or np.any(distinct != np.round(distinct)):
        return None
    step = int(np.gcd.reduce(np.abs(distinct).astype(np.int64)))
    return step if step >= 2 and len(distinct) * np.log10(step) >= 3 else None


def value_step(numbers: np.ndarray, dtype=None) -> int | float | None:
    """The step every value of a column is a multiple of, where that is no chance (:func:`integer_step`): an
    integer of at least 2 for integers (thousands), or a decimal step coarser than the values' decimals
    (0.5 for sizes in halves, 0.25 for quarter hours; not 0.1 for values with one decimal: any such value is
    a multiple of 0.1), else None. For a decimal step the evidence is the values that need every decimal
    (a value with fewer is a multiple of the step anyway).

    Examples
    --------
    >>> import numpy as np
    >>> value_step(np.array([8.5, 9.0, 10.5, 7.0, 11.5, 12.0, 9.5, 6.5, 13.0, 10.0]))  # shoe sizes
    0.5
    >>> value_step(np.array([5.1, 4.9, 6.3, 5.8])) is None  # one decimal, nothing coarser
    True
    """
    step = integer_step(numbers)
    if step is not None or np.all(numbers == np.round(numbers)):
        return step
    decimals = shared_decimals(numbers, dtype)
    if decimals is None:
        return None
    units = np.round(numbers * 10**decimals)
    step = integer_step(units)
    # only values that need every decimal say anything of the last one (1.04 is a multiple of 0.002 anyway)
    needing = np.unique(units[units % 10 != 0])
    if step is None or len(needing) * np.log10(step) < 3:
        return None
    return round(step / 10**decimals, decimals)


def with_round_unit(column: Column, numbers: np.ndarray) -> Column:
    """``column`` with the round unit of its observed ``numbers`` off its point masses, where they have one
    (:func:`~skbfn._encoding.round_values.round_unit_of`); the column itself otherwise."""
    if column.kind not in ("continuous", "discretised"):
        return column
    counted = numbers if column.step is None else in_steps(numbers, column.step)
    off_masses = counted[~np.isin(counted, np.asarray(column.point_masses, dtype=np.float64))]
    # a continuous column's round cells are dequantised over their unit: at most a tenth of the range keeps the
    # cells at its ends within the flow's range (half a unit past the training extremes' 0.9 is at most 0.99)
    widest = np.ptp(off_masses) / 10 if column.kind == "continuous" and off_masses.size else np.inf
    unit = round_unit_of(off_masses, column.resolution, column.step or 1, widest)
    return column if unit is None else replace(column, round_unit=unit)


def is_auto_categorical(values: np.ndarray, dtype) -> bool:
    """Whether ``categorical_features='auto'`` makes a column categorical: pandas category, string and bool
    columns, and object columns holding anything but numbers (strings, bytes, booleans, times of day or any
    other Python object)."""
    if not is_categorical_dtype(dtype):
        return False
    if getattr(dtype, "kind", "O") == "O" and str(dtype) == "object":
        # an object column of numbers (missing cells aside) stays numeric; one with any other value is categorical,
        # unless a value cannot be a category (a dict, a list): then reading it as a number says what is wrong
        observed = values[~is_missing(values)].tolist()
        return not all(_is_number(v) for v in observed) and all(isinstance(v, Hashable) for v in observed)
    return True


def are_wide_codes(observed: np.ndarray, dtype, max_bins: int) -> bool:
    """Whether a column's observed values are codes: integers, a few values each seen often
    (:func:`~skbfn._encoding.roles.holds_few_values`), spread over more than ``max_bins`` integers (in multiples
    of their :func:`integer_step`) and mostly far apart, such as industry codes ``541511`` and ``722511``, which
    a dequantised integer column would spread over the integers between them. They are modelled as categories.
    A count whose values run on from 0 beside one outlier is not codes, nor are amounts in steps of 100.
    Up to :data:`~skbfn._encoding.roles.FEW_CATEGORIES` values, each in
    :data:`~skbfn._encoding.roles.ROWS_PER_CATEGORY` rows on average, are codes where they lie more than
    :data:`CODE_GAP` steps apart (the median gap): merchant category codes ``5411``, ``5812``, ``7011``;
    salaries in thousands, a step or two apart, are not.

    Examples
    --------
    >>> codes = np.repeat([541511, 541512, 722511, 445110], 25)
    >>> are_wide_codes(codes, codes.dtype, 64), are_wide_codes(codes % 100, codes.dtype, 64)
    (True, False)
    >>> visits = np.r_[np.repeat([0, 1, 2, 3], 25), 10**6]  # a count and one outlier
    >>> bonus = np.repeat([100, 200, 300, 500], 25)  # amounts in steps of 100: five steps wide
    >>> are_wide_codes(visits, visits.dtype, 64), are_wide_codes(bonus, bonus.dtype, 64)
    (False, False)
    >>> mcc = [4111, 4121, 4812, 5300, 5311, 5411, 5441, 5499, 5541, 5542, 5651, 5691, 5732, 5812, 5814, 5912, 5999]
    >>> merchants = np.repeat(mcc + [7011, 7230, 7832, 7997, 8011, 8062], 10)  # 23 merchant category codes
    >>> salaries = np.repeat((30 + np.cumsum([1, 2] * 12)) * 1000, 10)  # 24 salaries, a thousand or two apart
    >>> are_wide_codes(merchants, merchants.dtype, 64), are_wide_codes(salaries, salaries.dtype, 64)
    (True, False)
    """
    numbers = _few_whole_numbers(observed, dtype, most=FEW_CATEGORIES)
    if numbers is None:
        return False
    distinct = np.unique(numbers)
    units = distinct / (integer_step(distinct) or 1)
    gap = np.median(np.diff(units))
    few = holds_few_values(numbers)
    return bool(units[-1] - units[0] + 1 > max_bins and (gap > 1 if few else gap > CODE_GAP))


def are_gapped_levels(observed: np.ndarray, dtype) -> bool:
    """Whether a column's observed values are levels: integers, a few values each seen often
    (:func:`~skbfn._encoding.roles.holds_few_values`), every one in :data:`MIN_LEVEL_ROWS` rows or more, that
    leave values between them empty in the steps the column would be modelled in (:func:`value_step`), such
    as copays of 0, 10, 20 and 50, where no row pays 30 or 40. A discretised flow orders its bins and would
    draw the empty ones; they are modelled as categories. A count beside a rare outlier is no levels.

    Examples
    --------
    >>> copay = np.repeat([0.0, 10.0, 20.0, 50.0], 25)
    >>> stars = np.repeat([1, 2, 3, 4, 5], 25)
    >>> are_gapped_levels(copay, copay.dtype), are_gapped_levels(stars, stars.dtype)
    (True, False)
    >>> percent = np.repeat([0, 5, 10, 15, 20, 25, 30], 25)  # in steps of 5: every step held
    >>> visits = np.r_[np.repeat([0, 1, 2, 3], 25), 40]  # a count and one outlier
    >>> are_gapped_levels(percent, percent.dtype), are_gapped_levels(visits, visits.dtype)
    (False, False)
    """
    numbers = _few_whole_numbers(observed, dtype)
    if numbers is None:
        return False
    distinct, counts = np.unique(numbers, return_counts=True)
    if counts.min() < MIN_LEVEL_ROWS:
        return False
    units = distinct / (value_step(numbers, dtype) or 1)
    return bool(round(units[-1] - units[0]) + 1 > len(distinct))


def _few_whole_numbers(observed: np.ndarray, dtype, most: int | None = None) -> np.ndarray | None:
    """A column's observed values as float64 where they are a few whole numbers, each seen often
    (:func:`~skbfn._encoding.roles.holds_few_values`, or, given ``most``, at most that many values, each in
    :data:`~skbfn._encoding.roles.ROWS_PER_CATEGORY` rows on average); else None."""
    kind = getattr(dtype, "kind", "O")
    if kind not in "iufO" or (kind == "O" and not all(_is_number(v) for v in observed.tolist())):
        return None
    numbers = np.asarray(observed.tolist() if kind == "O" else observed, dtype=np.float64)
    distinct = np.unique(numbers)
    recurring = most is not None and len(distinct) <= most and len(numbers) >= ROWS_PER_CATEGORY * len(distinct)
    if not (recurring or holds_few_values(numbers)):
        return None
    if not np.all(np.isfinite(distinct)) or np.any(distinct != np.round(distinct)):
        return None
    return numbers


def _is_number(value) -> bool:
    """A real number of Python, NumPy or the decimal module (not a bool, not complex)."""
    return isinstance(value, numbers.Real | decimal.Decimal) and not isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class ColumnFitter:
    """Fits the record of one column of X (see :class:`~skbfn._encoding.table.TableEncoder`'s parameters).

    Parameters
    ----------
    max_bins : int
        The most bins a column detected as discretised may have.
    max_categories : int or 'auto'
        The most distinct strings a column may have to be detected as categorical
        (:func:`~skbfn._encoding.roles.holds_categories`).
    continuous_transform : {'heavy_tails', 'auto', 'quantile', 'affine'}
        How continuous columns enter the flow's range.
    shared_range : bool
        Whether all columns share one kind and range (image pixels).
    gapped_levels : bool, default=False
        Whether whole numbers that leave steps empty between them are categories (:func:`are_gapped_levels`):
        for DataFrames, whose columns come back each in its dtype; a NumPy array's samples stay one numeric
        array.
    """

    max_bins: int
    max_categories: int | str
    continuous_transform: str
    shared_range: bool
    gapped_levels: bool = False

    def column(
        self,
        name,
        values: np.ndarray,
        dtype,
        role: str,
        *,
        categorical: bool | None,
        discretised: bool | None,
        quantities: bool = False,
    ) -> Column:
        """One column's record, by its role (given, or detected for 'auto').

        ``categorical`` and ``discretised`` say whether
        ``categorical_features`` and ``discretised_features`` select the
        column (None where the parameter is 'auto'); a selected column's
        role is not detected. ``quantities``: numbers held as text are
        quantities, never codes (the parts of a compound cell: the 80 of
        ``'120/80'``).
        """
        chosen = bool(categorical) or bool(discretised)
        observed = values[~is_missing(values)]
        if len(observed) == 0:
            if role in ("auto", "drop", "id"):
                return Column(name, "empty", dtype)
            raise ValueError(f"X column {name!r} is missing in every row: there is nothing to learn from it.")
        time_format = number_format = marker = None
        read_formats: tuple[str, ...] = ()
        codes: tuple[str, ...] = ()  # a few strings of their own beside numbers or dates held as text
        if role in ("auto", "continuous", "discretised") and not chosen:
            dated, marker = without_missing_marker(observed)  # '?' beside dates, as a CSV marks a missing one
            time_format = object_time_format(dated, dtype)  # dates held as strings or date objects
            if time_format is None:  # dates held as numbers: 20151231, or months: 201512
                time_format = compact_date_format(observed, dtype)
            if time_format is None:
                time_format, codes = coded_time_format(dated, dtype)  # 'present' beside the dates a job ended
                dated = without_codes(dated, codes)
            if time_format is None:
                formats = mixed_time_formats(dated)  # '2024-03-01' beside '01/03/2024' (strings only)
                if readable_together(formats) and not (role == "auto" and holds_few_values(dated)):
                    time_format, read_formats = formats[0], tuple(formats[1:])
                    _warn_of_dates_in_several_formats(name, formats)
            if role == "auto" and time_format not in (None, "date", "datetime") and holds_few_values(dated):
                time_format, codes = None, ()  # a few date strings, each seen often, are categories, as before
            marker = None if time_format is None else marker
            if time_format is None:
                # '$1,234.50', '12.5%', '3,000', maybe beside '<0.5'
                number_format, exact, codes = coded_number_format(observed, dtype)
                if number_format is None:  # durations in clock fields ('0:03:25'), with units ('2h 50m') or days
                    number_format, exact = duration_format_of(observed), True
                written = without_codes(observed, codes)
                few = number_format is not None and reads_as_codes(written, number_format, self.max_categories)
                if role == "auto" and few and not quantities:  # a compound cell's part is a quantity
                    number_format, codes = None, ()  # categories, as before
                if number_format is not None and not exact:
                    _warn_of_one_way_of_writing(name, written, number_format)
        if role == "auto" and number_format is not None and are_keys(number_format.parse(values), name):
            role = "id"  # as an integer column of keys is
        if role == "auto" and time_format is None and number_format is None and not chosen:
            role = "drop" if _warn_if_mixed_dates(name, dated) else role
            role = detect_role(name, observed, len(values), dtype, self.max_categories) if role == "auto" else role
            role = role or "auto"
            if role == "auto" and are_wide_codes(observed, dtype, self.max_bins):
                role = "categorical"  # industry codes 541511, 722511: integers between them mean nothing
            if role == "auto" and are_big_codes(observed, dtype, self.max_categories):
                role = "categorical"  # 64-bit user ids beyond 2**53: a float64 holds none of them exactly
            if role == "auto":  # zip codes held as integers: 98001 to 98199, of which 70 exist
                role = code_role(name, observed, dtype, self.max_categories) or role
            if role == "auto" and self.gapped_levels and are_gapped_levels(observed, dtype):
                role = "categorical"  # copays of 0, 10, 20, 50: no row pays 30 or 40
        if role == "drop":
            return Column(name, "dropped", dtype)
        if role == "id":
            template, repeats = id_template(name, observed, dtype), KeyRepeats.of(observed)
            return Column(name, "id", dtype, id_template=template, key_repeats=repeats)
        if role in ("categorical", "pooled") or (
            role == "auto"
            and time_format is None
            and number_format is None
            and (categorical if categorical is not None else is_auto_categorical(values, dtype))
        ):
            return self.categorical_column(name, values, dtype, pooled=role == "pooled")
        wants_bins = {"discretised": True, "continuous": False}.get(role)
        if wants_bins is None and discretised is not None:
            wants_bins = discretised
        if is_time_dtype(dtype) or time_format is not None:
            unit, offset = time_unit_of(values, dtype, time_format, read_formats)  # readings at 09:00 each day
            numbers = observed_numbers(time_numbers(values, dtype, unit, time_format, read_formats, offset), name)
            if numbers.min() == numbers.max() and codes:  # one date beside codes: categories
                return self.categorical_column(name, values, dtype)
            if numbers.min() == numbers.max():
                value = np.array([dated[0] if time_format is not None else observed[0]], dtype=object)
                return Column(name, "constant", dtype, n_bins=1, categories=value, missing_marker=marker)
            column = self.numeric_column(name, numbers, dtype, wants_bins)
            zone = time_zone_of(values, dtype)
            return replace(
                column,
                time_unit=unit,
                time_zone=zone,
                time_format=time_format,
                missing_marker=marker,
                read_formats=read_formats,
                time_offset=offset,
                codes=codes,
            )
        if number_format is not None:
            numbers = observed_numbers(number_format.parse(values), name)
            if numbers.min() == numbers.max():  # one number: a constant, or beside a marker or codes, categories
                if number_format.missing is not None or codes:
                    return self.categorical_column(name, values, dtype)
                return Column(name, "constant", dtype, n_bins=1, categories=np.array([observed[0]], dtype=object))
            column = self.numeric_column(name, numbers, dtype, wants_bins)
            return replace(with_round_unit(column, numbers), number_format=number_format, codes=codes)
        numbers = observed_numbers(as_float(values, name), name)
        column = with_round_unit(self.numeric_column(name, numbers, dtype, wants_bins), numbers)
        number_type = number_type_of(observed, dtype)  # Python ints or Decimals in an object column: kept
        if number_type is not None and column.kind in ("continuous", "discretised"):
            column = replace(column, number_type=number_type)
        return column

    def shared(self, X, column_names, dtypes, categorical, discretised) -> list[Column]:
        """One kind, range and scaling, fitted to all values of X, for every column."""
        n_columns = X.shape[1]
        values = [column_values(X, j) for j in range(n_columns)]
        if categorical is None:
            categorical = np.array([is_auto_categorical(v, d) for v, d in zip(values, dtypes, strict=True)])
        if np.any(categorical):
            raise ValueError(
                "Image pixels must be numbers, but columns "
                f"{[column_names[j] for j in np.flatnonzero(categorical)][:10]} are categorical."
            )
        if discretised is not None and 0 < discretised.sum() < n_columns:
            raise ValueError("Image pixels share one data type: discretised_features must select all columns or none.")
        wants_bins = None if discretised is None else bool(discretised.all())
        numbers = observed_numbers(
            np.concatenate([as_float(v, name) for v, name in zip(values, column_names, strict=True)]), "(all pixels)"
        )
        shared = self.numeric_column("(all pixels)", numbers, None, wants_bins)
        return [replace(shared, name=name, dtype=dtype) for name, dtype in zip(column_names, dtypes, strict=True)]

    def quietly(self, name, values: np.ndarray, dtype, quantities: bool = False) -> Column:
        """The record :meth:`column` fits to a column of role 'auto', without its warnings (a trial fit)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.column(name, values, dtype, "auto", categorical=None, discretised=None, quantities=quantities)

    # Categories are coded with a dict over the sorted categories, not sklearn's OrdinalEncoder: that
    # refuses object columns mixing strings and numbers ("uniformly strings or numbers"), which pandas
    # object columns and DataFrames read from files hold, and it would need NaN handled apart anyway.
    def categorical_column(self, name, values: np.ndarray, dtype, pooled: bool = False) -> Column:
        """A column of categories (the sorted distinct observed values), or a constant one; ``pooled``: the
        frequent values, then a pool of the rare ones (:func:`~skbfn._encoding.rare_levels.split_levels`)."""
        values = values[~is_missing(values)]
        if len(values) == 0:
            raise ValueError(f"X column {name!r} is missing in every row: there is nothing to learn from it.")
        if pooled:
            categories, pool = split_levels(values, MOST_CATEGORIES, MIN_KEPT_ROWS)
            return Column(name, "categorical", dtype, n_bins=len(categories), categories=categories, rare_levels=pool)
        try:
            categories = np.array(sorted(set(values.tolist()), key=sort_key), dtype=object)
        except TypeError as exc:
            raise TypeError(f"Categorical column {name!r} holds unhashable values: {exc}") from exc
        kind = "constant" if len(categories) == 1 else "categorical"
        return Column(name, kind, dtype, n_bins=len(categories), categories=categories)

    def numeric_column(self, name, numbers: np.ndarray, dtype, wants_bins: bool | None) -> Column:
        """A column of numbers (its observed values): discretised, continuous (affine, normal scores or
        dequantised) or constant; ``wants_bins`` True or False forces discretised or not.

        A continuous column whose minimum or maximum holds at least
        :data:`MIN_MASS_SHARE` of its values (the zeros of an amount, a cap),
        or another value that heaps up as much (:func:`point_masses_of`),
        keeps those values as point masses, and its range, scaling and
        lattice are fitted to the other values.
        """
        step = None if self.shared_range else value_step(numbers, dtype)
        if step is not None:  # modelled in multiples of the step, so that samples are multiples of it
            return replace(self.numeric_column(name, in_steps(numbers, step), dtype, wants_bins), step=step)
        column = self._numeric_column(name, numbers, dtype, wants_bins)
        if column.kind != "continuous" or self.shared_range:
            return column
        masses = point_masses_of(numbers)
        rest = numbers[~np.isin(numbers, masses)]
        if masses and len(np.unique(rest)) >= 2:
            column = replace(self._numeric_column(name, rest, dtype, wants_bins=False), point_masses=masses)
            numbers = rest
        if self.continuous_transform == "affine" and column.normal_scores is None:
            _warn_if_unresolved(name, numbers)
        return column

    def _numeric_column(self, name, numbers: np.ndarray, dtype, wants_bins: bool | None) -> Column:
        low, high = float(numbers.min()), float(numbers.max())
        half_range = high / 2 - low / 2  # finite even when high - low would overflow
        integral = bool(np.all(numbers == np.round(numbers)))
        span = round(2 * half_range) + 1 if integral and 2 * half_range < MAX_BINS else None
        if wants_bins:
            if not integral:
                raise ValueError(f"Discretised column {name!r} must hold integer values.")
            if span is None or span > MAX_BINS:
                raise ValueError(f"Discretised column {name!r} spans more than {MAX_BINS} integers.")
            if span < 2:
                raise ValueError(f"Discretised column {name!r} needs at least two distinct values.")
            return Column(name, "discretised", dtype, offset=low, n_bins=span)
        if wants_bins is None and span is not None and 2 <= span <= self.max_bins:
            return Column(name, "discretised", dtype, offset=low, n_bins=span)
        if half_range == 0 and not self.shared_range:  # a point mass: probability 1 at its value
            return Column(
                name,
                "constant",
                np.dtype(np.float64) if dtype is None else dtype,
                n_bins=1,
                categories=np.array([low], dtype=object),
            )
        if integral and np.isfinite(half_range + 0.5):
            return self._lattice_column(name, numbers, dtype, low, high)
        if half_range > 0 and not self.shared_range and self._wants_normal_scores(numbers):
            normal_scores = NormalScores.fit(numbers)
            scores = normal_scores.transform(numbers)
            low_score, high_score = float(scores.min()), float(scores.max())
            return self._real_column(
                name,
                numbers,
                dtype,
                offset=high_score / 2 + low_score / 2,
                scale=2 * SCALED_LIMIT / (high_score - low_score),
                normal_scores=normal_scores,
            )
        scale = SCALED_LIMIT / half_range if half_range > 0 else 1.0
        if not np.isfinite(scale):
            raise ValueError(
                f"X column {name!r} varies over a range too small to scale ({2 * half_range:.3g}); "
                "rescale it or drop it."
            )
        return self._real_column(name, numbers, dtype, offset=high / 2 + low / 2, scale=scale)

    def _lattice_column(self, name, numbers: np.ndarray, dtype, low: float, high: float) -> Column:
        """An integer column too wide for bins, dequantised: the range holds the image of every cell
        ``[k - 1/2, k + 1/2]`` from ``low`` to ``high``, under an affine map or, where the column asks for them,
        its normal scores (a heavy-tailed count)."""
        if not self.shared_range and self._wants_normal_scores(numbers):
            normal_scores = NormalScores.fit(numbers)
            low_score, high_score = (float(s) for s in normal_scores.transform(np.array([low - 0.5, high + 0.5])))
            offset, scale = high_score / 2 + low_score / 2, 2 * SCALED_LIMIT / (high_score - low_score)
            return Column(
                name, "continuous", dtype, offset=offset, scale=scale, normal_scores=normal_scores, lattice=True
            )
        scale = SCALED_LIMIT / (high / 2 - low / 2 + 0.5)
        return Column(name, "continuous", dtype, offset=high / 2 + low / 2, scale=scale, lattice=True)

    def _real_column(self, name, numbers: np.ndarray, dtype, **record) -> Column:
        """A continuous column off the integer lattice, with the decimals its values share (unless pixels)."""
        decimals = None if self.shared_range else shared_decimals(numbers, dtype)
        return Column(name, "continuous", dtype, decimals=decimals, **record)

    def _wants_normal_scores(self, numbers: np.ndarray) -> bool:
        if self.continuous_transform == "heavy_tails":
            return middle_share(numbers) < MIN_MIDDLE_SHARE
        if self.continuous_transform == "auto":
            return is_skewed(numbers)
        return self.continuous_transform == "quantile"
