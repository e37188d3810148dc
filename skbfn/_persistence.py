"""Safe persistence: weights in safetensors, everything else in JSON, no pickle.

One file holds the tensors of the live and averaged networks and, in the
safetensors header, a JSON document with the estimator's parameters, its fitted
attributes, a SHA-256 digest of the tensor bytes, and the versions of skbfn and
torch that wrote it. Loading parses JSON and raw tensors only: it never runs
code from the file.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

import numpy as np
import torch
from sklearn.preprocessing import StandardScaler

from ._columns import Column, TableEncoder
from ._conditioning import ConditionEncoder
from ._device import available_device
from ._normal_scores import NormalScores

__all__ = ["load", "save"]

_FORMAT = "skbfn-bfngenerator"
_FORMAT_VERSION = 1


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    sha = hashlib.sha256()
    for name in sorted(tensors):
        sha.update(name.encode())
        sha.update(tensors[name].contiguous().view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


def _plain(value: Any) -> Any:
    """Python value for JSON; refuses what JSON cannot hold faithfully."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"skbfn.save cannot store a value of type {type(value).__name__} ({value!r}) as JSON.")


def _dtype_to_json(dtype) -> dict:
    if str(dtype) == "category":
        return {"category": _plain(list(dtype.categories)), "ordered": bool(dtype.ordered)}
    return {"name": str(dtype)}


def _dtype_from_json(spec: dict):
    if "category" in spec:
        import pandas as pd

        return pd.CategoricalDtype(spec["category"], ordered=spec["ordered"])
    try:
        return np.dtype(spec["name"])
    except TypeError:
        import pandas as pd

        return pd.api.types.pandas_dtype(spec["name"])


def _encoder_to_json(encoder: TableEncoder) -> dict:
    return {
        "categorical_features": _plain(encoder.categorical_features),
        "discretised_features": _plain(encoder.discretised_features),
        "max_bins": encoder.max_bins,
        "shared_range": encoder.shared_range,
        "continuous_transform": encoder.continuous_transform,
        "is_frame": encoder.is_frame_,
        "columns": [
            {
                "name": _plain(c.name),
                "kind": c.kind,
                "dtype": _dtype_to_json(c.dtype),
                "offset": c.offset,
                "scale": c.scale,
                "n_bins": c.n_bins,
                "categories": _plain(c.categories),
                "normal_scores": None
                if c.normal_scores is None
                else {"x": c.normal_scores.x.tolist(), "z": c.normal_scores.z.tolist()},
            }
            for c in encoder.columns_
        ],
    }


def _encoder_from_json(doc: dict) -> TableEncoder:
    encoder = TableEncoder(
        doc["categorical_features"],
        doc["discretised_features"],
        doc["max_bins"],
        doc.get("shared_range", False),
        doc.get("continuous_transform", "affine"),
    )
    encoder.is_frame_ = doc["is_frame"]
    encoder.columns_ = [
        Column(
            c["name"],
            c["kind"],
            _dtype_from_json(c["dtype"]),
            c["offset"],
            c["scale"],
            c["n_bins"],
            np.array(c["categories"], dtype=object),
            _normal_scores_from_json(c.get("normal_scores")),
        )
        for c in doc["columns"]
    ]
    encoder._order = encoder._flow_order()
    return encoder


def _normal_scores_from_json(doc: dict | None) -> NormalScores | None:
    if doc is None:
        return None
    return NormalScores(np.array(doc["x"], dtype=np.float64), np.array(doc["z"], dtype=np.float64))


def _condition_to_json(condition: ConditionEncoder | None) -> dict | None:
    if condition is None:
        return None
    if condition.kind == "classes":
        return {"y_type": condition.y_type, "kind": "classes", "classes": _plain(condition.classes_)}
    scaler = condition._scaler
    return {
        "y_type": condition.y_type,
        "kind": "values",
        "mean": _plain(scaler.mean_),
        "scale": _plain(scaler.scale_),
        "var": _plain(scaler.var_),
    }


def _condition_from_json(doc: dict | None) -> ConditionEncoder | None:
    if doc is None:
        return None
    condition = ConditionEncoder(doc["y_type"])
    condition.kind = doc["kind"]
    if condition.kind == "classes":
        condition.classes_ = np.array(doc["classes"])
        return condition
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = (np.asarray(doc[k], dtype=np.float64) for k in ("mean", "scale", "var"))
    scaler.n_features_in_ = len(scaler.mean_)
    condition._scaler, condition.n_features_ = scaler, len(scaler.mean_)
    return condition


