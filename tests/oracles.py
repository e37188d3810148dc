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
