"""Fidelity against privacy on small tables: joint W1, closeness and the membership audit per setting.

For load_iris, load_wine, load_breast_cancer and load_diabetes (the target as
one more column, a category for the classification sets), each BFNGenerator
setting given as JSON is fitted on the train rows of a 70/30 split and draws
as many rows as there are train rows. Printed, as means over seeds:

- W1: exact Wasserstein-1 distance between the synthetic rows and the test
  rows, numbers min-max scaled by the train rows, categories one-hot, L1 cost
  (a transport problem with uniform weights, solved exactly by linear
  programming, since the two sets differ in size);
- cl: the share of synthetic rows nearer a train row than the 5th percentile
  of the test rows (``skbfn.metrics.closest_record_share``; 0.05 for rows as
  new as fresh data);
- auc: the membership audit of the model's own scores
  (``skbfn.metrics.membership_audit``; 0.5 for nothing memorised).

``--split outside`` is a plain split with ``random_state=0``; ``--split
bench`` is bench_tabular.py's stratified one. ``GMM`` runs bench_tabular's
Gaussian mixture (components by BIC) for reference.

Usage: ``python benchmarks/bench_frontier.py '{"default": {}, "wd": {"weight_decay": 0.3},
"nn": {"neighbour_noise": 1.0, "weight_decay": 0.3}, "GMM": "GMM"}' [--data iris wine] [--split outside]
[--seeds 3]``
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
from bench_tabular import DATA_SETS, GaussianMixtureTable, joint_embedding, load
from scipy.optimize import linprog
from scipy.sparse import csr_matrix, kron, vstack
from scipy.sparse import eye as sparse_eye
from scipy.spatial.distance import cdist
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator
from skbfn.metrics import closest_record_share, membership_audit


def transport_w1(a: pd.DataFrame, b: pd.DataFrame, train: pd.DataFrame) -> float:
    """Exact W1 between two row sets of any sizes (uniform weights), in the joint W1's embedding and L1 cost."""
    embed = joint_embedding(train)
    cost = cdist(embed(a), embed(b), metric="cityblock")
    n, m = cost.shape
    rows = kron(sparse_eye(n), csr_matrix(np.ones((1, m))))
    columns = kron(csr_matrix(np.ones((1, n))), sparse_eye(m))
    marginals = np.concatenate([np.full(n, 1 / n), np.full(m, 1 / m)])
    solution = linprog(cost.ravel(), A_eq=vstack([rows, columns]), b_eq=marginals, method="highs")
    return float(solution.fun)


def split(name: str, how: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    if how == "bench":
        return load(name)[:2]
    bunch = DATA_SETS[name](as_frame=True)
    frame = bunch.frame.copy()
    if name != "diabetes":
        frame["target"] = pd.Categorical(np.asarray(bunch.target_names)[bunch.target])
    train, test = train_test_split(frame, test_size=0.3, random_state=0)
    return train.reset_index(drop=True), test.reset_index(drop=True)


def measure(make, train: pd.DataFrame, test: pd.DataFrame, seeds: range) -> np.ndarray:
    results = []
    for seed in seeds:
        start = time.perf_counter()
        model = make(seed).fit(train)
        seconds = time.perf_counter() - start
        is_bfn = isinstance(model, BFNGenerator)
        synthetic = model.sample(len(train), random_state=seed + 100) if is_bfn else model.sample(len(train))
        results.append(
            (
                transport_w1(synthetic, test, train),
                closest_record_share(synthetic, train, test),
                membership_audit(model, train, test, n_bootstrap=5, random_state=seed).auc,
                seconds,
            )
        )
    return np.mean(results, axis=0)


def main(settings: dict, data_sets: list[str], how: str, n_seeds: int) -> None:
    print(f"split: {how}; means over {n_seeds} seeds; W1 (lower is better), cl (0.05 ideal), auc (0.5 ideal)")
    for label, params in settings.items():
        if params == "GMM":
            make = lambda seed: GaussianMixtureTable(random_state=seed)  # noqa: E731
        else:
            make = lambda seed, params=params: BFNGenerator(**{**params, "random_state": seed})  # noqa: E731
        cells = []
        for name in data_sets:
            w1, close, auc, seconds = measure(make, *split(name, how), range(n_seeds))
            cells.append(f"{name[:5]:>5} W1 {w1:.3f} cl {close:.2f} auc {auc:.2f} {seconds:4.1f}s")
        print(f"{label:<18} " + " | ".join(cells), flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("settings", type=json.loads, help='{"label": {BFNGenerator parameters} or "GMM", ...}')
    parser.add_argument("--data", nargs="+", default=list(DATA_SETS), choices=list(DATA_SETS))
    parser.add_argument("--split", choices=["outside", "bench"], default="outside")
    parser.add_argument("--seeds", type=int, default=3)
    arguments = parser.parse_args()
    main(arguments.settings, arguments.data, arguments.split, arguments.seeds)
