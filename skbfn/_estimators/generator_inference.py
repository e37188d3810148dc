"""What a fitted :class:`~skbfn.BFNGenerator` does with rows: draws them, scores them, names its relations.

``GeneratorInference`` is the part of the estimator that reads its
fitted state and hands each job to its room: :mod:`skbfn._inference.sampling`
draws, :mod:`skbfn._inference.scoring` bounds likelihoods. It is a mixin, as
scikit-learn's ``BaseMixture`` holds the sampling and scoring of
``GaussianMixture``; :mod:`.generator` holds the parameters and fitting.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .._device import MAX_SEED, numpy_generator, to_tensor, torch_generator
from .._encoding import validate_table
from .._encoding.arithmetic import with_results_solved
from .._encoding.blanks import with_blanks
from .._encoding.calendar_fields import with_dates_on_given_fields
from .._encoding.relations import describe_relations
from .._inference.sampling import (
    SamplerSettings,
    check_can_condition_on_cells,
    draw,
    given_table,
    sampling_bounds,
    sampling_relations,
    sampling_repair,
    with_given_cells,
)
from .._inference.scoring import BoundSettings, elbo_with_tails

__all__ = ["GeneratorInference"]


class GeneratorInference:
    """Sampling, scoring and the relations in words of a fitted :class:`~skbfn.BFNGenerator` (a mixin)."""

    def _encode_condition(self, y, n_rows: int) -> torch.Tensor | None:
        if y is None:
            return None
        if self.condition_encoder_ is None:
            raise ValueError("This BFNGenerator was fitted without y; it cannot condition on y.")
        return to_tensor(self.condition_encoder_.broadcast(y, n_rows), self.device_)

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
            cells (NaN, None, ``pd.NA``, or a column's own marker such as
            ``'?'``) are the ones to generate, row by row (a DataFrame may
            hold some of the columns: the others are generated); or a dict
            ``{column: value}`` fixing those columns in every row
            (keys are column names for a model fitted on a DataFrame, else
            indices). Given cells come back unchanged. Unknown categories,
            integers outside a discretised column's range and real values
            outside the range the model covers raise ValueError.

        Returns
        -------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            Rows in the original units and types of the training data (drawn
            in runs of at most 4,096 rows on the CPU, whose tensors then stay
            in the caches, and 262,144 on CUDA, so memory stays bounded): a
            DataFrame with the same columns, dtypes and categories when fitted
            on one; else a float array (integer columns integral), or an
            object array when there are categorical columns.

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
        table = given_values = None
        if given is not None:
            table = given_table(
                given,
                n_samples,
                validate=lambda X: validate_table(self, X, reset=False),
                feature_names=self.encoder_.feature_names,
                as_frame=self.encoder_.is_frame_,
            )
            table = self.encoder_.split(table)  # a compound column as its parts
            given_values = self.encoder_.transform(table, strict=True, as_observed=True)
            check_can_condition_on_cells(self.model_, self.conditional_fraction)
        elif self.encoder_.indicators_ and not self.reproduce_missing:  # whole rows from a model of missing cells
            given_values = self.encoder_.observed_request(n_samples)
            check_can_condition_on_cells(self.model_, self.conditional_fraction)
        generator = torch_generator(self.random_state if random_state is None else random_state, self.device_)
        encoded = draw(
            self.ema_.module,
            SamplerSettings.of(self),
            n_samples,
            generator=generator,
            cond=cond,
            given_values=given_values,
            tilt=self.category_tilt_,
            bounds=sampling_bounds(self.encoder_, self),
            relations=sampling_relations(self.encoder_, self),
            repair=sampling_repair(self.encoder_, self, self.model_),
        )
        if table is not None:  # a drawn date moves to the given weekday, month...
            encoded = with_dates_on_given_fields(self.encoder_, encoded, given_values)
        if self.reproduce_missing:  # a cell its category leaves blank in every training row
            encoded = with_blanks(self.encoder_, encoded, given_values)
        rows = self.encoder_.inverse_transform(encoded, numpy_generator(generator))  # with rare levels drawn
        if table is not None:
            rows = with_given_cells(rows, table, lambda j, values: self.encoder_.columns_[j].missing_cells(values))
            with_results_solved(self.encoder_, rows, table)  # a given total: its drawn term makes it add up
        return self.encoder_.join(rows)  # a compound column written from its parts

    @property
    def column_relations_(self) -> list[str]:
        """The relations between columns that samples keep, in words (see the class's Attributes)."""
        if not hasattr(self, "encoder_"):
            raise AttributeError("column_relations_ is set by fit.")
        return describe_relations(self.encoder_)

    def score_samples(self, X, y=None):
        """Lower bound on the log-likelihood of each row (the ELBO), in nats.

        ``-(L(x) + L_r(x))`` in scaled units plus the log-Jacobian of the
        scaling, so the value bounds ``ln p(x)`` (or ``ln p(x | y)``) in the
        original units of X. For a mixed table ``p`` is a density over the
        real-valued columns times a probability mass over the discretised and
        categorical ones (and over a real column's point masses, round
        values and copies of another column, for cells on them); with no
        real-valued column it is a log-probability
        (at most 0). A cell that other cells of its row determine (a
        weekday beside its date, a total beside its terms: see the Column
        roles guide) counts as certain, and its row scores ``-inf`` where it
        holds another value, as a row whose integer cell is not an integer
        does; a score is never NaN; an integer beyond a discretised
        column's training range gets a small tail mass (about -8.3 nats one
        step beyond, ``ln 2`` more per further step), and a value of a
        continuous column (real, or a dequantised integer) beyond its
        training range a small tail density (about -11.7 nats, plus the
        log-Jacobian, a tenth of the range beyond; see the likelihood guide),
        where the model's own density would fall like a Gaussian of width
        ``sigma_1``. A value more than a million training half-ranges from
        the range's centre, beyond what the float32 model can score, is
        scored by its tail alone (by a model fitted before the tails, ``-inf``).
        A category not seen in fit scores ``ln(1e-5)`` (about -11.5 nats) and
        its row the rest as if the cell were absent; each seen category
        ``ln(1 - 1e-5)`` (a model fitted before this tail raises ValueError).
        Missing cells:
        a column that had missing cells in fit scores the row's pattern of
        missing cells (``reproduce_missing``); elsewhere a missing cell is
        left out, and the bound is on the observed cells only (:meth:`score`
        warns, as such rows can outrank complete ones). With
        ``category_shares='train'`` and no ``y``, each row's score also adds
        the log-weights of its categories (``category_tilt_``), a bound on
        the log-likelihood of the tilted model that sampling draws from,
        with an extra slack of ``-log_mean_acceptance``: do not compare
        such scores with ``category_shares='model'`` scores.
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
        X = self.encoder_.split(validate_table(self, X, reset=False))
        with_tails = bool(self.encoder_.category_tail_)  # models before the category tails refuse unseen ones
        encoded = self.encoder_.transform(X, unseen_categories=with_tails)
        encoded[self.encoder_.copied_cells(encoded)] = np.nan  # a copy of another cell: its indicator scores it
        encoded[self.encoder_.certain_cells(X)] = np.nan  # a weekday beside its date: certain (or off_support)
        beyond, log_tail = self.encoder_.beyond_range(X)
        encoded[beyond] = np.nan  # an integer beyond its column's range: scored by the tail, as absent here
        unseen, log_categories = self.encoder_.unseen_categories(X)
        encoded[unseen] = np.nan  # a category not seen in fit: scored by its column's tail, as absent here
        log_tail += log_categories
        far = self.encoder_.far_cells(encoded)
        encoded[far] = 0.0  # no density the float32 model can compute: its tail scores it (or the row is -inf)
        if np.isnan(encoded).any() and not self.model_.cell_inputs:
            raise ValueError(
                "This model was saved by an skbfn release without missing-value support: "
                "it cannot score rows with missing cells."
            )
        cond = self._encode_condition(y, X.shape[0])
        seed_source = 0 if self.random_state is None else copy.deepcopy(self.random_state)
        seed = int(check_random_state(seed_source).randint(MAX_SEED))
        bound = BoundSettings.of(self, self.encoder_)
        tails = self.encoder_.continuous_tails(X, encoded, far)
        scores = elbo_with_tails(self.ema_.module, encoded, cond, tails, bound=bound, seed=seed)
        scores += self.encoder_.row_log_jacobian(X) + log_tail
        if self.category_tilt_ is not None and y is None:
            scores += self.category_tilt_.log_score_offset(encoded)
        # no mass, or no density the model can compute and no tail (models of earlier releases)
        scores[self.encoder_.off_support(X) | (far & ~tails.beyond).any(axis=1)] = -np.inf
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
        scores = self.score_samples(X, y)
        if self.encoder_.unmodelled_missing(self.encoder_.split(validate_table(self, X, reset=False))).any():
            warnings.warn(
                "X has missing cells in columns that had none in fit: those rows are scored on their observed "
                "cells only, so they can score above complete rows; their mean is no fair model score.",
                UserWarning,
                stacklevel=2,
            )
        return float(np.mean(scores))
