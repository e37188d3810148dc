"""The PyTorch core of skbfn: flows, the BFN module, samplers, guidance and EMA.

This package imports PyTorch only (no scikit-learn, no NumPy), so it can be used
on its own in a custom training loop; see :class:`BFN`.
"""

from .bfn import BFN
from .ema import EMA
from .flows import ContinuousFlow
from .guidance import guide
from .samplers import sample_paper

__all__ = ["BFN", "EMA", "ContinuousFlow", "guide", "sample_paper"]
