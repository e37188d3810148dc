"""Drawing rows from a fitted model: sampler runs, the category tilt, and given cells.

The functions here work on the fitted parts of an estimator (its averaged
network, encoder and tilt), so :class:`~skbfn.BFNGenerator`,
:class:`~skbfn.BFNImputer` and the tilt's own fit draw rows one way:

- :func:`draw` runs the sampler in bounded runs, and, without a condition,
  redraws the rows that the category tilt rejects;
- :func:`given_table` reads ``given`` (a table or a dict) into a table whose
  missing cells are the ones to draw;
- :func:`with_given_cells` writes the given cells into the decoded rows in
  their original values (the model matrix holds them in float32, so decoding
  alone could round them): the one place where given cells are written back.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from .._device import NETWORK_ROWS, batch_kind, to_tensor
from .._encoding import TableEncoder, is_missing
from .._encoding.relations import relations_broken
from ..core import BFN, CellMask
from .category_tilt import CategoryTilt
from .cell_repair import CellRepair, indicated_columns, outside

__all__ = [
    "MAX_CANDIDATES_PER_ROW",
    "MAX_REDRAWS",
    "SamplerSettings",
    "check_can_condition_on_cells",
    "conditional_draws",
    "draw",
    "fit_category_tilt",
    "given_table",
    "rejection_sample",
    "sampling_bounds",
    "sampling_relations",
    "sampling_repair",
    "tilt_pool_rows",
    "with_given_cells",
]

# draw() runs the sampler on at most this many rows at a time (by device type): memory stays bounded however
# many rows are asked for, and on a CPU each run's tensors stay in the caches (NETWORK_ROWS).
SAMPLE_BATCH = dict(NETWORK_ROWS)
# Rows drawn after fit to measure the network's category shares for category_shares='train': a share's
# standard error is then at most 0.0035. Fewer for shorter fits, so that the pool costs at most about a
# twentieth of the training in network passes (a training step's forward and backward pass costs about three
# sampler passes a row; the sampler's flow arithmetic costs more per pass, so the pool cost 8% of
# the fit on the messy table of benchmarks/bench_messy.py).
TILT_POOL_ROWS, TILT_MIN_POOL_ROWS, TILT_SHARE_OF_FIT = 20_000, 2_000, 0.05
# The tilt keeps at least this share of the network's rows on average, so that it costs at most a quarter
# more draws.
TILT_MIN_MEAN_ACCEPTANCE = 0.8
# Redraws of a rejected row before it is kept as it is (out-of-range cells clipped, with a warning); with
# every row kept with probability at least 1/16 by the tilt, 300 rejections in a row have odds below 4e-9.
MAX_REDRAWS = 300
# Candidates drawn per requested row, on average, before the rows still rejected are kept as they are: the
# tilt alone keeps a row with probability at least 1/16, but the bounds of a wide table that the model has
# barely learnt can reject nearly every row, and rejection would then run for hours.
MAX_CANDIDATES_PER_ROW = 64
# While fewer rows than this share pass, a rejected row gets several candidates a round (skbfn 0.1.0 drew one).
CANDIDATES_BELOW_ACCEPTANCE = 0.9
# Rows that are alike (no given cells, no per-row condition) are drawn in batches (skbfn 0.1.0 redrew each).
EXCHANGEABLE_BATCHES = True


@dataclass(frozen=True)
class SamplerSettings:
    """The sampler an estimator's parameters ask for (see :class:`~skbfn.BFNGenerator`)."""

    n_steps: int
    sampler: str
    guidance_scale: float
    rescaled_phi: float

    @classmethod
    def of(cls, estimator) -> SamplerSettings:
        """The settings of a :class:`~skbfn.BFNGenerator` (its ``n_steps``, ``sampler`` and guidance)."""
        return cls(estimator.n_steps, estimator.sampler, estimator.guidance_scale, estimator.rescaled_phi)


