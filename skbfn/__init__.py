"""skbfn: Bayesian Flow Networks for scikit-learn.

The estimator :class:`BFNGenerator` fits, samples and scores tabular data (with
missing values too), :class:`BFNImputer` fills missing values; the
PyTorch core in :mod:`skbfn.core` can be used on its own.
"""

from ._estimators import BFNGenerator, BFNImputer
from ._formats import alias_old_modules
from ._model.training import NonFiniteLossError
from ._persistence import InconsistentVersionWarning, load, save
from ._version import __version__

alias_old_modules()  # pickles of skbfn 0.1.0 name classes by their old module paths

__all__ = [
    "BFNGenerator",
    "BFNImputer",
    "InconsistentVersionWarning",
    "NonFiniteLossError",
    "__version__",
    "load",
    "save",
]
