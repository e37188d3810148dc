"""The Bayesian flow for continuous data (Graves et al. 2023).

Shapes: ``x`` and ``mu`` are ``[B, *D]``; times ``t`` are ``[B]`` (one time per
data point), broadcast over the data dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from ._shapes import per_sample, sum_over_data
from .gaussian_view import GaussianView

__all__ = ["ContinuousFlow", "GaussianMeanState", "bayesian_update", "update_distribution"]


def bayesian_update(mu: Tensor, rho: Tensor, y: Tensor, alpha: Tensor) -> tuple[Tensor, Tensor]:
    r"""The receiver's Bayesian update on a sender sample ``y`` of accuracy ``alpha``.

    .. math::

        \rho' = \rho + \alpha, \qquad \mu' = \frac{\rho \mu + \alpha y}{\rho'}

    (Graves et al. 2023, eqs. 49-50).

    Examples
    --------
    >>> import torch
    >>> bayesian_update(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(2.0), torch.tensor(3.0))
    (tensor(1.5000), tensor(4.))
    """
    new_rho = rho + alpha
    return (rho * mu + alpha * y) / new_rho, new_rho


def update_distribution(mu: Tensor, rho: Tensor, x: Tensor, alpha: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The distribution of the updated mean over the sender's noise, ``p_U`` in closed form.

    Returns the mean and variance of ``mu'`` and the (deterministic) ``rho'``
    when ``y ~ N(x, 1/alpha)`` (Graves et al. 2023, eq. 52).

    Examples
    --------
    >>> import torch
    >>> update_distribution(torch.tensor(0.0), torch.tensor(1.0), torch.tensor(2.0), torch.tensor(3.0))
    (tensor(1.5000), tensor(0.1875), tensor(4.))
    """
    new_rho = rho + alpha
    return (rho * mu + alpha * x) / new_rho, alpha / new_rho**2, new_rho


class GaussianMeanState(GaussianView):
    """The protocol methods of a flow whose state is the Gaussian mean ``mu`` (one per dimension).

    Shared by :class:`ContinuousFlow` and the discretised flow, whose input
    distributions are the same: the state, the latent of the solvers and what
    the network sees are all ``mu`` (``rho = 1 + beta(t)`` is implied by ``t``).
    """

    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per data point: ``data_shape``."""
        return tuple(data_shape)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per data point: ``mu`` per dimension."""
        return math.prod(data_shape)

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None) -> Tensor:
        """Prior state ``mu = 0`` of the given shape."""
        return torch.zeros(shape, device=device, dtype=dtype)

    def network_input(self, state: Tensor, t: Tensor) -> Tensor:
        """What the network sees: ``mu``."""
        return state

    def masked_state(self, state: Tensor, x: Tensor, given: Tensor, absent: Tensor) -> Tensor:
        """``mu = x`` on given cells (known exactly), the prior ``mu = 0`` on absent ones."""
        return torch.where(given, x, state.masked_fill(absent, 0.0))

    def latent_shape(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the latent, which is ``mu`` itself."""
        return tuple(shape)

    def state_from_latent(self, z: Tensor) -> Tensor:
        """The state ``mu``, which is the latent itself."""
        return z


@dataclass(frozen=True)
class ContinuousFlow(GaussianMeanState):
    r"""Bayesian flow for real-valued data (Graves et al. 2023).

    The input distribution is a factorised Gaussian with mean :math:`\mu` and
    precision :math:`\rho`; the prior is :math:`\mu = 0, \rho = 1`. The accuracy
    schedule and the flow distribution are

    .. math::

        \beta(t) = \sigma_1^{-2t} - 1, \qquad
        p_F(\mu \mid x; t) = \mathcal{N}\big(\gamma(t)\, x,\; \gamma(t)(1 - \gamma(t))\big), \qquad
        \gamma(t) = 1 - \sigma_1^{2t}.

    The network predicts the noise :math:`\hat\epsilon` and
    :meth:`output_prediction` turns it into a data estimate :math:`\hat x`.

    Parameters
    ----------
    sigma_1 : float, default=0.01
        Standard deviation of the flow at ``t = 1``: the precision reached is
        ``sigma_1 ** -2``. Smaller values resolve finer detail.
    t_min : float, default=1e-6
        Below this time the data estimate is 0 (the network output is ignored).
    x_min, x_max : float, default=-1, 1
        Data estimates are clipped to ``[x_min, x_max]``.

    Examples
    --------
    >>> import torch
    >>> flow = ContinuousFlow(sigma_1=0.01)
    >>> t = torch.tensor([0.0, 0.5, 1.0])
    >>> flow.gamma(t)
    tensor([0.0000, 0.9900, 0.9999])
    >>> total = flow.step_accuracy(torch.arange(1, 11), 10).sum()
    >>> torch.allclose(total, flow.beta(torch.tensor(1.0)))
    True
    """

    sigma_1: float = 0.01
    t_min: float = 1e-6
    x_min: float = -1.0
    x_max: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 < self.sigma_1 < 1.0:
            raise ValueError(f"sigma_1 must lie in (0, 1), got {self.sigma_1!r}.")
        if not self.x_min < self.x_max:
            raise ValueError(f"x_min must be below x_max, got {self.x_min!r} and {self.x_max!r}.")

    # ----------------------------------------------------------------- schedule
    def beta(self, t: Tensor) -> Tensor:
        """Accuracy schedule ``beta(t) = sigma_1^(-2t) - 1``."""
        return torch.expm1(-2.0 * math.log(self.sigma_1) * t)

    def alpha(self, t: Tensor) -> Tensor:
        """Accuracy rate ``d beta / dt = -2 ln(sigma_1) sigma_1^(-2t)``."""
        return -2.0 * math.log(self.sigma_1) * torch.exp(-2.0 * math.log(self.sigma_1) * t)

    def gamma(self, t: Tensor) -> Tensor:
        """``gamma(t) = beta / (1 + beta) = 1 - sigma_1^(2t)``."""
        return -torch.expm1(2.0 * math.log(self.sigma_1) * t)

    def one_minus_gamma(self, t: Tensor) -> Tensor:
        """``1 - gamma(t) = sigma_1^(2t)``, computed directly: ``1 - gamma`` cancels in float32 near ``t = 1``."""
        return torch.exp(2.0 * math.log(self.sigma_1) * t)

    def step_accuracy(self, i: Tensor | int, n: int) -> Tensor | float:
        """Accuracy of step ``i`` of ``n``: ``beta(i/n) - beta((i-1)/n)``.

        ``i`` may be a tensor of step indices or a Python int (then a float is returned).
        """
        log_s = math.log(self.sigma_1)
        if isinstance(i, Tensor):
            return torch.exp(-2.0 * log_s * i / n) * -math.expm1(2.0 * log_s / n)
        return math.exp(-2.0 * log_s * i / n) * -math.expm1(2.0 * log_s / n)

    # ------------------------------------------------------- input distribution
    def sender_sample(self, x: Tensor, alpha: Tensor, generator: torch.Generator | None = None) -> Tensor:
        """Draw ``y ~ N(x, 1/alpha)``; ``alpha`` broadcasts against ``x``."""
        noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
        return x + noise * alpha**-0.5

    # ------------------------------------------------------------------ losses
    def continuous_time_loss(self, x: Tensor, x_hat: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        r"""The integrand of the continuous-time loss :math:`L^\infty`, shape ``[B]``.

        .. math::

            -\ln \sigma_1 \; \sigma_1^{-2t} \, \lVert x - \hat x \rVert^2

        ``mask`` (boolean, like ``x``) restricts the sum to the cells it marks.
        """
        log_s = math.log(self.sigma_1)
        return -log_s * torch.exp(-2.0 * log_s * t) * sum_over_data((x - x_hat) ** 2, mask)

    def discrete_time_loss(
        self, x: Tensor, x_hat: Tensor, i: Tensor, n: int, noise: Tensor | None = None, *, mask: Tensor | None = None
    ) -> Tensor:
        r"""The integrand of the discrete-time loss :math:`L^n` for step ``i``, shape ``[B]``.

        With :math:`\hat x` predicted at :math:`t_{i-1}`:

        .. math::

            \frac{n}{2} \big(1 - \sigma_1^{2/n}\big) \sigma_1^{-2i/n} \lVert x - \hat x \rVert^2
            = \frac{n}{2} \alpha_i \lVert x - \hat x \rVert^2.

        The KL divergence is in closed form here, so ``noise`` is not used.
        """
        return 0.5 * n * self.step_accuracy(i, n) * sum_over_data((x - x_hat) ** 2, mask)

    def reconstruction_loss(self, x: Tensor, x_hat: Tensor, *, mask: Tensor | None = None) -> Tensor:
        r"""The reconstruction loss :math:`-\ln \mathcal{N}(x \mid \hat x, \sigma_1^2 I)`, shape ``[B]``.

        Summed over dimensions (or the cells of ``mask``); :math:`\hat x` is the
        prediction at :math:`t = 1`.
        """
        log_norm = 0.5 * math.log(2.0 * math.pi) + math.log(self.sigma_1)
        per_cell = log_norm + (x - x_hat) ** 2 / (2.0 * self.sigma_1**2)
        return sum_over_data(per_cell, mask)

    def control_variate(self, noise: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln(sigma_1) gamma(t) sum(eps^2 - 1)``: zero mean, and most of the loss integrand's noise.

        Once the flow has resolved ``x`` (late ``t``), ``x - x_hat`` is
        ``sqrt((1 - gamma) / gamma) (eps_hat - eps)`` with ``eps_hat`` nearly 0, so
        the integrand is about ``-ln(sigma_1) ||eps||^2``: a chi-squared term with
        mean ``-ln(sigma_1) D`` that carries no information about the model.
        Subtracting this statistic, whose expectation over the flow noise
        ``eps`` is exactly 0 at every ``t``, leaves the loss's expectation
        unchanged and removes that noise. ``gamma(t)`` switches it off early,
        where the prediction does not follow ``eps``.

        Parameters
        ----------
        noise : Tensor of shape ``[B, *D]``
            The standard normal noise that drew the flow sample.
        t : Tensor of shape [B]
            Times.
        mask : Tensor of bool, optional
            Cells the loss counts.

        Returns
        -------
        Tensor of shape [B]

        Examples
        --------
        >>> import torch
        >>> flow = ContinuousFlow(sigma_1=0.01)
        >>> flow.control_variate(torch.tensor([[1.0, 1.0], [2.0, 0.0]]), torch.ones(2))  # 4.6 (3 - 1)
        tensor([0.0000, 9.2094])
        """
        return -math.log(self.sigma_1) * self.gamma(t) * sum_over_data(noise**2 - 1.0, mask)

    def reconstruction_control_variate(self, noise: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``sum(eps^2 - 1) / (2 gamma(1))``: zero mean, and most of the reconstruction loss's noise.

        At ``t = 1``, ``x - x_hat = -sqrt((1 - gamma) / gamma) (eps - eps_hat)``
        with ``1 - gamma(1) = sigma_1^2``, so the loss's
        ``(x - x_hat)^2 / (2 sigma_1^2)`` is ``(eps - eps_hat)^2 / (2 gamma(1))``.
        A network cannot tell the last ``sigma_1`` of noise from data spread
        over far more than ``sigma_1``, so ``eps_hat`` is nearly 0 and the loss
        carries ``||eps||^2 / (2 gamma(1))``, chi-squared noise that says
        nothing about the model. This statistic removes it; its expectation
        over ``eps`` is exactly 0, so the bound's expectation is unchanged.
        ``noise`` and ``mask`` are as for :meth:`control_variate`.

        Examples
        --------
        >>> import torch
        >>> flow = ContinuousFlow(sigma_1=0.1)
        >>> flow.reconstruction_control_variate(torch.tensor([[1.0, 1.0], [2.0, 0.0]]))  # (3 - 1) / 1.98
        tensor([0.0000, 1.0101])
        """
        return sum_over_data(noise**2 - 1.0, mask) / (2.0 * (1.0 - self.sigma_1**2))

    # --------------------------------------------------- the flow protocol
    # The methods below are what :class:`skbfn.core.BFN` and the samplers call;
    # every flow has them. The "state" is the input distribution's parameters
    # (here ``mu``: ``rho = 1 + beta(t)`` is implied by ``t``).
    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per row."""
        return math.prod(data_shape)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """``mu ~ p_F(mu | x; t) = N(gamma x, gamma (1 - gamma))`` from standard normal ``noise`` shaped like ``x``."""
        t = per_sample(t, x)
        gamma = self.gamma(t)
        return gamma * x + torch.sqrt(gamma * self.one_minus_gamma(t)) * noise

    def output_prediction(self, state: Tensor, t: Tensor, net_out: Tensor) -> Tensor:
        """Data estimate ``x_hat = mu/gamma - sqrt((1-gamma)/gamma) eps_hat`` from the predicted noise, clipped.

        ``x_hat`` is 0 where ``t < t_min``.
        """
        t = per_sample(t, state)
        eps_hat = net_out.reshape(state.shape)
        gamma = self.gamma(t).clamp_min(torch.finfo(state.dtype).tiny)
        x_hat = state / gamma - torch.sqrt(self.one_minus_gamma(t) / gamma) * eps_hat
        x_hat = torch.where(t < self.t_min, torch.zeros_like(x_hat), x_hat)
        return x_hat.clamp(self.x_min, self.x_max)

    def sampler_update(self, state: Tensor, x_hat: Tensor, i: int, n: int, generator=None) -> Tensor:
        """Step ``i`` of ``n`` of the paper's sampler: ``y ~ N(x_hat, 1/alpha_i)``, then update."""
        alpha = self.step_accuracy(i, n)
        rho = 1.0 + math.expm1(-2.0 * math.log(self.sigma_1) * (i - 1) / n)
        return bayesian_update(state, rho, self.sender_sample(x_hat, alpha, generator), alpha)[0]

    def sample_output(self, x_hat: Tensor, generator=None) -> Tensor:
        """Final sample from the prediction at ``t = 1``: ``x_hat`` itself."""
        return x_hat

    # ------------------------------------------ the Gaussian view (fast solvers)
    def gaussian_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t) = (gamma, sqrt(gamma (1 - gamma)))``: ``mu ~ N(a_t x, s_t^2)``."""
        gamma = -math.expm1(2.0 * math.log(self.sigma_1) * t)
        return gamma, math.sqrt(gamma * math.exp(2.0 * math.log(self.sigma_1) * t))

    def denoised(self, x_hat: Tensor) -> Tensor:
        """The data estimate itself (already clipped)."""
        return x_hat
