"""What a fit runs with: the default profiles, and the settings of one training run resolved from them.

Every 'auto' value and default width of :class:`~skbfn.BFNGenerator` lives in
one table, :data:`PROFILES`, keyed by the *profile* a table gets
(:func:`default_profile`). :meth:`TrainingConfig.of` resolves an estimator's
parameters against that table once, for the table being fitted, as
:meth:`~skbfn._model.architecture.Architecture.of` does for the model's shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from .._inference.scoring import BoundSettings

__all__ = ["PROFILES", "Profile", "TrainingConfig", "auto_dropout", "default_profile", "resolved"]


@dataclass(frozen=True)
class Profile:
    """Defaults of one kind of model: what ``None`` and 'auto' mean for it.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int
        MLP block widths, or UNet channels per resolution level.
    max_iter, batch_size : int
        Optimiser steps and rows per minibatch.
    learning_rate_init : float
        AdamW learning rate.
    dropout : float
        Dropout of the MLP's blocks on a small table (see :func:`auto_dropout`).
    """

    hidden_layer_sizes: tuple[int, ...]
    max_iter: int
    batch_size: int
    learning_rate_init: float
    dropout: float = 0.0


# The measurements behind each value are in the parameters' documentation and the Choosing parameters page.
# 'small mlp' is the MLP over at most SMALL_MLP_MAX_COLUMNS model columns: on two moons (5000 rows) a 64-wide
# MLP fitted as well as the 128-wide one at the same batch (held-out bound -1.0519 and -1.0546 over two seeds,
# against -1.0522) in about half the time per row, so its default spends that time on more rows; on tables of
# 5 to 31 columns (wine, breast cancer, diabetes) it was worse (joint W1 1.921, 2.363, 1.070 against 1.797,
# 2.189, 1.009).
PROFILES = {
    "mlp": Profile(
        hidden_layer_sizes=(128, 128, 128), max_iter=2000, batch_size=1024, learning_rate_init=4e-3, dropout=0.5
    ),
    "small mlp": Profile(hidden_layer_sizes=(64, 64, 64), max_iter=3000, batch_size=2048, learning_rate_init=4e-3),
    "unet": Profile(hidden_layer_sizes=(32, 64), max_iter=1000, batch_size=128, learning_rate_init=1e-3),
}
SMALL_MLP_MAX_COLUMNS = 2
# The MLP's 'auto' max_iter shrinks for small tables, to 5 steps a row and at least 500 (see the max_iter
# parameter for what it changes on load_wine).
AUTO_STEPS_PER_ROW, AUTO_MIN_ITER = 5, 500
# 'auto' dropout: the profile's rate (Profile.dropout) on tables of at most AUTO_DROPOUT_MAX_ROWS training rows,
# none on larger ones (see the dropout parameter for the measurements).
AUTO_DROPOUT_MAX_ROWS = 2000


def auto_dropout(network: str, n_model_columns: int | None, n_rows: int | None) -> float:
    """The dropout rate 'auto' gives a network over ``n_model_columns`` columns trained on ``n_rows`` rows.

    None for ``n_rows`` (rows not known, or ``partial_fit``'s stream, which
    sees each row once) gives none.

    Examples
    --------
    >>> auto_dropout("mlp", 14, 150), auto_dropout("mlp", 14, 10_000), auto_dropout("mlp", 2, 150)
    (0.5, 0.0, 0.0)
    """
    if n_rows is None or n_rows > AUTO_DROPOUT_MAX_ROWS:
        return 0.0
    return PROFILES[default_profile(network, n_model_columns)].dropout


def default_profile(network: str, n_model_columns: int | None) -> str:
    """Which defaults a network over ``n_model_columns`` model columns takes: 'unet', 'mlp' or 'small mlp'.

    'small mlp' is the MLP over at most two model columns: narrower blocks,
    larger batches and more steps. None (a table not known yet) gives 'mlp'.

    Examples
    --------
    >>> default_profile("mlp", 2), default_profile("mlp", 3), default_profile("unet", 64)
    ('small mlp', 'mlp', 'unet')
    """
    if network == "mlp" and n_model_columns is not None and n_model_columns <= SMALL_MLP_MAX_COLUMNS:
        return "small mlp"
    return network


def resolved(estimator, name: str, n_model_columns: int | None):
    """The estimator's parameter ``name``, with None or 'auto' replaced by its profile's value."""
    value = getattr(estimator, name)
    if value is None or (isinstance(value, str) and value == "auto"):
        return getattr(PROFILES[default_profile(estimator.network, n_model_columns)], name)
    return value


@dataclass(frozen=True)
class TrainingConfig:
    """Settings of one training run (see :class:`skbfn.BFNGenerator` for their meaning).

    Build it with :meth:`of`, which resolves 'auto' values for the table.
    """

    max_iter: int
    batch_size: int
    learning_rate: float
    learning_rate_schedule: str
    weight_decay: float
    max_grad_norm: float | None
    bound: BoundSettings
    early_stopping: bool
    n_iter_no_change: int
    tol: float
    validation_interval: int
    verbose: int
    conditional_fraction: float = 0.0
    dropout: float = 0.0

    @classmethod
    def of(
        cls,
        estimator,
        *,
        encoder=None,
        n_rows: int | None = None,
        n_model_columns: int | None = None,
        one_pass_over: int | None = None,
    ) -> TrainingConfig:
        """The run an estimator's parameters ask for on ``n_rows`` rows of a table.

        ``encoder`` (a fitted table encoder) gives the number of model columns
        and the dequantisation widths; without one, ``n_model_columns`` (None:
        unknown) picks the profile. ``one_pass_over=n`` (``partial_fit``) is
        one epoch over n rows at a constant rate, without early stopping.

        Examples
        --------
        >>> from skbfn import BFNGenerator
        >>> config = TrainingConfig.of(BFNGenerator(), n_rows=10**6, n_model_columns=2)
        >>> config.max_iter, config.batch_size, config.learning_rate
        (3000, 2048, 0.004)
        """
        if encoder is not None:
            n_model_columns = encoder.n_model_columns
        one_pass = one_pass_over is not None
        batch_size = resolved(estimator, "batch_size", n_model_columns)
        if one_pass:
            max_iter = max(1, -(-one_pass_over // batch_size))
        else:
            max_iter = resolved(estimator, "max_iter", n_model_columns)
            if estimator.max_iter == "auto" and estimator.network == "mlp" and n_rows is not None:
                max_iter = min(max_iter, max(AUTO_MIN_ITER, AUTO_STEPS_PER_ROW * n_rows))
        return cls(
            max_iter=max_iter,
            batch_size=batch_size,
            learning_rate=resolved(estimator, "learning_rate_init", n_model_columns),
            learning_rate_schedule="constant" if one_pass else estimator.learning_rate_schedule,
            weight_decay=estimator.weight_decay,
            dropout=auto_dropout(estimator.network, n_model_columns, None if one_pass else n_rows)
            if estimator.dropout == "auto"
            else float(estimator.dropout),
            max_grad_norm=estimator.max_grad_norm,
            bound=BoundSettings.of(estimator, encoder, fitted=False),
            early_stopping=estimator.early_stopping and not one_pass,
            n_iter_no_change=estimator.n_iter_no_change,
            tol=estimator.tol,
            validation_interval=estimator.validation_interval,
            conditional_fraction=estimator.conditional_fraction,
            verbose=estimator.verbose,
        )
