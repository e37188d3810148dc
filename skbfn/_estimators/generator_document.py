"""The document of a fitted :class:`~skbfn.BFNGenerator`: its parameters and fitted state as plain JSON values.

``BFNGenerator.to_dict``, ``state_tensors`` and ``from_dict`` call these functions (``GeneratorDocument``, a
mixin of the estimator).

:func:`generator_document` writes it and :func:`generator_from_document`
reads it back, checking every field (and the fields against each other)
before it builds anything, then the weights against a model built on the
meta device before it reads them. The weights travel beside the document as
named tensors (``model.*`` and ``ema.*``). :mod:`skbfn._persistence` puts
both in a file; this module knows nothing of files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from .._device import available_device
from .._encoding import ConditionEncoder, TableEncoder
from .._encoding.roles import roles_from_json, roles_to_json
from .._inference.category_tilt import CategoryTilt
from .._json import is_int, plain
from .._model.architecture import Architecture
from .._model.fitting import FittedState
from ..core import EMA

__all__ = ["DOCUMENT_KEYS", "GeneratorDocument", "generator_document", "generator_from_document", "state_tensors"]

# The entries of a generator's document.
DOCUMENT_KEYS = (
    "params",
    "encoder",
    "condition",
    "history",
    "n_iter",
    "feature_names_in",
    "n_features_in",
    "cell_inputs",
    "category_tilt",
    "reconstruction_divisor",
)
_HISTORY_KEYS = ("loss", "validation_step", "validation_score")
# A stored reconstruction divisor above this is refused as corrupt (today's fits store 16, older models 4).
_MAX_RECONSTRUCTION_DIVISOR = 1024


def generator_document(estimator) -> dict:
    """The fitted ``estimator``'s parameters and fitted state as plain JSON values (weights apart)."""
    params = estimator.get_params()
    if not (params["random_state"] is None or isinstance(params["random_state"], int | np.integer)):
        raise TypeError("A saved BFNGenerator stores random_state only as None or an int.")
    tilt = estimator.category_tilt_
    if params["column_roles"] is not None:
        params["column_roles"] = roles_to_json(params["column_roles"])
    return {
        "params": plain(params),
        "encoder": estimator.encoder_.to_dict(),
        "condition": None if estimator.condition_encoder_ is None else estimator.condition_encoder_.to_dict(),
        "history": plain(estimator.history_),
        "n_iter": estimator.n_iter_,
        "feature_names_in": plain(getattr(estimator, "feature_names_in_", None)),
        "n_features_in": estimator.n_features_in_,
        "cell_inputs": estimator.model_.cell_inputs,
        "category_tilt": None if tilt is None else tilt.to_dict(),
        "reconstruction_divisor": estimator.reconstruction_divisor_,
    }


def state_tensors(estimator) -> dict[str, torch.Tensor]:
    """The weights of the live (``model.*``) and averaged (``ema.*``) networks, as contiguous CPU tensors."""
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in estimator.model_.state_dict().items()}
    tensors.update({f"ema.{k}": v.detach().cpu().contiguous() for k, v in estimator.ema_.state_dict().items()})
    return tensors


