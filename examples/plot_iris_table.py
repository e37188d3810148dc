"""
Synthetic iris: a mixed table with a categorical column
=======================================================

Fit :class:`skbfn.BFNGenerator` on the iris data as a DataFrame, with the
species as a pandas category. One model covers the four real-valued
measurements and the category together; samples come back as a DataFrame with
the same columns, dtypes and categories. Writes ``iris_table.png``: real beside
synthetic marginals, and a pairwise plot coloured by species.
"""

# %%

# sphinx_gallery_start_ignore
import matplotlib

matplotlib.use("Agg")  # scripts write PNGs; no window
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.datasets import load_iris

from skbfn import BFNGenerator

iris = load_iris(as_frame=True)
real = iris.frame.copy()
real["target"] = pd.Categorical(np.asarray(iris.target_names)[iris.target])
real = real.rename(columns={"target": "species"})

gen = BFNGenerator(random_state=0).fit(real)
synthetic = gen.sample(len(real))
print(synthetic.dtypes)
print(synthetic.head())

# %%
# Marginals: real beside synthetic.
numeric = [c for c in real.columns if c != "species"]
fig, axes = plt.subplots(2, 5, figsize=(20, 7))
for ax, column in zip(axes[0, :4], numeric, strict=True):
    bins = np.linspace(real[column].min() - 0.5, real[column].max() + 0.5, 25)
    ax.hist(real[column], bins=bins, alpha=0.6, label="real")
    ax.hist(synthetic[column], bins=bins, alpha=0.6, label="synthetic")
    ax.set_title(column)
    ax.legend()
counts = pd.DataFrame({"real": real["species"].value_counts(), "synthetic": synthetic["species"].value_counts()})
_ = counts.plot.bar(ax=axes[0, 4], rot=0, title="species")
axes[0, 4].set_ylim(0, 1.35 * counts.to_numpy().max())  # room above the bars for the legend
_ = axes[0, 4].legend(loc="upper center", ncol=2)
# sphinx_gallery_defer_figures

# %%
# Pairwise structure: petal and sepal measurements, coloured by species.
colours = dict(zip(real["species"].cat.categories, ["tab:blue", "tab:orange", "tab:green"], strict=True))
pairs = [("petal length (cm)", "petal width (cm)"), ("sepal length (cm)", "sepal width (cm)")]
for row, (x, y) in enumerate(pairs):
    for col, (title, table) in enumerate([("real", real), ("synthetic", synthetic)]):
        ax = axes[1, 2 * row + col]
        ax.scatter(table[x], table[y], c=table["species"].map(colours).tolist(), s=10)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(title)
axes[1, 4].axis("off")
fig.tight_layout()
# sphinx_gallery_start_ignore
fig.savefig("iris_table.png", dpi=70)
# sphinx_gallery_end_ignore

# %%
# What to see: each marginal of the synthetic table follows the real one,
# including the two clusters of the petal measurements, and the species
# shares stay near a third each (150 rows: a few rows either way is sampling
# noise). In the scatter plots each species keeps its own region, so the model
# learned the joint structure of the columns, not only the marginals.
