"""Safe persistence: weights in safetensors, everything else in JSON, no pickle.

One file holds the tensors of the live and averaged networks and, in the
safetensors header, a JSON document with the estimator's parameters, its fitted
attributes, the versions of skbfn and torch that wrote it, and a SHA-256 digest
over all of it: the canonical JSON of the document and, for each tensor, its
name, dtype, shape and bytes. Anyone can recompute that digest, so it detects
corruption, not tampering; ``load(path, expected_sha256=...)`` checks a hash of
the whole file that the user pinned, as ``pip --require-hashes`` does.

Loading parses JSON and raw tensors only, and never runs code from the file.
Before any memory is materialised, it validates the parameters with the
estimator's own constraints (and upper bounds on the work one call may ask
for), the fitted state against a schema, and the tensor names, dtypes and
shapes in the header against a model built on the meta device. Every refusal
is a ValueError naming the file and the problem.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from numbers import Integral

import numpy as np
import torch

from ._architecture import Architecture
from ._category_tilt import CategoryTilt
from ._columns import TableEncoder
from ._conditioning import ConditionEncoder
from ._device import available_device
from ._json import is_int, plain

__all__ = ["InconsistentVersionWarning", "load", "save"]

_FORMAT = "skbfn-bfngenerator"
# 1: digest over tensor names and bytes only (skbfn 0.1 before this change); 2: digest over everything;
# 3: the EMA's update count is a tensor of its state ("ema.n_updates"), not the document's "ema_updates";
# 4: the document holds the category tilt ("category_tilt");
# 5: hidden_layer_sizes=None means the widths of the table's default profile (a narrower MLP over at most two
#    model columns); before, always those of its network.
_FORMAT_VERSION = 5
_READABLE_FORMAT_VERSIONS = (1, 2, 3, 4, 5)
_EMA_COUNT = "ema.n_updates"

# Upper bounds on parameters read from a file, where a value could make one
# call to sample or score run practically forever.
_WORK_LIMITS = {"n_steps": 100_000, "n_elbo_draws": 100_000, "n_loss_steps": 100_000}


class InconsistentVersionWarning(UserWarning):
    """A model file was written by another skbfn version than the one reading it.

    :func:`load` still returns the model; its behaviour may differ from the
    one the writer saw. Turn the warning into an error to refuse such files.

    Examples
    --------
    >>> import warnings
    >>> from skbfn import InconsistentVersionWarning
    >>> warnings.simplefilter("error", InconsistentVersionWarning)  # refuse files of other versions
    >>> warnings.resetwarnings()
    """


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


def _canonical_json(document: dict) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _digest(document: dict, tensors: dict[str, torch.Tensor]) -> str:
    """SHA-256 over the canonical document (without its digest) and every tensor's name, dtype, shape and bytes."""
    sha = hashlib.sha256(b"skbfn-digest-2\0")
    sha.update(_length_prefixed(_canonical_json({k: v for k, v in document.items() if k != "sha256"})))
    for name in sorted(tensors):
        tensor = tensors[name].contiguous()
        sha.update(_length_prefixed(name.encode()))
        sha.update(_length_prefixed(str(tensor.dtype).encode()))
        sha.update(_length_prefixed(json.dumps(list(tensor.shape)).encode()))
        sha.update(_length_prefixed(tensor.reshape(-1).view(torch.uint8).numpy().tobytes()))
    return sha.hexdigest()


def _tensor_digest_v1(tensors: dict[str, torch.Tensor]) -> str:
    """The digest of format version 1: tensor names and bytes only."""
    sha = hashlib.sha256()
    for name in sorted(tensors):
        sha.update(name.encode())
        sha.update(tensors[name].contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return sha.hexdigest()


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
        "params": plain(params),
        "encoder": estimator.encoder_.to_dict(),
        "condition": None if estimator.condition_encoder_ is None else estimator.condition_encoder_.to_dict(),
        "history": plain(estimator.history_),
        "n_iter": estimator.n_iter_,
        "feature_names_in": plain(getattr(estimator, "feature_names_in_", None)),
        "n_features_in": estimator.n_features_in_,
        "cell_inputs": estimator.model_.cell_inputs,
        "category_tilt": None if estimator.category_tilt_ is None else estimator.category_tilt_.to_dict(),
        "imputer": imputer,
    }
    document["sha256"] = _digest(document, tensors)
    save_file(tensors, os.fspath(path), metadata={"skbfn": json.dumps(document)})


