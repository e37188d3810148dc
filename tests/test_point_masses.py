"""Point masses at the ends of real columns: the zeros of an amount, a capped share, come back exactly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.column import Column
from skbfn._encoding.column_fit import END_RATIO, HEAP_RATIO, MIN_END_SHARE, MIN_MASS_SHARE, point_masses_of

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)
N_ROWS = 1500


def _purchases(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "spend": np.where(rng.random(N_ROWS) < 0.6, 0.0, np.round(rng.gamma(2.0, 10.0, N_ROWS), 2) + 0.01),
            "share": np.select(
                [rng.random(N_ROWS) < 0.2, rng.random(N_ROWS) < 0.2], [0.0, 100.0], rng.uniform(0, 100, N_ROWS)
            ),
            "visits": rng.poisson(3, N_ROWS),
            "points": np.where(rng.random(N_ROWS) < 0.7, 0, rng.integers(1, 100_000, N_ROWS)),
        }
    )


@pytest.fixture(scope="module")
def purchases():
    return _purchases()


@pytest.fixture(scope="module")
def fitted(purchases):
    return BFNGenerator(**SMALL, random_state=0).fit(purchases)


def test_edge_values_held_by_a_tenth_of_the_cells_and_interior_heaps_are_point_masses():
    rng = np.random.default_rng(0)
    assert point_masses_of(np.r_[np.zeros(30), rng.uniform(1, 2, 70)]) == (0.0,)
    assert point_masses_of(np.r_[np.zeros(20), np.full(15, 9.0), rng.uniform(1, 2, 65)]) == (0.0, 9.0)
    assert point_masses_of(np.r_[np.zeros(4), rng.uniform(1, 2, 96)]) == ()  # under a twentieth
    assert point_masses_of(rng.normal(size=500)) == ()
    # an interior heap: a standard fee among amounts that are otherwise all different
    assert point_masses_of(np.r_[np.full(300, 25.0), rng.uniform(0, 100, 700)]) == (25.0,)
    # a coarse grid is not a heap: lengths read to 0.1 cm, the most frequent value holding 13%
    lengths = np.round(rng.normal(3.0, 0.4, 150), 1)
    assert np.max(np.unique(lengths, return_counts=True)[1]) / lengths.size >= MIN_MASS_SHARE
    assert point_masses_of(lengths) == ()
    assert MIN_MASS_SHARE == 0.1 and HEAP_RATIO == 20


def test_an_end_that_stands_out_from_its_neighbours_is_a_point_mass_from_a_twentieth():
    rng = np.random.default_rng(0)
    capped = np.minimum(np.round(rng.normal(70, 20, 2000)), 100)  # 7% at the cap, under 1% at each of 95 to 99
    assert point_masses_of(capped) == (100.0,)
    floored = np.r_[np.zeros(6), rng.uniform(1, 2, 94)]  # 6% at 0 among values that never repeat
    assert point_masses_of(floored) == (0.0,)
    # a grid's end holds about as much as the values next to it: no mass
    grid = np.round(rng.uniform(0, 20, 2000))
    assert point_masses_of(grid) == ()
    # an end above a twentieth but no more than its neighbours: no mass
    assert point_masses_of(np.r_[np.full(6, 1.0), np.repeat(np.arange(2.0, 13.0), 9)]) == ()
    assert MIN_END_SHARE == 0.05 and END_RATIO == 5


def test_samples_hold_a_cap_about_as_often_as_the_data():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"score": np.clip(np.round(rng.normal(70, 20, N_ROWS)), 0, 100), "x": rng.normal(size=N_ROWS)})
    rows = BFNGenerator(**SMALL, random_state=0).fit(X).sample(N_ROWS, random_state=0)
    data, sampled = float(np.mean(X["score"] == 100)), float(np.mean(rows["score"] == 100))
    assert data > 0.05 and abs(sampled - data) < 0.025
    assert rows["score"].between(0, 100).all()


def test_the_masses_are_found_and_the_rest_of_the_column_is_scaled_alone(fitted, purchases):
    spend, share, visits, points = fitted.encoder_.columns_
    assert spend.point_masses == (0.0,) and share.point_masses == (0.0, 100.0) and points.point_masses == (0.0,)
    assert visits.kind == "discretised" and visits.point_masses == ()  # bins hold masses already
    assert points.lattice  # integers beside the mass: still dequantised
    positive = purchases["spend"][purchases["spend"] > 0]
    assert spend.from_flow_range(np.array([-0.9]))[0] == pytest.approx(positive.min())  # the range of the rest
    assert fitted.encoder_.n_model_columns == 4 + 4  # one indicator per mass


def test_samples_hold_each_mass_about_as_often_as_the_data(fitted, purchases):
    sample = fitted.sample(3000, random_state=0)
    for column, value in (("spend", 0.0), ("share", 0.0), ("share", 100.0), ("points", 0)):
        assert (sample[column] == value).mean() == pytest.approx((purchases[column] == value).mean(), abs=0.06)
    others = sample["spend"][sample["spend"] != 0]
    assert len(others) > 500 and others.min() >= purchases["spend"][purchases["spend"] > 0].min()
    assert sample["share"].between(0, 100).all() and sample["points"].between(0, 99_999).all()
    shifted = BFNGenerator(**SMALL, random_state=0).fit(
        purchases[["spend", "visits"]].assign(spend=lambda f: f.spend + 0.5)
    )
    assert (shifted.sample(3000, random_state=0)["spend"] == 0.5).mean() > 0.5  # the mass moves with the column


def test_a_cell_on_a_mass_scores_a_probability_not_a_density(fitted, purchases):
    encoder = fitted.encoder_
    rows = purchases.iloc[:200]
    jacobian = encoder.row_log_jacobian(rows)
    expected = np.zeros(len(rows))
    for j, name in ((0, "spend"), (1, "share"), (3, "points")):  # the continuous columns
        column = encoder.columns_[j]
        expected += np.where(rows[name].isin(column.point_masses), 0.0, np.log(column.scale))
    assert jacobian == pytest.approx(expected)
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()
    zero, positive = rows["spend"] == 0, rows["spend"] > 0
    assert abs(np.mean(scores[zero]) - np.mean(scores[positive])) < 15  # both in nats of the same table


def test_a_given_cell_on_a_mass_is_kept_and_a_drawn_one_can_land_on_it(fitted):
    given = fitted.sample(200, given={"spend": 0.0}, random_state=1)
    assert (given["spend"] == 0.0).all() and given["share"].notna().all()
    drawn = fitted.sample(400, given={"visits": 3}, random_state=2)
    assert 0.3 < (drawn["spend"] == 0.0).mean() < 0.9


def test_masses_with_missing_cells_and_the_imputer(purchases):
    X = purchases[["spend", "visits"]].copy()
    X.loc[X.index[::5], "spend"] = np.nan
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    sample = gen.sample(2000, random_state=0)["spend"]
    assert 0.1 < sample.isna().mean() < 0.3 and 0.4 < (sample == 0).mean() < 0.8
    imputer = BFNImputer(estimator=BFNGenerator(**SMALL), random_state=0, calibrate=False).fit(X)
    missing = X["spend"].isna()
    imputed = imputer.transform(X)["spend"][missing]
    # the point estimate (a mean of draws, decoded) lands on the mass where most draws do: zeros and amounts
    assert imputed.notna().all() and 0.3 < (imputed == 0).mean() < 1.0
    # one draw per cell keeps the mass's share (0.6 of the data; 300 cells, about 0.03 of noise)
    drawn = imputer.set_params(sample_posterior=True).transform(X)["spend"][missing]
    assert drawn.notna().all() and 0.45 < (drawn == 0).mean() < 0.75


def test_point_masses_survive_save_load_and_pickle_and_bad_ones_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    document = fitted.encoder_.columns_[1].to_dict()
    assert document["point_masses"] == [0.0, 100.0]
    for corrupt in ([0.0, 0.0], [float(v) for v in range(11)], [float("nan")], "0"):  # 11: each holds a tenth
        with pytest.raises(ValueError, match="invalid point masses"):
            Column.from_dict({**document, "point_masses": corrupt})
    with pytest.raises(ValueError, match="invalid point masses"):
        Column.from_dict({**fitted.encoder_.columns_[2].to_dict(), "point_masses": [0.0]})  # a discretised column


def test_an_interior_heap_comes_back_exactly_and_as_often():
    """A standard fee paid by 40% of the rows, among amounts that are otherwise all different."""
    rng = np.random.default_rng(3)
    fee = np.where(rng.random(N_ROWS) < 0.4, 25.0, np.round(rng.uniform(0, 100, N_ROWS), 2))
    X = pd.DataFrame({"fee": fee, "x": rng.normal(size=N_ROWS) + (fee == 25.0)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert gen.encoder_.columns_[0].point_masses == (25.0,)
    sample = gen.sample(2000, random_state=0)
    on_heap = sample["fee"] == 25.0
    assert on_heap.mean() == pytest.approx(np.mean(fee == 25.0), abs=0.06)
    assert sample["x"][on_heap].mean() - sample["x"][~on_heap].mean() == pytest.approx(1.0, abs=0.35)  # jointly
