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
  20,000 synthetic rows (all train rows for 'real') and the test rows;
- ML efficiency: a random forest trained on synthetic rows and scored on the
  real test rows (accuracy, or R^2 for diabetes), beside the same forest
  trained on the real train rows;
- quality: SDMetrics' QualityReport score of the synthetic rows against the
  test rows (the mean of its Column Shapes and Column Pair Trends; higher is
  better), when ``sdmetrics`` is installed;
- shapes, pairs, C2ST: ``skbfn.evaluate``'s mean column shape (KS for
  numbers, TVD for categories), mean pair trend and classifier two-sample AUC
  of the synthetic rows against the test rows; the 'real' row gives the same
  for the train rows against the test rows (the floor);
- close and copies: ``skbfn.evaluate``'s share of synthetic rows closer to a
  training row than the 5th percentile of the test rows' distances to the
  training rows (numbers min-max scaled, categories one-hot, L1; about 0.05
  for rows as new as held-out ones, more for a generator that copies), and the
  number of synthetic rows identical to a training row;
- audit: the membership audit (``skbfn.metrics.membership_audit``), the AUC of
  the model's own ``score_samples`` on train rows against test rows.

BFNGenerator runs with its defaults, with ``continuous_transform='auto'``
(``BFN-auto``), and with ``category_shares='model'`` (``BFN-own``: the
network's own category shares, without the default's tilt to the train
shares).

The Gaussian-mixture baseline (components 1..10 by BIC) is fitted on the same
common scaling; its samples are decoded by argmax over each one-hot block.
SDV's GaussianCopula, CTGAN (Xu et al. 2019) and TVAE synthesizers join the
table, with their default settings, when ``sdv`` is installed
(``pip install -e ".[bench]"``); they are not test dependencies.
ForestDiffusion (Jolicoeur-Martineau et al. 2024) joins it when installed
(``pip install ForestDiffusion``, which brings xgboost, lightgbm and
catboost; its fits take minutes, not seconds).

Usage: ``python benchmarks/bench_tabular.py [--seeds 3] [--data iris wine]
[--generators BFN GMM] [--bfn-params '{"beta_1": 1.0}']``
"""

from __future__ import annotations

import json
import os
import platform
import time
import warnings

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
from skbfn.metrics import evaluate, membership_audit

# Synthetic rows drawn for the categorical marginals. The splits are stratified, so the test rows' shares
# are close to the train rows' (TVD 0.000, 0.014 and 0.002), and the synthetic rows' own sampling noise is
# a large part of a good generator's TVD: an exact sampler of the train shares scores about 0.004 (iris),
# 0.015 (wine) and 0.003 (breast cancer) with 20,000 rows, against 0.008, 0.016 and 0.006 with 5000.
_MARGINAL_ROWS = 20_000

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


def categorical_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` held as pandas categories."""
    return [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]


def common_scaling(train: pd.DataFrame) -> ColumnTransformer:
    categorical = categorical_columns(train)
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

    def score_samples(self, X: pd.DataFrame) -> np.ndarray:
        """Log-density of the rows in the common scaling (a constant off the data's units: ranks are what count)."""
        return self.gmm.score_samples(self.scaling.transform(X))

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