def draw_network(
    model: BFN,
    settings: SamplerSettings,
    n_rows: int,
    *,
    cond: torch.Tensor | None,
    given_values: np.ndarray | None,
    generator: torch.Generator,
) -> np.ndarray:
    """Model rows drawn by the network itself, in runs of at most ``SAMPLE_BATCH`` rows (by device type).

    ``given_values`` is a model matrix with NaN in the cells to draw (None: draw every cell).
    """
    device = next(model.parameters()).device
    runs, run_length = [], SAMPLE_BATCH[batch_kind(device)]
    for start in range(0, n_rows, run_length):
        rows = slice(start, min(n_rows, start + run_length))
        cells = None if given_values is None else CellMask.given_where_observed(to_tensor(given_values[rows], device))
        encoded = model.sample(
            rows.stop - rows.start,
            None if cond is None else cond[rows],
            n_steps=settings.n_steps,
            sampler=settings.sampler,
            guidance_scale=settings.guidance_scale,
            rescaled_phi=settings.rescaled_phi,
            cells=cells,
            generator=generator,
        )
        runs.append(encoded.cpu().numpy())
    return np.concatenate(runs)


def draw(
    model: BFN,
    settings: SamplerSettings,
    n_rows: int,
    *,
    generator: torch.Generator,
    cond: torch.Tensor | None = None,
    given_values: np.ndarray | None = None,
    tilt: CategoryTilt | None = None,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    relations: Callable[[np.ndarray, np.ndarray | None], np.ndarray] | None = None,
    repair: CellRepair | None = None,
) -> np.ndarray:
    """Model rows from ``model``: under the category ``tilt`` (when there is one and no condition), inside
    ``bounds`` and keeping the ``relations`` between columns.

    With a ``repair``, a drawn cell that may be missing or on a point mass,
    outside the bounds or breaking an order, is first drawn again given the
    rest of its row (:mod:`.cell_repair`). Then a row the tilt rejects, still
    with a drawn cell outside the bounds, or breaking a relation, is drawn
    again, with its own given cells, until it is kept
    (:func:`rejection_sample`): the rows follow the network's distribution
    (such cells repaired) reweighted by the tilt and truncated to the bounds
    and relations. Draws given a condition are not tilted.

    Parameters
    ----------
    model : BFN
        The (averaged) network.
    settings : SamplerSettings
        Sampler, steps and guidance.
    n_rows : int
        Rows to draw.
    generator : torch.Generator
        Randomness, on the model's device.
    cond : Tensor, optional
        Encoded condition per row.
    given_values : ndarray, optional
        Model matrix of given cells, NaN in the cells to draw.
    tilt : CategoryTilt, optional
        Weights of the categories.
    bounds : tuple of ndarray, optional
        Lowest and highest value of each model column a drawn cell may take.
    relations : callable, optional
        ``relations(rows, given)``: which model rows break an order, a window
        or a partition between columns in a drawn cell (:func:`sampling_relations`).
    repair : CellRepair, optional
        Draws again the cells with an indicator outside the bounds or
        breaking an order, given the rest of their row
        (:func:`sampling_repair`).

    Returns
    -------
    encoded : ndarray of shape (n_rows, n_model_columns)
        Drawn rows, in model units.
    """
    tilt = None if cond is not None else tilt
    if tilt is None and bounds is None and relations is None:
        return draw_network(model, settings, n_rows, cond=cond, given_values=given_values, generator=generator)
    device = next(model.parameters()).device

    def draw_again(rows: np.ndarray) -> np.ndarray:
        given = None if given_values is None else given_values[rows]
        row_cond = None if cond is None else cond[torch.from_numpy(rows).to(cond.device)]
        fresh = draw_network(model, settings, len(rows), cond=row_cond, given_values=given, generator=generator)
        return fresh if repair is None else repair(fresh, given, _redraw(model, settings, row_cond, generator))

    def uniform(n: int) -> np.ndarray:
        return torch.rand(n, generator=generator, device=device, dtype=torch.float64).cpu().numpy()

    def log_acceptance(rows: np.ndarray, given: np.ndarray | None) -> np.ndarray:
        total = np.zeros(len(rows)) if tilt is None else tilt.log_acceptance(rows, given)
        if bounds is not None:
            total[outside(rows, given, bounds).any(axis=1)] = -np.inf
        if relations is not None:
            total[relations(rows, given)] = -np.inf
        return total

    if cond is None and given_values is None and EXCHANGEABLE_BATCHES:  # the rows are alike: draw in batches
        expected = 1.0 if tilt is None else float(np.exp(tilt.log_mean_acceptance))
        encoded, kept_as_drawn = batched_rejection_sample(log_acceptance, n_rows, expected, draw_again, uniform)
    else:
        encoded = draw_again(np.arange(n_rows))
        encoded, kept_as_drawn = rejection_sample(log_acceptance, encoded, given_values, draw_again, uniform)
    if bounds is not None and kept_as_drawn.size:
        given = None if given_values is None else given_values[kept_as_drawn]
        cells_outside = outside(encoded[kept_as_drawn], given, bounds)
        if cells_outside.any():
            warnings.warn(
                f"{int(cells_outside.any(axis=1).sum())} rows still had cells outside the training range after "
                f"{MAX_CANDIDATES_PER_ROW} candidates per row; those cells were clipped to the range. A model "
                "that draws so many cells outside is undertrained (raise max_iter) or its columns need a "
                "transform (continuous_transform).",
                UserWarning,
                stacklevel=4,
            )
            kept = encoded[kept_as_drawn]
            encoded[kept_as_drawn] = np.where(cells_outside, np.clip(kept, *bounds), kept)
    if relations is not None and kept_as_drawn.size:
        broken = relations(encoded[kept_as_drawn], None if given_values is None else given_values[kept_as_drawn])
        if broken.any():
            warnings.warn(
                f"{int(broken.sum())} rows still broke an order, a window or a partition between columns that "
                f"every training row keeps (a start before its end, an age group) after {MAX_CANDIDATES_PER_ROW} "
                "candidates per row; they are kept as drawn. A model that draws so many such rows is undertrained "
                "(raise max_iter).",
                UserWarning,
                stacklevel=4,
            )
    return encoded


