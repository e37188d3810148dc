"""What an optimiser and a learning-rate schedule read from a checkpoint must be before a fit adopts them.

A checkpoint's optimiser state goes straight into AdamW's kernels: a moment
of the wrong shape makes the fused CPU kernel write out of bounds (a crash of
the whole process), and a NaN, a negative second moment, a learning rate of
10^6 or a schedule of length 0 would silently ruin the fit. Each function
here returns why a saved state cannot be adopted, or None; the fit then
warns and starts afresh.
"""

from __future__ import annotations

import math

import torch

__all__ = ["invalid_optimizer_state", "invalid_scheduler_state"]

_MOMENTS = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def invalid_optimizer_state(saved, optimizer: torch.optim.Optimizer, step: int) -> str | None:
    """Why ``saved`` (an AdamW ``state_dict``) cannot replace ``optimizer``'s state after ``step`` steps.

    The parameter groups must hold the same parameters and hyperparameters as
    ``optimizer``'s (the learning rate only within ``[0, initial_lr]``, as a
    schedule leaves it); every moment must have its parameter's shape and
    dtype and be finite, second moments non-negative, and the step count an
    integer from 0 to ``step``.
    """
    own = optimizer.state_dict()
    if not isinstance(saved, dict) or set(saved) != {"state", "param_groups"}:
        return "its optimiser state is not an optimiser's"
    groups, own_groups = saved["param_groups"], own["param_groups"]
    if not isinstance(groups, list) or len(groups) != len(own_groups):
        return "its optimiser has other parameter groups"
    for group, own_group in zip(groups, own_groups, strict=True):
        if not isinstance(group, dict) or set(group) != set(own_group):
            return "its optimiser's settings are not this fit's"
        for name, value in own_group.items():
            if name == "lr":
                ceiling = own_group.get("initial_lr", value)
                if not (_is_number(group[name]) and 0 <= group[name] <= ceiling * (1 + 1e-9)):
                    return f"its learning rate {group[name]!r} is not within this fit's schedule"
            elif group[name] != value:
                return f"its optimiser's {name} is {group[name]!r}, not this fit's {value!r}"
    parameters = [p for group in optimizer.param_groups for p in group["params"]]
    state = saved["state"]
    if not isinstance(state, dict) or not set(state) <= set(range(len(parameters))):
        return "its optimiser state names other parameters"
    for index, moments in state.items():
        parameter = parameters[index]
        if not isinstance(moments, dict) or not {"step", "exp_avg", "exp_avg_sq"} <= set(moments):
            return f"its optimiser state of parameter {index} is incomplete"
        if not set(moments) <= {"step", *_MOMENTS}:
            return f"its optimiser state of parameter {index} holds unknown entries"
        count = moments["step"]
        count = float(count) if isinstance(count, torch.Tensor) and count.numel() == 1 else count
        if not (_is_number(count) and count == int(count) and 0 <= count <= step):
            return f"its optimiser step count {count!r} is not from 0 to {step}"
        for name in _MOMENTS:
            if name not in moments:
                continue
            moment = moments[name]
            if not isinstance(moment, torch.Tensor) or moment.shape != parameter.shape:
                return f"its optimiser's {name} of parameter {index} has another shape than the parameter"
            if moment.dtype != parameter.dtype or not bool(torch.isfinite(moment).all()):
                return f"its optimiser's {name} of parameter {index} is not finite {parameter.dtype}"
            if name != "exp_avg" and bool((moment < 0).any()):
                return f"its optimiser's {name} of parameter {index} is negative"
    return None


def invalid_scheduler_state(saved, scheduler, step: int) -> str | None:
    """Why ``saved`` cannot replace ``scheduler``'s state after ``step`` steps (None: no schedule)."""
    if scheduler is None:
        return None if saved is None else "it holds a learning-rate schedule this fit does not have"
    own = scheduler.state_dict()
    if not isinstance(saved, dict) or set(saved) != set(own):
        return "its learning-rate schedule is not this fit's"
    for name in ("T_max", "eta_min", "base_lrs"):
        if name in own and saved[name] != own[name]:
            return f"its schedule's {name} is {saved[name]!r}, not this fit's {own[name]!r}"
    if saved.get("last_epoch") != step:
        return f"its schedule stands at step {saved.get('last_epoch')!r}, not {step}"
    last = saved.get("_last_lr", [])
    if not (isinstance(last, list) and all(_is_number(v) and v >= 0 for v in last)):
        return "its schedule's learning rates are not finite"
    return None
