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

from dataclasses import dataclass

import numpy as np
import torch

from .._device import batch_kind, to_tensor
from .._encoding import TableEncoder, is_missing
from ..core import BFN, CellMask
from .category_tilt import CategoryTilt, rejection_sample

__all__ = [
    "TILT_POOL_ROWS",
    "SamplerSettings",
    "check_can_condition_on_cells",
    "draw",
    "fit_category_tilt",
    "given_table",
    "with_given_cells",
]

# draw() runs the sampler on at most this many rows at a time, so that memory stays bounded however many rows
# are asked for: sample(200_000) of a 10-column table peaked at 695 MB, against 1128 MB in one run. A GPU takes
# larger runs: each step of a run is many small kernels, whose launches cost the same at any size.
SAMPLE_BATCH = {"cpu": 65_536, "cuda": 262_144}
# Rows drawn after fit to measure the network's category shares for category_shares='train': a share's
# standard error is then at most 0.0035.
TILT_POOL_ROWS = 20_000


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
) -> np.ndarray:
    """Model rows from ``model``: under the category ``tilt`` when there is one and no condition.

    A row the tilt rejects is drawn again, with its own given cells, until it
    is kept (:func:`~skbfn._inference.category_tilt.rejection_sample`).
    Draws given a condition are always the network's own.

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

    Returns
    -------
    encoded : ndarray of shape (n_rows, n_model_columns)
        Drawn rows, in model units.
    """
    encoded = draw_network(model, settings, n_rows, cond=cond, given_values=given_values, generator=generator)
    if tilt is None or cond is not None:
        return encoded
    device = next(model.parameters()).device

    def draw_again(rows: np.ndarray) -> np.ndarray:
        given = None if given_values is None else given_values[rows]
        return draw_network(model, settings, len(rows), cond=None, given_values=given, generator=generator)

    def uniform(n: int) -> np.ndarray:
        return torch.rand(n, generator=generator, device=device, dtype=torch.float64).cpu().numpy()

    return rejection_sample(tilt, encoded, given_values, draw_again, uniform)


def fit_category_tilt(
    model: BFN, settings: SamplerSettings, encoder: TableEncoder, counts: list[np.ndarray], generator: torch.Generator
) -> CategoryTilt:
    """Category weights under which the network's own rows have the training shares ``counts``.

    Draws ``TILT_POOL_ROWS`` rows with ``settings`` (the weights hold for that sampler).
    """
    pool = draw_network(model, settings, TILT_POOL_ROWS, cond=None, given_values=None, generator=generator)
    return CategoryTilt.fit(pool, counts, encoder.categorical_positions)


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


def with_given_cells(rows, table):
    """``rows`` (decoded draws) with the given (non-missing) cells of ``table`` in their original values.

    A DataFrame comes back with ``table``'s index when ``table`` has one.
    """
    if hasattr(rows, "iloc"):
        import pandas as pd

        for j in range(rows.shape[1]):
            values = table.iloc[:, j].to_numpy() if hasattr(table, "iloc") else table[:, j]
            given = ~is_missing(values)
            if given.any():
                column = rows.iloc[:, j].copy()
                column.iloc[np.flatnonzero(given)] = pd.Series(values[given]).astype(column.dtype).array
                rows[rows.columns[j]] = column
        if hasattr(table, "index"):
            rows.index = table.index
        return rows
    table = np.asarray(table, dtype=object)
    given = np.column_stack([~is_missing(table[:, j]) for j in range(table.shape[1])])
    rows[given] = table[given].astype(rows.dtype) if rows.dtype != object else table[given]
    return rows
