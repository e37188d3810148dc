"""The Monte-Carlo estimate of a BFN's evidence lower bound, term by term (:meth:`skbfn.core.BFN.elbo`).

Each row is repeated once per draw; the network sees every draw of every row
in one batch. The diffusion term averages ``L_inf`` (or ``L_n``) over the
draws' times and flow noises, the reconstruction term ``L_r`` over its own
flow noises at ``t = 1``; from each draw the flow's control variate, a
statistic of the noise with mean 0, is subtracted, so the expectation is
unchanged and the noise of resolved continuous cells cancels.
"""

from __future__ import annotations

import warnings

import torch
from torch import Tensor

from .cells import CellMask
from .shared_time import shared_time

__all__ = ["diffusion_term", "independent_draws", "loss_steps", "reconstruction_term", "stratified_times"]


def independent_draws(model, x: Tensor, n_draws: int, generator) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """``(times, noise, recon_noise, sender_noise)`` for ``n_draws`` draws per row of ``x``: times stratified
    over ``[0, 1)``, i.i.d. standard normal noises of the flow's noise shape."""
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, got {n_draws}.")
    batch, device, dtype = x.shape[0], x.device, x.dtype
    shape = (batch, n_draws, *model.flow.noise_shape(model.data_shape))
    within = torch.rand((batch, n_draws), generator=generator, device=device, dtype=dtype)
    return (
        (torch.arange(n_draws, device=device, dtype=dtype) + within) / n_draws,  # stratified times
        *(torch.randn(shape, generator=generator, device=device, dtype=dtype) for _ in range(3)),
    )


def _repeated(x: Tensor, cond, cells: CellMask | None, modelled: Tensor | None, n: int, offsets=None):
    """Rows (plus their per-draw ``offsets``), conditions and masks each repeated ``n`` times, row-major."""
    rows = x.repeat_interleave(n, dim=0)
    return (
        rows if offsets is None else rows + offsets.flatten(0, 1),
        None if cond is None else cond.repeat_interleave(n, dim=0),
        None if cells is None else cells.repeat_interleave(n),
        None if modelled is None else modelled.repeat_interleave(n, dim=0),
    )


def diffusion_term(model, x, cond, times, noise, sender_noise, n_steps, cells, modelled, offsets=None) -> Tensor:
    """``L_inf`` (``n_steps`` None) or ``L_n`` per row of ``x``, averaged over the draws, shape ``[B]``."""
    batch, n_draws = times.shape
    rows, row_cond, row_cells, row_modelled = _repeated(x, cond, cells, modelled, n_draws, offsets)
    noise = noise.flatten(0, 1)
    if n_steps is None:
        t = times.flatten()
        prediction = model._estimate(rows, t, row_cond, None, noise=noise, cells=row_cells)
        loss = model.flow.continuous_time_loss(rows, prediction, t, mask=row_modelled)
    else:
        i = ((times * n_steps).floor().clamp(0, n_steps - 1) + 1).flatten()
        t = (i - 1) / n_steps
        prediction = model._estimate(rows, t, row_cond, None, noise=noise, cells=row_cells)
        loss = model.flow.discrete_time_loss(
            rows, prediction, i, n_steps, sender_noise.flatten(0, 1), mask=row_modelled
        )
    # zero mean over the flow noise: the estimate stays unbiased, with far less variance
    loss = loss - model.flow.control_variate(noise, t, mask=row_modelled)
    return loss.reshape(batch, n_draws).mean(dim=1)


def reconstruction_term(model, x, cond, recon_noise, cells, modelled, offsets=None) -> Tensor:
    """``L_r`` per row of ``x``, averaged over its draws, shape ``[B]``."""
    batch, n_draws = recon_noise.shape[:2]
    rows, row_cond, row_cells, row_modelled = _repeated(x, cond, cells, modelled, n_draws, offsets)
    ones = shared_time(1.0, batch * n_draws, device=x.device, dtype=x.dtype)  # embedded once
    noise = recon_noise.flatten(0, 1)
    prediction = model._estimate(rows, ones, row_cond, None, noise=noise, cells=row_cells)
    loss = model.flow.reconstruction_loss(rows, prediction, mask=row_modelled)
    # zero mean over the flow noise, like the diffusion term's
    loss = loss - model.flow.reconstruction_control_variate(noise, mask=row_modelled)
    return loss.reshape(batch, n_draws).mean(dim=1)


def loss_steps(n_loss_steps: int | None, n_steps: int | None) -> int | None:
    """``n_loss_steps``, or the deprecated ``n_steps`` given in its place (with a FutureWarning)."""
    if n_steps is None:
        return n_loss_steps
    if n_loss_steps is not None:
        raise TypeError("Give n_loss_steps only: n_steps is its deprecated name.")
    warnings.warn(
        "n_steps of BFN.elbo and BFN.discrete_loss is renamed n_loss_steps (n_steps names sampler steps); "
        "the old name will be removed in skbfn 0.3.",
        FutureWarning,
        stacklevel=3,
    )
    return n_steps


def stratified_times(batch: int, generator, device, dtype) -> Tensor:
    """Low-discrepancy times (Kingma et al. 2021): ``(u + k / B) mod 1`` for one ``u ~ U(0, 1)``.

    Each time is marginally uniform (every per-sample loss stays unbiased),
    but the batch covers ``[0, 1]`` evenly, which lowers the variance of the
    batch mean considerably.
    """
    u = torch.rand(1, generator=generator, device=device, dtype=dtype)
    return torch.remainder(u + torch.arange(batch, device=device, dtype=dtype) / batch, 1.0)
