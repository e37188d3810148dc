"""The Bayesian flow for discretised data: K ordered bins over [-1, 1] (Graves et al. 2023).

The input distribution, schedule, sender and update are those of continuous
data; only the output distribution differs: a Gaussian over the real line,
integrated over each bin, with the two end bins taking the tails.

The prediction is the *log* of the bin masses, computed in log space: a
difference of two normal CDFs loses all precision once a mass falls below the
float32 resolution of the larger CDF (about 6e-8), which is exactly where a
badly predicted cell's loss matters.

Shapes: ``x`` and ``mu`` are ``[B, *D]`` (``x`` on bin centres); log-masses
over the bins are ``[B, *D, K]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from ._no_variates import NoControlVariates
from ._shapes import per_sample, sum_over_data
from .continuous import ContinuousFlow, GaussianMeanState

__all__ = ["DiscretisedFlow", "bin_centre", "bin_centres", "log_gaussian_bin_masses", "quantise"]

_SIGMA_RANGE = (1e-3, 10.0)  # clamp of sigma_x, as in the official code


def bin_centre(index, n_bins: int):
    """Centre ``(2 index + 1)/K - 1`` of bin ``index`` (``0..K-1``) of ``K`` equal bins over ``[-1, 1]``.

    Plain arithmetic, so ``index`` may be a tensor, an array or a number: the
    one place the formula lives (the table encoder uses it on arrays).

    Examples
    --------
    >>> bin_centre(0, 4), bin_centre(3, 4)
    (-0.75, 0.75)
    """
    return (2 * index + 1) / n_bins - 1


def bin_centres(n_bins: int, *, device=None, dtype=None) -> Tensor:
    """Centres ``(2k - 1)/K - 1``, ``k = 1..K``, of ``K`` equal bins over ``[-1, 1]``."""
    return bin_centre(torch.arange(n_bins, device=device, dtype=dtype), n_bins)


def bin_index(x: Tensor, n_bins: int) -> Tensor:
    """Index ``0..K-1`` of the bin holding each value (long); values outside go to the end bins."""
    return torch.clamp(torch.floor((x + 1) * n_bins / 2), 0, n_bins - 1).long()


def quantise(x: Tensor, n_bins: int) -> Tensor:
    """Map values in ``[-1, 1]`` to the centre of their bin (values outside go to the end bins)."""
    return bin_centre(bin_index(x, n_bins).to(x.dtype), n_bins)


def log1mexp(a: Tensor) -> Tensor:
    """``ln(1 - exp(a))`` for ``a <= 0``, accurate everywhere (Maechler 2012)."""
    return torch.where(a > -math.log(2.0), torch.log(-torch.expm1(a)), torch.log1p(-torch.exp(a)))


def log_gaussian_bin_masses(mu: Tensor, sigma: Tensor, n_bins: int) -> Tensor:
    """``ln p_O(k)``: the log-mass of ``N(mu, sigma^2)`` in each of ``K`` bins over ``[-1, 1]``.

    The end bins take the tails. A bin ``[l, r]`` lying right of the mean is
    reflected about it so that both standardised edges ``a < b`` have ``b <= 0``
    or straddle it; then ``ln(Phi(b) - Phi(a)) = ln Phi(b) + ln(1 - exp(ln Phi(a) - ln Phi(b)))``
    is computed from ``log_ndtr`` without cancellation, for cells tens of
    standard deviations away too.

    Parameters
    ----------
    mu, sigma : Tensor of shape ``[*S]``
        Mean and standard deviation (positive).
    n_bins : int
        Number of bins ``K``.

    Returns
    -------
    Tensor of shape ``[*S, K]``
        Log-masses, whose exponentials sum to 1.

    Examples
    --------
    >>> import torch
    >>> log_masses = log_gaussian_bin_masses(torch.tensor([0.0]), torch.tensor([1e-2]), 2)
    >>> log_masses.exp()
    tensor([[0.5000, 0.5000]])
    >>> round(float(log_gaussian_bin_masses(torch.tensor([0.9]), torch.tensor([1e-2]), 2)[0, 0]), 1)  # 90 sd
    -4055.4
    """
    inner = bin_centres(n_bins, device=mu.device, dtype=mu.dtype)[:-1] + 1.0 / n_bins
    z = (inner - mu.unsqueeze(-1)) / sigma.unsqueeze(-1)  # standardised inner edges, [*S, K - 1]
    first, last = torch.special.log_ndtr(z[..., :1]), torch.special.log_ndtr(-z[..., -1:])
    left, right = z[..., :-1], z[..., 1:]
    reflect = left > 0  # the whole bin lies right of the mean: use the upper tail
    low = torch.where(reflect, -right, left)
    high = torch.where(reflect, -left, right)
    log_high = torch.special.log_ndtr(high)
    # a ratio of CDFs that rounds to 1 means a mass below the dtype's resolution of Phi(b)
    ratio = (torch.special.log_ndtr(low) - log_high).clamp_max(-torch.finfo(mu.dtype).eps)
    return torch.cat([first, log_high + log1mexp(ratio), last], dim=-1)


def output_gaussian(flow: ContinuousFlow, mu: Tensor, t: Tensor, net_out: Tensor) -> tuple[Tensor, Tensor]:
    """``(mu_x, sigma_x)`` of the discretised output distribution, from ``net_out [B, *D, 2]``.

    ``net_out`` holds ``(mu_eps, ln sigma_eps)`` per dimension:
    ``mu_x = mu / gamma - sqrt((1 - gamma) / gamma) mu_eps`` and
    ``sigma_x = sqrt((1 - gamma) / gamma) sigma_eps``, clamped to ``[1e-3, 10]``;
    below ``flow.t_min``, ``(0, 1)``.
    """
    tt = per_sample(t, mu)
    gamma = flow.gamma(tt).clamp_min(torch.finfo(mu.dtype).tiny)
    ratio = torch.sqrt(flow.one_minus_gamma(tt) / gamma)
    mu_x = mu / gamma - ratio * net_out[..., 0]
    sigma_x = (ratio * torch.exp(net_out[..., 1])).clamp(*_SIGMA_RANGE)
    early = tt < flow.t_min
    return mu_x.masked_fill(early, 0.0), sigma_x.masked_fill(early, 1.0)


@dataclass(frozen=True)
class DiscretisedFlow(NoControlVariates, GaussianMeanState):
    """Bayesian flow for data quantised into ``n_bins`` bins over ``[-1, 1]``.

    The network outputs ``(mu_eps, ln sigma_eps)`` per dimension, giving a
    Gaussian ``N(mu_x, sigma_x^2)`` over the data whose bin masses form the
    output distribution ``p_O``. The prediction is their logarithm, ``ln p_O``
    (see :func:`~skbfn.core.flows.log_gaussian_bin_masses`).

    Parameters
    ----------
    n_bins : int
        Number of bins ``K`` (at least 2).
    sigma_1 : float, default=0.01
        As for :class:`ContinuousFlow`.
    t_min : float, default=1e-6
        Below this time ``mu_x = 0`` and ``sigma_x = 1``.

    Attributes
    ----------
    continuous : ContinuousFlow
        The continuous flow whose schedule, sender and update this flow shares.

    Examples
    --------
    >>> import torch
    >>> flow = DiscretisedFlow(n_bins=4)
    >>> mu, t = torch.zeros(2, 3), torch.full((2,), 0.5)
    >>> log_probs = flow.output_prediction(mu, t, torch.zeros(2, 3, 2))
    >>> log_probs.shape, torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 3))
    (torch.Size([2, 3, 4]), True)
    """

    n_bins: int
    sigma_1: float = 0.01
    t_min: float = 1e-6
    continuous: ContinuousFlow = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.n_bins < 2:
            raise ValueError(f"n_bins must be at least 2, got {self.n_bins!r}.")
        object.__setattr__(self, "continuous", ContinuousFlow(self.sigma_1, self.t_min))

    def centres(self, like: Tensor) -> Tensor:
        """Bin centres, on the device and dtype of ``like``."""
        return bin_centres(self.n_bins, device=like.device, dtype=like.dtype)

    # ------------------------------------------------------------ output
    def gaussian(self, mu: Tensor, t: Tensor, net_out: Tensor) -> tuple[Tensor, Tensor]:
        """``(mu_x, sigma_x)`` from ``net_out [B, *D, 2] = (mu_eps, ln sigma_eps)``."""
        return output_gaussian(self.continuous, mu, t, net_out)

    def output_prediction(self, mu: Tensor, t: Tensor, net_out: Tensor) -> Tensor:
        """Log bin masses ``ln p_O(k | mu; t)``, shape ``[B, *D, K]``."""
        return log_gaussian_bin_masses(*self.gaussian(mu, t, net_out.reshape(*mu.shape, 2)), self.n_bins)

    def mean_prediction(self, log_probs: Tensor) -> Tensor:
        """``k_hat = sum_k p_O(k) k_c``."""
        return log_probs.exp() @ self.centres(log_probs)

    # ------------------------------------------------------------ losses
    def continuous_time_loss(self, x: Tensor, log_probs: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln(sigma_1) sigma_1^(-2t) ||x - k_hat||^2`` (over the cells of ``mask``), shape ``[B]``."""
        return self.continuous.continuous_time_loss(x, self.mean_prediction(log_probs), t, mask=mask)

    def discrete_time_loss(
        self, x: Tensor, log_probs: Tensor, i: Tensor, n: int, noise: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """``n [ln N(y | x, 1/alpha) - ln sum_k p_O(k) N(y | k_c, 1/alpha)]`` with ``y = x + noise / sqrt(alpha)``.

        One Monte-Carlo draw of the sender sample ``y`` per dimension, shape ``[B]``.
        """
        alpha = per_sample(self.continuous.step_accuracy(i, n), x)
        y = x + noise * alpha.rsqrt()
        # ln N(y | c, 1/alpha) up to a constant shared by sender and receiver
        log_sender = -0.5 * alpha * (y - x) ** 2
        log_bins = -0.5 * alpha.unsqueeze(-1) * (y.unsqueeze(-1) - self.centres(x)) ** 2
        log_receiver = torch.logsumexp(log_probs + log_bins, dim=-1)
        return n * sum_over_data(log_sender - log_receiver, mask)

    def reconstruction_loss(self, x: Tensor, log_probs: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln p_O(x | mu; 1)``: a true log-mass of the observed bins, shape ``[B]``."""
        index = bin_index(x, self.n_bins).unsqueeze(-1)
        return -sum_over_data(log_probs.gather(-1, index).squeeze(-1), mask)

    # ---------------------------------------------------- the flow protocol
    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per data point: ``(mu_eps, ln sigma_eps)`` per dimension."""
        return 2 * math.prod(data_shape)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """Draw of ``p_F(mu | x; t)``, as for continuous data."""
        return self.continuous.state_from_noise(x, t, noise)

    def sample_output(self, log_probs: Tensor, generator=None) -> Tensor:
        """A bin drawn from ``p_O`` per dimension, returned as its centre."""
        index = torch.multinomial(log_probs.reshape(-1, self.n_bins).exp(), 1, generator=generator)
        return self.centres(log_probs)[index.reshape(log_probs.shape[:-1])]

    def sampler_update(self, state: Tensor, log_probs: Tensor, i: int, n: int, generator=None) -> Tensor:
        """Draw ``k ~ p_O``, then ``y ~ N(k_c, 1/alpha_i)``, then the continuous update."""
        return self.continuous.sampler_update(state, self.sample_output(log_probs, generator), i, n, generator)

    # ------------------------------------------ the Gaussian view (fast solvers)
    def gaussian_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t)`` of the continuous flow: ``mu ~ N(a_t x, s_t^2)``."""
        return self.continuous.gaussian_coefficients(t)

    def denoised(self, log_probs: Tensor) -> Tensor:
        """The mean prediction ``k_hat``."""
        return self.mean_prediction(log_probs)
