"""
Membership audit: skbfn, a Gaussian mixture and kernel density side by side
===========================================================================

A model that scores its training rows higher than rows it never saw has
learned them. :func:`skbfn.metrics.membership_audit` measures this as the ROC
AUC of ``score_samples`` on training rows against held-out rows: 0.5 means
nothing memorised, 1 that every training row outscores every new one. It works
for any estimator with ``score_samples``, so
:class:`~sklearn.mixture.GaussianMixture` (components chosen by BIC) and
:class:`~sklearn.neighbors.KernelDensity` (bandwidth chosen by
cross-validation) can be audited beside :class:`skbfn.BFNGenerator`.

``skbfn`` is shown twice: with its defaults, which on tables this small train
with dropout (``dropout='auto'``: 0.5), and without dropout
(``dropout=0``), which learns the training rows by heart (Choosing parameters
in the user guide has the trade-off).

Two of scikit-learn's real tables, each split 70/30. The figure shows each
model's audit AUC with its 95% bootstrap interval, and beside it the share of
its synthetic rows that lie nearer a training row than 95% of held-out rows do
(about 5% for rows as new as fresh data). Writes ``membership_audit.png``.
"""

# %%

# sphinx_gallery_start_ignore
import matplotlib

matplotlib.use("Agg")  # scripts write PNGs; no window
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbfn import BFNGenerator
from skbfn.metrics import closest_record_share, membership_audit


def gaussian_mixture(train):
    """Components 1..8 by BIC, on standardised columns."""
    fits = [make_pipeline(StandardScaler(), GaussianMixture(k, random_state=0)).fit(train) for k in range(1, 9)]
    return min(fits, key=lambda fit: fit[-1].bic(fit[0].transform(train)))


def kernel_density(train):
    """Bandwidth by 5-fold cross-validated likelihood, on standardised columns."""
    search = GridSearchCV(KernelDensity(), {"bandwidth": np.logspace(-1.5, 0.5, 12)}, cv=5)
    return make_pipeline(StandardScaler(), search).fit(train)


def draw(model, n):
    """``n`` rows in the original units (a pipeline samples in its scaled units)."""
    if isinstance(model, BFNGenerator):
        return model.sample(n, random_state=0)
    scaler, density = model[0], model[-1]
    density = getattr(density, "best_estimator_", density)
    rows = density.sample(n) if isinstance(density, GaussianMixture) else density.sample(n, random_state=0)
    return scaler.inverse_transform(rows[0] if isinstance(rows, tuple) else rows)


tables = {"wine": load_wine(return_X_y=True)[0], "breast cancer": load_breast_cancer(return_X_y=True)[0]}
builders = {
    "skbfn": lambda train: BFNGenerator(random_state=0).fit(train),
    "skbfn, no dropout": lambda train: BFNGenerator(dropout=0.0, random_state=0).fit(train),
    "Gaussian mixture": gaussian_mixture,
    "kernel density": kernel_density,
}
results = {}
for table_name, X in tables.items():
    train, holdout = train_test_split(X, test_size=0.3, random_state=0)
    for model_name, build in builders.items():
        model = build(train)
        audit = membership_audit(model, train, holdout, random_state=0)
        close = closest_record_share(draw(model, len(train)), train, holdout)
        results[table_name, model_name] = (audit, close)
        print(f"{table_name:<14} {model_name:<18} {audit}; closeness {close:.1%}")

# %%
# The audit beside closeness. Closeness looks at the synthetic rows alone and
# misses most of what the audit sees: a model can learn its training rows
# without reproducing them.
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
colours = dict(zip(builders, ["tab:blue", "tab:purple", "tab:orange", "tab:green"], strict=True))
for t, table_name in enumerate(tables):
    for m, model_name in enumerate(builders):
        audit, close = results[table_name, model_name]
        x = t + (m - 1.5) * 0.2
        label = model_name if t == 0 else None
        axes[0].errorbar(x, audit.auc, yerr=[[audit.auc - audit.low], [audit.high - audit.auc]], fmt="o",
                         color=colours[model_name], capsize=4, label=label)  # fmt: skip
        axes[1].bar(x, close, width=0.18, color=colours[model_name], label=label)
for ax, title in zip(axes, ["membership audit: ROC AUC (0.5: nothing memorised)", "synthetic rows near a training "
                            "row (5%: as new as fresh data)"], strict=True):  # fmt: skip
    ax.set_xticks(range(len(tables)), list(tables))
    ax.set_title(title, fontsize="medium")
    ax.legend(fontsize="small")
axes[0].axhline(0.5, color="gray", linestyle="--")
axes[1].axhline(0.05, color="gray", linestyle="--")
fig.tight_layout()
fig.savefig("membership_audit.png", dpi=80)
