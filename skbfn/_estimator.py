"""BFNGenerator: a Bayesian Flow Network as a scikit-learn estimator."""

from __future__ import annotations

import copy
import os
import warnings
from contextlib import contextmanager
from numbers import Integral, Real
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.utils import check_array, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, check_is_fitted, validate_data

from ._architecture import Architecture, default_profile, place
from ._category_tilt import CategoryTilt, category_counts, rejection_sample
from ._checkpoint import Checkpointer, run_key
from ._columns import TableEncoder
from ._conditioning import ConditionEncoder
from ._device import available_device, batch_kind, resolve_device
from ._distributed import current_replica
from ._scoring import elbo_per_row
from ._training import TrainingConfig, train
from .core import BFN, EMA, CellMask
from .core.samplers import SAMPLERS

__all__ = ["BFNGenerator"]

_MAX_SEED = np.iinfo(np.int32).max
# sample() draws at most this many rows per sampler run, so that its memory stays bounded however many
# rows are asked for: sample(200_000) of a 10-column table peaked at 695 MB, against 1128 MB in one run.
# A GPU takes larger runs: each step of a run is many small kernels, whose launches cost the same at any size.
_SAMPLE_BATCH = {"cpu": 65_536, "cuda": 262_144}
# What 'auto' means for each default profile (skbfn._architecture.default_profile; see the parameters'
# documentation for the measurements behind them).
_AUTO = {
    "mlp": {"max_iter": 2000, "batch_size": 1024, "learning_rate_init": 4e-3},
    "small mlp": {"max_iter": 3000, "batch_size": 2048, "learning_rate_init": 4e-3},
    "unet": {"max_iter": 1000, "batch_size": 128, "learning_rate_init": 1e-3},
}
# The MLP's 'auto' max_iter shrinks for small tables, to 5 steps a row and at least 500 (see the max_iter
# parameter for what it changes on load_wine).
_AUTO_STEPS_PER_ROW, _AUTO_MIN_ITER = 5, 500
# Rows drawn after fit to measure the network's category shares for category_shares='train': a share's
# standard error is then at most 0.0035.
_TILT_POOL_ROWS = 20_000


