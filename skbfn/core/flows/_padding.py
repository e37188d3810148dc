"""Columns with their own number of classes (or bins), stored padded to the widest.

A flow fused over several columns keeps its per-class tensors as ``[B, n, K]``
with ``K`` the widest column's count; entries past a column's own count are
padding. The network and the noise see each column's own entries only, in
column order (``sum K_j`` per row), exactly as one flow per column would lay
them out: :class:`PaddedLayout` maps between the two.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import Tensor

__all__ = ["PaddedLayout", "TensorCache", "column_counts", "counts_repr"]


def column_counts(counts: Sequence[int], what: str) -> tuple[int, ...]:
    """``counts`` as a tuple of ints, checked: at least one column, each with at least 2 entries."""
    checked = tuple(int(k) for k in counts)
    if not checked or min(checked) < 2:
        raise ValueError(f"{what} must give at least one column, each with at least 2, got {counts!r}.")
    return checked


def counts_repr(counts: tuple[int, ...]) -> str:
    """``counts`` as Python source, short when every column has the same count: ``(17,) * 64``."""
    if len(counts) > 1 and len(set(counts)) == 1:
        return f"({counts[0]},) * {len(counts)}"
    return repr(counts)


class TensorCache(dict):
    """A dict of tensors built from a flow's constants, one entry per device and dtype.

    Copies and pickles of it are empty: the tensors are rebuilt where the copy
    is used, so a flow pickled from a GPU model loads on a CPU.
    """

    def __reduce__(self):
        return (TensorCache, ())

    def __deepcopy__(self, memo) -> TensorCache:
        return TensorCache()


class PaddedLayout(NamedTuple):
    """Index and mask tensors for ``n`` columns of ``K_j`` entries each, padded to ``K = max K_j``.

    Padded tensors are ``[K, B, n]``: the entry axis first, so that a sum or
    softmax over a column's entries adds up contiguous ``[B, n]`` blocks, and
    rows ``[B, n]`` broadcast against them. (On a CPU a reduction over a short
    last axis is several times slower.)

    Attributes
    ----------
    width : int
        The widest count ``K``.
    counts : Tensor of shape [n]
        Each column's count, in the flow's dtype.
    padding : Tensor of bool, shape [K, 1, n]
        True past each column's count.
    log_padding : Tensor of shape [K, 1, n]
        0 on real entries, ``-inf`` in the padding: added to logits, it keeps
        a softmax to each column's own entries (on a CPU, an addition costs
        less than a masked fill).
    uniform : Tensor of shape [K, 1, n]
        ``1 / K_j`` on each column's entries, 0 in the padding.
    entries : Tensor of shape [K, 1, 1]
        ``0..K-1``, in the flow's dtype (for one-hot codes).
    packed : Tensor of long, shape [sum K_j]
        Positions of the real entries in a flattened ``[K, n]`` block, column by column.
    unpacked : Tensor of long, shape [K * n]
        For each entry of the flattened ``[K, n]`` block, its position among the
        real entries (column by column), or ``sum K_j`` for padding.
    """

    width: int
    counts: Tensor
    padding: Tensor
    log_padding: Tensor
    uniform: Tensor
    entries: Tensor
    packed: Tensor
    unpacked: Tensor

    @classmethod
    def of(cls, counts: tuple[int, ...], device, dtype) -> PaddedLayout:
        width, n = max(counts), len(counts)
        starts = [0]
        for count in counts[:-1]:
            starts.append(starts[-1] + count)
        packed = [k * n + j for j, count in enumerate(counts) for k in range(count)]
        unpacked = [starts[j] + k if k < counts[j] else sum(counts) for k in range(width) for j in range(n)]
        entries = torch.arange(width, device=device)
        padding = (entries.unsqueeze(-1) >= torch.tensor(counts, device=device)).unsqueeze(1)
        column_counts = torch.tensor(counts, device=device, dtype=dtype)
        return cls(
            width=width,
            counts=column_counts,
            padding=padding,
            log_padding=torch.zeros(padding.shape, device=device, dtype=dtype).masked_fill(padding, -torch.inf),
            uniform=(1.0 / column_counts).expand(padding.shape).masked_fill(padding, 0.0),
            entries=entries.to(dtype).reshape(width, 1, 1),
            packed=torch.tensor(packed, device=device),
            unpacked=torch.tensor(unpacked, device=device),
        )

    def pad(self, flat: Tensor, fill: float) -> Tensor:
        """``[B, sum K_j]`` entries, column by column, as ``[K, B, n]`` with ``fill`` in the padding."""
        extended = torch.cat([flat, flat.new_full((flat.shape[0], 1), fill)], dim=1)
        return extended.index_select(1, self.unpacked).reshape(flat.shape[0], self.width, -1).transpose(0, 1)

    def pack(self, padded: Tensor) -> Tensor:
        """The real entries of ``[K, B, n]``, column by column: ``[B, sum K_j]``."""
        return padded.transpose(0, 1).reshape(padded.shape[1], -1).index_select(1, self.packed)

    def one_hot(self, x: Tensor, dtype: torch.dtype) -> Tensor:
        """``[K, B, n]`` one-hot codes of the entries ``x [B, n]`` (indices, any dtype)."""
        return (x == self.entries).to(dtype)
