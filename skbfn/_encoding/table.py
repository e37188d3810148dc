"""How the columns of X map to data types and flows, and back.

Each column is one of four kinds:

- ``continuous``: real values, mapped into the continuous flow's range (the
  training minimum and maximum to ``-SCALED_LIMIT`` and ``SCALED_LIMIT``),
  affinely, or through their normal scores first
  (:class:`~skbfn._encoding.normal_scores.NormalScores`, chosen by ``continuous_transform``);
- ``discretised``: integer values with at most ``max_bins`` unit steps between
  the training minimum and maximum, one bin per integer (a value outside that
  range, or not an integer, has probability 0: its row scores ``-inf``);
  wider integer columns, constant ones included, are ``continuous`` and
  *dequantised* (``lattice``): the model is trained on draws ``z`` uniform
  over the image of the cell ``[k - 1/2, k + 1/2]`` in the flow's units (of
  width ``w_k``: the scale under an affine map, its own for each cell under
  normal scores), scored with ``E_z ln p(z) + ln w_k <= ln P(k)``, a bound
  on a probability like the discretised kind's (a non-integer scores
  ``-inf``), and sampled values are rounded (:mod:`.cell_widths`);
- ``categorical``: any hashable values, one class per category seen in fit;
- ``constant``: a column with a single observed value (a category or a
  number). It is not modelled: samples repeat it, and it adds ``ln 1 = 0``
  to the score of a row holding that value (a number other than it scores
  ``-inf``; an unseen category is refused, as in every categorical column).
  Where some of its cells are missing (a flag that is ``'Y'`` or blank), its
  missingness indicator (``reproduce_missing``) is a model column, so that
  which cells hold the value is modelled with the other columns.

Missing cells (NaN, None, ``pd.NA``) are allowed in every kind: kinds, ranges
and categories are learned from the observed cells, and missing cells encode
as NaN. A column missing in every row is refused.

A continuous column whose minimum or maximum holds a tenth of its values or
more (the zeros of an amount, a cap), or a twentieth and five times as much
as the values next to it, or another value that heaps up as much
(a standard fee; :func:`~skbfn._encoding.column_fit.point_masses_of`), has *point masses*
(:attr:`Column.point_masses`): each is a two-category model column, 1 where
the cell holds that value, and the continuous flow models the other values
only (its range and scaling fitted to them). A row's score then counts the
probability of the mass for such a cell, not a density, and samples hold the
value exactly. A numeric column whose values are mostly multiples of a
coarser unit than their own (whole ages among ages in months) has a
*round-value indicator* the same way (:mod:`.round_values`); all
indicators are read and written by :mod:`.indicators`.

The model sees a float32 matrix whose columns are ordered by flow (continuous,
then discretised and categorical groups, ``model_kinds``); the model's flows are
built from those kinds (:func:`skbfn._model.architecture.column_flows`).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from sklearn.utils import check_array

from .._json import is_finite_number, is_int, plain
from ..core.flows import bin_centre
from .arithmetic import with_arithmetic
from .blanks import blanks_from_json, column_blanks
from .calendar_fields import with_calendar_fields
from .cell_widths import CellWidths
from .column import Column, check_bins, output_dtype
from .column_fit import SCALED_LIMIT, ColumnFitter
from .compound_cells import CompoundCells, compound_column
from .indicators import decode_indicators, encode_indicators, with_placeholders, written_codes
from .key_repeats import check_alike_keys, key_groups, with_alike_keys
from .partitions import with_partition_values
from .relations import fit_relations, relations_from_json, relations_to_json
from .roles import check_roles, column_label, roles_from_json, roles_to_json
from .rules import with_rules_kept
from .scored_cells import ScoredCells
from .tails import CATEGORY_TAIL, CONTINUOUS_TAIL, INTEGER_TAIL
from .values import as_float, column_values, is_pandas, sort_key

__all__ = ["TableEncoder"]

# The bounds of continuous model columns: the float32 images of the training extremes lie within them. A value
# between an extreme and its bound decodes as the extreme (for an integer column, half a step past it, just inside,
# which rounds onto it), so that a draw clipped onto a bound never comes back past the training range: an amount of
# 9,999,999.99 at most came back as 10,000,019.11 under normal scores, a count of 99,998 at most as 99,999.
_EDGE = float(np.float32(SCALED_LIMIT) * np.float32(1 + 1e-6))
_INSIDE = float(np.float32(SCALED_LIMIT) * np.float32(1 - 1e-6))

# The tails of a fitted encoder (skbfn._encoding.tails), as its document names them; its attributes end in '_'.
_TAILS = ("integer_tail", "continuous_tail", "category_tail")


def _shown(value) -> str:
    """A value of a column as an error message shows it: numbers to 6 significant digits (integers whole)."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return f"{value:.0f}" if value == round(value) and abs(value) < 1e15 else f"{value:.6g}"
    return str(value)


