"""Sample quality against sampler steps on mixed tables: the classifier two-sample AUC beside its floor.

One BFNGenerator (defaults, ``random_state=0``) is fitted per table; then
every sampler draws as many rows as there are training rows at each number of
steps, and ``skbfn.metrics.classifier_two_sample_auc`` tells them from the
held-out rows (0.5: indistinguishable). The floor is the same test between the
training rows and the held-out rows: two samples of the real data. Each figure
is the mean over ``--seeds`` sampling and classifier seeds.

Tables: load_iris, load_wine, load_breast_cancer and load_diabetes (as in
bench_tabular.py), the messy customer table of bench_messy.py (2,000 rows),
and a synthetic mixed table (``--rows`` rows: correlated numbers, a
heavy-tailed amount, a count, two categories that depend on the numbers).

Usage: ``python benchmarks/bench_steps.py [--steps 5 10 15 25] [--samplers ode2 sde2-lambda] [--seeds 3]``
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd
import torch
from bench_messy import messy_table
from bench_tabular import DATA_SETS, load

from skbfn import BFNGenerator
from skbfn.core import SAMPLERS
from skbfn.metrics import classifier_two_sample_auc


def mixed_table(n_rows: int, seed: int) -> pd.DataFrame:
    """Correlated numbers, a log-normal amount, a Poisson count, and two categories that follow the numbers."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n_rows)
    b = 0.8 * a + 0.6 * rng.normal(size=n_rows)
    segment = np.where(a + 0.5 * rng.normal(size=n_rows) > 0.5, "high", np.where(b < -0.5, "low", "mid"))
    return pd.DataFrame(
        {
            "a": a,
            "b": b,
            "amount": np.exp(1.0 + 0.7 * b + 0.5 * rng.normal(size=n_rows)),
            "count": rng.poisson(np.exp(0.5 + 0.4 * a)),
            "segment": pd.Categorical(segment),
            "flag": pd.Categorical(rng.random(n_rows) < 1 / (1 + np.exp(-2 * a))),
        }
    )


def tables(n_rows: int) -> dict:
    out = {name: load(name)[:2] for name in DATA_SETS}
    out["messy"] = (messy_table(2000, 0), messy_table(2000, 1000))
    out["mixed"] = (mixed_table(n_rows, 0), mixed_table(n_rows // 2, 1))
    return out


def main(steps: list[int], samplers: list[str], n_seeds: int, n_rows: int) -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, device cpu")
    print(f"classifier two-sample AUC against held-out rows (0.5 best), mean of {n_seeds} seeds\n")
    data = tables(n_rows)
    results, floors = {}, {}
    for name, (train, test) in data.items():
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # the messy table's dropped columns
            gen = BFNGenerator(random_state=0).fit(train)
        seeds = range(n_seeds)
        floors[name] = np.mean([classifier_two_sample_auc(test, train, random_state=s) for s in seeds])
        for sampler in samplers:
            for n_steps in steps:
                gen.set_params(sampler=sampler, n_steps=n_steps)
                aucs = [
                    classifier_two_sample_auc(test, gen.sample(len(train), random_state=s), random_state=s)
                    for s in seeds
                ]
                results[sampler, n_steps, name] = np.mean(aucs)
        print(f"({name}: {len(train)} train rows, fitted and measured in {time.perf_counter() - start:.0f} s)")
    names = list(data)
    print(f"\n{'sampler':<12}{'steps':>6} " + " ".join(f"{n[:8]:>8}" for n in names))
    print(f"{'floor':<12}{'':>6} " + " ".join(f"{floors[n]:>8.3f}" for n in names))
    for sampler in samplers:
        for n_steps in steps:
            print(f"{sampler:<12}{n_steps:>6} " + " ".join(f"{results[sampler, n_steps, n]:>8.3f}" for n in names))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", nargs="+", type=int, default=[5, 10, 15, 25])
    parser.add_argument("--samplers", nargs="+", default=sorted(SAMPLERS), choices=sorted(SAMPLERS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=5000, help="rows of the synthetic mixed table")
    arguments = parser.parse_args()
    main(arguments.steps, arguments.samplers, arguments.seeds, arguments.rows)
