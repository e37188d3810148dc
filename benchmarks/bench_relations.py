"""Round values and relations between columns: does a synthetic table keep what every training row kept?

Data: a synthetic export of ``--rows`` rows (seeded) with

- round values: ages whole but for a few halves and infants' ages in months,
  shoe sizes mostly whole among halves, incomes mostly rounded to the
  thousand;
- orders: a stay that starts before it ends, a minimum temperature below the
  maximum, an amount paid up to the amount due;
- a copy: the amount paid equal to the amount due in 40% of the rows;
- partitions: an age group from the age, an income bracket from the
  income;
- calendar fields: a year and a weekday from a date;
- arithmetic: nights as the end less the start (a duration), a booking
  date as the start less a lead time in days (a plain integer), a date to
  pay by 14 days after the end, an amount as a price (one of
  five) times a quantity, a tax of 20% of the amount, a gross amount as
  the amount plus the tax, a fee of 10% of hours times an hourly rate, and
  a charged total of the gross amount, a shipping cost (0 in half the rows)
  and the fee.

``BFNGenerator`` is fitted with its defaults, and again with
``enforce_bounds=False`` (no truncation to ranges, orders and partitions),
and each draws as many rows as the data. Printed: the share of rows
holding each property in the data and in each sample (1.000 for the orders
and partitions of the data by construction).

    python benchmarks/bench_relations.py --rows 3000 --seed 0
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator

GROUPS = ["18-29", "30-44", "45-59", "60+"]


def export_table(n_rows: int, seed: int) -> pd.DataFrame:
    """The synthetic export described in the module's docstring."""
    rng = np.random.default_rng(seed)
    u = rng.random(n_rows)
    age = np.round(rng.gamma(6, 6, n_rows)).clip(1, 95)
    age = np.where(u < 0.03, age + 0.5, np.where(u > 0.99, rng.choice([0.42, 0.67, 0.83], n_rows), age))
    income = np.round(rng.lognormal(10.5, 0.6, n_rows))
    income = np.where(rng.random(n_rows) < 0.7, np.round(income, -3), income)
    start = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n_rows), "D")
    due = np.round(rng.lognormal(5, 1, n_rows), 2)
    low = np.round(rng.normal(10, 6, n_rows), 1)
    end = start + pd.to_timedelta(np.ceil(rng.gamma(1.5, 8, n_rows)), "D")
    lead_days = rng.geometric(0.05, n_rows)
    price = rng.choice([2.5, 4.99, 9.99, 19.0, 49.9], n_rows)
    amount = np.round(price * rng.integers(1, 8, n_rows), 2)
    gross = np.round(amount + np.round(0.2 * amount, 2), 2)
    hours, hourly = rng.integers(1, 9, n_rows), rng.choice([15.5, 20.0, 32.75], n_rows)
    fee = np.round(0.1 * hours * hourly, 2)
    shipping = np.where(rng.random(n_rows) < 0.5, 0.0, np.round(rng.uniform(2, 10, n_rows), 2))
    return pd.DataFrame(
        {
            "age": age,
            "age_group": pd.cut(age, [0, 29.9, 44.9, 59.9, 200], labels=GROUPS).astype(str),
            "size": np.round(rng.normal(40, 3, n_rows)) + 0.5 * (rng.random(n_rows) < 0.1),
            "income": income,
            "bracket": np.where(income < 30_000, "low", np.where(income < 70_000, "mid", "high")),
            "start": start,
            "end": end,
            "nights": end - start,
            "lead_days": lead_days,
            "booked": start - pd.to_timedelta(lead_days, "D"),
            "pay_by": end + pd.Timedelta(14, "D"),
            "year": start.year,
            "weekday": start.day_name(),
            "t_min": low,
            "t_max": np.round(low + rng.gamma(3, 2.5, n_rows), 1),
            "due": due,
            "paid": np.where(rng.random(n_rows) < 0.4, due, np.round(due * rng.beta(5, 1, n_rows), 2)),
            "price": price,
            "quantity": np.round(amount / price).astype(int),
            "amount": amount,
            "tax": np.round(0.2 * amount, 2),
            "gross": gross,
            "hours": hours,
            "hourly": hourly,
            "fee": fee,
            "shipping": shipping,
            "charged": np.round(gross + shipping + fee, 2),
        }
    )


