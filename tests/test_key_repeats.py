"""Keys repeated over a table's rows (customers beside their orders): samples get fresh keys, each in as many rows as
a training key held, where each fresh key sat in one row."""

from __future__ import annotations

import pickle
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
from skbfn._encoding.key_repeats import KeyRepeats

SMALL = dict(hidden_layer_sizes=(32,), time_embedding_dim=8, max_iter=3, n_steps=5, n_elbo_draws=4)
ROWS_PER_CUSTOMER = (1, 2, 3, 5, 12)


def _orders(n_customers: int = 400, seed: int = 0) -> pd.DataFrame:
    """Orders of customers who placed 1, 2, 3, 5 or 12 each, with their ids and e-mail addresses."""
    rng = np.random.default_rng(seed)
    per = rng.choice(ROWS_PER_CUSTOMER, n_customers, p=[0.35, 0.25, 0.2, 0.15, 0.05])
    ids = rng.choice(np.arange(10**5, 10**6), n_customers, replace=False)
    emails = [f"{''.join(rng.choice(list('abcdefgh'), 6))}{k}@shop.example.org" for k in range(n_customers)]
    orders = pd.DataFrame(
        {"customer_id": np.repeat(ids, per), "email": np.repeat(emails, per), "amount": rng.gamma(2.0, 20.0, per.sum())}
    )
    return orders.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _rows_per_key(keys: pd.Series) -> Counter:
    """How many keys hold each count of rows."""
    return Counter(keys.value_counts().tolist())


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    return _orders()


@pytest.fixture(scope="module")
def fitted(orders) -> BFNGenerator:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the two columns of keys, and three fit steps
        return BFNGenerator(**SMALL, random_state=0).fit(orders)


@settings(max_examples=60, deadline=None)
@given(keys=st.lists(st.integers(0, 15), min_size=1, max_size=80))
def test_counts_of_rows_per_key_match_a_count_of_the_keys(keys):
    repeats = KeyRepeats.of(np.array(keys, dtype=object))
    per_key = Counter(Counter(keys).values())
    if max(per_key) == 1:
        assert repeats is None
    else:
        assert dict(zip(repeats.counts, repeats.keys, strict=True)) == per_key
        assert list(repeats.counts) == sorted(per_key)


@settings(max_examples=60, deadline=None)
@given(
    histogram=st.dictionaries(st.integers(1, 30), st.integers(1, 20), min_size=1, max_size=6).filter(
        lambda h: max(h) > 1
    ),
    n_rows=st.integers(0, 500),
    seed=st.integers(0, 2**32 - 1),
)
def test_group_sizes_cover_the_rows_with_counts_the_keys_held(histogram, n_rows, seed):
    repeats = KeyRepeats(tuple(sorted(histogram)), tuple(histogram[c] for c in sorted(histogram)))
    rng = np.random.default_rng(seed)
    sizes = repeats.group_sizes(n_rows, rng)
    assert sizes.sum() == n_rows and (sizes >= 1).all()
    assert set(sizes[:-1].tolist()) <= set(histogram)  # the last one may be cut to fit
    assert sizes[-1:].sum() <= max(histogram)
    groups = repeats.row_groups(n_rows, np.random.default_rng(seed))
    assert sorted(Counter(groups.tolist()).values()) == sorted(sizes.tolist())  # the same draws, spread


def test_drawn_counts_follow_the_training_keys_shares():
    repeats = KeyRepeats((1, 2, 10), (60, 30, 10))
    sizes = repeats.group_sizes(200_000, np.random.default_rng(0))[:-1]
    shares = np.array([np.mean(sizes == c) for c in repeats.counts])
    np.testing.assert_allclose(shares, [0.6, 0.3, 0.1], atol=0.01)


