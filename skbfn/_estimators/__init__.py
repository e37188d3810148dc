"""The scikit-learn estimators: :class:`BFNGenerator` and :class:`BFNImputer`."""

from .generator import BFNGenerator
from .imputer import BFNImputer

__all__ = ["BFNGenerator", "BFNImputer"]
