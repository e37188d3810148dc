"""Running an image network on a flow's per-pixel parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from einops import rearrange
from torch import Tensor, nn

__all__ = ["ImageNetwork", "count_parameters"]


class ImageNetwork(nn.Module):
    """Wraps an image network so that it reads and writes a flow's parameters.

    A flow over images of shape ``(C, H, W)`` gives ``k_in`` input parameters
    per pixel value (1 for continuous and discretised data, ``K`` for
    categorical) and expects ``k_out`` outputs per value (1, 2 or ``K``),
    in the layout ``[B, C, H, W, k]``, or flattened to ``[B, C*H*W*k]`` (the
    layout of :class:`~skbfn.core.ProductFlow` and of flat rows). This
    wrapper folds the per-value parameters into channels for the image
    network, ``b (c h w k) -> b (c k) h w``, and unfolds its output the
    same way back, so e.g. a :class:`UNet` can serve any of the three flows,
    over image tensors or over flattened image rows.

    Parameters
    ----------
    net : nn.Module
        ``net(images [B, C*k_in, H, W], t, cond, drop) -> [B, C*k_out, H, W]``.
    image_shape : sequence of int
        ``(C, H, W)``.
    n_inputs : int
        Flow input size per data point (``flow.input_size(data_shape)``).
    n_outputs : int
        Flow output size per data point (``flow.output_size(data_shape)``).
    channels_last : bool, default=False
        Hand the network channels-last tensors (faster convolutions on
        recent GPUs, with the network's weights also in channels-last).
    n_cell_flags : int, default=0
        Number of flag maps per image channel that follow the flow's inputs
        in each row, in the layout ``(m c h w)``: 2 for a
        :class:`~skbfn.core.BFN` built with ``cell_inputs`` (given and
        absent pixels). They become ``n_cell_flags * C`` more input channels.

    Examples
    --------
    >>> import torch
    >>> from skbfn.core import DiscretisedFlow
    >>> from skbfn.core.nets import UNet
    >>> flow, shape = DiscretisedFlow(n_bins=17), (1, 8, 8)
    >>> n_in, n_out = flow.input_size(shape), flow.output_size(shape)
    >>> in_channels, out_channels = ImageNetwork.folded_channels(shape, n_in, n_out)
    >>> net = ImageNetwork(UNet(in_channels, out_channels, channels=(16, 32)), shape, n_in, n_out)
    >>> net(torch.zeros(5, 64), torch.rand(5)).shape
    torch.Size([5, 128])
    """

    def __init__(
        self,
        net: nn.Module,
        image_shape: Sequence[int],
        n_inputs: int,
        n_outputs: int,
        channels_last: bool = False,
        n_cell_flags: int = 0,
    ) -> None:
        super().__init__()
        self.net = net
        self.image_shape = tuple(int(s) for s in image_shape)
        self.n_cell_flags = int(n_cell_flags)
        in_channels, out_channels = self.folded_channels(image_shape, n_inputs, n_outputs)
        self.k_in, self.k_out = in_channels // self.image_shape[0], out_channels // self.image_shape[0]
        self.n_flow_inputs = n_inputs
        self.channels_last = channels_last

    @staticmethod
    def folded_channels(
        image_shape: Sequence[int], n_inputs: int, n_outputs: int, n_cell_flags: int = 0
    ) -> tuple[int, int]:
        """Input and output channels of the image network, ``(C * (k_in + n_cell_flags), C * k_out)``.

        Parameters
        ----------
        image_shape : sequence of int
            ``(C, H, W)``.
        n_inputs, n_outputs : int
            Flow input and output sizes per data point.
        n_cell_flags : int, default=0
            Flag maps per image channel after the flow's inputs.

        Returns
        -------
        in_channels, out_channels : int
            What the wrapped network reads and writes.

        Raises
        ------
        ValueError
            If ``image_shape`` is not three positive sizes, or the sizes do not
            split evenly over its pixel values.

        Examples
        --------
        >>> ImageNetwork.folded_channels((3, 8, 8), n_inputs=192, n_outputs=384)  # discretised RGB
        (3, 6)
        """
        image_shape = tuple(int(s) for s in image_shape)
        if len(image_shape) != 3 or min(image_shape) < 1:
            raise ValueError(f"image_shape must be (C, H, W) with positive sizes, got {image_shape!r}.")
        n_values = math.prod(image_shape)
        if n_inputs % n_values or n_outputs % n_values:
            raise ValueError(
                f"{n_inputs} inputs and {n_outputs} outputs do not split evenly over the {n_values} "
                f"values of an image of shape {image_shape}."
            )
        return image_shape[0] * (n_inputs // n_values + n_cell_flags), image_shape[0] * (n_outputs // n_values)

    @property
    def is_conditional(self) -> bool:
        """Whether the wrapped network takes a condition.

        Examples
        --------
        >>> from skbfn.core.nets import MLP
        >>> MLP(2, n_classes=3).is_conditional, MLP(2).is_conditional
        (True, False)
        """
        return bool(getattr(self.net, "is_conditional", False))

    def forward(self, x: Tensor, t: Tensor, cond: Tensor | None = None, drop: Tensor | None = None) -> Tensor:
        """Flat output ``[B, C*H*W*k_out]`` for input ``x`` with ``C*H*W*k_in`` entries per row.

        Parameters
        ----------
        x : Tensor of shape ``[B, C, H, W, k_in]``, ``[B, C, H, W]`` or ``[B, C*H*W*k_in]``
            The flow's input parameters.
        t : Tensor of shape [B]
            Times.
        cond : Tensor, optional
            Condition per row, passed to the wrapped network.
        drop : Tensor of shape [B], optional
            Rows that get the null condition.

        Returns
        -------
        out : Tensor of shape ``[B, C*H*W*k_out]``
            The flow's output parameters, in the flow's layout.

        Examples
        --------
        >>> import torch
        >>> from skbfn.core.nets import UNet
        >>> net = ImageNetwork(UNet(3, channels=(8,)), (1, 4, 4), n_inputs=48, n_outputs=48)
        >>> net(torch.rand(2, 1, 4, 4, 3), torch.rand(2)).shape  # 3 class probabilities per pixel
        torch.Size([2, 48])
        """
        c, h, w = self.image_shape
        flat = x.reshape(x.shape[0], -1)
        images = rearrange(flat[:, : self.n_flow_inputs], "b (c h w k) -> b (c k) h w", c=c, h=h, w=w, k=self.k_in)
        if self.n_cell_flags:
            flags = rearrange(
                flat[:, self.n_flow_inputs :], "b (m c h w) -> b (m c) h w", m=self.n_cell_flags, c=c, h=h, w=w
            )
            images = torch.cat([images, flags], dim=1)
        if self.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        out = self.net(images, t, cond, drop)
        return rearrange(out, "b (c k) h w -> b (c h w k)", c=c, k=self.k_out)


def count_parameters(module: nn.Module, trainable_only: bool = True) -> int:
    """Number of parameters of ``module`` (only those requiring gradients, by default).

    Parameters
    ----------
    module : nn.Module
        Any module, e.g. a :class:`UNet`.
    trainable_only : bool, default=True
        Count only parameters with ``requires_grad``.

    Returns
    -------
    n_parameters : int
        Total number of entries of the counted parameters.

    Examples
    --------
    >>> from torch import nn
    >>> count_parameters(nn.Linear(3, 2))
    8
    """
    return sum(p.numel() for p in module.parameters() if p.requires_grad or not trainable_only)
