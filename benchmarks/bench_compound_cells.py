"""Cells holding several numbers: how close samples come to the data, part by part and pair by pair.

A table of patients with a blood pressure (``'120/80'``, a tenth ``'n/a'``),
where they live (``'(40.7128, -74.0060)'``), their running pace (``'5:03
/km'``), a box's size (``'12 x 30 x 4 cm'``) and an amount. Releases before
compound cells left the four text columns out (samples held NaN there). For
each part of each compound column, prints the Kolmogorov-Smirnov distance of
the samples to the training rows beside that of held-out rows (the floor),
the correlation of each column's first two parts in the three, and the share
of samples written as the data write them.

    python benchmarks/bench_compound_cells.py --rows 2000 --seed 0
"""

from __future__ import annotations

import argparse
import re
import time

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

from skbfn import BFNGenerator

WRITTEN = {
    "pressure": r"\d+/\d+|n/a",
    "home": r"\(-?\d+\.\d{4}, -?\d+\.\d{4}\)",
    "pace": r"\d+:[0-5]\d /km",
    "box": r"\d+ x \d+ x \d+ cm",
}


def patients(n_rows: int, seed: int) -> pd.DataFrame:
    """The table described above; the diastolic pressure follows the systolic, a box's depth its width."""
    rng = np.random.default_rng(seed)
    systolic = np.round(rng.normal(125, 14, n_rows))
    diastolic = np.round(0.55 * systolic + rng.normal(12, 4, n_rows))
    pressure = np.array([f"{s:.0f}/{d:.0f}" for s, d in zip(systolic, diastolic, strict=True)], dtype=object)
    pressure[rng.random(n_rows) < 0.1] = "n/a"
    borough = rng.integers(0, 3, n_rows)
    lat = np.array([40.70, 40.78, 40.65])[borough] + rng.normal(0, 0.02, n_rows)
    lon = np.array([-74.00, -73.95, -73.90])[borough] + rng.normal(0, 0.02, n_rows)
    seconds = np.clip(np.round(rng.normal(330, 45, n_rows)), 180, 600).astype(int)
    width = rng.integers(5, 60, n_rows)
    depth = np.maximum(1, np.round(width * rng.uniform(0.2, 0.5, n_rows))).astype(int)
    return pd.DataFrame(
        {
            "pressure": pressure,
            "home": [f"({a:.4f}, {b:.4f})" for a, b in zip(lat, lon, strict=True)],
            "pace": [f"{s // 60}:{s % 60:02d} /km" for s in seconds],
            "box": [f"{w} x {h} x {d} cm" for w, h, d in zip(width, rng.integers(10, 80, n_rows), depth, strict=True)],
            "spend": np.round(rng.gamma(2.0, 30.0, n_rows) * (1 + borough), 2),
        }
    )


def parts(column: pd.Series) -> np.ndarray:
    """The numbers of each written cell (rows of NaN where a cell is missing or written otherwise)."""
    found = [re.findall(r"-?\d+(?:\.\d+)?", v) if isinstance(v, str) and v != "n/a" else [] for v in column]
    width = max(len(f) for f in found)
    return np.array([[float(x) for x in f] if len(f) == width else [np.nan] * width for f in found])


def main(n_rows: int, seed: int) -> None:
    table = patients(2 * n_rows, seed)
    train, held_out = table.iloc[:n_rows].reset_index(drop=True), table.iloc[n_rows:].reset_index(drop=True)
    start = time.perf_counter()
    gen = BFNGenerator(random_state=seed).fit(train)
    fitted = time.perf_counter() - start
    sample = gen.sample(n_rows, random_state=seed)
    print(f"fit {fitted:.1f} s; roles: {gen.column_roles_}")
    print(f"{'column':<10} {'written as data':>15} {'part':>5} {'KS samples':>11} {'KS held-out':>12}")
    correlations = []
    for name, pattern in WRITTEN.items():
        written = sample[name].dropna().astype(str).str.fullmatch(pattern).mean()
        real, drawn, floor = parts(train[name]), parts(sample[name]), parts(held_out[name])
        for k in range(real.shape[1]):
            ks = ks_2samp(real[:, k][~np.isnan(real[:, k])], drawn[:, k][~np.isnan(drawn[:, k])]).statistic
            ks_floor = ks_2samp(real[:, k][~np.isnan(real[:, k])], floor[:, k][~np.isnan(floor[:, k])]).statistic
            print(
                f"{name if k == 0 else '':<10} {written if k == 0 else '':>15} {k + 1:>5} {ks:>11.3f} {ks_floor:>12.3f}"
            )
        pairs = [np.corrcoef(t[~np.isnan(t).any(axis=1)][:, :2].T)[0, 1] for t in (real, drawn, floor)]
        correlations.append((name, *pairs))
    shares = (np.mean(table["pressure"] == "n/a") for table in (train, sample))
    print("missing pressures: data {:.3f}, samples {:.3f}".format(*shares))
    print(f"{'correlation of parts 1 and 2':<30} {'data':>7} {'samples':>8} {'held-out':>9}")
    for name, real, drawn, floor in correlations:
        print(f"{name:<30} {real:>7.3f} {drawn:>8.3f} {floor:>9.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(arguments.rows, arguments.seed)
