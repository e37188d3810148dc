"""Small shape helpers shared by the flows."""

from __future__ import annotations

from torch import Tensor


def per_sample(t: Tensor, like: Tensor) -> Tensor:
    """View a ``[B]`` tensor so that it broadcasts against ``like`` (``[B, ...]``)."""
    return t.reshape(t.shape + (1,) * (like.dim() - t.dim()))


def sum_over_data(values: Tensor, mask: Tensor | None = None) -> Tensor:
    """Sum ``[B, ...]`` over every non-batch dimension, giving ``[B]``.

    With a ``mask`` (boolean, the shape of ``values``), only the cells it marks
    are summed; the others may hold anything, NaN included.
    """
    if mask is not None:
        values = values.masked_fill(~mask, 0.0)
    return values.flatten(start_dim=1).sum(dim=1)
