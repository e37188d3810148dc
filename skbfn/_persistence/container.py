"""The model file: safetensors weights beside a JSON document, a digest over both, and the order of checks.

One file holds the tensors of the live and averaged networks and, in the
safetensors header, a JSON document: the estimator's own document
(:meth:`skbfn.BFNGenerator.to_dict`, :meth:`skbfn.BFNImputer.to_dict`), the
versions of skbfn and torch that wrote it, the format version, and a SHA-256
digest over all of it: the canonical JSON of the document and, for each
tensor, its name, dtype, shape and bytes. Anyone can recompute that digest,
so it detects corruption, not tampering; ``load(path, expected_sha256=...)``
checks a hash of the whole file that the user pinned, as ``pip
--require-hashes`` does.

Loading parses JSON and raw tensors only, and never runs code from the file.
It checks, in this order: the pinned hash; the header's format and version;
the upper bounds on the work one call may ask for; the estimator's document
(its parameters with the estimator's own constraints, its fitted state, the
two against each other); the tensor names, dtypes and shapes in the header
against a model built on the meta device; only then are the tensors read,
and the digest checked. Every refusal is a ValueError naming the file and
the problem. The history of the format is in :mod:`skbfn._formats`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings

import torch

from .._estimators import BFNGenerator, BFNImputer
from .._formats import (
    EMA_COUNT,
    FILE_FORMAT,
    FILE_FORMAT_VERSION,
    FILE_FORMATS,
    tensors_kept_in_document,
    upgrade_document,
)
from .._version import __version__

__all__ = ["InconsistentVersionWarning", "load", "save"]

# What the file adds around the estimator's document.
_CONTAINER_KEYS = ("format", "format_version", "skbfn_version", "torch_version", "sha256")
# Upper bounds on parameters read from a file, where a value could make one
# call to sample, score or transform run practically forever.
_WORK_LIMITS = {"n_steps": 100_000, "n_elbo_draws": 100_000, "n_loss_steps": 100_000, "time_embedding_dim": 1 << 16}
_IMPUTER_WORK_LIMITS = {"n_draws": 100_000}
# Network passes one sampled row may cost at most (the tilt's redraws add a bounded factor: every row is kept
# with probability at least 1/16, so a row takes 16 draws on average at worst).
_MAX_PASSES_PER_ROW = 1_000_000
# A model file may hold at most this many bytes, and its JSON header at most this many (safetensors allows
# 100 MB; a model's header is a few kilobytes to a few megabytes), checked before either is read or parsed.
_MAX_FILE_BYTES = 1 << 34
_MAX_HEADER_BYTES = 1 << 24
# What a recorded skbfn version may look like (it is echoed in a warning).
_VERSION = re.compile(r"[0-9A-Za-z.+!_-]{1,40}")
_SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.bool: "BOOL"}


# What a malformed document can raise while it is read and checked; each becomes a ValueError naming the file.
_MALFORMED = (
    KeyError,
    TypeError,
    IndexError,
    AttributeError,
    RecursionError,
    ValueError,
    OverflowError,
    RuntimeError,
    ImportError,
    MemoryError,
)


class _Refused(ValueError):
    """A refusal whose message already names the file."""


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

    check_is_fitted(estimator)
    document = {
        "format": FILE_FORMAT,
        "format_version": FILE_FORMAT_VERSION,
        "skbfn_version": __version__,
        "torch_version": torch.__version__,
        **estimator.to_dict(),
    }
    tensors = estimator.state_tensors()
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
    data = _read_file(path)  # the one read: the hash, the header and the tensors all come from these bytes
    if expected_sha256 is not None:
        _check_hash(path, data, expected_sha256)
    header, original = _read_header(path, data)
    try:
        document = _estimator_document(original)
        _check_work_limits(document)
    except _MALFORMED as exc:
        raise ValueError(f"{path!r} holds an invalid model description: {_describe(exc)}") from exc
    if document.get("imputer") is None:
        document.pop("imputer", None)  # files of generators hold "imputer": null
    cls = BFNImputer if "imputer" in document else BFNGenerator

    def read_tensors(expected: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return _read_tensors(path, data, header, original, expected)

    try:
        return cls.from_dict(document, read_tensors)
    except _Refused:
        raise
    except _MALFORMED as exc:
        raise ValueError(f"{path!r} holds an invalid model description: {_describe(exc)}") from exc


def _estimator_document(original: dict) -> dict:
    """The estimator's document in today's form, without the file's own entries; checkpoint_dir dropped."""
    document = upgrade_document(original)
    for key in _CONTAINER_KEYS:
        document.pop(key, None)
    params = document["params"]
    if params.get("checkpoint_dir") is not None:
        warnings.warn(
            f"The file sets checkpoint_dir={ascii(str(params['checkpoint_dir']))[:80]}; a loaded model never "
            "writes where its file says, so checkpoint_dir is None. Set it yourself to checkpoint further fits.",
            UserWarning,
            stacklevel=4,
        )
    params["checkpoint_dir"] = None
    return document


def _check_work_limits(document: dict) -> None:
    """Refuse settings under which one call would run practically forever."""
    limited = [(document["params"], _WORK_LIMITS)]
    if document.get("imputer") is not None:
        limited.append((document["imputer"], _IMPUTER_WORK_LIMITS))
    for settings, limits in limited:
        for name, limit in limits.items():
            value = settings.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value > limit:
                raise ValueError(f"{name}={value} is above the {limit} a loaded model may ask for")
    # products of limits multiply the work: sampler steps times the draws of one imputed row
    n_steps, n_draws = document["params"].get("n_steps"), (document.get("imputer") or {}).get("n_draws", 1)
    if all(isinstance(v, int) and not isinstance(v, bool) for v in (n_steps, n_draws)):
        if n_steps * n_draws > _MAX_PASSES_PER_ROW:
            raise ValueError(
                f"n_steps={n_steps} times n_draws={n_draws} network passes a row is above the "
                f"{_MAX_PASSES_PER_ROW} a loaded model may ask for"
            )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return f"missing entry {exc}"
    if isinstance(exc, RecursionError):
        return "the document is nested too deeply"
    return str(exc)


