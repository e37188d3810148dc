"""Checkpoints of a fit in progress, to resume it after a crash.

A checkpoint holds the live and averaged weights, the optimiser and schedule
states, the step reached and the losses so far, under a *run key*: a digest of
the estimator's training parameters and of the training data. A fit that finds
a checkpoint with its own run key resumes from it; one with another key starts
afresh (with a warning) and overwrites it. The file is removed when the fit
completes. It is written with ``torch.save`` (atomically, through a temporary
file) and read with ``torch.load(weights_only=True)``, which unpickles tensors
and plain containers only.

The directory should be private to the user, as the weights reveal the data:
it is created with mode 0700 and files with 0600, through a fresh temporary
file (``O_CREAT | O_EXCL | O_NOFOLLOW``) that is then renamed into place. A
checkpoint is read only if it is a regular file owned by the user, in a
directory that group and others cannot write, opened without following links
or blocking, and only if every field checks out (keys, step range, losses,
tensor shapes). Anything else gets a warning and a fresh start.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import stat
import tempfile
import warnings
from pathlib import Path

import numpy as np
import torch

from .resume_checks import invalid_optimizer_state, invalid_scheduler_state

__all__ = ["Checkpointer", "run_key"]

_FILE = "skbfn-checkpoint.pt"
_KEYS = {"key", "step", "model", "ema", "optimizer", "scheduler", "losses"}
# Refuse checkpoints far larger than any plausible model, before reading them.
_MAX_BYTES = 1 << 34
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


def _shown(path) -> str:
    """A path for a message: escaped, and cut short if it is long."""
    text = ascii(str(path))
    return text if len(text) <= 120 else text[:117] + "..."


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
        self._check_directory()

    def _check_directory(self) -> None:
        """Refuse, before a fit starts, a directory that others could write or that is not a directory."""
        try:
            info = os.lstat(self.path.parent)
        except FileNotFoundError:
            return  # created privately at the first checkpoint
        where = _shown(self.path.parent)
        if not stat.S_ISDIR(info.st_mode):
            raise ValueError(f"checkpoint_dir {where} is not a directory (or is a link to one).")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise ValueError(f"checkpoint_dir {where} belongs to another user: checkpoints hold the weights.")
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise ValueError(f"checkpoint_dir {where} can be written by group or others: make it private (0700).")
        if self.path.is_dir():
            raise ValueError(f"checkpoint_dir {where} holds a directory named {_FILE}; remove it.")

    def _ignore(self, why: str) -> None:
        warnings.warn(f"Ignoring the checkpoint {self.path}: {why}; starting afresh.", UserWarning, stacklevel=4)

    def _read(self) -> dict | None:
        """The checkpoint's contents, or None (with a warning) when it is not a safe, readable file."""
        try:
            directory = os.stat(self.path.parent)
        except FileNotFoundError:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            descriptor = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except OSError as exc:  # a symbolic link (ELOOP), or unreadable
            self._ignore(f"it cannot be opened safely ({exc.strerror})")
            return None
        info = os.fstat(descriptor)  # before fdopen, which refuses a directory with an error of its own
        if not stat.S_ISREG(info.st_mode):
            os.close(descriptor)
            self._ignore("it is not a regular file")
            return None
        with os.fdopen(descriptor, "rb") as handle:
            if hasattr(os, "getuid") and (info.st_uid != os.getuid() or directory.st_uid != os.getuid()):
                self._ignore("it or its directory belongs to another user")
                return None
            if directory.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                self._ignore("its directory can be written by group or others")
                return None
            if info.st_size > _MAX_BYTES:
                self._ignore("it is implausibly large")
                return None
            data = handle.read()
        try:
            state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        except Exception as exc:  # a checkpoint cut short by the crash itself
            self._ignore(f"it is unreadable ({exc})")
            return None
        if not isinstance(state, dict):
            self._ignore("it is not a checkpoint")
            return None
        return state

    def _invalid(self, state: dict, own: dict[str, dict], max_iter: int) -> str | None:
        """Why the checkpoint cannot be adopted, or None when every field checks out."""
        if set(state) != _KEYS:
            return "its fields are not those of a checkpoint"
        step, losses = state["step"], state["losses"]
        if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step:
            return f"its step {step!r} is not a count"
        if step >= max_iter:
            return f"its step {step} is not below max_iter={max_iter}"
        if not isinstance(losses, list) or len(losses) != step:
            return "its losses do not match its step"
        if not all(isinstance(v, float) and math.isfinite(v) for v in losses):
            return "its losses are not all finite numbers"
        for name, tensors in own.items():
            saved = state[name]
            if not isinstance(saved, dict) or set(saved) != set(tensors):
                return f"its {name} weights name other tensors than this model's"
            for key, tensor in tensors.items():
                value = saved[key]
                if not isinstance(value, torch.Tensor) or value.shape != tensor.shape or value.dtype != tensor.dtype:
                    return f"its {name} tensor {key!r} differs in shape or dtype from this model's"
                if value.is_floating_point() and not bool(torch.isfinite(value).all()):
                    return f"its {name} tensor {key!r} holds non-finite values"
        if int(state["ema"]["n_updates"]) < 0:
            return "its EMA update count is negative"
        return None

    def restore(self, model, ema, optimizer, scheduler, max_iter: int) -> tuple[int, list[float]] | None:
        """Load a valid, matching checkpoint of a run of ``max_iter`` steps; returns ``(step, losses)`` or None."""
        state = self._read()
        if state is None:
            return None
        if state.get("key") != self.key:
            warnings.warn(
                f"The checkpoint in {self.path.parent} belongs to another run (other parameters or data); "
                "starting afresh and overwriting it.",
                UserWarning,
                stacklevel=3,
            )
            return None
        # restore runs before any data-parallel wrapping, so the names are the plain module's, as written
        why = self._invalid(state, {"model": model.state_dict(), "ema": ema.state_dict()}, max_iter)
        if why is not None:
            self._ignore(why)
            return None
        why = invalid_optimizer_state(state["optimizer"], optimizer, state["step"])
        why = why or invalid_scheduler_state(state["scheduler"], scheduler, state["step"])
        if why is not None:
            self._ignore(why)
            return None
        saved_optimizer = optimizer.state_dict()
        try:
            optimizer.load_state_dict(state["optimizer"])
            if scheduler is not None and state["scheduler"] is not None:
                scheduler.load_state_dict(state["scheduler"])
        except (KeyError, TypeError, ValueError, RuntimeError) as exc:
            optimizer.load_state_dict(saved_optimizer)
            self._ignore(f"its optimiser state does not fit ({exc})")
            return None
        model.load_state_dict(state["model"])
        ema.load_state_dict(state["ema"])
        return state["step"], state["losses"]

    def write(self, step: int, model, ema, optimizer, scheduler, losses: list[float]) -> None:
        """Write the checkpoint privately and atomically (a crash never leaves half of one)."""
        directory = self.path.parent
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        state = {
            "key": self.key,
            "step": step,
            # inside a data-parallel run the network is wrapped: store the plain module's names
            "model": {k.replace("net.module.", "net.", 1): v for k, v in model.state_dict().items()},
            "ema": ema.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": None if scheduler is None else scheduler.state_dict(),
            "losses": [float(v) for v in losses],
        }
        # mkstemp opens with O_CREAT | O_EXCL (and O_NOFOLLOW where there is one), mode 0600, a fresh name
        descriptor, partial = tempfile.mkstemp(prefix=".skbfn-checkpoint-", suffix=".partial", dir=directory)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                torch.save(state, handle)
            os.replace(partial, self.path)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
