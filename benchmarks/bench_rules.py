"""Columns that a rule over several others decides: do samples keep the rule?

Data: ``--rows`` passengers (seeded) as seaborn's Titanic table has them:
``who`` a child under 16, else a man or a woman by sex (also where the age
is missing, in a fifth of the rows); ``alone`` where no sibling, spouse,
parent or child travels along (``sibsp + parch == 0``); and ``risk``,
``'high'`` for a smoker over 50 and ``'low'`` otherwise (a rule of a
number and a category), beside the fare, which grows with the party.

``BFNGenerator`` is fitted with its defaults, and draws as many rows as the
data; then the same model draws again with its rules taken out (as the
release before rules drew). Printed: the rules found, and the share of rows
keeping each rule and the share of children, in the data and in each sample.

    python benchmarks/bench_rules.py --rows 2000 --seed 0
"""

from __future__ import annotations

import argparse
import copy
import time
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator


def passengers(n_rows: int, seed: int) -> pd.DataFrame:
    """The passengers (see the module's description)."""
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(1, 75, n_rows))
    age[rng.random(n_rows) < 0.2] = np.nan
    sex = rng.choice(["male", "female"], n_rows)
    sibsp, parch = rng.poisson(0.5, n_rows), rng.poisson(0.4, n_rows)
    smoker = rng.choice(["yes", "no"], n_rows, p=[0.3, 0.7])
    return pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "sibsp": sibsp,
            "parch": parch,
            "smoker": smoker,
            "fare": np.round(rng.gamma(2.0, 12.0, n_rows) * (1 + sibsp + parch), 2),
            "who": np.where(age < 16, "child", np.where(sex == "male", "man", "woman")),
            "alone": sibsp + parch == 0,
            "risk": np.where((smoker == "yes") & (age > 50), "high", "low"),
        }
    )


def kept(table: pd.DataFrame) -> dict[str, float]:
    """The share of rows keeping each rule, and the share of children."""
    age = table["age"].to_numpy(float)
    who = np.where(age < 16, "child", np.where(table["sex"] == "male", "man", "woman"))
    with np.errstate(invalid="ignore"):
        risk = np.where((table["smoker"] == "yes") & (age > 50), "high", "low")
    return {
        "who of sex and age": float(np.mean(table["who"].to_numpy(str) == who)),
        "alone of sibsp, parch": float(np.mean(table["alone"].astype(bool) == (table["sibsp"] + table["parch"] == 0))),
        "risk of smoker and age": float(np.mean(table["risk"].to_numpy(str) == risk)),
        "children": float(np.mean(table["who"] == "child")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = passengers(args.rows, args.seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        generator = BFNGenerator(random_state=args.seed).fit(data)
    print(f"fit {time.perf_counter() - start:.1f} s; rules found: {generator.column_relations_}")
    without = copy.deepcopy(generator)
    without.encoder_.rules_ = []
    columns = {
        "data": kept(data),
        "BFN": kept(generator.sample(args.rows, random_state=args.seed)),
        "BFN, rules taken out": kept(without.sample(args.rows, random_state=args.seed)),
    }
    print(f"{'share of rows':<24}" + "".join(f"{label:>24}" for label in columns))
    for name in columns["data"]:
        print(f"{name:<24}" + "".join(f"{values[name]:>24.3f}" for values in columns.values()))


if __name__ == "__main__":
    main()
