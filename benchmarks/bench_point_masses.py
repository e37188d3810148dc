"""Point masses of real columns: amounts often exactly zero, shares often at their cap, heaps inside the range.

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

``--table census`` runs a census-like table instead (6,000 rows, shaped like
the Adult data: capital gains 0 in 92% of the rows, else up to 99,999;
capital losses 0 in 95%; working hours 40 in 47%, a heap inside the range
of an integer column too wide for bins; age, a log-normal weight, education
years, a work class and a sex).

    python benchmarks/bench_point_masses.py --seeds 2 [--table census]
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

MASSES = {
    "purchases": (("spend", 0.0), ("discount", 0.0), ("discount", 100.0), ("points", 0)),
    "census": (("capital_gain", 0), ("capital_loss", 0), ("hours", 40)),
}


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


def census(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    hours = np.where(rng.random(n_rows) < 0.47, 40, np.clip(np.round(rng.normal(40, 12, n_rows)), 1, 99))
    gains = np.round(rng.lognormal(8, 1.2, n_rows)).clip(1, 99_999)
    return pd.DataFrame(
        {
            "age": np.clip(np.round(rng.gamma(6, 6.5, n_rows)) + 17, 17, 90).astype(int),
            "fnlwgt": np.round(rng.lognormal(12, 0.5, n_rows)).astype(int),
            "education_num": rng.integers(1, 17, n_rows),
            "capital_gain": np.where(rng.random(n_rows) < 0.92, 0, gains).astype(int),
            "capital_loss": np.where(rng.random(n_rows) < 0.95, 0, np.round(rng.normal(1900, 300, n_rows))).astype(int),
            "hours": hours.astype(int),
            "workclass": rng.choice(["Private", "Self", "Gov", "?"], n_rows, p=[0.7, 0.12, 0.13, 0.05]),
            "sex": rng.choice(["M", "F"], n_rows),
        }
    )


TABLES = {"purchases": (purchases, 4000), "census": (census, 6000)}


def measure(sample: pd.DataFrame, held_out: pd.DataFrame, seed: int, table: str) -> dict:
    shapes = column_shapes(held_out, sample)
    masses = MASSES[table]
    figures = {f"{column}={value:g}": float((sample[column] == value).mean()) for column, value in masses}
    figures |= {f"KS {column}": shapes[column] for column in dict.fromkeys(column for column, _ in masses)}
    figures["shape, mean"] = float(np.mean(list(shapes.values())))
    figures["C2ST AUC"] = classifier_two_sample_auc(held_out, sample, random_state=seed)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--table", choices=sorted(TABLES), default="purchases")
    args = parser.parse_args()
    make, n_rows = TABLES[args.table]
    results = {"data (train vs held out)": [], "masses": [], "no masses": []}
    for seed in range(args.seeds):
        table = make(n_rows, seed)
        train, held_out = table.iloc[: n_rows // 2], table.iloc[n_rows // 2 :].reset_index(drop=True)
        results["data (train vs held out)"].append(measure(train.reset_index(drop=True), held_out, seed, args.table))
        for name, share in (("masses", column_fit.MIN_MASS_SHARE), ("no masses", 2.0)):
            start = time.perf_counter()
            # no masses: neither a value held by MIN_MASS_SHARE of the rows nor an end held by MIN_END_SHARE
            with (
                mock.patch.object(column_fit, "MIN_MASS_SHARE", share),
                mock.patch.object(column_fit, "MIN_END_SHARE", column_fit.MIN_END_SHARE if share <= 1 else share),
            ):
                gen = BFNGenerator(random_state=seed).fit(train)
                figures = measure(gen.sample(len(held_out), random_state=seed), held_out, seed, args.table)
            print(
                f"seed {seed} {name:<10} {time.perf_counter() - start:5.1f} s  "
                + "  ".join(f"{k} {v:.3f}" for k, v in figures.items())
            )
            results[name].append(figures)
    print(f"\n{args.table}: means over {args.seeds} seeds")
    keys = list(results["masses"][0])
    widths = [max(14, len(k) + 2) for k in keys]
    print(f"{'':<26}" + "".join(f"{k:>{w}}" for k, w in zip(keys, widths, strict=True)))
    for name, rows in results.items():
        means = [np.mean([r[k] for r in rows]) for k in keys]
        print(f"{name:<26}" + "".join(f"{m:>{w}.3f}" for m, w in zip(means, widths, strict=True)))


if __name__ == "__main__":
    main()