def _redraw(model: BFN, settings: SamplerSettings, cond: torch.Tensor | None, generator: torch.Generator):
    """``redraw(indices, request)`` for :class:`CellRepair`: rows ``indices`` drawn with ``request``'s cells given."""

    def redraw(indices: np.ndarray, request: np.ndarray) -> np.ndarray:
        row_cond = None if cond is None else cond[torch.from_numpy(indices).to(cond.device)]
        return draw_network(model, settings, len(indices), cond=row_cond, given_values=request, generator=generator)

    return redraw


def conditional_draws(module, settings: SamplerSettings, given: np.ndarray, n_draws: int, **draw_args) -> np.ndarray:
    """``n_draws`` draws of each row of the model matrix ``given`` (NaN where drawn): ``[rows, n_draws, columns]``.

    ``draw_args`` (``generator``, ``tilt``, ``bounds``, ``relations``, ``repair``) go to :func:`draw`.
    """
    repeated = np.repeat(given, n_draws, axis=0)  # each row's draws in a run
    rows = draw(module, settings, len(repeated), given_values=repeated, **draw_args)
    return rows.reshape(len(given), n_draws, -1)


def sampling_bounds(encoder: TableEncoder, estimator) -> tuple[np.ndarray, np.ndarray] | None:
    """The bounds :func:`draw` keeps samples in for an estimator's ``enforce_bounds`` (none for images)."""
    return encoder.model_bounds if estimator.enforce_bounds and estimator.network == "mlp" else None


def sampling_relations(encoder: TableEncoder, estimator):
    """The relations between columns :func:`draw` keeps for an estimator's ``enforce_bounds``, as a function of
    model rows and their given cells (:func:`~skbfn._encoding.relations.relations_broken`); None without any."""
    kinds = ("orders_", "partitions_", "weekdays_", "lookups_", "rules_")
    relations = [r for kind in kinds for r in getattr(encoder, kind, ())]
    if not (estimator.enforce_bounds and estimator.network == "mlp" and relations):
        return None
    return functools.partial(relations_broken, encoder)


def sampling_repair(encoder: TableEncoder, estimator, model: BFN) -> CellRepair | None:
    """The :class:`CellRepair` :func:`draw` uses for an estimator's ``enforce_bounds``: None without bounds,
    without a column that has an indicator, or for a model that cannot be given cells (it never learnt to)."""
    bounds = sampling_bounds(encoder, estimator)
    columns = indicated_columns(encoder)
    can_condition = model.cell_inputs and estimator.conditional_fraction > 0
    if bounds is None or not columns or not can_condition:
        return None
    return CellRepair(encoder, bounds, columns)


