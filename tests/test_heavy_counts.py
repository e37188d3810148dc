"""Heavy-tailed counts: integer columns too wide for bins, dequantised over their normal scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from scipy.stats import ks_2samp

from skbfn import BFNGenerator
from skbfn._encoding import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=400, n_steps=10, n_elbo_draws=8)


def _followers(n_rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # half of the counts below 60, a few above 10**4
    return pd.DataFrame({"followers": np.round(rng.pareto(1.5, n_rows) * 100).astype(int) + 1})


@pytest.fixture(scope="module")
def table():
    return _followers(1500, 0)


@pytest.fixture(scope="module")
def fitted(table):
    return BFNGenerator(**SMALL, continuous_transform="auto", random_state=0).fit(table)


def test_a_heavy_tailed_count_gets_normal_scores_and_cells_of_their_own_widths(table):
    encoder = TableEncoder(continuous_transform="auto").fit(table)
    column = encoder.columns_[0]
    assert column.lattice and column.normal_scores is not None
    counts = table["followers"].to_numpy()
    low, high = counts.min(), counts.max()
    # every cell from the minimum to the maximum fits in the flow's range, and the cells tile it without gaps
    cells = np.arange(low, min(high, low + 500) + 1, dtype=float)
    centres, widths = column.to_flow_range(cells), column.cell_widths(cells)
    np.testing.assert_allclose((centres + widths / 2)[:-1], (centres - widths / 2)[1:], atol=1e-9)
    assert column.to_flow_range(np.array([low - 0.5]))[0] == pytest.approx(-0.9, abs=0.01)
    # cells are wide where counts are dense and narrow in the tail
    widths = column.cell_widths(np.array([np.median(counts), np.quantile(counts, 0.99)]))
    assert widths[0] > 10 * widths[1]
    # the encoded value is its cell's centre, and decoding rounds back to the count
    encoded = encoder.transform(table)
    np.testing.assert_array_equal(encoder.inverse_transform(encoded)["followers"], counts)
    # the widths the model trains and scores with are those of each row's cell, 0 in missing cells
    per_row = encoder.dequantisation_widths.of(np.r_[encoded[:3], [[np.nan]]].astype(np.float32))
    np.testing.assert_allclose(per_row[:3, 0], column.cell_widths(counts[:3].astype(float)), rtol=1e-6)
    assert per_row[3, 0] == 0
    # the score's log-Jacobian of a count is the log of its cell's width
    np.testing.assert_allclose(encoder.row_log_jacobian(table[:3]), np.log(per_row[:3, 0]), rtol=1e-6)


def test_the_affine_map_of_a_heavy_tailed_count_is_warned_about(table):
    with pytest.warns(UserWarning, match="'followers' holds the middle half"):
        column = TableEncoder(continuous_transform="affine").fit(table).columns_[0]
    assert column.lattice and column.normal_scores is None
    assert np.unique(column.cell_widths(np.array([1.0, 50.0, 5000.0]))).size == 1


def test_samples_of_a_heavy_tailed_count_keep_its_shape(fitted, table):
    samples = fitted.sample(3000, random_state=0)["followers"].to_numpy()
    counts = table["followers"].to_numpy()
    assert np.array_equal(samples, np.round(samples))
    assert samples.min() >= counts.min() and samples.max() <= counts.max()
    held_out = _followers(1500, 1)["followers"].to_numpy()
    floor = ks_2samp(held_out, counts).statistic
    assert ks_2samp(samples, counts).statistic < max(0.08, 2 * floor)
    for q in (0.5, 0.9):  # the body and the tail, within a quarter of the data's quantile
        assert np.quantile(samples, q) == pytest.approx(np.quantile(counts, q), rel=0.25)


def test_the_masses_of_a_heavy_tailed_count_sum_to_at_most_one(fitted, table):
    """exp(score) over every integer from the minimum to 399: at most 1, and near the data's share below 400."""
    counts = table["followers"].to_numpy()
    grid = pd.DataFrame({"followers": np.arange(counts.min(), 400)})
    gen = fitted.set_params(n_elbo_draws=512)  # exp of a noisy estimate is biased upwards: make the noise small
    try:
        total = np.exp(gen.score_samples(grid)).sum()
    finally:
        gen.set_params(n_elbo_draws=SMALL["n_elbo_draws"])
    assert total <= 1.0
    assert total == pytest.approx(np.mean(counts < 400), abs=0.1)


def test_a_heavy_tailed_count_survives_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


@pytest.mark.parametrize("transform", ["affine", "quantile"])
def test_counts_drawn_on_their_bounds_stay_in_their_training_range(transform):
    """A dequantised count's bounds were half a step past its extremes, so a draw clipped onto them (as a short
    fit's draws often are) rounded one past them: -1 and 99,999 for counts of 0 to 99,998."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": np.linspace(0.0, 1.0, 40)})
    for k in range(4):  # most counts small, a few huge, as followers or amounts in cents
        counts = np.clip(np.round(np.exp(rng.normal(6, 2.5, 40))), 0, 99_998).astype(int)
        table[f"count{k}"] = np.concatenate([[0, 99_998], counts[2:]])
    tiny = dict(hidden_layer_sizes=(8,), time_embedding_dim=4, max_iter=3, n_steps=2, n_elbo_draws=2)
    gen = BFNGenerator(**tiny, continuous_transform=transform, random_state=0).fit(table)
    assert all(column.lattice for column in gen.encoder_.columns_[1:])
    drawn = gen.sample(400, random_state=0).drop(columns="x")
    assert ((drawn >= 0) & (drawn <= 99_998)).all().all()
    assert drawn.isin([0, 99_998]).any().any()  # on the bounds, not past them
