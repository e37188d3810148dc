"""One time for every row of a batch, stored once.

A sampler's step evaluates every row at the same time ``t``. Given as one
element expanded over the batch (stride 0), it tells the networks so at no
cost: they then embed the time once and broadcast the embedding over the rows
(``skbfn.core.nets.embeddings.embed_time_and_condition``), where a time
per row costs the time network and every block's embedding layer a pass over
the whole batch. Any other ``[B]`` tensor of times works as before.
"""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["is_shared_time", "shared_time"]


def shared_time(
    value: float, batch: int, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None
) -> Tensor:
    """The time ``value`` for ``batch`` rows: a ``[batch]`` tensor whose rows share one element.

    Examples
    --------
    >>> from skbfn.core.shared_time import is_shared_time, shared_time
    >>> t = shared_time(0.25, 3)
    >>> t, t.stride(), is_shared_time(t)
    (tensor([0.2500, 0.2500, 0.2500]), (0,), True)
    """
    return torch.full((1,), value, device=device, dtype=dtype).expand(batch)


def is_shared_time(t: Tensor) -> bool:
    """Whether every row of the ``[B]`` times ``t`` reads one element (so all are equal), with ``B > 1``.

    Decided from the tensor's strides alone: no values are read (no wait for a GPU).

    Examples
    --------
    >>> import torch
    >>> from skbfn.core.shared_time import is_shared_time, shared_time
    >>> is_shared_time(shared_time(0.5, 4)), is_shared_time(torch.full((4,), 0.5))
    (True, False)
    """
    return t.dim() == 1 and t.shape[0] > 1 and t.stride(0) == 0
