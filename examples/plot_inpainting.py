"""
Inpainting digits: complete images from half of their pixels
=============================================================

A :class:`skbfn.BFNGenerator` with a UNet learns scikit-learn's 8x8 digits
with their labels. ``sample(n, given=...)`` then completes images of which
some pixels are known: the known pixels are given to the network exactly,
and the others are drawn from the model's conditional distribution given
them, with no rejection step. Here the known pixels are the top half of
each test image, or a random half, and the completions are drawn without
the label and with it (class-guided). Writes ``digits_inpainting.png``:
originals, masks and completions.

About five minutes on two CPU cores; ``device="cuda"`` when a GPU is there.
"""

# %%

# sphinx_gallery_start_ignore
import matplotlib

matplotlib.use("Agg")  # scripts write PNGs; no window
# sphinx_gallery_end_ignore
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
gen = BFNGenerator(
    network="unet",
    hidden_layer_sizes=(32, 64),
    max_iter=1000,
    batch_size=128,
    cond_drop_prob=0.2,
    conditional_fraction=0.5,  # half of the training images teach completions
    random_state=0,
)
gen.fit(X_train, y_train)

# %%
# Two masks on the first ten test digits: the top half known, and a random
# half of the pixels known. Unknown pixels are NaN; they are the ones drawn.
originals, labels = X_test[:10], y_test[:10]
top = np.zeros((8, 8), dtype=bool)
top[:4] = True
rng = np.random.default_rng(0)
masks = {"top half": np.tile(top.ravel(), (10, 1)), "random half": rng.random((10, 64)) < 0.5}
completions = {}
for name, known in masks.items():
    given = np.where(known, originals, np.nan)
    completions[name, "no label"] = gen.sample(10, given=given, random_state=0)
    completions[name, "label"] = gen.sample(10, y=labels, given=given, random_state=0)
    assert np.array_equal(completions[name, "label"][known], originals[known])  # known pixels come back as given

# %%
# Rows: the originals, then for each mask the known pixels (unknown ones in
# red) and the completions without and with the label.
rows = [("original", originals, None)]
for name, known in masks.items():
    rows.append((f"{name} known", originals, known))
    rows.append((f"{name}: completed", completions[name, "no label"], None))
    rows.append((f"{name}: given the label", completions[name, "label"], None))
fig, axes = plt.subplots(len(rows), 10, figsize=(10, 1.15 * len(rows)))
for (title, images, known), row_axes in zip(rows, axes, strict=True):
    for k, ax in enumerate(row_axes):
        image = images[k].reshape(8, 8) / 16
        rgb = np.repeat((1 - image)[:, :, None], 3, axis=2)
        if known is not None:
            rgb[~known[k].reshape(8, 8)] = (1.0, 0.75, 0.75)
        ax.imshow(rgb)
        ax.set_xticks([])
        ax.set_yticks([])
    row_axes[0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=9)
fig.tight_layout()
# sphinx_gallery_start_ignore
fig.savefig("digits_inpainting.png", dpi=80)
# sphinx_gallery_end_ignore

# %%
# How often a completion keeps the digit: a logistic regression trained on
# real digits classifies each completion, against the true label.
from sklearn.linear_model import LogisticRegression  # noqa: E402

classifier = LogisticRegression(max_iter=2000).fit(X_train, y_train)
for (name, label_use), images in completions.items():
    agreement = (classifier.predict(images) == labels).mean()
    print(f"{name:>12}, {label_use:>8}: the classifier agrees with the true digit for {agreement:.0%} of 10 images")
