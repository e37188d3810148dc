"""Columns that bin another (an age group from an age, a year from a date) agree with it in samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.partitions import Partition, column_partitions
from skbfn._encoding.table import TableEncoder
from skbfn.metrics import relations_kept

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)
GROUPS = ["18-29", "30-44", "45-59", "60+"]


def _people(n_rows: int = 1500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = np.round(rng.gamma(6, 7, n_rows)).clip(18, 95)
    date = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 365 * 3, n_rows), "D")
    return pd.DataFrame(
        {
            "age": age,
            "age_group": pd.cut(age, [0, 29, 44, 59, 200], labels=GROUPS).astype(str),
            "date": date,
            "year": date.year,
            "score": rng.normal(size=n_rows),
            "colour": rng.choice(["red", "blue"], n_rows),
        }
    )


def _groups_of(ages) -> np.ndarray:
    return pd.cut(np.asarray(ages, dtype=float), [0, 29, 44, 59, 200], labels=GROUPS).astype(str)


@pytest.fixture(scope="module")
def people():
    return _people()


@pytest.fixture(scope="module")
def fitted(people):
    return BFNGenerator(**SMALL, random_state=0).fit(people)


def test_columns_binning_another_are_found_with_cuts_between_their_ranges(people):
    partitions = column_partitions(TableEncoder().fit(people).columns_, people)
    found = {(people.columns[p.column], people.columns[p.by]): p for p in partitions}
    assert set(found) == {("age", "age_group"), ("date", "year")}  # not the score by colour
    age = found[("age", "age_group")]
    assert age.cuts == (29.5, 44.5, 59.5)
    groups = TableEncoder().fit(people).columns_[1].categories.tolist()
    assert [groups[int(label)] for label in age.labels] == GROUPS  # ordered by the ages they hold


def test_a_few_rows_in_disjoint_runs_by_chance_are_no_partition():
    rng = np.random.default_rng(0)
    x = np.sort(rng.normal(size=8))
    chance = pd.DataFrame({"x": x, "g": ["a"] * 4 + ["b"] * 4})  # 2 orders in 70 arrangements: chance
    assert column_partitions(TableEncoder().fit(chance).columns_, chance) == []
    more = pd.DataFrame({"x": np.sort(rng.normal(size=40)), "g": ["a"] * 20 + ["b"] * 20})
    assert len(column_partitions(TableEncoder().fit(more).columns_, more)) == 1


def test_a_partition_breaks_values_outside_their_labels_interval_only():
    partition = Partition(column=0, by=1, labels=(2.0, 0.0, 1.0), cuts=(10.0, 20.0))
    numbers = np.array([5.0, 15.0, 25.0, 15.0, np.nan, 5.0])
    labels = np.array([2.0, 2.0, 1.0, 0.0, 0.0, 7.0])  # the last: a label the partition does not list
    assert partition.broken(numbers, labels).tolist() == [False, True, False, False, False, False]


def test_samples_agree_with_every_partition_and_do_not_without_the_bounds(fitted, people):
    sample = fitted.sample(2000, random_state=0)
    assert (sample["age_group"] == _groups_of(sample["age"])).all()
    assert (pd.to_datetime(sample["date"]).dt.year == sample["year"]).all()
    loose = BFNGenerator(**SMALL, random_state=0, enforce_bounds=False).fit(people).sample(2000, random_state=0)
    assert (loose["age_group"] != _groups_of(loose["age"])).mean() > 0.005  # what the model draws untruncated


def test_drawn_cells_agree_with_given_ones(fitted):
    sample = fitted.sample(200, given={"age_group": "60+"}, random_state=0)
    assert (sample["age"] > 59).all()
    sample = fitted.sample(200, given=pd.DataFrame({"age": [25.0, 50.0] * 100}), random_state=0)
    assert (sample["age_group"] == _groups_of(sample["age"])).all()


def test_partitions_survive_save_load_and_pickle_and_bad_ones_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    doc = fitted.encoder_.to_dict()
    assert TableEncoder.from_dict(doc).partitions_ == fitted.encoder_.partitions_
    assert TableEncoder.from_dict({k: v for k, v in doc.items() if k != "partitions"}).partitions_ == []  # older
    good = doc["partitions"][0]
    for bad in (
        {**good, "cuts": good["cuts"][:-1]},  # one cut short
        {**good, "cuts": good["cuts"][::-1]},  # unsorted
        {**good, "by": good["column"]},  # by itself
        {**good, "by": 4},  # a real column bins nothing
        {**good, "extra": 1},
    ):
        with pytest.raises(ValueError, match="column partitions"):
            TableEncoder.from_dict({**doc, "partitions": [bad]})


def test_a_column_holding_one_value_for_each_value_of_another_takes_it_in_samples(tmp_path):
    """A product's price: every row of a product holds the same price, and samples hold it to the cent, where
    the interval up to the neighbouring prices let them drift."""
    rng = np.random.default_rng(0)
    products = [f"P{k:02d}" for k in range(30)]
    price_of = dict(zip(products, np.round(rng.uniform(2, 200, 30), 2), strict=True))
    product = rng.choice(products, 1500)
    X = pd.DataFrame({"product": product, "price": [price_of[p] for p in product], "qty": rng.integers(1, 5, 1500)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    (partition,) = gen.encoder_.partitions_
    assert partition.values is not None and "price determined by product" in gen.column_relations_
    samples = gen.sample(1000, random_state=0)
    assert np.array_equal(samples["price"], samples["product"].map(price_of))
    # the report reads the same relation: a price a cent off its product's breaks it
    assert relations_kept(X, X.iloc[:10].assign(price=X["price"].iloc[:10] + 0.01))["price determined by product"] == 0
    assert relations_kept(X, X.iloc[:10])["price determined by product"] == 1.0
    doc = gen.encoder_.to_dict()
    assert TableEncoder.from_dict(doc).partitions_ == gen.encoder_.partitions_
    good = doc["partitions"][0]
    for bad in (
        {**good, "values": good["values"][:-1]},
        {**good, "values": good["values"][::-1]},
        {**good, "values": 1},
    ):
        with pytest.raises(ValueError, match="column partitions"):
            TableEncoder.from_dict({**doc, "partitions": [bad]})
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_imputed_point_estimates_agree_with_every_partition(people):
    """With both cells missing, the age is the mean of the draws in the modal age group: the mean of all draws,
    split between two groups, could lie in a third."""
    holes = people.iloc[:300].copy()
    holes.loc[holes.index[::2], ["age", "age_group", "date", "year"]] = np.nan
    holes.loc[holes.index[1::2], ["age", "date"]] = np.nan
    imputed = BFNImputer(estimator=BFNGenerator(**SMALL, random_state=0)).fit(people).transform(holes)
    assert (imputed["age_group"] == _groups_of(imputed["age"])).all()
    assert (pd.to_datetime(imputed["date"]).dt.year == imputed["year"]).all()
    assert (imputed["age_group"].iloc[1::2] == people["age_group"].iloc[1:300:2]).all()  # given cells kept


def test_widened_posterior_draws_stay_in_their_given_or_drawn_groups(people):
    """A calibrated imputer widens each drawn age away from a second draw of it, which may lie in another group:
    a widened row that leaves its group keeps its draw (before, such rows kept their widened age)."""
    holes = people.iloc[:300].copy()
    holes.loc[holes.index[::2], ["age", "age_group"]] = np.nan
    holes.loc[holes.index[1::2], ["age"]] = np.nan
    imputer = BFNImputer(estimator=BFNGenerator(**SMALL, random_state=0), sample_posterior=True).fit(people)
    imputer.spread_scale_ = 2.0  # as calibration sets it where the draws are too sure
    imputed = imputer.transform(holes)
    assert (imputed["age_group"] == _groups_of(imputed["age"])).all()
    assert imputed["age"].iloc[1::2].std() > 0  # drawn, not all at one point
