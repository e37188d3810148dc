"""The parameters of :class:`~skbfn.BFNGenerator`: what each one may hold (scikit-learn's constraints)."""

from __future__ import annotations

import os
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval, StrOptions

from ..core.samplers import SAMPLERS

__all__ = ["PARAMETER_CONSTRAINTS"]

PARAMETER_CONSTRAINTS = {
    "sigma_1": [Interval(Real, 0, 1, closed="neither")],
    "hidden_layer_sizes": ["array-like", None],
    "network": [StrOptions({"mlp", "unet"})],
    "image_shape": ["array-like", None],
    "time_embedding_dim": [Interval(Integral, 2, None, closed="left")],
    "max_iter": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "learning_rate_init": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "learning_rate_schedule": [StrOptions({"constant", "cosine"})],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "neighbour_noise": [Interval(Real, 0, None, closed="left")],
    "dropout": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    "ema_decay": [Interval(Real, 0, 1, closed="left")],
    "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "loss": [StrOptions({"continuous", "discrete"})],
    "n_loss_steps": [Interval(Integral, 1, None, closed="left")],
    "cond_drop_prob": [Interval(Real, 0, 1, closed="both")],
    "conditional_fraction": [Interval(Real, 0, 1, closed="both")],
    "guidance_scale": [Interval(Real, None, None, closed="neither")],
    "rescaled_phi": [Interval(Real, 0, 1, closed="both")],
    "n_steps": [Interval(Integral, 1, None, closed="left")],
    "sampler": [StrOptions(set(SAMPLERS))],
    "n_elbo_draws": [Interval(Integral, 1, None, closed="left")],
    "y_type": [StrOptions({"auto", "classes", "values"})],
    "categorical_features": [StrOptions({"auto"}), "array-like", None],
    "discretised_features": [StrOptions({"auto"}), "array-like", None],
    "max_bins": [Interval(Integral, 2, None, closed="left")],
    "column_roles": [dict, None],
    "max_categories": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
    "continuous_transform": [StrOptions({"heavy_tails", "auto", "quantile", "affine"})],
    "beta_1": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
    "category_shares": [StrOptions({"train", "model"})],
    "enforce_bounds": ["boolean"],
    "reproduce_missing": ["boolean"],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    "tol": [Interval(Real, 0, None, closed="left")],
    "validation_interval": [Interval(Integral, 1, None, closed="left")],
    "warm_start": ["boolean"],
    "checkpoint_dir": [str, os.PathLike, None],
    "checkpoint_interval": [Interval(Integral, 1, None, closed="left")],
    "device": [str],
    "precision": [StrOptions({"float32", "bfloat16"})],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}
