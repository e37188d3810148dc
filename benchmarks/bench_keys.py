"""Keys beside their rows: customers' ids and e-mail addresses repeated over their orders, and guests' orders
without a customer id.

A column of keys gets fresh keys in samples. This prints how the samples keep
the data's shape of keys:

- *repeats*: orders of 500 customers holding 1 to 20 orders each, with their
  integer ids and e-mail addresses; the total variation between the rows'
  shares by their customer's count of orders in the data and in the samples
  (0 when every customer holds as many orders as in the data), the distinct
  keys, the sampled keys that are training keys, and whether each fresh id has
  one address;
- *guests*: the same orders with 30% of them placed by guests, without a
  customer id and with smaller amounts; the share of sampled rows without an
  id, and the median amounts with and without one.

    python benchmarks/bench_keys.py --max-iter 200
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator


def orders(n_customers: int = 500, seed: int = 0, guests: float = 0.0) -> pd.DataFrame:
    """Orders of customers holding 1, 2, 3, 4, 8 or 20 orders each; a share ``guests`` placed without an id."""
    rng = np.random.default_rng(seed)
    per = rng.choice([1, 2, 3, 4, 8, 20], n_customers, p=[0.3, 0.2, 0.2, 0.15, 0.1, 0.05])
    ids = np.repeat(rng.choice(np.arange(10**5, 10**6), n_customers, replace=False), per)
    letters = np.array(list("abcdefgh"))
    emails = [f"{''.join(rng.choice(letters, 6))}{k}@shop.example.org" for k in range(n_customers)]
    table = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="Int64"),
            "email": np.repeat(np.array(emails, dtype=object), per),
            "amount": rng.lognormal(3.0, 1.0, len(ids)).round(2),
            "channel": rng.choice(["web", "app", "store"], len(ids)),
        }
    )
    if guests:
        guest = rng.random(len(table)) < guests
        table.loc[guest, ["customer_id", "email"]] = pd.NA
        table.loc[guest, "amount"] = rng.gamma(2.0, 5.0, int(guest.sum())).round(2)
    return table.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def row_shares(keys: pd.Series) -> pd.Series:
    """The share of rows whose key holds each count of rows."""
    counts = keys.dropna().value_counts()
    rows = counts.value_counts() * counts.value_counts().index
    return rows / rows.sum()


def total_variation(a: pd.Series, b: pd.Series) -> float:
    index = a.index.union(b.index)
    return 0.5 * float((a.reindex(index, fill_value=0) - b.reindex(index, fill_value=0)).abs().sum())


def main(max_iter: int, seed: int) -> None:
    for name, guests in (("repeats", 0.0), ("guests", 0.3)):
        data = orders(seed=seed, guests=guests)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the warnings that say the columns are keys
            gen = BFNGenerator(max_iter=max_iter, random_state=seed).fit(data)
        sample = gen.sample(len(data), random_state=seed)
        print(f"{name}: {len(data)} rows, roles {gen.column_roles_}")
        for column in ("customer_id", "email"):
            drawn = sample[column].dropna()
            shares = total_variation(row_shares(data[column]), row_shares(sample[column])) if len(drawn) else np.nan
            print(
                f"  {column}: rows by their key's count of rows, total variation {shares:.3f}; distinct keys "
                f"{data[column].nunique()} in the data, {drawn.nunique()} in samples; training keys sampled "
                f"{drawn.isin(data[column].dropna()).mean():.3f}; missing {data[column].isna().mean():.3f} in the "
                f"data, {sample[column].isna().mean():.3f} in samples"
            )
        paired = sample.dropna(subset=["customer_id"]).groupby("customer_id")["email"].nunique()
        print(f"  fresh ids with one address each: {(paired == 1).mean():.3f}")
        if guests:
            for label, frame in (("data", data), ("samples", sample)):
                keyed = frame["customer_id"].notna()
                print(
                    f"  median amount in the {label}: {frame.loc[~keyed, 'amount'].median():.1f} without an id, "
                    f"{frame.loc[keyed, 'amount'].median():.1f} with one"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-iter", type=int, default=200, help="fit steps")
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    main(arguments.max_iter, arguments.seed)
