"""Synthetic tables from BFNGenerator on scikit-learn's real data sets, beside a Gaussian mixture.

For load_iris, load_wine, load_breast_cancer and load_diabetes (as DataFrames,
the target as one more column: a category for the three classification sets),
on a fixed 70/30 split (random_state=0), each generator is fitted on the train
rows and draws as many synthetic rows. Printed, in one run, as means over seeds:

- W1 std: the Wasserstein-1 distance between synthetic rows and test rows
  (exact optimal transport between equal-size samples), after one common
  scaling fitted on the train rows (numeric columns standardised, categories
  one-hot, Euclidean cost);
- joint W1: the same with numeric columns min-max scaled by the train rows and
  an L1 cost;
- TVD: the total-variation distance between the categorical marginals of
  5000 synthetic rows (all train rows for 'real') and the test rows;
- ML efficiency: a random forest trained on synthetic rows and scored on the
  real test rows (accuracy, or R^2 for diabetes), beside the same forest
  trained on the real train rows.

BFNGenerator runs with its defaults and with ``continuous_transform='auto'``.

The Gaussian-mixture baseline (components 1..10 by BIC) is fitted on the same
common scaling; its samples are decoded by argmax over each one-hot block.
CTGAN (Xu et al. 2019, package ``ctgan``) joins the table when it is
installed (``pip install -e ".[bench]"``); it is not a test dependency.

Usage: ``python benchmarks/bench_tabular.py [--seeds 3]``
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

# Synthetic rows drawn for the categorical marginals: enough that their own
# sampling noise is small beside the test rows' (a few dozen on these sets).
_MARGINAL_ROWS = 5000

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

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train: pd.DataFrame) -> GaussianMixtureTable:
        self.scaling = common_scaling(train)
        self.columns, self.dtypes = list(train.columns), train.dtypes
        Z = self.scaling.transform(train)
        fits = [GaussianMixture(k, reg_covar=1e-3, random_state=0).fit(Z) for k in range(1, 11)]
        self.gmm = min(fits, key=lambda g: g.bic(Z)).set_params(random_state=self.random_state)
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

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train: pd.DataFrame) -> CTGANTable:
        from ctgan import CTGAN

        self.dtypes = train.dtypes
        discrete = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
        torch.manual_seed(self.random_state)
        self.model = CTGAN(verbose=False)
        self.model.fit(train.astype({c: str for c in discrete}), discrete)
        return self

    def sample(self, n: int) -> pd.DataFrame:
        torch.manual_seed(self.random_state + 100)
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


def joint_w1(a: pd.DataFrame, b: pd.DataFrame, train: pd.DataFrame) -> float:
    """Exact W1 with an L1 cost: numeric columns min-max scaled by the train rows, categories one-hot."""
    categorical = [c for c in train.columns if isinstance(train[c].dtype, pd.CategoricalDtype)]
    numeric = [c for c in train.columns if c not in categorical]
    span = (train[numeric].max() - train[numeric].min()).replace(0, 1)

    def embed(frame: pd.DataFrame) -> np.ndarray:
        parts = [((frame[numeric] - train[numeric].min()) / span).to_numpy(dtype=float)]
        parts += [(frame[c].to_numpy()[:, None] == np.asarray(train[c].cat.categories)[None, :]) for c in categorical]
        return np.hstack([np.asarray(p, dtype=float) for p in parts])

    cost = cdist(embed(a), embed(b), metric="cityblock")
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def categorical_tvd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Mean over categorical columns of the total-variation distance between their marginals (NaN if none)."""
    categorical = [c for c in b.columns if isinstance(b[c].dtype, pd.CategoricalDtype)]
    if not categorical:
        return float("nan")
    distances = []
    for c in categorical:
        p = a[c].astype(object).value_counts(normalize=True)
        q = b[c].astype(object).value_counts(normalize=True)
        distances.append(0.5 * p.subtract(q, fill_value=0.0).abs().sum())
    return float(np.mean(distances))


def _generators(baselines: dict) -> dict:
    generators = {
        "BFN": lambda seed: BFNGenerator(random_state=seed),
        "BFN-auto": lambda seed: BFNGenerator(continuous_transform="auto", random_state=seed),
    }
    generators.update({k: (lambda seed, make=make: make(random_state=seed)) for k, make in baselines.items()})
    return generators


def main(n_seeds: int = 3) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device cpu")
    print(
        "Synthetic rows as many as the test rows, compared with the test rows; means over "
        f"{n_seeds} seeds (training and sampling seeds).\n"
        "W1 std: exact W1, numeric columns standardised, one-hot categories, L2 cost (lower is better).\n"
        "joint W1: exact W1, numeric columns min-max scaled by the train rows, one-hot categories, L1 cost.\n"
        "TVD: total variation of categorical marginals (5000 synthetic rows; all train rows for 'real').\n"
        "ML eff.: random forest trained on synthetic rows, "
        "accuracy (R^2 for diabetes) on the test rows. 'real': the train rows in place of synthetic ones.\n"
    )
    generators = _generators(_baselines())
    header = f"{'data set':<14} {'generator':<11} {'W1 std':>7} {'joint W1':>8} {'TVD':>6} {'ML eff.':>7} {'fit s':>6}"
    print(header + "\n" + "-" * len(header))
    for name in DATA_SETS:
        train, test, classification = load(name)
        scaling = common_scaling(train)
        test_z = scaling.transform(test)
        real = train.sample(len(test), random_state=0)
        print(
            f"{name:<14} {'real':<11} {wasserstein_1(scaling.transform(real), test_z):>7.3f} "
            f"{joint_w1(real, test, train):>8.3f} {categorical_tvd(train, test):>6.3f} "
            f"{ml_efficiency(train, test, classification):>7.3f} {'':>6}",
            flush=True,
        )
        for label, make in generators.items():
            rows = []
            for seed in range(n_seeds):
                start = time.perf_counter()
                model = make(seed).fit(train)
                seconds = time.perf_counter() - start
                if isinstance(model, BFNGenerator):
                    synthetic = model.sample(len(train), random_state=seed + 100)
                    many = model.sample(_MARGINAL_ROWS, random_state=seed + 200)
                else:
                    synthetic, many = model.sample(len(train)), model.sample(_MARGINAL_ROWS)
                sample = synthetic.sample(len(test), random_state=seed)
                rows.append(
                    (
                        wasserstein_1(scaling.transform(sample), test_z),
                        joint_w1(sample, test, train),
                        categorical_tvd(many, test),
                        ml_efficiency(synthetic, test, classification),
                        seconds,
                    )
                )
            w1, joint, tvd, efficiency, seconds = np.mean(rows, axis=0)
            print(
                f"{'':<14} {label:<11} {w1:>7.3f} {joint:>8.3f} {tvd:>6.3f} {efficiency:>7.3f} {seconds:>6.1f}",
                flush=True,
            )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per generator (default 3)")
    main(parser.parse_args().seeds)
