"""Networks for BFNs: they map input parameters, time and a condition to an output."""

from .embeddings import (
    ClassEmbedding,
    FourierTimeEmbedding,
    SinusoidalTimeEmbedding,
    VectorEmbedding,
)
from .images import ImageNetwork, count_parameters
from .mlp import MLP, ResidualBlock
from .unet import UNet

__all__ = [
    "MLP",
    "ClassEmbedding",
    "FourierTimeEmbedding",
    "ImageNetwork",
    "ResidualBlock",
    "SinusoidalTimeEmbedding",
    "UNet",
    "VectorEmbedding",
    "count_parameters",
]
