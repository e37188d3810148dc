"""A compact UNet over images, with time features and optional conditioning."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from einops import rearrange
from torch import Tensor, nn
from torch.nn import functional as F

from .embeddings import embed_time_and_condition, make_condition_embedding, make_time_network

__all__ = ["UNet"]


def _group_norm(channels: int, n_groups: int) -> nn.GroupNorm:
    """GroupNorm with the largest group count at most ``n_groups`` that divides ``channels``."""
    return nn.GroupNorm(math.gcd(channels, n_groups), channels)


class UNetResidualBlock(nn.Module):
    """Residual block whose second normalisation is scaled and shifted by an embedding.

    ``x -> skip(x) + conv(act(norm(conv(act(norm(x)))) (1 + s) + b))`` with
    ``(s, b)`` a linear map of the embedding, applied after the normalisation
    so that it survives any group size. The last conv is zero-initialised.
    """

    def __init__(self, n_in: int, n_out: int, n_embedding: int, n_groups: int, dropout: float) -> None:
        super().__init__()
        self.norm_in = _group_norm(n_in, n_groups)
        self.conv_in = nn.Conv2d(n_in, n_out, 3, padding=1)
        self.embedding = nn.Linear(n_embedding, 2 * n_out)
        self.norm_out = _group_norm(n_out, n_groups)
        self.dropout = nn.Dropout(dropout)
        self.conv_out = nn.Conv2d(n_out, n_out, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        nn.init.zeros_(self.conv_out.bias)
        self.skip = nn.Identity() if n_in == n_out else nn.Conv2d(n_in, n_out, 1)

    def forward(self, x: Tensor, emb: Tensor) -> Tensor:
        h = self.conv_in(F.silu(self.norm_in(x)))
        scale, shift = rearrange(self.embedding(emb), "b (two c) -> two b c 1 1", two=2)
        h = self.norm_out(h) * (1.0 + scale) + shift
        return self.skip(x) + self.conv_out(self.dropout(F.silu(h)))


class SelfAttention(nn.Module):
    """Multi-head self-attention over the pixels of a feature map, as a residual branch."""

    def __init__(self, channels: int, n_heads: int, n_groups: int) -> None:
        super().__init__()
        if channels % n_heads:
            raise ValueError(f"Attention over {channels} channels cannot be split into {n_heads} heads.")
        self.n_heads = n_heads
        self.norm = _group_norm(channels, n_groups)
        self.qkv = nn.Conv2d(channels, 3 * channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x: Tensor) -> Tensor:
        height = x.shape[2]
        q, k, v = rearrange(self.qkv(self.norm(x)), "b (three h d) y x -> three b h (y x) d", three=3, h=self.n_heads)
        attended = F.scaled_dot_product_attention(q, k, v)
        return x + self.out(rearrange(attended, "b h (y x) d -> b (h d) y x", y=height))


class _Level(nn.Module):
    """Residual blocks at one resolution, each optionally followed by attention."""

    def __init__(self, widths: Sequence[tuple[int, int]], n_embedding, n_groups, dropout, attention, n_heads):
        super().__init__()
        self.blocks = nn.ModuleList(UNetResidualBlock(a, b, n_embedding, n_groups, dropout) for a, b in widths)
        self.attention = nn.ModuleList(
            SelfAttention(b, n_heads, n_groups) if attention else nn.Identity() for _, b in widths
        )


class UNet(nn.Module):
    """UNet mapping ``(images [B, C_in, H, W], t [B], condition) -> [B, C_out, H, W]``.

    Residual blocks with GroupNorm, shifted by an embedding of time (and of
    the condition, with a learned null condition for classifier-free
    guidance); one resolution level per entry of ``channels``, each halving
    the image size; self-attention at the lowest resolution and in the
    middle. The last layer of every branch is zero-initialised, so the
    network starts as a zero function (``eps_hat = 0``, uniform logits).
    To plug it into a flow over images see :class:`ImageNetwork`.

    Parameters
    ----------
    in_channels : int
        Channels of the input.
    out_channels : int, optional
        Channels of the output; defaults to ``in_channels``.
    channels : sequence of int, default=(32, 64)
        Channels at each resolution level, from full resolution down. The
        height and width must be divisible by ``2 ** (len(channels) - 1)``.
    n_res_blocks : int, default=1
        Residual blocks per level on the way down (one more on the way up).
    attention : bool, default=True
        Self-attention at the lowest resolution and in the middle block.
    n_heads : int, default=4
        Attention heads (must divide the lowest level's channels).
    n_groups : int, default=8
        Most groups per GroupNorm (the largest divisor of the channel count
        not above this is used).
    dropout : float, default=0.0
        Dropout inside the residual blocks.
    time_embedding_dim : int, default=64
        Number of time features.
    time_features : {'sinusoidal', 'fourier'}, default='sinusoidal'
        Fixed sinusoidal features or random Fourier features of ``t``.
    n_classes : int, optional
        Condition on class labels ``0..n_classes-1`` (with a learned null class).
    n_condition_features : int, optional
        Condition on a real vector of this length (with a learned null vector).

    Examples
    --------
    >>> import torch
    >>> net = UNet(1, 2, channels=(16, 32), n_classes=10)
    >>> images, t = torch.randn(3, 1, 8, 8), torch.rand(3)
    >>> net(images, t, torch.tensor([0, 3, 9])).shape
    torch.Size([3, 2, 8, 8])
    >>> net(images, t).shape  # the null condition
    torch.Size([3, 2, 8, 8])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int | None = None,
        *,
        channels: Sequence[int] = (32, 64),
        n_res_blocks: int = 1,
        attention: bool = True,
        n_heads: int = 4,
        n_groups: int = 8,
        dropout: float = 0.0,
        time_embedding_dim: int = 64,
        time_features: str = "sinusoidal",
        n_classes: int | None = None,
        n_condition_features: int | None = None,
    ) -> None:
        super().__init__()
        channels = [int(c) for c in channels]
        if not channels or min(channels) < 1:
            raise ValueError(f"channels must be a non-empty sequence of positive ints, got {channels!r}.")
        if n_res_blocks < 1:
            raise ValueError(f"n_res_blocks must be at least 1, got {n_res_blocks}.")
        out_channels = in_channels if out_channels is None else out_channels
        n_embedding = 4 * channels[0]
        self.n_levels = len(channels)

        self.time_embedding = make_time_network(time_features, time_embedding_dim, n_embedding)
        self.condition_embedding = make_condition_embedding(n_classes, n_condition_features, n_embedding)

        def level(widths, lowest):
            return _Level(widths, n_embedding, n_groups, dropout, attention and lowest, n_heads)

        self.input_conv = nn.Conv2d(in_channels, channels[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips, width = [channels[0]], channels[0]
        for index, c in enumerate(channels):
            widths = []
            for _ in range(n_res_blocks):
                widths.append((width, c))
                width = c
                skips.append(width)
            self.down.append(level(widths, index == self.n_levels - 1))
            if index < self.n_levels - 1:
                self.downsample.append(nn.Conv2d(width, width, 3, stride=2, padding=1))
                skips.append(width)

        self.middle = _Level([(width, width), (width, width)], n_embedding, n_groups, dropout, False, n_heads)
        self.middle_attention = SelfAttention(width, n_heads, n_groups) if attention else nn.Identity()

        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for index, c in reversed(list(enumerate(channels))):
            widths = []
            for _ in range(n_res_blocks + 1):
                widths.append((width + skips.pop(), c))
                width = c
            self.up.append(level(widths, index == self.n_levels - 1))
            if index > 0:
                self.upsample.append(nn.Conv2d(width, width, 3, padding=1))

        self.output_norm = _group_norm(width, n_groups)
        self.output_conv = nn.Conv2d(width, out_channels, 3, padding=1)
        nn.init.zeros_(self.output_conv.weight)
        nn.init.zeros_(self.output_conv.bias)

    @property
    def is_conditional(self) -> bool:
        """Whether the network takes a condition.

        Examples
        --------
        >>> from skbfn.core.nets import MLP
        >>> MLP(2, n_classes=3).is_conditional, MLP(2).is_conditional
        (True, False)
        """
        return self.condition_embedding is not None

    def forward(self, x: Tensor, t: Tensor, cond: Tensor | None = None, drop: Tensor | None = None) -> Tensor:
        """Network output for images ``x [B, C_in, H, W]`` at times ``t [B]``.

        Parameters
        ----------
        x : Tensor of shape [B, C_in, H, W]
            Input images.
        t : Tensor of shape [B]
            Times in ``[0, 1]``.
        cond : Tensor, optional
            Class labels ``[B]`` or condition vectors ``[B, d]``; ignored when
            None (every row gets the null condition). Refused by an
            unconditional network.
        drop : Tensor of shape [B], optional
            Boolean; rows marked True get the null condition.

        Returns
        -------
        out : Tensor of shape [B, C_out, H, W]
            Output images.

        Raises
        ------
        ValueError
            If a condition is given to an unconditional network, or the image
            size is not divisible by ``2 ** (levels - 1)``.

        Examples
        --------
        >>> import torch
        >>> net = UNet(3, channels=(8, 16), n_classes=2)
        >>> net(torch.randn(2, 3, 4, 4), torch.rand(2), torch.tensor([0, 1])).shape
        torch.Size([2, 3, 4, 4])
        """
        factor = 2 ** (self.n_levels - 1)
        if x.dim() != 4 or x.shape[2] % factor or x.shape[3] % factor:
            raise ValueError(
                f"UNet with {self.n_levels} levels needs images [B, C, H, W] with H and W divisible by {factor}, "
                f"got shape {tuple(x.shape)}."
            )
        emb = embed_time_and_condition(self.time_embedding, self.condition_embedding, t, cond, drop, x)

        h = self.input_conv(x)
        skips = [h]
        for index, level in enumerate(self.down):
            for block, attention in zip(level.blocks, level.attention, strict=True):
                h = attention(block(h, emb))
                skips.append(h)
            if index < len(self.downsample):
                h = self.downsample[index](h)
                skips.append(h)
        h = self.middle.blocks[0](h, emb)
        h = self.middle.blocks[1](self.middle_attention(h), emb)
        for index, level in enumerate(self.up):
            for block, attention in zip(level.blocks, level.attention, strict=True):
                h = attention(block(torch.cat([h, skips.pop()], dim=1), emb))
            if index < len(self.upsample):
                h = self.upsample[index](F.interpolate(h, scale_factor=2.0, mode="nearest"))
        return self.output_conv(F.silu(self.output_norm(h)))
