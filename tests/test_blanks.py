"""Cells that a category leaves blank in every training row stay blank in samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle

from skbfn import BFNGenerator
from skbfn._encoding.blanks import blanks_from_json
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=100, n_steps=10, n_elbo_draws=8)


def _orders(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(["delivered", "shipped", "cancelled"], n_rows, p=[0.6, 0.25, 0.15])
    rating = np.where(status == "delivered", rng.integers(1, 6, n_rows).astype(float), np.nan)
    rating[rng.random(n_rows) < 0.3] = np.nan  # some delivered orders are not rated either
    return pd.DataFrame({"status": status, "rating": rating, "amount": rng.lognormal(3, 0.5, n_rows).round(2)})


@pytest.fixture(scope="module")
def fitted():
    return BFNGenerator(**SMALL, random_state=0).fit(_orders())


def test_a_column_blank_for_some_categories_is_found_and_nothing_by_chance():
    X = _orders()
    encoder = TableEncoder(reproduce_missing=True).fit(X)
    categories = encoder.columns_[0].categories.tolist()
    assert [(b.column, b.by, [categories[c] for c in b.codes]) for b in encoder.blanks_] == [
        (1, 0, ["cancelled", "shipped"])
    ]
    rated = X.copy()
    rated.loc[X.index[X["status"] == "shipped"][0], "rating"] = 4.0  # one shipped order rated
    found = TableEncoder(reproduce_missing=True).fit(rated).blanks_
    assert [[categories[c] for c in b.codes] for b in found] == [["cancelled"]]
    rng = np.random.default_rng(1)
    chance = pd.DataFrame({"group": rng.choice(list("abcdefghij"), 60), "x": rng.normal(size=60)})
    chance.loc[rng.random(60) < 0.4, "x"] = np.nan  # missing at random: a small group may miss it by chance
    assert TableEncoder(reproduce_missing=True).fit(chance).blanks_ == []


def test_samples_leave_the_blank_cells_blank_and_given_cells_as_given(fitted):
    rows = fitted.sample(1000, random_state=0)
    assert rows.loc[rows["status"] != "delivered", "rating"].isna().all()
    assert rows.loc[rows["status"] == "delivered", "rating"].notna().mean() > 0.5
    given = fitted.sample(20, random_state=0, given={"status": "cancelled", "rating": 3.0})
    assert (given["rating"] == 3.0).all()  # a given cell is the caller's, even against the training rows
    assert fitted.column_relations_[-1] == "rating is missing where status is 'cancelled' or 'shipped'"


def test_the_model_alone_draws_some_of_them(fitted):
    """Without the blanks, the network rates a few orders that were never delivered: the test above can fail."""
    encoder = fitted.encoder_
    blanks, encoder.blanks_ = encoder.blanks_, ()
    try:
        rows = fitted.sample(3000, random_state=0)
    finally:
        encoder.blanks_ = blanks
    assert rows.loc[rows["status"] != "delivered", "rating"].notna().any()


def test_blanks_survive_save_load_and_pickle_and_bad_ones_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    encoder = fitted.encoder_
    document = encoder.blanks_[0].to_dict()
    assert blanks_from_json([document], encoder.columns_, encoder.indicators_) == list(encoder.blanks_)
    for corrupt in ({"codes": []}, {"codes": [9]}, {"codes": [1, 0]}, {"by": 1}, {"by": 2}, {"column": 0}):
        with pytest.raises(ValueError, match="invalid entry"):
            blanks_from_json([{**document, **corrupt}], encoder.columns_, encoder.indicators_)
    with pytest.raises(ValueError, match="twice"):
        blanks_from_json([document, document], encoder.columns_, encoder.indicators_)
