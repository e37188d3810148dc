"""Embeddings of time and of conditioning information.

Every conditioning embedding has a learned *null* condition, used for
classifier-free guidance: rows whose entry of ``drop`` is True (or every row,
when the condition is None) get the null embedding instead of their own.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from ..shared_time import is_shared_time

__all__ = [
    "ClassEmbedding",
    "FourierTimeEmbedding",
    "SinusoidalTimeEmbedding",
    "VectorEmbedding",
    "embed_time_and_condition",
    "make_condition_embedding",
    "make_time_embedding",
    "make_time_network",
]


class SinusoidalTimeEmbedding(nn.Module):
    """Fixed sinusoidal features of ``t`` in ``[0, 1]`` at geometrically spaced frequencies.

    Parameters
    ----------
    dim : int
        Number of features (even).
    max_frequency : float, default=1000.0
        Highest angular frequency; the lowest is 1.

    Examples
    --------
    >>> import torch
    >>> SinusoidalTimeEmbedding(8)(torch.rand(5)).shape
    torch.Size([5, 8])
    """

    def __init__(self, dim: int, max_frequency: float = 1000.0) -> None:
        super().__init__()
        if dim < 2 or dim % 2:
            raise ValueError(f"dim must be an even number >= 2, got {dim}.")
        half = dim // 2
        frequencies = torch.exp(torch.linspace(0.0, math.log(max_frequency), half))
        self.register_buffer("frequencies", frequencies, persistent=False)
        self.dim = dim

    def forward(self, t: Tensor) -> Tensor:
        """Features ``[B, dim]`` of times ``t [B]``."""
        angles = t.reshape(-1, 1).to(self.frequencies.dtype) * self.frequencies
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


class FourierTimeEmbedding(nn.Module):
    """Random Fourier features of ``t``, frequencies drawn once from ``N(0, scale^2)``.

    Parameters
    ----------
    dim : int
        Number of features (even).
    scale : float, default=16.0
        Standard deviation of the frequencies (cycles per unit time).

    Examples
    --------
    >>> import torch
    >>> FourierTimeEmbedding(8)(torch.rand(5)).shape
    torch.Size([5, 8])
    """

    def __init__(self, dim: int, scale: float = 16.0) -> None:
        super().__init__()
        if dim < 2 or dim % 2:
            raise ValueError(f"dim must be an even number >= 2, got {dim}.")
        self.register_buffer("frequencies", torch.randn(dim // 2) * scale * 2.0 * math.pi)
        self.dim = dim

    def forward(self, t: Tensor) -> Tensor:
        """Features ``[B, dim]`` of times ``t [B]``."""
        angles = t.reshape(-1, 1).to(self.frequencies.dtype) * self.frequencies
        return torch.cat([angles.sin(), angles.cos()], dim=-1)


def make_time_embedding(kind: str, dim: int) -> nn.Module:
    """Build the time embedding named ``kind`` ('sinusoidal' or 'fourier')."""
    if kind == "sinusoidal":
        return SinusoidalTimeEmbedding(dim)
    if kind == "fourier":
        return FourierTimeEmbedding(dim)
    raise ValueError(f"time_features must be 'sinusoidal' or 'fourier', got {kind!r}.")


def make_time_network(kind: str, n_features: int, n_embedding: int) -> nn.Sequential:
    """Time features (``kind``: 'sinusoidal' or 'fourier') followed by a two-layer MLP to ``n_embedding``."""
    return nn.Sequential(
        make_time_embedding(kind, n_features),
        nn.Linear(n_features, n_embedding),
        nn.SiLU(),
        nn.Linear(n_embedding, n_embedding),
    )


def make_condition_embedding(n_classes: int | None, n_condition_features: int | None, dim: int) -> nn.Module | None:
    """A :class:`ClassEmbedding`, a :class:`VectorEmbedding`, or None when neither is asked for."""
    if n_classes is not None and n_condition_features is not None:
        raise ValueError("Give at most one of n_classes and n_condition_features.")
    if n_classes is not None:
        return ClassEmbedding(n_classes, dim)
    if n_condition_features is not None:
        return VectorEmbedding(n_condition_features, dim)
    return None


def embed_time_and_condition(
    time_network: nn.Module, condition_embedding: nn.Module | None, t: Tensor, cond, drop, like: Tensor
) -> Tensor:
    """Sum of the time and condition embeddings, in the dtype of ``like``: ``[B, n_embedding]``, or
    ``[1, n_embedding]`` (which broadcasts over the rows) when every row shares it.

    Rows share it when they share one time (``t`` from
    :func:`~skbfn.core.shared_time.shared_time`, as the samplers give it) and
    no condition or dropped condition is given per row. An unconditional network
    (``condition_embedding`` None) refuses a condition.
    """
    shared = is_shared_time(t)
    emb = time_network((t[:1] if shared else t).to(like.dtype))
    if condition_embedding is not None:
        if shared and cond is None and drop is None:
            return emb + condition_embedding(None, None, batch_size=1)
        return emb + condition_embedding(cond, drop, batch_size=like.shape[0])
    if cond is not None:
        raise ValueError("This network was built without conditioning; pass cond=None.")
    return emb


class ClassEmbedding(nn.Module):
    """Embedding of integer class labels ``0..n_classes-1`` plus a null class.

    Parameters
    ----------
    n_classes : int
        Number of real classes; index ``n_classes`` is the null condition.
    dim : int
        Embedding width.

    Examples
    --------
    >>> import torch
    >>> emb = ClassEmbedding(3, 4)
    >>> emb(torch.tensor([0, 2]), drop=torch.tensor([False, True])).shape
    torch.Size([2, 4])
    """

    def __init__(self, n_classes: int, dim: int) -> None:
        super().__init__()
        self.n_classes = n_classes
        self.table = nn.Embedding(n_classes + 1, dim)

    def forward(self, cond: Tensor | None, drop: Tensor | None = None, batch_size: int | None = None) -> Tensor:
        """Embeddings ``[B, dim]`` of labels ``cond [B]``; the null class where ``drop`` is True or ``cond`` is None."""
        if cond is None:
            index = torch.full((batch_size,), self.n_classes, device=self.table.weight.device, dtype=torch.long)
        else:
            index = cond.long()
            if drop is not None:
                index = torch.where(drop, torch.full_like(index, self.n_classes), index)
        return self.table(index)


class VectorEmbedding(nn.Module):
    """Linear projection of a real-valued condition vector, plus a learned null vector.

    Parameters
    ----------
    n_inputs : int
        Length of the condition vector.
    dim : int
        Embedding width.

    Examples
    --------
    >>> import torch
    >>> emb = VectorEmbedding(2, 4)
    >>> emb(torch.randn(3, 2)).shape
    torch.Size([3, 4])
    """

    def __init__(self, n_inputs: int, dim: int) -> None:
        super().__init__()
        self.n_inputs = n_inputs
        self.projection = nn.Linear(n_inputs, dim)
        self.null = nn.Parameter(torch.zeros(dim))

    def forward(self, cond: Tensor | None, drop: Tensor | None = None, batch_size: int | None = None) -> Tensor:
        """Embeddings ``[B, dim]`` of vectors ``cond [B, n_inputs]``; the null vector where ``drop`` is True
        or ``cond`` is None.
        """
        if cond is None:
            return self.null.expand(batch_size, -1)
        embedded = self.projection(cond.reshape(cond.shape[0], -1).to(self.null.dtype))
        if drop is not None:
            embedded = torch.where(drop.reshape(-1, 1), self.null, embedded)
        return embedded
