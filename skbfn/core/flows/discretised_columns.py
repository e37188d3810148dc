"""The discretised flow over several columns, each with its own number of bins, as one fused flow.

The mathematics is that of :class:`~skbfn.core.DiscretisedFlow` column by
column: column ``j`` has ``K_j`` equal bins over ``[-1, 1]``. Bin log-masses
are kept as ``[K, B, n]`` with ``K = max K_j`` (the bin axis first, where a
CPU reduces fastest); a column's bins past its own ``K_j`` have log-mass
``-inf`` (probability 0), so every sum and loss over the bin axis is the
column's own. A table's integer columns thus
cost a few batched operations, whatever their number and bin counts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
from torch import Tensor

from ._no_variates import NoControlVariates
from ._padding import PaddedLayout, TensorCache, column_counts, counts_repr
from ._shapes import per_sample, sum_over_data
from .continuous import ContinuousFlow, GaussianMeanState
from .discretised import bin_centre, log1mexp, output_gaussian

__all__ = ["DiscretisedColumnsFlow"]


class _Bins(NamedTuple):
    """Constants of columns with ``K_j`` bins each, padded to ``K`` (one device and dtype)."""

    layout: PaddedLayout
    centres: Tensor  # [K, 1, n]: bin centres, 0 in the padding
    inner_edges: Tensor  # [K - 1, 1, n]: the edges between bins, 1 in the padding
    edges_below: Tensor  # [K - 1, 1, n]: the same edges, -inf in the padding (no mass lies below them)
    last_edge: Tensor  # [1, 1, n] long: index of each column's last inner edge, K_j - 2
    is_last: Tensor  # [K, 1, n] bool: the column's last bin, K_j - 1
    middle: Tensor  # [K - 2, 1, n] bool: bin k + 1 has two inner edges (k + 1 <= K_j - 2)
    last_centre: Tensor  # [n]: centre of each column's last bin, 1 - 1 / K_j
    spacing: Tensor  # [n]: distance between neighbouring centres, 2 / K_j


def _log_mass_between(low: Tensor, high: Tensor) -> Tensor:
    """``ln(Phi(high) - Phi(low))`` for standardised edges ``low <= high``, without cancellation.

    A bin right of the mean (``low > 0``) is reflected about it, so that the
    larger CDF is at most one half or the bin straddles the mean; then
    ``ln Phi(b) + ln(1 - exp(ln Phi(a) - ln Phi(b)))`` holds every digit.
    """
    reflect = low > 0
    low, high = torch.where(reflect, -high, low), torch.where(reflect, -low, high)
    log_high = torch.special.log_ndtr(high)
    # a ratio of CDFs that rounds to 1 means a mass below the dtype's resolution of Phi(high)
    ratio = (torch.special.log_ndtr(low) - log_high).clamp_max(-torch.finfo(low.dtype).eps)
    return log_high + log1mexp(ratio)


def _mass_below_edges(mu: Tensor, sigma: Tensor, edges: Tensor) -> Tensor:
    """``sum_e Phi((e - mu) / sigma)`` over the inner edges ``e`` ``[K - 1, 1, n]``, ``[B, n]``.

    Padded edges lie at ``-inf``: no mask is needed (on a CPU a masked fill
    costs several arithmetic passes).
    """
    return _sum_of_normal_cdfs(_standardised(mu, sigma, edges))


# |z| beyond which Phi(z) counts as 0 or 1 and the normal density as that of the cutoff (below 1e-31): erfc and
# exp of larger arguments take PyTorch's slow paths on the CPU (tens of times slower), and neither the mean nor
# its gradient changes in float64.
_CUTOFF = 12.0
_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _standardised(mu: Tensor, sigma: Tensor, edges: Tensor) -> Tensor:
    """``z = (e - mu) / sigma`` for every edge, ``[K - 1, B, n]``, clipped to the cutoff."""
    return (edges - mu).div_(sigma).clamp_(-_CUTOFF, _CUTOFF)


def _sum_of_normal_cdfs(z: Tensor) -> Tensor:
    """``sum_e Phi(z_e)`` over the first axis, as ``erfc(-z / sqrt 2) / 2``.

    On the CPU this runs several times faster than ``torch.special.ndtr``,
    and is as accurate (tested against ``ndtr`` in float64).
    """
    return torch.erfc(z * -_SQRT_HALF).sum(0).mul_(0.5)


class _MassBelowEdges(torch.autograd.Function):
    """:func:`_mass_below_edges` with a backward pass over ``[B, n]`` sums instead of ``[K - 1, B, n]`` graphs.

    With ``z_e = (e - mu) / sigma`` and the normal density ``phi``, the
    derivatives are ``-sum_e phi(z_e) / sigma`` in ``mu`` and
    ``-sum_e phi(z_e) z_e / sigma`` in ``sigma``; the forward pass keeps the
    two sums, so that autograd records two tensors of the row's size rather
    than every operation on every edge (the training step's largest cost
    among the flows' arithmetic on tables with many integer columns). A
    padded edge, at ``-inf``, counts as one at the cutoff: ``Phi`` and the
    density below 1e-31.
    """

    @staticmethod
    def forward(ctx, mu: Tensor, sigma: Tensor, edges: Tensor) -> Tensor:
        z = _standardised(mu, sigma, edges)  # [K - 1, B, n]
        below = _sum_of_normal_cdfs(z)
        density = torch.exp(z.square().mul_(-0.5))  # times 1 / sqrt(2 pi), applied to the sums
        ctx.save_for_backward(density.sum(0), density.mul_(z).sum(0), sigma)
        ctx.shapes = mu.shape, sigma.shape
        return below

    @staticmethod
    def backward(ctx, grad: Tensor):
        density, density_z, sigma = ctx.saved_tensors
        mu_shape, sigma_shape = ctx.shapes
        scaled = grad / sigma * -_INV_SQRT_2PI
        return (scaled * density).sum_to_size(mu_shape), (scaled * density_z).sum_to_size(sigma_shape), None


@dataclass(frozen=True, repr=False)
class DiscretisedColumnsFlow(NoControlVariates, GaussianMeanState):
    """Bayesian flow for ``n`` discretised columns, column ``j`` with ``n_bins[j]`` bins over ``[-1, 1]``.

    Equal, column by column, to a :class:`~skbfn.core.ProductFlow` of one
    :class:`~skbfn.core.DiscretisedFlow` per column (same network inputs,
    outputs, noise layout, losses and predictions), in a few batched
    operations. Rows are ``[B, n]``. The prediction is the Gaussian
    ``(mu_x, sigma_x)`` whose bin masses are the output distribution (both
    ``[B, n]``): the mean, the observed bin's mass and a draw need no more
    (:meth:`log_bin_masses` gives every bin's, ``[max(n_bins), B, n]``).

    Parameters
    ----------
    n_bins : sequence of int
        Bins of each column (each at least 2).
    sigma_1 : float, default=0.01
        As for :class:`~skbfn.core.ContinuousFlow`.
    t_min : float, default=1e-6
        Below this time ``mu_x = 0`` and ``sigma_x = 1``.

    Examples
    --------
    >>> import torch
    >>> flow = DiscretisedColumnsFlow(n_bins=(2, 4))
    >>> prediction = flow.output_prediction(torch.zeros(1, 2), torch.full((1,), 0.5), torch.zeros(1, 4))
    >>> flow.log_bin_masses(prediction)[:, 0].exp().T.round(decimals=3)  # [n, K] of the one row
    tensor([[0.5000, 0.5000, 0.0000, 0.0000],
            [0.0000, 0.5000, 0.5000, 0.0000]])
    """

    n_bins: tuple[int, ...]
    sigma_1: float = 0.01
    t_min: float = 1e-6
    continuous: ContinuousFlow = field(init=False, repr=False, compare=False)
    _tensors: TensorCache = field(init=False, repr=False, compare=False, default_factory=TensorCache)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_bins", column_counts(self.n_bins, "n_bins"))
        object.__setattr__(self, "continuous", ContinuousFlow(self.sigma_1, self.t_min))

    def __repr__(self) -> str:
        return f"DiscretisedColumnsFlow(n_bins={counts_repr(self.n_bins)}, sigma_1={self.sigma_1}, t_min={self.t_min})"

    def _bins(self, like: Tensor) -> _Bins:
        key = (like.device, like.dtype)
        if key not in self._tensors:
            self._tensors[key] = self._make_bins(like.device, like.dtype)
        return self._tensors[key]

    def _make_bins(self, device, dtype) -> _Bins:
        layout = PaddedLayout.of(self.n_bins, device, dtype)
        counts, k = layout.counts, layout.entries  # [n], [K, 1, 1]
        centres = bin_centre(k, counts).masked_fill(layout.padding, 0.0)
        inner = (2 * k[1:] / counts - 1).masked_fill(layout.padding[1:], 1.0)
        sizes = torch.tensor(self.n_bins, device=device)
        return _Bins(
            layout=layout,
            centres=centres,
            inner_edges=inner,
            edges_below=inner.masked_fill(layout.padding[1:], -torch.inf),
            last_edge=(sizes - 2).reshape(1, 1, -1),
            is_last=k == counts - 1,
            middle=k[1:-1] <= counts - 2,
            last_centre=1 - 1 / layout.counts,
            spacing=2 / layout.counts,
        )

    def _check(self, data_shape: Sequence[int]) -> None:
        if tuple(data_shape) != (len(self.n_bins),):
            raise ValueError(
                f"DiscretisedColumnsFlow expects rows of {len(self.n_bins)} columns, got shape {tuple(data_shape)}."
            )

    # ------------------------------------------------------------ output
    def log_bin_masses(self, prediction: tuple[Tensor, Tensor]) -> Tensor:
        """``ln p_O(k)`` of every bin of every column, ``[K, B, n]`` (``-inf`` past a column's ``K_j``).

        Column by column as :func:`~skbfn.core.flows.log_gaussian_bin_masses`:
        the end bins take the tails, and a bin right of the mean is reflected
        so that its log-mass is computed without cancellation.
        """
        mu_x, sigma_x = prediction
        bins = self._bins(mu_x)
        z = (bins.inner_edges - mu_x) / sigma_x  # standardised inner edges, [K - 1, B, n]
        first = torch.special.log_ndtr(z[:1])
        last = torch.special.log_ndtr(-z.gather(0, bins.last_edge.expand(1, *z.shape[1:])))
        # bins between two inner edges; elsewhere a harmless finite pair, overwritten below
        middle = _log_mass_between(torch.where(bins.middle, z[:-1], -1.0), torch.where(bins.middle, z[1:], 0.0))
        masses = torch.where(bins.is_last, last, torch.cat([first, middle, last], dim=0))
        return masses.masked_fill(bins.layout.padding, -torch.inf)

    def output_prediction(self, mu: Tensor, t: Tensor, net_out: Tensor) -> tuple[Tensor, Tensor]:
        """The Gaussian ``(mu_x, sigma_x)`` over each column, ``[B, n]`` each, whose bin masses are ``p_O``.

        The prediction stays a Gaussian: the mean prediction, the observed
        bin's log-mass and a draw each need far less than every bin's mass
        (:meth:`log_bin_masses`), which only the discrete-time loss needs.
        """
        return output_gaussian(self.continuous, mu, t, net_out.reshape(*mu.shape, 2))

    def mean_prediction(self, prediction: tuple[Tensor, Tensor]) -> Tensor:
        """``k_hat = sum_k p_O(k) k_c = c_(K-1) - (2 / K) sum_e Phi((e - mu_x) / sigma_x)`` over the inner edges ``e``.

        (Summation by parts: neighbouring centres lie ``2 / K`` apart.) The
        padded edges lie at ``-inf`` and add nothing (below 1e-32 each).
        """
        mu_x, sigma_x = prediction
        bins = self._bins(mu_x)
        if torch.is_grad_enabled() and (mu_x.requires_grad or sigma_x.requires_grad):
            below = _MassBelowEdges.apply(mu_x, sigma_x, bins.edges_below)
        else:
            below = _mass_below_edges(mu_x, sigma_x, bins.edges_below)
        return bins.last_centre - bins.spacing * below

    # ------------------------------------------------------------ losses
    def continuous_time_loss(
        self, x: Tensor, prediction: tuple[Tensor, Tensor], t: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """``-ln(sigma_1) sigma_1^(-2t) ||x - k_hat||^2`` (over the cells of ``mask``), shape ``[B]``."""
        return self.continuous.continuous_time_loss(x, self.mean_prediction(prediction), t, mask=mask)

    def discrete_time_loss(
        self,
        x: Tensor,
        prediction: tuple[Tensor, Tensor],
        i: Tensor,
        n: int,
        noise: Tensor,
        *,
        mask: Tensor | None = None,
    ) -> Tensor:
        """``n [ln N(y | x, 1/alpha) - ln sum_k p_O(k) N(y | k_c, 1/alpha)]``, ``y = x + noise / sqrt(alpha)``."""
        alpha = per_sample(self.continuous.step_accuracy(i, n), x)
        y = x + noise * alpha.rsqrt()
        log_sender = -0.5 * alpha * (y - x) ** 2
        log_bins = -0.5 * alpha * (y - self._bins(x).centres) ** 2  # [K, B, n]
        log_receiver = torch.logsumexp(self.log_bin_masses(prediction) + log_bins, dim=0)
        return n * sum_over_data(log_sender - log_receiver, mask)

    def bin_index(self, x: Tensor) -> Tensor:
        """Index ``0..K_j-1`` of the bin of column ``j`` holding each value (long)."""
        counts = self._bins(x).layout.counts
        return torch.minimum(torch.floor((x + 1) * counts / 2).clamp_min(0), counts - 1).long()

    def reconstruction_loss(
        self, x: Tensor, prediction: tuple[Tensor, Tensor], *, mask: Tensor | None = None
    ) -> Tensor:
        """``-ln p_O(x | mu; 1)``: the log-mass of each observed bin, shape ``[B]``.

        Computed for the observed bin alone, from its two edges, without
        cancellation (as :meth:`log_bin_masses`).
        """
        mu_x, sigma_x = prediction
        counts = self._bins(x).layout.counts
        k = self.bin_index(x).to(x.dtype)
        low = (2 * k / counts - 1 - mu_x) / sigma_x  # standardised edges; the end bins' outer ones are unused
        high = (2 * (k + 1) / counts - 1 - mu_x) / sigma_x
        first, last = torch.special.log_ndtr(high), torch.special.log_ndtr(-low)
        observed = torch.where(k == 0, first, torch.where(k == counts - 1, last, _log_mass_between(low, high)))
        return -sum_over_data(observed, mask)

    # ---------------------------------------------------- the flow protocol
    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per row: one value per column."""
        self._check(data_shape)
        return tuple(data_shape)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per row: ``mu`` per column."""
        self._check(data_shape)
        return len(self.n_bins)

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per row: ``(mu_eps, ln sigma_eps)`` per column."""
        self._check(data_shape)
        return 2 * len(self.n_bins)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """Draw of ``p_F(mu | x; t)``, as for continuous data."""
        return self.continuous.state_from_noise(x, t, noise)

    def sample_output(self, prediction: tuple[Tensor, Tensor], generator=None) -> Tensor:
        """A bin drawn from ``p_O`` per column, returned as its centre.

        ``p_O(k)`` is the mass of bin ``k`` under ``N(mu_x, sigma_x^2)``, the end
        bins taking the tails: the bin of a draw of that Gaussian.
        """
        mu_x, sigma_x = prediction
        draw = mu_x + sigma_x * torch.randn(mu_x.shape, generator=generator, device=mu_x.device, dtype=mu_x.dtype)
        return bin_centre(self.bin_index(draw).to(draw.dtype), self._bins(draw).layout.counts)

    def sampler_update(self, state: Tensor, prediction, i: int, n: int, generator=None) -> Tensor:
        """Draw ``k ~ p_O``, then ``y ~ N(k_c, 1/alpha_i)``, then the continuous update."""
        return self.continuous.sampler_update(state, self.sample_output(prediction, generator), i, n, generator)

    # ------------------------------------------ the Gaussian view (fast solvers)
    def gaussian_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t)`` of the continuous flow: ``mu ~ N(a_t x, s_t^2)``."""
        return self.continuous.gaussian_coefficients(t)

    def denoised(self, prediction: tuple[Tensor, Tensor]) -> Tensor:
        """The mean prediction ``k_hat``."""
        return self.mean_prediction(prediction)
