"""The Bayesian flow for discretised data: K ordered bins over [-1, 1] (Graves et al. 2023).

The input distribution, schedule, sender and update are those of continuous
data; only the output distribution differs: a Gaussian over the real line,
integrated over each bin, with the two end bins taking the tails.

Shapes: ``x`` and ``mu`` are ``[B, *D]`` (``x`` on bin centres); probabilities
over the bins are ``[B, *D, K]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ._shapes import per_sample, sum_over_data
from .continuous import ContinuousFlow, masked_gaussian_state
from .gaussian_view import GaussianView

__all__ = ["DiscretisedFlow", "bin_centres", "quantise"]

_SIGMA_RANGE = (1e-3, 10.0)  # clamp of sigma_x, as in the official code


def bin_centres(n_bins: int, *, device=None, dtype=None) -> Tensor:
    """Centres ``(2k - 1)/K - 1``, ``k = 1..K``, of ``K`` equal bins over ``[-1, 1]``."""
    k = torch.arange(1, n_bins + 1, device=device, dtype=dtype)
    return (2 * k - 1) / n_bins - 1


def quantise(x: Tensor, n_bins: int) -> Tensor:
    """Map values in ``[-1, 1]`` to the centre of their bin (values outside go to the end bins)."""
    index = torch.clamp(torch.floor((x + 1) * n_bins / 2), 0, n_bins - 1)
    return (2 * index + 1) / n_bins - 1


def bin_index(x: Tensor, n_bins: int) -> Tensor:
    """Index ``0..K-1`` of the bin holding each value (long)."""
    return torch.clamp(torch.floor((x + 1) * n_bins / 2), 0, n_bins - 1).long()


@dataclass(frozen=True)
class DiscretisedFlow(GaussianView):
    """Bayesian flow for data quantised into ``n_bins`` bins over ``[-1, 1]``.

    The network outputs ``(mu_eps, ln sigma_eps)`` per dimension, giving a
    Gaussian ``N(mu_x, sigma_x^2)`` over the data whose bin masses form the
    output distribution ``p_O``.

    Parameters
    ----------
    n_bins : int
        Number of bins ``K`` (at least 2).
    sigma_1 : float, default=0.01
        As for :class:`ContinuousFlow`.
    t_min : float, default=1e-6
        Below this time ``mu_x = 0`` and ``sigma_x = 1``.

    Examples
    --------
    >>> import torch
    >>> flow = DiscretisedFlow(n_bins=4)
    >>> mu, t = torch.zeros(2, 3), torch.full((2,), 0.5)
    >>> probs = flow.output_prediction(mu, t, torch.zeros(2, 3, 2))
    >>> probs.shape, torch.allclose(probs.sum(-1), torch.ones(2, 3))
    (torch.Size([2, 3, 4]), True)
    """

    n_bins: int
    sigma_1: float = 0.01
    t_min: float = 1e-6

    def __post_init__(self) -> None:
        if self.n_bins < 2:
            raise ValueError(f"n_bins must be at least 2, got {self.n_bins!r}.")

    @property
    def continuous(self) -> ContinuousFlow:
        """The continuous flow sharing this flow's schedule, sender and update."""
        return ContinuousFlow(self.sigma_1, self.t_min)

    def centres(self, like: Tensor) -> Tensor:
        """Bin centres, on the device and dtype of ``like``."""
        return bin_centres(self.n_bins, device=like.device, dtype=like.dtype)

    # ------------------------------------------------------------ output
    def gaussian(self, mu: Tensor, t: Tensor, net_out: Tensor) -> tuple[Tensor, Tensor]:
        """``(mu_x, sigma_x)`` from ``net_out [B, *D, 2] = (mu_eps, ln sigma_eps)``."""
        flow = self.continuous
        tt = per_sample(t, mu)
        gamma = flow.gamma(tt).clamp_min(torch.finfo(mu.dtype).tiny)
        ratio = torch.sqrt(flow.one_minus_gamma(tt) / gamma)
        mu_x = mu / gamma - ratio * net_out[..., 0]
        sigma_x = (ratio * torch.exp(net_out[..., 1])).clamp(*_SIGMA_RANGE)
        early = tt < self.t_min
        return torch.where(early, torch.zeros_like(mu_x), mu_x), torch.where(early, torch.ones_like(sigma_x), sigma_x)

    def bin_probabilities(self, mu_x: Tensor, sigma_x: Tensor) -> Tensor:
        """``p_O(k) = G(k_r) - G(k_l)`` with the tails in the end bins, shape ``[B, *D, K]``."""
        inner_edges = bin_centres(self.n_bins, device=mu_x.device, dtype=mu_x.dtype)[:-1] + 1.0 / self.n_bins
        cdf = torch.special.ndtr((inner_edges - mu_x.unsqueeze(-1)) / sigma_x.unsqueeze(-1))  # [B, *D, K-1]
        zeros, ones = torch.zeros_like(cdf[..., :1]), torch.ones_like(cdf[..., :1])
        cdf = torch.cat([zeros, cdf, ones], dim=-1)
        return (cdf[..., 1:] - cdf[..., :-1]).clamp_min(0.0)

    def output_prediction(self, mu: Tensor, t: Tensor, net_out: Tensor) -> Tensor:
        """Bin probabilities ``p_O(. | mu; t)``, shape ``[B, *D, K]``."""
        return self.bin_probabilities(*self.gaussian(mu, t, net_out.reshape(*mu.shape, 2)))

    def mean_prediction(self, probs: Tensor) -> Tensor:
        """``k_hat = sum_k p_O(k) k_c``."""
        return probs @ self.centres(probs)

    # ------------------------------------------------------------ losses
    def continuous_time_loss(self, x: Tensor, probs: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln(sigma_1) sigma_1^(-2t) ||x - k_hat||^2`` (over the cells of ``mask``), shape ``[B]``."""
        return self.continuous.continuous_time_loss(x, self.mean_prediction(probs), t, mask=mask)

    def discrete_time_loss(
        self, x: Tensor, probs: Tensor, i: Tensor, n: int, noise: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """``n [ln N(y | x, 1/alpha) - ln sum_k p_O(k) N(y | k_c, 1/alpha)]`` with ``y = x + noise / sqrt(alpha)``.

        One Monte-Carlo draw of the sender sample ``y`` per dimension, shape ``[B]``.
        """
        alpha = per_sample(self.continuous.step_accuracy(i, n), x)
        y = x + noise * alpha.rsqrt()
        # ln N(y | c, 1/alpha) up to a constant shared by sender and receiver
        log_sender = -0.5 * alpha * (y - x) ** 2
        log_bins = -0.5 * alpha.unsqueeze(-1) * (y.unsqueeze(-1) - self.centres(x)) ** 2
        log_receiver = torch.logsumexp(torch.log(probs.clamp_min(1e-30)) + log_bins, dim=-1)
        return n * sum_over_data(log_sender - log_receiver, mask)

    def reconstruction_loss(self, x: Tensor, probs: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln p_O(x | mu; 1)``: a true log-mass of the observed bins, shape ``[B]``."""
        index = bin_index(x, self.n_bins).unsqueeze(-1)
        return -sum_over_data(torch.log(probs.gather(-1, index).squeeze(-1).clamp_min(1e-30)), mask)

    # ---------------------------------------------------- the flow protocol
    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per data point: ``data_shape``."""
        return tuple(data_shape)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per data point: ``mu`` per dimension."""
        return math.prod(data_shape)

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per data point: ``(mu_eps, ln sigma_eps)`` per dimension."""
        return 2 * math.prod(data_shape)

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None) -> Tensor:
        """Prior state ``mu = 0`` of the given shape."""
        return torch.zeros(shape, device=device, dtype=dtype)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """Draw of ``p_F(mu | x; t)``, as for continuous data."""
        return self.continuous.flow_sample(x, t, noise=noise)

    def network_input(self, state: Tensor, t: Tensor) -> Tensor:
        """What the network sees: ``mu``."""
        return state

    def masked_state(self, state: Tensor, x: Tensor, given: Tensor, absent: Tensor) -> Tensor:
        """``mu = x`` on given cells (known exactly), the prior ``mu = 0`` on absent ones."""
        return masked_gaussian_state(state, x, given, absent)

    def sample_bins(self, probs: Tensor, generator=None) -> Tensor:
        """Draw a bin per dimension from ``probs`` and return its centre."""
        flat = probs.reshape(-1, self.n_bins)
        index = torch.multinomial(flat, 1, generator=generator).reshape(probs.shape[:-1])
        return self.centres(probs)[index]

    def sampler_update(self, state: Tensor, probs: Tensor, i: int, n: int, generator=None) -> Tensor:
        """Draw ``k ~ p_O``, then ``y ~ N(k_c, 1/alpha_i)``, then the continuous update."""
        return self.continuous.sampler_update(state, self.sample_bins(probs, generator), i, n, generator)

    def sample_output(self, probs: Tensor, generator=None) -> Tensor:
        """Final sample: a bin centre drawn from the bin probabilities at ``t = 1``."""
        return self.sample_bins(probs, generator)

    # ------------------------------------------ the Gaussian view (fast solvers)
    def gaussian_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t)`` of the continuous flow: ``mu ~ N(a_t x, s_t^2)``."""
        return self.continuous.gaussian_coefficients(t)

    def latent_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the latent, which is ``mu`` itself."""
        return tuple(shape)

    def state_from_latent(self, z: Tensor) -> Tensor:
        """The state ``mu``, which is the latent itself."""
        return z

    def denoised(self, probs: Tensor) -> Tensor:
        """The mean prediction ``k_hat``."""
        return self.mean_prediction(probs)