class SDVTable:
    """One of SDV's single-table synthesizers with its default settings, categorical columns declared.

    SDV 2 detects metadata from a ``{table name: DataFrame}`` dict, and its
    CTGAN and TVAE refuse pandas category columns, so they go in as objects.
    """

    synthesizer = "GaussianCopulaSynthesizer"

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train: pd.DataFrame) -> SDVTable:
        import sdv.single_table
        from sdv.metadata import Metadata

        self.dtypes = train.dtypes
        categorical = categorical_columns(train)
        data = train.astype({c: object for c in categorical})
        np.random.seed(self.random_state)  # noqa: NPY002 (SDV draws from NumPy's global generator)
        torch.manual_seed(self.random_state)
        with warnings.catch_warnings():  # SDV's notices about saving metadata and its own defaults
            warnings.simplefilter("ignore")
            metadata = Metadata.detect_from_dataframes({"table": data})
            for column in data.columns:
                sdtype = "categorical" if column in categorical else "numerical"
                metadata.update_column(column, table_name="table", sdtype=sdtype)
            self.model = getattr(sdv.single_table, self.synthesizer)(metadata)
            self.model.fit({"table": data})
        return self

    def sample(self, n: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return self.model.sample(n)["table"].astype(self.dtypes)


class GaussianCopulaTable(SDVTable):
    synthesizer = "GaussianCopulaSynthesizer"


class CTGANTable(SDVTable):
    synthesizer = "CTGANSynthesizer"


class TVAETable(SDVTable):
    synthesizer = "TVAESynthesizer"


class ForestDiffusionTable:
    """ForestDiffusion (Jolicoeur-Martineau et al. 2024): flow matching with gradient-boosted trees.

    Its recommended settings for tables with a class target: the target goes
    in as ``label_y`` (one model per class, classes drawn at their train
    shares), other categorical columns by ``cat_indexes``; integer-valued
    numeric columns are rounded by ``int_indexes``.
    """

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, train: pd.DataFrame) -> ForestDiffusionTable:
        from ForestDiffusion import ForestDiffusionModel

        self.columns, self.dtypes = list(train.columns), train.dtypes
        categorical = categorical_columns(train)
        self.label = "target" if "target" in categorical else None
        self.features = [c for c in train.columns if c != self.label]
        self.codes = {c: train[c].cat.categories for c in categorical if c != self.label}
        X = np.column_stack(
            [train[c].cat.codes if c in self.codes else train[c].to_numpy(dtype=float) for c in self.features]
        )
        integer = [i for i, c in enumerate(self.features) if c not in self.codes and np.all(X[:, i] == X[:, i].round())]
        self.model = ForestDiffusionModel(
            X,
            label_y=None if self.label is None else train[self.label].cat.codes.to_numpy(),
            cat_indexes=[self.features.index(c) for c in self.codes],
            int_indexes=integer,
            n_jobs=os.cpu_count(),
            seed=self.random_state,
        )
        self.classes = None if self.label is None else train[self.label].cat.categories
        return self

    def sample(self, n: int) -> pd.DataFrame:
        Z = self.model.generate(batch_size=n)
        out = pd.DataFrame(Z[:, : len(self.features)], columns=self.features)
        for c, categories in self.codes.items():
            out[c] = pd.Categorical.from_codes(out[c].round().astype(int), categories=categories)
        if self.label is not None:
            out[self.label] = pd.Categorical.from_codes(Z[:, -1].round().astype(int), categories=self.classes)
        return out[self.columns].astype(self.dtypes)


def _baselines() -> dict:
    baselines = {"GMM": GaussianMixtureTable}
    try:
        import sdv  # noqa: F401
    except ImportError:
        print("(sdv is not installed: its GaussianCopula, CTGAN and TVAE columns are left out)")
    else:
        baselines.update({"SDV-GC": GaussianCopulaTable, "CTGAN": CTGANTable, "TVAE": TVAETable})
    try:
        import ForestDiffusion  # noqa: F401
    except ImportError:
        print("(ForestDiffusion is not installed: its column is left out)")
    else:
        baselines["ForestDiff"] = ForestDiffusionTable
    return baselines


def joint_embedding(train: pd.DataFrame):
    """Rows as vectors: numeric columns min-max scaled by the train rows, categories one-hot (for an L1 cost)."""
    categorical = categorical_columns(train)
    numeric = [c for c in train.columns if c not in categorical]
    low, span = train[numeric].min(), (train[numeric].max() - train[numeric].min()).replace(0, 1)

    def embed(frame: pd.DataFrame) -> np.ndarray:
        parts = [((frame[numeric] - low) / span).to_numpy(dtype=float)]
        parts += [(frame[c].to_numpy()[:, None] == np.asarray(train[c].cat.categories)[None, :]) for c in categorical]
        return np.hstack([np.asarray(p, dtype=float) for p in parts])

    return embed


