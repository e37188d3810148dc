"""The encoder's indicator columns: two-category model columns that each say one thing of a cell of X.

They follow the modelled columns of X in the model matrix, in this order:

- *missingness indicators* (``reproduce_missing``): 1 where the cell is
  missing, for each modelled or constant column, or column of keys, with
  missing cells in fit;
- *point-mass indicators*: 1 where a continuous cell holds one of its
  column's point masses (:attr:`~skbfn._encoding.column.Column.point_masses`),
  whose continuous cell is then absent;
- *round-value indicators*: 1 where a cell is a multiple of its column's
  round unit (:mod:`skbfn._encoding.round_values`);
- *copy indicators*: 1 where a real cell equals the cell of the column it
  copies (:func:`skbfn._encoding.orders.column_copies`);
- *code indicators*: 1 where a cell of a column of numbers held as text
  holds one of the column's codes (``'<0.5'``; :attr:`Column.codes
  <skbfn._encoding.column.Column.codes>`), whose numeric cell is then absent.

Each is modelled jointly with the other columns, so one draw of a row says
whether a cell is missing, on a mass or round, consistently with its value.
The functions here read and write these columns for a fitted
:class:`~skbfn._encoding.table.TableEncoder`.
"""

from __future__ import annotations

import numpy as np

from ..core.flows import bin_centre
from .round_values import to_multiple
from .values import as_float, column_values

__all__ = [
    "PLACEHOLDER",
    "copied_cells",
    "decode_indicators",
    "encode_indicators",
    "with_copies_filled",
    "with_placeholders",
    "written_codes",
]

# What a continuous cell holds in training where its indicator says it is missing or on a point mass: the
# network learns to draw it with the indicator, so that one joint draw of a row is consistent.
PLACEHOLDER = 0.0


def encode_indicators(encoder, X, out: np.ndarray, as_observed: bool) -> None:
    """Fill the indicator columns of the model matrix ``out`` of ``X`` (its modelled columns already filled).

    With ``as_observed`` (cells to fill, not to leave missing), missingness
    indicators say every cell is observed, and a cell to be drawn has its
    point-mass and round-value indicators drawn too.
    """
    n_modelled = len(encoder.model_columns)
    # the numbers of columns with point masses or a round unit (read once per column)
    numbers = {
        j: encoder.columns_[j].numbers(column_values(X, j), as_float)
        for j in {j for j, _ in encoder.point_masses}
        | set(encoder.round_columns)
        | {j for pair in encoder.copies_ for j in pair}
    }
    # the code each cell of a column with codes holds (-1: a number, or missing): neither missing nor on a mass
    held = {j: encoder.columns_[j].code_cells(column_values(X, j)) for j, _ in encoder.code_indicators}
    coded = {j: codes >= 0 for j, codes in held.items()}
    for i, j in enumerate(encoder.indicators_):
        if j in encoder.model_columns:
            missing = np.isnan(out[:, encoder.model_columns.index(j)])
            if j in numbers:  # a cell on a mass is absent from the flow's column, not missing
                missing &= np.isnan(numbers[j])
            if j in coded:  # so is a cell on a code
                missing &= ~coded[j]
        else:  # a constant column: whether its one value is there
            missing = encoder.columns_[j].missing_cells(column_values(X, j))
        out[:, n_modelled + i] = 0.0 if as_observed else missing

    def unknown(j: int, at: np.ndarray) -> np.ndarray:
        """An indicator of a cell that holds no number: on a code, 0 (not on a mass, round or a copy)."""
        indicator = np.where(np.isnan(numbers[j]), _unknown(encoder, j, as_observed), at)
        return np.where(coded[j], 0.0, indicator) if j in coded else indicator

    start = n_modelled + len(encoder.indicators_)
    for i, (j, value) in enumerate(encoder.point_masses):
        at = numbers[j] == value
        out[:, start + i] = unknown(j, at)
        if as_observed:  # a given cell on the mass: the continuous cell is given too, as in training
            out[at, encoder.model_columns.index(j)] = PLACEHOLDER
    start += len(encoder.point_masses)
    for i, j in enumerate(encoder.round_columns):
        out[:, start + i] = unknown(j, encoder.columns_[j].round_cells(numbers[j]))
    start += len(encoder.round_columns)
    for i, (copy, source) in enumerate(encoder.copies_):
        at = numbers[copy] == numbers[source]
        # a missing copy: as for a point mass; a missing source beside an observed copy: not copied (in training),
        # or to be drawn with the source (as_observed)
        missing_source = np.nan if as_observed else 0.0
        out[:, start + i] = unknown(copy, np.where(np.isnan(numbers[source]), missing_source, at))
    start += len(encoder.copies_)
    for i, (j, k) in enumerate(encoder.code_indicators):
        column = encoder.columns_[j]
        missing = column.missing_cells(column_values(X, j))
        out[:, start + i] = np.where(missing, _unknown(encoder, j, as_observed), held[j] == k)
        if as_observed:  # a given code: the numeric cell is given too, as in training
            out[held[j] == k, encoder.model_columns.index(j)] = placeholder(column)


