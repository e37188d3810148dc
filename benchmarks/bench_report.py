"""How long skbfn.evaluate takes on a large table, measure by measure.

A mixed table of ``--rows`` rows (six normal numbers, four categories of 3 to
6 values) for the training, held-out and synthetic sets (the synthetic one
shifted by 0.05 sd), on this machine's CPU cores: the seconds for each
measure, then for the whole report with a utility target, which it prints.

Usage: ``python benchmarks/bench_report.py [--rows 100000]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from skbfn.metrics import (
    classifier_two_sample_auc,
    closest_record_share,
    column_shapes,
    evaluate,
    exact_copies,
    pair_trends,
)


def table(rng: np.random.Generator, n: int, shift: float = 0.0) -> pd.DataFrame:
    columns = {f"x{i}": rng.normal(shift, 1.0, n) for i in range(6)}
    columns.update({f"c{i}": rng.choice(list("abcdefgh"[: 3 + i]), n) for i in range(4)})
    return pd.DataFrame(columns)


def main(rows: int) -> None:
    rng = np.random.default_rng(0)
    train, holdout, synthetic = table(rng, rows), table(rng, rows), table(rng, rows, 0.05)
    measures = {
        "column shapes": lambda: column_shapes(holdout, synthetic),
        "pair trends": lambda: pair_trends(holdout, synthetic),
        "two-sample test": lambda: classifier_two_sample_auc(holdout, synthetic, random_state=0),
        "closeness": lambda: closest_record_share(synthetic, train, holdout),
        "exact copies": lambda: exact_copies(synthetic, train),
    }
    print(f"{rows} rows a table, 10 columns")
    for name, measure in measures.items():
        start = time.perf_counter()
        measure()
        print(f"{name:<16} {time.perf_counter() - start:7.2f} s")
    start = time.perf_counter()
    report = evaluate(synthetic, train, holdout, target="c3", random_state=0)
    print(f"{'evaluate':<16} {time.perf_counter() - start:7.2f} s\n")
    print(report)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    main(parser.parse_args().rows)