def load(path: str | os.PathLike, *, expected_sha256: str | None = None):
    """Read a :class:`~skbfn.BFNGenerator` or :class:`~skbfn.BFNImputer` written by :func:`save`.

    The model is put on its ``device`` when that exists here, else on the CPU.
    Nothing in the file is executed: the weights are plain tensors and the rest
    is JSON, validated before any memory is allocated for the model. The
    file's digest detects corruption, not tampering: to make sure a file is
    the one you meant, pin its hash with ``expected_sha256``.

    ``checkpoint_dir`` is never restored from a file (it is set to None, with
    a warning if the file had one), so a loaded model writes nothing until you
    say where.

    Parameters
    ----------
    path : str or path-like
        File written by :func:`save`.
    expected_sha256 : str, default=None
        Hex SHA-256 of the whole file (``sha256sum`` prints it); the file is
        refused unless it matches.

    Returns
    -------
    estimator : BFNGenerator or BFNImputer
        The fitted estimator, ready to sample and score (or to impute).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        For a file that is not such a model, is truncated, does not match its
        digest or ``expected_sha256``, was written by a newer format, or holds
        parameters, fitted state or tensors that fail validation.

    Warns
    -----
    InconsistentVersionWarning
        When the file was written by another skbfn version.

    Examples
    --------
    >>> import hashlib, tempfile, os
    >>> from sklearn.datasets import make_moons
    >>> from skbfn import BFNGenerator, load, save
    >>> X = make_moons(200, noise=0.1, random_state=0)[0]
    >>> path = os.path.join(tempfile.mkdtemp(), "moons.safetensors")
    >>> save(BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), random_state=0).fit(X), path)
    >>> pinned = hashlib.sha256(open(path, "rb").read()).hexdigest()
    >>> load(path, expected_sha256=pinned).sample(2).shape
    (2, 2)
    """
    path = os.fspath(path)
    if expected_sha256 is not None:
        _check_file_hash(path, expected_sha256)
    header, document = _read_header(path)
    try:
        estimator, encoder, condition, cell_inputs, tilt = _validated_state(document)
    except (KeyError, TypeError, IndexError, AttributeError, RecursionError, ValueError) as exc:
        raise ValueError(f"{path!r} holds an invalid model description: {_describe(exc)}") from exc
    _check_tensor_header(path, header, document, estimator, encoder, condition, cell_inputs)
    tensors = _read_tensors(path, document)

    from .core import EMA

    model = _architecture(estimator, encoder, document).build(encoder, condition, seed=0, cell_inputs=cell_inputs)
    ema = EMA(model, decay=estimator.ema_decay)
    model.load_state_dict({k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")})
    ema.load_state_dict({k[len("ema.") :]: v for k, v in tensors.items() if k.startswith("ema.")})
    names = document["feature_names_in"]
    estimator._set_fitted(
        model=model,
        ema=ema,
        encoder=encoder,
        condition_encoder=condition,
        device=available_device(estimator.device),
        history=document["history"],
        n_features_in=document["n_features_in"],
        feature_names_in=None if names is None else np.array(names, dtype=object),
    )
    estimator.category_tilt_ = tilt
    if document.get("imputer") is not None:
        try:
            return _imputer_from_json(document["imputer"], estimator)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path!r} holds invalid imputer settings: {_describe(exc)}") from exc
    return estimator


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing entry {exc}"
    if isinstance(exc, RecursionError):
        return "the document is nested too deeply"
    return str(exc)


def _check_file_hash(path: str, expected: str) -> None:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    if sha.hexdigest() != str(expected).strip().lower():
        raise ValueError(f"{path!r} does not match expected_sha256: its SHA-256 is {sha.hexdigest()}.")


def _read_header(path: str) -> tuple[dict, dict]:
    """The safetensors header (tensor specs) and the skbfn document, checked for format and version."""
    from . import __version__

    try:
        with open(path, "rb") as handle:
            header_size = int.from_bytes(handle.read(8), "little")
            if header_size > os.fstat(handle.fileno()).st_size:
                raise ValueError(f"its header claims {header_size} bytes, more than the file holds")
            header = json.loads(handle.read(header_size))
        document = json.loads(header["__metadata__"]["skbfn"])
        if not isinstance(document, dict):
            raise TypeError("the document is not a JSON object")
    except FileNotFoundError:
        raise
    except (OSError, KeyError, TypeError, ValueError, RecursionError) as exc:
        raise ValueError(
            f"{path!r} is not a readable skbfn model file (truncated or not written by skbfn.save): {_describe(exc)}"
        ) from exc
    version = document.get("format_version")
    if document.get("format") != _FORMAT or not isinstance(version, int):
        raise ValueError(f"{path!r} is not an skbfn model file (format {document.get('format')!r}).")
    if version not in _READABLE_FORMAT_VERSIONS:
        newer = version > _FORMAT_VERSION
        raise ValueError(
            f"{path!r} holds format version {version}, which this skbfn ({__version__}) cannot read"
            + ("; it was written by a newer skbfn: upgrade to load it." if newer else ".")
        )
    written_by = document.get("skbfn_version")
    if not isinstance(written_by, str):
        raise ValueError(f"{path!r} does not record the skbfn version that wrote it.")
    if written_by != __version__:
        warnings.warn(
            f"{path!r} was written by skbfn {written_by} and is read by skbfn {__version__}; "
            "it may not behave the same.",
            InconsistentVersionWarning,
            stacklevel=3,
        )
    return header, document


def _validated_state(document: dict):
    """Estimator with validated parameters, and the encoder and condition, from the document."""
    from ._estimator import BFNGenerator

    params = dict(document["params"])
    params.setdefault("continuous_transform", "affine")  # files from before the parameter were fitted affinely
    params.setdefault("category_shares", "model")  # and files from before the tilt drew the network's own shares
    unknown = sorted(set(params) - set(BFNGenerator._get_param_names()))
    if unknown:
        raise ValueError(f"unknown parameters {unknown}")
    for name in ("hidden_layer_sizes", "image_shape"):
        if isinstance(params.get(name), list):
            params[name] = tuple(params[name])
    if params.get("checkpoint_dir") is not None:
        warnings.warn(
            f"The file sets checkpoint_dir={params['checkpoint_dir']!r}; a loaded model never writes where "
            "its file says, so checkpoint_dir is None. Set it yourself to checkpoint further fits.",
            UserWarning,
            stacklevel=4,
        )
    params["checkpoint_dir"] = None
    estimator = BFNGenerator(**params)
    estimator._validate_params()
    for name, limit in _WORK_LIMITS.items():
        if params[name] > limit:
            raise ValueError(f"{name}={params[name]} is above the {limit} a loaded model may ask for")
    for name in ("hidden_layer_sizes", "image_shape"):
        value = params[name]
        if value is not None and not all(isinstance(v, Integral) and not isinstance(v, bool) and v > 0 for v in value):
            raise ValueError(f"{name} must hold positive integers, got {value!r}")
    if torch.device(params["device"] if params["device"] != "auto" else "cpu").type not in ("cpu", "cuda"):
        raise ValueError(f"device={params['device']!r}: a loaded model runs on 'auto', 'cpu' or 'cuda'")

    encoder = TableEncoder.from_dict(document["encoder"])
    condition = None if document["condition"] is None else ConditionEncoder.from_dict(document["condition"])
    n_features = document["n_features_in"]
    if not is_int(n_features) or n_features != len(encoder.columns_):
        raise ValueError(f"n_features_in={n_features!r} does not match the {len(encoder.columns_)} columns")
    names = document["feature_names_in"]
    if names is not None and (len(names) != n_features or not all(isinstance(n, str) for n in names)):
        raise ValueError("feature_names_in must list one string per column")
    counts = ("n_iter",) if document["format_version"] >= 3 else ("n_iter", "ema_updates")
    for name in counts:
        if not is_int(document[name]) or document[name] < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {document[name]!r}")
    cell_inputs = document.get("cell_inputs", False)
    if not isinstance(cell_inputs, bool):
        raise ValueError(f"cell_inputs must be true or false, got {cell_inputs!r}")
    history = document["history"]
    if not isinstance(history, dict) or not all(isinstance(v, list) for v in history.values()):
        raise ValueError("history must map names to lists")
    if not {"loss", "validation_step", "validation_score"} <= set(history):
        raise ValueError("history must hold 'loss', 'validation_step' and 'validation_score'")
    if len(history["validation_step"]) != len(history["validation_score"]):
        raise ValueError("history must hold one validation score per validation step")
    if len(history["loss"]) != document["n_iter"]:
        raise ValueError(f"n_iter={document['n_iter']} does not match the {len(history['loss'])} losses in history")
    tilt = document.get("category_tilt")
    if tilt is not None:
        tilt = CategoryTilt.from_dict(tilt, encoder)
    return estimator, encoder, condition, cell_inputs, tilt


def _architecture(estimator, encoder, document: dict) -> Architecture:
    """The architecture the file's model was built with (default widths by the rule of its format version)."""
    sized_to_table = document["format_version"] >= 5
    return Architecture.of(estimator, encoder.n_model_columns if sized_to_table else None)


def _check_tensor_header(
    path: str, header: dict, document: dict, estimator, encoder, condition, cell_inputs: bool
) -> None:
    """The header's tensor names, dtypes and shapes must equal those of the model, built on the meta device."""
    from .core import EMA

    with torch.device("meta"):
        model = _architecture(estimator, encoder, document).build(encoder, condition, seed=0, cell_inputs=cell_inputs)
        ema = EMA(model, decay=estimator.ema_decay)
    expected = {f"model.{k}": v for k, v in model.state_dict().items()}
    expected.update({f"ema.{k}": v for k, v in ema.state_dict().items()})
    if document["format_version"] < 3:  # the count was in the document
        del expected[_EMA_COUNT]
    found = {k: v for k, v in header.items() if k != "__metadata__"}
    if set(found) != set(expected):
        missing, extra = sorted(set(expected) - set(found)), sorted(set(found) - set(expected))
        raise ValueError(
            f"{path!r} does not hold this model's tensors (missing {missing[:5]}, unexpected {extra[:5]})."
        )
    for name, tensor in expected.items():
        spec = found[name]
        if not isinstance(spec, dict) or spec.get("dtype") != _SAFETENSORS_DTYPES.get(tensor.dtype):
            raise ValueError(f"{path!r}: tensor {name!r} has dtype {spec.get('dtype')!r}, not {tensor.dtype}.")
        if spec.get("shape") != list(tensor.shape):
            raise ValueError(f"{path!r}: tensor {name!r} has shape {spec.get('shape')}, not {list(tensor.shape)}.")


_SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}


