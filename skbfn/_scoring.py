"""Likelihood bounds for the estimator: Monte-Carlo draws that belong to each row."""

from __future__ import annotations

import math
import zlib

import numpy as np
import torch

from .core import BFN

__all__ = ["elbo_per_row", "row_draws"]

# Upper bound on rows x draws x features held in one network batch while scoring.
_MAX_ELEMENTS_PER_CHUNK = 2**17


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
    """ELBO of each row of ``z`` (scaled float32 data, which also seed the draws), float64."""
    reference = next(model.parameters())
    noise_shape = model.flow.noise_shape(model.data_shape)
    noise_size = math.prod(noise_shape)
    chunk = max(1, _MAX_ELEMENTS_PER_CHUNK // (n_draws * noise_size))
    scores = []
    for start in range(0, z.shape[0], chunk):
        rows = slice(start, start + chunk)
        offsets, *noises = row_draws(z[rows], n_draws, noise_size, seed)
        noises = [noise.reshape(*noise.shape[:2], *noise_shape) for noise in noises]
        draws = tuple(torch.from_numpy(d).to(reference) for d in (offsets, *noises))
        x = torch.from_numpy(z[rows]).to(reference)
        elbo = model.elbo(x, None if cond is None else cond[rows], n_steps=n_steps, draws=draws)
        scores.append(elbo.double().cpu().numpy())
    return np.concatenate(scores)
