"""Imputation and generation from incomplete tables: BFNImputer beside scikit-learn's imputers.

Data: load_iris, load_wine, load_breast_cancer, load_diabetes (the target as one
more column: a category for the three classification sets) and 1000 rows of
load_digits pixels (integers 0..16). Masks, each with a fixed seed:

- MCAR 20% and 50%: every cell missing with that probability;
- MAR: the first column is always observed; every other cell goes missing with
  probability 0.35 where the first column is above its median, 0.05 below
  (about 20% of those cells).

Printed, in one run:

1. Imputation quality on the masked cells: RMSE of continuous (and integer)
   cells standardised by the column's sd, and accuracy on categorical cells,
   for BFNImputer (point estimate) and for SimpleImputer (mean / most
   frequent), KNNImputer (standardised columns), IterativeImputer with
   BayesianRidge and with ExtraTreesRegressor (the missForest recipe). The
   numeric imputers see categories as ordinal codes, rounded back.
2. Multiple imputation, on masked real-valued cells, from 20 draws of
   BFNImputer (``sample_posterior=True``) and of IterativeImputer with
   BayesianRidge (``sample_posterior=True``, one fit per draw): the coverage of
   the central 90% interval, from the smallest to the largest of the 20 draws
   (0.905 for a calibrated model: see ``interval_coverage``), and the energy score of the
   draws against the held-out value, ``E|X - y| - E|X - X'| / 2`` in units of
   the column's sd (in one dimension, the CRPS; lower is better: it rewards
   draws that are both near the value and as spread as the uncertainty).
   BFNImputer's draws are shown with its calibrated spread (``spread_scale_``,
   printed as "scale") and with the model's own spread (s=1).
3. Generation from incomplete tables: BFNGenerator fitted on the 70% train
   split with 20% and 50% MCAR cells, against the same model fitted on the
   complete train rows: W1 of synthetic rows to the complete test rows (as in
   ``bench_tabular.py``).

Every BFN model uses the defaults (BFNImputer's own model for imputation)
except ``max_iter=1000``, to keep the whole run near a quarter of an hour on
2 CPU cores.

Usage: ``python benchmarks/bench_impute.py [--data iris wine] [--masks MCAR20] [--no-generation]``
"""

from __future__ import annotations

import os
import platform
import time
import warnings
import zlib

import numpy as np
import pandas as pd
import torch
from bench_tabular import common_scaling, load, wasserstein_1
from sklearn.datasets import load_digits
from sklearn.ensemble import ExtraTreesRegressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_iterative_imputer  # noqa: F401
from sklearn.impute import IterativeImputer, KNNImputer, SimpleImputer
from sklearn.linear_model import BayesianRidge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skbfn import BFNGenerator, BFNImputer
from skbfn._estimators.imputer import default_imputer_generator

MAX_ITER = 1000


def full_table(name: str) -> pd.DataFrame:
    if name == "digits":
        pixels = load_digits().data[:1000]
        return pd.DataFrame(pixels.astype(np.int64), columns=[f"p{j}" for j in range(pixels.shape[1])])
    train, test, _ = load(name)
    return pd.concat([train, test], ignore_index=True)


