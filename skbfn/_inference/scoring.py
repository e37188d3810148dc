"""Likelihood bounds for the estimator: quasi-Monte-Carlo draws that belong to each row.

Each row's draws (times and flow noises) are one scrambled Sobol point set,
randomised for that row by a digital shift (an XOR of every coordinate's bits
with a value that only the row's content and the seed decide). Every point is
then uniform, so the estimate of the bound stays unbiased, while the point set
covers the unit cube far more evenly than independent draws: on two moons the
per-row standard deviation at 128 draws falls from 0.407 nats (independent
draws) to 0.132 (``benchmarks/bench_score_noise.py``, both with the control
variates of the continuous flow). Hashing the row
keeps a row's score a function of that row alone (not of its position, nor of
the other rows scored with it), with no Python loop over rows.
"""

from __future__ import annotations

import functools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from scipy.stats import qmc

from .._device import NETWORK_ROWS, batch_kind
from .._encoding.cell_widths import CellWidths
from .._encoding.tails import ContinuousTails
from ..core import BFN, CellMask

__all__ = [
    "RECONSTRUCTION_DIVISOR",
    "BoundSettings",
    "elbo_per_row",
    "elbo_with_tails",
    "recon_draw_count",
    "row_draws",
    "row_keys",
    "rows_per_call",
]

# Upper bound on rows x draws x features in one network batch while scoring, and on rows per call, by
# device type: on 2 CPU cores 2**19 elements scored bench_scale.py's 100-column table 1.3x faster than 2**18
# and 1.6x faster than 2**17 (calls of fewer than a few thousand network rows pay their own overheads); a GPU
# needs far larger batches to be busy. On a CPU a call also runs at most NETWORK_ROWS network rows, so that
# its tensors stay in the caches: 3,000 rows of the 10-column table scored in 1.86 s in calls of 32 rows
# (4,096 network rows at 128 draws) against 2.52 s in calls of 256 (32,768), with the same scores.
_MAX_ELEMENTS_PER_CHUNK = {"cpu": 2**19, "cuda": 2**24}
_ROWS_PER_CALL = {"cpu": 256, "cuda": 8192}
_MAX_NETWORK_ROWS_PER_CALL = {"cpu": NETWORK_ROWS["cpu"], "cuda": _MAX_ELEMENTS_PER_CHUNK["cuda"]}
_BITS = 30  # resolution of the Sobol points (scipy's default)
_SOBOL_MAX_DIM = 21201  # beyond this, coordinates come from a fixed pseudo-random base (plain Monte Carlo)
_BASE_SEED = 20231107
# The reconstruction term gets n_draws // RECONSTRUCTION_DIVISOR draws. Its per-draw spread is a small part
# of the diffusion term's (two moons: 0.12 nats against 4.7), and at the default 128 draws 8 of them score
# about as precisely as 32 did (median per-row sd 0.132 against 0.131 on two moons, benchmarks/
# bench_score_noise.py; 0.454 against 0.444 on bench_scale.py's 10-column mixed table, measured apart): 136
# network passes per row instead of 160. Models fitted before keep the quarter they were fitted with
# (``reconstruction_divisor_`` = 4).
RECONSTRUCTION_DIVISOR = 16


