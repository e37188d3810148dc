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
from tqdm.auto import tqdm

from .shared_time import shared_time

__all__ = ["SAMPLERS", "sample_paper", "sample_solver", "time_grid"]

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
    progress: bool = False,
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
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    samples : Tensor of shape ``shape``
        The final draw from the output distribution (for continuous data,
        its mean ``x_hat``).

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
    for i in tqdm(range(1, n_steps + 1), disable=not progress, desc="BFN sampling"):
        t = shared_time((i - 1) / n_steps, batch, device=device, dtype=dtype)
        prediction = predict(state, t)
        state = flow.sampler_update(state, prediction, i, n_steps, generator)
        if callback is not None:
            callback({"step": i, "t": i / n_steps, "state": state, "prediction": prediction})
    final = predict(state, shared_time(1.0, batch, device=device, dtype=dtype))
    return flow.sample_output(final, generator)


#: Exponent of the ``'lambda-late'`` grid: the k-th of n times sits at the
#: fraction ``(k / n) ** LATE_LAMBDA_POWER`` of the log-SNR range, so that
#: the steps shrink towards the data (measured: ``benchmarks/bench_default_steps.py``).
LATE_LAMBDA_POWER = 0.85


def time_grid(flow, n_steps: int, t_start: float = 1e-2, spacing: str = "uniform") -> list[float]:
    """Return ``n_steps + 1`` increasing times from ``t_start`` to 1.

    ``spacing='uniform'`` is uniform in ``t``; ``'lambda'`` is uniform in the
    flow's log signal-to-noise ratio ``lambda_t = ln(a_t / s_t)`` (found by
    bisection, as ``lambda_t`` increases with ``t``); ``'lambda-late'`` puts
    the k-th time at the fraction ``(k / n) ** 0.85`` of the log-SNR range,
    so its steps in ``lambda`` shrink towards the data, where the sample's
    fine detail is decided (at 12 steps the last is 1.7 times shorter than
    the first).

    Parameters
    ----------
    flow : flow
        A flow with a Gaussian view (``log_snr``); only read for the log-SNR grids.
    n_steps : int
        Number of intervals, at least 1.
    t_start : float, default=1e-2
        First time, in ``(0, 1)``.
    spacing : {'uniform', 'lambda', 'lambda-late'}, default='uniform'
        Uniform in ``t``, uniform in log-SNR, or log-SNR steps shrinking towards ``t = 1``.

    Returns
    -------
    times : list of float
        ``n_steps + 1`` increasing times, the last one 1.

    Raises
    ------
    ValueError
        If ``n_steps < 1``, ``t_start`` is outside ``(0, 1)`` or ``spacing`` is unknown.

    Examples
    --------
    >>> from skbfn.core import ContinuousFlow
    >>> time_grid(ContinuousFlow(), 4, t_start=0.2)
    [0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    """
    if n_steps < 1:
        raise ValueError(f"n_steps must be at least 1, got {n_steps}.")
    if not 0.0 < t_start < 1.0:
        raise ValueError(f"t_start must lie in (0, 1), got {t_start!r}.")
    if spacing == "uniform":
        return [t_start + (1.0 - t_start) * k / n_steps for k in range(n_steps + 1)]
    if spacing not in ("lambda", "lambda-late"):
        raise ValueError(f"spacing must be 'uniform', 'lambda' or 'lambda-late', got {spacing!r}.")
    low, high = flow.log_snr(t_start), flow.log_snr(1.0)

    def share(k: int) -> float:  # of the log-SNR range at the k-th time
        return (high - low) * k / n_steps if spacing == "lambda" else (high - low) * (k / n_steps) ** LATE_LAMBDA_POWER

    grid = [t_start]
    for k in range(1, n_steps):
        target, lo, hi = low + share(k), grid[-1], 1.0
        for _ in range(60):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if flow.log_snr(mid) < target else (lo, mid)
        grid.append(0.5 * (lo + hi))
    return [*grid, 1.0]