def properties(table: pd.DataFrame) -> dict[str, float]:
    """The share of rows with each property (of the rows holding the cells it reads)."""

    def whole(values, unit: float = 1.0) -> float:
        values = pd.to_numeric(values).to_numpy(float)
        values = values[~np.isnan(values)]
        return float(np.mean(np.isclose(values / unit, np.round(values / unit))))

    age = pd.to_numeric(table["age"]).to_numpy(float)
    income = pd.to_numeric(table["income"]).to_numpy(float)
    return {
        "ages whole": whole(table["age"]),
        "sizes whole": whole(table["size"]),
        "incomes in thousands": whole(table["income"], 1000.0),
        "start <= end": float(np.mean(table["start"] <= table["end"])),
        "t_min <= t_max": float(np.mean(table["t_min"] <= table["t_max"])),
        "paid <= due": float(np.mean(table["paid"] <= table["due"])),
        "paid == due": float(np.mean(table["paid"] == table["due"])),
        "age in its group": float(
            np.mean(pd.cut(age, [0, 29.9, 44.9, 59.9, 200], labels=GROUPS).astype(str) == table["age_group"])
        ),
        "start in its year": float(np.mean(pd.to_datetime(table["start"]).dt.year == table["year"])),
        "weekday of start": float(np.mean(pd.to_datetime(table["start"]).dt.day_name() == table["weekday"])),
        "nights = end - start": float(np.mean(table["end"] - table["start"] == table["nights"])),
        "nights <= 3": float(np.mean(pd.to_timedelta(table["nights"]) <= pd.Timedelta(3, "D"))),
        "booked = start - lead": float(
            np.mean(table["start"] - pd.to_timedelta(table["lead_days"], "D") == table["booked"])
        ),
        "lead_days <= 7": float(np.mean(table["lead_days"] <= 7)),
        "pay_by = end + 14 days": float(np.mean(table["end"] + pd.Timedelta(14, "D") == table["pay_by"])),
        "amount = price x qty": float(
            np.mean(np.isclose(table["amount"], (table["price"] * table["quantity"]).round(2)))
        ),
        "tax = 20% of amount": float(np.mean(np.isclose(table["tax"], (0.2 * table["amount"]).round(2)))),
        "gross = amount + tax": float(np.mean(np.isclose(table["gross"], table["amount"] + table["tax"]))),
        "fee = 10% of hours x rate": float(
            np.mean(np.isclose(table["fee"], (0.1 * table["hours"] * table["hourly"]).round(2)))
        ),
        "charged = gross+ship+fee": float(
            np.mean(np.isclose(table["charged"], table["gross"] + table["shipping"] + table["fee"], rtol=0, atol=5e-3))
        ),
        "income in its bracket": float(
            np.mean(np.where(income < 30_000, "low", np.where(income < 70_000, "mid", "high")) == table["bracket"])
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = export_table(args.rows, args.seed)
    columns = {"data": properties(data)}
    for label, params in (("BFN", {}), ("BFN, enforce_bounds=False", {"enforce_bounds": False})):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            generator = BFNGenerator(random_state=args.seed, **params).fit(data)
        sample = generator.sample(args.rows, random_state=args.seed)
        columns[label] = properties(sample)
        print(f"{label}: fit and sample {time.perf_counter() - start:.1f} s", flush=True)
    encoder = generator.encoder_
    names = list(data.columns)
    print(
        f"found: round units {[(c.name, c.round_unit) for c in encoder.columns_ if c.round_unit]}, "
        f"orders {[(names[a], names[b]) for a, b in encoder.orders_]}, "
        f"copies {[(names[a], names[b]) for a, b in encoder.copies_]}, "
        f"partitions {[(names[p.column], names[p.by]) for p in encoder.partitions_]}, "
        f"calendar fields {[(names[f.column], f.field) for f in getattr(encoder, 'calendar_fields_', ())]}, "
        f"arithmetic {[(names[r.column], r.operation) for r in getattr(encoder, 'arithmetic_', ())]}\n"
    )
    print(f"{'share of rows':<24}" + "".join(f"{label:>28}" for label in columns))
    for name in columns["data"]:
        print(f"{name:<24}" + "".join(f"{values[name]:>28.3f}" for values in columns.values()))


if __name__ == "__main__":
    main()