def test_sampled_keys_repeat_as_the_training_keys_did(orders, fitted):
    assert fitted.column_roles_["customer_id"] == fitted.column_roles_["email"] == "id"
    sample = fitted.sample(len(orders), random_state=0)
    real = _rows_per_key(orders["customer_id"])
    for column in ("customer_id", "email"):
        drawn = _rows_per_key(sample[column])
        assert not sample[column].isin(orders[column]).any()
        assert set(drawn) - set(ROWS_PER_CUSTOMER) <= {min(sample[column].value_counts())}  # a last key cut short
        # keys with each count, as shares of the keys: within 0.06 of the data's (400 customers)
        for count in ROWS_PER_CUSTOMER:
            assert abs(drawn[count] / sum(drawn.values()) - real[count] / sum(real.values())) < 0.06
        assert abs(sample[column].nunique() - orders[column].nunique()) < 0.15 * orders[column].nunique()
    # a customer's id and address group the rows alike: one address per fresh id, one id per fresh address
    assert fitted.encoder_.columns_[1].key_repeats.rows_of == 0
    assert sample.groupby("customer_id")["email"].nunique().eq(1).all()
    assert sample.groupby("email")["customer_id"].nunique().eq(1).all()
    again = fitted.sample(len(orders), random_state=0)
    pd.testing.assert_frame_equal(again, sample)
    assert not fitted.sample(len(orders), random_state=1)["customer_id"].equals(sample["customer_id"])


def test_key_repeats_survive_save_load_and_pickle_and_bad_documents_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path, n_samples=300)
    document = fitted.encoder_.columns_[0].to_dict()
    repeats = document["key_repeats"]
    assert repeats == KeyRepeats.of(_orders()["customer_id"].to_numpy()).to_json()
    for corrupt in (
        {"counts": [1], "keys": [5]},  # no key in several rows
        {"counts": repeats["counts"][::-1], "keys": repeats["keys"]},
        {"counts": [0, 2], "keys": [1, 1]},
        {"counts": [1, 2], "keys": [1, 0]},
        {"counts": [1, 2], "keys": [1]},
        {**repeats, "extra": 1},
        [1, 2],
    ):
        with pytest.raises(ValueError, match="key repeats"):
            Column.from_dict({**document, "key_repeats": corrupt})
    with pytest.raises(ValueError, match="key repeats"):
        Column.from_dict({**fitted.encoder_.columns_[2].to_dict(), "key_repeats": repeats})
    encoder = fitted.encoder_.to_dict()
    for rows_of, column in ((1, 1), (2, 1), (0, 0)):  # itself, a later or numeric column, and a leader following
        corrupt = {**encoder, "columns": [dict(c) for c in encoder["columns"]]}
        corrupt["columns"][column]["key_repeats"] = {**repeats, "rows_of": rows_of}
        with pytest.raises(ValueError, match="follow no earlier column of repeated keys"):
            type(fitted.encoder_).from_dict(corrupt)
    unpickled = pickle.loads(pickle.dumps(fitted.encoder_.columns_[0]))
    assert unpickled.key_repeats == fitted.encoder_.columns_[0].key_repeats


def test_keys_each_in_one_row_stay_one_a_row_and_a_chosen_id_role_keeps_repeats(orders):
    unique = orders.drop_duplicates("customer_id").reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        once = BFNGenerator(**SMALL, random_state=0).fit(unique[["customer_id", "amount"]])
        chosen = BFNGenerator(**SMALL, random_state=0, column_roles={"customer_id": "id"})
        chosen.fit(orders[["customer_id", "amount"]])
    assert once.encoder_.columns_[0].key_repeats is None
    assert once.sample(500, random_state=0)["customer_id"].is_unique
    assert chosen.encoder_.columns_[0].key_repeats == KeyRepeats.of(orders["customer_id"].to_numpy())
    assert not chosen.sample(500, random_state=0)["customer_id"].is_unique


