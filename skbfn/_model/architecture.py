"""The network and flows a :class:`~skbfn.BFNGenerator` is built from, and where they run.

:class:`Architecture` holds the estimator's parameters that shape the model,
checked, and builds a :class:`~skbfn.core.BFN` for fitted column and
condition encoders: a product of flows over the model columns, and an MLP
over rows or a UNet over images. :func:`place` puts built models on a device
with the precision asked for. ``fit``, :func:`skbfn.load` and unpickling all
go through these two, so a model is built and placed one way only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from .._encoding import ConditionEncoder, TableEncoder
from ..core import BFN, EMA, CategoricalFlow, ContinuousFlow, DiscretisedFlow, ProductFlow, TableFlow
from ..core.nets import MLP, ImageNetwork, UNet
from .config import resolved

__all__ = ["Architecture", "categorical_accuracy", "column_flows", "fuse_flows", "place", "set_dropout"]

# Per model cell, the network is told whether it is given and whether it is absent.
_CELL_FLAGS = 2
# beta_1='auto': categorical columns of at most this many classes reach BASE_BETA_1 at t = 1; wider ones less.
BASE_BETA_1, BASE_CLASSES = 4.0, 20


def categorical_accuracy(n_classes: int, beta_1: float | str = "auto") -> float:
    """The final accuracy ``beta(1)`` of a categorical column of ``n_classes`` classes under ``beta_1``.

    A number is every column's. 'auto' gives 4 to columns of at most 20
    classes and ``4 g(K) / g(20)`` with ``g(K) = ln K / K`` to wider ones. As
    a rough guide, the flow's sender reveals a column of ``K`` classes once
    ``beta K`` outgrows ``ln K``, so at one ``beta_1`` a wide column is
    revealed early in ``t``, where training seldom looks, and its loss, which
    grows with ``K``, crowds out the other columns' (measured on the Column
    roles page). Scaled so, ``beta(1) K / ln K`` is the same for every column
    wider than 20 classes (Graves et al. 2023 likewise used 3 for two classes
    and 0.75 for 27).

    Examples
    --------
    >>> [round(categorical_accuracy(k), 2) for k in (2, 20, 51, 200)]
    [4.0, 4.0, 2.06, 0.71]
    >>> categorical_accuracy(200, beta_1=4.0)
    4.0
    """
    if beta_1 != "auto":
        return float(beta_1)
    if n_classes <= BASE_CLASSES:
        return BASE_BETA_1
    spread = (math.log(n_classes) / n_classes) / (math.log(BASE_CLASSES) / BASE_CLASSES)
    return BASE_BETA_1 * spread


@dataclass(frozen=True)
class Architecture:
    """The parameters of a :class:`~skbfn.BFNGenerator` that decide its model, checked.

    Parameters
    ----------
    network : {'mlp', 'unet'}
    sigma_1 : float
        Final accuracy of the continuous (and discretised) flows.
    beta_1 : float or 'auto'
        Final accuracy of the categorical flows (:func:`categorical_accuracy`).
    hidden_layer_sizes : tuple of int
        MLP block widths, or UNet channels per resolution level.
    time_embedding_dim : int
        Sinusoidal time features (rounded down to an even number).
    image_shape : tuple of int or None
        ``image_shape`` as given (UNet only; None: a square one-channel image).
    cond_drop_prob : float
        Probability of dropping a row's condition in training.
    """

    network: str
    sigma_1: float
    beta_1: float | str
    hidden_layer_sizes: tuple[int, ...]
    time_embedding_dim: int
    image_shape: tuple[int, ...] | None
    cond_drop_prob: float

    @classmethod
    def of(cls, estimator, n_model_columns: int | None) -> Architecture:
        """The architecture an estimator's parameters ask for, for a table of ``n_model_columns`` columns.

        ``n_model_columns`` picks the default widths (see
        :func:`~skbfn._model.config.default_profile`). ValueError names a malformed parameter.
        """
        return cls(
            network=estimator.network,
            sigma_1=float(estimator.sigma_1),
            beta_1=estimator.beta_1 if estimator.beta_1 == "auto" else float(estimator.beta_1),
            hidden_layer_sizes=_sizes(resolved(estimator, "hidden_layer_sizes", n_model_columns)),
            time_embedding_dim=int(estimator.time_embedding_dim) // 2 * 2,
            image_shape=None
            if estimator.image_shape is None or estimator.network != "unet"
            else _image_shape_as_given(estimator.image_shape),
            cond_drop_prob=float(estimator.cond_drop_prob),
        )

    def image_shape_for(self, n_features: int) -> tuple[int, int, int]:
        """``(C, H, W)`` of the images in rows of ``n_features`` pixels, checked against the UNet's levels."""
        if self.image_shape is None:
            side = math.isqrt(n_features)
            if side * side != n_features:
                raise ValueError(
                    f"network='unet' needs image_shape: {n_features} columns are not a square one-channel image."
                )
            shape = (1, side, side)
        else:
            shape = (1, *self.image_shape) if len(self.image_shape) == 2 else self.image_shape
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape {self.image_shape!r} holds {math.prod(shape)} pixels, but X has {n_features} columns."
                )
        halvings = len(self.hidden_layer_sizes) - 1
        if shape[1] % 2**halvings or shape[2] % 2**halvings:
            raise ValueError(
                f"A UNet with {halvings + 1} levels halves the image {halvings} times: height and width must be "
                f"divisible by {2**halvings}, got image_shape {shape[1:]}; use fewer hidden_layer_sizes."
            )
        return shape

    def build(
        self, encoder: TableEncoder, condition: ConditionEncoder | None, *, seed: int, cell_inputs: bool = True
    ) -> BFN:
        """A freshly initialised BFN (weights drawn from ``seed``) for the fitted encoders.

        ``cell_inputs=False`` builds the model of files written before given
        and missing cells existed: no per-cell flags in the network's input.
        """
        flow = TableFlow(column_flows(encoder, self.sigma_1, self.beta_1))
        data_shape = (encoder.n_model_columns,)
        n_inputs, n_outputs = flow.input_size(data_shape), flow.output_size(data_shape)
        n_flags = _CELL_FLAGS if cell_inputs else 0
        conditioning = {
            "time_embedding_dim": self.time_embedding_dim,
            "n_classes": None if condition is None else condition.n_classes,
            "n_condition_features": None if condition is None else condition.n_values,
        }
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if self.network == "mlp":
                n_network_inputs = n_inputs + n_flags * encoder.n_model_columns
                net = MLP(n_network_inputs, n_outputs, hidden_layer_sizes=self.hidden_layer_sizes, **conditioning)
            else:
                shape = self.image_shape_for(encoder.n_model_columns)
                in_channels, out_channels = ImageNetwork.folded_channels(shape, n_inputs, n_outputs, n_flags)
                n_heads = math.gcd(4, self.hidden_layer_sizes[-1])
                unet = UNet(
                    in_channels, out_channels, channels=self.hidden_layer_sizes, n_heads=n_heads, **conditioning
                )
                net = ImageNetwork(unet, shape, n_inputs, n_outputs, n_cell_flags=n_flags)
        return BFN(net, data_shape=data_shape, flow=flow, cond_drop_prob=self.cond_drop_prob, cell_inputs=cell_inputs)