def joint_w1(a: pd.DataFrame, b: pd.DataFrame, train: pd.DataFrame) -> float:
    """Exact W1 with an L1 cost: numeric columns min-max scaled by the train rows, categories one-hot."""
    embed = joint_embedding(train)
    cost = cdist(embed(a), embed(b), metric="cityblock")
    rows, cols = linear_sum_assignment(cost)
    return float(cost[rows, cols].mean())


def report_figures(synthetic: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> tuple:
    """skbfn.evaluate's figures for synthetic rows: mean column shape, mean pair trend, classifier two-sample
    AUC against the test rows, closeness share and exact copies against the train rows; and its reference
    (train rows against test rows) for the first three."""
    report = evaluate(synthetic, train, test, random_state=seed)
    mean = lambda values: float(np.nanmean(list(values)))  # noqa: E731
    reference = report.reference
    return (
        (mean(report.column_shapes.values()), mean(report.pair_trends.values()), report.two_sample_auc),
        (report.closest_record_share, report.exact_copies),
        (
            mean(reference["column_shapes"].values()),
            mean(reference["pair_trends"].values()),
            reference["two_sample_auc"],
        ),
    )


def quality_score(synthetic: pd.DataFrame, real: pd.DataFrame) -> float:
    """SDMetrics' QualityReport score (the mean of Column Shapes and Column Pair Trends), NaN without sdmetrics."""
    try:
        from sdmetrics.reports import QualityReport
    except ImportError:
        return float("nan")
    categorical = categorical_columns(real)
    columns = {c: {"sdtype": "categorical" if c in categorical else "numerical"} for c in real.columns}
    as_objects = {c: object for c in categorical}
    report = QualityReport()
    report.generate(
        {"table": real.astype(as_objects)},
        {"table": synthetic[real.columns].astype(as_objects)},
        {"tables": {"table": {"columns": columns}}},
        verbose=False,
    )
    return float(report.get_score())


def audit_auc(model, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> float:
    """skbfn.metrics.membership_audit's AUC of the model's own scores on train against test rows (NaN without
    score_samples)."""
    if not hasattr(model, "score_samples"):
        return float("nan")
    return membership_audit(model, train, test, n_bootstrap=20, random_state=seed).auc


def categorical_tvd(a: pd.DataFrame, b: pd.DataFrame) -> float:
    """Mean over categorical columns of the total-variation distance between their marginals (NaN if none)."""
    categorical = categorical_columns(b)
    if not categorical:
        return float("nan")
    distances = []
    for c in categorical:
        p = a[c].astype(object).value_counts(normalize=True)
        q = b[c].astype(object).value_counts(normalize=True)
        distances.append(0.5 * p.subtract(q, fill_value=0.0).abs().sum())
    return float(np.mean(distances))


def _generators(baselines: dict, bfn_params: dict) -> dict:
    generators = {
        # the benchmark's seeds (and the variants' own settings) win over the same keys in bfn_params
        "BFN": lambda seed: BFNGenerator(**{**bfn_params, "random_state": seed}),
        "BFN-auto": lambda seed: BFNGenerator(**{**bfn_params, "random_state": seed, "continuous_transform": "auto"}),
        "BFN-own": lambda seed: BFNGenerator(**{**bfn_params, "random_state": seed, "category_shares": "model"}),
    }
    generators.update({k: (lambda seed, make=make: make(random_state=seed)) for k, make in baselines.items()})
    return generators


def main(
    n_seeds: int = 3,
    data_sets: list[str] | None = None,
    only: list[str] | None = None,
    bfn_params: dict | None = None,
) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device cpu")
    print(
        "Synthetic rows as many as the test rows, compared with the test rows; means over "
        f"{n_seeds} seeds (training and sampling seeds).\n"
        "W1 std: exact W1, numeric columns standardised, one-hot categories, L2 cost (lower is better).\n"
        "joint W1: exact W1, numeric columns min-max scaled by the train rows, one-hot categories, L1 cost.\n"
        "TVD: total variation of categorical marginals (20,000 synthetic rows; all train rows for 'real').\n"
        "ML eff.: random forest trained on synthetic rows, "
        "accuracy (R^2 for diabetes) on the test rows. 'real': the train rows in place of synthetic ones.\n"
        "quality: SDMetrics QualityReport score against the test rows (higher is better).\n"
        "shapes, pairs, C2ST: skbfn.evaluate's mean column shape (KS / TVD), mean pair trend and classifier "
        "two-sample AUC against the test rows (0 / 0 / 0.5 best); 'real': the train rows against the test rows.\n"
        "close: share of synthetic rows nearer a train row than the 5th percentile of test rows (about 0.05 "
        "is right; min-max numbers, one-hot categories, L1); copies: synthetic rows identical to a train row.\n"
        "audit: AUC of the model's own score_samples at telling train rows from test rows (0.5: nothing "
        "memorised; skbfn.metrics.membership_audit).\n"
    )
    if bfn_params:
        print(f"BFNGenerator parameters: {bfn_params}\n")
    generators = _generators(_baselines(), bfn_params or {})
    generators = {label: make for label, make in generators.items() if not only or label in only}
    header = (
        f"{'data set':<14} {'generator':<11} {'W1 std':>7} {'joint W1':>8} {'TVD':>6} {'ML eff.':>7} "
        f"{'quality':>7} {'shapes':>6} {'pairs':>6} {'C2ST':>6} {'close':>6} {'copies':>6} {'audit':>6} {'fit s':>6}"
    )
    print(header + "\n" + "-" * len(header))
    for name in data_sets or DATA_SETS:
        train, test, classification = load(name)
        scaling = common_scaling(train)
        test_z = scaling.transform(test)
        real = train.sample(len(test), random_state=0)
        reference = report_figures(train, train, test, 0)[2]
        print(
            f"{name:<14} {'real':<11} {wasserstein_1(scaling.transform(real), test_z):>7.3f} "
            f"{joint_w1(real, test, train):>8.3f} {categorical_tvd(train, test):>6.3f} "
            f"{ml_efficiency(train, test, classification):>7.3f} {quality_score(train, test):>7.3f}"
            + "".join(f" {value:>6.3f}" for value in reference)
            + f" {'':>6} {'':>6} {'':>6}",
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
                fidelity, privacy, _ = report_figures(synthetic, train, test, seed)
                rows.append(
                    (
                        wasserstein_1(scaling.transform(sample), test_z),
                        joint_w1(sample, test, train),
                        categorical_tvd(many, test),
                        ml_efficiency(synthetic, test, classification),
                        quality_score(synthetic, test),
                        *fidelity,
                        *privacy,
                        audit_auc(model, train, test, seed),
                        seconds,
                    )
                )
            w1, joint, tvd, efficiency, quality, shapes, pairs, c2st, close, copies, audit, seconds = np.mean(rows, 0)
            print(
                f"{'':<14} {label:<11} {w1:>7.3f} {joint:>8.3f} {tvd:>6.3f} {efficiency:>7.3f} {quality:>7.3f} "
                f"{shapes:>6.3f} {pairs:>6.3f} {c2st:>6.3f} {close:>6.3f} {copies:>6.1f} {audit:>6.3f} {seconds:>6.1f}",
                flush=True,
            )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per generator (default 3)")
    parser.add_argument("--data", nargs="+", default=list(DATA_SETS), choices=list(DATA_SETS))
    parser.add_argument("--generators", nargs="+", help="run only these (labels as printed, e.g. BFN GMM)")
    parser.add_argument(
        "--bfn-params", type=json.loads, default={}, help="BFNGenerator parameters as JSON, e.g. '{\"beta_1\": 1.0}'"
    )
    arguments = parser.parse_args()
    main(arguments.seeds, arguments.data, arguments.generators, arguments.bfn_params)