class BFNGenerator(DensityMixin, BaseEstimator):
    """Generative model of tables and images with a Bayesian Flow Network.

    Learns the distribution of the rows of ``X`` (optionally given a condition
    ``y``: class labels or real values) with a BFN (Graves et al., 2023), then
    draws new rows with :meth:`sample` and scores rows with a lower bound on
    their log-likelihood (:meth:`score_samples`).

    Columns may mix three data types, modelled jointly by one network over
    several flows that share one time: real-valued columns use the continuous
    flow, integer-valued columns with few levels the discretised flow (one
    bin per integer), and categorical columns (strings, pandas categories,
    booleans) the categorical flow. A categorical column with a single
    category is repeated as is. DataFrames come back as DataFrames with the
    same column names, order, dtypes and categories.

    Missing cells (NaN, None, ``pd.NA``) are allowed in every column: the
    model learns from the observed cells (the network is told which cells it
    sees, and the loss counts only observed cells). One model then draws
    whole rows, completes partly known rows (``sample(..., given=...)``, and
    :class:`BFNImputer`), and scores incomplete rows by a bound on the
    likelihood of their observed cells.

    Real-valued columns are mapped into the flow's range (affinely, or after
    normal scores: ``continuous_transform``), so data of any
    scale work without a scaler; samples come back in the original units, and
    scores include the exact log-Jacobian of that map, comparable with e.g.
    :meth:`sklearn.mixture.GaussianMixture.score_samples`.

    Parameters
    ----------
    sigma_1 : float, default=0.01
        Standard deviation of the flow at ``t = 1`` in scaled units (the data
        span ``[-0.9, 0.9]``). Smaller values resolve finer detail.
    hidden_layer_sizes : tuple of int, default=None
        For ``network='mlp'``, the widths of the residual blocks (None:
        ``(128, 128, 128)``, or ``(64, 64, 64)`` for tables of at most two
        model columns, where the narrower network fits as well and the time
        goes to more rows: see ``batch_size``); for ``network='unet'``, the
        channels at each resolution level, each level halving the image
        (None: ``(32, 64)``).
    network : {'mlp', 'unet'}, default='mlp'
        'mlp': a residual MLP over the rows. 'unet': a UNet
        (:class:`skbfn.core.nets.UNet`, with self-attention at the lowest
        resolution) over rows that are flattened images, as scikit-learn's
        image data sets give them (e.g. :func:`~sklearn.datasets.load_digits`).
        With 'unet' every column is a pixel, and all pixels share one data
        type and one range: discretised (one bin per grey level) when all
        values are integers spanning at most ``max_bins`` levels and
        ``discretised_features`` is 'auto' (or selects every column); else
        continuous. Pixel values seen in fit set the range.
    image_shape : tuple of int, default=None
        Shape of one image for ``network='unet'``: ``(height, width)`` or
        ``(channels, height, width)``; rows are images flattened in C order,
        channel first. None: a square one-channel image
        (``n_features = side ** 2``).
    time_embedding_dim : int, default=64
        Number of sinusoidal time features.
    max_iter : int or 'auto', default='auto'
        Number of optimiser steps (minibatch updates, not epochs). 'auto':
        1000 for the UNet; for the MLP, 2000 (3000 for tables of at most two
        model columns), or 5 steps per training row (at least 500) where
        that is fewer: a table smaller than a batch sees every row at every
        step, and a model trained longer on it replays its rows (measured on
        ``load_wine`` in the user guide's Choosing parameters page).
    batch_size : int or 'auto', default='auto'
        Rows per minibatch (capped at the number of rows). Large batches pay
        off for tables: the BFN loss is noisy, and each row is seen at one
        random time. 'auto': 1024 rows for the MLP, 2048 for its narrower
        default over at most two model columns (whose steps cost about the
        same: on two moons, the mean held-out bound over three seeds rose
        from -1.0563 to -1.0504, with the fit from 33 s to 51 s on 2 CPU
        cores; see the Choosing parameters page); 128 images for
        the UNet, so that the default image fit stays within minutes: on the
        1347 training digits of :func:`~sklearn.datasets.load_digits` (2 CPU
        cores), 1000 steps of 128 images took 280 s for 1.728 test bits/dim,
        where 2000 steps of 64 took 417 s for 1.720.
    learning_rate_init : float or 'auto', default='auto'
        AdamW learning rate. 'auto': 4e-3 for the MLP (on the toy sets of
        ``benchmarks/bench_toy.py`` its held-out likelihood after the default
        2000 steps was 0.01 to 0.02 nats a row higher than with 1e-3, and
        8e-3 was worse again), 1e-3 for the UNet.
    learning_rate_schedule : {'cosine', 'constant'}, default='cosine'
        'cosine' anneals the learning rate from ``learning_rate_init`` to 0
        over ``max_iter`` steps; 'constant' keeps it fixed.
    weight_decay : float, default=0.0
        AdamW weight decay.
    ema_decay : float, default=0.999
        Decay of the exponential moving average of the weights; the average
        is used for sampling and scoring. 0 uses the live weights.
    max_grad_norm : float or None, default=1.0
        Gradients are clipped to this norm; None disables clipping.
    loss : {'continuous', 'discrete'}, default='continuous'
        Train on the continuous-time loss ``L_inf`` or the discrete-time loss
        ``L_n`` with ``n = n_loss_steps``. The same choice sets which bound
        :meth:`score_samples` reports.
    n_loss_steps : int, default=100
        Number of steps ``n`` of the discrete-time loss.
    cond_drop_prob : float, default=0.1
        When fitted with ``y``, the probability of replacing a row's condition
        by the learned null condition during training, so that one model also
        serves unconditional sampling and guidance.
    conditional_fraction : float, default=0.25
        Share of training rows in which a random subset of the observed cells
        is given to the network (and, in half of them, another subset hidden),
        so that it learns every conditional ``p(x_o | x_g)``: what
        ``sample(given=...)``, :class:`BFNImputer` and the scores of
        incomplete rows use. 0 trains on whole rows only (then ``given`` is
        refused).
    guidance_scale : float, default=1.0
        Classifier-free guidance scale at sampling (1: plain conditional; above
        1: stronger conditioning).
    rescaled_phi : float, default=0.0
        Guidance rescaling weight in ``[0, 1]`` (Lin et al. 2023).
    n_steps : int, default=25
        Number of sampler steps (``n_steps + 1`` network evaluations).
    sampler : str, default='sde2-lambda'
        'paper': the sampler of Graves et al. (2023). 'ode1' (DDIM), 'ode2',
        'sde1', 'sde2': first/second-order ODE and SDE solvers of Xue et al.
        (2024), far better at few steps; 'ode2-lambda' and 'sde2-lambda' use
        a time grid uniform in log-SNR. The default, the second-order SDE
        solver on that grid at 25 steps, matched the paper's sampler at 100
        steps on the toy benchmarks (``benchmarks/bench_samplers.py``). See
        :mod:`skbfn.core.samplers`.
    n_elbo_draws : int, default=128
        Quasi-Monte-Carlo draws per row in :meth:`score_samples` (see the
        likelihood guide): about 0.14 nats of per-row noise on two moons.
    y_type : {'auto', 'classes', 'values'}, default='auto'
        How to read ``y``: 'auto' treats binary or multiclass targets as class
        labels and anything else as real values to condition on.
    categorical_features : 'auto', None, or array-like of bool, int or str, default='auto'
        Columns modelled as categories: a boolean mask, column indices, or
        column names (as in
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`). 'auto':
        pandas category, object, string and bool columns, and columns of an
        object array holding non-numbers.
    discretised_features : 'auto', None, or array-like of bool, int or str, default='auto'
        Integer columns modelled with the discretised flow, one bin per
        integer between the training minimum and maximum. 'auto': numeric
        integer-valued columns spanning 2 to ``max_bins`` integers. Other
        numeric columns are continuous.
    max_bins : int, default=64
        The most bins an 'auto' discretised column may have.
    continuous_transform : {'auto', 'quantile', 'affine'}, default='affine'
        How a continuous column enters the flow's range. 'quantile': through
        smooth normal scores ``Phi^-1(F(x))``, ``F`` a smoothed CDF of the
        column (as tabular diffusion models do), which spreads skewed and
        heavy-tailed columns over the whole range; 'affine': scaled only;
        'auto': normal scores for columns with ``|skewness| > 1`` or excess
        kurtosis above 3, affine for the others. The maps are exactly
        invertible and scores include their exact log-Jacobian, so they stay
        log-densities in the column's own units. Image pixels
        (``network='unet'``) are always scaled affinely.
    beta_1 : float, default=4.0
        Final accuracy of the categorical flow (``beta(t) = beta_1 t^2``).
    category_shares : {'train', 'model'}, default='train'
        The shares of each categorical column's categories in what
        :meth:`sample` draws and :meth:`score_samples` scores without ``y``.
        'train': the training rows' shares. After training, ``fit`` draws
        20,000 rows from the network and finds one weight per category
        (iterative proportional fitting) under which their shares are the
        training shares; rows are then drawn by rejection, in proportion to
        the network's probability times their categories' weights. This is
        the distribution closest to the network's (in KL divergence) with
        the training shares (Csiszar, 1975): its conditionals given the
        categories are the network's own. Scores stay lower bounds on its
        log-likelihood (see the likelihood guide). The weights are fitted for
        the ``sampler`` and ``n_steps`` set at fit. 'model': the network's
        own shares, which in a mixed table can be a few points off (1 to 3
        points of total variation on the tables of
        ``benchmarks/bench_tabular.py``). Draws and scores given ``y`` are
        always the network's own.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the rows, compute the validation
        ELBO every ``validation_interval`` steps, stop after
        ``n_iter_no_change`` evaluations without a gain of ``tol``, and keep
        the best weights.
    validation_fraction : float, default=0.1
        Fraction of rows held out for early stopping.
    n_iter_no_change : int, default=10
        Evaluations without improvement before stopping.
    tol : float, default=1e-4
        Minimum gain of the validation ELBO (nats per row) that counts.
    validation_interval : int, default=100
        Steps between validation evaluations.
    warm_start : bool, default=False
        When True and the model is fitted, ``fit`` continues training the
        current weights for ``max_iter`` more steps (with a fresh optimiser and
        learning-rate schedule), keeping the column scaling and the classes of
        the first fit; ``history_`` and ``n_iter_`` accumulate.
    checkpoint_dir : str or path-like, default=None
        If given, ``fit`` writes a checkpoint there every
        ``checkpoint_interval`` steps (weights, optimiser and schedule states,
        losses), and a later ``fit`` with the same parameters and data resumes
        from it after a crash. The checkpoint is removed when the fit completes.
        Keep the directory private (the weights reveal the data): it is created
        with mode 0700, and a checkpoint is resumed only from a regular file
        you own in a directory others cannot write. :func:`skbfn.load` never
        restores this parameter.
    checkpoint_interval : int, default=500
        Steps between checkpoints.
    device : str, default='auto'
        Torch device for training, sampling and scoring: 'auto' picks CUDA
        when it is available, else 'cpu'; or e.g. 'cpu', 'cuda', 'cuda:1'.
    precision : {'float32', 'bfloat16'}, default='float32'
        'bfloat16' runs the network under bf16 autocast on CUDA devices (the
        flow's arithmetic stays float32), and a UNet then also uses the
        channels-last memory format. On other devices it is ignored, with a
        warning at fit: CPU runs are unaffected.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, training, sampling and scoring. An int
        makes every call reproducible. Scoring always uses fixed draws
        (seed 0 when this is None), so the same rows get the same scores.
    verbose : int, default=0
        1 or more shows a progress bar with the running loss.

    Attributes
    ----------
    model_ : skbfn.core.BFN
        The trained network and flows (live weights).
    ema_ : skbfn.core.EMA
        Exponential moving average of the weights, used by ``sample`` and
        ``score_samples``; its update count ``ema_.n_updates`` is part of its
        state.
    category_tilt_ : object or None
        With ``category_shares='train'`` and categorical columns, the weights
        of the categories (``log_weights``, the largest 0 in each column), the
        training counts they match (``counts``), and ``log_mean_acceptance``:
        the share of the network's rows that sampling keeps, in logs, which
        is also minus the extra slack of the score bound. Else None.
    encoder_ : object
        How each column of X was read (its kind: continuous, discretised,
        categorical or constant; its range, bins or categories; its
        transform) and maps rows to the model's matrix and back.
    condition_encoder_ : object or None
        How ``y`` was read (class labels, or real values standardised with
        their mean and scale); None when fitted without ``y``.
    device_ : torch.device
        The device the model lives on (after unpickling or :func:`skbfn.load`,
        ``device`` resolved on the machine that loaded it).
    classes_ : ndarray of shape (n_classes,)
        Class labels, when fitted on labels ``y``.
    loss_curve_ : list of float
        Training loss per step (nats per row, in the model's scaled units), as
        in :class:`~sklearn.neural_network.MLPRegressor`.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation ELBO (nats per row, in scaled
        units) at each evaluation; else None.
    best_validation_score_ : float or None
        The best of ``validation_scores_`` (the weights kept); else None.
    history_ : dict
        The same record as lists: ``'loss'``, and ``'validation_step'`` with
        ``'validation_score'``.
    n_iter_ : int
        Number of optimiser steps run (over all fits, with ``warm_start``).
    n_features_in_ : int
        Number of columns seen in fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Column names, when X was a DataFrame with string column names.

    See Also
    --------
    sklearn.mixture.GaussianMixture : Gaussian mixture density estimation.
    sklearn.neighbors.KernelDensity : Kernel density estimation.

    References
    ----------
    Graves, Srivastava, Atkinson and Gomez, "Bayesian Flow Networks" (2023),
    arXiv:2308.07037.

    Examples
    --------
    >>> from sklearn.datasets import make_moons
    >>> from skbfn import BFNGenerator
    >>> X, y = make_moons(500, noise=0.1, random_state=0)
    >>> gen = BFNGenerator(max_iter=200, hidden_layer_sizes=(64, 64), random_state=0).fit(X, y)
    >>> gen.sample(5, y=1).shape
    (5, 2)
    >>> gen.score_samples(X[:3], y[:3]).shape
    (3,)
    """

    _parameter_constraints: ClassVar[dict] = {
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
        "continuous_transform": [StrOptions({"auto", "quantile", "affine"})],
        "beta_1": [Interval(Real, 0, None, closed="neither")],
        "category_shares": [StrOptions({"train", "model"})],
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

    def __init__(
        self,
        sigma_1=0.01,
        *,
        hidden_layer_sizes=None,
        network="mlp",
        image_shape=None,
        time_embedding_dim=64,
        max_iter="auto",
        batch_size="auto",
        learning_rate_init="auto",
        learning_rate_schedule="cosine",
        weight_decay=0.0,
        ema_decay=0.999,
        max_grad_norm=1.0,
        loss="continuous",
        n_loss_steps=100,
        cond_drop_prob=0.1,
        conditional_fraction=0.25,
        guidance_scale=1.0,
        rescaled_phi=0.0,
        n_steps=25,
        sampler="sde2-lambda",
        n_elbo_draws=128,
        y_type="auto",
        categorical_features="auto",
        discretised_features="auto",
        max_bins=64,
        continuous_transform="affine",
        beta_1=4.0,
        category_shares="train",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        validation_interval=100,
        warm_start=False,
        checkpoint_dir=None,
        checkpoint_interval=500,
        device="auto",
        precision="float32",
        random_state=None,
        verbose=0,
    ):
        self.sigma_1 = sigma_1
        self.hidden_layer_sizes = hidden_layer_sizes
        self.network = network
        self.image_shape = image_shape
        self.time_embedding_dim = time_embedding_dim
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.learning_rate_schedule = learning_rate_schedule
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.max_grad_norm = max_grad_norm
        self.loss = loss
        self.n_loss_steps = n_loss_steps
        self.cond_drop_prob = cond_drop_prob
        self.conditional_fraction = conditional_fraction
        self.guidance_scale = guidance_scale
        self.rescaled_phi = rescaled_phi
        self.n_steps = n_steps
        self.sampler = sampler
        self.n_elbo_draws = n_elbo_draws
        self.y_type = y_type
        self.categorical_features = categorical_features
        self.discretised_features = discretised_features
        self.max_bins = max_bins
        self.continuous_transform = continuous_transform
        self.beta_1 = beta_1
        self.category_shares = category_shares
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.validation_interval = validation_interval
        self.warm_start = warm_start
        self.checkpoint_dir = checkpoint_dir
        self.checkpoint_interval = checkpoint_interval
        self.device = device
        self.precision = precision
        self.random_state = random_state
        self.verbose = verbose

    # ----------------------------------------------------------------- fitting
    def _resolved(self, name: str, n_model_columns: int | None):
        """Parameter ``name``, with 'auto' replaced by the default of the table's profile from ``_AUTO``."""
        value = getattr(self, name)
        if isinstance(value, str) and value == "auto":
            return _AUTO[default_profile(self.network, n_model_columns)][name]
        return value

    def _max_iter(self, n_rows: int | None, n_model_columns: int | None) -> int:
        """``max_iter``; 'auto' for the MLP takes 5 steps per training row, from 500 up to its profile's steps."""
        max_iter = self._resolved("max_iter", n_model_columns)
        if self.max_iter == "auto" and self.network == "mlp" and n_rows is not None:
            max_iter = min(max_iter, max(_AUTO_MIN_ITER, _AUTO_STEPS_PER_ROW * n_rows))
        return max_iter

    def _training_config(
        self, one_pass_over: int | None = None, n_rows: int | None = None, n_model_columns: int | None = None
    ) -> TrainingConfig:
        """Settings of a fit on ``n_rows`` training rows of ``n_model_columns`` model columns; with
        ``one_pass_over=n`` (partial_fit), one epoch over n rows at a constant rate."""
        one_pass = one_pass_over is not None
        batch_size = self._resolved("batch_size", n_model_columns)
        return TrainingConfig(
            max_iter=max(1, -(-one_pass_over // batch_size)) if one_pass else self._max_iter(n_rows, n_model_columns),
            batch_size=batch_size,
            learning_rate=self._resolved("learning_rate_init", n_model_columns),
            learning_rate_schedule="constant" if one_pass else self.learning_rate_schedule,
            weight_decay=self.weight_decay,
            max_grad_norm=self.max_grad_norm,
            loss=self.loss,
            n_loss_steps=self.n_loss_steps,
            early_stopping=self.early_stopping and not one_pass,
            n_iter_no_change=self.n_iter_no_change,
            tol=self.tol,
            validation_interval=self.validation_interval,
            n_elbo_draws=self.n_elbo_draws,
            conditional_fraction=self.conditional_fraction,
            verbose=self.verbose,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit the model to the rows of X, optionally conditioned on y.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Training rows: finite numbers in numeric columns, categories (no
            missing values) in categorical ones.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Condition per row: class labels (any hashable values; kept in
            ``classes_``) or real values (see ``y_type``). None fits an
            unconditional model.

        Returns
        -------
        self : BFNGenerator
            The fitted estimator.

        Raises
        ------
        ValueError
            For invalid parameters or data (non-finite numbers, missing
            categories, a condition of the wrong length).
        NonFiniteLossError
            If the training loss stops being finite; the estimator is then
            left as it was before the call.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> X, y = make_moons(200, noise=0.1, random_state=0)
        >>> gen = BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), random_state=0).fit(X, y)
        >>> gen.n_iter_, gen.classes_
        (20, array([0, 1]))
        """
        with _restored_on_error(self):
            return self._fit(X, y, warm=self.warm_start and hasattr(self, "model_"))

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y=None):
        """Train on one more stream of rows: one pass over X, at a constant learning rate.

        The first call sets up the model (column types, scaling and classes
        come from that first X and y, so make it representative); later calls
        continue from the current weights, like ``warm_start``. Early stopping
        and the learning-rate schedule do not apply.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Rows, as for :meth:`fit`.
        y : array-like, default=None
            Conditions, as for :meth:`fit`; give them on every call or on none.

        Returns
        -------
        self : BFNGenerator
            The estimator, trained on one more pass.

        Examples
        --------
        >>> import numpy as np
        >>> from skbfn import BFNGenerator
        >>> rng = np.random.default_rng(0)
        >>> gen = BFNGenerator(batch_size=50, hidden_layer_sizes=(16,), random_state=0)
        >>> for chunk in range(3):
        ...     gen = gen.partial_fit(rng.normal(size=(100, 2)))
        >>> gen.n_iter_  # two steps of 50 rows per chunk
        6
        """
        with _restored_on_error(self):
            return self._fit(X, y, warm=hasattr(self, "model_"), one_pass=True)

    def _fit(self, X, y, *, warm: bool, one_pass: bool = False):
        X = self._validate_table(X, reset=not warm)
        if y is not None:
            check_consistent_length(X, y)
        device = resolve_device(self.device)
        if self.precision == "bfloat16" and device.type != "cuda":
            message = f"precision='bfloat16' applies on CUDA only; training on {device} in float32."
            warnings.warn(message, UserWarning, stacklevel=3)
        rng = check_random_state(self.random_state)
        init_seed, train_seed, split_seed, validation_seed = (int(s) for s in rng.randint(_MAX_SEED, size=4))
        tilt_seed = int(rng.randint(_MAX_SEED))

        if warm:
            if (y is None) != (self.condition_encoder_ is None):
                raise ValueError(
                    "Continuing a fitted model (warm_start, partial_fit): pass y exactly when the first fit had it."
                )
            encoder, condition = self.encoder_, self.condition_encoder_
            model, ema = copy.deepcopy(self.model_), copy.deepcopy(self.ema_)
            place(device, self.precision, model, ema)
            ema.decay = float(self.ema_decay)
        else:
            encoder = TableEncoder(
                self.categorical_features,
                self.discretised_features,
                self.max_bins,
                shared_range=self.network == "unet",
                continuous_transform=self.continuous_transform,
            ).fit(X)
            condition = None if y is None else ConditionEncoder(self.y_type).fit(y)
            model = Architecture.of(self, encoder.n_model_columns).build(encoder, condition, seed=init_seed)
            place(device, self.precision, model)
            ema = EMA(model, decay=self.ema_decay)

        z = encoder.transform(X)
        if not model.cell_inputs and np.isnan(z).any():
            raise ValueError(
                "This model was saved by an skbfn release without missing-value support: "
                "it cannot continue training on rows with missing cells."
            )
        cond = None if condition is None else condition.transform(y)
        counts = self._category_counts(encoder, z, add_to_previous=warm and one_pass)
        validation = None
        if self.early_stopping and not one_pass:
            stratify = cond if condition is not None and condition.kind == "classes" else None
            parts = train_test_split(
                *(a for a in (z, cond) if a is not None),
                test_size=self.validation_fraction,
                random_state=split_seed,
                stratify=stratify,
            )
            z, z_val = parts[0], parts[1]
            cond, cond_val = (parts[2], parts[3]) if cond is not None else (None, None)
            validation = (_to_tensor(z_val, device), _to_tensor(cond_val, device))

        generator = torch.Generator(device=device).manual_seed(train_seed)
        history = train(
            model,
            ema,
            self._training_config(
                one_pass_over=len(z) if one_pass else None, n_rows=len(z), n_model_columns=encoder.n_model_columns
            ),
            _to_tensor(z, device),
            _to_tensor(cond, device),
            generator=generator,
            validation=validation,
            validation_seed=validation_seed,
            replica=current_replica(),
            checkpoint=self._checkpointer(z, cond, warm),
            dequantisation_widths=_to_tensor(encoder.dequantisation_widths, device),
        ).as_dict()

        # Only now, with training done, is the estimator's state replaced.
        if warm:
            history["validation_step"] = [step + self.n_iter_ for step in history["validation_step"]]
            history = {key: self.history_[key] + values for key, values in history.items()}
        self._set_fitted(
            model=model, ema=ema, encoder=encoder, condition_encoder=condition, device=device, history=history
        )
        self.category_tilt_ = None if counts is None else self._fitted_tilt(counts, tilt_seed)
        return self

    def _category_counts(self, encoder: TableEncoder, z: np.ndarray, *, add_to_previous: bool) -> list | None:
        """Training counts of each categorical column's categories, for ``category_shares='train'``; else None.

        ``partial_fit`` adds them to those of the earlier calls.
        """
        positions = encoder.categorical_positions
        if self.category_shares != "train" or not positions:
            return None
        counts = category_counts(z, positions, encoder.model_n_bins)
        previous = self.category_tilt_ if add_to_previous else None
        return counts if previous is None else [a + b for a, b in zip(counts, previous.counts, strict=True)]

    def _fitted_tilt(self, counts: list[np.ndarray], seed: int) -> CategoryTilt:
        """Category weights under which rows drawn from the fitted network have the shares ``counts``."""
        generator = torch.Generator(device=self.device_).manual_seed(seed)
        pool = self._draw_model(_TILT_POOL_ROWS, None, None, generator)
        return CategoryTilt.fit(pool, counts, self.encoder_.categorical_positions)

    def _set_fitted(
        self,
        *,
        model: BFN,
        ema: EMA,
        encoder: TableEncoder,
        condition_encoder: ConditionEncoder | None,
        device: torch.device,
        history: dict,
        n_features_in: int | None = None,
        feature_names_in: np.ndarray | None = None,
    ) -> BFNGenerator:
        """Write the whole fitted state (``fit`` and :func:`skbfn.load`); the networks are placed on ``device``.

        ``n_features_in`` and ``feature_names_in`` are given by ``load``; ``fit``
        has set them already, when it validated X.
        """
        place(device, self.precision, model, ema)
        self.model_, self.ema_ = model.eval(), ema
        self.encoder_, self.condition_encoder_, self.device_ = encoder, condition_encoder, device
        if condition_encoder is not None and condition_encoder.kind == "classes":
            self.classes_ = condition_encoder.classes_
        elif hasattr(self, "classes_"):
            del self.classes_
        self.history_ = history
        self.n_iter_ = len(history["loss"])
        self.loss_curve_ = list(history["loss"])
        scores = list(history["validation_score"])
        self.validation_scores_ = scores if scores else None
        self.best_validation_score_ = max(scores) if scores else None
        if n_features_in is not None:
            self.n_features_in_ = n_features_in
        if feature_names_in is not None:
            self.feature_names_in_ = feature_names_in
        return self

    def _checkpointer(self, z: np.ndarray, cond: np.ndarray | None, warm: bool) -> Checkpointer | None:
        if self.checkpoint_dir is None:
            return None
        params = {**self.get_params(), "continued_from_step": self.n_iter_ if warm else 0}
        return Checkpointer(self.checkpoint_dir, self.checkpoint_interval, run_key(params, z, cond))

    def _validate_table(self, X, *, reset: bool):
        return validate_table(self, X, reset=reset)

    # --------------------------------------------------------------- inference
    def _generator(self, random_state) -> torch.Generator:
        seed = int(check_random_state(random_state).randint(_MAX_SEED))
        return torch.Generator(device=self.device_).manual_seed(seed)

    def _encode_condition(self, y, n_rows: int) -> torch.Tensor | None:
        if y is None:
            return None
        if self.condition_encoder_ is None:
            raise ValueError("This BFNGenerator was fitted without y; it cannot condition on y.")
        return _to_tensor(self.condition_encoder_.broadcast(y, n_rows), self.device_)

    def sample(self, n_samples=1, y=None, random_state=None, *, given=None):
        """Draw new rows from the model, optionally with some cells fixed.

        Parameters
        ----------
        n_samples : int, default=1
            Number of rows to draw.
        y : scalar or array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Condition: one value for every row, or one per row. None draws
            from the unconditional model, with the training rows' category
            shares under ``category_shares='train'``. Guidance follows
            ``guidance_scale`` and ``rescaled_phi``.
        random_state : int, RandomState instance or None, default=None
            Seed for this call; None uses the estimator's ``random_state``.
        given : array-like, DataFrame or dict, default=None
            Cells to hold fixed; the others are drawn from the model's
            conditional distribution given them (by the network directly;
            under the category tilt, a row is drawn again while the tilt
            rejects its drawn categories). A
            table of ``n_samples`` rows with the columns of X, whose missing
            cells (NaN, None, ``pd.NA``) are the ones to generate, row by row;
            or a dict ``{column: value}`` fixing those columns in every row
            (keys are column names for a model fitted on a DataFrame, else
            indices). Given cells come back unchanged. Unknown categories,
            integers outside a discretised column's range and real values
            outside the range the model covers raise ValueError.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            Rows in the original units and types of the training data (drawn
            in runs of at most 65,536 rows on the CPU and 262,144 on CUDA, so
            memory stays bounded): a DataFrame with the same columns, dtypes
            and categories when fitted on one; else a float array (integer
            columns integral), or an object array when there are categorical
            columns.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> X, y = make_moons(200, noise=0.1, random_state=0)
        >>> gen = BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), random_state=0).fit(X, y)
        >>> gen.sample(3, y=1).shape
        (3, 2)
        >>> gen.set_params(guidance_scale=2.0, n_steps=10).sample(4, y=[0, 1, 0, 1]).shape
        (4, 2)
        >>> rows = gen.sample(3, given={0: 0.5})  # the first column fixed, the second drawn given it
        >>> rows[:, 0]
        array([0.5, 0.5, 0.5])
        """
        check_is_fitted(self)
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral | np.integer) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive int, got {n_samples!r}.")
        n_samples = int(n_samples)
        cond = self._encode_condition(y, n_samples)
        if given is None:
            return self.encoder_.inverse_transform(self._draw(n_samples, cond, None, random_state))
        table = self._given_table(given, n_samples)
        known = self.encoder_.transform(table, strict=True)
        z = self._draw(n_samples, cond, known, random_state)
        return _with_known_cells(self.encoder_.inverse_transform(z), table)

    def _draw(self, n_samples: int, cond, known: np.ndarray | None, random_state) -> np.ndarray:
        """Encoded samples (model order); ``known`` holds encoded given cells, NaN where a cell is drawn.

        Without a condition, rows follow the category tilt (``category_tilt_``): a row is drawn again, with its
        own given cells, until the tilt keeps it.
        """
        if known is not None:
            self._check_can_condition_on_cells()
        generator = self._generator(self.random_state if random_state is None else random_state)
        z = self._draw_model(n_samples, cond, known, generator)
        tilt = self.category_tilt_
        if tilt is None or cond is not None:
            return z

        def draw_again(rows: np.ndarray) -> np.ndarray:
            return self._draw_model(len(rows), None, None if known is None else known[rows], generator)

        def uniform(n: int) -> np.ndarray:
            return torch.rand(n, generator=generator, device=self.device_, dtype=torch.float64).cpu().numpy()

        return rejection_sample(tilt, z, known, draw_again, uniform)

    def _draw_model(self, n_samples: int, cond, known: np.ndarray | None, generator: torch.Generator) -> np.ndarray:
        """Encoded samples of the network itself, in runs of at most ``_SAMPLE_BATCH`` rows (by device type)."""
        runs, run_length = [], _SAMPLE_BATCH[batch_kind(self.device_)]
        for start in range(0, n_samples, run_length):
            rows = slice(start, min(n_samples, start + run_length))
            z = self.ema_.module.sample(
                rows.stop - rows.start,
                None if cond is None else cond[rows],
                n_steps=self.n_steps,
                sampler=self.sampler,
                guidance_scale=self.guidance_scale,
                rescaled_phi=self.rescaled_phi,
                cells=None if known is None else CellMask.known(_to_tensor(known[rows], self.device_)),
                generator=generator,
            )
            runs.append(z.cpu().numpy())
        return np.concatenate(runs)

    def _check_can_condition_on_cells(self) -> None:
        if not self.model_.cell_inputs:
            raise ValueError("This model was saved by an skbfn release without given cells: refit it to use `given`.")
        if self.conditional_fraction == 0:
            raise ValueError(
                "This model was fitted with conditional_fraction=0, so it never learned to condition on given "
                "cells; refit it with conditional_fraction > 0."
            )

    def _given_table(self, given, n_samples: int):
        """The table of given cells (NaN where a cell is drawn), checked against the fitted columns."""
        if isinstance(given, dict):
            return self._table_from_dict(given, n_samples)
        table = self._validate_table(given, reset=False)
        if table.shape[0] != n_samples:
            raise ValueError(f"given has {table.shape[0]} rows, but n_samples is {n_samples}.")
        return table

    def _table_from_dict(self, given: dict, n_samples: int):
        names = list(getattr(self, "feature_names_in_", range(self.n_features_in_)))
        unknown = [key for key in given if key not in names]
        if unknown:
            raise ValueError(f"given names columns {unknown[:10]} that are not columns of X; columns are {names[:20]}.")
        columns = [
            np.full(n_samples, given[name], dtype=object) if name in given else np.full(n_samples, np.nan, dtype=object)
            for name in names
        ]
        if self.encoder_.is_frame_:
            import pandas as pd

            return pd.DataFrame(dict(zip(names, columns, strict=True)), columns=names)
        return np.column_stack(columns)

    def score_samples(self, X, y=None):
        """Lower bound on the log-likelihood of each row (the ELBO), in nats.

        ``-(L(x) + L_r(x))`` in scaled units plus the log-Jacobian of the
        scaling, so the value bounds ``ln p(x)`` (or ``ln p(x | y)``) in the
        original units of X. For a mixed table ``p`` is a density over the
        real-valued columns times a probability mass over the discretised and
        categorical ones; with no real-valued column it is a log-probability
        (at most 0). A row whose integer (discretised) cell is not an integer
        or lies outside the column's training range has probability 0 under
        the model and scores ``-inf``. Missing cells are left out: the bound
        is then on the likelihood of the observed cells. With
        ``category_shares='train'`` and no ``y``, each row's score also adds
        the log-weights of its categories (``category_tilt_``), which makes it
        a bound on the log-likelihood of the tilted model that sampling draws
        from (a missing category adds its column's smallest log-weight).
        ``L`` is the continuous-time loss or the
        discrete-time loss with ``n_loss_steps``, as set by ``loss``; each is an
        unbiased quasi-Monte-Carlo estimate over ``n_elbo_draws`` points per
        row, randomised by the row's content and ``random_state`` (seed 0 when
        None): a row always gets the same score, whatever else is scored with it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like or scalar, default=None
            Condition, as in :meth:`sample`; None scores under the
            unconditional model.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Log-likelihood bound of each row, in nats.

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> X, y = make_moons(200, noise=0.1, random_state=0)
        >>> gen = BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), n_elbo_draws=8, random_state=0).fit(X)
        >>> scores = gen.score_samples(X[:4])
        >>> scores.shape, bool((gen.score_samples(X[:1]) == scores[:1]).all())  # a row's own draws
        ((4,), True)
        """
        check_is_fitted(self)
        X = self._validate_table(X, reset=False)
        z = self.encoder_.transform(X)
        incomplete = bool(np.isnan(z).any())
        if incomplete and not self.model_.cell_inputs:
            raise ValueError(
                "This model was saved by an skbfn release without missing-value support: "
                "it cannot score rows with missing cells."
            )
        cond = self._encode_condition(y, X.shape[0])
        seed_source = 0 if self.random_state is None else copy.deepcopy(self.random_state)
        seed = int(check_random_state(seed_source).randint(_MAX_SEED))
        elbo = elbo_per_row(
            self.ema_.module,
            z,
            cond,
            n_steps=None if self.loss == "continuous" else self.n_loss_steps,
            n_draws=self.n_elbo_draws,
            seed=seed,
            dequantisation_widths=self.encoder_.dequantisation_widths,
        )
        scores = elbo + self.encoder_.row_log_jacobian(X)
        if self.category_tilt_ is not None and y is None:
            scores += self.category_tilt_.log_score_offset(z)
        scores[self.encoder_.off_support(X)] = -np.inf  # an integer cell off the model's lattice has no mass
        return scores

    def score(self, X, y=None):
        """Mean log-likelihood bound per row, in nats (see :meth:`score_samples`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.
        y : array-like or scalar, default=None
            Condition; None scores under the unconditional model.

        Returns
        -------
        score : float
            Mean log-likelihood bound per row, in nats (higher is better).

        Examples
        --------
        >>> from sklearn.datasets import make_moons
        >>> from skbfn import BFNGenerator
        >>> X, y = make_moons(200, noise=0.1, random_state=0)
        >>> gen = BFNGenerator(max_iter=20, hidden_layer_sizes=(16,), n_elbo_draws=8, random_state=0).fit(X, y)
        >>> isinstance(gen.score(X, y), float)
        True
        """
        return float(np.mean(self.score_samples(X, y)))

    # ------------------------------------------------------------- persistence
    def __getstate__(self):
        # a copy: from Python 3.11, object.__getstate__ (which scikit-learn's calls) returns __dict__ itself
        state = dict(super().__getstate__())
        if "device_" in state and state["device_"].type != "cpu":
            # Pickles hold CPU tensors, so they load on machines without the training device.
            state["model_"], state["ema_"] = copy.deepcopy(self.model_), copy.deepcopy(self.ema_)
            state["device_"] = torch.device("cpu")
            place(state["device_"], self.precision, state["model_"], state["ema_"])
        return state

    def __setstate__(self, state):
        state = dict(state)
        if "_condition" in state:  # pickled by skbfn 0.1
            state["condition_encoder_"] = state.pop("_condition")
        if "category_shares" not in state:  # pickled before the category tilt: the network's own shares
            state["category_shares"] = "model"
            if "model_" in state:
                state["category_tilt_"] = None
        super().__setstate__(state)
        if "model_" in state:  # on the device asked for where it exists here, else the CPU
            self._set_fitted(
                model=self.model_,
                ema=self.ema_,
                encoder=self.encoder_,
                condition_encoder=self.condition_encoder_,
                device=available_device(self.device),
                history=self.history_,
            )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = True
        return tags


@contextmanager
def _restored_on_error(estimator: BaseEstimator):
    """Put back the estimator's attributes if the block raises: a failed fit changes nothing."""
    saved = dict(estimator.__dict__)
    try:
        yield
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(saved)
        raise


def validate_table(estimator: BaseEstimator, X, *, reset: bool):
    """Feature names and count checked (and set on ``reset``); column types are the encoder's job."""
    if isinstance(X, str) or not (hasattr(X, "__len__") or hasattr(X, "__array__")):
        raise TypeError(f"X must be a 2-D array-like or DataFrame, got {type(X).__name__}.")
    if not hasattr(X, "iloc"):
        X = check_array(X, dtype=None, ensure_all_finite=False, input_name="X")
    validate_data(estimator, X, skip_check_array=True, reset=reset)
    return X


def _with_known_cells(rows, table):
    """``rows`` with the given (non-missing) cells of ``table`` copied back exactly, in their original values."""
    from ._columns import _missing

    if hasattr(rows, "iloc"):
        import pandas as pd

        for j in range(rows.shape[1]):
            values = table.iloc[:, j].to_numpy() if hasattr(table, "iloc") else table[:, j]
            known = ~_missing(values)
            if known.any():
                column = rows.iloc[:, j].copy()
                column.iloc[np.flatnonzero(known)] = pd.Series(values[known]).astype(column.dtype).array
                rows[rows.columns[j]] = column
        return rows
    table = np.asarray(table, dtype=object)
    known = np.column_stack([~_missing(table[:, j]) for j in range(table.shape[1])])
    rows[known] = table[known].astype(rows.dtype) if rows.dtype != object else table[known]
    return rows


def _to_tensor(array: np.ndarray | None, device: torch.device) -> torch.Tensor | None:
    return None if array is None else torch.from_numpy(np.ascontiguousarray(array)).to(device)
