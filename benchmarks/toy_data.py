"""Toy data sets, baselines and metrics of the benchmarks: two moons, swiss roll, circles; GMM and KDE baselines."""

from __future__ import annotations

import numpy as np
from scipy.spatial.distance import cdist
from sklearn.datasets import make_circles, make_moons, make_s_curve, make_swiss_roll
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity


def _moons(n, seed):
    return make_moons(n, noise=0.1, random_state=seed)[0]


def _swiss_roll(n, seed):
    return make_swiss_roll(n, noise=0.3, random_state=seed)[0][:, [0, 2]]


def _circles(n, seed):
    return make_circles(n, noise=0.05, factor=0.5, random_state=seed)[0]


def _eight_gaussians(n, seed):
    rng = np.random.default_rng(seed)
    angle = rng.integers(0, 8, n) * np.pi / 4
    return np.c_[2 * np.cos(angle), 2 * np.sin(angle)] + 0.15 * rng.normal(size=(n, 2))


def _checkerboard(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    y = rng.uniform(0, 1, n) + 2 * rng.integers(0, 2, n) - 2 + np.floor(x) % 2
    return np.c_[x, y]


def _s_curve(n, seed):
    return make_s_curve(n, noise=0.05, random_state=seed)[0]


def _pinwheel(n, seed):
    rng = np.random.default_rng(seed)
    arm = rng.integers(0, 5, n)
    radial, tangential = (rng.normal(size=(n, 2)) * [0.3, 0.05] + [1.0, 0.0]).T
    angle = arm * 2 * np.pi / 5 + 0.25 * np.exp(radial)
    cos, sin = np.cos(angle), np.sin(angle)
    return np.c_[cos * radial - sin * tangential, sin * radial + cos * tangential]


TOY_SETS = {"moons": _moons, "swiss roll": _swiss_roll, "circles": _circles}

#: Shapes that no default was tuned on: the sampler's time grid was chosen on
#: TOY_SETS and checked on these (``bench_default_steps.py``).
HELD_OUT_TOY_SETS = {
    "eight gaussians": _eight_gaussians,
    "checkerboard": _checkerboard,
    "s curve (3-d)": _s_curve,
    "pinwheel": _pinwheel,
}


def load_toy(name: str, n_train: int = 5000, n_test: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """Train rows (random_state=0) and held-out rows (random_state=1) of a toy set."""
    make = {**TOY_SETS, **HELD_OUT_TOY_SETS}[name]
    return make(n_train, 0), make(n_test, 1)


def gaussian_mixture_by_bic(X: np.ndarray) -> GaussianMixture:
    """GaussianMixture with n_components in 1, 4, ..., 40 chosen by BIC on X."""
    fits = [GaussianMixture(n_components=k, random_state=0).fit(X) for k in range(1, 41, 3)]
    return min(fits, key=lambda gmm: gmm.bic(X))


def kernel_density_by_cv(X: np.ndarray) -> KernelDensity:
    """KernelDensity with the bandwidth from geomspace(0.01, 0.5, 15) chosen by 3-fold CV."""
    search = GridSearchCV(KernelDensity(), {"bandwidth": np.geomspace(0.01, 0.5, 15)}, cv=3)
    return search.fit(X).best_estimator_


def energy_distance(samples: np.ndarray, held_out: np.ndarray, train: np.ndarray) -> float:
    """``2 E|X-Y| - E|X-X'| - E|Y-Y'|`` after standardising with the train mean and std (U-statistics)."""
    mean, std = train.mean(axis=0), train.std(axis=0)
    a, b = (samples - mean) / std, (held_out - mean) / std
    n, m = len(a), len(b)
    within_a = cdist(a, a).sum() / (n * (n - 1))
    within_b = cdist(b, b).sum() / (m * (m - 1))
    return float(2 * cdist(a, b).mean() - within_a - within_b)
