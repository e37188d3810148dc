"""One call that answers "is my synthetic table faithful, useful and safe?": :func:`evaluate`."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ._tables import MAX_CATEGORIES, as_frame, learn_layout
from .fidelity import classifier_two_sample_auc, column_shapes, pair_trends
from .privacy import MembershipAudit, audit_scores, copied_values, exact_copies, nearest_training_distances
from .relations import relations_kept
from .utility import Utility, synthetic_utility

__all__ = ["SyntheticDataReport", "evaluate"]


def _mean(values) -> float:
    values = np.asarray(list(values), dtype=np.float64)
    return float(np.nanmean(values)) if len(values) and not np.isnan(values).all() else float("nan")


@dataclass(frozen=True)
class SyntheticDataReport:
    """Fidelity, utility and privacy of synthetic rows, as :func:`evaluate` measured them.

    Fidelity distances are in [0, 1] with 0 best; each comes with the same
    measure between the real training and held-out rows (``reference``), the
    floor that a generator as good as fresh real data would reach.

    Parameters
    ----------
    n_synthetic, n_train, n_holdout : int
        Rows compared.
    column_shapes : dict
        Column to the distance between its synthetic and held-out marginals
        (Kolmogorov-Smirnov for numbers, total variation for categories).
    pair_trends : dict
        ``(column, column)`` to the distance between their synthetic and
        held-out trends (rank correlation, or joint frequencies with a category).
    two_sample_auc : float
        Classifier two-sample test, synthetic against held-out rows (0.5 best).
    reference : dict
        ``column_shapes``, ``pair_trends``, ``two_sample_auc`` and
        ``relations_kept`` of the training rows against the held-out rows
        (the held-out rows' shares keeping the relations).
    utility : Utility or None
        Train on synthetic, test on real, beside train on real (with a target).
    exact_copies : int
        Synthetic rows identical to a training row.
    closest_record_share : float
        Share of synthetic rows nearer a training row than the ``quantile`` of
        held-out rows are (about ``quantile`` for rows as new as fresh data).
    quantile : float
        The held-out quantile behind ``closest_record_share``.
    membership : MembershipAudit or None
        The likelihood membership audit (with a generator that has
        ``score_samples``); 0.5 means nothing memorised.
    copied_values : dict
        Free-text column to the share of its synthetic values copied from training.
    free_columns : tuple
        Columns left out of fidelity and distances (ids, free text).
    relations_kept : dict
        Each relation between columns that every training row keeps (an
        order, a lookup, a rule...: :func:`relations_kept`), in words, to the
        share of synthetic rows keeping it (1 is best).
    nearest_distances : tuple of ndarray
        Each synthetic and each held-out row's L1 distance to its nearest
        training row (drawn by :meth:`plot`).
    membership_scores : tuple of ndarray
        ``score_samples`` of the training and of the held-out rows (drawn by
        :meth:`plot`); empty without an audit.

    See Also
    --------
    evaluate : Builds the report.

    Examples
    --------
    >>> import numpy as np
    >>> from skbfn.metrics import evaluate
    >>> rng = np.random.default_rng(0)
    >>> train, holdout, synthetic = (rng.normal(size=(300, 2)) for _ in range(3))
    >>> report = evaluate(synthetic, train, holdout, random_state=0)
    >>> report.exact_copies, report.membership is None, round(report.two_sample_auc, 1)
    (0, True, 0.5)
    """

    n_synthetic: int
    n_train: int
    n_holdout: int
    column_shapes: dict
    pair_trends: dict
    two_sample_auc: float
    reference: dict
    utility: Utility | None
    exact_copies: int
    closest_record_share: float
    quantile: float
    membership: MembershipAudit | None
    copied_values: dict
    free_columns: tuple
    relations_kept: dict = field(default_factory=dict)
    nearest_distances: tuple = field(default=(), repr=False, compare=False)
    membership_scores: tuple = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict:
        """The report as plain Python values (nested dicts, lists, floats), ready for JSON once keys are text.

        Returns
        -------
        report : dict
            ``{'rows', 'fidelity', 'reference', 'utility', 'privacy'}``.
        """

        def fidelity(shapes, pairs, auc, relations):
            return {
                "column_shapes": dict(shapes),
                "column_shapes_mean": _mean(shapes.values()),
                "pair_trends": [{"columns": list(pair), "distance": value} for pair, value in pairs.items()],
                "pair_trends_mean": _mean(pairs.values()),
                "two_sample_auc": auc,
                "relations_kept": dict(relations),
            }

        ref = self.reference
        return {
            "rows": {"synthetic": self.n_synthetic, "train": self.n_train, "holdout": self.n_holdout},
            "fidelity": fidelity(self.column_shapes, self.pair_trends, self.two_sample_auc, self.relations_kept),
            "reference": fidelity(
                ref["column_shapes"], ref["pair_trends"], ref["two_sample_auc"], ref.get("relations_kept", {})
            ),
            "utility": None if self.utility is None else dict(vars(self.utility)),
            "privacy": {
                "exact_copies": self.exact_copies,
                "closest_record_share": self.closest_record_share,
                "quantile": self.quantile,
                "membership": None if self.membership is None else dict(vars(self.membership)),
                "copied_values": dict(self.copied_values),
            },
            "free_columns": list(self.free_columns),
        }

    def summary(self) -> str:
        """The report as a table of text: each figure beside its real-data reference and what is best."""
        ref = self.reference
        lines = [
            f"Synthetic data report: {self.n_synthetic} synthetic rows, {self.n_train} training rows, "
            f"{self.n_holdout} held-out rows",
            f"{'':<44}{'synthetic':>10}{'real':>8}   (real: training against held-out rows)",
            "Fidelity (0 is best)",
            f"  {'column shapes, mean (KS / TVD)':<42}{_mean(self.column_shapes.values()):>10.3f}"
            f"{_mean(ref['column_shapes'].values()):>8.3f}",
            f"  {'pair trends, mean':<42}{_mean(self.pair_trends.values()):>10.3f}"
            f"{_mean(ref['pair_trends'].values()):>8.3f}",
            f"  {'classifier two-sample AUC (0.5 is best)':<42}{self.two_sample_auc:>10.3f}"
            f"{ref['two_sample_auc']:>8.3f}",
        ]
        worst = sorted(self.column_shapes.items(), key=lambda item: -item[1])[:3]
        if worst:
            lines.append("  furthest columns: " + ", ".join(f"{name} {value:.3f}" for name, value in worst))
        if self.relations_kept:
            lines.append(
                f"  {f'relations kept, mean share of {len(self.relations_kept)} (1 is best)':<42}"
                f"{_mean(self.relations_kept.values()):>10.3f}{_mean(ref.get('relations_kept', {}).values()):>8.3f}"
            )
            broken = sorted((item for item in self.relations_kept.items() if item[1] < 1), key=lambda item: item[1])
            if broken:
                lines.append("  broken most: " + "; ".join(f"{name} {share:.3f}" for name, share in broken[:3]))
        if self.utility is not None:
            u = self.utility
            lines += [
                f"Utility ({u.target}: {u.metric} on held-out rows, higher is better)",
                f"  {'trained on synthetic rows / on real rows':<42}{u.synthetic:>10.3f}{u.real:>8.3f}",
            ]
        lines += [
            "Privacy",
            f"  {'exact copies of training rows':<42}{self.exact_copies:>10d}",
            f"  {f'nearer a training row than {self.quantile:.0%} of held-out':<42}"
            f"{self.closest_record_share:>10.1%}{self.quantile:>8.1%}",
        ]
        if self.membership is not None:
            m = self.membership
            lines.append(
                f"  {'membership AUC (0.5: nothing memorised)':<42}{m.auc:>10.3f}"
                f"   95% interval {m.low:.3f} to {m.high:.3f}"
            )
        for name, share in self.copied_values.items():
            lines.append(f"  {f'{name}: values copied from training':<42}{share:>10.1%}")
        if self.free_columns:
            lines.append(f"Left out of fidelity (free text or ids): {', '.join(map(str, self.free_columns))}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def plot(self, *, figure=None):
        """Draw the report: column shapes, pair trends, closeness to training rows and the membership scores.

        Parameters
        ----------
        figure : matplotlib Figure, optional
            Where to draw; a new 12 x 8 inch figure by default.

        Returns
        -------
        figure : matplotlib Figure
            Four panels.
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError as exc:
            raise ImportError("SyntheticDataReport.plot needs matplotlib: pip install matplotlib") from exc

        figure = figure or plt.figure(figsize=(12, 8))
        axes = figure.subplots(2, 2).ravel()
        self._plot_shapes(axes[0])
        self._plot_pairs(axes[1], figure)
        self._plot_closeness(axes[2])
        self._plot_membership(axes[3])
        figure.tight_layout()
        return figure

    def _plot_shapes(self, ax) -> None:
        names = [str(name) for name in self.column_shapes]
        ax.barh(names, list(self.column_shapes.values()), color="tab:blue", label="synthetic")
        ax.scatter(list(self.reference["column_shapes"].values()), names, color="black", marker="|", s=200,
                   label="real: training vs held-out", zorder=3)  # fmt: skip
        ax.invert_yaxis()
        ax.set(xlabel="KS (numbers) or TVD (categories); 0 is best", title="Column shapes")
        ax.legend(loc="lower right", fontsize="small")

    def _plot_pairs(self, ax, figure) -> None:
        names = [name for name in self.column_shapes]
        index = {name: k for k, name in enumerate(names)}
        matrix = np.full((len(names), len(names)), np.nan)
        for (a, b), value in self.pair_trends.items():
            matrix[index[b], index[a]] = value  # synthetic below the diagonal
        for (a, b), value in self.reference["pair_trends"].items():
            matrix[index[a], index[b]] = value  # real reference above it
        image = ax.imshow(matrix, vmin=0, vmax=max(0.25, float(np.nan_to_num(matrix).max())), cmap="Reds")
        ax.set_xticks(range(len(names)), [str(n) for n in names], rotation=90, fontsize="small")
        ax.set_yticks(range(len(names)), [str(n) for n in names], fontsize="small")
        ax.set_title("Pair trends: synthetic (below), real reference (above)")
        figure.colorbar(image, ax=ax, shrink=0.8)

    def _plot_closeness(self, ax) -> None:
        synthetic, holdout = self.nearest_distances
        threshold = np.quantile(holdout, self.quantile)
        bins = np.histogram_bin_edges(np.concatenate([synthetic, holdout]), bins=40)
        ax.hist(holdout, bins=bins, density=True, alpha=0.6, label="held-out rows", color="gray")
        ax.hist(synthetic, bins=bins, density=True, alpha=0.6, label="synthetic rows", color="tab:blue")
        ax.axvline(threshold, color="black", linestyle="--", label=f"{self.quantile:.0%} of held-out")
        ax.set(xlabel="L1 distance to the nearest training row", title=f"Closeness: "
               f"{self.closest_record_share:.1%} of synthetic rows below the line")  # fmt: skip
        ax.legend(fontsize="small")

    def _plot_membership(self, ax) -> None:
        if self.membership is None:
            ax.text(0.5, 0.5, "no membership audit\n(the generator has no score_samples)", ha="center", va="center")
            ax.set_axis_off()
            return
        train, holdout = (np.clip(s, np.min(s[np.isfinite(s)], initial=0.0), None) for s in self.membership_scores)
        bins = np.histogram_bin_edges(np.concatenate([train, holdout]), bins=40)
        ax.hist(holdout, bins=bins, density=True, alpha=0.6, label="held-out rows", color="gray")
        ax.hist(train, bins=bins, density=True, alpha=0.6, label="training rows", color="tab:orange")
        ax.set(xlabel="score_samples (log-likelihood)", title=f"Membership audit: AUC {self.membership.auc:.3f}")
        ax.legend(fontsize="small")


def _draw(generator, n: int, seed: int, columns):
    """``n`` rows from a fitted generator's ``sample`` (seeded where it takes ``random_state``)."""
    takes_seed = "random_state" in inspect.signature(generator.sample).parameters
    rows = generator.sample(n, random_state=seed) if takes_seed else generator.sample(n)
    return rows[0] if isinstance(rows, tuple) else rows  # GaussianMixture returns (X, labels)


def _conform(rows, train: pd.DataFrame) -> pd.DataFrame:
    """An array of the training rows' width takes their column names, and a table whose names are the training
    names as text (what a generator fitted before skbfn kept integer labels returns for a frame with numbered
    columns) takes the names themselves."""
    if not isinstance(rows, pd.DataFrame) and np.ndim(rows) == 2 and np.shape(rows)[1] == train.shape[1]:
        rows = pd.DataFrame(np.asarray(rows), columns=train.columns)
    elif isinstance(rows, pd.DataFrame) and list(map(str, rows.columns)) == list(map(str, train.columns)):
        rows = rows.set_axis(train.columns, axis=1)
    return as_frame(rows, train.columns)


def evaluate(
    source,
    X_train,
    X_holdout,
    *,
    target=None,
    n_synthetic: int | None = None,
    quantile: float = 0.05,
    n_bootstrap: int = 200,
    max_rows: int | None = 20_000,
    max_categories: int | str = MAX_CATEGORIES,
    utility_estimator=None,
    random_state=None,
) -> SyntheticDataReport:
    """Fidelity, utility and privacy of a generator's synthetic rows, in one report.

    Parameters
    ----------
    source : fitted generator, or DataFrame or array-like
        A fitted model with ``sample`` (:class:`~skbfn.BFNGenerator`,
        :class:`~sklearn.mixture.GaussianMixture`, ...), which draws
        ``n_synthetic`` rows, or the synthetic rows themselves. A model with
        ``score_samples`` also gets the likelihood membership audit.
    X_train : DataFrame or array-like
        The rows the generator was fitted on.
    X_holdout : DataFrame or array-like
        Rows of the same data that it never saw, with the same columns.
    target : column name or int, optional
        A column to predict for the utility test (train on synthetic, test on
        real); none by default.
    n_synthetic : int, optional
        Rows to draw from a generator; as many as ``X_train`` by default.
    quantile : float, default=0.05
        The held-out quantile of distances that defines "close".
    n_bootstrap : int, default=200
        Bootstrap resamples for the membership audit's interval.
    max_rows : int or None, default=20000
        At most this many rows of each table in the classifier two-sample test.
    max_categories : int or 'auto', default='auto'
        Text columns with more distinct training values are free text: left
        out of fidelity, checked for copied values. 'auto': more than 50,
        unless they repeat (each held by 5 training rows or more on average,
        at most 200), as :class:`~skbfn.BFNGenerator` reads them.
    utility_estimator : estimator, optional
        The model of the utility test; histogram gradient boosting by default.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw, the classifiers and the bootstrap.

    Returns
    -------
    report : SyntheticDataReport
        Print it for a summary; ``to_dict()`` for the figures; ``plot()`` for
        a figure.

    See Also
    --------
    skbfn.metrics.membership_audit, skbfn.metrics.closest_record_share,
    skbfn.metrics.classifier_two_sample_auc, skbfn.metrics.synthetic_utility

    Notes
    -----
    Fidelity compares the synthetic rows with the held-out rows, and the
    training rows with the held-out rows as a reference, so that sampling
    noise shows as the reference's distance. Privacy compares the synthetic
    rows with the training rows. Read them together: a generator that copies
    its training rows looks faithful.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from skbfn import BFNGenerator, evaluate
    >>> iris = load_iris(as_frame=True)
    >>> table = iris.frame.assign(target=iris.target_names[iris.target])
    >>> train, holdout = train_test_split(table, test_size=0.3, random_state=0)
    >>> gen = BFNGenerator(max_iter=200, random_state=0).fit(train)
    >>> report = evaluate(gen, train, holdout, target="target", random_state=0)
    >>> sorted(report.to_dict())
    ['fidelity', 'free_columns', 'privacy', 'reference', 'rows', 'utility']
    >>> report.utility.task, report.exact_copies, report.n_synthetic
    ('classification', 0, 105)
    >>> print(report)  # doctest: +ELLIPSIS
    Synthetic data report: 105 synthetic rows, 105 training rows, 45 held-out rows
    ...
    """
    train = as_frame(X_train)
    holdout = as_frame(X_holdout, train.columns)
    if len(train) == 0 or len(holdout) == 0:
        raise ValueError("evaluate needs at least one training row and one held-out row.")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie in (0, 1), got {quantile!r}.")
    rng = check_random_state(random_state)
    is_model = not hasattr(source, "columns") and callable(getattr(source, "sample", None))
    if is_model:
        n = len(train) if n_synthetic is None else int(n_synthetic)
        if n < 1:
            raise ValueError(f"n_synthetic must be at least 1, got {n_synthetic!r}.")
        synthetic = _conform(_draw(source, n, rng.randint(2**31 - 1), train.columns), train)
    else:
        synthetic = _conform(source, train)
    if len(synthetic) == 0:
        raise ValueError("there are no synthetic rows to evaluate.")
    layout = learn_layout(train, max_categories=max_categories)
    layout.require_compared_columns("the report")
    c2st_seed = rng.randint(2**31 - 1)  # the same folds and classifier for the synthetic rows and the reference
    reference = {
        "column_shapes": column_shapes(holdout, train, layout=layout),
        "pair_trends": pair_trends(holdout, train, layout=layout),
        "two_sample_auc": classifier_two_sample_auc(
            holdout, train, layout=layout, max_rows=max_rows, random_state=c2st_seed
        ),
        "relations_kept": relations_kept(train, holdout, max_categories=max_categories),
    }
    utility = None
    if target is not None:
        utility = synthetic_utility(synthetic, train, holdout, target, estimator=utility_estimator, random_state=rng)
    membership, scores = None, ()
    if is_model and callable(getattr(source, "score_samples", None)):
        membership, scores = audit_scores(source, train, holdout, n_bootstrap=n_bootstrap, random_state=rng)
    nearest = nearest_training_distances(synthetic, train, holdout, layout)
    return SyntheticDataReport(
        n_synthetic=len(synthetic),
        n_train=len(train),
        n_holdout=len(holdout),
        column_shapes=column_shapes(holdout, synthetic, layout=layout),
        pair_trends=pair_trends(holdout, synthetic, layout=layout),
        two_sample_auc=classifier_two_sample_auc(
            holdout, synthetic, layout=layout, max_rows=max_rows, random_state=c2st_seed
        ),
        reference=reference,
        utility=utility,
        exact_copies=exact_copies(synthetic, train),
        closest_record_share=float(np.mean(nearest[0] < np.quantile(nearest[1], quantile))),
        quantile=quantile,
        membership=membership,
        copied_values=copied_values(synthetic, train, max_categories=max_categories),
        free_columns=layout.free,
        relations_kept=relations_kept(train, synthetic, max_categories=max_categories),
        nearest_distances=nearest,
        membership_scores=scores,
    )
