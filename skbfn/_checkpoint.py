"""Checkpoints of a fit in progress, to resume it after a crash.

A checkpoint holds the live and averaged weights, the optimiser and schedule
states, the step reached and the losses so far, under a *run key*: a digest of
the estimator's training parameters and of the training data. A fit that finds
a checkpoint with its own run key resumes from it; one with another key starts
afresh (with a warning) and overwrites it. The file is removed when the fit
completes. It is written with ``torch.save`` (atomically, through a temporary
file) and read with ``torch.load(weights_only=True)``, which unpickles tensors
and plain containers only.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from pathlib import Path

import numpy as np
import torch

__all__ = ["Checkpointer", "run_key"]

_FILE = "skbfn-checkpoint.pt"
# Parameters that do not change what training computes.
_NOT_IN_KEY = {
    "verbose",
    "checkpoint_dir",
    "checkpoint_interval",
    "n_steps",
    "sampler",
    "guidance_scale",
    "rescaled_phi",
    "n_elbo_draws",
    "device",
}


def run_key(params: dict, *arrays: np.ndarray | None) -> str:
    """Digest of the training parameters and the training data."""
    sha = hashlib.sha256()
    relevant = {k: repr(v) for k, v in sorted(params.items()) if k not in _NOT_IN_KEY}
    sha.update(json.dumps(relevant, sort_keys=True).encode())
    for array in arrays:
        if array is not None:
            sha.update(np.ascontiguousarray(array).tobytes())
    return sha.hexdigest()


class Checkpointer:
    """Writes and reads the checkpoint of one run in ``directory`` every ``interval`` steps."""

    def __init__(self, directory: str | os.PathLike, interval: int, key: str) -> None:
        self.path = Path(directory) / _FILE
        self.interval = interval
        self.key = key

    def restore(self, model, ema, optimizer, scheduler) -> tuple[int, list[float]] | None:
        """Load a matching checkpoint into the given objects; returns ``(step, losses)`` or None."""
        if not self.path.exists():
            return None
        try:
            state = torch.load(self.path, map_location="cpu", weights_only=True)
        except Exception as exc:  # a checkpoint cut short by the crash itself
            warnings.warn(f"Ignoring the unreadable checkpoint {self.path}: {exc}", UserWarning, stacklevel=4)
            return None
        if state.get("key") != self.key:
            warnings.warn(
                f"The checkpoint in {self.path.parent} belongs to another run (other parameters or data); "
                "starting afresh and overwriting it.",
                UserWarning,
                stacklevel=4,
            )
            return None
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        ema.n_updates = state["ema_updates"]
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None and state["scheduler"] is not None:
            scheduler.load_state_dict(state["scheduler"])
        return state["step"], state["losses"]

    def write(self, step: int, model, ema, optimizer, scheduler, losses: list[float]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {
            "key": self.key,
            "step": step,
            # inside a data-parallel run the network is wrapped: store the plain module's names
            "model": {k.replace("net.module.", "net.", 1): v for k, v in model.state_dict().items()},
            "ema": ema.state_dict(),
            "ema_updates": ema.n_updates,
            "optimizer": optimizer.state_dict(),
            "scheduler": None if scheduler is None else scheduler.state_dict(),
            "losses": losses,
        }
        partial = self.path.with_suffix(".partial")
        torch.save(state, partial)
        os.replace(partial, self.path)  # atomic: a crash never leaves half a checkpoint

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
