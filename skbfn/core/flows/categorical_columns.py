"""The categorical flow over several columns, each with its own number of classes, as one fused flow.

The mathematics is that of :class:`~skbfn.core.CategoricalFlow` column by
column: column ``j`` has ``K_j`` classes. The state, the logits and the
log-probabilities are kept as ``[K, B, n]`` with ``K = max K_j`` (the class
axis first, where a CPU reduces fastest); a column's entries past
its own ``K_j`` have probability 0 (log-probability ``-inf``), so every
softmax, sum, draw and loss over the class axis is the column's own.
The network and the noise see each column's own ``K_j`` entries, column by
column, as one flow per column lays them out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

from ._no_variates import NoControlVariates
from ._padding import PaddedLayout, TensorCache, column_counts, counts_repr
from ._shapes import sum_over_data
from .gaussian_view import solver_update

__all__ = ["CategoricalColumnsFlow"]


@dataclass(frozen=True, repr=False)
class CategoricalColumnsFlow(NoControlVariates):
    """Bayesian flow for ``n`` categorical columns, column ``j`` with ``n_classes[j]`` classes.

    Equal, column by column, to a :class:`~skbfn.core.ProductFlow` of one
    :class:`~skbfn.core.CategoricalFlow` per column (same network inputs,
    outputs, noise layout, losses and predictions), in a few batched
    operations. Rows hold class indices ``[B, n]``; the state and the
    predictions are ``[max(n_classes), B, n]``, class axis first.

    Parameters
    ----------
    n_classes : sequence of int
        Classes of each column (each at least 2).
    beta_1 : float, default=4.0
        Accuracy reached at ``t = 1``, as for :class:`~skbfn.core.CategoricalFlow`.

    Examples
    --------
    >>> import torch
    >>> flow = CategoricalColumnsFlow(n_classes=(2, 3))
    >>> flow.prior_state((1, 2))[:, 0]  # [K, n] of the one row
    tensor([[0.5000, 0.3333],
            [0.5000, 0.3333],
            [0.0000, 0.3333]])
    >>> flow.input_size((2,)), flow.network_input(flow.prior_state((1, 2)), torch.zeros(1)).shape
    (5, torch.Size([1, 5]))
    """

    n_classes: tuple[int, ...]
    beta_1: float = 4.0
    _tensors: TensorCache = field(init=False, repr=False, compare=False, default_factory=TensorCache)

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_classes", column_counts(self.n_classes, "n_classes"))
        if not self.beta_1 > 0:
            raise ValueError(f"beta_1 must be positive, got {self.beta_1!r}.")

    def __repr__(self) -> str:
        return f"CategoricalColumnsFlow(n_classes={counts_repr(self.n_classes)}, beta_1={self.beta_1})"

    def layout(self, like: Tensor) -> PaddedLayout:
        """The padded layout of the columns, on the device and dtype of ``like``."""
        key = (like.device, like.dtype)
        if key not in self._tensors:
            self._tensors[key] = PaddedLayout.of(self.n_classes, like.device, like.dtype)
        return self._tensors[key]

    def _check(self, data_shape: tuple[int, ...]) -> None:
        if tuple(data_shape) != (len(self.n_classes),):
            raise ValueError(
                f"CategoricalColumnsFlow expects rows of {len(self.n_classes)} columns, got shape {tuple(data_shape)}."
            )

    # ---------------------------------------------------------- schedule
    def beta(self, t: Tensor) -> Tensor:
        """``beta(t) = beta_1 t^2``."""
        return self.beta_1 * t**2

    def step_accuracy(self, i: Tensor | int, n: int) -> Tensor | float:
        """``alpha_i = beta_1 (2i - 1) / n^2``."""
        return self.beta_1 * (2 * i - 1) / n**2

    # ----------------------------------------------- input distribution
    def one_hot(self, x: Tensor, like: Tensor) -> Tensor:
        """One-hot ``e_x`` of class indices ``x``, ``[K, B, n]``, in the dtype of ``like``."""
        return self.layout(like).one_hot(x, like.dtype)

    def sender_sample(self, x: Tensor, alpha, noise: Tensor) -> Tensor:
        """``y ~ N(alpha (K_j e_x - 1), alpha K_j I)`` per column, from standard normal ``noise [K, B, n]``."""
        counts = self.layout(noise).counts
        alpha = alpha.unsqueeze(-1) if isinstance(alpha, Tensor) else alpha  # [B] -> [B, 1]
        return alpha * (counts * self.one_hot(x, noise) - 1.0) + torch.sqrt(alpha * counts) * noise

    def _softmax(self, logits: Tensor) -> Tensor:
        return torch.softmax(logits + self.layout(logits).log_padding, dim=0)

    # ------------------------------------------------------------ losses
    def continuous_time_loss(self, x: Tensor, log_probs: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``beta_1 t sum_j K_j ||e_x - e_hat||^2`` over columns (or the cells of ``mask``), shape ``[B]``.

        ``||e_x - e_hat||^2 = 1 - 2 e_hat(x) + ||e_hat||^2``: no one-hot codes needed.
        """
        probs = log_probs.exp()
        observed = probs.gather(0, x.long().unsqueeze(0)).squeeze(0)
        squared = 1.0 - 2.0 * observed + (probs * probs).sum(dim=0)
        weighted = squared * self.layout(log_probs).counts
        return self.beta_1 * t * sum_over_data(weighted, mask)

    def discrete_time_loss(
        self, x: Tensor, log_probs: Tensor, i: Tensor, n: int, noise: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """``n [ln p_S(y | x) - ln p_R(y | theta)] = n [y_x - logsumexp_k(ln p_O(k) + y_k)]`` per column, ``[B]``."""
        y = self.sender_sample(x, self.step_accuracy(i, n), self.layout(log_probs).pad(noise.flatten(1), 0.0))
        y_true = y.gather(0, x.long().unsqueeze(0)).squeeze(0)
        return n * sum_over_data(y_true - torch.logsumexp(log_probs + y, dim=0), mask)

    def reconstruction_loss(self, x: Tensor, log_probs: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """``-ln p_O(x | theta; 1)``, shape ``[B]``."""
        return -sum_over_data(log_probs.gather(0, x.long().unsqueeze(0)).squeeze(0), mask)

    # ---------------------------------------------------- the flow protocol
    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per row: ``K_j`` values per column, flat: ``(sum K_j,)``."""
        self._check(data_shape)
        return (sum(self.n_classes),)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network inputs per row: ``K_j`` per column."""
        self._check(data_shape)
        return sum(self.n_classes)

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Number of network outputs per row: ``K_j`` logits per column."""
        self._check(data_shape)
        return sum(self.n_classes)

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None) -> Tensor:
        """Uniform class probabilities ``1/K_j``, shape ``[K, B, n]`` (0 in the padding)."""
        uniform = self.layout(torch.empty(0, device=device, dtype=dtype)).uniform
        return uniform.expand(-1, shape[0], -1).clone()

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> Tensor:
        """``theta = softmax(y)``, ``y ~ N(beta(t) (K_j e_x - 1), beta(t) K_j I)`` from ``noise [B, sum K_j]``.

        The mean's ``beta K_j e_x`` term touches one class per cell: it is added where it falls.
        """
        layout = self.layout(x)
        beta = self.beta(t).unsqueeze(-1)  # [B, 1]
        y = torch.sqrt(beta * layout.counts) * layout.pad(noise.flatten(1), 0.0) - beta
        y = y.scatter_add(0, x.long().unsqueeze(0), (beta * layout.counts).expand_as(x).unsqueeze(0))
        return self._softmax(y)

    def network_input(self, theta: Tensor, t: Tensor) -> Tensor:
        """The network sees ``2 theta - 1`` of each column's own classes: ``[B, sum K_j]``."""
        return self.layout(theta).pack(2.0 * theta - 1.0)

    def masked_state(self, theta: Tensor, x: Tensor, given: Tensor, absent: Tensor) -> Tensor:
        """``theta = e_x`` on given cells (known exactly), the uniform prior ``1/K_j`` on absent ones."""
        theta = torch.where(absent, self.layout(theta).uniform, theta)
        return torch.where(given, self.one_hot(x, theta), theta)

    def output_prediction(self, theta: Tensor, t: Tensor, net_out: Tensor) -> Tensor:
        """``ln p_O = log_softmax`` of each column's logits, shape ``[K, B, n]`` (``-inf`` in the padding)."""
        return torch.log_softmax(self.layout(theta).pad(net_out.flatten(1), -torch.inf), dim=0)

    def sample_output(self, log_probs: Tensor, generator=None) -> Tensor:
        """A class drawn from ``p_O`` per column (indices, in ``log_probs``' dtype), ``[B, n]``.

        By the Gumbel-max trick: ``argmax_k(ln p_O(k) + g_k)`` with ``g_k``
        standard Gumbel draws is distributed as ``p_O``.
        """
        u = torch.rand(log_probs.shape, generator=generator, device=log_probs.device, dtype=log_probs.dtype)
        gumbel = -torch.log(-torch.log(u.clamp_min(torch.finfo(u.dtype).tiny)))
        return (log_probs + gumbel).argmax(dim=0).to(log_probs.dtype)

    def sampler_update(self, theta: Tensor, log_probs: Tensor, i: int, n: int, generator=None) -> Tensor:
        """Draw ``k ~ p_O``, then ``y ~ N(alpha_i (K_j e_k - 1), alpha_i K_j)``, then update ``theta``."""
        k = self.sample_output(log_probs, generator)
        noise = torch.randn(theta.shape, generator=generator, device=theta.device, dtype=theta.dtype)
        y = self.sender_sample(k, self.step_accuracy(i, n), noise)
        return self._softmax(torch.log(theta.clamp_min(torch.finfo(theta.dtype).tiny)) + y)

    # ------------------------------------------ the Gaussian view (fast solvers)
    def log_snr(self, t: float) -> float:
        """``lambda_t = ln(a_t / s_t)`` of the first column (``a_t = beta_1 t^2``, ``s_t = sqrt(K_1 beta_1) t``)."""
        return math.log(math.sqrt(self.beta_1 / self.n_classes[0]) * t)

    def _unit_coefficients(self, t: float) -> tuple[float, float]:
        """``(a_t, s_t / sqrt(K_j))``: each column's ``s_t`` is this times ``sqrt(K_j)``."""
        return self.beta_1 * t**2, math.sqrt(self.beta_1) * t

    def _noise_scale(self, like: Tensor) -> Tensor:
        return self.layout(like).counts.sqrt()

    def prior_latent(self, shape: tuple[int, ...], t: float, *, generator=None, device=None, dtype=None) -> Tensor:
        """Logits ``z ~ N(0, s_t^2)`` per column, shape ``[K, B, n]``."""
        layout = self.layout(torch.empty(0, device=device, dtype=dtype))
        noise = torch.randn(
            (layout.width, shape[0], len(self.n_classes)), generator=generator, device=device, dtype=dtype
        )
        return self._unit_coefficients(t)[1] * self._noise_scale(noise) * noise

    def add_data_share(self, z: Tensor, denoised: Tensor, t: float) -> Tensor:
        """``z + a_t D``."""
        return z + self._unit_coefficients(t)[0] * denoised

    def state_from_latent(self, z: Tensor) -> Tensor:
        """``theta = softmax(z)`` over each column's own classes."""
        return self._softmax(z)

    def denoised(self, log_probs: Tensor) -> Tensor:
        """``K_j e_hat - 1``, the estimate of the data term ``K_j e_x - 1``."""
        return self.layout(log_probs).counts * log_probs.exp() - 1.0

    def solver_update(
        self, z, denoised, previous, t: float, t_next: float, *, order: int, stochastic: bool, generator=None
    ):
        """Move ``z`` from ``t`` to ``t_next``; ``previous`` is ``(D_prev, t_prev)`` or None.

        The columns share ``a_t`` and ``lambda`` steps (``s_t`` differs by a
        factor ``sqrt(K_j)``), so one step moves them all; only the fresh noise
        of an SDE step is scaled per column.
        """
        if previous is not None:
            previous = (previous[0], self._unit_coefficients(previous[1]))
        return solver_update(
            z,
            denoised,
            previous,
            self._unit_coefficients(t),
            self._unit_coefficients(t_next),
            order=order,
            stochastic=stochastic,
            generator=generator,
            noise_scale=self._noise_scale(z),
        )
