"""skbfn: Bayesian Flow Networks for scikit-learn.

The estimator :class:`BFNGenerator` fits, samples and scores tabular data (with
missing values too), :class:`BFNImputer` fills missing values; the
PyTorch core in :mod:`skbfn.core` can be used on its own, and
:func:`evaluate` (from :mod:`skbfn.metrics`, which needs pandas) reports
whether a synthetic table is faithful, useful and safe.
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
    "evaluate",
    "load",
    "save",
]


def __getattr__(name: str):
    if name == "evaluate":  # imported on first use: the metrics need pandas, skbfn itself does not
        from .metrics import evaluate

        return evaluate
    raise AttributeError(f"module 'skbfn' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "evaluate"])
