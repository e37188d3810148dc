"""Column roles: ids, text, dates and times, constant and empty columns; samples inside the training range."""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import state_bytes
from sklearn.base import clone

import skbfn
from skbfn import BFNGenerator
from skbfn._encoding.roles import holds_categories
from skbfn.metrics._tables import learn_layout

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=120, n_steps=10, n_elbo_draws=8)


def _customers(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    first = np.array(["Ann", "Bob", "Cleo", "Dan", "Eve", "Finn", "Gus", "Hana"])
    last = np.array(["Smith", "Jones", "Brown", "Lee", "Khan", "Garcia", "Rossi", "Novak"])
    return pd.DataFrame(
        {
            "customer_id": rng.permutation(n) + 5_000,
            "code": [f"C{k:06d}" for k in rng.permutation(n) + 17],
            "name": [
                f"{a} {b} {k}"
                for a, b, k in zip(rng.choice(first, n), rng.choice(last, n), rng.integers(0, 99, n), strict=True)
            ],
            "segment": pd.Categorical(rng.choice(["a", "b", "c"], n, p=[0.6, 0.3, 0.1])),
            "signup": pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "seen": pd.Timestamp("2024-01-01", tz="Europe/Amsterdam")
            + pd.to_timedelta(rng.uniform(0, 1e7, n), unit="s"),
            "session": pd.to_timedelta(rng.exponential(300, n).round(), unit="s"),
            "income": np.round(np.exp(rng.normal(10, 0.8, n)), 2),
            "country": "NL",
            "notes": [None] * n,
        }
    )


@pytest.fixture(scope="module")
def customers():
    return _customers()


@pytest.fixture(scope="module")
def fitted(customers):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the name column is dropped with a warning
        return BFNGenerator(**SMALL, random_state=0).fit(customers)


def test_roles_are_detected(fitted):
    roles = fitted.column_roles_
    assert roles["customer_id"] == "id" and roles["code"] == "id" and roles["name"] == "drop"
    assert roles["segment"] == "categorical" and roles["country"] == "constant" and roles["notes"] == "empty"
    assert roles["income"] == "continuous"


def test_text_is_dropped_with_a_warning_naming_the_column_and_never_copied(customers):
    with pytest.warns(UserWarning, match=r"'name'.*column_roles"):
        gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(customers)
    assert gen.sample(50)["name"].isna().all()
    rng = np.random.default_rng(1)
    zips = pd.DataFrame({"zip": [f"{z:05d}" for z in rng.integers(0, 300, 400)], "x": rng.normal(size=400)})
    with pytest.warns(UserWarning, match="'zip'"):
        dropped = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(zips)
    assert dropped.column_roles_["zip"] == "drop" and dropped.sample(20)["zip"].isna().all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # naming the role is the override, without a warning
        modelled = BFNGenerator(**dict(SMALL, max_iter=5), column_roles={"zip": "categorical"}).fit(zips)
    assert modelled.column_roles_["zip"] == "categorical" and modelled.sample(20)["zip"].isin(zips["zip"]).all()


@pytest.mark.parametrize(
    ("n_distinct", "n_observed", "max_categories", "expected"),
    [
        (50, 50, "auto", True),  # few values are categories however rarely each is seen
        (51, 255, "auto", True),  # 51 states, 5 rows each on average: they repeat
        (51, 254, "auto", False),
        (200, 1000, "auto", True),
        (201, 10**6, "auto", False),  # more than 200 levels, however often they repeat
        (120, 2000, 50, False),  # an integer is a cap
        (50, 50, 50, True),
    ],
)
def test_holds_categories_bounds(n_distinct, n_observed, max_categories, expected):
    assert holds_categories(n_distinct, n_observed, max_categories) is expected


def test_many_categories_that_repeat_are_modelled_and_an_integer_max_categories_is_a_cap():
    """120 cities in 1,200 rows were dropped as text under max_categories=50: they repeat, so they are categories."""
    rng = np.random.default_rng(4)
    cities = np.array([f"City {k}" for k in range(120)])
    frame = pd.DataFrame({"city": cities[rng.integers(0, 120, 1200)], "x": rng.normal(size=1200)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 'too many distinct strings' warning
        gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    sample = gen.sample(200, random_state=0)
    assert gen.column_roles_["city"] == "categorical" and sample["city"].isin(cities).all()
    assert sample["city"].nunique() > 50
    with pytest.warns(UserWarning, match=r"'city'.*max_categories=50\)"):
        capped = BFNGenerator(**dict(SMALL, max_iter=5), max_categories=50, random_state=0).fit(frame)
    assert capped.column_roles_["city"] == "drop"
    with pytest.warns(UserWarning, match=r"'city' holds 11\d distinct strings in 400 values.*5 rows or more"):
        sparse = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame[:400])  # 3.4 rows a city
    assert sparse.column_roles_["city"] == "drop"
    layout = learn_layout(frame)  # the report reads the column as the generator does
    assert set(layout.categories) == {"city"} and learn_layout(frame, max_categories=50).free == ("city",)
    with pytest.raises(ValueError, match="max_categories must be a positive integer or 'auto'"):
        learn_layout(frame, max_categories=0)


def test_ids_are_fresh_unique_and_in_the_columns_format(fitted, customers):
    sample = fitted.sample(500, random_state=1)
    for column in ("customer_id", "code"):
        assert sample[column].is_unique and not sample[column].isin(customers[column]).any()
    assert sample["customer_id"].dtype == customers["customer_id"].dtype
    assert sample["code"].str.fullmatch(r"C\d{6}").all()
    tokens = pd.DataFrame({"key": [f"{k:08x}" for k in np.random.default_rng(2).permutation(300) * 7919], "x": 1.0})
    tokens["x"] = np.random.default_rng(3).normal(size=300)
    gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(tokens)
    keys = gen.sample(200)["key"]
    assert gen.column_roles_["key"] == "id" and keys.is_unique and not keys.isin(tokens["key"]).any()
    assert keys.str.len().eq(8).all() and keys.str.fullmatch("[0-9a-f]+").all()


def test_keys_of_one_length_keep_their_shape_position_by_position(tmp_path):
    """Phone numbers and national ids come back with their dashes, constants and digits, not as tokens of their
    characters in any order ('2587671391-28+6')."""
    rng = np.random.default_rng(4)
    n = 400
    frame = pd.DataFrame(
        {
            "phone": [
                f"+1-555-{a}-{b:04d}"
                for a, b in zip(rng.choice(900, n, replace=False) + 100, rng.integers(0, 10**4, n), strict=True)
            ],
            "ssn": [
                f"{k // 10**6:03d}-{k // 10**4 % 100:02d}-{k % 10**4:04d}" for k in rng.choice(10**9, n, replace=False)
            ],
            "x": rng.normal(size=n),
        }
    )
    gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    assert gen.column_roles_["phone"] == gen.column_roles_["ssn"] == "id"
    sample = gen.sample(300, random_state=0)
    assert sample["phone"].str.fullmatch(r"\+1-555-[1-9]\d\d-\d{4}").all()
    assert sample["ssn"].str.fullmatch(r"\d{3}-\d\d-\d{4}").all()
    for column in ("phone", "ssn"):
        assert sample[column].is_unique and sample[column].nunique() == 300
    path = tmp_path / "shaped.skbfn"
    skbfn.save(gen, path)
    assert skbfn.load(path).sample(300, random_state=0)[["phone", "ssn"]].equals(sample[["phone", "ssn"]])
    document = gen.encoder_.columns_[0].to_dict()
    for corrupt in ([], ["ab", ""], ["aa"], "0123"):
        with pytest.raises(ValueError):
            type(gen.encoder_.columns_[0]).from_dict(
                {**document, "id_template": {"kind": "shape", "positions": corrupt}}
            )
    few = pd.DataFrame({"key": [f"{k:02d}-A" for k in range(60)], "x": rng.normal(size=60)})  # 6 * 10 keys
    fitted_few = BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(few)
    keys = fitted_few.sample(50)["key"]
    assert fitted_few.encoder_.columns_[0].id_template["kind"] == "token"  # too few keys in its shape
    assert keys.is_unique and not keys.isin(few["key"]).any() and (keys.str.len() >= 8).all()


def test_keys_of_varying_length_in_one_layout_are_made_afresh_run_by_run(tmp_path):
    """IP addresses came back as tokens of their characters in any order ('.1.0206478638')."""
    rng = np.random.default_rng(5)
    octets = rng.integers(0, 256, (400, 3))
    frame = pd.DataFrame({"ip": [f"10.{a}.{b}.{c}" for a, b, c in octets], "x": rng.normal(size=400)})
    frame = frame.drop_duplicates("ip")
    gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    column = gen.encoder_.columns_[0]
    assert gen.column_roles_["ip"] == "id" and column.id_template["kind"] == "runs"
    keys = gen.sample(300, random_state=0)["ip"]
    parts = keys.str.fullmatch(r"10\.(\d+)\.(\d+)\.(\d+)")
    assert parts.all() and keys.is_unique and not keys.isin(frame["ip"]).any()
    numbers = keys.str.extract(r"10\.(\d+)\.(\d+)\.(\d+)").astype(int)
    for j in range(3):  # each octet within the training range of its run, spread over it
        assert numbers[j].between(octets[:, j].min(), octets[:, j].max()).all() and numbers[j].nunique() > 100
    path = tmp_path / "runs.skbfn"
    skbfn.save(gen, path)
    assert skbfn.load(path).sample(300, random_state=0)["ip"].equals(keys)
    document = column.to_dict()
    for corrupt in ([], [["digits", 5, 1, 0]], [["letters", "aa", 1, 2]], [["text", ""]], [["other", "."]]):
        with pytest.raises(ValueError):
            type(column).from_dict({**document, "id_template": {"kind": "runs", "runs": corrupt}})
    # keys that split into different runs ('a-1' beside 'b') keep tokens
    mixed = pd.DataFrame({"key": [f"k{i}-{i}" if i % 2 else f"k{i}" for i in range(300)], "x": rng.normal(size=300)})
    fitted = BFNGenerator(**dict(SMALL, max_iter=3), column_roles={"key": "id"}, random_state=0).fit(mixed)
    assert fitted.encoder_.columns_[0].id_template["kind"] != "runs"


def test_keys_written_with_spaces_or_repeated_keep_their_layout():
    """Phone numbers written '(555) 123-4567' or '+44 20 7946 0958', and numbered keys 'Invoice 1001', were
    dropped as free text (they hold spaces), as were customers' phone numbers repeated over their orders; names
    stay dropped."""
    rng = np.random.default_rng(6)
    n = 400
    area, local = rng.choice(800, n, replace=False) + 200, rng.choice(10**4, n, replace=False)
    phones = [f"({a}) {b % 800 + 200}-{c:04d}" for a, b, c in zip(area, rng.integers(0, 10**6, n), local, strict=True)]
    frame = pd.DataFrame(
        {
            "phone": phones,
            "uk": [f"+44 20 {a:04d} {b:04d}" for a, b in zip(local, rng.integers(0, 10**4, n), strict=True)],
            "invoice": [f"Invoice {k}" for k in rng.permutation(n) + 1001],
            "buyer": [phones[k] for k in rng.integers(0, 300, n)],  # 300 customers' numbers, some twice
            "name": _customers(n)["name"],  # 'Ann Smith 12'
            "x": rng.normal(size=n),
        }
    )
    with pytest.warns(UserWarning) as record:
        gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    messages = " ".join(str(w.message) for w in record)
    assert "'buyer' holds" in messages and "keys of digits in one layout" in messages
    assert {c: gen.column_roles_[c] for c in ("phone", "uk", "invoice", "buyer", "name")} == {
        "phone": "id",
        "uk": "id",
        "invoice": "id",
        "buyer": "id",
        "name": "drop",
    }
    sample = gen.sample(300, random_state=0)
    assert sample["phone"].str.fullmatch(r"\(\d{3}\) \d{3}-\d{4}").all()
    assert sample["buyer"].str.fullmatch(r"\(\d{3}\) \d{3}-\d{4}").all()
    assert sample["uk"].str.fullmatch(r"\+44 20 \d{4} \d{4}").all()
    assert sample["invoice"].str.fullmatch(r"Invoice \d+").all()
    for column in ("phone", "uk", "invoice", "buyer"):
        assert not sample[column].isin(frame[column]).any()
    assert sample["phone"].is_unique and sample["uk"].is_unique and sample["invoice"].is_unique
    assert not sample["buyer"].is_unique  # customers' numbers repeat as in the data (tests/test_key_repeats.py)
    assert sample["name"].isna().all()


def test_measurements_written_with_marks_are_no_keys():
    """'12.3 ± 0.6' was taken for keys of digits in one layout (phone numbers), and '~403' for keys of one prefix
    and a number: samples held made-up keys in their place. A measurement and its error are two numbers in one
    cell now (tests/test_compound_cells.py)."""
    rng = np.random.default_rng(9)
    n = 400
    frame = pd.DataFrame(
        {
            "mass": [f"{a:.1f} ± {b:.1f}" for a, b in zip(rng.uniform(10, 99, n), rng.uniform(0.1, 2, n), strict=True)],
            "count": [f"~{k}" for k in rng.integers(100, 5000, n)],  # approximate everywhere: numbers
            "x": rng.normal(size=n),
        }
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    assert not any("keys" in str(w.message) for w in record)
    assert gen.column_roles_["mass"] == "compound" and gen.column_roles_["count"] in ("continuous", "discretised")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # five fit steps
        sample = gen.sample(50, random_state=0)
    assert sample["count"].str.fullmatch(r"~\d+").all() and sample["mass"].str.fullmatch(r"\d+\.\d ± \d+\.\d").all()


def test_integers_beyond_the_exact_floats_that_repeat_are_categories(tmp_path):
    """64-bit user ids of a table of events (1.3e18 and up) were drawn as numbers: rounded to multiples of 256
    and none of them a user's; a float64 holds no integer there exactly."""
    rng = np.random.default_rng(7)
    users = 1_300_000_000_000_000_000 + np.arange(60, dtype=np.int64) * 7919  # more than a few codes: 60
    frame = pd.DataFrame({"user": users[rng.integers(0, 60, 600)], "x": rng.normal(size=600)})
    frame["nanos"] = 1_700_000_000_000_000_000 + rng.integers(0, 10**15, 600)  # timestamps, all distinct
    gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    assert gen.column_roles_ == {"user": "categorical", "x": "continuous", "nanos": "continuous"}
    sample = gen.sample(500, random_state=0)
    assert sample["user"].dtype == np.int64 and sample["user"].isin(users).all()
    path = tmp_path / "users.skbfn"
    skbfn.save(gen, path)
    assert skbfn.load(path).sample(500, random_state=0)["user"].equals(sample["user"])
    small = frame.assign(user=frame["user"] - 1_300_000_000_000_000_000 + 10**9)  # the same ids, small
    assert BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(small).column_roles_["user"] != "categorical"


def test_keys_of_few_characters_get_fresh_keys_without_end():
    """Keys 'a', 'aa', 'aaa' have one character: tokens of it alone would number one, and drawing more never
    ended."""
    import threading

    frame = pd.DataFrame({"key": ["a", "aa", "aaa", "aaaa"], "x": [0.1, 0.5, 0.9, 0.3]})
    gen = BFNGenerator(**dict(SMALL, max_iter=3), random_state=0).fit(frame)
    drawn = []
    worker = threading.Thread(target=lambda: drawn.append(gen.sample(50, random_state=0)["key"]), daemon=True)
    worker.start()
    worker.join(timeout=60)  # a draw that never ends fails here, not by hanging the suite
    assert drawn, "drawing 50 fresh keys did not end within a minute"
    keys = drawn[0]
    assert gen.column_roles_["key"] == "id" and keys.is_unique and not keys.isin(frame["key"]).any()


def test_uuids_and_email_addresses_are_made_afresh_in_their_shape(tmp_path):
    import uuid

    rng = np.random.default_rng(6)
    n = 200
    frame = pd.DataFrame(
        {
            "uid": [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(n)],
            "email": [f"{a}.{k}@acme.org" for k, a in enumerate(rng.choice(["ann", "bo", "cy"], n))],
            "contact": [f"c{k}@{d}" for k, d in enumerate(rng.choice(["gmail.com", "web.de"], n))],
            "x": rng.normal(size=n),
        }
    )
    gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    assert [gen.column_roles_[c] for c in ("uid", "email", "contact")] == ["id", "id", "id"]
    sample = gen.sample(300, random_state=0)
    for column in ("uid", "email", "contact"):
        assert sample[column].is_unique and not sample[column].isin(frame[column]).any()
    assert all(uuid.UUID(key).version == 4 and str(uuid.UUID(key)) == key for key in sample["uid"])
    assert sample["email"].str.fullmatch(r"[a-z0-9]{8,}@acme\.org").all()  # the one domain they share
    assert sample["contact"].str.fullmatch(r"[a-z0-9]{8,}@example\.com").all()  # no domain of theirs
    local = sample["email"].str.split("@").str[0], sample["contact"].str.split("@").str[0]
    assert not local[0].isin(local[1]).any()  # two columns of addresses, each with addresses of its own
    path = tmp_path / "keys.skbfn"
    skbfn.save(gen, path)
    assert skbfn.load(path).sample(300, random_state=0)[["uid", "email"]].equals(sample[["uid", "email"]])
    document = gen.encoder_.columns_[1].to_dict()
    for corrupt in ({"domain": "not a domain"}, {"length": 0}, {"upper": True}):
        with pytest.raises(ValueError):
            type(gen.encoder_.columns_[1]).from_dict(
                {**document, "id_template": {**document["id_template"], **corrupt}}
            )


def test_keys_by_their_shape_are_keys_where_some_repeat_or_are_missing_and_digits_alone_are_not():
    """A table of orders: customers' addresses and numbers, some customers ordering twice or giving none."""
    rng = np.random.default_rng(7)
    n = 300
    customer = rng.integers(0, 10_000, n)  # about one in 60 orders repeats a customer
    email = np.array([f"buyer{k}@shop.example.org" for k in customer], dtype=object)
    email[rng.random(n) < 0.1] = None
    frame = pd.DataFrame(
        {
            "email": email,
            "customer": [f"CUST-{k:05d}" for k in customer],
            "zip": [f"{k:05d}" for k in rng.choice(rng.integers(0, 99_999, 250), n)],  # digits alone: text
            "x": rng.normal(size=n),
        }
    )
    assert not frame["email"].dropna().is_unique and not frame["customer"].is_unique
    with pytest.warns(UserWarning, match=r"'email' holds \d+ distinct e-mail addresses in \d+ values") as caught:
        gen = BFNGenerator(**dict(SMALL, max_iter=5), random_state=0).fit(frame)
    assert any("'customer' holds" in str(w.message) and "one prefix and a number" in str(w.message) for w in caught)
    assert [gen.column_roles_[c] for c in ("email", "customer", "zip")] == ["id", "id", "drop"]
    sample = gen.sample(200, random_state=0)
    for column in ("email", "customer"):  # a fresh key in no more rows than a customer's
        assert not sample[column].dropna().isin(frame[column].dropna()).any()
        assert sample[column].value_counts().max() <= frame[column].value_counts().max()
    assert sample["email"].dropna().str.fullmatch(r"[a-z0-9]{8,}@shop\.example\.org").all()
    assert sample["customer"].str.fullmatch(r"CUST-\d{5,}").all()


def test_dates_and_times_come_back_in_their_dtype_and_span(fitted, customers):
    sample = fitted.sample(1000, random_state=2)
    for column in ("signup", "seen", "session"):
        assert sample[column].dtype == customers[column].dtype, column
        assert sample[column].min() >= customers[column].min() and sample[column].max() <= customers[column].max()
    assert (sample["signup"] == sample["signup"].dt.normalize()).all()  # dates stay dates
    assert str(sample["seen"].dt.tz) == "Europe/Amsterdam"
    assert fitted.encoder_.columns_[4].time_unit == "D" and fitted.encoder_.columns_[5].time_unit == "s"


def test_constant_and_empty_columns_are_reproduced(fitted):
    sample = fitted.sample(30)
    assert (sample["country"] == "NL").all() and sample["notes"].isna().all()


def test_samples_stay_inside_the_training_range_and_a_positive_column_stays_positive(customers):
    heavy = customers[["income", "segment"]].copy()
    heavy["income"] = heavy["income"] + 10_000
    kept = BFNGenerator(**dict(SMALL, max_iter=60), random_state=0).fit(heavy).sample(3000, random_state=0)
    assert kept["income"].between(heavy["income"].min(), heavy["income"].max()).all()
    free = BFNGenerator(**dict(SMALL, max_iter=60), random_state=0, enforce_bounds=False).fit(heavy)
    loose = free.sample(3000, random_state=0)["income"]
    assert not loose.between(heavy["income"].min(), heavy["income"].max()).all()  # the rule above can fail


def test_roles_and_dtypes_survive_save_load_pickle_and_clone(fitted, customers, tmp_path):
    path = os.path.join(tmp_path, "customers.safetensors")
    skbfn.save(fitted, path)
    loaded = skbfn.load(path)
    expected = fitted.sample(40, random_state=4)
    pd.testing.assert_frame_equal(loaded.sample(40, random_state=4), expected)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(fitted)).sample(40, random_state=4), expected)
    assert loaded.column_roles_ == fitted.column_roles_
    roles = {"name": "drop", 0: "id"}
    gen = BFNGenerator(column_roles=roles)
    assert clone(gen).get_params()["column_roles"] == roles


@pytest.mark.parametrize(
    ("roles", "match"),
    [
        ({"name": "free text"}, "roles are"),
        ({"no such column": "id"}, "not a column"),
        ({"segment": "discretised"}, None),
    ],
)
def test_bad_roles_are_clear_errors_that_leave_the_model_unchanged(fitted, customers, roles, match):
    model = pickle.loads(pickle.dumps(fitted)).set_params(column_roles=roles, categorical_features=["segment"])
    before = state_bytes(model)
    with pytest.raises(ValueError, match=match or "conflicts"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the name column's warning, where it is reached
        model.fit(customers)
    assert state_bytes(model) == before


def test_the_tilt_keeps_most_rows_however_many_categorical_columns():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"c{j}": pd.Categorical(rng.choice(["p", "q"], 600, p=[0.97, 0.03])) for j in range(6)})
    frame["x"] = rng.normal(size=600)
    gen = BFNGenerator(**dict(SMALL, max_iter=20), random_state=0).fit(frame)
    assert np.exp(gen.category_tilt_.log_mean_acceptance) >= 0.8 - 1e-9
    codes = np.zeros((4, 7), dtype=np.float32)
    codes[:, :6] = 1.0  # every column at its rarest category
    assert np.all(gen.category_tilt_.log_acceptance(codes, None) >= -np.log(16) - 1e-12)
    assert gen.sample(500, random_state=0).shape == (500, 7)


