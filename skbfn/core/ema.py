"""Exponential moving average of a module's weights, kept as a separate copy."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import Tensor, nn

__all__ = ["EMA"]


class EMA(nn.Module):
    """A frozen copy of ``model`` whose weights track an exponential moving average.

    The live model is never written to: :meth:`update` only reads it. The
    effective decay warms up as ``min(decay, (1 + k) / (10 + k))`` after ``k``
    updates, so short runs are not dominated by the initial weights.

    The update count ``k`` is a buffer, ``n_updates`` (int64, on the
    module's device), so it is part of :meth:`~torch.nn.Module.state_dict`
    and travels with the weights through checkpoints, saved files and
    pickles, as :class:`torch.optim.swa_utils.AveragedModel` keeps its
    ``n_averaged``. The decay is computed from it on the device, so an update
    never waits for the device.

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
    >>> sorted(ema.state_dict())
    ['module.bias', 'module.weight', 'n_updates']
    """

    n_updates: Tensor

    def __init__(self, model: nn.Module, decay: float = 0.999) -> None:
        super().__init__()
        if not 0.0 <= decay < 1.0:
            raise ValueError(f"decay must lie in [0, 1), got {decay!r}.")
        self.decay = float(decay)
        self.module = copy.deepcopy(model).requires_grad_(False).eval()
        device = next((p.device for p in self.module.parameters()), None)
        self.register_buffer("n_updates", torch.zeros((), dtype=torch.int64, device=device))

    def current_decay(self) -> Tensor:
        """Decay used by the next update (a 0-d float64 tensor on the module's device)."""
        k = self.n_updates.to(torch.float64)
        return torch.clamp((1.0 + k) / (10.0 + k), max=self.decay)

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
        ...     _ = ema.n_updates.fill_(100)  # past the warm-up: the decay is 0.5
        ...     _ = ema.module.weight.fill_(0.0)
        >>> ema.update(live)
        >>> ema.module.weight.item(), live.weight.item(), ema.n_updates.item()
        (0.5, 1.0, 101)
        """
        self.updater(model)()

    def updater(self, model: nn.Module) -> Callable[[], None]:
        """A function that runs :meth:`update` from ``model``, with both modules' tensors listed once.

        Listing a module's parameters walks its tree of submodules (about
        0.1 ms for skbfn's default MLP on a CPU); a training loop that
        updates the average every step lists them once, here. The function
        stays valid while neither module's parameters or buffers are
        replaced: moving a module with ``.to()`` replaces its buffers, and
        ``load_state_dict(assign=True)`` its parameters (a plain
        ``load_state_dict`` copies into them, which is fine).

        Parameters
        ----------
        model : nn.Module
            The live model, with the same structure as the copy; only read.

        Returns
        -------
        update : callable
            ``update()`` moves the average one step, as ``self.update(model)`` does.

        Examples
        --------
        >>> import torch
        >>> live = torch.nn.Linear(2, 2)
        >>> ema = EMA(live, decay=0.9)
        >>> update = ema.updater(live)
        >>> for _ in range(3):
        ...     update()
        >>> int(ema.n_updates)
        3
        """
        averaged, live = list(self.module.parameters()), list(model.parameters())
        averaged_buffers, live_buffers = list(self.module.buffers()), list(model.buffers())

        @torch.no_grad()
        def update() -> None:
            if averaged:
                weight = (1.0 - self.current_decay()).to(averaged[0].dtype)
                torch._foreach_lerp_(averaged, live, weight)
            for mine, theirs in zip(averaged_buffers, live_buffers, strict=False):
                mine.copy_(theirs)
            self.n_updates.add_(1)

        return update

    def __setstate__(self, state: dict) -> None:
        count = state.get("n_updates")
        if isinstance(count, int):  # pickled by skbfn 0.1, when the count was a plain attribute
            state = {k: v for k, v in state.items() if k != "n_updates"}
            state["_buffers"] = {**state["_buffers"], "n_updates": torch.tensor(count, dtype=torch.int64)}
        super().__setstate__(state)

    def forward(self, *args, **kwargs):
        """Call the averaged module."""
        return self.module(*args, **kwargs)