def sample_solver(
    predict: Predictor,
    flow,
    shape: tuple[int, ...],
    n_steps: int,
    *,
    order: int = 2,
    stochastic: bool = False,
    t_start: float = 1e-2,
    spacing: str = "uniform",
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    generator: torch.Generator | None = None,
    callback: Callback | None = None,
    progress: bool = False,
) -> Tensor:
    """First- or second-order ODE or SDE solver of the BFN flow (Xue et al., ICML 2024).

    The flow is seen as a Gaussian diffusion in a latent ``z`` (see
    :class:`~skbfn.core.SolverFlow`): ``z`` starts as
    ``N(a_{t_0} D, s_{t_0}^2)`` at ``t_start`` and moves along :func:`time_grid`; at each of the ``n_steps``
    times the network gives a denoised estimate ``D`` and
    :meth:`~skbfn.core.SolverFlow.solver_update` takes the step.
    ``order=1, stochastic=False`` is DDIM. Returns ``flow.sample_output`` of the
    prediction at ``t = 1``: ``n_steps + 1`` network evaluations, like
    :func:`sample_paper` with ``n_steps``.

    Parameters
    ----------
    predict, flow, shape, n_steps, device, dtype, generator, progress
        As for :func:`sample_paper`.
    order : {1, 2}, default=2
        Order of the solver (second order: multistep, reusing the previous ``D``).
    stochastic : bool, default=False
        SDE solver (fresh noise every step) instead of the ODE solver.
    t_start : float, default=1e-2
        Start time ``t_0``. The start latent is noise, ``N(0, s_{t_0}^2)``,
        plus the data's share ``a_{t_0} D``, where ``D`` is the network's
        estimate from that noise (the prediction then also serves the first
        step, so the count of network evaluations is unchanged). Without that
        share, an ODE carried the missing ``a_{t_0} x`` to the end: with the
        exact predictor, a real column's mean and a class's share moved by
        about 0.1 of their standard deviations from ``1e-2``. Trained
        networks see few times below ``1e-2``, so an earlier start is worse
        with them (on the wine table, class shares of ode2 samples were off
        by a total variation of 0.095 from ``1e-4`` and 0.006 from ``1e-2``).
    spacing : {'uniform', 'lambda', 'lambda-late'}, default='uniform'
        Time grid, see :func:`time_grid`.
    callback : callable, optional
        Called after every step with ``step``, ``t`` (the time reached),
        ``state`` and ``prediction`` (made at the previous time).

    Returns
    -------
    samples : Tensor of shape ``shape``
        The final draw from the output distribution (for continuous data,
        its mean ``x_hat``).

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import ContinuousFlow
    >>> truth = torch.tensor([[0.5, -0.25]])
    >>> oracle = lambda mu, t: truth.expand_as(mu)
    >>> sample_solver(oracle, ContinuousFlow(), (3, 2), n_steps=5)
    tensor([[ 0.5000, -0.2500],
            [ 0.5000, -0.2500],
            [ 0.5000, -0.2500]])
    """
    if order not in (1, 2):
        raise ValueError(f"order must be 1 or 2, got {order!r}.")
    times = time_grid(flow, n_steps, t_start, spacing)
    batch = shape[0]
    z = flow.prior_latent(shape, times[0], generator=generator, device=device, dtype=dtype)
    # the start holds noise only: add the data's share a_{t_0} D, with D estimated from it, and reuse that
    # prediction for the first step (at t_0 the estimate barely depends on the latent)
    prediction = predict(flow.state_from_latent(z), shared_time(times[0], batch, device=device, dtype=dtype))
    z = flow.add_data_share(z, flow.denoised(prediction), times[0])
    previous = None
    for k in tqdm(range(n_steps), disable=not progress, desc="BFN sampling"):
        t, t_next = times[k], times[k + 1]
        if k > 0:
            prediction = predict(flow.state_from_latent(z), shared_time(t, batch, device=device, dtype=dtype))
        denoised = flow.denoised(prediction)
        z = flow.solver_update(
            z, denoised, previous, t, t_next, order=order, stochastic=stochastic, generator=generator
        )
        previous = (denoised, t)
        if callback is not None:
            callback({"step": k + 1, "t": t_next, "state": flow.state_from_latent(z), "prediction": prediction})
    final = predict(flow.state_from_latent(z), shared_time(1.0, batch, device=device, dtype=dtype))
    return flow.sample_output(final, generator)


def _solver(order: int, stochastic: bool, spacing: str = "uniform") -> Callable:
    def sampler(predict, flow, shape, n_steps, **kwargs):
        return sample_solver(
            predict, flow, shape, n_steps, order=order, stochastic=stochastic, spacing=spacing, **kwargs
        )

    return sampler


#: Samplers by name, each ``sampler(predict, flow, shape, n_steps, **keywords)``.
SAMPLERS: dict[str, Callable] = {
    "paper": sample_paper,
    "ode1": _solver(1, False),
    "ode2": _solver(2, False),
    "sde1": _solver(1, True),
    "sde2": _solver(2, True),
    "ode2-lambda": _solver(2, False, "lambda"),
    "sde2-lambda": _solver(2, True, "lambda"),
    "sde2-lambda-late": _solver(2, True, "lambda-late"),
}
