"""The PyTorch core of skbfn: flows, the BFN module, samplers, guidance and EMA.

This package imports PyTorch only (no scikit-learn, no NumPy), so it can be used
on its own in a custom training loop; see :class:`BFN`.
"""

from .bfn import BFN
from .cells import CellMask, random_cell_mask
from .ema import EMA
from .flows import CategoricalFlow, ContinuousFlow, DiscretisedFlow, Flow, ProductFlow, SolverFlow, TableFlow
from .guidance import guide
from .samplers import SAMPLERS, sample_paper, sample_solver, time_grid

__all__ = [
    "BFN",
    "EMA",
    "SAMPLERS",
    "CategoricalFlow",
    "CellMask",
    "ContinuousFlow",
    "DiscretisedFlow",
    "Flow",
    "ProductFlow",
    "SolverFlow",
    "TableFlow",
    "guide",
    "random_cell_mask",
    "sample_paper",
    "sample_solver",
    "time_grid",
]
