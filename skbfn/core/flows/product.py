"""Several flows over the columns of one table, sharing one time ``t``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["ProductFlow"]


class ProductFlow:
    """A flow over rows ``x [B, D]`` whose column blocks follow different flows.

    Part ``j`` owns the next ``n_columns_j`` columns of ``x``. The network input
    is the concatenation of the parts' inputs, its output is split by the parts'
    output sizes, the losses are summed over parts, and the sampler steps all
    parts together. Categorical columns hold class indices (as floats).

    Parameters
    ----------
    parts : sequence of (flow, int)
        Each flow (:class:`ContinuousFlow`, :class:`DiscretisedFlow`,
        :class:`CategoricalFlow`) with the number of columns it owns.

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import CategoricalFlow, ContinuousFlow, ProductFlow
    >>> flow = ProductFlow([(ContinuousFlow(), 2), (CategoricalFlow(3), 1)])
    >>> flow.input_size((3,)), flow.output_size((3,)), flow.noise_shape((3,))
    (5, 5, (5,))
    """

    def __init__(self, parts: Sequence[tuple[object, int]]) -> None:
        if not parts:
            raise ValueError("ProductFlow needs at least one part.")
        self.parts = [(flow, int(n)) for flow, n in parts]
        if any(n < 1 for _, n in self.parts):
            raise ValueError("Every part of a ProductFlow must own at least one column.")
        self.n_columns = sum(n for _, n in self.parts)
        self._columns = [n for _, n in self.parts]
        self._noise = [math.prod(flow.noise_shape((n,))) for flow, n in self.parts]
        self._inputs = [flow.input_size((n,)) for flow, n in self.parts]
        self._outputs = [flow.output_size((n,)) for flow, n in self.parts]

    def __repr__(self) -> str:
        return f"ProductFlow({self.parts!r})"

    def _check(self, data_shape: tuple[int, ...]) -> None:
        if tuple(data_shape) != (self.n_columns,):
            raise ValueError(f"ProductFlow expects rows of {self.n_columns} columns, got shape {tuple(data_shape)}.")

    def _split(self, x: Tensor) -> tuple[Tensor, ...]:
        return torch.split(x, self._columns, dim=1)

    # ---------------------------------------------------- the flow protocol
    def noise_shape(self, data_shape: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of the flow noise per row: the parts' noises, flattened and concatenated."""
        self._check(data_shape)
        return (sum(self._noise),)

    def input_size(self, data_shape: tuple[int, ...]) -> int:
        """Sum of the parts' network inputs per row."""
        self._check(data_shape)
        return sum(self._inputs)

    def output_size(self, data_shape: tuple[int, ...]) -> int:
        """Sum of the parts' network outputs per row."""
        self._check(data_shape)
        return sum(self._outputs)

    def prior_state(self, shape: tuple[int, ...], *, device=None, dtype=None) -> tuple[Tensor, ...]:
        """Each part's prior state, as a tuple."""
        return tuple(flow.prior_state((shape[0], n), device=device, dtype=dtype) for flow, n in self.parts)

    def state_from_noise(self, x: Tensor, t: Tensor, noise: Tensor) -> tuple[Tensor, ...]:
        """Each part's flow draw from its slice of the noise, as a tuple."""
        noises = torch.split(noise, self._noise, dim=1)
        return tuple(
            flow.state_from_noise(part, t, z.reshape(x.shape[0], *flow.noise_shape((n,))))
            for (flow, n), part, z in zip(self.parts, self._split(x), noises, strict=True)
        )

    def network_input(self, state: tuple[Tensor, ...], t: Tensor) -> Tensor:
        """The parts' network inputs, flattened and concatenated: ``[B, input_size]``."""
        return torch.cat(
            [flow.network_input(s, t).flatten(1) for (flow, _), s in zip(self.parts, state, strict=True)], dim=1
        )

    def output_prediction(self, state: tuple[Tensor, ...], t: Tensor, net_out: Tensor) -> tuple[Tensor, ...]:
        """Each part's prediction from its slice of the network output."""
        outs = torch.split(net_out.flatten(1), self._outputs, dim=1)
        return tuple(
            flow.output_prediction(s, t, out) for (flow, _), s, out in zip(self.parts, state, outs, strict=True)
        )

    def _split_mask(self, mask: Tensor | None) -> tuple[Tensor | None, ...]:
        return (None,) * len(self.parts) if mask is None else self._split(mask)

    def continuous_time_loss(
        self, x: Tensor, prediction: tuple[Tensor, ...], t: Tensor, *, mask: Tensor | None = None
    ) -> Tensor:
        """Sum of the parts' continuous-time losses (over the cells of ``mask``), shape ``[B]``."""
        return sum(
            flow.continuous_time_loss(part, pred, t, mask=m)
            for (flow, _), part, pred, m in zip(
                self.parts, self._split(x), prediction, self._split_mask(mask), strict=True
            )
        )

    def discrete_time_loss(
        self,
        x: Tensor,
        prediction: tuple[Tensor, ...],
        i: Tensor,
        n: int,
        noise: Tensor,
        *,
        mask: Tensor | None = None,
    ) -> Tensor:
        """Sum of the parts' discrete-time losses (over the cells of ``mask``), shape ``[B]``."""
        noises = torch.split(noise, self._noise, dim=1)
        return sum(
            flow.discrete_time_loss(part, pred, i, n, z.reshape(x.shape[0], *flow.noise_shape((cols,))), mask=m)
            for (flow, cols), part, pred, z, m in zip(
                self.parts, self._split(x), prediction, noises, self._split_mask(mask), strict=True
            )
        )

    def reconstruction_loss(self, x: Tensor, prediction: tuple[Tensor, ...], *, mask: Tensor | None = None) -> Tensor:
        """Sum of the parts' reconstruction losses (over the cells of ``mask``), shape ``[B]``."""
        return sum(
            flow.reconstruction_loss(part, pred, mask=m)
            for (flow, _), part, pred, m in zip(
                self.parts, self._split(x), prediction, self._split_mask(mask), strict=True
            )
        )

    def control_variate(self, noise: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """Sum of the parts' control variates (over the cells of ``mask``), shape ``[B]``."""
        noises = torch.split(noise, self._noise, dim=1)
        return sum(
            flow.control_variate(z.reshape(noise.shape[0], *flow.noise_shape((cols,))), t, mask=m)
            for (flow, cols), z, m in zip(self.parts, noises, self._split_mask(mask), strict=True)
        )

    def reconstruction_control_variate(self, noise: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """Sum of the parts' reconstruction control variates (over the cells of ``mask``), shape ``[B]``."""
        noises = torch.split(noise, self._noise, dim=1)
        return sum(
            flow.reconstruction_control_variate(z.reshape(noise.shape[0], *flow.noise_shape((cols,))), mask=m)
            for (flow, cols), z, m in zip(self.parts, noises, self._split_mask(mask), strict=True)
        )

    def masked_state(self, state: tuple[Tensor, ...], x: Tensor, given: Tensor, absent: Tensor):
        """Each part's state with its given cells known exactly and its absent cells at the prior."""
        return tuple(
            flow.masked_state(s, part, g, a)
            for (flow, _), s, part, g, a in zip(
                self.parts, state, self._split(x), self._split(given), self._split(absent), strict=True
            )
        )

    def sampler_update(self, state: tuple[Tensor, ...], prediction, i: int, n: int, generator=None):
        """Each part's step of the paper's sampler."""
        return tuple(
            flow.sampler_update(s, pred, i, n, generator)
            for (flow, _), s, pred in zip(self.parts, state, prediction, strict=True)
        )

    def sample_output(self, prediction: tuple[Tensor, ...], generator=None) -> Tensor:
        """The parts' samples, concatenated column-wise: ``[B, n_columns]``."""
        return torch.cat(
            [flow.sample_output(pred, generator) for (flow, _), pred in zip(self.parts, prediction, strict=True)],
            dim=1,
        )

    # ------------------------------------------ the Gaussian view (fast solvers)
    def log_snr(self, t: float) -> float:
        """``lambda_t`` of the first part (it sets the solvers' lambda-uniform grid)."""
        return self.parts[0][0].log_snr(t)

    def prior_latent(self, shape: tuple[int, ...], t: float, *, generator=None, device=None, dtype=None):
        """Each part's latent at the solvers' start time."""
        return tuple(
            flow.prior_latent((shape[0], n), t, generator=generator, device=device, dtype=dtype)
            for flow, n in self.parts
        )

    def add_data_share(self, z: tuple[Tensor, ...], denoised: tuple[Tensor, ...], t: float) -> tuple[Tensor, ...]:
        """Each part's latent plus its data share ``a_t D``."""
        return tuple(flow.add_data_share(zp, dp, t) for (flow, _), zp, dp in zip(self.parts, z, denoised, strict=True))

    def state_from_latent(self, z: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Each part's state from its latent."""
        return tuple(flow.state_from_latent(part) for (flow, _), part in zip(self.parts, z, strict=True))

    def denoised(self, prediction: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
        """Each part's data term ``D``."""
        return tuple(flow.denoised(pred) for (flow, _), pred in zip(self.parts, prediction, strict=True))

    def solver_update(
        self, z, denoised, previous, t: float, t_next: float, *, order: int, stochastic: bool, generator=None
    ):
        """Each part moves with its own coefficients (and its own step in lambda)."""
        previous_parts = [None] * len(self.parts) if previous is None else [(d, previous[1]) for d in previous[0]]
        return tuple(
            flow.solver_update(zp, dp, prev, t, t_next, order=order, stochastic=stochastic, generator=generator)
            for (flow, _), zp, dp, prev in zip(self.parts, z, denoised, previous_parts, strict=True)
        )
