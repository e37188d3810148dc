"""Networks with known answers, for testing flows, losses, bounds and samplers."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from skbfn.core import ContinuousFlow


def eps_for_estimate(flow: ContinuousFlow, mu: Tensor, t: Tensor, x_hat: Tensor) -> Tensor:
    """The noise prediction that makes ``flow.output_prediction`` return ``x_hat`` (before clipping)."""
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


class MixtureProductNet(nn.Module):
    """Optimal predictor for rows ``(x, k)``: a class ``k ~ weights`` and ``x | k ~ N(means[k], scale^2)``.

    For ``ProductFlow([(ContinuousFlow, 1), (CategoricalFlow(K), 1)])``. The
    network reads ``[mu, 2 theta - 1]``. The class posterior combines the
    prior, the categorical evidence (``ln theta_k`` up to a constant, as the
    flow's logits are Gaussian with class-independent variance) and the
    continuous evidence ``mu ~ N(gamma m_k, gamma^2 s^2 + gamma (1 - gamma))``.
    It returns the noise prediction giving ``E[x | mu, theta]`` and the
    posterior class log-probabilities as logits.
    """

    def __init__(self, flow, weights: Tensor, means: Tensor, scale: float) -> None:
        super().__init__()
        self.continuous = flow.parts[0][0]
        self.register_buffer("log_weights", torch.log(weights))
        self.register_buffer("means", means)
        self.scale = scale
        self.dummy = nn.Parameter(torch.zeros(()))  # gives the model a device and dtype

    def forward(self, inputs, t, cond=None, drop=None):
        mu, theta = inputs[:, :1], (inputs[:, 1:] + 1.0) / 2.0
        gamma = self.continuous.gamma(t).reshape(-1, 1).clamp(1e-12, 1 - 1e-12)
        var = self.scale**2
        evidence_var = gamma**2 * var + gamma * (1.0 - gamma)
        log_evidence = -((mu - gamma * self.means) ** 2) / (2 * evidence_var)
        log_post = self.log_weights + torch.log(theta.clamp_min(1e-300)) + log_evidence
        post = torch.softmax(log_post, dim=1)
        precision = 1.0 / var + gamma / (1.0 - gamma)
        x_given_class = (self.means / var + mu / (1.0 - gamma)) / precision
        x_hat = (post * x_given_class).sum(dim=1, keepdim=True)
        return torch.cat([eps_for_estimate(self.continuous, mu, t, x_hat), torch.log_softmax(log_post, dim=1)], dim=1)