class TableEncoder(ScoredCells):
    """Encodes the columns of a table for a product of flows, and decodes samples.

    Parameters
    ----------
    categorical_features : 'auto', None, or array-like of bool, int or str
        'auto': pandas category, object, string and bool columns, and the
        columns of an object ndarray whose values are not numbers.
    discretised_features : 'auto', None, or array-like of bool, int or str
        'auto': integer-valued numeric columns whose training range spans 2 to
        ``max_bins`` integers.
    max_bins : int
        The most bins a discretised column may have.
    shared_range : bool, default=False
        Treat all columns as one kind of value sharing one range (the pixels
        of an image): every column gets the kind, scaling and bins found for
        all values of X together. Categorical columns are refused, and
        ``discretised_features`` must select all columns or none.
    continuous_transform : {'heavy_tails', 'auto', 'quantile', 'affine'}, default='affine'
        How continuous columns enter the flow's range: through their smoothed
        normal scores, then affinely ('quantile'), or affinely only. 'auto'
        uses normal scores for skewed or heavy-tailed columns
        (:func:`~skbfn._encoding.normal_scores.is_skewed`), 'heavy_tails' for
        columns whose middle half spans less than
        :data:`~skbfn._encoding.column_fit.MIN_MIDDLE_SHARE` of their range.
        Shared ranges are always affine.
    column_roles : dict or None, default=None
        ``{column: role}`` (see :mod:`skbfn._encoding.roles`); columns not
        named get their role detected ('auto').
    max_categories : int or 'auto', default=50
        The most distinct strings a column may have to be detected as
        categorical; 'auto': 50, or up to 200 that repeat
        (:func:`~skbfn._encoding.roles.holds_categories`).
    reproduce_missing : bool, default=False
        Give every modelled or constant column with missing cells in fit a
        *missingness indicator*: a two-category model column (0 observed, 1
        missing), modelled jointly with the others, so that samples have
        missing cells where the model draws them (for a constant column, the
        indicator is all the model knows of it).
    """

    # Encoders pickled before column roles and missingness indicators existed lack these attributes.
    column_roles = None
    max_categories = 50
    reproduce_missing = False
    indicators_ = blanks_ = ()
    orders_ = windows_ = weekdays_ = copies_ = partitions_ = lookups_ = calendar_fields_ = arithmetic_ = rules_ = ()
    compounds_ = CompoundCells()
    integer_tail_ = 0.0
    continuous_tail_ = 0.0
    category_tail_ = 0.0

    def __init__(
        self,
        categorical_features="auto",
        discretised_features="auto",
        max_bins: int = 64,
        shared_range: bool = False,
        continuous_transform: str = "affine",
        column_roles: dict | None = None,
        max_categories: int | str = 50,
        reproduce_missing: bool = False,
    ) -> None:
        self.column_roles = column_roles
        self.max_categories = max_categories
        self.reproduce_missing = reproduce_missing
        self.categorical_features = categorical_features
        self.discretised_features = discretised_features
        self.max_bins = max_bins
        self.shared_range = shared_range
        self.continuous_transform = continuous_transform

    # ------------------------------------------------------------------ fit
    def _selected(self, spec, X, n_columns: int, names, what: str) -> np.ndarray | None:
        """Boolean mask from a mask, indices or names; None for 'auto'."""
        if isinstance(spec, str) and spec == "auto":
            return None
        mask = np.zeros(n_columns, dtype=bool)
        if spec is None:
            return mask
        spec = np.asarray(spec)
        if spec.dtype == bool:
            if spec.shape != (n_columns,):
                raise ValueError(f"{what} as a mask needs {n_columns} entries, got {spec.shape[0]}.")
            return spec.copy()
        for item in spec.ravel().tolist():
            if isinstance(item, str):
                if names is None or item not in names:
                    raise ValueError(f"{what} names {item!r}, which is not a column of X.")
                mask[names.index(item)] = True
            elif isinstance(item, int) and -n_columns <= item < n_columns:
                mask[item] = True
            else:
                raise ValueError(f"{what} holds {item!r}: expected column indices below {n_columns} or names.")
        return mask

    def fit(self, X) -> TableEncoder:
        """Learn the kind, range and categories of every column of ``X`` (DataFrame or 2-D array).

        A DataFrame's text column that would be left out (or taken for keys, its numbers having decimals) but
        whose cells hold numbers in one writing (``'120/80'``) is split into its parts (:mod:`.compound_cells`,
        :meth:`split`), when ``categorical_features`` and ``discretised_features`` are 'auto'.
        """
        self.is_frame_ = is_pandas(X)
        X = X if self.is_frame_ else check_array(X, dtype=None, ensure_all_finite=False)
        n_rows, n_columns = X.shape
        if n_rows < 1 or n_columns < 1:
            raise ValueError(f"X needs at least one row and one column, got shape {X.shape}.")
        labels = [column_label(c) for c in X.columns] if self.is_frame_ else list(range(n_columns))
        names = [n if isinstance(n, tuple) else str(n) for n in labels] if self.is_frame_ else None  # to look up
        dtypes = list(X.dtypes) if self.is_frame_ else [X.dtype] * n_columns
        categorical = self._selected(self.categorical_features, X, n_columns, names, "categorical_features")
        discretised = self._selected(self.discretised_features, X, n_columns, names, "discretised_features")
        if categorical is not None and discretised is not None and np.any(categorical & discretised):
            raise ValueError("A column cannot be both categorical and discretised.")

        fitter = ColumnFitter(
            self.max_bins, self.max_categories, self.continuous_transform, self.shared_range, self.is_frame_
        )
        if self.shared_range:
            self.columns_ = fitter.shared(X, labels, dtypes, categorical, discretised)
            self._order = self._flow_order()
            return self
        roles = check_roles(self.column_roles, names, n_columns)
        may_split = self.is_frame_ and categorical is None and discretised is None  # '(40.71, -74.00)'
        compounds, parts = [], {}  # compound columns, and their parts' records by column
        self.columns_ = []
        for j in range(n_columns):
            name, dtype, values = labels[j], dtypes[j], column_values(X, j)
            role = roles.get(j, "auto")
            selected = {
                "categorical": None if categorical is None else bool(categorical[j]),
                "discretised": None if discretised is None else bool(discretised[j]),
            }
            if role != "auto" and any(flag for kind, flag in selected.items() if kind != role):
                raise ValueError(
                    f"X column {name!r} has the role {role!r} in column_roles, which conflicts with "
                    "categorical_features or discretised_features."
                )
            if not (may_split and role == "auto" and getattr(dtype, "kind", "O") == "O"):
                self.columns_.append(fitter.column(name, values, dtype, role, **selected))
                continue
            with warnings.catch_warnings(record=True) as record:  # 'left out' is not said of a compound column
                warnings.simplefilter("always")
                column = fitter.column(name, values, dtype, role, **selected)
            found = compound_column(name, values, column.kind, set(map(str, labels)), fitter.quietly)
            if found is None:
                for caught in record:
                    warnings.warn_explicit(caught.message, caught.category, caught.filename, caught.lineno)
            else:
                compounds.append(found[0])
                parts[name] = found[1]
            self.columns_.append(column)
        self.compounds_ = CompoundCells(tuple(compounds), tuple(labels)) if self.is_frame_ else CompoundCells()
        if compounds:  # each compound column as its parts
            X = self.compounds_.split(X)
            self.columns_ = [part for column in self.columns_ for part in parts.get(column.name, [column])]
        self.columns_ = with_alike_keys(self.columns_, lambda j: column_values(X, j))  # a customer's id and e-mail
        self.integer_tail_ = INTEGER_TAIL
        self.continuous_tail_ = CONTINUOUS_TAIL
        self.category_tail_ = CATEGORY_TAIL
        self.indicators_ = []
        if self.reproduce_missing:
            self.indicators_ = [
                j for j, c in enumerate(self.columns_) if c.has_indicator and c.missing_cells(column_values(X, j)).any()
            ]
        self.blanks_ = column_blanks(self.columns_, X, self.indicators_)
        for attribute, relations in fit_relations(self.columns_, X).items():
            setattr(self, attribute, relations)
        if not any(c.is_modelled for c in self.columns_) and not self.indicators_:
            rows = f"X has {n_rows} sample{'s' if n_rows > 1 else ''} and no column"
            raise ValueError(
                f"{rows} to model, so there is nothing to model: every column is constant, an id, dropped or "
                "missing everywhere."
            )
        self._order = self._flow_order()
        return self

    def _flow_order(self) -> list[int]:
        """Column indices in model order: continuous, then discretised and categorical grouped by size."""

        def key(j):
            column = self.columns_[j]
            return ("continuous", "discretised", "categorical").index(column.kind), column.n_bins, j

        return sorted((j for j, column in enumerate(self.columns_) if column.is_modelled), key=key)

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict:
        """The fitted encoder as plain JSON values (see :meth:`from_dict`)."""
        return {
            "categorical_features": plain(self.categorical_features),
            "discretised_features": plain(self.discretised_features),
            "max_bins": self.max_bins,
            "shared_range": self.shared_range,
            "continuous_transform": self.continuous_transform,
            **({"column_roles": roles_to_json(self.column_roles)} if self.column_roles is not None else {}),
            **({"max_categories": self.max_categories} if self.max_categories != 50 else {}),
            "is_frame": self.is_frame_,
            "columns": [column.to_dict() for column in self.columns_],
            **({"indicators": list(self.indicators_)} if self.indicators_ else {}),
            **({"blanks": [blank.to_dict() for blank in self.blanks_]} if self.blanks_ else {}),
            **({"compounds": self.compounds_.to_dict()} if self.compounds_ else {}),
            **relations_to_json(self),
            **{name: getattr(self, f"{name}_") for name in _TAILS if getattr(self, f"{name}_")},
        }

    @classmethod
    def from_dict(cls, doc: dict) -> TableEncoder:
        """A fitted encoder written by :meth:`to_dict`, every column checked (ValueError names a bad one)."""
        encoder = cls(
            doc["categorical_features"],
            doc["discretised_features"],
            doc["max_bins"],
            doc.get("shared_range", False),
            doc.get("continuous_transform", "affine"),  # files from before the parameter were affine
            roles_from_json(doc.get("column_roles")),
            doc.get("max_categories", 50),
        )
        encoder.is_frame_ = bool(doc["is_frame"])
        encoder.columns_ = [Column.from_dict(column) for column in doc["columns"]]
        check_alike_keys(encoder.columns_)
        names = [json.dumps(column.name) for column in encoder.columns_]
        if len(set(names)) != len(names):
            raise ValueError("the encoder names a column twice")
        encoder._order = encoder._flow_order()
        if "compounds" in doc:
            if not encoder.is_frame_:
                raise ValueError(
                    "compound columns are read from DataFrames only, but the encoder was fitted on an array"
                )
            encoder.compounds_ = CompoundCells.from_dict(doc["compounds"], encoder.column_names)
        elif encoder.is_frame_:
            encoder.compounds_ = CompoundCells((), tuple(encoder.column_names))
        indicators = doc.get("indicators", [])
        if not encoder._order and not indicators:
            raise ValueError("the encoder has no modelled column")
        allowed = [j for j, column in enumerate(encoder.columns_) if column.has_indicator]
        if not (isinstance(indicators, list) and all(is_int(j) and j in allowed for j in indicators)):
            raise ValueError("the missingness indicators must name modelled, constant or key columns")
        if indicators != sorted(set(indicators)):
            raise ValueError("the missingness indicators must be distinct and in column order")
        encoder.indicators_ = indicators
        encoder.blanks_ = blanks_from_json(doc.get("blanks", []), encoder.columns_, indicators)
        for attribute, relations in relations_from_json(doc, encoder.columns_).items():
            setattr(encoder, attribute, relations)
        for name in _TAILS:  # each absent in files of releases before it: no tail
            tail = doc.get(name, 0.0)
            if not (is_finite_number(tail) and 0 <= tail < 1):
                raise ValueError(f"{name} must be a number in [0, 1), got {tail!r}")
            setattr(encoder, f"{name}_", float(tail))
        encoder.reproduce_missing = bool(indicators)
        return encoder

    # ------------------------------------------------------------- mapping
    @property
    def model_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Lowest and highest model value of each model column inside its training range.

        A continuous column's training minimum and maximum map to
        ``-SCALED_LIMIT`` and ``SCALED_LIMIT`` (an integer column's, widened by
        half a step, so that values round into the range), within the
        tolerance of their float32 images, which decoding puts back onto them;
        discretised and categorical columns cannot leave theirs.
        """
        continuous = self.continuous_model_columns
        return np.where(continuous, -_EDGE, -np.inf), np.where(continuous, _EDGE, np.inf)

    @property
    def continuous_model_columns(self) -> np.ndarray:
        """Which model columns are continuous (a boolean mask in model order)."""
        return np.array([kind == "continuous" for kind in self.model_kinds])

    @property
    def column_names(self) -> list:
        """The columns of X by name: a DataFrame's labels (integers as ints, others as text), an array's indices."""
        return [column.name for column in self.columns_]

    @property
    def feature_names(self) -> list:
        """The columns of X by name, as :attr:`column_names` but with each compound column once, not its parts."""
        return list(self.compounds_.columns) if self.compounds_ else self.column_names

    @property
    def roles(self) -> dict:
        """What each column became, by name: 'continuous', 'discretised', 'categorical', 'constant', 'id',
        'drop' or 'empty' (missing in every row); a compound column is 'compound', before its parts."""
        first_parts = {compound.parts[0]: compound.column for compound in self.compounds_.compounds}
        roles = {}
        for column in self.columns_:
            if column.name in first_parts:
                roles[first_parts[column.name]] = "compound"
            roles[column.name] = {"dropped": "drop"}.get(column.kind, column.kind)
        return roles

    def split(self, X):
        """``X`` in the columns the encoder reads: each compound column (:mod:`.compound_cells`) as its parts.

        :meth:`fit` reads X as given; every other method takes a table split so.
        """
        return self.compounds_.split(X) if self.compounds_ and is_pandas(X) else X

    def join(self, rows):
        """Rows from :meth:`inverse_transform` in X's columns, each compound column written from its parts."""
        return self.compounds_.join(rows)

    @property
    def model_columns(self) -> list[int]:
        """The modelled columns of X, as indices, in model order (the indicators follow them)."""
        return list(self._order)

    @property
    def n_model_columns(self) -> int:
        """Model columns: the modelled columns of X, then the indicators (:mod:`.indicators`)."""
        return len(self._order) + self.n_indicators

    @property
    def point_masses(self) -> list[tuple[int, float]]:
        """``(column, value)`` of every point mass of a continuous column (:attr:`Column.point_masses`), in model
        order: each is a two-category model column after the missingness indicators, 1 where the cell holds
        the value (the continuous cell is then absent), NaN where the cell is missing."""
        return [(j, value) for j in self._order for value in self.columns_[j].point_masses]

    @property
    def round_columns(self) -> list[int]:
        """The modelled columns with a round unit (:attr:`Column.round_unit`), in model order: each has a
        two-category model column after the point masses', 1 where the cell is a multiple of the unit, NaN where
        the cell is missing (:mod:`.round_values`)."""
        return [j for j in self._order if self.columns_[j].round_unit is not None]

    @property
    def code_indicators(self) -> list[tuple[int, int]]:
        """``(column, code)`` of every code of a modelled column of numbers held as text (:attr:`Column.codes`:
        ``'<0.5'``), in model order: each is a two-category model column after the copies', 1 where the cell
        holds the code (its numeric cell is then absent), NaN where the cell is missing."""
        return [(j, k) for j in self._order for k in range(len(self.columns_[j].codes))]

    @property
    def n_indicators(self) -> int:
        """Indicator model columns: missingness, point masses, round values, copies, codes (:mod:`.indicators`)."""
        n_before_codes = len(self.indicators_) + len(self.point_masses) + len(self.round_columns) + len(self.copies_)
        return n_before_codes + len(self.code_indicators)

    @property
    def dequantisation_widths(self) -> CellWidths | None:
        """The widths of the integer cells of the dequantised (lattice) columns, and of the round cells of
        continuous columns with a round unit, in the model's units; None if none."""
        lattice = [(position, self.columns_[j]) for position, j in enumerate(self._order) if self.columns_[j].lattice]
        start = len(self._order) + len(self.indicators_) + len(self.point_masses)
        rounded = tuple(
            (self._order.index(j), start + i, self.columns_[j])
            for i, j in enumerate(self.round_columns)
            if self.columns_[j].kind == "continuous"
        )
        if not lattice and not rounded:
            return None
        constant = np.zeros(self.n_model_columns, dtype=np.float32)
        for position, column in lattice:
            if column.normal_scores is None:
                constant[position] = column.scale
        return CellWidths(constant, tuple((p, c) for p, c in lattice if c.normal_scores is not None), rounded)

    @property
    def kinds(self) -> list[str]:
        """Kind of each column of X, in X's order."""
        return [c.kind for c in self.columns_]

    @property
    def model_kinds(self) -> list[str]:
        """Kind of each model column, in model order (constant columns are not modelled)."""
        return [self.columns_[j].kind for j in self._order] + ["categorical"] * self.n_indicators

    @property
    def categorical_positions(self) -> list[int]:
        """Positions of the categorical columns among the model columns (model order)."""
        return [p for p, kind in enumerate(self.model_kinds) if kind == "categorical"]

    @property
    def model_n_bins(self) -> list[int]:
        """Number of bins (categories, integers) of each model column, in model order (0 for continuous ones)."""
        return [self.columns_[j].n_bins for j in self._order] + [2] * self.n_indicators

    def transform(
        self, X, *, strict: bool = False, as_observed: bool = False, unseen_categories: bool = False
    ) -> np.ndarray:
        """Model matrix (float32, model order) of ``X``, NaN in missing cells; unknown categories raise ValueError.

        ``strict=True`` (values to condition on) also refuses values the model
        does not cover: integers outside a discretised column's bins or not
        integral, and real values outside the flow's range ``[-1, 1]`` after
        scaling (the training range widened by a ninth on each side).
        ``unseen_categories=True`` (rows to score) encodes a category of a
        categorical column not seen in fit as the first category, observed
        (:meth:`unseen_categories` names such cells, for the caller to make
        them absent), and lets a constant column hold another value, instead
        of raising.
        Missingness indicators say which cells are missing, or, with
        ``as_observed=True`` (cells to fill, not to leave missing), that every
        cell is observed.
        """
        X = X if is_pandas(X) else check_array(X, dtype=None, ensure_all_finite=False)
        out = np.empty((X.shape[0], self.n_model_columns), dtype=np.float32)
        for position, j in enumerate(self._order):
            with np.errstate(over="ignore"):  # a value beyond float32 becomes inf: far_cells finds it
                out[:, position] = self._encode(self.columns_[j], column_values(X, j), strict, unseen_categories)
        for j, column in enumerate(self.columns_):
            if column.kind == "constant" and not column.is_numeric_constant:
                self._encode(column, column_values(X, j), strict, unseen_categories)  # checks unknown categories
        encode_indicators(self, X, out, as_observed)
        return out

    def observed_request(self, n_rows: int) -> np.ndarray:
        """A model matrix of cells to draw (NaN) whose missingness indicators say "observed": whole rows."""
        request = np.full((n_rows, self.n_model_columns), np.nan, dtype=np.float32)
        request[:, len(self._order) : len(self._order) + len(self.indicators_)] = 0.0  # point masses are drawn
        return request

    def with_placeholders(self, encoded: np.ndarray) -> np.ndarray:
        """Training (or drawn) rows with each indicated missing cell set to a fixed in-range value (a copy).

        The network then learns that a cell drawn as missing holds that value,
        so that one joint draw of a row is consistent: in training a missing
        cell is modelled like any other, and the indicator says whether it is
        missing. Scores still leave missing cells out (their indicator counts).
        Cells on a point mass get the same value. In drawn rows, the cells
        their indicators say are missing or on a mass get it too, as the
        network saw such cells in training.
        """
        return with_placeholders(self, encoded)

    def _encode(self, column: Column, values: np.ndarray, strict: bool = False, unseen: bool = False) -> np.ndarray:
        if column.kind in ("categorical", "constant"):
            codes = column.category_codes(values)
            if unseen:
                return np.where(codes < 0, 0.0, codes)  # the caller makes such cells absent
            unknown = sorted({v for v, c in zip(values.tolist(), codes, strict=True) if c < 0}, key=sort_key)
            if unknown:
                raise ValueError(
                    f"Column {column.name!r} holds categories unseen in fit: {unknown[:10]}; "
                    f"known categories are {column.categories.tolist()[:20]}."
                )
            return codes
        numbers = column.numbers(values, as_float)
        if column.kind == "discretised":
            if strict:
                check_bins(column, numbers)
            index = np.clip(np.round(numbers) - column.offset, 0, column.n_bins - 1)
            return bin_centre(index, column.n_bins)
        numbers = column.off_point_masses(numbers)  # its indicator holds it (see transform)
        scaled = column.to_flow_range(numbers)
        if strict and np.any(np.abs(scaled[~np.isnan(scaled)]) > 1.0):
            low, high = (_shown(v) for v in column.values(column.from_flow_range(np.array([-1.0, 1.0]))))
            covered = f"[{low}, {high}]"
            raise ValueError(f"Column {column.name!r} holds values outside the range the model covers, {covered}.")
        return scaled

    def decoded_numbers(self, Z: np.ndarray, columns: list[int]) -> dict[int, np.ndarray]:
        """The numbers (float64, NaN where drawn missing) that the model rows ``Z`` decode to in the numeric
        modelled ``columns`` (indices of X), their indicators applied: what :meth:`inverse_transform` writes
        there, before units and types."""
        decoded: list[np.ndarray | None] = [None] * len(self.columns_)
        sources = {source for copy, source in self.copies_ if copy in columns}  # what copies take
        for j in set(columns) | sources:
            decoded[j] = self._decode(self.columns_[j], Z[:, self._order.index(j)].astype(np.float64))
        decode_indicators(self, Z, decoded)
        return {j: decoded[j] for j in columns}

    def inverse_transform(self, Z: np.ndarray, rng: np.random.Generator | None = None, *, keys_repeat: bool = True):
        """Rows in the original columns, units, types and categories (DataFrame when fitted on one).

        ``rng`` draws the rare levels of the cells drawn in a pool (:mod:`.rare_levels`) and which rows share
        a fresh key (:mod:`.key_repeats`); None: a generator seeded with 0, so that the same rows decode the
        same. With ``keys_repeat=False`` every fresh key holds one row, as the imputer fills keys: a row whose
        key is missing is no other row's customer.
        """
        n_rows = Z.shape[0]
        rng = np.random.default_rng(0) if rng is None else rng
        Z = with_rules_kept(self, Z, None)  # 'who' from sex and age (given cells are the caller's to put back)
        decoded: list[np.ndarray] = [None] * len(self.columns_)
        for position, j in enumerate(self._order):
            column = self.columns_[j]
            decoded[j] = self._decode(column, Z[:, position].astype(np.float64))
            if column.rare_levels is not None:  # a cell in the pool: one of its levels, by their shares
                levels = column.rare_levels.draw(rng.random(n_rows))
                pooled = np.clip(np.round(Z[:, position]), 0, column.n_bins - 1) == column.n_bins - 1
                decoded[j] = np.where(pooled, levels, decoded[j])
        drawn_missing = decode_indicators(self, Z, decoded)
        with_partition_values(self, Z, decoded)  # a product's one price
        with_arithmetic(self, decoded, drawn_missing)  # a total from its terms
        with_calendar_fields(self, decoded, drawn_missing)  # a weekday from its date (a date may be a result)
        # repeated keys: which fresh key a row holds
        groups = key_groups(self.columns_, n_rows, rng, drawn_missing) if keys_repeat else {}
        for j, column in enumerate(self.columns_):
            if column.is_modelled:
                decoded[j] = column.values(decoded[j])
            else:
                decoded[j] = column.unmodelled_values(n_rows, missing=drawn_missing.get(j), groups=groups.get(j))
        written_codes(self, Z, decoded, drawn_missing)  # '<0.5' where the model drew it
        if self.is_frame_:
            import pandas as pd

            frame = pd.DataFrame({c.name: values for c, values in zip(self.columns_, decoded, strict=True)})
            return frame.astype({c.name: output_dtype(c) for c in self.columns_})
        if any(c.holds_categories for c in self.columns_):
            return np.column_stack([np.asarray(values, dtype=object) for values in decoded])
        return np.column_stack(decoded).astype(np.float64)

    @staticmethod
    def _decode(column: Column, z: np.ndarray) -> np.ndarray:
        if column.kind == "categorical":
            return column.categories[np.clip(np.round(z).astype(int), 0, column.n_bins - 1)]
        if column.kind == "discretised":
            index = np.clip(np.round((z + 1) * column.n_bins / 2 - 0.5), 0, column.n_bins - 1)
            return column.offset + index
        limit = _INSIDE if column.lattice else SCALED_LIMIT  # the training extremes, or rounding onto them
        z = np.where((np.abs(z) > limit) & (np.abs(z) <= _EDGE), np.copysign(limit, z), z)  # a draw on a bound
        values = column.from_flow_range(z)
        if column.lattice:
            values = np.round(values)
        elif column.decimals is not None:  # the data's decimals: amounts in cents come back in cents
            values = np.round(values, column.decimals)
        values = values + 0.0  # a value rounded up from just below 0 is 0, not -0.0 (written '-0' as text)
        dtype = column.dtype if isinstance(column.dtype, np.dtype) and column.dtype.kind == "f" else np.float64
        return np.clip(values, -np.finfo(dtype).max, np.finfo(dtype).max)
