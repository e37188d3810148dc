"""A residual MLP over flat data, with time features and optional conditioning."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .embeddings import embed_time_and_condition, make_condition_embedding, make_time_network

__all__ = ["MLP", "ResidualBlock"]


class ResidualBlock(nn.Module):
    """Pre-norm residual block whose hidden layer is shifted by an embedding.

    ``h -> skip(h) + W2 dropout(act(W1 act(norm(h)) + E emb))``.

    Parameters
    ----------
    n_in, n_out : int
        Input and output widths (a linear skip connection when they differ).
    n_embedding : int
        Width of the time (and condition) embedding.
    dropout : float, default=0.0
        Probability of zeroing each hidden unit in training mode (the
        survivors scaled by ``1 / (1 - dropout)``); none in evaluation mode.

    Examples
    --------
    >>> import torch
    >>> ResidualBlock(4, 8, 16)(torch.randn(3, 4), torch.randn(3, 16)).shape
    torch.Size([3, 8])
    """

    # Blocks pickled before dropout existed have no attribute of their own: they read this one.
    dropout: float = 0.0

    def __init__(self, n_in: int, n_out: int, n_embedding: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.dropout = _dropout_rate(dropout)
        self.norm = nn.LayerNorm(n_in)
        self.inner = nn.Linear(n_in, n_out)
        self.embedding = nn.Linear(n_embedding, n_out)
        self.outer = nn.Linear(n_out, n_out)
        self.skip = nn.Identity() if n_in == n_out else nn.Linear(n_in, n_out)
        self.act = nn.SiLU()

    def forward(self, h: Tensor, emb: Tensor) -> Tensor:
        """Apply the block to ``h [B, n_in]`` with embedding ``emb [B, n_embedding]``."""
        z = self.act(self.inner(self.act(self.norm(h))) + self.embedding(emb))
        if self.dropout and self.training:
            z = F.dropout(z, self.dropout, training=True)
        return self.skip(h) + self.outer(z)


def _dropout_rate(dropout: float) -> float:
    rate = float(dropout)
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"dropout must lie in [0, 1), got {dropout!r}.")
    return rate


class MLP(nn.Module):
    """Residual MLP mapping ``(input [B, n_inputs], t [B], condition) -> [B, n_outputs]``.

    Parameters
    ----------
    n_inputs : int
        Width of the network input (the flows' input parameters, concatenated).
    n_outputs : int, optional
        Width of the output; defaults to ``n_inputs``.
    hidden_layer_sizes : sequence of int, default=(256, 256, 256)
        Width of each residual block.
    time_embedding_dim : int, default=64
        Number of time features; also the width of the time and condition
        embedding that shifts every block.
    time_features : {'sinusoidal', 'fourier'}, default='sinusoidal'
        Fixed sinusoidal features or random Fourier features of ``t``.
    n_classes : int, optional
        Condition on class labels ``0..n_classes-1`` (with a learned null class).
    n_condition_features : int, optional
        Condition on a real vector of this length (with a learned null vector).
        At most one of ``n_classes`` and ``n_condition_features`` may be given.
    dropout : float, default=0.0
        Dropout on the hidden layer of every residual block, in training mode
        only (Srivastava et al. 2014): a regulariser for small data sets.

    Examples
    --------
    >>> import torch
    >>> net = MLP(2, hidden_layer_sizes=(32, 32), n_classes=3)
    >>> net(torch.randn(5, 2), torch.rand(5), torch.tensor([0, 1, 2, 0, 1])).shape
    torch.Size([5, 2])
    >>> net(torch.randn(5, 2), torch.rand(5)).shape  # the null condition
    torch.Size([5, 2])
    """

    def __init__(
        self,
        n_inputs: int,
        n_outputs: int | None = None,
        hidden_layer_sizes: Sequence[int] = (256, 256, 256),
        time_embedding_dim: int = 64,
        time_features: str = "sinusoidal",
        n_classes: int | None = None,
        n_condition_features: int | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if not hidden_layer_sizes:
            raise ValueError("hidden_layer_sizes must name at least one layer.")
        n_outputs = n_inputs if n_outputs is None else n_outputs
        widths = [int(w) for w in hidden_layer_sizes]
        n_embedding = time_embedding_dim  # time and condition share this width

        self.time_embedding = make_time_network(time_features, time_embedding_dim, n_embedding)
        self.condition_embedding = make_condition_embedding(n_classes, n_condition_features, n_embedding)

        self.input_layer = nn.Linear(n_inputs, widths[0])
        inputs = widths[:1] + widths[:-1]
        self.blocks = nn.ModuleList(
            ResidualBlock(n_in, n_out, n_embedding, dropout) for n_in, n_out in zip(inputs, widths, strict=True)
        )
        self.output_norm = nn.LayerNorm(widths[-1])
        self.output_layer = nn.Linear(widths[-1], n_outputs)
        # Start from a zero prediction (eps_hat = 0, uniform logits): stable first steps.
        nn.init.zeros_(self.output_layer.weight)
        nn.init.zeros_(self.output_layer.bias)

    @property
    def dropout(self) -> float:
        """The dropout rate of the residual blocks' hidden layers (training mode only); settable.

        Examples
        --------
        >>> from skbfn.core.nets import MLP
        >>> net = MLP(2, dropout=0.2)
        >>> net.dropout
        0.2
        >>> net.dropout = 0.0
        >>> [block.dropout for block in net.blocks]
        [0.0, 0.0, 0.0]
        """
        return self.blocks[0].dropout

    @dropout.setter
    def dropout(self, rate: float) -> None:
        rate = _dropout_rate(rate)
        for block in self.blocks:
            block.dropout = rate

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
        """Network output for input ``x [B, n_inputs]`` at times ``t [B]``.

        Parameters
        ----------
        x : Tensor of shape [B, ...]
            Input, flattened to ``n_inputs`` entries per row.
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
        out : Tensor of shape [B, n_outputs]
            Network output.

        Raises
        ------
        ValueError
            If a condition is given to an unconditional network.

        Examples
        --------
        >>> import torch
        >>> net = MLP(3, 6, hidden_layer_sizes=(16,), n_condition_features=2)
        >>> net(torch.randn(4, 3), torch.rand(4), torch.randn(4, 2)).shape
        torch.Size([4, 6])
        """
        emb = embed_time_and_condition(self.time_embedding, self.condition_embedding, t, cond, drop, x)
        h = self.input_layer(x.flatten(start_dim=1))
        for block in self.blocks:
            h = block(h, emb)
        return self.output_layer(torch.nn.functional.silu(self.output_norm(h))).reshape(x.shape[0], -1)