def _copy_indicator_start(encoder) -> int:
    """The model position of the first copy indicator (the last indicators)."""
    return (
        len(encoder.model_columns) + len(encoder.indicators_) + len(encoder.point_masses) + len(encoder.round_columns)
    )


def copied_cells(encoder, encoded: np.ndarray) -> np.ndarray:
    """Which cells of the model matrix ``encoded`` are copies of another column's (their copy indicator is 1):
    scored as absent, as the indicator's probability counts for them."""
    copied = np.zeros(encoded.shape, dtype=bool)
    start = _copy_indicator_start(encoder)
    for i, (copy, _) in enumerate(encoder.copies_):
        copied[:, encoder.model_columns.index(copy)] = encoded[:, start + i] == 1
    return copied


def with_copies_filled(encoder, Z: np.ndarray, given: np.ndarray | None = None) -> np.ndarray:
    """Model rows ``Z`` (a copy) whose cells drawn as copies hold their source's decoded value, in their own
    column's units, as decoding gives them: averages and widenings of draws then keep the copies (and the
    orders they keep). ``Z`` itself where the encoder has no copies.

    With ``given`` (the model rows the draws completed, NaN in the drawn cells; one per row of ``Z``, or per
    group of rows ``[rows, draws, columns]``), a copy given beside a drawn real source gives the source its
    value instead: the given cell stays as it is.
    """
    if not encoder.copies_:
        return Z
    shape, Z = Z.shape, Z.reshape(-1, Z.shape[-1]).copy()
    copied = copied_cells(encoder, Z)
    if given is not None:
        given = np.broadcast_to(given[:, None, :] if len(shape) == 3 else given, shape).reshape(Z.shape)
    numbers = encoder.decoded_numbers(Z, sorted({source for _, source in encoder.copies_}))
    uncopied = Z.copy()
    start = _copy_indicator_start(encoder)
    uncopied[:, start : start + len(encoder.copies_)] = 0  # the copies' own values, not their sources'
    own = encoder.decoded_numbers(uncopied, sorted({copy for copy, _ in encoder.copies_}))
    for copy, source in encoder.copies_:
        position, source_position = encoder.model_columns.index(copy), encoder.model_columns.index(source)
        backwards = np.zeros(len(Z), dtype=bool)
        if given is not None and encoder.columns_[source].kind == "continuous":
            # the copy given, its source drawn: the source takes the copy's value (unless one of its point masses)
            backwards = copied[:, position] & ~np.isnan(given[:, position]) & np.isnan(given[:, source_position])
            backwards &= ~np.isnan(own[copy]) & ~encoder.columns_[source].at_point_mass(own[copy])
            Z[backwards, source_position] = encoder.columns_[source].to_flow_range(own[copy][backwards])
        rows = copied[:, position] & ~backwards & ~np.isnan(numbers[source])
        Z[rows, position] = encoder.columns_[copy].to_flow_range(numbers[source][rows])
    return Z.reshape(shape)


