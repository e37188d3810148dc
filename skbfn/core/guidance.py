"""Classifier-free guidance (Ho & Salimans 2022) with rescaling (Lin et al. 2023)."""

from __future__ import annotations

import torch
from torch import Tensor

__all__ = ["guide"]


def guide(out_cond: Tensor, out_null: Tensor, scale: float, rescaled_phi: float = 0.0) -> Tensor:
    """Combine conditional and unconditional network outputs.

    ``out = out_null + scale (out_cond - out_null)``; with ``rescaled_phi > 0``
    the result is pulled towards ``out * std(out_cond) / std(out)`` (standard
    deviations per sample, over all non-batch dimensions):
    ``phi out_rescaled + (1 - phi) out``.

    Parameters
    ----------
    out_cond, out_null : Tensor of shape [B, ...]
        Network outputs with the condition and with the null condition.
    scale : float
        Guidance scale: 0 gives ``out_null``, 1 gives ``out_cond``.
    rescaled_phi : float, default=0.0
        Weight of the rescaled output, in ``[0, 1]``.

    Returns
    -------
    guided : Tensor of shape [B, ...]
        The guided output.

    Examples
    --------
    >>> import torch
    >>> cond, null = torch.tensor([[1.0, 3.0]]), torch.tensor([[0.0, 1.0]])
    >>> guide(cond, null, 2.0)
    tensor([[2., 5.]])
    >>> torch.equal(guide(cond, null, 1.0), cond)
    True
    """
    guided = out_null + scale * (out_cond - out_null)
    if rescaled_phi == 0.0:
        return guided
    dims = tuple(range(1, out_cond.dim()))
    std_cond = out_cond.std(dim=dims, keepdim=True)
    std_guided = guided.std(dim=dims, keepdim=True).clamp_min(torch.finfo(guided.dtype).tiny)
    rescaled = guided * (std_cond / std_guided)
    return rescaled_phi * rescaled + (1.0 - rescaled_phi) * guided
