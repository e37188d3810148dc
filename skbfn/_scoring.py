"""Likelihood bounds for the estimator: Monte-Carlo draws that belong to each row."""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch

from .core import BFN, CellMask

__all__ = ["elbo_per_row", "row_draws"]

# Upper bound on rows x draws x features held in one network batch while scoring.
_MAX_ELEMENTS_PER_CHUNK = 2**17
_ROWS_PER_CALL = 256


def row_draws(rows: np.ndarray, n_draws: int, noise_size: int, seed: int) -> tuple[np.ndarray, ...]:
    """Monte-Carlo draws for :meth:`skbfn.core.BFN.elbo`, seeded by each row's content.

    Row ``r`` gets its own stream, seeded by ``(seed, crc32(bytes of rows[r]))``: a
    row's score depends on that row alone (not on its position or on the other
    rows), the same rows always get the same scores, and different rows get
    independent draws, so that errors average out over a data set.

    Returns
    -------
    offsets : ndarray of shape (n_rows, n_draws)
    noise, recon_noise, sender_noise : ndarray of shape (n_rows, n_draws, noise_size)
    """
    n_rows = rows.shape[0]
    offsets = np.empty((n_rows, n_draws))
    noise = np.empty((3, n_rows, n_draws, noise_size))
    rows = np.ascontiguousarray(rows)
    for r in range(n_rows):
        rng = np.random.default_rng([seed, zlib.crc32(rows[r].tobytes())])
        offsets[r] = rng.random(n_draws)
        noise[:, r] = rng.standard_normal((3, n_draws, noise_size))
    return offsets, noise[0], noise[1], noise[2]


def elbo_per_row(
    model: BFN,
    z: np.ndarray,
    cond: torch.Tensor | None,
    *,
    n_steps: int | None,
    n_draws: int,
    seed: int,
) -> np.ndarray:
    """ELBO of each row of ``z`` (scaled float32 data, NaN in missing cells, which also seed the draws), float64."""
    reference = next(model.parameters())
    noise_shape = model.flow.noise_shape(model.data_shape)
    noise_size = math.prod(noise_shape)
    # Rows per network call: at most _ROWS_PER_CALL, so that scoring a few rows stays cheap.
    chunk = max(1, min(_ROWS_PER_CALL, _MAX_ELEMENTS_PER_CHUNK // (n_draws * noise_size)))
    scores = []
    for start in range(0, z.shape[0], chunk):
        # Every network call sees exactly `chunk` rows (the last chunk padded with copies of its last row):
        # float32 kernels may round differently for other batch sizes, and a row's score must not depend
        # on how many rows are scored with it.
        index = np.minimum(np.arange(start, start + chunk), z.shape[0] - 1)
        rows = z[index]
        offsets, *noises = row_draws(rows, n_draws, noise_size, seed)
        noises = [noise.reshape(*noise.shape[:2], *noise_shape) for noise in noises]
        draws = tuple(torch.from_numpy(d).to(reference) for d in (offsets, *noises))
        x = torch.from_numpy(rows).to(reference)
        cells = CellMask.missing(x) if model.cell_inputs else None  # missing cells absent: the observed marginal
        row_cond = None if cond is None else cond[torch.from_numpy(index).to(cond.device)]
        elbo = model.elbo(x, row_cond, n_steps=n_steps, cells=cells, draws=draws)
        scores.append(elbo.double().cpu().numpy()[: min(chunk, z.shape[0] - start)])
    return np.concatenate(scores)