def _unknown(encoder, j: int, as_observed: bool) -> float:
    """What a missing cell's point-mass, round-value or copy indicator holds. With a missingness indicator, 0 (the
    network must not learn the indicator from which cells are absent, as none are when it draws rows); without,
    or to be drawn (``as_observed``), unknown (NaN)."""
    return np.nan if as_observed or j not in encoder.indicators_ else 0.0


def with_placeholders(encoder, encoded: np.ndarray) -> np.ndarray:
    """Model rows with each indicated missing cell, and each cell on a point mass, set to a fixed in-range
    value (a copy; ``encoded`` itself where the encoder has no indicator).

    A cell is indicated missing where it is NaN (training rows) or where its
    missingness indicator is 1 (drawn rows, whose every cell holds a draw).
    """
    if not encoder.n_indicators:
        return encoded
    encoded = encoded.copy()
    order = encoder.model_columns
    for i, j in enumerate(encoder.indicators_):
        if j not in order:  # a constant column: no model cell of its own
            continue
        cells = encoded[:, order.index(j)]
        cells[np.isnan(cells) | (encoded[:, len(order) + i] == 1)] = placeholder(encoder.columns_[j])
    start = len(order) + len(encoder.indicators_)
    for i, (j, _) in enumerate(encoder.point_masses):  # cells on a point mass, whose value their indicator gives
        encoded[encoded[:, start + i] == 1, order.index(j)] = PLACEHOLDER
    start = _code_indicator_start(encoder)
    for i, (j, _) in enumerate(encoder.code_indicators):  # cells on a code, which their indicator gives
        encoded[encoded[:, start + i] == 1, order.index(j)] = placeholder(encoder.columns_[j])
    return encoded


