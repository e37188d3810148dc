"""The Bayesian flow for categorical data: K unordered classes (Graves et al. 2023).

The input distribution is a categorical ``theta`` on the simplex per dimension.
The prediction is the log of the output distribution, ``ln p_O = log_softmax``
of the network's logits: the losses read it directly, so a badly predicted
class costs its full ``-ln p_O`` rather than a floor set by float32 underflow.
Shapes: ``x`` holds class indices ``[B, *D]`` (any dtype); ``theta``, logits and
log-probabilities are ``[B, *D, K]``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ._no_variates import NoControlVariates
from ._shapes import per_sample, sum_over_data
from .gaussian_view import GaussianView

__all__ = ["CategoricalFlow", "categorical_update"]


def categorical_update(theta: Tensor, y: Tensor) -> Tensor:
    """Bayesian update ``theta' = theta exp(y) / sum_k theta_k exp(y_k)`` over the last axis, in log space.

    Graves et al. (2023), eq. 171.

    Examples
    --------
    >>> import torch
    >>> categorical_update(torch.tensor([0.5, 0.5]), torch.tensor([0.0, math.log(3.0)]))
    tensor([0.2500, 0.7500])
    """
    return torch.softmax(torch.log(theta.clamp_min(torch.finfo(theta.dtype).tiny)) + y, dim=-1)


@dataclass(frozen=True)
class CategoricalFlow(NoControlVariates, GaussianView):
    """Bayesian flow for categorical data with ``n_classes`` classes.

    Parameters
    ----------
    n_classes : int
        Number of classes ``K`` (at least 2).
    beta_1 : float, default=4.0
        Accuracy reached at ``t = 1``; the schedule is ``beta(t) = beta_1 t^2``.
        (The official configs store ``sqrt(beta_1)``: 3 for binarised MNIST.)

    Examples
    --------
    >>> import torch
    >>> flow = CategoricalFlow(n_classes=3)
    >>> theta = flow.prior_state((2, 4))
    >>> theta.shape, bool(torch.all(theta == 1 / 3))
    (torch.Size([2, 4, 3]), True)
    """

    n_classes: int
    beta_1: float = 4.0

    def __post_init__(self) -> None:
        if self.n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {self.n_classes!r}.")
        if not self.beta_1 > 0:
            raise ValueError(f"beta_1 must be positive, got {self.beta_1!r}.")

    # ---------------------------------------------------------- schedule
    def beta(self, t: Tensor) -> Tensor:
        """``beta(t) = beta_1 t^2``."""
        return self.beta_1 * t**2

    def alpha(self, t: Tensor) -> Tensor:
        """``d beta / dt = 2 beta_1 t``."""
        return 2.0 * self.beta_1 * t

    def step_accuracy(self, i: Tensor | int, n: int) -> Tensor | float:
        """``alpha_i = beta_1 (2i - 1) / n^2``."""
        return self.beta_1 * (2 * i - 1) / n**2

    # ----------------------------------------------- input distribution
    def one_hot(self, x: Tensor, like: Tensor | None = None) -> Tensor:
        """One-hot ``e_x`` of class indices ``x``, ``[B, *D, K]``, in the dtype of ``like``."""
        dtype = torch.get_default_dtype() if like is None else like.dtype
        return torch.nn.functional.one_hot(x.long(), self.n_classes).to(dtype)

    def sender_mean_and_var(self, x: Tensor, alpha, like: Tensor) -> tuple[Tensor, Tensor]:
        """Mean ``alpha (K e_x - 1)`` and variance ``alpha K`` of the sender distribution."""
        alpha = alpha if not isinstance(alpha, Tensor) else per_sample(alpha, like)
        return alpha * (self.n_classes * self.one_hot(x, like) - 1.0), alpha * self.n_classes

    def sender_sample(self, x: Tensor, alpha, noise: Tensor) -> Tensor:
        """``y ~ N(alpha (K e_x - 1), alpha K I)`` from standard normal ``noise [B, *D, K]``."""
        mean, var = self.sender_mean_and_var(x, alpha, noise)
        return mean + noise * torch.sqrt(torch.as_tensor(var, dtype=noise.dtype, device=noise.device))

    # ------------------------------------------------------------ losses
    def continuous_time_loss(self, x: Tensor, log_probs: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``K beta_1 t ||e_x - e_hat||^2`` summed over dimensions (or the cells of ``mask``), shape ``[B]``."""
        squared = ((self.one_hot(x, log_probs) - log_probs.exp()) ** 2).sum(dim=-1)
        return self.n_classes * self.beta_1 * t * sum_over_data(squared, mask)

    def discrete_time_loss(
        self, x: Tensor, log_probs: Tensor, i: Tensor, n: int, noise: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """``n [ln p_S(y | x) - ln p_R(y | theta)]`` for one draw ``y ~ p_S(y | x; alpha_i)``.

        With all class means sharing their off-class coordinates, the Gaussian
        terms cancel except ``y_k``: ``ln p_S - ln p_R = y_x - logsumexp_k(ln p_O(k) + y_k)``,
        exact and stable. Shape ``[B]``.
        """
        alpha = self.step_accuracy(i, n)
        y = self.sender_sample(x, alpha, noise)
        y_true = y.gather(-1, x.long().unsqueeze(-1)).squeeze(-1)
        log_receiver = torch.logsumexp(log_probs + y, dim=-1)
        return n * sum_over_data(y_true - log_receiver, mask)

    def reconstruction_loss(self, x: Tensor, log_probs: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln p_O(x | theta; 1)``, shape ``[B]``."""
        return -sum_over_data(log_probs.gather(-1, x.long().unsqueeze(-1)).squeeze(-1), mask)

    # ---------------------------------------------------- the flow protocol
    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per data point: ``(*data_shape, K)``."""
        return (*data_shape, self.n_classes)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per data point: ``K`` per dimension."""
        return math.prod(data_shape) * self.n_classes

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per data point: ``K`` logits per dimension."""
        return math.prod(data_shape) * self.n_classes

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None) -> Tensor:
        """Uniform class probabilities ``1/K``, shape ``[*shape, K]``."""
        return torch.full((*shape, self.n_classes), 1.0 / self.n_classes, device=device, dtype=dtype)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """``theta ~ p_F(theta | x; t)``: ``softmax(y)``, ``y ~ N(beta(t) (K e_x - 1), beta(t) K I)`` from ``noise``."""
        return torch.softmax(self.sender_sample(x, self.beta(t), noise), dim=-1)

    def network_input(self, theta: Tensor, t: Tensor) -> Tensor:
        """The network sees ``2 theta - 1``."""
        return 2.0 * theta - 1.0

    def masked_state(self, theta: Tensor, x: Tensor, given: Tensor, absent: Tensor) -> Tensor:
        """``theta = e_x`` on given cells (known exactly), the uniform prior ``1/K`` on absent ones."""
        theta = theta.masked_fill(absent.unsqueeze(-1), 1.0 / self.n_classes)
        return torch.where(given.unsqueeze(-1), self.one_hot(x, theta), theta)

    def output_prediction(self, theta: Tensor, t: Tensor, net_out: Tensor) -> Tensor:
        """``ln p_O = log_softmax(logits)``, shape ``[B, *D, K]``."""
        return torch.log_softmax(net_out.reshape(theta.shape), dim=-1)

    def sample_output(self, log_probs: Tensor, generator=None) -> Tensor:
        """A class drawn from ``p_O`` per dimension (indices, in ``log_probs``' dtype)."""
        flat = log_probs.reshape(-1, self.n_classes).exp()
        return torch.multinomial(flat, 1, generator=generator).reshape(log_probs.shape[:-1]).to(log_probs.dtype)

    def sampler_update(self, theta: Tensor, log_probs: Tensor, i: int, n: int, generator=None) -> Tensor:
        """Draw ``k ~ p_O``, then ``y ~ N(alpha_i (K e_k - 1), alpha_i K)``, then update ``theta``."""
        k = self.sample_output(log_probs, generator)
        noise = torch.randn(theta.shape, generator=generator, device=theta.device, dtype=theta.dtype)
        return categorical_update(theta, self.sender_sample(k, self.step_accuracy(i, n), noise))

    # ------------------------------------------ the Gaussian view (fast solvers)
    def gaussian_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t) = (beta_1 t^2, sqrt(K beta_1) t)``: logits ``z ~ N(a_t (K e_x - 1), s_t^2)``."""
        return self.beta_1 * t**2, math.sqrt(self.n_classes * self.beta_1) * t

    def latent_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the latent (the accumulated logits): ``(*shape, K)``."""
        return (*shape, self.n_classes)

    def state_from_latent(self, z: Tensor) -> Tensor:
        """``theta = softmax(z)``."""
        return torch.softmax(z, dim=-1)

    def denoised(self, log_probs: Tensor) -> Tensor:
        """``K e_hat - 1``, the estimate of the data term ``K e_x - 1``."""
        return self.n_classes * log_probs.exp() - 1.0