def rejection_sample(log_acceptance, encoded: np.ndarray, given_values, draw_again, uniform):
    """Keep each row of ``encoded`` with probability ``exp(log_acceptance(rows, given))``, else draw it again.

    ``draw_again(rows)`` returns fresh rows for the row indices ``rows`` (with
    their given cells; an index may repeat); ``uniform(n)`` returns n
    uniforms in [0, 1). Each row is kept or redrawn on its own, so every row
    follows the accepted distribution given its own given cells. While fewer
    than 90% of the rows pass, each rejected row gets several candidates in
    one draw (about ``1.5 / acceptance``, at most 16) and keeps the first
    accepted one, an exact rejection sampler that needs few rounds.
    ``encoded`` is updated in place (a large sample is not copied). Returns
    ``encoded`` and the rows still rejected after ``MAX_REDRAWS`` rounds or
    ``MAX_CANDIDATES_PER_ROW`` candidates per row of ``encoded`` (whichever
    comes first), which hold their last draw.
    """

    def given(rows: np.ndarray):
        return None if given_values is None else given_values[rows]

    keep = np.log(uniform(len(encoded))) < log_acceptance(encoded, given_values)
    pending = np.flatnonzero(~keep)
    rate = max(float(keep.mean()), 1 / 16) if len(keep) else 1.0
    copies = 1 if rate >= CANDIDATES_BELOW_ACCEPTANCE else int(min(16, np.ceil(1.5 / rate)))
    budget, drawn = MAX_CANDIDATES_PER_ROW * len(encoded), len(encoded)
    for _ in range(MAX_REDRAWS):
        if pending.size == 0 or drawn >= budget:
            break
        rows = np.repeat(pending, copies)
        drawn += len(rows)
        candidates = draw_again(rows)
        passed = np.log(uniform(len(rows))) < log_acceptance(candidates, given(rows))
        passed = passed.reshape(len(pending), copies)
        chosen = np.where(passed.any(axis=1), passed.argmax(axis=1), copies - 1)
        encoded[pending] = candidates.reshape(len(pending), copies, -1)[np.arange(len(pending)), chosen]
        pending = pending[~passed.any(axis=1)]
    return encoded, pending


def batched_rejection_sample(log_acceptance, n_rows: int, expected_rate: float, draw_again, uniform):
    """``n_rows`` accepted rows of a distribution whose rows are alike (no given cells, no per-row condition).

    Each round draws enough rows for the rows still missing at the acceptance
    rate seen so far (the first at ``expected_rate``), plus a tenth, and keeps
    the accepted ones in order: an exact rejection sampler whose extra cost
    is the rejected share, in one or two sampler runs. Returns the rows and
    an empty index array (no row is left unaccepted, unless ``MAX_REDRAWS``
    rounds pass or ``MAX_CANDIDATES_PER_ROW`` candidates per row are drawn,
    when the last rows drawn fill in and are returned as such).
    """
    kept, n_kept, rate = [], 0, max(expected_rate, 1 / 16)
    budget, drawn = MAX_CANDIDATES_PER_ROW * n_rows, 0
    for _ in range(MAX_REDRAWS):
        missing = n_rows - n_kept
        size = max(min(int(np.ceil(missing / rate * 1.1)) + 1, budget - drawn), missing)
        candidates = draw_again(np.zeros(size, dtype=np.int64))
        drawn += size
        passed = np.log(uniform(len(candidates))) < log_acceptance(candidates, None)
        kept.append(candidates[passed][:missing])
        n_kept += len(kept[-1])
        rate = max(float(passed.mean()), 1 / 16)
        if n_kept == n_rows:
            return np.concatenate(kept), np.empty(0, dtype=np.int64)
        if drawn >= budget:
            break
    missing = n_rows - n_kept  # fewer than the last round's rejected candidates, which fill in
    return np.concatenate([*kept, candidates[~passed][:missing]]), np.arange(n_kept, n_rows)


def tilt_pool_rows(n_training_rows: int, n_steps: int) -> int:
    """Rows to draw for the tilt after a fit that saw ``n_training_rows`` rows (steps times batch)."""
    budget = TILT_SHARE_OF_FIT * 3 * n_training_rows / (n_steps + 1)
    return int(np.clip(budget, TILT_MIN_POOL_ROWS, TILT_POOL_ROWS))


