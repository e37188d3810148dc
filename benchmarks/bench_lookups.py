"""Lookups: does a synthetic table keep the columns that another column's value determines?

Data: a synthetic export of ``--rows`` taxi trips (seeded), in the shape of
public trip records, with

- a pickup and a dropoff zone (60 zones, their shares skewed), each beside
  its borough (five; 5% of the pickup boroughs missing);
- a payment type as a code (``'CRD'``, ``'CSH'``, ``'NOC'``, ``'DIS'``)
  beside its label, and a vendor as a number (1 or 2) beside its name;
- a rate code (1 to 6, integers) beside its name;
- passengers, a distance, a fare and a tip (none for cash).

``BFNGenerator`` is fitted with its defaults, and again with
``enforce_bounds=False`` (no truncation), and each draws as many rows as the
data. Printed: the share of rows whose pair of cells (both present) is one
that the data hold, for each lookup, in the data and in each sample; and the
same share in ``BFNImputer``'s point estimates of a copy of the table with
20% of the zones, boroughs, codes and labels missing (cells missing at
random).

    python benchmarks/bench_lookups.py --rows 3000 --seed 0
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator, BFNImputer

BOROUGHS = ["Manhattan", "Queens", "Brooklyn", "Bronx", "Staten Island"]
PAYMENTS = {"CRD": "credit card", "CSH": "cash", "NOC": "no charge", "DIS": "dispute"}
VENDORS = {1: "Creative Mobile", 2: "VeriFone"}
RATES = {1: "standard", 2: "JFK", 3: "Newark", 4: "Nassau/Westchester", 5: "negotiated", 6: "group ride"}
PAIRS = [
    ("pickup_zone", "pickup_borough"),
    ("dropoff_zone", "dropoff_borough"),
    ("payment", "payment_type"),
    ("vendor_id", "vendor"),
    ("rate_code", "rate"),
]


def trips_table(n_rows: int, seed: int) -> pd.DataFrame:
    """The synthetic export described in the module's docstring."""
    rng = np.random.default_rng(seed)
    zones = [f"Zone {k:02d}" for k in range(60)]
    borough_of = dict(zip(zones, rng.choice(BOROUGHS, 60, p=[0.4, 0.25, 0.2, 0.1, 0.05]), strict=True))
    shares = rng.dirichlet(np.full(60, 0.6))
    pickup, dropoff = rng.choice(zones, n_rows, p=shares), rng.choice(zones, n_rows, p=shares)
    payment = rng.choice(list(PAYMENTS), n_rows, p=[0.68, 0.29, 0.02, 0.01])
    vendor_id = rng.choice(list(VENDORS), n_rows, p=[0.4, 0.6])
    rate_code = rng.choice(list(RATES), n_rows, p=[0.9, 0.05, 0.02, 0.01, 0.015, 0.005])
    distance = np.round(rng.gamma(1.6, 1.8, n_rows) * np.where(rate_code == 2, 6, 1), 2)
    fare = np.round(2.5 + 2.5 * distance + rng.gamma(2, 1, n_rows), 1)
    tip = np.where(payment == "CRD", np.round(fare * rng.uniform(0.1, 0.3, n_rows), 2), 0.0)
    borough = pd.Series(pickup).map(borough_of)
    return pd.DataFrame(
        {
            "vendor_id": vendor_id,
            "vendor": pd.Series(vendor_id).map(VENDORS),
            "passengers": rng.choice([1, 2, 3, 4, 5, 6], n_rows, p=[0.7, 0.14, 0.05, 0.03, 0.05, 0.03]),
            "distance": distance,
            "rate_code": rate_code,
            "rate": pd.Series(rate_code).map(RATES),
            "pickup_zone": pickup,
            "pickup_borough": borough.where(rng.random(n_rows) > 0.05),
            "dropoff_zone": dropoff,
            "dropoff_borough": pd.Series(dropoff).map(borough_of),
            "payment": payment,
            "payment_type": pd.Series(payment).map(PAYMENTS),
            "fare": fare,
            "tip": tip,
        }
    )


def kept_shares(data: pd.DataFrame, table: pd.DataFrame) -> dict[str, float]:
    """For each lookup, the share of ``table``'s rows holding both cells whose pair ``data`` holds."""
    shares = {}
    for key, value in PAIRS:
        allowed = set(map(tuple, data[[key, value]].dropna().astype(str).to_numpy()))
        pairs = table[[key, value]].dropna().astype(str).to_numpy()
        shares[f"{value} of its {key}"] = float(np.mean([tuple(pair) in allowed for pair in pairs]))
    return shares


def with_holes(table: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """``table`` with ``share`` of the cells of the lookups' columns missing at random."""
    rng = np.random.default_rng(seed + 1)
    holes = table.copy()
    for column in {c for pair in PAIRS for c in pair}:
        holes.loc[rng.random(len(holes)) < share, column] = np.nan
    return holes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    data = trips_table(args.rows, args.seed)
    columns = {"data": kept_shares(data, data)}
    for name, params in (("defaults", {}), ("enforce_bounds=False", {"enforce_bounds": False})):
        start = time.perf_counter()
        gen = BFNGenerator(random_state=args.seed, **params).fit(data)
        columns[name] = kept_shares(data, gen.sample(args.rows, random_state=args.seed))
        print(f"{name}: fit and sample {time.perf_counter() - start:.1f} s")
        if name == "defaults":
            print("relations:", gen.column_relations_)
            imputed = BFNImputer(estimator=gen).fit(data).transform(with_holes(data, 0.2, args.seed))
            columns["imputed (defaults)"] = kept_shares(data, imputed)
    print(pd.DataFrame(columns).round(3).to_string())


if __name__ == "__main__":
    main()
