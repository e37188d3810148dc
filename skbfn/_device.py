"""Choosing the torch device from the estimator's ``device`` parameter."""

from __future__ import annotations

import torch

__all__ = ["available_device", "batch_kind", "resolve_device"]


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