def generator_from_document(
    cls,
    document: dict,
    tensors: Mapping[str, torch.Tensor] | Callable[[dict[str, torch.Tensor]], Mapping[str, torch.Tensor]],
):
    """A fitted ``cls`` (:class:`~skbfn.BFNGenerator`) from its document and weights, everything checked first.

    ``tensors`` holds the weights, or is a function that is handed the
    expected tensors (on the meta device: names, dtypes and shapes) once the
    document has passed, and returns the weights. ValueError, TypeError or
    KeyError name what is wrong.
    """
    unknown = sorted(set(document) - set(DOCUMENT_KEYS))
    if unknown:
        raise ValueError(f"unknown document entries {unknown}")
    estimator = _estimator_with_params(cls, document["params"])
    encoder = TableEncoder.from_dict(document["encoder"])
    condition = None if document["condition"] is None else ConditionEncoder.from_dict(document["condition"])
    n_features, names = _features(document, encoder)
    history = _history(document)
    cell_inputs = document["cell_inputs"]
    if not isinstance(cell_inputs, bool):
        raise ValueError(f"cell_inputs must be true or false, got {cell_inputs!r}")
    tilt = None if document["category_tilt"] is None else CategoryTilt.from_dict(document["category_tilt"], encoder)
    divisor = document["reconstruction_divisor"]
    if not is_int(divisor) or not 1 <= divisor <= _MAX_RECONSTRUCTION_DIVISOR:
        raise ValueError(
            f"reconstruction_divisor must be an integer in [1, {_MAX_RECONSTRUCTION_DIVISOR}], got {divisor!r}"
        )
    architecture = Architecture.of(estimator, encoder.n_model_columns)

    with torch.device("meta"):
        expected = _named_tensors(architecture, encoder, condition, cell_inputs, estimator.ema_decay)
    weights = tensors(expected) if callable(tensors) else tensors
    _check_tensors(weights, expected)
    model = architecture.build(encoder, condition, seed=0, cell_inputs=cell_inputs)
    ema = EMA(model, decay=estimator.ema_decay)
    model.load_state_dict({k[len("model.") :]: v for k, v in weights.items() if k.startswith("model.")})
    ema.load_state_dict({k[len("ema.") :]: v for k, v in weights.items() if k.startswith("ema.")})
    device = available_device(estimator.device)
    estimator._set_fitted(FittedState(model, ema, encoder, condition, tilt, history, device, divisor))
    estimator.n_features_in_ = n_features
    if names is not None:
        estimator.feature_names_in_ = np.array(names, dtype=object)
    return estimator


def _estimator_with_params(cls, params: dict):
    params = dict(params)
    params["column_roles"] = roles_from_json(params.get("column_roles"))
    unknown = sorted(set(params) - set(cls._get_param_names()))
    if unknown:
        raise ValueError(f"unknown parameters {unknown}")
    for name in ("hidden_layer_sizes", "image_shape"):
        value = params.get(name)
        if isinstance(value, list):
            value = params[name] = tuple(value)
        if value is not None and not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in value):
            raise ValueError(f"{name} must hold positive integers, got {value!r}")
    estimator = cls(**params)
    estimator._validate_params()
    try:
        device = torch.device(params["device"] if params["device"] != "auto" else "cpu")
    except RuntimeError as exc:
        raise ValueError(f"device={params['device']!r} is not a device name") from exc
    if device.type not in ("cpu", "cuda") or (device.index is not None and device.index < 0):
        raise ValueError(f"device={params['device']!r}: a loaded model runs on 'auto', 'cpu' or 'cuda'")
    return estimator


def _features(document: dict, encoder: TableEncoder) -> tuple[int, list | None]:
    n_features, columns = document["n_features_in"], encoder.feature_names
    if not is_int(n_features) or n_features != len(columns):
        raise ValueError(f"n_features_in={n_features!r} does not match the {len(columns)} columns")
    names = document["feature_names_in"]
    if names is not None and (len(names) != n_features or not all(isinstance(n, str) for n in names)):
        raise ValueError("feature_names_in must list one string per column")
    if names is not None and names != columns:
        raise ValueError("feature_names_in differ from the encoder's column names")
    # A DataFrame without text labels (pandas' default integer labels) has no feature_names_in, as in scikit-learn.
    return n_features, names


def _history(document: dict) -> dict:
    history, n_iter = document["history"], document["n_iter"]
    if not is_int(n_iter) or n_iter < 0:
        raise ValueError(f"n_iter must be a non-negative integer, got {n_iter!r}")
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise ValueError("history must map names to lists")
    if not set(_HISTORY_KEYS) <= set(history):
        raise ValueError("history must hold 'loss', 'validation_step' and 'validation_score'")
    if len(history["validation_step"]) != len(history["validation_score"]):
        raise ValueError("history must hold one validation score per validation step")
    if len(history["loss"]) != n_iter:
        raise ValueError(f"n_iter={n_iter} does not match the {len(history['loss'])} losses in history")
    return history