def make_mask(frame: pd.DataFrame, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    shape = frame.shape
    if kind.startswith("MCAR"):
        return rng.random(shape) < int(kind[4:]) / 100
    first = frame.iloc[:, 0].to_numpy(dtype=float)
    probability = np.where(first > np.median(first), 0.35, 0.05)[:, None]
    mask = rng.random(shape) < probability
    mask[:, 0] = False
    return mask


def holed(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    out = frame.copy()
    for j, name in enumerate(out.columns):
        out.loc[mask[:, j], name] = None
    return out


def as_codes(frame: pd.DataFrame) -> np.ndarray:
    """Numbers for scikit-learn's imputers: categories as ordinal codes, NaN where missing."""
    columns = []
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            codes = column.cat.codes.to_numpy().astype(float)
            columns.append(np.where(codes < 0, np.nan, codes))
        else:
            columns.append(column.to_numpy(dtype=float, na_value=np.nan))
    return np.column_stack(columns)


def baselines() -> dict[str, object]:
    return {
        "mean/mode": None,  # SimpleImputer with the statistic per column type, below
        "KNN": make_pipeline(StandardScaler(), KNNImputer()),
        "Iter(BayesRidge)": IterativeImputer(BayesianRidge(), max_iter=10, random_state=0),
        "Iter(ExtraTrees)": IterativeImputer(
            ExtraTreesRegressor(n_estimators=50, random_state=0, n_jobs=1), max_iter=5, random_state=0
        ),
    }


def impute_with_baseline(name: str, imputer, codes: np.ndarray, categorical: np.ndarray) -> np.ndarray:
    if name == "mean/mode":
        out = codes.copy()
        for j in range(codes.shape[1]):
            strategy = "most_frequent" if categorical[j] else "mean"
            out[:, j] = SimpleImputer(strategy=strategy).fit_transform(codes[:, [j]])[:, 0]
        return out
    out = imputer.fit_transform(codes)
    if hasattr(imputer, "steps"):  # KNN on standardised columns: back to the original units
        out = imputer.steps[0][1].inverse_transform(out)
    return out


def quality(imputed: np.ndarray, truth: np.ndarray, mask: np.ndarray, categorical: np.ndarray, sd: np.ndarray):
    numeric = mask & ~categorical[None, :]
    rmse = float(np.sqrt(np.mean(((imputed - truth) / sd)[numeric] ** 2)))
    cats = mask & categorical[None, :]
    accuracy = float(np.mean(np.rint(imputed[cats]) == truth[cats])) if cats.any() else float("nan")
    return rmse, accuracy


def energy_score(draws: np.ndarray, truth: np.ndarray, sd: np.ndarray, cells: np.ndarray) -> float:
    """Mean over ``cells`` of the energy score of ``draws [m, rows, columns]`` against ``truth``, in sd units."""
    scaled, target = draws / sd, truth / sd
    spread = np.abs(scaled[:, None] - scaled[None, :]).mean(axis=(0, 1))
    return float((np.abs(scaled - target[None]).mean(axis=0) - spread / 2)[cells].mean())


def interval_coverage(draws: np.ndarray, truth: np.ndarray, cells: np.ndarray) -> float:
    """Share of ``cells`` whose true value lies between the smallest and the largest of the ``m`` draws.

    For a calibrated model the value and its draws are exchangeable, so this
    interval covers it with probability ``(m - 1) / (m + 1)``: 0.905 for 20
    draws, the central 90% interval. (The 5th to 95th percentiles of 20
    draws, interpolated, cover only 0.82 for a calibrated model: 20,000
    normal cells gave 0.820.)
    """
    low, high = draws.min(axis=0), draws.max(axis=0)
    return float(np.mean(((truth >= low) & (truth <= high))[cells])) if cells.any() else float("nan")


def imputation_rows(name: str, kind: str):
    frame = full_table(name)
    mask = make_mask(frame, kind, seed=zlib.crc32(f"{name}/{kind}".encode()))
    incomplete = holed(frame, mask)
    categorical = np.array([isinstance(frame[c].dtype, pd.CategoricalDtype) for c in frame.columns])
    truth, codes = as_codes(frame), as_codes(incomplete)
    sd = truth.std(axis=0)
    sd[sd == 0] = 1.0
    rows = {}
    for label, imputer in baselines().items():
        start = time.perf_counter()
        rows[label] = (
            *quality(impute_with_baseline(label, imputer, codes, categorical), truth, mask, categorical, sd),
            time.perf_counter() - start,
        )
    start = time.perf_counter()
    generator = default_imputer_generator().set_params(max_iter=MAX_ITER, random_state=0)
    bfn = BFNImputer(generator, random_state=0)
    filled = bfn.fit_transform(incomplete)
    rows["BFNImputer"] = (*quality(as_codes(filled), truth, mask, categorical, sd), time.perf_counter() - start)

    def posterior_draws(spread_scale: float) -> np.ndarray:
        bfn.spread_scale_ = spread_scale
        return np.stack(
            [as_codes(bfn.set_params(sample_posterior=True, random_state=s).transform(incomplete)) for s in range(20)]
        )

    calibrated_scale = bfn.spread_scale_
    uncalibrated, draws = posterior_draws(1.0), posterior_draws(calibrated_scale)
    real = mask & ~categorical[None, :] & ~np.array([frame[c].dtype.kind == "i" for c in frame.columns])[None, :]
    iterative = np.stack(
        [
            IterativeImputer(BayesianRidge(), max_iter=10, sample_posterior=True, random_state=seed).fit_transform(
                codes
            )
            for seed in range(20)
        ]
    )
    multiple = {
        "BFNImputer": (interval_coverage(draws, truth, real), energy_score(draws, truth, sd, real)),
        "BFNImputer, spread 1": (
            interval_coverage(uncalibrated, truth, real),
            energy_score(uncalibrated, truth, sd, real),
        ),
        "Iter(BayesRidge)": (interval_coverage(iterative, truth, real), energy_score(iterative, truth, sd, real)),
    }
    return rows, multiple, int(mask.sum()), calibrated_scale


def generation_row(name: str) -> dict[str, float]:
    train, test, _ = load(name)
    scaling = common_scaling(train)
    reference = scaling.transform(test)
    scores = {}
    for label in ("complete", "MCAR20", "MCAR50"):
        table = train if label == "complete" else holed(train, make_mask(train, label, seed=7))
        gen = BFNGenerator(max_iter=MAX_ITER, random_state=0).fit(table)
        synthetic = gen.sample(len(test), random_state=1)
        scores[label] = wasserstein_1(scaling.transform(synthetic), reference)
    return scores


DATA = ("iris", "wine", "breast_cancer", "diabetes", "digits")
MASKS = ("MCAR20", "MCAR50", "MAR")


def main(data: tuple = DATA, masks: tuple = MASKS, generation: bool = True) -> None:
    warnings.filterwarnings("ignore", category=ConvergenceWarning)  # IterativeImputer at max_iter, as configured
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch {torch.__version__}, "
        f"{torch.get_num_threads()} threads; BFN max_iter={MAX_ITER}"
    )
    print("\n## 1-2. Imputation: RMSE on standardised numeric cells (acc = accuracy on categorical cells)")
    header = (
        f"{'data':<14}{'mask':<8}{'cells':>6} | "
        + " | ".join(f"{m:>16}" for m in ["mean/mode", "KNN", "Iter(BayesRidge)", "Iter(ExtraTrees)", "BFNImputer"])
        + " | 90% cov. BFN, s=1, Iter | energy BFN, s=1, Iter | scale"
    )
    print(header)
    for name in data:
        for kind in [m for m in masks if name != "digits" or m == "MCAR20"]:
            rows, multiple, n_cells, scale = imputation_rows(name, kind)
            cells = " | ".join(f"{rows[m][0]:>16.3f}" for m in rows)
            coverages = " ".join(f"{coverage:>5.3f}" for coverage, _ in multiple.values())
            energies = " ".join(f"{energy:>5.3f}" for _, energy in multiple.values())
            line = f"{name:<14}{kind:<8}{n_cells:>6} | {cells} | {coverages:>23} | {energies:>21} | {scale:.2f}"
            print(line, flush=True)
            if not np.isnan(rows["BFNImputer"][1]):
                accuracies = " | ".join(f"{rows[m][1]:>16.3f}" for m in rows)
                print(f"{'':<14}{'acc':<8}{'':>6} | {accuracies} |", flush=True)
            times = " | ".join(f"{rows[m][2]:>15.1f}s" for m in rows)
            print(f"{'':<14}{'time':<8}{'':>6} | {times} |", flush=True)
    if not generation:
        return
    print("\n## 3. Generation from incomplete train rows: W1 to complete test rows (lower is better)")
    print(f"{'data':<14}{'complete':>10}{'MCAR20':>10}{'MCAR50':>10}{'MCAR20/complete':>17}")
    for name in ("iris", "wine", "breast_cancer", "diabetes"):
        scores = generation_row(name)
        ratio = scores["MCAR20"] / scores["complete"]
        print(
            f"{name:<14}{scores['complete']:>10.3f}{scores['MCAR20']:>10.3f}{scores['MCAR50']:>10.3f}{ratio:>17.3f}",
            flush=True,
        )


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=list(DATA), choices=list(DATA))
    parser.add_argument("--masks", nargs="+", default=list(MASKS), choices=list(MASKS))
    parser.add_argument("--no-generation", action="store_true", help="skip part 3")
    arguments = parser.parse_args()
    main(tuple(arguments.data), tuple(arguments.masks), not arguments.no_generation)
