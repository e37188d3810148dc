"""Every flow seen as a Gaussian diffusion in a latent ``z`` (Xue et al., ICML 2024).

Continuous and discretised data: ``z = mu ~ N(a_t x, s_t^2)`` with
``a_t = gamma(t)``, ``s_t = sqrt(gamma (1 - gamma))``. Categorical data: the
accumulated logits ``z = y ~ N(a_t m, s_t^2)`` with ``m = K e_x - 1``,
``a_t = beta_1 t^2``, ``s_t = sqrt(K beta_1) t`` and ``theta = softmax(z)``. In both
cases the network's prediction gives a *denoised* estimate ``D`` of the data
term (``x_hat``, ``k_hat`` or ``K e_hat - 1``), and the ODE and SDE solvers of
Xue et al. (ICML 2024) move ``z`` from ``t`` to ``t' > t`` with
``lambda_t = ln(a_t / s_t)``.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

__all__ = ["GaussianView", "solver_update"]


def solver_update(
    z: Tensor,
    denoised: Tensor,
    previous: tuple[Tensor, tuple[float, float]] | None,
    now: tuple[float, float],
    nxt: tuple[float, float],
    *,
    order: int,
    stochastic: bool,
    generator: torch.Generator | None = None,
    noise_scale: Tensor | float = 1.0,
) -> Tensor:
    """One step of the first/second-order ODE or SDE solver from ``t`` to ``t'``.

    Parameters
    ----------
    z : Tensor
        Latent at ``t``.
    denoised : Tensor
        Denoised estimate ``D`` at ``t`` (clipped where the flow clips).
    previous : (Tensor, (float, float)) or None
        ``(D_prev, (a_prev, s_prev))``: the denoised estimate at the previous
        time and the coefficients there, for second order; None on the first
        step (which is then first order).
    now, nxt : (float, float)
        ``(a, s)`` at ``t`` and at ``t'``.
    order : {1, 2}
    stochastic : bool
        SDE (adds fresh noise) or ODE.
    generator : torch.Generator, optional
        Randomness of the SDE step.
    noise_scale : Tensor or float, default=1.0
        Factor on ``s`` and ``s'``, broadcast against ``z``: latents whose
        entries have their own ``s_t`` in a common ratio (categorical
        columns with their own class counts) share the coefficients of
        ``(a, s)``, as only ``s' / s`` and ``lambda`` enter the step, except
        the fresh noise, scaled by it.

    Returns
    -------
    Tensor
        Latent at ``t'``.
    """
    (a, s), (a_next, s_next) = now, nxt
    h = math.log(a_next / s_next) - math.log(a / s)
    correction = None
    if order == 2 and previous is not None:
        denoised_prev, (a_prev, s_prev) = previous
        r = (math.log(a / s) - math.log(a_prev / s_prev)) / h
        correction = (denoised - denoised_prev) / (2.0 * r)
    if not stochastic:
        # DPM-Solver++ (2M); with no correction this is DDIM: a' D + s' (z - a D) / s
        direction = denoised if correction is None else denoised + correction
        return (s_next / s) * z - a_next * math.expm1(-h) * direction
    decay = -math.expm1(-2.0 * h)  # 1 - exp(-2h)
    out = (s_next / s) * math.exp(-h) * z + a_next * decay * denoised
    if correction is not None:
        out = out + a_next * decay * correction
    noise = torch.randn(z.shape, generator=generator, device=z.device, dtype=z.dtype)
    return out + (s_next * math.sqrt(decay)) * noise_scale * noise


class GaussianView:
    """Mixin giving a flow the solver hooks, from its ``gaussian_coefficients``.

    A flow using it defines ``gaussian_coefficients(t) -> (a_t, s_t)``,
    ``state_from_latent(z)``, ``latent_shape(shape)`` and ``denoised(prediction)``.
    """

    def log_snr(self, t: float) -> float:
        """``lambda_t = ln(a_t / s_t)``."""
        a, s = self.gaussian_coefficients(t)
        return math.log(a / s)

    def prior_latent(self, shape: tuple[int, ...], t: float, *, generator=None, device=None, dtype=None) -> Tensor:
        """``z ~ N(0, s_t^2)`` at a small start time ``t`` (the data term ``a_t x`` is dropped)."""
        _, s = self.gaussian_coefficients(t)
        return s * torch.randn(self.latent_shape(shape), generator=generator, device=device, dtype=dtype)

    def add_data_share(self, z: Tensor, denoised: Tensor, t: float) -> Tensor:
        """``z + a_t D``: a latent drawn as noise alone, given the data's share estimated by ``D``."""
        return z + self.gaussian_coefficients(t)[0] * denoised

    def solver_update(
        self, z, denoised, previous, t: float, t_next: float, *, order: int, stochastic: bool, generator=None
    ):
        """Move ``z`` from ``t`` to ``t_next``; ``previous`` is ``(D_prev, t_prev)`` or None."""
        if previous is not None:
            previous = (previous[0], self.gaussian_coefficients(previous[1]))
        return solver_update(
            z,
            denoised,
            previous,
            self.gaussian_coefficients(t),
            self.gaussian_coefficients(t_next),
            order=order,
            stochastic=stochastic,
            generator=generator,
        )