def test_a_continued_fit_on_rows_beyond_the_first_range_warns_naming_the_columns():
    rng = np.random.default_rng(0)
    first = pd.DataFrame({"count": rng.integers(0, 20, 200), "amount": rng.uniform(0, 1, 200)})
    gen = BFNGenerator(**dict(SMALL, batch_size=100), random_state=0).partial_fit(first)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gen.partial_fit(first.sample(frac=1.0, random_state=1))  # inside the range: silent
    later = first.assign(count=first["count"] + 250)
    with pytest.warns(UserWarning, match=r"\['count'\]"):
        gen.partial_fit(later)


def test_missing_cells_are_reproduced_with_their_dependence_on_other_columns():
    rng = np.random.default_rng(0)
    n = 1500
    income = rng.lognormal(10, 0.5, n)
    age = rng.uniform(20, 70, n)
    rich = income > np.median(income)
    age[rich & (rng.random(n) < 0.6)] = np.nan  # the rich leave their age out
    frame = pd.DataFrame({"income": income, "age": age})
    gen = BFNGenerator(**dict(SMALL, max_iter=400), random_state=0).fit(frame)
    sample = gen.sample(4000, random_state=0)
    assert abs(sample["age"].isna().mean() - frame["age"].isna().mean()) < 0.05
    sampled_rich = sample["income"] > np.median(income)
    assert sample["age"][sampled_rich].isna().mean() > 0.4 > sample["age"][~sampled_rich].isna().mean()
    whole = BFNGenerator(**dict(SMALL, max_iter=20), reproduce_missing=False, random_state=0).fit(frame)
    assert whole.sample(500).notna().all().all()


