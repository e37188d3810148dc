"""Persistence: models in safetensors files with a signed JSON document (:func:`save`, :func:`load`).

:mod:`.container` is the file: its format, digest, limits and the order of
its checks. What goes into the document is each estimator's own
(``to_dict``/``from_dict``); the history of the format is in
:mod:`skbfn._formats`.
"""

from .container import InconsistentVersionWarning, load, save

__all__ = ["InconsistentVersionWarning", "load", "save"]
