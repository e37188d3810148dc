"""A table as ledgers and spreadsheets export it: keys, amounts, measures, times and missing marks held as text.

The table (``export_table``; 2,000 rows by default, generated here) has an
invoice number (``'INV-000123'``), a random nine-digit account number
(``account_no``), an amount in cents as a plain integer column (all distinct
at a few hundred rows: ``--rows 300``), a balance in accounting format
(``'(1,234.50)'`` for negatives), a weight with its unit (``'12.5 kg'``), a
change with a plus sign (``'+2.5%'``), an opening time of day (``'14:30'``,
morning or afternoon), a booking date (``'25/12/2023'``), a reading in
scientific notation (``'2.515e+02'``), a rating with ``'?'`` where it is
missing, a credit limit in thousands (an integer column), a time read on the
minute (``'2024-05-01T08:31:00'``), a closing date with ``'?'`` for accounts
still open, and a flag ``'Y'`` that is missing (None) elsewhere. The balance
follows the amount, the reading the weight, the opening time the change, the
limit the amount, the closing date's missing cells the balance's sign, and
the flag the amount.

Printed for ``BFNGenerator`` with its defaults (``evaluate``'s figures
against held-out rows of the same generator, the 'real' column being
training rows against held-out rows):

- the role detected for every column;
- per text column, the share of sampled strings written in the column's own
  format (they parse in it and print back unchanged) and the share of
  missing marks (``'?'``) against the data's;
- per column, the column shape (KS on the numbers the strings hold; TVD for
  categories), and the mean pair trend and classifier two-sample AUC;
- keys: the share of sampled invoice and account numbers that repeat, or
  that are training keys;
- grids and missing cells: the share of sampled limits that are whole
  thousands and of read times on the minute, the share of ``'?'`` among the
  closing dates and of missing flags, and the share of flags among the rows
  with a large amount (above the training median), samples against data.

Usage: ``python benchmarks/bench_exports.py [--rows 2000] [--seed 0]``
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator
from skbfn.metrics import evaluate

KEYS = ["invoice", "account_no"]


def export_table(n_rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The exported ledger (see the module docstring)."""
    rng = np.random.default_rng(seed)
    cents = np.round(100 * rng.lognormal(6.0, 1.0, n_rows)).astype(np.int64)
    balance = np.round(cents / 100 * rng.normal(0.8, 0.8, n_rows), 2)
    weight = np.round(rng.gamma(6.0, 4.0, n_rows), 1)
    change = np.round(rng.normal(0.0, 3.0, n_rows), 1)
    morning = change + rng.normal(0, 2, n_rows) > 0
    minutes = np.clip(np.where(morning, rng.normal(9 * 60, 45, n_rows), rng.normal(14 * 60, 60, n_rows)), 0, 1439)
    minutes = minutes.round().astype(int)
    booked = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 730, n_rows), unit="D")
    rating = np.array([f"{v:.1f}" for v in np.clip(np.round(rng.normal(3.8, 0.7, n_rows) * 2) / 2, 1, 5)], dtype=object)
    rating[rng.random(n_rows) < 0.12] = "?"
    start = int(rng.integers(1, 5000))
    limit = np.clip(np.round(cents / 100 * rng.lognormal(1.5, 0.3, n_rows) / 1000), 1, None).astype(np.int64) * 1000
    read_at = pd.Timestamp("2024-05-01") + pd.to_timedelta(rng.integers(0, 60 * 24 * 30, n_rows), unit="min")
    closed = booked + pd.to_timedelta(rng.integers(30, 400, n_rows), unit="D")
    closed = np.array(closed.strftime("%Y-%m-%d"), dtype=object)
    closed[(balance > 0) & (rng.random(n_rows) < 0.7)] = "?"
    large = cents > np.median(cents)
    return pd.DataFrame(
        {
            "invoice": [f"INV-{k:06d}" for k in rng.permutation(n_rows) + start],
            "account_no": rng.choice(10**9, n_rows, replace=False),
            "amount_cents": cents,
            "balance": [f"({-v:,.2f})" if v < 0 else f"{v:,.2f}" for v in balance],
            "weight": [f"{v:.1f} kg" for v in weight],
            "change": [f"{v:+.1f}%" for v in change],
            "opens": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes],
            "booked": booked.strftime("%d/%m/%Y"),
            "reading": [f"{v:.3e}" for v in weight**2 * rng.lognormal(0, 1.5, n_rows)],
            "rating": rating,
            "limit": limit,
            "read_at": read_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "closed": closed,
            "vip": np.where(large & (rng.random(n_rows) < 0.8), "Y", None),
        }
    )