def test_scores_charge_a_missing_pattern_and_score_warns_where_no_indicator_models_it():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=600), "b": rng.normal(size=600)})
    frame.loc[rng.random(600) < 0.05, "a"] = np.nan  # a is rarely missing, b never
    gen = BFNGenerator(**dict(SMALL, max_iter=200), random_state=0).fit(frame)
    unaware = BFNGenerator(**dict(SMALL, max_iter=200), reproduce_missing=False, random_state=0).fit(frame)
    complete = frame.dropna().head(50)
    rare_pattern = complete.assign(a=np.nan)
    # ln P(a missing) = ln 0.05 is charged: well below the score of the same rows without the indicator
    assert np.median(gen.score_samples(rare_pattern)) < np.median(unaware.score_samples(rare_pattern)) + np.log(0.2)
    # without it, the incomplete rows outrank the complete ones: what score warns about
    assert np.median(unaware.score_samples(rare_pattern)) > np.median(unaware.score_samples(complete))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gen.score(rare_pattern)  # a's missingness is modelled: no warning
    with pytest.warns(UserWarning, match="observed cells only"):
        gen.score(complete.assign(b=np.nan))


def test_a_code_stored_as_floats_comes_back_with_only_its_values():
    rng = np.random.default_rng(0)
    code = np.where(rng.random(400) < 0.4, 0.0507, -0.0446)  # a 0/1 column standardised, as in load_diabetes
    frame = pd.DataFrame({"code": code, "x": rng.normal(size=400) + 3 * code, "half": rng.choice([0.5, 1.5], 400)})
    few = pd.DataFrame({"code": code[:15], "x": frame["x"][:15]})  # 15 rows: too few to call two values a code
    gen = BFNGenerator(hidden_layer_sizes=(32,), max_iter=150, n_elbo_draws=8, random_state=0).fit(frame)
    assert gen.column_roles_ == {"code": "categorical", "x": "continuous", "half": "categorical"}
    sample = gen.sample(300, random_state=0)
    assert set(sample["code"]) <= {0.0507, -0.0446} and sample["code"].dtype == np.float64
    assert 0.25 < (sample["code"] > 0).mean() < 0.55
    assert gen.set_params(max_iter=5).fit(few).column_roles_["code"] == "continuous"
    spread = gen.set_params(max_iter=5, column_roles={"code": "continuous"}).fit(frame)
    assert spread.column_roles_["code"] == "continuous"  # the user's word wins