def _named_tensors(architecture, encoder, condition, cell_inputs: bool, ema_decay: float) -> dict[str, torch.Tensor]:
    model = architecture.build(encoder, condition, seed=0, cell_inputs=cell_inputs)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    tensors.update({f"ema.{k}": v for k, v in EMA(model, decay=ema_decay).state_dict().items()})
    return tensors


def _check_tensors(weights: Mapping[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    if set(weights) != set(expected):
        missing, extra = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
        raise ValueError(f"the weights are not this model's (missing {missing[:5]}, unexpected {extra[:5]})")
    for name, tensor in expected.items():
        found = weights[name]
        if found.dtype != tensor.dtype or found.shape != tensor.shape:
            raise ValueError(
                f"tensor {name!r} is {found.dtype} {list(found.shape)}, not {tensor.dtype} {list(tensor.shape)}"
            )


class GeneratorDocument:
    """The document and weights of a fitted :class:`~skbfn.BFNGenerator`, and an estimator from them (a mixin)."""

    def to_dict(self) -> dict:
        """The fitted estimator's parameters and state as plain JSON values (its weights: :meth:`state_tensors`).

        :func:`skbfn.save` writes it, with the file's own entries.

        Returns
        -------
        document : dict
            ``params``, ``encoder``, ``condition``, ``history``, ``n_iter``,
            ``feature_names_in``, ``n_features_in``, ``cell_inputs`` and
            ``category_tilt``, all JSON values.

        Examples
        --------
        >>> import json
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> gen = BFNGenerator(max_iter=5, hidden_layer_sizes=(8,), random_state=0).fit(make_moons(50)[0])
        >>> copy = BFNGenerator.from_dict(json.loads(json.dumps(gen.to_dict())), gen.state_tensors())
        >>> bool((copy.sample(3) == gen.sample(3)).all())
        True
        """
        check_is_fitted(self)
        return generator_document(self)

    def state_tensors(self) -> dict[str, torch.Tensor]:
        """The weights of the live (``model.*``) and averaged (``ema.*``) networks, as CPU tensors.

        Returns
        -------
        tensors : dict of str to Tensor
            Contiguous CPU tensors by name, as :meth:`from_dict` takes them.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> gen = BFNGenerator(max_iter=5, hidden_layer_sizes=(8,), random_state=0).fit(make_moons(50)[0])
        >>> sorted({name.split(".")[0] for name in gen.state_tensors()})
        ['ema', 'model']
        """
        check_is_fitted(self)
        return state_tensors(self)

    @classmethod
    def from_dict(cls, document: dict, tensors) -> GeneratorDocument:
        """A fitted estimator from :meth:`to_dict`'s document and :meth:`state_tensors`' weights.

        Every entry is checked (and against the others) before anything is
        built; then the weights' names, dtypes and shapes.

        Parameters
        ----------
        document : dict
            The document :meth:`to_dict` returned (possibly through JSON).
        tensors : dict of str to Tensor, or callable
            The weights; or a function that, once the document has passed,
            is handed the expected tensors (on the meta device: names, dtypes
            and shapes) and returns the weights, so that a reader can check
            before it reads.

        Returns
        -------
        estimator : BFNGenerator
            The fitted estimator, on its ``device`` when that exists here.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> gen = BFNGenerator(max_iter=5, hidden_layer_sizes=(8,), random_state=0).fit(make_moons(50)[0])
        >>> BFNGenerator.from_dict(gen.to_dict(), gen.state_tensors()).n_iter_
        5
        """
        return generator_from_document(cls, document, tensors)
