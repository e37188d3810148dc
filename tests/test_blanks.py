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


def _sampled_without_blanks(gen: BFNGenerator, n_samples: int) -> pd.DataFrame:
    """What the model alone draws: ``gen``'s samples with its encoder's blanks set aside for the call."""
    encoder = gen.encoder_
    blanks, encoder.blanks_ = encoder.blanks_, ()
    try:
        return gen.sample(n_samples, random_state=0)
    finally:
        encoder.blanks_ = blanks


def test_the_model_alone_draws_some_of_them(fitted):
    """Without the blanks, the network rates a few orders that were never delivered: the test above can fail."""
    rows = _sampled_without_blanks(fitted, 3000)
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


def _patients(n_rows: int = 1200, seed: int = 0) -> pd.DataFrame:
    """A lab panel drawn for some patients only (its results missing together) and an address block."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "age": rng.integers(18, 90, n_rows).astype(float),
            "glucose": rng.normal(100, 15, n_rows).round(1),
            "hba1c": rng.normal(5.5, 0.6, n_rows).round(1),
            "insulin": rng.gamma(3, 5, n_rows).round(1),
            "city": rng.choice(["Springfield", "Shelbyville", "Ogdenville"], n_rows),
            "street": rng.choice([f"{k} Main St" for k in range(12)], n_rows),
        }
    )
    X.loc[rng.random(n_rows) < 0.3, ["glucose", "hba1c", "insulin"]] = np.nan
    X.loc[rng.random(n_rows) < 0.15, "insulin"] = np.nan  # insulin alone missing too: no blank by insulin
    X.loc[rng.random(n_rows) < 0.2, ["city", "street"]] = np.nan
    return X


def _partly_missing(rows: pd.DataFrame, columns: list[str]) -> float:
    missing = rows[columns].isna()
    return float((missing.any(axis=1) & ~missing.all(axis=1)).mean())


def test_columns_missing_together_are_found_and_sampled_missing_together():
    X = _patients()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    found = {line for line in gen.column_relations_ if line.endswith("is missing")}
    assert found == {
        "glucose is missing where hba1c is missing",
        "hba1c is missing where glucose is missing",
        "insulin is missing where glucose is missing",
        "insulin is missing where hba1c is missing",
        "city is missing where street is missing",
        "street is missing where city is missing",
    }
    rows = gen.sample(3000, random_state=0)
    assert _partly_missing(rows, ["glucose", "hba1c"]) == 0 and _partly_missing(rows, ["city", "street"]) == 0
    assert (rows["insulin"].isna() | rows["glucose"].notna()).all()
    assert rows["insulin"].isna().mean() > rows["glucose"].isna().mean() + 0.05  # insulin alone still missing
    assert abs(rows["city"].isna().mean() - X["city"].isna().mean()) < 0.06
    given = gen.sample(200, random_state=0, given={"street": "3 Main St"})
    assert given["city"].notna().mean() > 0.5  # a given street leaves its city to the model
    alone = _sampled_without_blanks(gen, 3000)
    assert _partly_missing(alone, ["glucose", "hba1c"]) + _partly_missing(alone, ["city", "street"]) > 0


def test_cells_missing_at_random_are_not_blank_together_and_documents_are_checked():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(800, 3)), columns=["a", "b", "c"])
    for column in X:
        X.loc[rng.random(800) < 0.2, column] = np.nan
    encoder = TableEncoder(reproduce_missing=True).fit(X)
    assert encoder.blanks_ == []
    encoder = TableEncoder(reproduce_missing=True).fit(_patients())
    together = [b for b in encoder.blanks_ if b.where_missing]
    document = together[0].to_dict()
    assert document["missing"] is True and document["codes"] == []
    assert blanks_from_json([document], encoder.columns_, encoder.indicators_) == [together[0]]
    for corrupt in ({"codes": [0]}, {"missing": False}, {"missing": 1}, {"by": 0}):  # age has no missing cell
        with pytest.raises(ValueError, match="invalid entry"):
            blanks_from_json([{**document, **corrupt}], encoder.columns_, encoder.indicators_)