def placeholder(column) -> float:
    """What a column's model cell holds where its indicator says the cell is missing or on a code: the middle
    bin of a discretised column, else :data:`PLACEHOLDER`."""
    return bin_centre(column.n_bins // 2, column.n_bins) if column.kind == "discretised" else PLACEHOLDER


def _code_indicator_start(encoder) -> int:
    """The model position of the first code indicator (the last indicators, after the copies')."""
    return _copy_indicator_start(encoder) + len(encoder.copies_)


def _to_round(column, numbers: np.ndarray, cells: np.ndarray) -> None:
    """Round the column's ``numbers`` in ``cells`` (drawn round) to the nearest multiple of its round unit, in
    place; a discretised column's within its bins (an end bin need not be a multiple)."""
    rounded = to_multiple(numbers[cells], column.round_unit)
    if column.kind == "discretised":
        low, high, unit = column.offset, column.offset + column.n_bins - 1, column.round_unit
        rounded = np.clip(rounded, np.ceil(low / unit) * unit, np.floor(high / unit) * unit)
    numbers[cells] = rounded


def _off_round(column, numbers: np.ndarray, cells: np.ndarray, z: np.ndarray) -> None:
    """Move the column's ``numbers`` in ``cells`` (drawn not round) that landed on a multiple of the round unit
    one step of the column's own grid away from it, in place: toward the drawn value ``z`` (in the flow's units)
    for a continuous column, alternately up and down for a discretised one (whose draw says no more), within
    its bins. The score, which counts such a cell's probability as not round, stays a lower bound."""
    resolution = column.resolution
    cells = cells & column.round_cells(numbers)
    if not resolution or not cells.any():
        return
    if column.kind == "discretised":
        direction = np.where(np.flatnonzero(cells) % 2 == 0, 1.0, -1.0)
        moved = numbers[cells] + direction * resolution
        inside = (moved >= column.offset) & (moved <= column.offset + column.n_bins - 1)
        direction = np.where(inside, direction, -direction)
    else:
        direction = np.where(column.from_flow_range(z[cells]) < numbers[cells], -1.0, 1.0)
    moved = numbers[cells] + direction * resolution
    numbers[cells] = moved if column.decimals is None else np.round(moved, column.decimals)


def decode_indicators(encoder, Z: np.ndarray, decoded: list) -> dict[int, np.ndarray]:
    """Apply the indicators drawn in the model rows ``Z`` to the decoded numbers of each column (in place):
    point masses, round values, copies, then missing cells (columns whose entry is None are left out; a copy
    needs its source's). Returns the cells drawn missing, by column."""
    n_modelled, n_rows = len(encoder.model_columns), Z.shape[0]
    start = n_modelled + len(encoder.indicators_)
    placed = {j: np.zeros(n_rows, dtype=bool) for j, _ in encoder.point_masses}
    for i, (j, value) in enumerate(encoder.point_masses):  # cells the model draws on a point mass (the first wins)
        if decoded[j] is None:  # a column not asked for
            continue
        at = (np.rint(Z[:, start + i]) == 1) & ~placed[j]
        decoded[j][at] = value
        placed[j] |= at
    start += len(encoder.point_masses)
    for i, j in enumerate(encoder.round_columns):
        if decoded[j] is None:
            continue
        free = ~placed[j] if j in placed else np.ones(n_rows, dtype=bool)
        drawn_round = np.rint(Z[:, start + i]) == 1
        _to_round(encoder.columns_[j], decoded[j], drawn_round & free)
        position = encoder.model_columns.index(j)
        _off_round(encoder.columns_[j], decoded[j], ~drawn_round & free, Z[:, position].astype(np.float64))
    start += len(encoder.round_columns)
    for i, (copy, source) in enumerate(encoder.copies_):  # cells drawn as copies take their source's value
        if decoded[copy] is not None:
            copied = (np.rint(Z[:, start + i]) == 1) & ~placed.get(copy, np.zeros(n_rows, dtype=bool))
            decoded[copy][copied] = decoded[source][copied]
    for j, codes in drawn_codes(encoder, Z).items():  # cells drawn on a code hold no number
        if decoded[j] is not None:
            decoded[j][codes >= 0] = np.nan
    drawn_missing = {j: np.rint(Z[:, n_modelled + i]) == 1 for i, j in enumerate(encoder.indicators_)}
    for j, missing in drawn_missing.items():  # cells the model draws as missing
        if decoded[j] is not None and missing.any():
            decoded[j] = decoded[j].astype(object if decoded[j].dtype == object else np.float64)
            decoded[j][missing] = None if decoded[j].dtype == object else np.nan
    return drawn_missing


def drawn_codes(encoder, Z: np.ndarray) -> dict[int, np.ndarray]:
    """The code each cell of the model rows ``Z`` is drawn on (its index; -1 for none), by column with codes.
    Where more than one code indicator of a cell is drawn 1, the first wins."""
    start = _code_indicator_start(encoder)
    codes = {j: np.full(Z.shape[0], -1, dtype=np.int64) for j, _ in encoder.code_indicators}
    for i, (j, k) in enumerate(encoder.code_indicators):
        codes[j][(np.rint(Z[:, start + i]) == 1) & (codes[j] < 0)] = k
    return codes


def written_codes(encoder, Z: np.ndarray, values: list, drawn_missing: dict[int, np.ndarray]) -> None:
    """Write the codes drawn in the model rows ``Z`` into the cells of ``values`` (each column's values as
    samples hold them; in place), except where the cell is drawn missing."""
    for j, codes in drawn_codes(encoder, Z).items():
        cells = (codes >= 0) & ~drawn_missing.get(j, np.zeros(len(codes), dtype=bool))
        if cells.any():
            values[j] = np.asarray(values[j], dtype=object)
            values[j][cells] = np.asarray(encoder.columns_[j].codes, dtype=object)[codes[cells]]
