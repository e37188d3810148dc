"""Synthetic tables from BFNGenerator on scikit-learn's real data sets, beside a Gaussian mixture.

For load_iris, load_wine, load_breast_cancer and load_diabetes (as DataFrames,
the target as one more column: a category for the three classification sets),
on a fixed 70/30 split (random_state=0), each generator is fitted on the train
rows and draws as many synthetic rows. Printed, in one run:

- W1: the Wasserstein-1 distance between synthetic rows and test rows (exact
  optimal transport between equal-size samples), after one common scaling
  fitted on the train rows (numeric columns standardised, categories one-hot);
- ML efficiency: a random forest trained on synthetic rows and scored on the
  real test rows (accuracy, or R^2 for diabetes), beside the same forest
  trained on the real train rows.

The Gaussian-mixture baseline (components 1..10 by BIC) is fitted on the same
common scaling; its samples are decoded by argmax over each one-hot block.
CTGAN (Xu et al. 2019, package ``ctgan``) joins the table when it is
installed (``pip install -e ".[bench]"``); it is not a test dependency.

Usage: ``python benchmarks/bench_tabular.py``
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np
import pandas as pd
import torch
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skbfn import BFNGenerator

DATA_SETS = {"iris": load_iris, "wine": load_wine, "breast_cancer": load_breast_cancer, "diabetes": load_diabetes}


def load(name: str) -> tuple[pd.DataFrame, pd.DataFrame, bool]:
    bunch = DATA_SETS[name](as_frame=True)
    frame = bunch.frame.copy()
    classification = name != "diabetes"
    if classification:
        frame["target"] = pd.Categorical(np.asarray(bunch.target_names)[bunch.target])
    stratify = frame["target"] if classification else None
    train, test = train_test_split(frame, test_size=0.3, random_state=0, stratify=stratify)
    return train.reset_index(drop=True), test.reset_index(drop=True), classification


def common_scaling(train: pd.DataFrame) -> ColumnTransformer:
    categorical = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
    numeric = [c for c in train.columns if c not in categorical]
    return ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", OneHotEncoder(sparse_output=False), categorical)]
    ).fit(train)


def wasserstein_1(a: np.ndarray, b: np.ndarray) -> float:
    """Exact W1 between two equal-size point clouds (mean distance of the optimal matching)."""
    cost = cdist(a, b)
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def ml_efficiency(train: pd.DataFrame, test: pd.DataFrame, classification: bool) -> float:
    features = [c for c in train.columns if c != "target"]
    if classification:
        model = RandomForestClassifier(n_estimators=200, random_state=0)
    else:
        model = RandomForestRegressor(n_estimators=200, random_state=0)
    model.fit(train[features], train["target"])
    return float(model.score(test[features], test["target"]))


class GaussianMixtureTable:
    """GaussianMixture (BIC over 1..10 components) on the common scaling, decoded back to a table."""

    def fit(self, train: pd.DataFrame) -> GaussianMixtureTable:
        self.scaling = common_scaling(train)
        self.columns, self.dtypes = list(train.columns), train.dtypes
        Z = self.scaling.transform(train)
        fits = [GaussianMixture(k, reg_covar=1e-3, random_state=0).fit(Z) for k in range(1, 11)]
        self.gmm = min(fits, key=lambda g: g.bic(Z))
        return self

    def sample(self, n: int) -> pd.DataFrame:
        Z = self.gmm.sample(n)[0]
        numeric_pipe = self.scaling.named_transformers_["num"]
        numeric = list(self.scaling.transformers_[0][2])
        out = pd.DataFrame(numeric_pipe.inverse_transform(Z[:, : len(numeric)]), columns=numeric)
        start = len(numeric)
        categorical = list(self.scaling.transformers_[1][2])
        encoder = self.scaling.named_transformers_["cat"]
        for column, categories in zip(categorical, encoder.categories_ if categorical else [], strict=True):
            block = Z[:, start : start + len(categories)]
            out[column] = pd.Categorical(categories[block.argmax(axis=1)], categories=categories)
            start += len(categories)
        return out[self.columns].astype(self.dtypes)


class CTGANTable:
    """CTGAN with its default settings, categorical columns declared."""

    def fit(self, train: pd.DataFrame) -> CTGANTable:
        from ctgan import CTGAN

        self.dtypes = train.dtypes
        discrete = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
        torch.manual_seed(0)
        self.model = CTGAN(verbose=False)
        self.model.fit(train.astype({c: str for c in discrete}), discrete)
        return self

    def sample(self, n: int) -> pd.DataFrame:
        torch.manual_seed(1)
        return self.model.sample(n).astype(self.dtypes)


def _baselines() -> dict:
    baselines = {"GMM": GaussianMixtureTable}
    try:
        import ctgan  # noqa: F401
    except ImportError:
        print("(ctgan is not installed: CTGAN column left out)")
    else:
        baselines["CTGAN"] = CTGANTable
    return baselines


def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device cpu")
    print("W1: lower is better; ML efficiency: accuracy (R^2 for diabetes) on real test rows, higher is better\n")
    baselines = _baselines()
    names = ["BFN", *baselines]
    print(
        f"{'data set':<14} {'rows':>5} {'cols':>4} | "
        + " ".join(f"{'W1 ' + n:>9}" for n in names)
        + f" | {'real':>6} "
        + " ".join(f"{n:>6}" for n in names)
        + f" | {'BFN fit s':>9}"
    )
    for name in DATA_SETS:
        train, test, classification = load(name)
        scaling = common_scaling(train)
        test_z = scaling.transform(test)
        start = time.perf_counter()
        bfn = BFNGenerator(random_state=0).fit(train)
        seconds = time.perf_counter() - start
        synthetic = {"BFN": bfn.sample(len(train), random_state=1)}
        synthetic.update({k: make().fit(train).sample(len(train)) for k, make in baselines.items()})
        w1 = {
            k: wasserstein_1(scaling.transform(v.sample(len(test), random_state=0)), test_z)
            for k, v in synthetic.items()
        }
        efficiency = {k: ml_efficiency(v, test, classification) for k, v in synthetic.items()}
        real = ml_efficiency(train, test, classification)
        print(
            f"{name:<14} {len(train):>5} {train.shape[1]:>4} | "
            + " ".join(f"{w1[n]:>9.3f}" for n in names)
            + f" | {real:>6.3f} "
            + " ".join(f"{efficiency[n]:>6.3f}" for n in names)
            + f" | {seconds:>9.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
