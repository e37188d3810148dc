"""Exponential moving average of a module's weights, kept as a separate copy."""

from __future__ import annotations

import copy

import torch
from torch import nn

__all__ = ["EMA"]


class EMA(nn.Module):
    """A frozen copy of ``model`` whose weights track an exponential moving average.

    The live model is never written to: :meth:`update` only reads it. The
    effective decay warms up as ``min(decay, (1 + k) / (10 + k))`` after ``k``
    updates, so short runs are not dominated by the initial weights.

    Parameters
    ----------
    model : nn.Module
        The live model; it is deep-copied.
    decay : float, default=0.999
        Decay of the average, in ``[0, 1)``. 0 makes the copy follow the live weights.

    Examples
    --------
    >>> import torch
    >>> live = torch.nn.Linear(2, 2)
    >>> ema = EMA(live, decay=0.9)
    >>> with torch.no_grad():
    ...     _ = live.weight.add_(1.0)
    >>> ema.update(live)
    >>> bool((ema.module.weight != live.weight).any())  # a separate copy
    True
    """

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must lie in [0, 1), got {decay!r}.")
        self.decay = float(decay)
        self.module = copy.deepcopy(model).requires_grad_(False).eval()
        self.n_updates = 0

    def current_decay(self) -> float:
        """Decay used by the next update."""
        return min(self.decay, (1.0 + self.n_updates) / (10.0 + self.n_updates))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the average towards the live weights of ``model`` (buffers are copied).

        Parameters
        ----------
        model : nn.Module
            The live model, with the same structure as the copy; only read.

        Examples
        --------
        >>> import torch
        >>> live = torch.nn.Linear(1, 1, bias=False)
        >>> ema = EMA(live, decay=0.5)
        >>> with torch.no_grad():
        ...     _ = live.weight.fill_(1.0)
        >>> ema.n_updates = 100  # past the warm-up: the decay is 0.5
        >>> ema.module.weight.data.fill_(0.0) is not None
        True
        >>> ema.update(live)
        >>> ema.module.weight.item(), live.weight.item()
        (0.5, 1.0)
        """
        weight = 1.0 - self.current_decay()
        averaged = list(self.module.parameters())
        live = [p.detach() for p in model.parameters()]
        torch._foreach_lerp_(averaged, live, weight)
        for mine, theirs in zip(self.module.buffers(), model.buffers(), strict=False):
            mine.copy_(theirs)
        self.n_updates += 1

    def forward(self, *args, **kwargs):
        """Call the averaged module."""
        return self.module(*args, **kwargs)
