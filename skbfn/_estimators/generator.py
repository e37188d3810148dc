"""BFNGenerator: a Bayesian Flow Network as a scikit-learn estimator.

The class holds the parameters and the fitted state, and hands each job to
its room: :mod:`skbfn._model.fitting` fits, :mod:`.generator_inference`
samples and scores (through :mod:`skbfn._inference.sampling` and
:mod:`skbfn._inference.scoring`), and :mod:`.generator_document` reads and
writes its document (``to_dict``, ``from_dict``); the last two are mixins, as
scikit-learn's ``BaseMixture`` is of ``GaussianMixture``.
"""

from __future__ import annotations

import copy
from typing import ClassVar

import torch
from sklearn.base import BaseEstimator, DensityMixin, _fit_context
from sklearn.utils.validation import check_consistent_length

from .._device import available_device
from .._encoding import validate_table
from .._formats import upgrade_generator_state
from .._model.architecture import fuse_flows, place
from .._model.fitting import FittedState, fit_state
from .generator_document import GeneratorDocument
from .generator_inference import GeneratorInference
from .generator_params import PARAMETER_CONSTRAINTS
from .restore import restored_on_error

__all__ = ["BFNGenerator"]


class BFNGenerator(GeneratorInference, GeneratorDocument, DensityMixin, BaseEstimator):
    """Generative model of tables and images with a Bayesian Flow Network.

    Learns the distribution of the rows of ``X`` (optionally given a condition
    ``y``: class labels or real values) with a BFN (Graves et al., 2023), then
    draws new rows with :meth:`sample` and scores rows with a lower bound on
    their log-likelihood (:meth:`score_samples`).

    Columns may mix real-valued (continuous flow), integer (discretised
    flow, one bin per integer) and categorical columns (categorical flow),
    modelled jointly by one network; DataFrames come back as DataFrames with
    the same columns, dtypes and categories. Missing cells are allowed in
    every column: the model learns from the observed cells, completes partly
    known rows (``sample(..., given=...)``, :class:`BFNImputer`) and scores
    incomplete rows. Real-valued columns are mapped into the flow's range and
    back, so data of any scale work without a scaler, and scores include the
    exact log-Jacobian of that map: they are log-densities in the units of
    ``X``, comparable with e.g. :meth:`sklearn.mixture.GaussianMixture.score_samples`.
    Real tables come as they are (user guide, "Column roles"): ids, text,
    dates (datetime dtypes, date objects or date strings in one format),
    amounts often exactly 0 (a point mass), values with a few decimals and
    values mostly whole (or mostly in thousands) come back in kind.

    Parameters
    ----------
    sigma_1 : float, default=0.01
        Standard deviation of the flow at ``t = 1`` in scaled units (the data
        span ``[-0.9, 0.9]``). Smaller values resolve finer detail.
    hidden_layer_sizes : tuple of int, default=None
        For ``network='mlp'``, the widths of the residual blocks (None:
        ``(128, 128, 128)``, or ``(64, 64, 64)`` for tables of at most two
        model columns); for ``network='unet'``, the channels at each
        resolution level, each level halving the image (None: ``(32, 64)``).
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
        that is fewer, so that a small table's rows are not replayed (the
        user guide's Choosing parameters page has the measurements behind
        every 'auto' value).
    batch_size : int or 'auto', default='auto'
        Rows per minibatch (capped at the number of rows). Large batches pay
        off for tables: the BFN loss is noisy, and each row is seen at one
        random time. 'auto': 1024 rows for the MLP, 2048 for its narrower
        default over at most two model columns, 128 images for the UNet.
    learning_rate_init : float or 'auto', default='auto'
        AdamW learning rate. 'auto': 4e-3 for the MLP, 1e-3 for the UNet.
    learning_rate_schedule : {'cosine', 'constant'}, default='cosine'
        'cosine' anneals the learning rate from ``learning_rate_init`` to 0
        over ``max_iter`` steps; 'constant' keeps it fixed.
    weight_decay : float, default=0.0
        AdamW weight decay.
    neighbour_noise : float, default=0.0
        A regulariser for small tables, which a model otherwise learns by
        heart: at every step, each training row's observed continuous cells
        move towards one of its 5 nearest training rows (drawn afresh) by
        ``lambda`` times the difference, ``lambda ~ N(0, neighbour_noise^2)``.
        0 trains on the rows as they are. It lowers what the membership audit
        (:func:`skbfn.metrics.membership_audit`) finds at some cost in
        fidelity; the user guide's Choosing parameters page measures it
        against ``weight_decay``. Meant for small tables: the neighbour
        search, once per fit, took 14 s on 100,000 rows (two CPU cores).
    dropout : float in [0, 1) or 'auto', default='auto'
        Dropout on the hidden layer of each of the MLP's residual blocks
        while training (Srivastava et al. 2014); sampling and scoring use the
        whole network. A regulariser for small tables, which a model
        otherwise learns by heart. 'auto': 0.5 for the MLP over three or more
        model columns trained on at most 2,000 rows; none on more rows, over
        one or two model columns (where it cost held-out likelihood and found
        nothing learned by heart), in ``partial_fit``, or for the UNet (which
        has no dropout: a positive value with ``network='unet'`` is refused).
        The user guide's Choosing parameters page has the measurements.
    ema_decay : float, default=0.999
        Decay of the exponential moving average of the weights; the average
        is used for sampling and scoring. 0 uses the live weights. The decay
        warms up as ``min(ema_decay, (1 + k) / (10 + k))`` after ``k`` steps,
        so it binds only after ``9 / (1 - ema_decay) - 10`` steps (8,990
        for the default).
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
    n_steps : int, default=15
        Number of sampler steps (``n_steps + 1`` network evaluations). With
        the default sampler, 15 steps gave the energy distance to held-out
        rows of 20 and 25 steps, within about one standard error, on seven
        toy sets (two models each, 40 samples each; 12 were measurably
        worse on two of them): see the user guide's Choosing parameters
        page.
    sampler : str, default='sde2-lambda-late'
        'paper': the sampler of Graves et al. (2023). 'ode1' (DDIM), 'ode2',
        'sde1', 'sde2': first/second-order ODE and SDE solvers of Xue et al.
        (2024), far better at few steps; 'ode2-lambda' and 'sde2-lambda' use
        a time grid uniform in log-SNR, 'sde2-lambda-late' one whose log-SNR
        steps shrink towards the data: at 15 steps it matched 20 steps of
        'sde2-lambda' on the toy sets. See :mod:`skbfn.core.samplers`.
    n_elbo_draws : int, default=128
        Quasi-Monte-Carlo draws per row in :meth:`score_samples` (see the
        likelihood guide): about 0.14 nats of per-row noise on two moons. The
        reconstruction term takes a sixteenth as many more (see
        ``reconstruction_divisor_``): 136 network passes per row at 128.
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
    column_roles : dict or None, default=None
        ``{column: role}`` for columns whose role you choose (by name for a
        DataFrame, else by index); the others get theirs detected. 'id': a
        key, never modelled nor copied: samples get fresh keys in its
        format (detected for a space-free string column unique in every
        row, and for an integer one named a key, ``customer_id``, or
        numbered, not spread as amounts are). 'drop': not modelled, missing
        in samples, left out of scores (detected, with a warning, for
        strings with too many distinct values for ``max_categories``, or
        more distinct values than half their rows). 'categorical', 'discretised', 'continuous': the
        flow that models it. A constant column is repeated, a column
        missing in every row comes back missing, and datetime and timedelta
        columns are modelled as numbers of days (dates at midnight) or
        seconds and come back in their dtype. ``column_roles_`` says what
        each column became. See the user guide's Column roles page.
    max_categories : int or 'auto', default='auto'
        The most distinct strings a column may have to be modelled as
        categories when its role is detected. 'auto': 50, or up to 200
        when they repeat, each held by 5 rows or more on average (states,
        cities, products: levels that recur, where names and free text do
        not). Levels seen in few rows are modelled as the others are, so
        samples may hold them. Past those bounds, a column whose values
        still recur keeps its levels held by 10 rows or more (the 200 most
        frequent at most), where they hold half of the rows or more, and
        pools the rest into one category, whose
        samples draw them by their training shares; an integer caps the
        levels, and a column past it is left out.
    continuous_transform : {'heavy_tails', 'auto', 'quantile', 'affine'}, default='heavy_tails'
        How a continuous column enters the flow's range. 'quantile': through
        smooth normal scores ``Phi^-1(F(x))``, ``F`` a smoothed CDF of the
        column (as tabular diffusion models do), which spreads skewed and
        heavy-tailed columns over the whole range; 'affine': scaled only;
        'heavy_tails': normal scores for columns whose middle half of values
        spans less than 5% of their range (a tail so heavy that, scaled
        affinely, half the values would sit within about nine ``sigma_1``
        of each other, which the flow does not resolve well), affine for
        the others;
        'auto': normal scores for columns with ``|skewness| > 1`` or excess
        kurtosis above 3, affine for the others. The maps are exactly
        invertible and scores include their exact log-Jacobian, so they stay
        log-densities in the column's own units. Dequantised integer
        columns (too wide for bins) follow the same rule, each integer's cell
        then as wide as its image (a skewed count: wide cells in the bulk,
        narrow ones in the tail); image pixels (``network='unet'``) are
        always scaled affinely. Under 'affine', the columns that
        'heavy_tails' would map through normal scores are warned about.
    beta_1 : float or 'auto', default='auto'
        Final accuracy of the categorical flow (``beta(t) = beta_1 t^2``).
        'auto': 4 for columns of at most 20 classes, less for wider ones
        (``4 g(K) / g(20)``, ``g(K) = ln K / K``: 2.06 for 51 classes, 0.71
        for 200), so that ``beta(1) K / ln K``, a rough measure of how far
        the flow reveals a column, is the same for every wider column; a
        number: every column's.
    category_shares : {'train', 'model'}, default='train'
        The shares of each categorical column's categories in what
        :meth:`sample` draws and :meth:`score_samples` scores without ``y``.
        'train': about the training rows' shares. After training, ``fit``
        draws rows from the network (20,000, or fewer after a short fit: at
        most about a twentieth of its network passes) and finds one weight per category
        (iterative proportional fitting) under which their shares are the
        training shares; rows are then drawn by rejection, in proportion to
        the network's probability times their categories' weights: a tilt
        of the sampler's distribution, whose weights never fall below 1/16
        of their column's largest, so rare shares are matched only
        approximately. Scores stay lower bounds (see the likelihood guide).
        The weights are fitted for the ``sampler`` and ``n_steps`` set at
        fit. 'model': the network's own shares, which in a mixed table can
        be a few points off. Draws and scores given ``y`` are always the
        network's own.
    enforce_bounds : bool, default=True
        Samples stay inside each real-valued, integer and datetime column's
        training range (not clipped onto its edges), so a column that was
        never negative never samples a negative value, and they keep the
        orders between two columns that every training row keeps (a start
        before its end, an amount paid up to the amount due). A row with a
        drawn cell outside the range, out of such an order, or where a
        column that bins another disagrees with it (an age group and an
        age), is drawn again. But a cell that may be missing, on a point mass
        or a round value (one with an indicator) is first drawn again alone,
        given the rest of its row (up to 8 times): drawing its row again
        would change how often such cells are missing or on their mass.
        Scores are those of the untruncated model. False lets samples reach
        a little beyond the range and break such orders. Image pixels
        (``network='unet'``) are not truncated.
    reproduce_missing : bool, default=True
        Samples have missing cells as the training rows do: each column with
        missing cells in fit gets a missingness indicator, a two-category
        model column learned jointly with the others (so missingness that
        depends on other columns is kept), and :meth:`sample` leaves a cell
        missing where its indicator is drawn so. Scores then include the
        log-probability of a row's pattern of missing cells. Rows completed
        with ``given`` and by :class:`BFNImputer` are filled as if observed.
        False at fit: no indicators, and every sampled cell is filled; set to
        False after fit: the indicators are held at "observed", so
        :meth:`sample` draws whole rows.
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
    column_roles_ : dict
        What each column became, by name (or index): 'continuous',
        'discretised', 'categorical', 'constant', 'id', 'drop' or 'empty';
        a column of cells holding several numbers (``'120/80'``) is
        'compound', followed by the roles of its parts (``'bp[1]'``,
        ``'bp[2]'``), which the model sees in its place.
    column_relations_ : list of str
        The relations between columns that every training row kept and that
        samples keep, in words (the Column roles guide): orders
        (``'start <= end'``), windows (``'shipped - placed <= 7 days'``),
        days of the week (``'trade_date on Mon-Fri'``), copies
        (``'paid = due in some rows'``),
        partitions (``'age_group bins age'``), lookups
        (``'borough determined by zone'``), calendar fields
        (``'weekday = weekday of date'``), arithmetic
        (``'total = amount + tax'``, ``'tax = 0.2 * amount'``) and rules
        (``'who decided by age, sex'``).
    encoder_ : object
        How each column of X was read (its kind: continuous, discretised,
        categorical or constant; its range, bins or categories; its
        transform) and maps rows to the model's matrix and back.
    condition_encoder_ : object or None
        How ``y`` was read (class labels, or real values standardised with
        their mean and scale); None when fitted without ``y``.
    reconstruction_divisor_ : int
        The reconstruction term of the likelihood bound gets
        ``n_elbo_draws // reconstruction_divisor_`` draws (at least one): 16
        for a model fitted by this release, 4 for one loaded from an earlier
        release, which so keeps its scores.
    device_ : torch.device
        The device the model lives on (after unpickling or :func:`skbfn.load`,
        ``device`` resolved on the machine that loaded it).
    classes_ : ndarray of shape (n_classes,)
        Class labels, when fitted on labels ``y``.
    loss_curve_ : list of float
        Training loss per step (nats per row, in the model's scaled units), as
        in :class:`~sklearn.neural_network.MLPRegressor`.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation ELBO at each evaluation, in
        nats per row of the model's scaled units: estimated as
        :meth:`score_samples` estimates it, without the columns'
        log-Jacobian; else None.
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

    _parameter_constraints: ClassVar[dict] = PARAMETER_CONSTRAINTS

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
        neighbour_noise=0.0,
        dropout="auto",
        ema_decay=0.999,
        max_grad_norm=1.0,
        loss="continuous",
        n_loss_steps=100,
        cond_drop_prob=0.1,
        conditional_fraction=0.25,
        guidance_scale=1.0,
        rescaled_phi=0.0,
        n_steps=15,
        sampler="sde2-lambda-late",
        n_elbo_draws=128,
        y_type="auto",
        categorical_features="auto",
        discretised_features="auto",
        max_bins=64,
        column_roles=None,
        max_categories="auto",
        continuous_transform="heavy_tails",
        beta_1="auto",
        category_shares="train",
        enforce_bounds=True,
        reproduce_missing=True,
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
        self.neighbour_noise = neighbour_noise
        self.dropout = dropout
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
        self.column_roles = column_roles
        self.max_categories = max_categories
        self.continuous_transform = continuous_transform
        self.beta_1 = beta_1
        self.category_shares = category_shares
        self.enforce_bounds = enforce_bounds
        self.reproduce_missing = reproduce_missing
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
        with restored_on_error(self):
            return self._fit(X, y, warm=self.warm_start and hasattr(self, "model_"), one_pass=False)

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
        ...     rows = rng.uniform(size=(100, 2))
        ...     rows[:2] = [[0.0, 0.0], [1.0, 1.0]]  # the first call's rows set each column's range
        ...     gen = gen.partial_fit(rows)
        >>> gen.n_iter_  # two steps of 50 rows per chunk
        6
        """
        with restored_on_error(self):
            return self._fit(X, y, warm=hasattr(self, "model_"), one_pass=True)

    def _fit(self, X, y, *, warm: bool, one_pass: bool):
        X = validate_table(self, X, reset=not warm)
        if y is not None:
            check_consistent_length(X, y)
        previous = FittedState.of(self) if warm else None
        # Only now, with training done, is the estimator's state replaced.
        return self._set_fitted(fit_state(self, X, y, previous=previous, one_pass=one_pass))

    def _set_fitted(self, state: FittedState) -> BFNGenerator:
        """Write every fitted attribute from ``state`` (fit, :func:`skbfn.load`, unpickling); networks on its device."""
        place(state.device, self.precision, state.model, state.ema)
        attributes = state.attributes()
        if "classes_" not in attributes:
            self.__dict__.pop("classes_", None)
        self.__dict__.update(attributes)
        return self

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
        state = upgrade_generator_state(state)
        super().__setstate__(state)
        if "model_" in state:  # fused flows, on the device asked for where it exists here, else the CPU
            fuse_flows(self.model_, self.ema_.module)
            fitted = FittedState.of(self)
            fitted.device = available_device(self.device)
            self._set_fitted(fitted)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = True
        return tags