def test_integers_that_differ_by_chance_are_quantities_and_numbered_ones_are_keys():
    """Amounts in whole units, unique in every row of a small table, are not keys: their range makes equal
    values unlikely. Keys are numbered (a table's row numbers, or a sample of them) or named so."""
    rng = np.random.default_rng(4)
    n = 300
    frame = pd.DataFrame(
        {
            "income": np.round(100 * rng.lognormal(10.5, 0.6, n)).astype(np.int64),  # in cents: all distinct
            "order": rng.permutation(20 * n)[:n] + 100_000,  # a sample of numbered orders
            "row": np.arange(n),
            "AccountNo": rng.choice(10**9, n, replace=False),  # random account numbers: a key by its name
            "cents": [f"{v:,}" for v in np.round(rng.lognormal(12, 0.5, n)).astype(np.int64)],  # text, grouped
        }
    )
    assert frame["income"].is_unique and frame["cents"].is_unique  # as a small table's amounts often are
    gen = BFNGenerator(**{**SMALL, "max_iter": 5}, random_state=0).fit(frame)
    roles = {"income": "continuous", "order": "id", "row": "id", "AccountNo": "id", "cents": "continuous"}
    assert gen.column_roles_ == roles
    assert gen.set_params(column_roles={"income": "id"}).fit(frame).column_roles_["income"] == "id"  # the user's word


