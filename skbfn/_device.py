"""Choosing the torch device from the estimator's ``device`` parameter."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = [
    "MAX_SEED",
    "NETWORK_ROWS",
    "available_device",
    "batch_kind",
    "numpy_generator",
    "resolve_device",
    "to_tensor",
    "torch_generator",
]


def resolve_device(spec: str) -> torch.device:
    """The device named by ``spec``; 'auto' is CUDA when available, else CPU.

    Raises ValueError for an unknown name or a CUDA device that is not there.
    """
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(spec)
    except RuntimeError as exc:
        raise ValueError(
            f"device must be 'auto' or a torch device name such as 'cpu' or 'cuda', got {spec!r}."
        ) from exc
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={spec!r} was asked for, but CUDA is not available here; use 'auto' or 'cpu'.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise ValueError(f"device={spec!r}: only {torch.cuda.device_count()} CUDA device(s) are present.")
    return device


def available_device(spec: str) -> torch.device:
    """Like :func:`resolve_device`, but falls back to the CPU when that device is missing.

    Used when loading a model that may have been trained on another machine.
    """
    try:
        return resolve_device(spec)
    except ValueError:
        return torch.device("cpu")


def batch_kind(device: torch.device) -> str:
    """'cuda' or 'cpu': which batch sizes suit ``device`` (any other accelerator gets the CPU's, the cautious ones)."""
    return "cuda" if device.type == "cuda" else "cpu"


# Rows in one network batch of the sampler and the scorer, by device type. On a CPU a batch is memory-bound
# once its activations spill out of the caches: the default MLP's forward pass over 65,536 rows took 453 ms
# in one batch and 182 ms in 16 batches of 4,096 on two cores (rows of 128 floats: 2 MB a layer), and
# sampling 100,000 rows of benchmarks/bench_scale.py's 10-column table took 11.5 s in runs of 65,536 rows,
# 6.9 s in runs of 8,192, 5.9 s in runs of 4,096 and 6.8 s in runs of 2,048 (medians of 3). A GPU needs
# large batches to be busy: each step of a batch is many small kernels, whose launches cost the same at any
# size.
NETWORK_ROWS = {"cpu": 4096, "cuda": 262_144}


def to_tensor(array: np.ndarray | None, device: torch.device) -> torch.Tensor | None:
    """``array`` as a tensor on ``device`` (its dtype kept); None stays None."""
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array)).to(device)


# Seeds drawn from a random_state lie in [0, MAX_SEED).
MAX_SEED = np.iinfo(np.int32).max


def torch_generator(random_state, device: torch.device) -> torch.Generator:
    """A torch generator on ``device``, seeded from ``random_state`` (None, an int or a RandomState)."""
    seed = int(check_random_state(random_state).randint(MAX_SEED))
    return torch.Generator(device=device).manual_seed(seed)


def numpy_generator(generator: torch.Generator) -> np.random.Generator:
    """A NumPy generator seeded by the next draw of ``generator`` (on its device), for draws made in NumPy."""
    return np.random.default_rng(int(torch.randint(MAX_SEED, (), generator=generator, device=generator.device)))
