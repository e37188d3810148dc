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
from skbfn._encoding.column_fit import shared_decimals

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
