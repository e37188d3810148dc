"""A messy customer table as people have it: ids, free text, codes, dates, durations, missing cells, heavy tails.

The table (``messy_table``; 2,000 rows by default, generated here) has a
unique customer id, a free-text name, a zip-like code with about 500 values,
a boolean, a signup date, a last-seen time with a time zone, a session
duration, a segment, nullable counts and flags with 10% missing cells, an age
with 15% missing (more often for the oldest), a heavy-tailed non-negative
income, a constant and an empty column.

Printed, in one run, for BFNGenerator with its defaults and with the
category tilt off (``category_shares='model'``), and, where SDV is installed
(``pip install -e ".[bench]"``), for its GaussianCopula synthesizer:

- fit and sample(2,000) times;
- ids: the share of sampled ids that repeat, and that are training ids;
- text: the share of sampled names and codes that copy a training value;
- range: per numeric and datetime column, the share of samples outside the
  training range;
- missing: per column, the share of missing cells in the samples and in
  training;
- dtypes: whether every column comes back in its training dtype;
- quality: SDMetrics' QualityReport score of the samples against held-out
  rows of the same generator, over the columns that can be modelled (ids and
  free text left out), when ``sdmetrics`` is installed;
- report: ``skbfn.evaluate``'s figures against the held-out rows: mean column
  shape (KS / TVD), mean pair trend, classifier two-sample AUC (the 'real'
  column: training rows against held-out rows, the floor), closeness share and
  exact copies, and the membership audit AUC for generators with
  ``score_samples``.

A last block compares ``continuous_transform='affine'`` (which the default,
``'heavy_tails'``, gives this income: its middle half spans more than 3% of
its range) and ``'auto'`` on the heavy-tailed income: the share of samples below the
training minimum, and the 50th and 90th percentiles against the data's.

Usage: ``python benchmarks/bench_messy.py [--rows 2000] [--seed 0] [--max-iter N] [--bfn-params '{"dropout": 0}']``
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import numpy as np
import pandas as pd

from skbfn import BFNGenerator
from skbfn.metrics import evaluate, membership_audit

FIRST = ["Ann", "Bob", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max", "Nia", "Oli"]
LAST = ["Smith", "Jones", "Brown", "Lee", "Khan", "Garcia", "Muller", "Rossi", "Novak", "Silva", "Kim", "Sato"]
TEXT = ["name", "zip"]
IDS = ["customer_id"]


def messy_table(n_rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    """The messy customer table (see the module docstring)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n_rows).astype(float)
    frame = pd.DataFrame(
        {
            "customer_id": rng.permutation(n_rows) + 100_000,
            "name": [
                f"{a} {b}-{k}"
                for a, b, k in zip(
                    rng.choice(FIRST, n_rows), rng.choice(LAST, n_rows), rng.integers(1, 99, n_rows), strict=True
                )
            ],
            "zip": [f"{z:05d}" for z in rng.integers(1000, 1500, n_rows)],
            "is_member": rng.random(n_rows) < 0.3,
            "signup": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1400, n_rows), unit="D"),
            "last_seen": pd.Timestamp("2023-01-01", tz="UTC") + pd.to_timedelta(rng.uniform(0, 3e7, n_rows), unit="s"),
            "session": pd.to_timedelta(rng.exponential(600, n_rows).round(), unit="s"),
            "segment": pd.Categorical(rng.choice(["basic", "plus", "pro"], n_rows, p=[0.6, 0.3, 0.1])),
            "visits": pd.array(rng.poisson(3, n_rows), dtype="Int64"),
            "opted_in": pd.array(rng.random(n_rows) < 0.5, dtype="boolean"),
            "age": age,
            "income": np.round(np.exp(rng.normal(10.2, 0.6, n_rows)) + 10_000, 2),
            "country": "NL",
            "notes": pd.Series([None] * n_rows, dtype=object),
        }
    )
    frame.loc[rng.random(n_rows) < 0.1, "visits"] = pd.NA
    frame.loc[rng.random(n_rows) < 0.1, "opted_in"] = pd.NA
    frame.loc[rng.random(n_rows) < np.where(age > 70, 0.35, 0.1), "age"] = np.nan
    return frame


def _range_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if c not in IDS and frame[c].dtype.kind in "iufMm" and frame[c].notna().any()]


def report(name: str, train: pd.DataFrame, sample: pd.DataFrame, fit_s: float, sample_s: float) -> dict:
    """The figures of one generator's sample (see the module docstring)."""
    row = {"generator": name, "fit s": fit_s, "sample s": sample_s}
    ids = sample["customer_id"].dropna()
    row["id repeats"] = float(ids.duplicated().mean()) if len(ids) else float("nan")
    row["training ids"] = float(ids.isin(train["customer_id"]).mean()) if len(ids) else float("nan")
    for column in TEXT:
        values = sample[column].dropna()
        row[f"{column} copied"] = float(values.isin(set(train[column])).mean()) if len(values) else 0.0
    for column in _range_columns(train):
        values = sample[column].dropna()
        low, high = train[column].min(), train[column].max()
        row[f"{column} outside"] = float(((values < low) | (values > high)).mean()) if len(values) else 0.0
    for column in ("visits", "opted_in", "age"):
        row[f"{column} missing"] = f"{sample[column].isna().mean():.3f}/{train[column].isna().mean():.3f}"
    row["dtypes kept"] = bool((sample.dtypes.astype(str) == train.dtypes.astype(str)).all())
    return row


