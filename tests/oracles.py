"""Networks with known answers, for testing flows, losses, bounds and samplers."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from skbfn.core import ContinuousFlow


def eps_for_estimate(flow: ContinuousFlow, mu: Tensor, t: Tensor, x_hat: Tensor) -> Tensor:
    """The noise prediction that makes ``flow.predict_data`` return ``x_hat`` (before clipping)."""
    gamma = flow.gamma(t).reshape(-1, *([1] * (mu.dim() - 1)))
    safe = gamma.clamp_min(1e-12)
    eps = (mu - safe * x_hat) / torch.sqrt(safe * (1.0 - safe)).clamp_min(1e-12)
    return torch.where(gamma > 0, eps, torch.zeros_like(eps))


class TruthNet(nn.Module):
    """Always predicts the data point ``truth`` (broadcast over the batch)."""

    def __init__(self, flow: ContinuousFlow, truth: Tensor) -> None:
        super().__init__()
        self.flow = flow
        self.register_buffer("truth", truth)
        self.dummy = nn.Parameter(torch.zeros(()))  # gives the model a device and dtype

    def forward(self, mu, t, cond=None, drop=None):
        return eps_for_estimate(self.flow, mu, t, self.truth.expand_as(mu))


class GaussianPosteriorNet(nn.Module):
    """The optimal denoiser for data ``x ~ N(0, scale^2 I)``: predicts ``E[x | mu]``.

    With ``mu ~ N(gamma x, gamma (1 - gamma))``,
    ``E[x | mu] = gamma scale^2 mu / (gamma^2 scale^2 + gamma (1 - gamma))``.
    """

    def __init__(self, flow: ContinuousFlow, scale: float) -> None:
        super().__init__()
        self.flow = flow
        self.scale = scale
        self.dummy = nn.Parameter(torch.zeros(()))  # gives the model a device and dtype

    def forward(self, mu, t, cond=None, drop=None):
        gamma = self.flow.gamma(t).reshape(-1, *([1] * (mu.dim() - 1)))
        var = self.scale**2
        denominator = (gamma**2 * var + gamma * (1.0 - gamma)).clamp_min(1e-30)
        posterior_mean = gamma * var * mu / denominator
        return eps_for_estimate(self.flow, mu, t, posterior_mean)


class ConditionalGaussianNet(nn.Module):
    """Optimal denoiser of a 2-column table ``(x1, x2)`` given ``x1``, for a BFN built with ``cell_inputs``.

    The data are ``x1 ~ N(0, scale^2)`` and ``x2 | x1 ~ N(rho x1, scale^2 (1 - rho^2))``.
    The network reads ``[mu1, mu2, given1, given2, absent1, absent2]``; when
    ``x1`` is given (``mu1 = x1``), it predicts ``E[x2 | mu2, x1]``, the
    posterior mean under the prior ``N(rho x1, v)`` and the flow's Gaussian
    evidence ``mu2 / gamma ~ N(x2, (1 - gamma) / gamma)``.
    """

    def __init__(self, flow: ContinuousFlow, scale: float, rho: float) -> None:
        super().__init__()
        self.flow, self.scale, self.rho = flow, scale, rho
        self.dummy = nn.Parameter(torch.zeros(()))  # gives the model a device and dtype

    def forward(self, inputs, t, cond=None, drop=None):
        mu = inputs[:, :2]
        x1 = mu[:, :1]
        gamma = self.flow.gamma(t).reshape(-1, 1).clamp(1e-12, 1 - 1e-12)
        prior_mean, prior_var = self.rho * x1, self.scale**2 * (1.0 - self.rho**2)
        precision = 1.0 / prior_var + gamma / (1.0 - gamma)
        x2_hat = (prior_mean / prior_var + mu[:, 1:] / (1.0 - gamma)) / precision
        x_hat = torch.cat([x1, x2_hat], dim=1)
        return eps_for_estimate(self.flow, mu, t, x_hat)