@dataclass(frozen=True)
class BoundSettings:
    """How the likelihood bound is estimated, by ``fit``'s validation and by ``score_samples`` alike.

    Parameters
    ----------
    n_loss_steps : int or None
        ``n`` of the discrete-time loss ``L_n``; None for the continuous-time loss.
    n_draws : int
        Quasi-Monte-Carlo draws per row.
    dequantisation_widths : CellWidths or None
        Widths of the integer cells of the model's columns (0 off the integer
        lattice), per column or per cell
        (:class:`~skbfn._encoding.cell_widths.CellWidths`); None when no
        column is dequantised.
    reconstruction_divisor : int
        The reconstruction term gets ``n_draws // reconstruction_divisor``
        draws (at least one): :data:`RECONSTRUCTION_DIVISOR` for models fitted
        today, 4 for models fitted before it was lowered.
    """

    n_loss_steps: int | None
    n_draws: int
    dequantisation_widths: CellWidths | None = None
    reconstruction_divisor: int = RECONSTRUCTION_DIVISOR

    @classmethod
    def of(cls, estimator, encoder=None, *, fitted: bool = True) -> BoundSettings:
        """The bound an estimator's ``loss``, ``n_loss_steps`` and ``n_elbo_draws`` ask for on a fitted table.

        This is the one place where ``loss`` decides the bound's loss steps.
        With ``fitted`` the reconstruction draws are those the estimator's
        model was fitted with (its ``reconstruction_divisor_``); without, those
        of a fit made now (training's validation bound).
        """
        n_loss_steps = None if estimator.loss == "continuous" else int(estimator.n_loss_steps)
        widths = None if encoder is None else encoder.dequantisation_widths
        divisor = (
            getattr(estimator, "reconstruction_divisor_", RECONSTRUCTION_DIVISOR) if fitted else RECONSTRUCTION_DIVISOR
        )
        return cls(n_loss_steps, int(estimator.n_elbo_draws), widths, divisor)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """The SplitMix64 finaliser (Steele et al. 2014), elementwise on uint64: a counter-based generator."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def row_keys(rows: np.ndarray, seed: int) -> np.ndarray:
    """A 64-bit key per row from its float32 bits and ``seed`` (NaN and -0.0 canonicalised), shape ``(n_rows,)``."""
    rows = np.asarray(rows, dtype=np.float32)
    rows = np.where(np.isnan(rows), np.float32(np.nan), rows + np.float32(0.0)).reshape(rows.shape[0], -1)
    words = np.ascontiguousarray(rows).view(np.uint32).astype(np.uint64)
    columns = _splitmix64(np.arange(words.shape[1], dtype=np.uint64) ^ _splitmix64(np.uint64(seed)))
    with np.errstate(over="ignore"):
        mixed = _splitmix64(words ^ columns).sum(axis=1, dtype=np.uint64)
    return _splitmix64(mixed)


@functools.lru_cache(maxsize=16)
def _base_points(n_points: int, dim: int) -> np.ndarray:
    """``n_points`` scrambled Sobol points in ``dim`` dimensions, as ``_BITS``-bit integers (read-only)."""
    sobol_dim = min(dim, _SOBOL_MAX_DIM)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance properties need a power of 2; any count is valid
        points = qmc.Sobol(sobol_dim, scramble=True, seed=_BASE_SEED).random(n_points)
    integers = np.floor(points * 2**_BITS).astype(np.uint64)
    if dim > sobol_dim:
        extra = np.random.default_rng(_BASE_SEED).integers(0, 2**_BITS, (n_points, dim - sobol_dim), dtype=np.uint64)
        integers = np.concatenate([integers, extra], axis=1)
    integers.setflags(write=False)
    return integers


@functools.lru_cache(maxsize=16)
def _base_points_on(n_points: int, dim: int, device: torch.device) -> torch.Tensor:
    """:func:`_base_points` as an int64 tensor on ``device`` (cached, so it is copied there once)."""
    return torch.from_numpy(_base_points(n_points, dim).astype(np.int64)).to(device)


def _shifted_uniforms(keys: np.ndarray, n_points: int, dim: int, stream: int, device: torch.device) -> torch.Tensor:
    """The base point set, digitally shifted per row: float64 uniforms in (0, 1), ``(n_rows, n_points, dim)``.

    The shifts (one per row and coordinate) are hashed on the CPU; the point sets, ``n_points`` times
    larger, are made on ``device``.
    """
    coordinates = np.arange(dim, dtype=np.uint64) + np.uint64(stream) * np.uint64(_SOBOL_MAX_DIM + 1)
    shifts = _splitmix64(keys[:, None] ^ _splitmix64(coordinates)[None, :]) >> np.uint64(64 - _BITS)
    shifts = torch.from_numpy(shifts.astype(np.int64)).to(device)
    shifted = _base_points_on(n_points, dim, device)[None] ^ shifts[:, None, :]
    return (shifted.to(torch.float64) + 0.5) / 2**_BITS


def recon_draw_count(n_draws: int, divisor: int = RECONSTRUCTION_DIVISOR) -> int:
    """Draws of the reconstruction term: ``n_draws // divisor``, at least one (it varies far less than the
    diffusion term)."""
    return max(1, n_draws // divisor)


def row_draws(
    rows: np.ndarray,
    n_draws: int,
    noise_size: int,
    seed: int,
    *,
    sender: bool = False,
    dequantisation_widths: np.ndarray | None = None,
    device: torch.device | str = "cpu",
    reconstruction_divisor: int = RECONSTRUCTION_DIVISOR,
) -> dict[str, torch.Tensor | None]:
    """Quasi-Monte-Carlo draws for :meth:`skbfn.core.BFN.elbo`, a function of each row's content.

    Returns
    -------
    draws : dict
        float64 tensors on ``device`` (made on the CPU for devices without
        float64): ``times`` (n_rows, n_draws), uniform in (0, 1); ``noise``
        (n_rows, n_draws, noise_size), standard normal flow noise at those
        times; ``recon_noise`` (n_rows, recon_draw_count(n_draws,
        reconstruction_divisor), noise_size), flow noise at ``t = 1``; ``sender_noise`` like ``noise``
        if ``sender``, else None; ``offsets`` and ``recon_offsets`` (n_rows,
        draws, n_columns), uniform dequantisation offsets times
        ``dequantisation_widths`` (None without widths), which are one per
        column ``(n_columns,)`` or one per row and column ``(n_rows, n_columns)``.
    """
    device = torch.device(device)
    if device.type not in ("cpu", "cuda"):  # MPS, for one, has no float64
        device = torch.device("cpu")
    keys = row_keys(rows, seed)
    n_offsets = 0 if dequantisation_widths is None else np.shape(dequantisation_widths)[-1]
    n_noises = 2 if sender else 1
    diffusion = _shifted_uniforms(keys, n_draws, 1 + noise_size * n_noises + n_offsets, 0, device)
    n_recon = recon_draw_count(n_draws, reconstruction_divisor)
    recon = _shifted_uniforms(keys, n_recon, noise_size + n_offsets, 1, device)
    end = 1 + noise_size * n_noises
    ndtri = torch.special.ndtri
    draws = {
        "times": diffusion[..., 0],
        "noise": ndtri(diffusion[..., 1 : 1 + noise_size]),
        "recon_noise": ndtri(recon[..., :noise_size]),
        "sender_noise": ndtri(diffusion[..., 1 + noise_size : end]) if sender else None,
        "offsets": None,
        "recon_offsets": None,
    }
    if n_offsets:
        widths = torch.from_numpy(np.asarray(dequantisation_widths, dtype=np.float64)).to(device)
        widths = widths if widths.ndim == 1 else widths[:, None, :]  # per row: the same for each of its draws
        draws["offsets"] = (diffusion[..., end:] - 0.5) * widths
        draws["recon_offsets"] = (recon[..., noise_size:] - 0.5) * widths
    return draws


def rows_per_call(device: torch.device, n_draws: int, noise_size: int) -> int:
    """Rows in each scoring call: as many as the device's element and network-row budgets allow, at most
    its row cap (so that scoring a few rows stays cheap: every call is padded to this many rows)."""
    kind = batch_kind(device)
    by_elements = _MAX_ELEMENTS_PER_CHUNK[kind] // (n_draws * noise_size)
    by_network_rows = _MAX_NETWORK_ROWS_PER_CALL[kind] // n_draws
    return max(1, min(_ROWS_PER_CALL[kind], by_elements, by_network_rows))


def elbo_per_row(
    model: BFN, encoded: np.ndarray, cond: torch.Tensor | None, *, bound: BoundSettings, seed: int
) -> np.ndarray:
    """ELBO of each row of the model matrix ``encoded`` (float32, NaN in missing cells), float64, model units.

    The draws of a row are seeded by its content and ``seed``. With
    dequantisation widths in ``bound`` (of each integer cell, 0 off the
    integer lattice), each draw scores the row moved by its own uniform offset
    within the cell: ``E_u ELBO(x + u)``, a bound on the cell's probability
    once the log of the cell's width is added (the encoder's log-Jacobian).
    """
    n_draws, n_loss_steps, widths = bound.n_draws, bound.n_loss_steps, bound.dequantisation_widths
    reference = next(model.parameters())
    noise_shape = model.flow.noise_shape(model.data_shape)
    noise_size = math.prod(noise_shape)
    chunk = rows_per_call(reference.device, n_draws, noise_size)

    def tensor(array: torch.Tensor | np.ndarray | None, shape: tuple[int, ...] | None = None) -> torch.Tensor | None:
        if array is None:
            return None
        array = torch.as_tensor(array)
        return (array.reshape(*array.shape[:2], *shape) if shape else array).to(reference)

    scores = []
    n_rows = encoded.shape[0]
    for start in range(0, n_rows, chunk):
        # Every network call sees exactly `chunk` rows (the last chunk padded with copies of its last row):
        # float32 kernels may round differently for other batch sizes, and a row's score must not depend
        # on how many rows are scored with it.
        index = np.minimum(np.arange(start, start + chunk), n_rows - 1)
        rows = encoded[index]
        draws = row_draws(
            rows,
            n_draws,
            noise_size,
            seed,
            sender=n_loss_steps is not None,
            dequantisation_widths=None if widths is None else widths.of(rows),
            device=reference.device,
            reconstruction_divisor=bound.reconstruction_divisor,
        )
        noises = tuple(tensor(draws[name], noise_shape) for name in ("noise", "recon_noise", "sender_noise"))
        offsets = None
        if draws["offsets"] is not None:
            offsets = (tensor(draws["offsets"]), tensor(draws["recon_offsets"]))  # [B, M, n_columns], like the rows
        x = torch.from_numpy(rows).to(reference)
        cells = CellMask.absent_where_missing(x) if model.cell_inputs else None
        row_cond = None if cond is None else cond[torch.from_numpy(index).to(cond.device)]
        elbo = model.elbo(
            x,
            row_cond,
            n_loss_steps=n_loss_steps,
            cells=cells,
            draws=(tensor(draws["times"]), *noises),
            dequantisation=offsets,
        )
        scores.append(elbo.double().cpu().numpy()[: min(chunk, n_rows - start)])
    return np.concatenate(scores)


def elbo_with_tails(
    model: BFN,
    encoded: np.ndarray,
    cond: torch.Tensor | None,
    tails: ContinuousTails,
    *,
    bound: BoundSettings,
    seed: int,
) -> np.ndarray:
    """:func:`elbo_per_row` under the tails of the continuous columns beyond their range (:mod:`skbfn._encoding.tails`).

    A row with cells beyond their training range takes the log-sum of two
    bounds: every cell from the model, and those cells from their tails with
    the rest of the row from the model (scored with them absent, a second
    pass over those rows only); a row with a cell too far out for the model
    (``tails.tail_only``) takes the second alone. Float64, model units.
    """
    scores = elbo_per_row(model, encoded, cond, bound=bound, seed=seed) + tails.log_inside
    scores[tails.tail_only] = -np.inf
    rows = np.flatnonzero(tails.beyond.any(axis=1))
    if rows.size and model.cell_inputs:
        rest = np.where(tails.beyond[rows], np.float32(np.nan), encoded[rows])
        rest_cond = None if cond is None else cond[torch.from_numpy(rows).to(cond.device)]
        rest_scores = elbo_per_row(model, rest, rest_cond, bound=bound, seed=seed)
        scores[rows] = np.logaddexp(scores[rows], rest_scores + tails.log_inside[rows] + tails.log_tail[rows])
    return scores
