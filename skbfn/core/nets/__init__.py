"""Networks for BFNs: they map input parameters, time and a condition to an output."""

from .embeddings import (
    ClassEmbedding,
    FourierTimeEmbedding,
    SinusoidalTimeEmbedding,
    VectorEmbedding,
)
from .mlp import MLP, ResidualBlock

__all__ = [
    "MLP",
    "ClassEmbedding",
    "FourierTimeEmbedding",
    "ResidualBlock",
    "SinusoidalTimeEmbedding",
    "VectorEmbedding",
]