def fit_category_tilt(
    model: BFN,
    settings: SamplerSettings,
    encoder: TableEncoder,
    counts: list[np.ndarray],
    generator: torch.Generator,
    *,
    pool_rows: int = TILT_POOL_ROWS,
    bounds: tuple[np.ndarray, np.ndarray] | None = None,
    relations: Callable[[np.ndarray, np.ndarray | None], np.ndarray] | None = None,
    repair: CellRepair | None = None,
) -> CategoryTilt:
    """Category weights under which the network's own rows have about the training shares ``counts``.

    Draws ``pool_rows`` rows with ``settings`` (the weights hold for that
    sampler), their broken cells drawn again by ``repair``, keeps those inside
    ``bounds`` and keeping the ``relations`` (as sampling will: rows that
    break them may hold some categories more often than others), and fits
    the weights on them; the tilt keeps at least
    ``TILT_MIN_MEAN_ACCEPTANCE`` of them.
    """
    pool = draw_network(model, settings, pool_rows, cond=None, given_values=None, generator=generator)
    if repair is not None:  # as sampling repairs them
        pool = repair(pool, None, _redraw(model, settings, None, generator))
    kept = np.ones(len(pool), dtype=bool)
    if bounds is not None:
        kept &= ~outside(pool, None, bounds).any(axis=1)
    if relations is not None:
        kept &= ~relations(pool, None)
    pool = pool[kept] if kept.sum() >= TILT_MIN_POOL_ROWS // 2 else pool
    return CategoryTilt.fit(pool, counts, encoder.categorical_positions, min_mean_acceptance=TILT_MIN_MEAN_ACCEPTANCE)


def check_can_condition_on_cells(model: BFN, conditional_fraction: float) -> None:
    """Refuse given cells for a model that never learned to condition on them."""
    if not model.cell_inputs:
        raise ValueError("This model was saved by an skbfn release without given cells: refit it to use `given`.")
    if conditional_fraction == 0:
        raise ValueError(
            "This model was fitted with conditional_fraction=0, so it never learned to condition on given "
            "cells; refit it with conditional_fraction > 0."
        )


def given_table(given, n_samples: int, *, validate, feature_names: list, as_frame: bool):
    """The table of given cells (missing where a cell is drawn), from a table or a dict ``{column: value}``.

    ``validate(table)`` checks a table against the fitted columns (and
    returns it); a dict is expanded over ``feature_names``, as a DataFrame
    when ``as_frame``. A table keeps its index.
    """
    if hasattr(given, "iloc") and hasattr(given, "columns") and as_frame:
        unknown = [name for name in given.columns if name not in feature_names]
        if not unknown and list(given.columns) != list(feature_names):  # some columns: the others drawn
            given = given.reindex(columns=feature_names).astype(
                {name: object for name in feature_names if name not in given.columns}
            )
    if not isinstance(given, dict):
        table = validate(given)
        if table.shape[0] != n_samples:
            raise ValueError(f"given has {table.shape[0]} rows, but n_samples is {n_samples}.")
        return table
    unknown = [key for key in given if key not in feature_names]
    if unknown:
        raise ValueError(
            f"given names columns {unknown[:10]} that are not columns of X; columns are {feature_names[:20]}."
        )
    columns = [np.full(n_samples, given.get(name, np.nan), dtype=object) for name in feature_names]
    if as_frame:
        import pandas as pd

        return pd.DataFrame(dict(zip(feature_names, columns, strict=True)), columns=feature_names)
    return np.column_stack(columns)


def with_given_cells(rows, table, missing_cells=None):
    """``rows`` (decoded draws) with the given (non-missing) cells of ``table`` in their original values.

    ``missing_cells(j, values)`` says which cells of column ``j`` are missing
    (default: None, NaN, ``pd.NA``; a column may mark them with a string of
    its own, ``'?'``). A DataFrame comes back with ``table``'s index when
    ``table`` has one.
    """
    missing_cells = (lambda j, values: is_missing(values)) if missing_cells is None else missing_cells
    if hasattr(rows, "iloc"):
        import pandas as pd

        for j in range(rows.shape[1]):
            values = table.iloc[:, j].to_numpy() if hasattr(table, "iloc") else table[:, j]
            given = ~missing_cells(j, values)
            if given.any():
                column = rows.iloc[:, j].copy()
                column.iloc[np.flatnonzero(given)] = pd.Series(values[given]).astype(column.dtype).array
                rows[rows.columns[j]] = column
        if hasattr(table, "index"):
            rows.index = table.index
        return rows
    table = np.asarray(table, dtype=object)
    given = np.column_stack([~missing_cells(j, table[:, j]) for j in range(table.shape[1])])
    rows[given] = table[given].astype(rows.dtype) if rows.dtype != object else table[given]
    return rows
