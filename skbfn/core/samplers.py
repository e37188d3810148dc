"""Sampling loops as small functions over a predictor.

A *predictor* is a callable ``predict(state, t) -> prediction`` mapping the
input distribution's parameters at times ``t`` ([B]) to the flow's output
prediction (``x_hat`` for continuous data, class or bin probabilities for the
other types); guidance and conditioning are folded into it by
:meth:`skbfn.core.BFN.sample`. A sampler is a function of a predictor, a flow
and a schedule, returning samples.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

__all__ = ["sample_paper"]

Predictor = Callable[[object, Tensor], object]
Callback = Callable[[dict], None]


def sample_paper(
    predict: Predictor,
    flow,
    shape: tuple[int, ...],
    n_steps: int,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
) -> Tensor:
    """The sampler of Graves et al. (2023): ``n_steps`` Bayesian updates from the prior.

    For ``i = 1..n``: ``t = (i-1)/n``, predict, draw the sender sample from the
    prediction with accuracy ``alpha_i`` and update the state
    (``flow.sampler_update``). Returns ``flow.sample_output`` of the prediction
    at ``t = 1`` (``x_hat`` for continuous data, a draw for the others).

    Parameters
    ----------
    predict : callable
        ``predict(state, t) -> prediction``.
    flow : flow
        Any flow of :mod:`skbfn.core.flows`.
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
        reached, ``i/n``), ``state`` (after the update) and ``prediction``
        (made at ``(i-1)/n``).

    Returns
    -------
    Tensor of shape ``shape``

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import ContinuousFlow
    >>> truth = torch.tensor([[0.5, -0.25]])
    >>> oracle = lambda mu, t: truth.expand_as(mu)
    >>> sample_paper(oracle, ContinuousFlow(sigma_1=0.01), (4, 2), n_steps=10).shape
    torch.Size([4, 2])
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}.")
    state = flow.prior_state(shape, device=device, dtype=dtype)
    batch = shape[0]
    for i in range(1, n_steps + 1):
        t = torch.full((batch,), (i - 1) / n_steps, device=device, dtype=dtype)
        prediction = predict(state, t)
        state = flow.sampler_update(state, prediction, i, n_steps, generator)
        if callback is not None:
            callback({"step": i, "t": i / n_steps, "state": state, "prediction": prediction})
    final = predict(state, torch.ones(batch, device=device, dtype=dtype))
    return flow.sample_output(final, generator)
