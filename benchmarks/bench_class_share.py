"""Class shares of synthetic breast-cancer rows: does the target keep its share inside a mixed table?

The target of ``load_breast_cancer`` (as a category) beside its 30 real
columns, on the 70/30 split of ``bench_tabular.py`` (random_state=0). For
three training seeds, prints the share of the larger class ('benign') in 3000
samples under the default sampler and the paper's sampler at 1000 steps, for
``continuous_transform='auto'`` and ``'affine'`` (what the default,
``'heavy_tails'``, gives every column of this table). These are the
network's own shares (``category_shares='model'``), before the default tilt
to the training shares. The training rows hold 0.628.

Usage: ``python benchmarks/bench_class_share.py``
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator


def main() -> None:
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = pd.Categorical(np.asarray(bunch.target_names)[bunch.target])
    train, _ = train_test_split(frame, test_size=0.3, random_state=0, stratify=frame["target"])
    print(f"train share {(train.target == 'benign').mean():.3f}")
    for transform in ("auto", "affine"):
        shares = []
        for seed in (0, 1, 2):
            gen = BFNGenerator(random_state=seed, continuous_transform=transform, category_shares="model")
            gen.fit(train)
            row = []
            for sampler in ({}, {"sampler": "paper", "n_steps": 1000}):
                gen.set_params(**sampler)
                row.append((gen.sample(3000, random_state=5)["target"] == "benign").mean())
            shares.append(row)
        print(
            f"{transform}: shares [default sampler, paper@1000] per training seed:",
            np.round(shares, 3).tolist(),
            flush=True,
        )


if __name__ == "__main__":
    main()
