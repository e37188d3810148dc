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
layout = [["m0", "m1", "m2", "m3"], ["pr", "ps", "sr", "ss"], ["species", "species", ".", "."]]
fig, axes = plt.subplot_mosaic(layout, figsize=(16, 11))
for i, column in enumerate(numeric):
    ax = axes[f"m{i}"]
    bins = np.linspace(real[column].min() - 0.5, real[column].max() + 0.5, 25)
    ax.hist(real[column], bins=bins, alpha=0.6, label="real")
    ax.hist(synthetic[column], bins=bins, alpha=0.6, label="synthetic")
    ax.set_title(column)
    ax.legend()
counts = pd.DataFrame({"real": real["species"].value_counts(), "synthetic": synthetic["species"].value_counts()})
_ = counts.plot.bar(ax=axes["species"], rot=0, title="species")
axes["species"].set_ylim(0, 1.35 * counts.to_numpy().max())  # room above the bars for the legend
_ = axes["species"].legend(loc="upper center", ncol=2)
# sphinx_gallery_defer_figures

# %%
# Pairwise structure: petal and sepal measurements, coloured by species.
colours = dict(zip(real["species"].cat.categories, ["tab:blue", "tab:orange", "tab:green"], strict=True))
pairs = {"p": ("petal length (cm)", "petal width (cm)"), "s": ("sepal length (cm)", "sepal width (cm)")}
for key, (x, y) in pairs.items():
    for suffix, title, table in [("r", "real", real), ("s", "synthetic", synthetic)]:
        ax = axes[key + suffix]
        ax.scatter(table[x], table[y], c=table["species"].map(colours).tolist(), s=10)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        ax.set_title(title)
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
