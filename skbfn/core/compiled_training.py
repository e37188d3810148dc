"""Opt-in ``torch.compile`` of a BFN's training loss (flows and network, forward and backward) as one graph."""

from __future__ import annotations

import contextvars
import functools
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from .flows.compiled import scoped

__all__ = ["compiled_training", "training_graph"]

_OPTIONS: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("skbfn_compiled_training", default=None)

# Compiled losses per model, beside it rather than on it: never pickled, saved or deep-copied with the model.
_COMPILED: weakref.WeakKeyDictionary[nn.Module, dict[tuple, Callable]] = weakref.WeakKeyDictionary()


@contextmanager
def compiled_training(*, backend: str | Callable = "inductor", mode: str | None = None) -> Iterator[None]:
    """Compute every :class:`~skbfn.core.BFN`'s training loss inside the block as one compiled graph.

    :meth:`~skbfn.core.BFN.loss` and :meth:`~skbfn.core.BFN.discrete_loss`
    draw their times, flow noise and condition drops eagerly, from the
    generator they are given, exactly as outside the block; then the flow
    arithmetic and the network run, forward and backward, as one graph
    compiled with :func:`torch.compile`, where the compiler fuses the flows'
    many small operations. Draws and results are those of the eager loss
    (to rounding: fused kernels may round differently). Each model, batch
    shape and loss is compiled on its first call; the compiled code lives
    beside the model, not in it, so it is never pickled, saved or copied,
    and outside the block the loss runs eagerly again.

    Compiling costs tens of seconds on a CPU; it pays in a long ``fit``, where
    one batch shape repeats every step (see the Speed page for when).

    Parameters
    ----------
    backend : str or callable, default='inductor'
        The :func:`torch.compile` backend ('aot_eager' traces without generating code).
    mode : str, optional
        The :func:`torch.compile` mode, e.g. 'reduce-overhead' (CUDA graphs) on a GPU.

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import BFN
    >>> from skbfn.core.compiled_training import compiled_training
    >>> from skbfn.core.nets import MLP
    >>> model = BFN(MLP(2, hidden_layer_sizes=(16,)), 2)
    >>> x = torch.rand(8, 2) - 0.5
    >>> eager = model.loss(x, generator=torch.Generator().manual_seed(0))
    >>> with compiled_training(backend="aot_eager"):
    ...     traced = model.loss(x, generator=torch.Generator().manual_seed(0))
    >>> torch.allclose(traced, eager)
    True
    """
    with scoped(_OPTIONS, (backend, mode)):
        yield


def training_graph(model: nn.Module, name: str) -> Callable:
    """``model``'s method ``name`` (a loss given its draws), compiled inside :func:`compiled_training`, else as is."""
    options = None if torch.compiler.is_compiling() else _OPTIONS.get()  # ContextVar.get breaks a graph
    if options is None:
        return getattr(model, name)
    compiled = _COMPILED.setdefault(model, {})
    key = (name, options)
    if key in compiled:
        return functools.partial(compiled[key], model)
    backend, mode = options
    function = torch.compile(getattr(type(model), name), backend=backend, mode=mode, dynamic=False)

    def first_call(x, *args):
        _fill_caches(getattr(model, name), x, *args)
        compiled[key] = function
        return function(model, x, *args)

    return first_call


def _fill_caches(method: Callable, x: torch.Tensor, *args) -> None:
    """Run ``method`` once eagerly, without gradients, so that the flows' tensor caches exist before it is traced.

    A trace that fills them is traced again on the next call (its guards read the caches). The global random state,
    which dropout draws from, is restored.
    """
    devices = [x.device] if x.device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices), torch.no_grad():
        method(x, *args)
