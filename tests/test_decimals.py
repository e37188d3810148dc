"""Samples of a real column have the decimals its training values had: amounts in cents come back in cents."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.column import MAX_DECIMALS, Column
from skbfn._encoding.column_fit import integer_step, shared_decimals

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=60, n_steps=10, n_elbo_draws=8)


@settings(max_examples=40, deadline=None)
@given(
    decimals=st.integers(1, MAX_DECIMALS),
    integers=st.lists(st.integers(-(10**7), 10**7), min_size=2, max_size=40, unique=True),
)
def test_the_fewest_shared_decimals_are_found_from_values_as_a_file_holds_them(decimals, integers):
    values = np.array([float(f"{k / 10**decimals:.{decimals}f}") for k in integers])  # as parsed from text
    found = shared_decimals(values)
    assert found is not None and found <= decimals
    assert np.all(np.round(values, found) == values)
    if any(k % 10 for k in integers):  # some value needs every decimal
        assert found == decimals


def test_values_with_more_decimals_or_float32_rounding():
    rng = np.random.default_rng(0)
    assert shared_decimals(rng.normal(size=100)) is None
    assert shared_decimals(np.array([1 / 3, 2 / 3])) is None
    cents32 = np.array([12.34, 0.5, 99.99], dtype=np.float32)
    assert shared_decimals(cents32.astype(np.float64), cents32.dtype) == 2  # float32's own rounding tolerated
    assert shared_decimals(np.array([12.34, 0.5, 99.99], dtype=np.float32).astype(np.float64)) is None


@pytest.fixture(scope="module")
def shop():
    rng = np.random.default_rng(0)
    n = 400
    return pd.DataFrame(
        {
            "price": np.round(rng.gamma(3.0, 12.0, n), 2),
            "weight": np.round(rng.normal(2.5, 0.6, n), 1),
            "score": rng.normal(size=n),
            "rate": np.round(rng.uniform(0, 1, n), 2).astype(np.float32),
        }
    )


def test_samples_have_the_decimals_of_the_training_values(shop):
    gen = BFNGenerator(**SMALL, random_state=0).fit(shop)
    assert [c.decimals for c in gen.encoder_.columns_] == [2, 1, None, 2]
    sample = gen.sample(500, random_state=0)
    assert (np.round(sample["price"], 2) == sample["price"]).all()
    assert (np.round(sample["weight"], 1) == sample["weight"]).all()
    assert (np.round(sample["score"], 6) != sample["score"]).mean() > 0.9  # not rounded
    assert sample["rate"].dtype == np.float32
    assert np.allclose(np.round(sample["rate"].astype(np.float64), 2), sample["rate"], rtol=1e-6, atol=0)
    assert sample["price"].nunique() > 100  # rounded, not collapsed onto training values
    assert sample["price"].between(shop["price"].min(), shop["price"].max()).all()


def test_decimals_survive_save_load_and_pickle_and_bad_ones_are_refused(shop, tmp_path):
    gen = BFNGenerator(**SMALL, random_state=0).fit(shop)
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    document = gen.encoder_.columns_[0].to_dict()
    assert document["decimals"] == 2
    for corrupt in (0, MAX_DECIMALS + 1, 1.5, "2"):
        with pytest.raises(ValueError, match="invalid number of decimals"):
            Column.from_dict({**document, "decimals": corrupt})


@settings(max_examples=40, deadline=None)
@given(
    step=st.sampled_from([2, 5, 10, 25, 100, 1000, 10_000]),
    multiples=st.lists(st.integers(-(10**6), 10**6), min_size=2, max_size=40, unique=True),
)
def test_the_step_of_an_integer_column_is_the_greatest_divisor_unlikely_by_chance(step, multiples):
    values = np.array([float(k * step) for k in multiples])
    found = integer_step(values)
    likely = len(values) * np.log10(step) >= 3
    if likely:  # the step, or a multiple of it that divides every value
        assert found is not None and found % step == 0 and np.all(values % found == 0)
    if found is not None:
        assert found >= 2 and np.all(values % found == 0) and len(values) * np.log10(found) >= 3
    assert integer_step(values + 0.5) is None and integer_step(np.array([values[0]] * 5)) is None


def test_amounts_in_thousands_come_back_in_thousands_and_are_scored_as_such(tmp_path):
    """Salaries in thousands and credit limits in 10,000s came back as any integer (47,312): samples are
    multiples of the step again, a row's score is the probability of its value, and an amount off the step
    has none."""
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "salary": np.round(rng.lognormal(10.8, 0.4, n) / 1000).astype(np.int64) * 1000,
            "limit": rng.choice(np.arange(1, 51), n) * 10_000,
            "score": rng.normal(size=n),
            "even": rng.integers(0, 15, n) * 2,
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 150}, random_state=0).fit(X)
    assert [c.step for c in gen.encoder_.columns_] == [1000, 10_000, None, 2]
    sample = gen.sample(500, random_state=0)
    for name, step in (("salary", 1000), ("limit", 10_000), ("even", 2)):
        assert sample[name].dtype == np.int64 and (sample[name] % step == 0).all(), name
        assert sample[name].nunique() > 10 and sample[name].between(X[name].min(), X[name].max()).all(), name
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert np.isneginf(gen.score_samples(X.iloc[:3].assign(salary=[45_500, 52_250, 60_001]))).all()
    with pytest.raises(ValueError, match=r"'even' takes multiples of 2 from 0 to 28; got \[3\.0"):
        gen.sample(2, given={"even": 3})
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    document = gen.encoder_.columns_[0].to_dict()
    for corrupt in (1, 0, -0.5, 1e-9, "1000"):
        with pytest.raises(ValueError, match="invalid step"):
            Column.from_dict({**document, "step": corrupt})


def test_values_in_halves_or_quarters_come_back_on_their_step_and_finer_decimals_keep_theirs():
    """Shoe sizes in halves came back as 9.3: a decimal step coarser than the decimals is a step too, while
    values with one decimal (any of which is a multiple of 0.1) and prices in cents keep their decimals."""
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {
            "size": rng.integers(10, 28, n) / 2,
            "hours": rng.integers(0, 160, n) / 4,
            "length": np.round(rng.normal(5.0, 1.0, n), 1),
            "price": np.round(rng.gamma(3.0, 12.0, n), 2),
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 150}, random_state=0).fit(X)
    assert [c.step for c in gen.encoder_.columns_] == [0.5, 0.25, None, None]
    assert [c.decimals for c in gen.encoder_.columns_] == [None, None, 1, 2]
    sample = gen.sample(500, random_state=0)
    assert (sample["size"] * 2 == np.round(sample["size"] * 2)).all() and sample["size"].nunique() > 10
    assert (sample["hours"] * 4 == np.round(sample["hours"] * 4)).all() and sample["hours"].nunique() > 30
    assert set(np.round(sample["hours"] % 1, 2)) <= {0.0, 0.25, 0.5, 0.75}  # 0.75, not 0.7500000000000001
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    assert np.isneginf(gen.score_samples(X.iloc[:2].assign(size=[9.3, 9.5])))[0]
    document = gen.encoder_.columns_[1].to_dict()
    assert document["step"] == 0.25 and Column.from_dict(document).to_dict() == document


@pytest.mark.parametrize("transform", ["heavy_tails", "affine"])
def test_amounts_drawn_on_their_bounds_stay_in_their_training_range(transform):
    """A draw clipped onto a bound decoded past the training extreme, within the float32 tolerance of the
    bound: under normal scores, amounts of 0.01 to 9,999,999.99 came back as -0.07 and 10,000,019.11."""
    rng = np.random.default_rng(0)
    table = pd.DataFrame({"x": np.linspace(0.0, 1.0, 40)})
    for k in range(4):  # most amounts small, a few huge
        amounts = np.clip(np.round(np.exp(rng.normal(8, 3, 40)), 2), 0.01, 9_999_999.99)
        table[f"amount{k}"] = np.concatenate([[0.01, 9_999_999.99], amounts[2:]])
    tiny = dict(hidden_layer_sizes=(8,), time_embedding_dim=4, max_iter=3, n_steps=2, n_elbo_draws=2)
    gen = BFNGenerator(**tiny, continuous_transform=transform, random_state=0).fit(table)
    drawn = gen.sample(400, random_state=0).drop(columns="x")
    assert ((drawn >= 0.01) & (drawn <= 9_999_999.99)).all().all()
