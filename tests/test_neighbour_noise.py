"""Neighbour noise: which rows count as neighbours, which cells move and how, and what it does to a fit."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator
from skbfn._model.neighbour_noise import N_NEIGHBOURS, NeighbourNoise
from skbfn.metrics import membership_audit


def _rows(seed: int, n_rows: int, n_missing: int) -> np.ndarray:
    """Three continuous columns, a discretised one and a categorical one (class indices), some cells missing."""
    rng = np.random.default_rng(seed)
    rows = np.column_stack(
        [
            rng.uniform(-0.9, 0.9, size=(n_rows, 3)),
            rng.choice(np.linspace(-0.9, 0.9, 5), size=n_rows),
            rng.integers(0, 3, size=n_rows),
        ]
    ).astype(np.float32)
    cells = rng.choice(rows.size, size=n_missing, replace=False)
    rows.flat[cells] = np.nan
    return rows


KINDS = ["continuous"] * 3 + ["discretised", "categorical"]


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10**6), n_rows=st.integers(2, 40), n_missing=st.integers(0, 10), scale=st.floats(0.1, 3))
def test_each_row_moves_along_the_line_to_one_of_its_neighbours(seed, n_rows, n_missing, scale):
    rows = _rows(seed, n_rows, min(n_missing, n_rows))
    noise = NeighbourNoise.of(rows, KINDS, scale=scale, device="cpu")
    x = torch.from_numpy(rows)
    index = torch.randint(n_rows, (2 * n_rows,), generator=torch.Generator().manual_seed(seed))
    moved = noise(x, index, torch.Generator().manual_seed(seed + 1)).numpy()
    before = rows[index.numpy()]

    assert noise.neighbours.shape == (n_rows, min(N_NEIGHBOURS, n_rows - 1))
    fixed = np.isnan(before) | (np.arange(5) >= 3)  # missing cells and every cell not continuous stay
    np.testing.assert_array_equal(moved[fixed], before[fixed])
    for row, i in enumerate(index.tolist()):
        explained = False
        for j in noise.neighbours[i].tolist():
            both = ~np.isnan(rows[i, :3]) & ~np.isnan(rows[j, :3])
            step, towards = np.nan_to_num(moved[row, :3] - rows[i, :3]), rows[j, :3] - rows[i, :3]  # NaN stays NaN
            if not np.allclose(step[~both], 0.0):  # a cell missing in the neighbour does not move
                continue
            lam = step[both] @ towards[both] / max(towards[both] @ towards[both], 1e-12)
            explained |= np.allclose(step[both], lam * towards[both], atol=1e-5)
        assert explained, f"row {row} did not move towards any of its neighbours"


def test_neighbours_are_the_nearest_other_rows_and_other_classes_are_further():
    rng = np.random.default_rng(0)
    rows = np.column_stack([rng.normal(size=(60, 2)), rng.integers(0, 2, size=60)]).astype(np.float32)
    noise = NeighbourNoise.of(rows, ["continuous", "continuous", "categorical"], scale=1.0, device="cpu")

    features = np.column_stack([rows[:, :2], rows[:, 2] == 0, rows[:, 2] == 1])
    distances = np.linalg.norm(features[:, None] - features[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    found = noise.neighbours.numpy()
    assert not (found == np.arange(60)[:, None]).any()
    nearest = np.sort(distances, axis=1)[:, :N_NEIGHBOURS]
    np.testing.assert_allclose(np.sort(np.take_along_axis(distances, found, axis=1), axis=1), nearest, rtol=1e-5)
    same_class = rows[found, 2] == rows[:, 2:3]
    assert same_class.mean() > 0.9  # a class mismatch adds sqrt(2), more than most gaps between neighbours


def test_no_noise_where_nothing_can_move():
    rows = _rows(0, 10, 0)
    assert NeighbourNoise.of(rows, KINDS, scale=0.0, device="cpu") is None
    assert NeighbourNoise.of(rows[:1], KINDS, scale=1.0, device="cpu") is None
    assert NeighbourNoise.of(rows[:, 3:], KINDS[3:], scale=1.0, device="cpu") is None


def test_the_moves_scale_with_neighbour_noise():
    rows = _rows(1, 200, 0)
    x, index = torch.from_numpy(rows), torch.arange(200)
    spread = []
    for scale in (0.25, 1.0):
        noise = NeighbourNoise.of(rows, KINDS, scale=scale, device="cpu")
        spread.append(float((noise(x, index, torch.Generator().manual_seed(0)) - x)[:, :3].abs().mean()))
    np.testing.assert_allclose(spread[1] / spread[0], 4.0, rtol=1e-4)  # the same draws, lambda times 4


def _wine():
    bunch = load_wine(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = pd.Categorical(np.asarray(bunch.target_names)[bunch.target])
    return train_test_split(frame, test_size=0.3, random_state=0)


def test_neighbour_noise_is_reproducible_and_changes_the_fit():
    train, _ = _wine()
    params = dict(max_iter=40, hidden_layer_sizes=(32,), random_state=0)
    plain = BFNGenerator(**params).fit(train)
    first = BFNGenerator(neighbour_noise=0.5, **params).fit(train)
    again = BFNGenerator(neighbour_noise=0.5, **params).fit(train)
    assert first.loss_curve_ == again.loss_curve_
    assert first.loss_curve_ != plain.loss_curve_
    assert BFNGenerator(neighbour_noise=0.0, **params).fit(train).loss_curve_ == plain.loss_curve_


def test_neighbour_noise_lowers_what_the_membership_audit_finds_on_a_small_table():
    train, test = _wine()
    audits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for scale in (0.0, 1.0):
            model = BFNGenerator(
                neighbour_noise=scale, weight_decay=0.3, dropout=0.0, n_elbo_draws=32, random_state=0
            ).fit(train)
            audits[scale] = membership_audit(model, train, test, n_bootstrap=5, random_state=0).auc
    assert audits[1.0] < audits[0.0] - 0.05, audits


@pytest.mark.parametrize("bad", [-0.1, "auto", None])
def test_bad_neighbour_noise_is_refused(bad):
    train, _ = _wine()
    with pytest.raises((ValueError, TypeError), match="neighbour_noise"):
        BFNGenerator(neighbour_noise=bad, max_iter=2).fit(train)
