"""Sampling loops as small functions over a denoiser.

A *denoiser* is a callable ``denoise(mu, t) -> x_hat`` that maps the input
parameters at times ``t`` ([B]) to a data estimate; guidance and conditioning
are folded into it by :meth:`skbfn.core.BFN.sample`. A sampler is a function of a
denoiser, a flow and a schedule, returning the final data estimate.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from .flows import ContinuousFlow

__all__ = ["sample_paper"]

Denoiser = Callable[[Tensor, Tensor], Tensor]
Callback = Callable[[dict], None]


def sample_paper(
    denoise: Denoiser,
    flow: ContinuousFlow,
    shape: tuple[int, ...],
    n_steps: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
) -> Tensor:
    """The sampler of Graves et al. (2023), ``n_steps`` Bayesian updates from the prior.

    For ``i = 1..n``: ``t = (i-1)/n``, ``x_hat = denoise(mu, t)``, draw
    ``y ~ N(x_hat, 1/alpha_i)`` and update ``(mu, rho)``. Returns
    ``denoise(mu, 1)``.

    Parameters
    ----------
    denoise : callable
        ``denoise(mu, t) -> x_hat``.
    flow : ContinuousFlow
        The flow whose prior, step accuracies and update are used.
    shape : tuple of int
        ``(n_samples, *data_shape)``.
    n_steps : int
        Number of updates, at least 1.
    device, dtype : optional
        Where and in what precision the state lives.
    generator : torch.Generator, optional
        Source of randomness (on ``device``), for reproducible samples.
    callback : callable, optional
        Called after every step with a dict holding ``step``, ``t`` (the time
        reached, ``i/n``), ``mu``, ``rho`` and ``x_hat``.

    Returns
    -------
    Tensor of shape ``shape``

    Examples
    --------
    >>> import torch
    >>> flow = ContinuousFlow(sigma_1=0.01)
    >>> truth = torch.tensor([[0.5, -0.25]])
    >>> oracle = lambda mu, t: truth.expand_as(mu)
    >>> sample_paper(oracle, flow, (4, 2), n_steps=10).shape
    torch.Size([4, 2])
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}.")
    mu, rho = flow.prior(shape, device=device, dtype=dtype)
    for i in range(1, n_steps + 1):
        t = torch.full(shape[:1], (i - 1) / n_steps, device=mu.device, dtype=mu.dtype)
        x_hat = denoise(mu, t)
        alpha = flow.step_accuracy(i, n_steps)
        y = flow.sender_sample(x_hat, alpha, generator)
        mu, rho = flow.update(mu, rho, y, alpha)
        if callback is not None:
            callback({"step": i, "t": i / n_steps, "mu": mu, "rho": rho, "x_hat": x_hat})
    return denoise(mu, torch.ones(shape[:1], device=mu.device, dtype=mu.dtype))
