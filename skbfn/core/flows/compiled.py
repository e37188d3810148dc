"""Opt-in ``torch.compile`` of a table flow's arithmetic, scoped by a context manager."""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch

__all__ = ["compilable", "compiled_flows"]

_OPTIONS: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("skbfn_compiled_flows", default=None)


@contextmanager
def compiled_flows(*, backend: str = "inductor", mode: str | None = None) -> Iterator[None]:
    """Run the arithmetic of every :class:`~skbfn.core.TableFlow` compiled with :func:`torch.compile` inside the block.

    The flow's draws, masks, network inputs, predictions and losses are
    compiled (the network is not: compile it yourself if you want), one
    graph per method and batch shape, each compiled on its first call. The
    compiled functions live beside the flow's cached tensors and are never
    pickled or saved. Outside the block the flow runs eagerly again.

    Compiling costs tens of seconds; it pays back in a long ``fit`` of a wide
    table, where the same shapes repeat every step (see the Speed page).

    Parameters
    ----------
    backend : str, default='inductor'
        The :func:`torch.compile` backend ('aot_eager' checks the tracing without a C++ compiler).
    mode : str, optional
        The :func:`torch.compile` mode, e.g. 'reduce-overhead' on a GPU.

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import CategoricalFlow, ContinuousFlow, TableFlow
    >>> from skbfn.core.flows import compiled_flows
    >>> flow = TableFlow([ContinuousFlow(), CategoricalFlow(3)])
    >>> x, t, noise = torch.tensor([[0.5, 2.0]]), torch.tensor([0.5]), torch.zeros(1, 4)
    >>> with compiled_flows(backend="aot_eager"):
    ...     state = flow.state_from_noise(x, t, noise)
    >>> torch.allclose(state[0], flow.state_from_noise(x, t, noise)[0])
    True
    """
    with scoped(_OPTIONS, (backend, mode)):
        yield


@contextmanager
def scoped(variable: contextvars.ContextVar, value) -> Iterator[None]:
    """``variable`` set to ``value`` inside the block, and back to what it was after."""
    token = variable.set(value)
    try:
        yield
    finally:
        variable.reset(token)


def compilable(method: Callable) -> Callable:
    """Decorate a flow method to run compiled inside :func:`compiled_flows` (the flow needs a ``_tensors`` cache)."""
    name = method.__name__

    @functools.wraps(method)
    def run(self, *args, **kwargs):
        options = None if torch.compiler.is_compiling() else _OPTIONS.get()  # inside a graph: traced as is
        if options is None:
            return method(self, *args, **kwargs)
        key = ("compiled", name, options)
        compiled = self._tensors.get(key)
        if compiled is None:  # the function itself, so that each method keeps its own compiled code
            backend, mode = options
            compiled = torch.compile(method, backend=backend, mode=mode, dynamic=False)
            self._tensors[key] = compiled
        return compiled(self, *args, **kwargs)

    return run
