"""A failed call changes nothing: the estimator's attributes as they were before it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sklearn.base import BaseEstimator

__all__ = ["restored_on_error"]


@contextmanager
def restored_on_error(estimator: BaseEstimator) -> Iterator[None]:
    """Put back the estimator's attributes if the block raises: a failed fit changes nothing."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise
