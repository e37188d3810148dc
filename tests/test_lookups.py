"""Columns that another column's value determines (a borough from its zone, a town from its port's code) agree
with it in samples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.lookups import Lookup, _chance, _Groups, column_lookups, with_lookups_kept
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)
ZONES = {f"zone {k}": ("Manhattan", "Queens", "Brooklyn", "Bronx")[k % 4] for k in range(24)}
REGION = {"Manhattan": "core", "Queens": "outer", "Brooklyn": "outer", "Bronx": "outer"}
PORTS = {"S": "Southampton", "C": "Cherbourg", "Q": "Queenstown"}


def _trips(n_rows: int = 1200, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    zone = rng.choice(list(ZONES), n_rows)
    port = rng.choice(list(PORTS), n_rows, p=[0.7, 0.2, 0.1])
    borough = pd.Series(zone).map(ZONES)
    return pd.DataFrame(
        {
            "zone": zone,
            "borough": borough.where(rng.random(n_rows) > 0.1),  # a tenth missing: an indicator
            "region": borough.map(REGION),
            "port": port,
            "town": pd.Series(port).map(PORTS),
            "fare": rng.gamma(2.0, 8.0, n_rows).round(2),
            "party": rng.integers(1, 5, n_rows),
        }
    )


def _breaks(sample: pd.DataFrame, key: str, column: str, mapping: dict) -> np.ndarray:
    both = sample[key].notna() & sample[column].notna()
    return (sample.loc[both, key].map(mapping) != sample.loc[both, column]).to_numpy()


@pytest.fixture(scope="module")
def trips():
    return _trips()


@pytest.fixture(scope="module")
def fitted(trips):
    return BFNGenerator(**SMALL, random_state=0).fit(trips)


def _found(X: pd.DataFrame) -> set[tuple[str, str]]:
    lookups = column_lookups(TableEncoder().fit(X).columns_, X)
    return {(X.columns[lookup.by], X.columns[lookup.column]) for lookup in lookups}


def test_lookups_are_found_once_each_without_the_ones_a_chain_implies(trips):
    # the region follows from the zone through the borough; port and town determine each other: one lookup
    assert _found(trips) == {("zone", "borough"), ("borough", "region"), ("port", "town")}
    lookup = column_lookups(TableEncoder().fit(trips).columns_, trips)[0]
    encoder = TableEncoder().fit(trips)
    keys = encoder.columns_[lookup.by].categories[np.asarray(lookup.keys, dtype=int)]
    values = encoder.columns_[lookup.column].categories[np.asarray(lookup.values, dtype=int)]
    assert dict(zip(keys, values, strict=True)) == ZONES


def test_no_lookup_where_the_rows_agree_by_chance_or_a_partition_holds_it():
    rng = np.random.default_rng(0)
    few = pd.DataFrame({"a": rng.choice(list("abcdefghij"), 12), "b": rng.choice(["x", "y"], 12)})
    few["b"] = few.groupby("a")["b"].transform("first")  # a lookup, but 12 rows in 10 values: chance
    assert _found(few) == set()
    many = pd.concat([few] * 10, ignore_index=True)
    assert _found(many) == {("a", "b")}
    age = rng.integers(18, 90, 400)
    people = pd.DataFrame({"age": age, "group": np.where(age < 40, "young", "old"), "x": rng.normal(size=400)})
    assert TableEncoder().fit(people).partitions_ and _found(people) == set()  # a partition holds it already


def test_the_chance_of_a_lookup_is_the_product_over_keys_of_the_chance_its_rows_agree():
    by = np.array([0, 0, 0, 1, 1, -1])
    held = np.array([0, 0, 0, 1, 1, 1])  # shares 3/5 and 2/5 in the rows holding both
    expected = math.log((0.6**3 + 0.4**3) * (0.6**2 + 0.4**2))
    assert _chance(by, held) == pytest.approx(expected)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 4), st.integers(-1, 3)), min_size=1, max_size=40),
)
def test_groups_determine_exactly_where_every_key_goes_with_one_value(rows):
    by, held = (np.array(column) for column in zip(*rows, strict=True))
    seen: dict[int, set[int]] = {}
    for key, value in zip(by, held, strict=True):
        if key >= 0 and value >= 0:
            seen.setdefault(int(key), set()).add(int(value))
    assert _Groups.of(by).determine(held) == (bool(seen) and all(len(v) == 1 for v in seen.values()))


def test_a_lookup_breaks_another_value_beside_a_listed_key_only():
    lookup = Lookup(column=1, by=0, keys=(0.0, 2.0, 5.0), values=(1.0, 0.0, 1.0))
    by = np.array([0.0, 0.0, 2.0, 5.0, 3.0, np.nan, 2.0])
    held = np.array([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, np.nan])  # key 3 unlisted; a missing cell breaks nothing
    assert lookup.broken({0: by, 1: held}).tolist() == [False, True, True, False, False, False, False]


def test_samples_keep_every_lookup_and_their_missing_cells(fitted, trips):
    assert {"borough determined by zone", "region determined by borough", "town determined by port"} <= set(
        fitted.column_relations_
    )
    sample = fitted.sample(2000, random_state=0)
    assert not _breaks(sample, "zone", "borough", ZONES).any()
    assert not _breaks(sample, "borough", "region", REGION).any()
    assert not _breaks(sample, "port", "town", PORTS).any()
    assert abs(sample["borough"].isna().mean() - trips["borough"].isna().mean()) < 0.04
    loose = BFNGenerator(**SMALL, random_state=0, enforce_bounds=False).fit(trips).sample(2000, random_state=0)
    assert _breaks(loose, "zone", "borough", ZONES).mean() > 0.005  # what the model draws untruncated


def test_drawn_cells_agree_with_given_ones(fitted, trips):
    sample = fitted.sample(300, given={"borough": "Queens"}, random_state=0)
    assert (sample["zone"].map(ZONES) == "Queens").all()
    sample = fitted.sample(300, given=pd.DataFrame({"town": ["Cherbourg", "Queenstown"] * 150}), random_state=0)
    assert (sample["port"].map(PORTS) == sample["town"]).all()
    holes = trips.iloc[:300].copy()
    holes.loc[holes.index[::2], "zone"] = np.nan
    holes.loc[holes.index[1::2], "town"] = np.nan
    imputed = BFNImputer(estimator=BFNGenerator(**SMALL, random_state=0)).fit(trips).transform(holes)
    assert not _breaks(imputed, "zone", "borough", ZONES).any() and not _breaks(imputed, "port", "town", PORTS).any()


def test_lookups_survive_save_load_and_pickle_and_bad_ones_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    doc = fitted.encoder_.to_dict()
    assert TableEncoder.from_dict(doc).lookups_ == fitted.encoder_.lookups_
    assert TableEncoder.from_dict({k: v for k, v in doc.items() if k != "lookups"}).lookups_ == []  # older
    good = doc["lookups"][0]
    fare = list(fitted.feature_names_in_).index("fare")
    for bad in (
        {**good, "values": good["values"][:-1]},  # one value short
        {**good, "keys": good["keys"][::-1]},  # unsorted
        {**good, "by": good["column"]},  # by itself
        {**good, "by": fare},  # a real column determines nothing here
        {**good, "extra": 1},
    ):
        with pytest.raises(ValueError, match="lookups"):
            TableEncoder.from_dict({**doc, "lookups": [bad]})


def test_point_estimates_take_the_value_their_key_determines_in_integer_and_text_columns():
    rng = np.random.default_rng(0)
    zone_id = rng.integers(0, 24, 600)
    state = rng.choice(["Ohio", "Utah", "Iowa"], 600)
    fips = {"Ohio": 39, "Utah": 49, "Iowa": 19}
    X = pd.DataFrame({"zone_id": zone_id, "borough": [ZONES[f"zone {k}"] for k in zone_id], "state": state}).assign(
        fips=lambda t: t["state"].map(fips)
    )
    encoder = TableEncoder().fit(X)
    assert {lookup.describe(list(X.columns)) for lookup in encoder.lookups_} == {
        "borough determined by zone_id",  # integer keys in no intervals: no partition
        "fips determined by state",  # an integer value
    }
    rows = encoder.transform(X.iloc[:50])
    given = rows.copy()
    scrambled = rows.copy()
    for name in ("borough", "fips"):
        position = encoder.model_columns.index(list(X.columns).index(name))
        given[:, position] = np.nan
        scrambled[:, position] = scrambled[::-1, position]  # another row's value: most break the lookup
    kept = with_lookups_kept(encoder, scrambled, given)
    assert encoder.inverse_transform(kept).equals(X.iloc[:50].reset_index(drop=True))
    assert encoder.inverse_transform(with_lookups_kept(encoder, scrambled, rows))["fips"].tolist() == (
        X["fips"].iloc[:50][::-1].tolist()  # given cells stay as they are
    )
