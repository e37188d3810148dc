"""The control variates of flows whose losses have no flow-noise term to remove."""

from __future__ import annotations

from torch import Tensor

__all__ = ["NoControlVariates"]


class NoControlVariates:
    """Zero control variates, for the discretised and categorical flows.

    Their losses go to 0 once the flow has resolved ``x``, with no term of the
    flow noise left to subtract (the continuous flow's chi-squared term).
    """

    def control_variate(self, noise: Tensor, t: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """Zero: the losses of this flow go to 0 once it has resolved ``x``, with no noise term to remove."""
        return noise.new_zeros(noise.shape[0])

    def reconstruction_control_variate(self, noise: Tensor, *, mask: Tensor | None = None) -> Tensor:
        """Zero, as :meth:`control_variate`."""
        return noise.new_zeros(noise.shape[0])