def test_the_imputer_keeps_given_keys_and_a_wide_column_of_addresses_is_keys_not_dropped(orders):
    holes = orders[["customer_id", "amount"]].copy()
    holes.loc[::5, "amount"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        filled = BFNImputer(BFNGenerator(**SMALL, random_state=0)).fit_transform(holes)
    assert filled["customer_id"].equals(holes["customer_id"]) and not filled["amount"].isna().any()
    # a missing key is filled with a fresh key of its own: no two filled rows become one customer's orders
    unknown = holes.assign(customer_id=holes["customer_id"].astype("float64"))
    unknown.loc[::4, "customer_id"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        refilled = BFNImputer(BFNGenerator(**SMALL, random_state=0)).fit_transform(unknown)
    fresh = refilled["customer_id"][unknown["customer_id"].isna()]
    assert fresh.notna().all() and fresh.is_unique and not fresh.isin(set(orders["customer_id"])).any()
    kept = unknown["customer_id"].notna()
    assert refilled["customer_id"][kept].equals(unknown["customer_id"][kept])
    # 400 addresses in 1,000 rows: not mostly distinct, too many for categories; before, dropped with a warning
    with pytest.warns(UserWarning, match="'email' holds 400 distinct e-mail addresses") as record:
        BFNGenerator(**SMALL, random_state=0).fit(orders[["email", "amount"]])
    assert not any("not modelled" in str(w.message) for w in record)


def test_keys_that_group_the_rows_differently_are_drawn_apart(orders):
    """An order's session key repeats too, but not with the customer: each gets its own groups."""
    sessions = orders.assign(session=[f"s{k // 3:05d}@visits.example.org" for k in range(len(orders))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen = BFNGenerator(**SMALL, random_state=0).fit(sessions[["customer_id", "session", "amount"]])
    assert gen.column_roles_["session"] == "id" and gen.encoder_.columns_[1].key_repeats.rows_of is None
    sample = gen.sample(600, random_state=0)
    assert set(sample["session"].value_counts()) <= {1, 2, 3}
    assert sample.groupby("customer_id")["session"].nunique().max() > 1


def test_missing_keys_come_back_where_the_model_draws_them_with_the_rest_of_the_row():
    """Guests' orders hold no customer id (nor address) and smaller amounts: samples held a fresh key in every
    row."""
    orders = _orders(300, seed=1)
    rng = np.random.default_rng(1)
    guest = rng.random(len(orders)) < 0.3
    orders["customer_id"] = orders["customer_id"].astype("Int64").mask(guest)
    orders["email"] = orders["email"].mask(guest)
    orders["amount"] = np.where(guest, rng.gamma(2.0, 2.0, len(orders)), 100.0 + rng.gamma(2.0, 20.0, len(orders)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gen = BFNGenerator(**dict(SMALL, hidden_layer_sizes=(64, 64), max_iter=300), random_state=0).fit(orders)
    customer, email = gen.encoder_.columns_[:2]
    assert gen.encoder_.indicators_ == [0] and customer.has_indicator
    assert email.key_repeats.rows_of == 0 and not email.has_indicator  # its missing cells are the customer's
    sample = gen.sample(2000, random_state=0)
    assert sample["customer_id"].dtype == "Int64"
    no_key = sample["customer_id"].isna()
    assert abs(no_key.mean() - guest.mean()) < 0.06
    assert sample["email"].isna().equals(no_key)  # an address where the order has a customer, and only there
    assert sample.loc[no_key, "amount"].median() < 50.0 < sample.loc[~no_key, "amount"].median()
    kept = sample.loc[~no_key, "customer_id"]
    assert not kept.isin(orders["customer_id"].dropna()).any() and not kept.is_unique
    assert sample.loc[~no_key].groupby("customer_id")["email"].nunique().eq(1).all()
    without = gen.set_params(reproduce_missing=False)  # whole rows: a customer in every order
    assert without.sample(300, random_state=0)["customer_id"].notna().all()


def test_integer_keys_read_as_floats_beside_blank_cells_get_fresh_whole_keys():
    """A CSV's customer ids with blank cells reach pandas as float64: sampling failed on keys made as text
    ('oiddv526'), which a float column cannot hold."""
    orders = _orders(200, seed=2)
    ids = orders["customer_id"].astype(float).mask(np.random.default_rng(2).random(len(orders)) < 0.2)
    with pytest.warns(UserWarning, match=r"'customer_id' holds \d+ distinct keys"):
        gen = BFNGenerator(**SMALL, random_state=0).fit(orders.assign(customer_id=ids)[["customer_id", "amount"]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # three fit steps
        keys = gen.sample(400, random_state=0)["customer_id"]
    assert gen.encoder_.columns_[0].id_template == {"kind": "integer", "start": int(ids.max()) + 1}
    assert keys.dtype == np.float64 and (keys.dropna() == keys.dropna().round()).all()
    assert not keys.isin(ids.dropna()).any()