def _read_tensors(path: str, document: dict) -> dict[str, torch.Tensor]:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    try:
        tensors = load_file(path)
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"{path!r} is not a readable skbfn model file (truncated or damaged): {exc}") from exc
    if document["format_version"] == 1:
        intact = _tensor_digest_v1(tensors) == document["sha256"]
    else:
        intact = _digest(document, tensors) == document["sha256"]
    if not intact:
        raise ValueError(f"{path!r} has been altered or damaged: it does not match its recorded SHA-256 digest.")
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise ValueError(f"{path!r}: tensor {name!r} holds non-finite values.")
    if document["format_version"] < 3:
        tensors[_EMA_COUNT] = torch.tensor(document["ema_updates"], dtype=torch.int64)
    if int(tensors[_EMA_COUNT]) < 0:
        raise ValueError(f"{path!r}: the EMA's update count {int(tensors[_EMA_COUNT])} is negative.")
    return tensors


def _imputer_to_json(imputer) -> dict:
    params = imputer.get_params(deep=False)
    params.pop("estimator")
    if not (params["random_state"] is None or isinstance(params["random_state"], int | np.integer)):
        raise TypeError("skbfn.save stores random_state only as None or an int.")
    missing = params.pop("missing_values")
    from ._imputer import _is_nan_like

    params["missing_values"] = {"missing": True} if _is_nan_like(missing) else {"value": plain(missing)}
    return params


def _imputer_from_json(doc: dict, generator):
    from ._imputer import BFNImputer

    params = dict(doc)
    missing = params.pop("missing_values")
    params["missing_values"] = np.nan if missing.get("missing") else missing["value"]
    unknown = sorted(set(params) - set(BFNImputer._get_param_names()))
    if unknown:
        raise ValueError(f"unknown imputer parameters {unknown}")
    imputer = BFNImputer(type(generator)(**generator.get_params()), **params)
    imputer._validate_params()
    if imputer.n_draws > _WORK_LIMITS["n_elbo_draws"]:
        raise ValueError(
            f"n_draws={imputer.n_draws} is above the {_WORK_LIMITS['n_elbo_draws']} a loaded model may ask for"
        )
    imputer.generator_ = generator
    imputer.n_features_in_ = generator.n_features_in_
    if hasattr(generator, "feature_names_in_"):
        imputer.feature_names_in_ = generator.feature_names_in_
    return imputer