def set_dropout(model: BFN, rate: float) -> None:
    """Give the model's MLP the dropout rate of a training run; the UNet has no dropout, so only 0.

    ValueError for a positive rate on a UNet.
    """
    if isinstance(model.net, MLP):
        model.net.dropout = rate
    elif rate:
        raise ValueError(f"dropout={rate!r}: only network='mlp' has dropout; use dropout=0 or 'auto' with a UNet.")


def place(device: torch.device, precision: str, *models: BFN | EMA) -> None:
    """Move ``models`` to ``device``; ``precision='bfloat16'`` on CUDA adds bf16 autocast (and channels-last images).

    An :class:`~skbfn.core.EMA` moves whole: its averaged network and its own buffers (the update count).
    """
    fast = precision == "bfloat16" and device.type == "cuda"
    for model in models:
        if isinstance(model, EMA):
            place(device, precision, model.module)
            model.to(device)  # its buffers; tensors keep their memory format
            continue
        model.autocast_dtype = torch.bfloat16 if fast else None
        if isinstance(model.net, ImageNetwork):
            model.net.channels_last = fast
            model.to(device, memory_format=torch.channels_last if fast else torch.contiguous_format)
        else:
            model.to(device)


def column_flows(encoder: TableEncoder, sigma_1: float, beta_1: float | str) -> list[object]:
    """The flow of each of the encoder's model columns, for :class:`~skbfn.core.TableFlow`.

    Real-valued columns follow the continuous flow, integer columns the
    discretised flow with one bin per value, categorical columns the
    categorical flow at their :func:`categorical_accuracy`;
    :class:`~skbfn.core.TableFlow` runs each type (and accuracy) as one part.
    """
    flows: list[object] = []
    for kind, n_bins in zip(encoder.model_kinds, encoder.model_n_bins, strict=True):
        if kind == "continuous":
            flows.append(ContinuousFlow(sigma_1))
        elif kind == "discretised":
            flows.append(DiscretisedFlow(n_bins, sigma_1))
        else:
            flows.append(CategoricalFlow(n_bins, categorical_accuracy(n_bins, beta_1)))
    return flows


def fuse_flows(*models: BFN) -> None:
    """Give models unpickled from before the fused flows their :class:`~skbfn.core.TableFlow`.

    Their :class:`~skbfn.core.ProductFlow` had one part per run of columns;
    the table flow over the same columns lays out the network's inputs and
    outputs identically, so the weights stay as they are.
    """
    for model in models:
        if type(model.flow) is ProductFlow:
            model.flow = TableFlow.from_product(model.flow)


def _sizes(hidden_layer_sizes) -> tuple[int, ...]:
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes))
    if sizes.ndim != 1 or sizes.size == 0 or sizes.dtype.kind not in "iu" or np.any(sizes < 1):
        raise ValueError(
            f"hidden_layer_sizes must be a non-empty sequence of positive ints, got {hidden_layer_sizes!r}."
        )
    return tuple(int(s) for s in sizes)


def _image_shape_as_given(image_shape) -> tuple[int, ...]:
    shape = np.asarray(image_shape)
    if shape.ndim != 1 or shape.size not in (2, 3) or shape.dtype.kind not in "iu" or np.any(shape < 1):
        raise ValueError(f"image_shape must be (height, width) or (channels, height, width), got {image_shape!r}.")
    return tuple(int(s) for s in shape)