def written_as(gen: BFNGenerator, sample: pd.DataFrame) -> dict[str, float]:
    """Per column held as text, the share of sampled strings written in the column's format."""
    shares = {}
    for column in gen.encoder_.columns_:
        values = sample[column.name].to_numpy(dtype=object)
        observed = values[~column.missing_cells(values)]
        if column.number_format is not None:
            shares[column.name] = float(
                np.mean(column.number_format.format(column.number_format.parse(observed)) == observed)
            )
        elif column.time_format is not None:
            times = pd.to_datetime(pd.Series(observed), format=column.time_format, errors="coerce")
            shares[column.name] = float(np.mean(times.dt.strftime(column.time_format).to_numpy() == observed))
    return shares


def main(n_rows: int, seed: int) -> None:
    train, test = export_table(n_rows, seed), export_table(n_rows, seed + 1000)
    gen = BFNGenerator(random_state=seed)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        gen.fit(train)
    fit_s = time.perf_counter() - start
    sample = gen.sample(n_rows, random_state=seed)
    print(f"fit {fit_s:.1f} s; roles: {gen.column_roles_}")
    shares = written_as(gen, sample)
    print("written in the column's format:", {name: round(share, 3) for name, share in shares.items()})
    print(f"'?' in rating: samples {np.mean(sample['rating'] == '?'):.3f}, data {np.mean(train['rating'] == '?'):.3f}")
    thousands = np.mean(sample["limit"] % 1000 == 0)
    on_minute = pd.to_datetime(sample["read_at"]).dt.second.eq(0).mean()
    print(f"limit in whole thousands: {thousands:.3f}; read_at on the minute: {on_minute:.3f}")
    for name, rows in (("samples", sample), ("data", train)):
        large = rows["amount_cents"] > np.median(train["amount_cents"])
        print(
            f"{name}: '?' in closed {np.mean(rows['closed'] == '?'):.3f}, "
            f"flag missing {rows['vip'].isna().mean():.3f}, "
            f"flag among large amounts {rows.loc[large, 'vip'].notna().mean():.3f}, "
            f"among the others {rows.loc[~large, 'vip'].notna().mean():.3f}"
        )
    for key in KEYS:
        values = sample[key]
        print(
            f"{key}: repeated {values.duplicated().mean():.3f}, "
            f"training keys {values.isin(set(train[key])).mean():.3f}, e.g. {values.iloc[:2].tolist()}"
        )
    figures = evaluate(sample, train, test, random_state=seed)
    reference = figures.reference
    rows = [
        {"column": name, "BFN": shape, "real": reference["column_shapes"][name]}
        for name, shape in figures.column_shapes.items()
    ]
    rows.append(
        {
            "column": "mean pair trend",
            "BFN": float(np.nanmean(list(figures.pair_trends.values()))),
            "real": float(np.nanmean(list(reference["pair_trends"].values()))),
        }
    )
    rows.append({"column": "C2ST AUC", "BFN": figures.two_sample_auc, "real": reference["two_sample_auc"]})
    with pd.option_context("display.float_format", "{:.3f}".format):
        print(pd.DataFrame(rows).set_index("column"))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    main(args.rows, args.seed)