def test_an_object_column_of_other_objects_is_categorical_not_an_error():
    """A few times of day, each seen often, are categories (as codes are), as any other Python objects but numbers
    are, where they were read as numbers and failed."""
    import datetime
    import decimal

    rng = np.random.default_rng(5)
    n = 200
    frame = pd.DataFrame(
        {
            "opens": np.array([datetime.time(h, 30) for h in rng.choice([8, 9, 10], n)], dtype=object),
            "price": np.array([decimal.Decimal(f"{v:.2f}") for v in rng.uniform(1, 9, n)], dtype=object),
            "due": np.array([datetime.date(2024, 1, 31), 30] * (n // 2), dtype=object),  # a date or a day count
            "x": rng.normal(size=n),
        }
    )
    frame.loc[0, "opens"] = None
    gen = BFNGenerator(**{**SMALL, "max_iter": 5}, random_state=0).fit(frame)
    assert gen.column_roles_ == {"opens": "categorical", "price": "continuous", "due": "categorical", "x": "continuous"}
    sample = gen.sample(50, random_state=0)
    assert set(sample["opens"].dropna()) <= set(frame["opens"].dropna()) and set(sample["due"]) <= set(frame["due"])


def test_integer_codes_too_wide_for_bins_are_categories_and_quantities_stay_numbers():
    """Industry codes 541511, 722511 (and ones held as floats beside missing cells) were dequantised integers:
    two samples in three fell between the codes. A few values each seen often are categories; a quantity is not."""
    rng = np.random.default_rng(6)
    n = 400
    codes = np.array([541511, 541512, 722511, 445110, 236118])
    floats = rng.choice(codes, n).astype(np.float64)
    floats[rng.random(n) < 0.1] = np.nan
    frame = pd.DataFrame(
        {
            "naics": rng.choice(codes, n),
            "naics_f": floats,
            "employees": rng.integers(1, 5000, n),  # a quantity: many values over a wide span
            "x": rng.normal(size=n),
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 20}, random_state=0).fit(frame)
    roles = {"naics": "categorical", "naics_f": "categorical", "employees": "continuous", "x": "continuous"}
    assert gen.column_roles_ == roles
    sample = gen.sample(300, random_state=0)
    assert sample["naics"].isin(codes).all() and sample["naics"].dtype == np.int64
    assert sample["naics_f"].dropna().isin(codes).all() and sample["naics_f"].isna().any()
    narrow = frame.assign(naics=rng.integers(10, 15, n))  # a few neighbouring integers within max_bins: in bins
    assert gen.set_params(max_iter=5).fit(narrow).column_roles_["naics"] == "discretised"
    gapped = frame.assign(naics=frame["naics"] % 100)  # 10, 11, 12 and 18: no row holds 13 to 17, categories
    assert gen.set_params(max_iter=5).fit(gapped).column_roles_["naics"] == "categorical"
    # 30 merchant category codes far apart (84% of samples fell between them), and salaries a step or two apart
    mcc = np.sort(rng.choice(np.arange(1000, 9999), 30, replace=False))
    salaries = (30 + np.cumsum(rng.integers(1, 3, 30))) * 1000
    more = frame.assign(naics=rng.choice(mcc, n), employees=rng.choice(salaries, n))
    fitted = gen.set_params(max_iter=5).fit(more)
    assert fitted.column_roles_["naics"] == "categorical" and fitted.column_roles_["employees"] != "categorical"
    assert fitted.sample(300, random_state=0)["naics"].isin(mcc).all()


def test_a_few_levels_with_empty_steps_between_them_are_categories_and_samples_keep_to_them():
    """Copays of 0, 10, 20 and 50 were modelled in bins of 10: the flow, which orders its bins, drew 30s and 40s
    (17% of the samples of a clinic table). As categories, samples hold only the levels."""
    rng = np.random.default_rng(7)
    n = 600
    frame = pd.DataFrame(
        {
            "copay": rng.choice([0.0, 10.0, 20.0, 50.0], n),
            "stars": rng.integers(1, 6, n),  # every step held: a discretised column, as before
            "x": rng.normal(size=n),
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 30}, random_state=0).fit(frame)
    assert gen.column_roles_ == {"copay": "categorical", "stars": "discretised", "x": "continuous"}
    sample = gen.sample(500, random_state=0)
    assert sample["copay"].isin([0.0, 10.0, 20.0, 50.0]).all() and sample["copay"].dtype == np.float64
    forced = BFNGenerator(**{**SMALL, "max_iter": 30}, column_roles={"copay": "discretised"}, random_state=0)
    assert not forced.fit(frame).sample(500, random_state=0)["copay"].isin([0.0, 10.0, 20.0, 50.0]).all()


def test_object_columns_of_python_ints_and_decimals_come_back_in_their_type(tmp_path):
    """An object column of Python ints (beside None) or of Decimals (as database drivers give amounts) came back
    as floats, and its missing cells as NaN."""
    from decimal import Decimal

    rng = np.random.default_rng(7)
    n = 300
    ints = [int(v) if r > 0.2 else None for v, r in zip(rng.integers(0, 40, n), rng.random(n), strict=True)]
    frame = pd.DataFrame(
        {
            "ints": pd.Series(ints, dtype=object),
            "amount": pd.Series([Decimal(f"{v:.2f}") for v in rng.uniform(0, 100, n)], dtype=object),
            "mixed": pd.Series([1, 2.5] * (n // 2), dtype=object),  # ints beside floats: floats
            "x": rng.normal(size=n),
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 20}, random_state=0).fit(frame)
    skbfn.save(gen, tmp_path / "m.skbfn")
    for model in (gen, skbfn.load(tmp_path / "m.skbfn"), pickle.loads(pickle.dumps(gen))):
        sample = model.sample(200, random_state=0)
        observed = sample["ints"].dropna()
        assert sample["ints"].dtype == object and sample["ints"].isna().any()
        assert all(type(v) is int for v in observed) and all(v is None for v in sample["ints"][sample["ints"].isna()])
        assert all(type(v) is Decimal and v.as_tuple().exponent == -2 for v in sample["amount"])
        assert all(type(v) is float for v in sample["mixed"])
    np.testing.assert_allclose(gen.score_samples(frame[:20]), model.score_samples(frame[:20]))


def test_a_multiindex_header_comes_back_as_it_was(tmp_path):
    """Columns under a two-level header came back labelled by their text, "('num', 'a')", a header of one level."""
    rng = np.random.default_rng(8)
    n = 200
    frame = pd.DataFrame(
        {("num", "a"): rng.normal(size=n), ("num", "b"): rng.normal(size=n), ("kind", "c"): rng.choice(["x", "y"], n)}
    )
    assert isinstance(frame.columns, pd.MultiIndex)
    gen = BFNGenerator(**{**SMALL, "max_iter": 5}, column_roles={("kind", "c"): "categorical"}, random_state=0)
    gen.fit(frame)
    assert gen.column_roles_ == {("num", "a"): "continuous", ("num", "b"): "continuous", ("kind", "c"): "categorical"}
    skbfn.save(gen, tmp_path / "m.skbfn")
    for model in (gen, skbfn.load(tmp_path / "m.skbfn"), pickle.loads(pickle.dumps(gen))):
        sample = model.sample(20, given={("kind", "c"): "x"}, random_state=0)
        assert sample.columns.equals(frame.columns) and (sample[("kind", "c")] == "x").all()
        assert model.column_roles == {("kind", "c"): "categorical"}
    assert np.all(np.isfinite(gen.score_samples(frame[:5])))