def report_figures(generator, sample: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> dict:
    """skbfn.evaluate's figures for one generator's sample (see the module docstring)."""
    figures = evaluate(sample, train, test, random_state=seed)
    audit = float("nan")
    if hasattr(generator, "score_samples"):
        audit = membership_audit(generator, train, test, n_bootstrap=20, random_state=seed).auc
    return {
        "shapes": float(np.mean(list(figures.column_shapes.values()))),
        "pairs": float(np.nanmean(list(figures.pair_trends.values()))),
        "C2ST": figures.two_sample_auc,
        "close": figures.closest_record_share,
        "copies": figures.exact_copies,
        "audit": audit,
    }


def quality(sample: pd.DataFrame, real: pd.DataFrame) -> float:
    """SDMetrics' QualityReport score over the modelled columns (NaN without sdmetrics)."""
    try:
        from sdmetrics.reports import QualityReport
    except ImportError:
        return float("nan")
    columns = [c for c in real.columns if c not in IDS + TEXT + ["notes", "country"]]

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame[columns].copy()
        frame["session"] = frame["session"].dt.total_seconds()
        frame["last_seen"] = frame["last_seen"].dt.tz_convert(None)
        for column in ("visits", "age"):
            frame[column] = frame[column].astype(float)
        for column in ("is_member", "opted_in", "segment"):
            frame[column] = frame[column].astype(object)
        return frame

    sdtypes = {
        "is_member": "boolean",
        "opted_in": "boolean",
        "segment": "categorical",
        "signup": "datetime",
        "last_seen": "datetime",
    }
    metadata = {"tables": {"table": {"columns": {c: {"sdtype": sdtypes.get(c, "numerical")} for c in columns}}}}
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report.generate({"table": plain(real)}, {"table": plain(sample)}, metadata, verbose=False)
    return float(report.get_score())


class GaussianCopula:
    """SDV's GaussianCopulaSynthesizer with detected metadata (durations go in as seconds)."""

    def fit(self, train: pd.DataFrame) -> GaussianCopula:
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        self.dtypes = train.dtypes
        data = train.assign(session=train["session"].dt.total_seconds())
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            metadata = Metadata.detect_from_dataframes({"table": data})
            self.model = GaussianCopulaSynthesizer(metadata)
            self.model.fit({"table": data})
        return self

    def sample(self, n_rows: int) -> pd.DataFrame:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sample = self.model.sample(n_rows)["table"]
        sample["session"] = pd.to_timedelta(sample["session"], unit="s")
        return sample


def timed(generator, train: pd.DataFrame, n_rows: int):
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the dropped text columns are announced at fit
        generator.fit(train)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    sample = generator.sample(n_rows)
    return sample, fit_s, time.perf_counter() - start


def main(n_rows: int, seed: int, max_iter, bfn_params: dict) -> None:
    train, test = messy_table(n_rows, seed), messy_table(n_rows, seed + 1000)
    generators = {
        "BFN": BFNGenerator(**{"max_iter": max_iter, "random_state": seed, **bfn_params}),
        "BFN tilt off": BFNGenerator(
            **{"max_iter": max_iter, "random_state": seed, **bfn_params, "category_shares": "model"}
        ),
    }
    try:
        import sdv  # noqa: F401

        generators["GaussianCopula"] = GaussianCopula()
    except ImportError:
        print("SDV is not installed: no GaussianCopula row (pip install -e '.[bench]').")
    rows = []
    for name, generator in generators.items():
        sample, fit_s, sample_s = timed(generator, train, n_rows)
        row = report(name, train, sample, fit_s, sample_s)
        row["quality"] = quality(sample, test)
        row.update(report_figures(generator, sample, train, test, seed))
        rows.append(row)
    reference = evaluate(train, train, test, random_state=seed).reference
    rows.append(
        {
            "generator": "real",
            "shapes": float(np.mean(list(reference["column_shapes"].values()))),
            "pairs": float(np.nanmean(list(reference["pair_trends"].values()))),
            "C2ST": reference["two_sample_auc"],
        }
    )
    table = pd.DataFrame(rows).set_index("generator").T
    with pd.option_context("display.width", 200, "display.max_rows", 100, "display.float_format", "{:.4f}".format):
        print(table)
    roles = generators["BFN"].column_roles_
    print("\ncolumn roles:", roles)

    print(
        "\nheavy-tailed income (training min {:.0f}, p50 {:.0f}, p90 {:.0f}):".format(
            train["income"].min(), train["income"].quantile(0.5), train["income"].quantile(0.9)
        )
    )
    for transform in ("affine", "auto"):
        for bounds in (True, False):
            gen = BFNGenerator(
                max_iter=max_iter, random_state=seed, continuous_transform=transform, enforce_bounds=bounds
            )
            sample, _, _ = timed(gen, train, n_rows)
            income = sample["income"]
            print(
                f"  {transform:>6} bounds={bounds!s:5}: below min {np.mean(income < train['income'].min()):.4f}, "
                f"negative {np.mean(income < 0):.4f}, p50 {income.quantile(0.5):.0f}, p90 {income.quantile(0.9):.0f}, "
                f"quality {quality(sample, test):.4f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-iter", default="auto", type=lambda v: v if v == "auto" else int(v))
    parser.add_argument("--bfn-params", type=json.loads, default={}, help="more BFNGenerator parameters, as JSON")
    args = parser.parse_args()
    main(args.rows, args.seed, args.max_iter, args.bfn_params)
