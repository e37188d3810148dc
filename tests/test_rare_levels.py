"""Wide columns of categories (zip codes, cities): frequent levels modelled, rare ones pooled and drawn by their
shares, where past 200 levels the column was dropped."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.column import Column
from skbfn._encoding.rare_levels import RareLevels, split_levels

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)


def _people(n_rows: int = 2000, n_cities: int = 300, seed: int = 0) -> pd.DataFrame:
    """Cities in Zipf shares (about 30 held by 10 rows or more, 70% of the rows), an income that follows the city's
    group."""
    rng = np.random.default_rng(seed)
    shares = 1 / np.arange(1, n_cities + 1) ** 1.1
    city = rng.choice(n_cities, n_rows, p=shares / shares.sum())
    return pd.DataFrame(
        {
            "city": [f"c{k:03d}" for k in city],
            "income": rng.normal(40.0 + 20.0 * (city % 2), 3.0).round(1),
            "segment": rng.choice(["a", "b"], n_rows),
        }
    )


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(1, 12), min_size=1, max_size=40),
    most=st.integers(1, 30),
    min_rows=st.integers(1, 6),
)
def test_split_levels_keeps_the_frequent_levels_and_pools_the_rest_with_their_counts(counts, most, min_rows):
    values = np.array([f"v{k:02d}" for k, count in enumerate(counts) for _ in range(count)], dtype=object)
    split = split_levels(values, most, min_rows)
    ranked = sorted(range(len(counts)), key=lambda k: (-counts[k], k))  # by count, ties in sort order
    kept = [k for k in ranked[:most] if counts[k] >= min_rows]
    if sum(counts[k] for k in kept) < 0.5 * sum(counts) or len(counts) - len(kept) < 2:
        assert split is None
        return
    categories, pool = split
    assert categories[:-1].tolist() == sorted(f"v{k:02d}" for k in kept)
    assert list(pool.values) == [f"v{k:02d}" for k in ranked[len(kept) :]] and categories[-1] == pool.values[0]
    assert list(pool.counts) == [counts[k] for k in ranked[len(kept) :]]


def test_draws_and_shares_follow_the_pooled_counts():
    pool = RareLevels(("x", "y", "z"), (6, 3, 1))
    drawn = Counter(pool.draw(np.random.default_rng(0).random(20_000)).tolist())
    assert {v: round(drawn[v] / 20_000, 2) for v in "xyz"} == {"x": 0.6, "y": 0.3, "z": 0.1}
    shares = np.exp(pool.log_shares(np.array(["x", "y", "z", "kept", None], dtype=object)))
    np.testing.assert_allclose(shares, [0.6, 0.3, 0.1, 1.0, 1.0])


@pytest.fixture(scope="module")
def people():
    return _people()


@pytest.fixture(scope="module")
def fitted(people):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a wide column of repeated levels is modelled without a word
        return BFNGenerator(**SMALL, random_state=0).fit(people)


def test_a_wide_column_keeps_its_frequent_levels_and_draws_its_rare_ones_by_their_shares(people, fitted):
    column = fitted.encoder_.columns_[0]
    counts = people["city"].value_counts()
    assert fitted.column_roles_["city"] == "categorical"
    assert column.rare_levels is not None and len(column.rare_levels.values) + column.n_bins - 1 == len(counts)
    frequent = set(column.categories[:-1].tolist())
    assert frequent == set(counts.index[counts >= 10]) and len(frequent) > 20
    sample = fitted.sample(8000, random_state=1)
    assert sample["city"].isin(counts.index).all()
    rare = ~people["city"].isin(frequent)
    drawn_rare = ~sample["city"].isin(frequent)
    assert abs(drawn_rare.mean() - rare.mean()) < 0.03
    within = sample["city"][drawn_rare].value_counts(normalize=True)
    expected = people["city"][rare].value_counts(normalize=True)
    assert 0.5 * within.sub(expected, fill_value=0).abs().sum() < 0.2  # 8,000 x 0.2 draws over ~200 levels
    assert sample["city"][drawn_rare].nunique() > 0.8 * expected.size
    odd = sample["city"].str[1:].astype(int) % 2 == 1  # the income follows the frequent cities' group
    frequent_rows = ~drawn_rare
    gap = sample["income"][frequent_rows & odd].mean() - sample["income"][frequent_rows & ~odd].mean()
    assert gap > 5  # 20 in the data; 0 for a city drawn apart from the income


def test_a_rare_level_scores_the_pool_times_its_share(people, fitted):
    column = fitted.encoder_.columns_[0]
    pool = column.rare_levels
    rows = pd.concat([people.iloc[[0]]] * 3, ignore_index=True)
    rows["city"] = [pool.values[0], pool.values[1], pool.values[-1]]
    scores = fitted.score_samples(rows)
    np.testing.assert_allclose(
        scores - scores[0], np.log(np.array(pool.counts)[[0, 1, -1]] / pool.counts[0]), rtol=0, atol=1e-9
    )


def test_rare_levels_survive_save_load_and_pickle_and_bad_documents_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path, n_samples=300)
    document = fitted.encoder_.columns_[0].to_dict()
    categories, pool = document["categories"], document["rare_levels"]
    for corrupt in (
        {"values": pool["values"][:1], "counts": pool["counts"][:1]},  # a pool of one level
        {"values": pool["values"], "counts": [0, *pool["counts"][1:]]},
        {"values": [categories[0], *pool["values"][1:]], "counts": pool["counts"]},  # a kept level pooled
        {"values": pool["values"][::-1], "counts": pool["counts"]},  # the pool written as another level
        {"values": pool["values"], "counts": pool["counts"], "extra": 1},
        [1, 2],
    ):
        with pytest.raises(ValueError, match="rare levels"):
            Column.from_dict({**document, "rare_levels": corrupt})
    with pytest.raises(ValueError, match="rare levels"):
        Column.from_dict({**fitted.encoder_.columns_[1].to_dict(), "rare_levels": pool})


def test_the_imputer_fills_a_wide_column_with_its_levels(people, fitted):
    holes = people.copy()
    holes.loc[::7, "city"] = np.nan
    imputer = BFNImputer(fitted, sample_posterior=True, random_state=0).fit(holes)
    filled = imputer.transform(holes)
    assert filled["city"].notna().all() and filled["city"].isin(people["city"]).all()
    assert filled["city"][1::7].equals(people["city"][1::7])  # observed cells as given


def test_only_repeated_levels_under_auto_are_pooled():
    people = _people(n_rows=600, n_cities=400, seed=1)
    with pytest.warns(UserWarning, match="'city' holds"):  # an integer max_categories is a cap: dropped
        capped = BFNGenerator(**dict(SMALL, max_iter=3), max_categories=50, random_state=0).fit(people)
    assert capped.column_roles_["city"] == "drop"
    rng = np.random.default_rng(2)
    first, last = [f"First{k}" for k in range(30)], [f"Last{k}" for k in range(30)]
    names = people.assign(city=[f"{a} {b}" for a, b in zip(rng.choice(first, 600), rng.choice(last, 600), strict=True)])
    with pytest.warns(UserWarning, match="'city' holds"):
        assert BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(names).column_roles_["city"] == "drop"


def test_a_lookup_keyed_by_a_wide_column_holds_for_its_kept_levels():
    """A state determined by its city: the pool holds cities of several states, so its rows are left out of the
    lookup, which the kept cities keep in samples."""
    people = _people(seed=3)
    number = people["city"].str[1:].astype(int)
    people["state"] = np.array(["NY", "CA", "TX", "WA", "OH"])[number % 5]
    gen = BFNGenerator(**SMALL, random_state=0).fit(people)
    assert gen.encoder_.columns_[0].rare_levels is not None
    assert "state determined by city" in gen.column_relations_
    sample = gen.sample(4000, random_state=2)
    kept = sample["city"].isin(gen.encoder_.columns_[0].categories[:-1])
    truth = np.array(["NY", "CA", "TX", "WA", "OH"])[sample["city"].str[1:].astype(int) % 5]
    assert kept.mean() > 0.6 and (sample["state"][kept] == truth[kept]).all()


def test_codes_held_as_integers_and_named_so_are_categories():
    """Zip codes held as integers (70 of 98001 to 98199, as in a table of house sales) were drawn as numbers:
    most samples fell on integers between them, no zip code at all."""
    rng = np.random.default_rng(5)
    zips = np.sort(rng.choice(np.arange(98001, 98200), 70, replace=False))
    shares = 1 / np.arange(1, 71) ** 0.5
    frame = pd.DataFrame({"zipcode": zips[rng.choice(70, 1500, p=shares / shares.sum())], "x": rng.normal(size=1500)})
    frame["price"] = frame["zipcode"]  # the same numbers, named as an amount: numbers
    wide = _people(seed=4)  # 300 codes in Zipf shares: pooled
    wide["area_code"] = wide["city"].str[1:].astype(int) + 200
    gen = BFNGenerator(**dict(SMALL, max_iter=30), random_state=0).fit(frame)
    assert gen.column_roles_["zipcode"] == "categorical" and gen.column_roles_["price"] != "categorical"
    sample = gen.sample(2000, random_state=0)
    assert sample["zipcode"].dtype == frame["zipcode"].dtype and sample["zipcode"].isin(zips).all()
    assert not sample["price"].isin(zips).all()
    coded = BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(wide.drop(columns="city"))
    column = coded.encoder_.columns_[-1]
    assert coded.column_roles_["area_code"] == "categorical" and column.rare_levels is not None
    assert coded.sample(500, random_state=0)["area_code"].isin(wide["area_code"]).all()


def test_integer_references_to_keys_are_categories_or_fresh_keys():
    """A customer_id beside each customer's orders was drawn as a number: customers that do not exist."""
    rng = np.random.default_rng(8)
    customers = rng.choice(np.arange(10_000, 99_999), 80, replace=False)
    orders = pd.DataFrame({"customer_id": rng.choice(customers, 800), "total": rng.gamma(2.0, 30.0, 800).round(2)})
    orders["CustomerKey"] = orders["customer_id"] + 7  # the same references, another name
    orders["visit_no"] = rng.integers(1, 30, 800)  # a count whose name ends as keys may: numbers
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gen = BFNGenerator(**dict(SMALL, max_iter=100), random_state=0).fit(orders)
    roles = gen.column_roles_
    assert roles["customer_id"] == roles["CustomerKey"] == "categorical" and roles["visit_no"] != "categorical"
    assert gen.sample(500, random_state=0)["customer_id"].isin(customers).all()
    once = pd.DataFrame({"user_id": rng.choice(10**6, 300, replace=False), "x": rng.normal(size=300)})
    once.loc[:9, "user_id"] = once.loc[10:19, "user_id"].to_numpy()  # 290 users, ten of them twice
    with pytest.warns(UserWarning, match="'user_id' holds 290 distinct keys in 300 values"):
        fresh = BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(once)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # three fit steps: cells outside the range, clipped
        keys = fresh.sample(200, random_state=0)["user_id"]
    assert fresh.column_roles_["user_id"] == "id" and not keys.isin(once["user_id"]).any()
    assert keys.value_counts().max() <= 2  # ten users of 290 in two rows: fresh keys in at most two
    users = rng.choice(10**6, 500, replace=False)  # 500 users in 4 rows each: no categories, no pool
    visits = pd.DataFrame({"UserID": np.repeat(users, 4), "x": rng.normal(size=2000)})
    with pytest.warns(UserWarning, match="'UserID' holds 500 distinct keys in 2000 values"):
        many = BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(visits)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # three fit steps: cells outside the range, clipped
        drawn = many.sample(300, random_state=0)["UserID"]
    assert many.column_roles_["UserID"] == "id" and not drawn.isin(users).any()
