"""One fit, from a validated table to a fitted state: encoders, model, training, category tilt.

:func:`fit_state` is what :meth:`skbfn.BFNGenerator.fit` and ``partial_fit``
run; it reads the estimator's parameters and changes nothing on it. The
estimator then adopts the returned :class:`FittedState` whole (or, if
anything raised, keeps the state it had).
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .._device import MAX_SEED, resolve_device, to_tensor
from .._encoding import ConditionEncoder, TableEncoder
from .._inference.category_tilt import CategoryTilt, training_counts
from .._inference.sampling import (
    SamplerSettings,
    fit_category_tilt,
    sampling_bounds,
    sampling_relations,
    sampling_repair,
    tilt_pool_rows,
)
from .._inference.scoring import RECONSTRUCTION_DIVISOR
from .._version import __version__
from ..core import BFN, EMA
from .architecture import Architecture, place, set_dropout
from .checkpoint import Checkpointer, run_key
from .config import TrainingConfig
from .distributed import current_replica
from .neighbour_noise import NeighbourNoise
from .training import train

__all__ = ["FittedState", "fit_state"]


@dataclass
class FittedState:
    """Everything a fit leaves on a :class:`~skbfn.BFNGenerator` (see its fitted attributes)."""

    model: BFN
    ema: EMA
    encoder: TableEncoder
    condition_encoder: ConditionEncoder | None
    category_tilt: CategoryTilt | None
    history: dict
    device: torch.device
    reconstruction_divisor: int = RECONSTRUCTION_DIVISOR

    @classmethod
    def of(cls, estimator) -> FittedState:
        """The fitted state of a fitted estimator."""
        attributes = ("model_", "ema_", "encoder_", "condition_encoder_", "category_tilt_", "history_", "device_")
        divisor = getattr(estimator, "reconstruction_divisor_", RECONSTRUCTION_DIVISOR)
        return cls(*(getattr(estimator, name) for name in attributes), reconstruction_divisor=divisor)

    def attributes(self) -> dict:
        """Every fitted attribute this state gives an estimator, by name (``classes_`` only for class labels)."""
        scores = list(self.history["validation_score"])
        attributes = {
            "model_": self.model.eval(),
            "ema_": self.ema,
            "encoder_": self.encoder,
            "condition_encoder_": self.condition_encoder,
            "category_tilt_": self.category_tilt,
            "column_roles_": self.encoder.roles,
            "device_": self.device,
            "reconstruction_divisor_": self.reconstruction_divisor,
            "history_": self.history,
            "n_iter_": len(self.history["loss"]),
            "loss_curve_": list(self.history["loss"]),
            "validation_scores_": scores if scores else None,
            "best_validation_score_": max(scores) if scores else None,
        }
        if self.condition_encoder is not None and self.condition_encoder.kind == "classes":
            attributes["classes_"] = self.condition_encoder.classes_
        return attributes


def fit_state(
    estimator, X, y, *, previous: FittedState | None, one_pass: bool, hidden: np.ndarray | None = None
) -> FittedState:
    """Fit ``estimator``'s model to the validated table ``X`` (and ``y``); ``previous`` continues an earlier fit.

    With ``previous`` (``warm_start``, later ``partial_fit`` calls) the
    encoders are kept and training continues from its weights; with
    ``one_pass``, training is one pass over the rows at a constant rate.
    ``hidden`` (a boolean mask over the model matrix of ``X``) names cells the
    model trains on as missing, although the encoders saw them.
    """
    device = resolve_device(estimator.device)
    if estimator.precision == "bfloat16" and device.type != "cuda":
        message = f"precision='bfloat16' applies on CUDA only; training on {device} in float32."
        warnings.warn(message, UserWarning, stacklevel=4)
    rng = check_random_state(estimator.random_state)
    init_seed, train_seed, split_seed, validation_seed = (int(s) for s in rng.randint(MAX_SEED, size=4))
    tilt_seed = int(rng.randint(MAX_SEED))

    if previous is not None:
        if (y is None) != (previous.condition_encoder is None):
            raise ValueError(
                "Continuing a fitted model (warm_start, partial_fit): pass y exactly when the first fit had it."
            )
        encoder, condition = previous.encoder, previous.condition_encoder
        X = encoder.split(X)  # a compound column as its parts
        beyond = encoder.columns_beyond_range(X)
        if beyond:
            warnings.warn(
                f"Columns {beyond[:10]} hold values outside the range of the rows the model was first fitted on; "
                "a continued fit (partial_fit, warm_start) keeps that range, so the model cannot learn or sample "
                "them. Make the first call's rows span every column's range, or fit anew.",
                UserWarning,
                stacklevel=5,
            )
        model, ema = copy.deepcopy(previous.model), copy.deepcopy(previous.ema)
        place(device, estimator.precision, model, ema)
        ema.decay = float(estimator.ema_decay)
    else:
        encoder = TableEncoder(
            estimator.categorical_features,
            estimator.discretised_features,
            estimator.max_bins,
            shared_range=estimator.network == "unet",
            continuous_transform=estimator.continuous_transform,
            column_roles=estimator.column_roles,
            max_categories=estimator.max_categories,
            reproduce_missing=estimator.reproduce_missing,
        ).fit(X)
        condition = None if y is None else ConditionEncoder(estimator.y_type).fit(y)
        model = Architecture.of(estimator, encoder.n_model_columns).build(encoder, condition, seed=init_seed)
        place(device, estimator.precision, model)
        ema = EMA(model, decay=estimator.ema_decay)

    X = encoder.split(X)  # as the encoder split it in fit
    encoded = encoder.transform(X)
    if hidden is not None:
        encoded = np.where(hidden, np.float32(np.nan), encoded)
    if not model.cell_inputs and np.isnan(encoded).any():
        raise ValueError(
            "This model was saved by an skbfn release without missing-value support: "
            "it cannot continue training on rows with missing cells."
        )
    cond = None if condition is None else condition.transform(y)
    counts = None
    if estimator.category_shares == "train":
        earlier = previous.category_tilt if previous is not None and one_pass else None
        counts = training_counts(encoder, encoded, earlier)
    validation = None
    if estimator.early_stopping and not one_pass:
        stratify = cond if condition is not None and condition.kind == "classes" else None
        parts = train_test_split(
            *(a for a in (encoded, cond) if a is not None),
            test_size=estimator.validation_fraction,
            random_state=split_seed,
            stratify=stratify,
        )
        encoded, encoded_validation = parts[0], parts[1]
        cond, cond_validation = (parts[2], parts[3]) if cond is not None else (None, None)
        validation = (to_tensor(encoded_validation, device), to_tensor(cond_validation, device))

    cell_widths = encoder.dequantisation_widths
    widths = None if cell_widths is None else cell_widths.of(encoded)  # before the placeholders: 0 where missing
    neighbour_noise = NeighbourNoise.of(
        encoded, encoder.model_kinds, scale=estimator.neighbour_noise, device=device
    )  # before the placeholders, which are not observed cells
    encoded = encoder.with_placeholders(encoded)  # missing cells with an indicator, in the training rows only
    config = TrainingConfig.of(
        estimator, encoder=encoder, n_rows=len(encoded), one_pass_over=len(encoded) if one_pass else None
    )
    set_dropout(model, config.dropout)
    n_done_before = len(previous.history["loss"]) if previous is not None else 0
    history = train(
        model,
        ema,
        config,
        to_tensor(encoded, device),
        to_tensor(cond, device),
        generator=torch.Generator(device=device).manual_seed(train_seed),
        validation=validation,
        validation_seed=validation_seed,
        replica=current_replica(),
        checkpoint=_checkpointer(estimator, encoded, cond, n_done_before),
        dequantisation_widths=to_tensor(widths, device),
        neighbour_noise=neighbour_noise,
    ).as_dict()
    if previous is not None:
        history["validation_step"] = [step + n_done_before for step in history["validation_step"]]
        history = {key: previous.history[key] + values for key, values in history.items()}

    tilt = None
    if counts is not None:
        generator = torch.Generator(device=device).manual_seed(tilt_seed)
        settings = SamplerSettings.of(estimator)
        pool_rows = tilt_pool_rows((len(history["loss"]) - n_done_before) * config.batch_size, settings.n_steps)
        bounds, relations = sampling_bounds(encoder, estimator), sampling_relations(encoder, estimator)
        tilt = fit_category_tilt(
            ema.module,
            settings,
            encoder,
            counts,
            generator,
            pool_rows=pool_rows,
            bounds=bounds,
            relations=relations,
            repair=sampling_repair(encoder, estimator, model),
        )
    return FittedState(model.eval(), ema, encoder, condition, tilt, history, device)


def _checkpointer(estimator, encoded: np.ndarray, cond: np.ndarray | None, continued_from_step: int):
    if estimator.checkpoint_dir is None:
        return None
    params = {**estimator.get_params(), "continued_from_step": continued_from_step, "skbfn_version": __version__}
    return Checkpointer(estimator.checkpoint_dir, estimator.checkpoint_interval, run_key(params, encoded, cond))
