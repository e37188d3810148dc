"""skbfn: Bayesian Flow Networks for scikit-learn.

The estimator :class:`BFNGenerator` fits, samples and scores tabular data (with
missing values too), :class:`BFNImputer` fills missing values; the
PyTorch core in :mod:`skbfn.core` can be used on its own.
"""

__version__ = "0.1.0"

from ._estimator import BFNGenerator
from ._imputer import BFNImputer
from ._persistence import InconsistentVersionWarning, load, save
from ._training import NonFiniteLossError

__all__ = [
    "BFNGenerator",
    "BFNImputer",
    "InconsistentVersionWarning",
    "NonFiniteLossError",
    "__version__",
    "load",
    "save",
]