def _read_file(path: str) -> bytes:
    """The whole file, read through one descriptor, refused above ``_MAX_FILE_BYTES`` before it is read."""
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > _MAX_FILE_BYTES:
            raise ValueError(f"{path!r} holds {size} bytes, more than a model file may ({_MAX_FILE_BYTES}).")
        return handle.read(size)


def _check_hash(path: str, data: bytes, expected: str) -> None:
    found = hashlib.sha256(data).hexdigest()
    if found != str(expected).strip().lower():
        raise ValueError(f"{path!r} does not match expected_sha256: its SHA-256 is {found}.")


def _read_header(path: str, data: bytes) -> tuple[dict, dict]:
    """The safetensors header (tensor specs) and the skbfn document, checked for size, format and version."""
    try:
        header_size = int.from_bytes(data[:8], "little")
        if header_size > len(data) - 8:
            raise ValueError(f"its header claims {header_size} bytes, more than the file holds")
        if header_size > _MAX_HEADER_BYTES:
            raise ValueError(f"its header of {header_size} bytes is larger than {_MAX_HEADER_BYTES} bytes")
        header = json.loads(data[8 : 8 + header_size])
        metadata = header["__metadata__"]
        if not isinstance(metadata, dict) or set(metadata) != {"skbfn"}:
            raise ValueError("its metadata must hold the skbfn document and nothing else")
        document = json.loads(metadata["skbfn"])
        if not isinstance(document, dict):
            raise TypeError("the document is not a JSON object")
    except (KeyError, TypeError, ValueError, RecursionError) as exc:
        raise ValueError(
            f"{path!r} is not a readable skbfn model file (truncated or not written by skbfn.save): {_describe(exc)}"
        ) from exc
    version = document.get("format_version")
    if document.get("format") != FILE_FORMAT or type(version) is not int:
        raise ValueError(f"{path!r} is not an skbfn model file (format {document.get('format')!r}).")
    if version not in FILE_FORMATS:
        newer = version > FILE_FORMAT_VERSION
        raise ValueError(
            f"{path!r} holds format version {version}, which this skbfn ({__version__}) cannot read"
            + ("; it was written by a newer skbfn: upgrade to load it." if newer else ".")
        )
    written_by = document.get("skbfn_version")
    if not (isinstance(written_by, str) and _VERSION.fullmatch(written_by)):
        raise ValueError(f"{path!r} does not record, as a version number, the skbfn version that wrote it.")
    if version == 1:
        warnings.warn(
            f"{path!r} is in format 1, whose digest covers the tensors only: its parameters and fitted state "
            "are not covered, so a changed document goes undetected. Load only format-1 files you trust, "
            "and save them again to sign them whole.",
            UserWarning,
            stacklevel=3,
        )
    if written_by != __version__:
        warnings.warn(
            f"{path!r} was written by skbfn {written_by} and is read by skbfn {__version__}; "
            "it may not behave the same.",
            InconsistentVersionWarning,
            stacklevel=3,
        )
    return header, document


def _read_tensors(path: str, data: bytes, header: dict, document: dict, expected: dict[str, torch.Tensor]):
    """The file's tensors, once the header's names, dtypes and shapes match ``expected``; digest checked."""
    from safetensors import SafetensorError
    from safetensors.torch import load as load_bytes

    kept = tensors_kept_in_document(document)
    found = {k: v for k, v in header.items() if k != "__metadata__"}
    stored = {k: v for k, v in expected.items() if k not in kept}
    if set(found) != set(stored):
        missing, extra = sorted(set(stored) - set(found)), sorted(set(found) - set(stored))
        raise _Refused(f"{path!r} does not hold this model's tensors (missing {missing[:5]}, unexpected {extra[:5]}).")
    for name, tensor in stored.items():
        spec = found[name]
        if not isinstance(spec, dict) or spec.get("dtype") != _SAFETENSORS_DTYPES.get(tensor.dtype):
            raise _Refused(f"{path!r}: tensor {name!r} has dtype {spec.get('dtype')!r}, not {tensor.dtype}.")
        if spec.get("shape") != list(tensor.shape):
            raise _Refused(f"{path!r}: tensor {name!r} has shape {spec.get('shape')}, not {list(tensor.shape)}.")
    try:
        tensors = load_bytes(data)
    except (SafetensorError, OSError, ValueError) as exc:
        raise _Refused(f"{path!r} is not a readable skbfn model file (truncated or damaged): {exc}") from exc
    try:
        intact = _tensor_digest_v1(tensors) if document["format_version"] == 1 else _digest(document, tensors)
    except (RecursionError, TypeError, ValueError) as exc:  # a document nested too deeply to write canonically
        raise _Refused(f"{path!r} holds an invalid model description: {_describe(exc)}") from exc
    if intact != document["sha256"]:
        raise _Refused(f"{path!r} has been altered or damaged: it does not match its recorded SHA-256 digest.")
    for name, tensor in tensors.items():
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise _Refused(f"{path!r}: tensor {name!r} holds non-finite values.")
    tensors.update(kept)
    if int(tensors[EMA_COUNT]) < 0:
        raise _Refused(f"{path!r}: the EMA's update count {int(tensors[EMA_COUNT])} is negative.")
    return tensors
