"""Point masses at the ends of real columns: amounts that are often exactly zero, shares often at their cap.

The table (``purchases``; 4,000 rows, half to fit, half held out) has an
amount that is 0 in 60% of the rows (else gamma-distributed cents), a
discount share at 0 in 20% of the rows and at 100 in 16%, reward points
that are 0 in 70% of the rows (else integers up to 100,000: a dequantised
column), visits (Poisson counts), a segment and an age. For the default
``BFNGenerator`` with its point masses and with them switched off (no
column gets one, as before they existed), printed per seed and as means:

- the share of sampled cells exactly on each mass, against the held-out rows';
- the column-shape distance (KS) of each column with a mass, and the mean
  over all columns (``skbfn.metrics.column_shapes``);
- the classifier two-sample AUC against the held-out rows (0.5: cannot tell;
  the floor, training rows against held-out rows, printed first).

    python benchmarks/bench_point_masses.py --seeds 2
"""

from __future__ import annotations

import argparse
import time
from unittest import mock

import numpy as np
import pandas as pd

import skbfn._encoding.column_fit as column_fit
from skbfn import BFNGenerator
from skbfn.metrics import classifier_two_sample_auc, column_shapes

MASSES = (("spend", 0.0), ("discount", 0.0), ("discount", 100.0), ("points", 0))


def purchases(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    spend = np.where(rng.random(n_rows) < 0.6, 0.0, np.round(rng.gamma(2.0, 15.0, n_rows), 2) + 0.01)
    at_zero, at_cap = rng.random(n_rows) < 0.2, rng.random(n_rows) < 0.2
    discount = np.select([at_zero, at_cap], [0.0, 100.0], np.round(rng.beta(2, 5, n_rows) * 100, 1))
    return pd.DataFrame(
        {
            "spend": spend,
            "discount": discount,
            "points": np.where(rng.random(n_rows) < 0.7, 0, rng.integers(1, 100_000, n_rows)),
            "visits": rng.poisson(3 + 4 * (spend > 0), n_rows),
            "segment": pd.Categorical(rng.choice(["basic", "plus", "pro"], n_rows, p=[0.6, 0.3, 0.1])),
            "age": np.round(rng.normal(40, 12, n_rows).clip(18, 90)),
        }
    )


def measure(sample: pd.DataFrame, held_out: pd.DataFrame, seed: int) -> dict:
    shapes = column_shapes(held_out, sample)
    figures = {f"{column}={value:g}": float((sample[column] == value).mean()) for column, value in MASSES}
    figures |= {f"KS {column}": shapes[column] for column in ("spend", "discount", "points")}
    figures["shape, mean"] = float(np.mean(list(shapes.values())))
    figures["C2ST AUC"] = classifier_two_sample_auc(held_out, sample, random_state=seed)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args()
    results = {"data (train vs held out)": [], "masses": [], "no masses": []}
    for seed in range(args.seeds):
        table = purchases(args.rows, seed)
        train, held_out = table.iloc[: args.rows // 2], table.iloc[args.rows // 2 :].reset_index(drop=True)
        results["data (train vs held out)"].append(measure(train.reset_index(drop=True), held_out, seed))
        for name, share in (("masses", column_fit.MIN_MASS_SHARE), ("no masses", 2.0)):
            start = time.perf_counter()
            with mock.patch.object(column_fit, "MIN_MASS_SHARE", share):
                gen = BFNGenerator(random_state=seed).fit(train)
                figures = measure(gen.sample(len(held_out), random_state=seed), held_out, seed)
            print(
                f"seed {seed} {name:<10} {time.perf_counter() - start:5.1f} s  "
                + "  ".join(f"{k} {v:.3f}" for k, v in figures.items())
            )
            results[name].append(figures)
    held = {f"{c}={v:g}": float((purchases(args.rows, 0).iloc[args.rows // 2 :][c] == v).mean()) for c, v in MASSES}
    print("\nheld-out shares (seed 0): " + "  ".join(f"{k} {v:.3f}" for k, v in held.items()))
    print(f"means over {args.seeds} seeds")
    keys = list(results["masses"][0])
    print(f"{'':<26}" + "".join(f"{k:>14}" for k in keys))
    for name, rows in results.items():
        print(f"{name:<26}" + "".join(f"{np.mean([r[k] for r in rows]):>14.3f}" for k in keys))


if __name__ == "__main__":
    main()
