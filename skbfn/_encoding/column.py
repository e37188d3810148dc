"""What the table encoder knows about one column: its kind and how its values enter the model."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .._json import dtype_from_json, dtype_to_json, is_finite_number, is_int, plain
from .cell_codes import are_codes, code_cells
from .day_durations import DayDurationFormat
from .elapsed import ElapsedFormat
from .key_repeats import KeyRepeats
from .normal_scores import NormalScores
from .rare_levels import RareLevels, pool_as_missing
from .roles import fresh_ids, label_from_json, valid_id_template
from .round_values import is_multiple
from .text_numbers import MISSING_MARKERS, NumberFormat, is_missing_marker
from .times import (
    COMPACT_FORMATS,
    OBJECT_TIMES,
    TIME_UNITS,
    TIMES_OF_DAY,
    is_time_format,
    readable_together,
    time_numbers,
    time_values,
)
from .unit_durations import UnitDurationFormat
from .values import NUMBER_TYPES, as_float, as_number_type, is_missing

__all__ = [
    "KINDS",
    "MAX_BINS",
    "MAX_DECIMALS",
    "MODELLED_KINDS",
    "Column",
    "check_bins",
    "from_steps",
    "in_steps",
    "output_dtype",
    "shared_decimals",
    "without_mass",
]

MODELLED_KINDS = ("continuous", "discretised", "categorical")
# constant: one value, repeated; id: fresh keys; dropped: not modelled, missing in samples; empty: missing in fit.
KINDS = (*MODELLED_KINDS, "constant", "id", "dropped", "empty")
# The most bins (integers or categories) a column may have.
MAX_BINS = 100_000
# The most decimals a real column's values may share for its samples to be rounded to them.
MAX_DECIMALS = 6

# How each kind of duration held as text is read from a file ('elapsed' and any other kind: ElapsedFormat's check).
_DURATION_FORMATS = {"unit_durations": UnitDurationFormat, "day_durations": DayDurationFormat}


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
    # continuous: integer data, dequantised (trained and scored on a uniform draw over the image of [k - 1/2, k + 1/2])
    lattice: bool = False
    time_unit: str | None = None  # datetime and timedelta columns: the unit their numbers count ('D' or 's')
    time_zone: str | None = None  # datetime columns with a time zone: its name
    id_template: dict | None = None  # id columns: how fresh keys are made (skbfn._encoding.roles.fresh_ids)
    # times held as objects: 'date', 'datetime' or the strftime format of strings (skbfn._encoding.times)
    time_format: str | None = None
    # continuous: values that hold a share of the cells of their own (the zeros of an amount, a cap, a heap inside
    # the range), in the column's numbers; modelled by an indicator each, the rest of the column by the flow
    point_masses: tuple = ()
    # continuous, off the integer lattice: the decimals every training value had (cents: 2); samples are rounded
    decimals: int | None = None
    # numbers held as text ('$1,234.50', '12.5%'): how they are written (skbfn._encoding.text_numbers), or
    # durations in clock fields ('0:03:25': skbfn._encoding.elapsed)
    number_format: NumberFormat | ElapsedFormat | UnitDurationFormat | DayDurationFormat | None = None
    # times held as objects, and constant columns: the string that marks a missing cell ('?', ''), written back
    missing_marker: str | None = None
    # columns whose values are all multiples of one step (amounts in thousands, limits in 10,000s, sizes in halves):
    # that step; the column's numbers count it, so samples are multiples of it (skbfn._encoding.column_fit.value_step)
    step: int | float | None = None
    # times held as strings in several formats ('2024-03-01' beside '01/03/2024'): the formats other than
    # time_format (which samples are written in) that its strings are also read in (skbfn._encoding.times)
    read_formats: tuple = ()
    # datetime columns whose wall times all lie one offset past whole units (readings at 09:00 every day): that
    # offset, in seconds; the column's numbers count whole units past it (skbfn._encoding.times.time_unit_of)
    time_offset: float = 0.0
    # object columns of numbers whose values were all Python ints or all Decimals: that type, which samples are
    # given back in (None where missing); None: floats (skbfn._encoding.values.number_type_of)
    number_type: str | None = None
    # continuous and discretised columns whose values are mostly multiples of a coarser unit than their own (whole
    # ages beside ages in months, incomes rounded to the thousand): that unit, in the column's numbers; an indicator
    # says which cells are multiples of it (skbfn._encoding.round_values)
    round_unit: float | None = None
    # numbers or dates held as text: a few strings of their own beside them ('<0.5', 'present'), each with an
    # indicator (skbfn._encoding.cell_codes)
    codes: tuple = ()
    # categorical: the levels pooled into its last category, drawn by their shares (skbfn._encoding.rare_levels)
    rare_levels: RareLevels | None = None
    # id columns whose training keys repeat: how many keys held each count of rows (skbfn._encoding.key_repeats)
    key_repeats: KeyRepeats | None = None

    def category_codes(self, values: np.ndarray) -> np.ndarray:
        """Each value's index among the categories, NaN where missing, -1 for a category not seen in fit."""
        missing = self.missing_cells(values)
        lookup = {v: k for k, v in enumerate(self.categories.tolist())}
        if self.rare_levels is not None:  # every pooled level is the pool, the last category
            lookup.update(dict.fromkeys(self.rare_levels.values, len(self.categories) - 1))
        try:
            codes = [lookup.get(v, -1) for v in values.tolist()]
        except TypeError as exc:
            raise TypeError(f"Column {self.name!r} holds unhashable values: {exc}") from exc
        return np.where(missing, np.nan, np.asarray(codes, dtype=np.float64))

    def labels(self, values: np.ndarray) -> np.ndarray:
        """A categorical or discretised column's values as numbers, as relations between columns read them:
        category indices (-1 for a category not seen in fit), or its numbers; NaN where missing, or in the pool of
        rare levels, whose level relations do not see."""
        if self.kind == "categorical":
            return pool_as_missing(self, self.category_codes(values))
        return self.numbers(values, as_float)

    def code_cells(self, values: np.ndarray) -> np.ndarray:
        """Which of :attr:`codes` each of the column's values holds (its index), -1 for a value or a missing cell."""
        if not self.codes:
            return np.full(len(values), -1, dtype=np.int64)
        return code_cells(values, self.codes)

    def at_point_mass(self, numbers: np.ndarray) -> np.ndarray:
        """Which of the column's numbers sit on one of its point masses (False where missing)."""
        return np.isin(numbers, np.asarray(self.point_masses, dtype=np.float64))

    def off_point_masses(self, numbers: np.ndarray) -> np.ndarray:
        """The numbers with NaN on the point masses (their indicators hold them); the same array without masses."""
        return np.where(self.at_point_mass(numbers), np.nan, numbers) if self.point_masses else numbers

    @property
    def resolution(self) -> float:
        """The grid a numeric column's numbers lie on: 1 for integers (and counts of a step), ``10**-decimals``
        for values with shared decimals, 0 for others."""
        if self.kind == "discretised" or self.lattice or self.step is not None:
            return 1.0
        return 0.0 if self.decimals is None else 10.0**-self.decimals

    def round_cells(self, numbers: np.ndarray) -> np.ndarray:
        """Which of the column's numbers are multiples of its round unit (False where missing, or without one)."""
        if self.round_unit is None:
            return np.zeros(np.shape(numbers), dtype=bool)
        return is_multiple(numbers, self.round_unit)

    def missing_cells(self, values: np.ndarray) -> np.ndarray:
        """Which of the column's values are missing: None, NaN, ``pd.NA``, and in a column that marks its missing
        cells with a string (``'?'``), every such string (``'?'``, ``'n/a'``, ``''``: :data:`MISSING_MARKERS`)."""
        missing = is_missing(values)
        if self.missing_value is not None:
            missing |= np.array([is_missing_marker(v) for v in values.tolist()], dtype=bool)
        return missing

    @property
    def is_modelled(self) -> bool:
        """Whether the column is one of the model's columns."""
        return self.kind in MODELLED_KINDS

    def numbers(self, values: np.ndarray, as_float) -> np.ndarray:
        """A numeric column's values as float64, NaN where missing (``as_float`` reads plain numbers), in
        multiples of its ``step`` where it has one."""
        numbers = self._raw_numbers(values, as_float)
        return numbers if self.step is None else in_steps(numbers, self.step)

    def _raw_numbers(self, values: np.ndarray, as_float) -> np.ndarray:
        if self.number_format is not None:
            numbers = self.number_format.parse(values)  # NaN where missing, or on a code
            unread = np.isnan(numbers) & ~self.missing_cells(values) & (self.code_cells(values) < 0)
            if unread.any():
                codes = f" nor one of its codes {list(self.codes)}" if self.codes else ""
                raise ValueError(
                    f"X column {self.name!r} holds {values[unread][0]!r}, which is not a number written as "
                    f"{self.number_format.format(np.array([1234.5]))[0]!r} is{codes}."
                )
            return numbers
        if self.time_unit is None:
            return as_float(values, self.name)
        numbers = time_numbers(
            values, self.dtype, self.time_unit, self.time_format, self.read_formats, self.time_offset
        )
        unread = np.isnan(numbers) & ~self.missing_cells(values) & (self.code_cells(values) < 0)
        if unread.any():
            shown = _time_shown(self.time_format, self.read_formats)
            codes = f" nor one of its codes {list(self.codes)}" if self.codes else ""
            raise ValueError(f"X column {self.name!r} holds {values[unread][0]!r}, which is not {shown}{codes}.")
        return numbers

    def values(self, numbers: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`numbers` for decoded numbers (times rounded to their unit, text in its format)."""
        if self.step is not None:
            numbers = from_steps(numbers, self.step)
        if self.number_format is not None:
            return self.number_format.format(numbers)
        if self.time_unit is not None:
            values = time_values(
                numbers, self.dtype, self.time_unit, self.time_zone, self.time_format, self.time_offset
            )
            if self.missing_marker is not None:
                values[np.isnan(numbers)] = self.missing_marker
            if self.holds_compact_dates:  # '20151231' back to the number 20151231
                values = np.array([np.nan if v is None else float(v) for v in values.tolist()])
            return values
        if self.number_type is not None:
            return as_number_type(numbers, self.number_type, self.decimals)
        return numbers

    @property
    def holds_compact_dates(self) -> bool:
        """Dates held as numbers ``YYYYMMDD``, or months as numbers ``YYYYMM``
        (:data:`~skbfn._encoding.times.COMPACT_FORMATS`)."""
        return self.time_format in COMPACT_FORMATS and getattr(self.dtype, "kind", "O") in "iuf"

    def unmodelled_values(
        self, n_rows: int, missing: np.ndarray | None = None, groups: np.ndarray | None = None
    ) -> np.ndarray:
        """What samples hold in a column that is not modelled: its value (missing where ``missing``, drawn by a
        constant or id column's missingness indicator), fresh keys (one a row, or one for each of ``groups``,
        which says which key each row holds, -1 for none: :mod:`~skbfn._encoding.key_repeats`), or missing
        values."""
        if self.kind == "constant":
            values = np.full(n_rows, self.categories[0], dtype=object if self.holds_categories else float)
            if missing is not None:
                values[missing] = self.missing_value if self.holds_categories else np.nan
            return values
        if self.kind == "id":
            groups = np.arange(n_rows) if groups is None else groups
            if missing is not None:
                groups = np.where(missing, -1, groups)
            keys = fresh_ids(self.id_template, int(groups.max(initial=-1)) + 1, salt=str(self.name))
            if (groups >= 0).all():
                return keys[groups]
            values = np.full(n_rows, None, dtype=object)
            values[groups >= 0] = keys[groups[groups >= 0]]
            return values
        return np.full(n_rows, None if getattr(self.dtype, "kind", "O") in "OSU" else np.nan, dtype=object)

    @property
    def has_indicator(self) -> bool:
        """Whether missing cells of the column can have a missingness indicator: modelled and constant columns,
        and columns of keys (guests' orders without a customer id), but for those that follow another's rows,
        whose missing cells are its (:mod:`~skbfn._encoding.key_repeats`)."""
        follows = self.key_repeats is not None and self.key_repeats.rows_of is not None
        return self.is_modelled or self.kind == "constant" or (self.kind == "id" and not follows)

    @property
    def missing_value(self):
        """What a missing cell holds in samples of a column of objects: its marker (``'?'``), else None."""
        return self.missing_marker if self.number_format is None else self.number_format.missing

    @property
    def is_numeric_constant(self) -> bool:
        """A constant column holding a number (a point mass), rather than a category."""
        return self.kind == "constant" and getattr(self.dtype, "kind", "O") in "iuf"

    @property
    def holds_categories(self) -> bool:
        """Values are not plain numbers (decoded as objects): categories, string keys, missing strings, times held
        as strings or objects."""
        if self.kind == "id":
            return self.id_template["kind"] != "integer"
        if self.kind in ("dropped", "empty"):
            return getattr(self.dtype, "kind", "O") not in "iuf"
        if self.time_format is not None or self.number_format is not None:  # dates or numbers held as text
            return not self.holds_compact_dates
        return self.kind == "categorical" or (self.kind == "constant" and not self.is_numeric_constant)

    def to_flow_range(self, numbers: np.ndarray) -> np.ndarray:
        """A continuous column's values in the flow's units (no overflow for huge values).

        An integer (``lattice``) column's value ``k`` goes to the centre of the
        image of its cell ``[k - 1/2, k + 1/2]``, and a multiple ``k`` of a round
        unit ``u`` to that of ``[k - u/2, k + u/2]``: under an affine map, the
        image of ``k`` itself.
        """
        if self.normal_scores is not None and (self.lattice or self.round_unit is not None):
            numbers = np.asarray(numbers, dtype=np.float64)
            half = np.where(self.round_cells(numbers), self.round_unit or 0.0, 1.0 if self.lattice else 0.0) / 2
            scores, cells = self.normal_scores.transform, half > 0  # cells: the centre of their image
            numbers = numbers.copy()
            numbers[cells] = scores(numbers[cells] - half[cells]) / 2 + scores(numbers[cells] + half[cells]) / 2
            numbers[~cells] = scores(numbers[~cells])
        elif self.normal_scores is not None:
            numbers = self.normal_scores.transform(numbers)
        return numbers * self.scale - self.offset * self.scale

    def from_flow_range(self, z: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_flow_range`."""
        with np.errstate(over="ignore"):  # samples near the edge of the dtype's range stay finite
            values = z / self.scale + self.offset
        return values if self.normal_scores is None else self.normal_scores.inverse_transform(values)

    def log_jacobian(self, numbers: np.ndarray) -> np.ndarray:
        """``ln |dz/dx|`` of :meth:`to_flow_range` at each value (NaN stays NaN).

        For an integer (``lattice``) column, the log of its cell's width in the
        flow's units (:meth:`cell_widths`): a density over the cell's image,
        times that width, is the probability of the integer, as a density per
        unit of the column is. Likewise for a multiple of a round unit, with
        the unit's cell (:mod:`~skbfn._encoding.round_values`).
        """
        numbers = np.asarray(numbers, dtype=np.float64)
        if self.lattice:
            log_jacobian = np.log(self.cell_widths(numbers))
        else:
            log_jacobian = np.where(np.isnan(numbers), np.nan, np.log(self.scale))
            if self.normal_scores is not None:
                log_jacobian = log_jacobian + self.normal_scores.log_derivative(numbers)
        if self.round_unit is None:
            return log_jacobian
        with np.errstate(divide="ignore"):
            round_cells = np.log(self.cell_widths(numbers, self.round_unit))
        return np.where(self.round_cells(numbers), round_cells, log_jacobian)

    def cell_widths(self, numbers: np.ndarray, unit: float = 1.0) -> np.ndarray:
        """Width in the flow's units of the image of each value's cell ``[k - u/2, k + u/2]`` (NaN stays NaN).

        An integer (``lattice``) column is trained and scored on draws
        uniform over the images of its integers' cells (``unit=1``), and a
        column with a round unit on those of its round values' cells: under
        an affine map all as wide, ``unit * scale``; under normal scores,
        wide where the column's values are dense and narrow in its tail.
        """
        numbers = np.asarray(numbers, dtype=np.float64)
        if self.normal_scores is None:
            return np.where(np.isnan(numbers), np.nan, self.scale * unit)
        scores = self.normal_scores.transform
        with np.errstate(over="ignore"):
            return (scores(numbers + unit / 2) - scores(numbers - unit / 2)) * self.scale

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
            **({"time_unit": self.time_unit, "time_zone": self.time_zone} if self.time_unit else {}),
            **({"id_template": plain(self.id_template)} if self.id_template is not None else {}),
            **({"time_format": self.time_format} if self.time_format is not None else {}),
            **({"point_masses": list(self.point_masses)} if self.point_masses else {}),
            **({"decimals": self.decimals} if self.decimals is not None else {}),
            **({"number_format": self.number_format.to_dict()} if self.number_format is not None else {}),
            **({"missing_marker": self.missing_marker} if self.missing_marker is not None else {}),
            **({"step": self.step} if self.step is not None else {}),
            **({"read_formats": list(self.read_formats)} if self.read_formats else {}),
            **({"time_offset": self.time_offset} if self.time_offset else {}),
            **({"number_type": self.number_type} if self.number_type is not None else {}),
            **({"round_unit": self.round_unit} if self.round_unit is not None else {}),
            **({"codes": list(self.codes)} if self.codes else {}),
            **({"rare_levels": self.rare_levels.to_json()} if self.rare_levels is not None else {}),
            **({"key_repeats": self.key_repeats.to_json()} if self.key_repeats is not None else {}),
        }

    @classmethod
    def from_dict(cls, doc: dict) -> Column:
        """A column written by :meth:`to_dict`, checked.

        A known kind, a finite offset and positive scale, bins matching the
        categories, distinct categories, normal scores on continuous columns
        only; ValueError names what is wrong.
        """
        known = {"name", "kind", "dtype", "offset", "scale", "n_bins", "categories", "normal_scores", "lattice"}
        known |= {"time_unit", "time_zone", "id_template", "time_format", "point_masses", "decimals", "number_format"}
        known |= {"missing_marker", "step", "read_formats", "time_offset", "number_type", "round_unit", "codes"}
        known |= {"rare_levels", "key_repeats"}
        if set(doc) - known:
            raise ValueError(f"unknown column entries {sorted(set(doc) - known)}")
        name, kind, offset, scale = label_from_json(doc["name"]), doc["kind"], doc["offset"], doc["scale"]
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
        if categories and kind not in ("categorical", "constant"):
            raise ValueError(f"column {name!r} is {kind} but lists categories")
        scores = doc.get("normal_scores")
        normal_scores = None if scores is None else NormalScores(np.array(scores["x"]), np.array(scores["z"]))
        if normal_scores is not None and kind != "continuous":
            raise ValueError(f"column {name!r} is {kind} but has normal scores")
        lattice = doc.get("lattice", False)  # absent in files of releases before dequantised integer columns
        if not isinstance(lattice, bool) or (lattice and kind != "continuous"):
            raise ValueError(f"column {name!r} has an invalid lattice flag {lattice!r}")
        time_unit, time_zone, template = doc.get("time_unit"), doc.get("time_zone"), doc.get("id_template")
        if time_unit is not None and (time_unit not in TIME_UNITS or kind not in ("continuous", "discretised")):
            raise ValueError(f"column {name!r} has an invalid time unit {time_unit!r}")
        if time_unit == "M" and getattr(dtype_from_json(doc["dtype"]), "kind", None) == "m":
            raise ValueError(f"column {name!r} counts durations in calendar months")
        if time_zone is not None and (time_unit is None or not isinstance(time_zone, str)):
            raise ValueError(f"column {name!r} has an invalid time zone {time_zone!r}")
        time_format = doc.get("time_format")  # absent in files before times held as objects were read
        if time_format is not None and (time_unit is None or time_zone is not None or not is_time_format(time_format)):
            raise ValueError(f"column {name!r} has an invalid time format {time_format!r}")
        read_formats = doc.get("read_formats", [])  # absent in files before dates in several formats were read
        if read_formats and not (
            isinstance(read_formats, list)
            and all(isinstance(f, str) for f in read_formats)
            and time_format not in read_formats
            and len(set(read_formats)) == len(read_formats)
            and readable_together([time_format, *read_formats])
        ):
            raise ValueError(f"column {name!r} has invalid read formats {read_formats!r}")
        time_offset = doc.get("time_offset", 0.0)  # absent in files before times could lie past whole units
        unit_seconds = {"W": 604_800, "D": 86_400, "h": 3_600, "min": 60}.get(time_unit)
        is_datetime = time_format is not None or getattr(dtype_from_json(doc["dtype"]), "kind", None) == "M"
        if time_offset != 0.0 and not (
            is_finite_number(time_offset)
            and unit_seconds is not None
            and 0 < time_offset < unit_seconds
            and is_datetime
        ):
            raise ValueError(f"column {name!r} has an invalid time offset {time_offset!r}")
        masses = doc.get("point_masses", [])  # absent in files before point masses were modelled
        if not (
            isinstance(masses, list)
            and len(masses) <= 10  # each holds at least a tenth of the values
            and all(is_finite_number(v) for v in masses)
            and len(set(masses)) == len(masses)
            and (not masses or kind == "continuous")
        ):
            raise ValueError(f"column {name!r} has invalid point masses {masses!r}")
        decimals = doc.get("decimals")  # absent in files before samples were rounded to the data's decimals
        if decimals is not None and not (
            is_int(decimals) and 1 <= decimals <= MAX_DECIMALS and kind == "continuous" and not lattice
        ):
            raise ValueError(f"column {name!r} has an invalid number of decimals {decimals!r}")
        number_format = doc.get("number_format")  # absent in files before numbers held as text were read
        if number_format is not None:
            read = NumberFormat.from_dict
            if isinstance(number_format, dict) and "kind" in number_format:  # durations held as text
                read = _DURATION_FORMATS.get(number_format["kind"], ElapsedFormat).from_dict
            number_format = read(number_format)
            if kind not in ("continuous", "discretised") or time_unit is not None:
                raise ValueError(f"column {name!r} is {kind} but has a number format")
        marker = doc.get("missing_marker")  # absent in files before dates held as text could mark missing cells
        if marker is not None and not (
            isinstance(marker, str)
            and marker.lower() in MISSING_MARKERS
            and (time_format is not None or (kind == "constant" and not _numeric_kind(doc["dtype"])))
        ):
            raise ValueError(f"column {name!r} has an invalid missing marker {marker!r}")
        step = doc.get("step")  # absent in files before columns could count multiples of a step
        whole = is_int(step) and 2 <= step <= 2**53
        decimal = (
            is_finite_number(step)
            and not is_int(step)
            and 0 < step < 1e6
            and shared_decimals(np.array([step])) is not None
        )
        if step is not None and not ((whole or decimal) and kind in ("continuous", "discretised") and decimals is None):
            raise ValueError(f"column {name!r} has an invalid step {step!r}")
        number_type = doc.get("number_type")  # absent in files before object columns of numbers kept their type
        if number_type is not None and not (
            number_type in NUMBER_TYPES
            and kind in ("continuous", "discretised")
            and time_unit is None
            and number_format is None
            and getattr(dtype_from_json(doc["dtype"]), "kind", None) == "O"
        ):
            raise ValueError(f"column {name!r} has an invalid number type {number_type!r}")
        round_unit = doc.get("round_unit")  # absent in files before round values had an indicator
        if round_unit is not None and not (
            is_finite_number(round_unit)
            and round_unit > 0
            and kind in ("continuous", "discretised")
            and time_unit is None
            and (not (lattice or kind == "discretised") or round_unit == round(round_unit) >= 2)
        ):
            raise ValueError(f"column {name!r} has an invalid round unit {round_unit!r}")
        codes = doc.get("codes", [])  # absent in files before codes beside values were modelled
        held_as_text = number_format is not None or (time_format is not None and time_format not in OBJECT_TIMES)
        if not (
            isinstance(codes, list)
            and are_codes(tuple(codes))
            and (not codes or (held_as_text and kind in ("continuous", "discretised")))
        ):
            raise ValueError(f"column {name!r} has invalid codes {codes!r}")
        if (template is not None) != (kind == "id") or (template is not None and not valid_id_template(template)):
            raise ValueError(f"column {name!r} has an invalid id template {template!r}")
        pool = doc.get("rare_levels")  # absent in files before wide columns pooled their rare levels
        if pool is not None and kind != "categorical":
            raise ValueError(f"column {name!r} is {kind} but has rare levels")
        repeats = doc.get("key_repeats")  # absent in files before fresh keys repeated as the training keys did
        if repeats is not None and kind != "id":
            raise ValueError(f"column {name!r} is {kind} but has key repeats")
        column = cls(
            name,
            kind,
            dtype_from_json(doc["dtype"]),
            offset,
            scale,
            n_bins,
            np.array(categories, dtype=object),
            normal_scores,
            lattice,
            time_unit,
            time_zone,
            template,
            time_format,
            tuple(float(v) for v in masses),
            decimals,
            number_format,
            marker,
            None if step is None else int(step) if is_int(step) else float(step),
            tuple(read_formats),
            float(time_offset),
            number_type,
            None if round_unit is None else float(round_unit),
            tuple(codes),
            None if pool is None else RareLevels.from_json(pool, categories, name),
            None if repeats is None else KeyRepeats.from_json(repeats, name),
        )
        _check_dtype(column)
        if kind == "continuous":
            with np.errstate(all="ignore"):
                edges = column.from_flow_range(np.array([-1.0, 1.0]))
            if not np.all(np.isfinite(edges)):
                raise ValueError(f"column {name!r} maps the flow's range to non-finite values")
        return column


def in_steps(numbers: np.ndarray, step: float) -> np.ndarray:
    """``numbers / step``, whole where it is within a millionth of a whole number (0.6 / 0.2 is 3, not
    2.9999999999999996), so that multiples of a decimal step count whole steps."""
    counts = np.asarray(numbers, dtype=np.float64) / step
    whole = np.round(counts)
    return np.where(np.abs(counts - whole) <= 1e-6, whole, counts)


def from_steps(counts: np.ndarray, step: float) -> np.ndarray:
    """Inverse of :func:`in_steps`: counts of a step as values, a decimal step's rounded to its decimals
    (3 x 0.2 is 0.6, not 0.6000000000000001)."""
    values = np.asarray(counts, dtype=np.float64) * step
    values = values if is_int(step) else np.round(values, shared_decimals(np.array([step])))
    return values + 0.0  # -0.0 (from a count rounded up to 0) is 0


def shared_decimals(numbers: np.ndarray, dtype=None) -> int | None:
    """The fewest decimals (1 to :data:`MAX_DECIMALS`) that every value has, as read from a file (cents: 2), up
    to the rounding of its float dtype; None when the values have more."""
    tolerance = 4 * np.finfo(dtype if isinstance(dtype, np.dtype) and dtype.kind == "f" else np.float64).eps
    for decimals in range(1, MAX_DECIMALS + 1):
        rounded = np.round(numbers, decimals)
        if np.all(np.abs(rounded - numbers) <= tolerance * np.abs(numbers)):
            return decimals
    return None


def _numeric_kind(dtype_doc) -> bool:
    """Whether a written dtype holds plain numbers (a marker string could not be written in it)."""
    return getattr(dtype_from_json(dtype_doc), "kind", "O") in "iufb"


def _check_dtype(column: Column) -> None:
    """A column's dtype must fit its kind: numbers for numeric kinds, times for time columns, and a pandas
    category dtype only on categories it lists."""
    dtype, kind, name = column.dtype, column.kind, column.name
    dtype_kind = getattr(dtype, "kind", "O")
    if str(dtype) == "category":
        if kind not in ("categorical", "constant", "dropped", "empty") or not set(column.categories.tolist()) <= set(
            dtype.categories.tolist()
        ):
            raise ValueError(f"column {name!r}: its category dtype does not hold its categories")
    elif column.time_unit is not None:
        held = dtype_kind == "O" or column.holds_compact_dates  # as objects, or as numbers YYYYMMDD or YYYYMM
        if dtype_kind not in ("M", "m") and not (column.time_format is not None and held):
            raise ValueError(f"column {name!r} counts time but has dtype {dtype}")
    elif kind in ("continuous", "discretised") and dtype_kind not in "iufO" and dtype is not None:
        raise ValueError(f"{kind} column {name!r} cannot have dtype {dtype}")


def without_mass(column: Column, known: np.ndarray) -> np.ndarray:
    """Which observed values have no mass under a numeric column's model (see ``TableEncoder.off_support``)."""
    if column.is_numeric_constant:
        return known != column.categories[0]
    outside = ~np.isfinite(known) | (known != np.round(known))  # not an integer
    if column.kind == "discretised":
        outside |= (known < column.offset) | (known > column.offset + column.n_bins - 1)
    return outside


def check_bins(column: Column, numbers: np.ndarray) -> None:
    """Refuse given values that are not integers inside a discretised column's bins."""
    known = numbers[~np.isnan(numbers)]
    outside = without_mass(column, known)
    if np.any(outside):
        step = column.step or 1
        values = "integers" if step == 1 else f"multiples of {step:g}"
        low, high, got = column.offset * step, (column.offset + column.n_bins - 1) * step, known[outside][:5] * step
        raise ValueError(f"Column {column.name!r} takes {values} from {low:g} to {high:g}; got {got.tolist()}.")


def output_dtype(column: Column):
    """The dtype a decoded column is cast to: its own, or a nullable one where samples hold missing values."""
    if column.kind in ("dropped", "empty") and getattr(column.dtype, "kind", None) in ("i", "u", "b"):
        return {"i": "Int64", "u": "UInt64", "b": "boolean"}[column.dtype.kind]
    return column.dtype


def _time_shown(time_format: str | None, read_formats: tuple = ()) -> str:
    """What a column of this time format holds, for an error message: 'a date in '%d/%m/%Y'', 'a time of day',
    'a date in '%Y-%m-%d' or '%d/%m/%Y''."""
    kind = "a time of day" if time_format in ("time", *TIMES_OF_DAY) else "a date"
    if time_format in (None, *OBJECT_TIMES):
        return kind
    return f"{kind} in " + " or ".join(repr(f) for f in (time_format, *read_formats))