def save(estimator, path: str | os.PathLike) -> None:
    """Write a fitted :class:`~skbfn.BFNGenerator` or :class:`~skbfn.BFNImputer` to ``path``.

    The file is safetensors with a JSON header.

    Parameters
    ----------
    estimator : BFNGenerator or BFNImputer
        A fitted estimator; its ``random_state`` must be None or an int.
    path : str or path-like
        File to write.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import make_moons
    >>> from skbfn import BFNGenerator, load, save
    >>> X = make_moons(200, noise=0.1, random_state=0)[0]
    >>> gen = BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), random_state=0).fit(X)
    >>> path = os.path.join(tempfile.mkdtemp(), "moons.safetensors")
    >>> save(gen, path)
    >>> (load(path).sample(3) == gen.sample(3)).all()
    np.True_
    """
    from safetensors.torch import save_file
    from sklearn.utils.validation import check_is_fitted

    from . import __version__
    from ._imputer import BFNImputer

    check_is_fitted(estimator)
    imputer = None
    if isinstance(estimator, BFNImputer):
        imputer = _imputer_to_json(estimator)
        estimator = estimator.generator_
    params = estimator.get_params()
    if not (params["random_state"] is None or isinstance(params["random_state"], int | np.integer)):
        raise TypeError("skbfn.save stores random_state only as None or an int.")
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in estimator.model_.state_dict().items()}
    tensors.update({f"ema.{k}": v.detach().cpu().contiguous() for k, v in estimator.ema_.state_dict().items()})
    document = {
        "format": _FORMAT,
        "format_version": _FORMAT_VERSION,
        "skbfn_version": __version__,
        "torch_version": torch.__version__,
        "params": _plain(params),
        "encoder": _encoder_to_json(estimator.encoder_),
        "condition": _condition_to_json(estimator._condition),
        "history": _plain(estimator.history_),
        "n_iter": estimator.n_iter_,
        "ema_updates": estimator.ema_.n_updates,
        "feature_names_in": _plain(getattr(estimator, "feature_names_in_", None)),
        "n_features_in": estimator.n_features_in_,
        "cell_inputs": estimator.model_.cell_inputs,
        "imputer": imputer,
        "sha256": _digest(tensors),
    }
    save_file(tensors, os.fspath(path), metadata={"skbfn": json.dumps(document)})


def load(path: str | os.PathLike):
    """Read a :class:`~skbfn.BFNGenerator` or :class:`~skbfn.BFNImputer` written by :func:`save`.

    The model is put on its ``device`` when that exists here, else on the CPU.
    Nothing in the file is executed: the weights are plain tensors and the rest
    is JSON.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save`.

    Returns
    -------
    estimator : BFNGenerator or BFNImputer
        The fitted estimator, ready to sample and score (or to impute).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a file that is not such a model, is truncated, or whose tensors
        do not match their recorded digest.

    Examples
    --------
    >>> import tempfile, os
    >>> from sklearn.datasets import make_moons
    >>> from skbfn import BFNGenerator, load, save
    >>> X = make_moons(200, noise=0.1, random_state=0)[0]
    >>> path = os.path.join(tempfile.mkdtemp(), "moons.safetensors")
    >>> save(BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), random_state=0).fit(X), path)
    >>> load(path).sample(2).shape
    (2, 2)
    """
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    from ._estimator import BFNGenerator

    path = os.fspath(path)
    try:
        tensors = load_file(path)
        with open(path, "rb") as handle:
            header_size = int.from_bytes(handle.read(8), "little")
            header = json.loads(handle.read(header_size))
        document = json.loads(header["__metadata__"]["skbfn"])
    except (SafetensorError, OSError, KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        raise ValueError(
            f"{path!r} is not a readable skbfn model file (truncated or not written by skbfn.save): {exc}"
        ) from exc
    if document.get("format") != _FORMAT or document.get("format_version") != _FORMAT_VERSION:
        raise ValueError(
            f"{path!r} holds format {document.get('format')!r} version "
            f"{document.get('format_version')!r}, not {_FORMAT!r} version {_FORMAT_VERSION}."
        )
    if _digest(tensors) != document["sha256"]:
        raise ValueError(f"{path!r} has been altered: its tensors do not match their recorded SHA-256 digest.")

    params = document["params"]
    params.setdefault("continuous_transform", "affine")  # files from before the parameter were fitted affinely
    for name in ("hidden_layer_sizes", "image_shape"):
        if params.get(name) is not None:
            params[name] = tuple(params[name])
    estimator = BFNGenerator(**params)
    encoder = _encoder_from_json(document["encoder"])
    condition = _condition_from_json(document["condition"])
    model = estimator._build_model(encoder, condition, seed=0, cell_inputs=document.get("cell_inputs", False))
    from .core import EMA

    ema = EMA(model, decay=params["ema_decay"])
    model.load_state_dict({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
    ema.load_state_dict({k[len("ema.") :]: v for k, v in tensors.items() if k.startswith("ema.")})
    ema.n_updates = document["ema_updates"]
    device = available_device(params["device"])
    estimator._place(device, model, ema.module)
    estimator.model_, estimator.ema_ = model.eval(), ema
    estimator.encoder_, estimator._condition, estimator.device_ = encoder, condition, device
    if condition is not None and condition.kind == "classes":
        estimator.classes_ = condition.classes_
    estimator.history_, estimator.n_iter_ = document["history"], document["n_iter"]
    estimator.n_features_in_ = document["n_features_in"]
    if document["feature_names_in"] is not None:
        estimator.feature_names_in_ = np.array(document["feature_names_in"], dtype=object)
    if document.get("imputer") is not None:
        return _imputer_from_json(document["imputer"], estimator)
    return estimator


def _imputer_to_json(imputer) -> dict:
    params = imputer.get_params(deep=False)
    params.pop("estimator")
    if not (params["random_state"] is None or isinstance(params["random_state"], int | np.integer)):
        raise TypeError("skbfn.save stores random_state only as None or an int.")
    missing = params.pop("missing_values")
    from ._imputer import _is_nan_like

    params["missing_values"] = {"missing": True} if _is_nan_like(missing) else {"value": _plain(missing)}
    return params


def _imputer_from_json(doc: dict, generator):
    from ._imputer import BFNImputer

    params = dict(doc)
    missing = params.pop("missing_values")
    params["missing_values"] = np.nan if missing.get("missing") else missing["value"]
    imputer = BFNImputer(type(generator)(**generator.get_params()), **params)
    imputer.generator_ = generator
    imputer.n_features_in_ = generator.n_features_in_
    if hasattr(generator, "feature_names_in_"):
        imputer.feature_names_in_ = generator.feature_names_in_
    return imputer
