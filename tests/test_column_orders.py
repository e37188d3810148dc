"""Orders every training row keeps (a start before its end, an amount paid up to the amount due) hold in samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.orders import column_copies, column_orders
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)
N_ROWS = 1500


def _bills(n_rows: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, n_rows), "D")
    due = np.round(rng.lognormal(5, 1, n_rows), 2)
    paid = np.where(rng.random(n_rows) < 0.4, due, np.round(due * rng.beta(5, 1, n_rows), 2))
    return pd.DataFrame(
        {
            "opened": start,
            "closed": start + pd.to_timedelta(np.ceil(rng.gamma(1.5, 8, n_rows)), "D"),
            "due": due,
            "paid": paid,
            "age": rng.integers(18, 90, n_rows),
        }
    )


def _names(X: pd.DataFrame, orders) -> list[tuple[str, str]]:
    return [(X.columns[low], X.columns[high]) for low, high in orders]


@pytest.fixture(scope="module")
def bills():
    return _bills()


@pytest.fixture(scope="module")
def fitted(bills):
    return BFNGenerator(**SMALL, random_state=0).fit(bills)


def test_orders_kept_by_every_row_and_not_implied_by_the_ranges_are_found(bills):
    encoder = TableEncoder().fit(bills)
    assert _names(bills, encoder.orders_) == [("opened", "closed"), ("paid", "due")]
    # ranges alone: a column far below another in every row says nothing of their order
    apart = pd.DataFrame({"age": bills["age"], "due": bills["due"] + 1000})
    assert column_orders(TableEncoder().fit(apart).columns_, apart) == []


def test_chance_ties_and_other_units_make_no_order():
    rng = np.random.default_rng(0)
    low = rng.normal(0, 1, 25)
    # two independent columns that happen to be ordered in 25 rows, where 10% of pairs drawn apart are not
    chance = pd.DataFrame({"a": np.sort(low), "b": np.sort(low) + 2.6})
    assert column_orders(TableEncoder().fit(chance).columns_, chance) == []
    same = pd.DataFrame({"a": low, "b": low})  # identical columns: not an order
    assert column_orders(TableEncoder().fit(same).columns_, same) == []
    days = pd.DataFrame(
        {
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(200), "D"),
            "n": np.arange(200) * 1e20,  # larger than the dates' day counts, but not days
            "took": pd.to_timedelta(np.arange(200) + 20_000, "D"),  # a duration, not a date
        }
    )
    assert column_orders(TableEncoder().fit(days).columns_, days) == []


def test_a_time_of_day_before_a_date_is_an_order_across_their_units(tmp_path):
    """An order's timestamp (in seconds) before its shipping date (in days): compared in seconds, kept by every
    sample, written and read back."""
    rng = np.random.default_rng(1)
    ordered = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365 * 86_400, 600), "s")
    X = pd.DataFrame(
        {
            "ordered": ordered,
            "shipped": ordered.normalize() + pd.to_timedelta(rng.integers(1, 4, 600), "D"),
            "x": rng.normal(size=600),
        }
    )
    encoder = TableEncoder().fit(X)
    assert [c.time_unit for c in encoder.columns_[:2]] == ["s", "D"] and encoder.orders_ == [(0, 1)]
    gen = BFNGenerator(**dict(SMALL, max_iter=100), random_state=0).fit(X)
    rows = gen.sample(400, random_state=0)
    assert (rows["ordered"] <= rows["shipped"]).all()
    unbounded = BFNGenerator(**dict(SMALL, max_iter=100), enforce_bounds=False, random_state=0).fit(X)
    loose = unbounded.sample(400, random_state=0)
    assert (loose["ordered"] > loose["shipped"]).any()  # the model alone breaks it: the test above can fail
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_samples_keep_every_order_and_break_them_without_the_bounds(fitted, bills):
    sample = fitted.sample(2000, random_state=0)
    assert (sample["opened"] <= sample["closed"]).all() and (sample["paid"] <= sample["due"]).all()
    loose = BFNGenerator(**SMALL, random_state=0, enforce_bounds=False).fit(bills).sample(2000, random_state=0)
    assert (loose["paid"] > loose["due"]).mean() > 0.01  # what the model draws untruncated


def test_decoded_numbers_are_what_samples_hold(fitted):
    encoder = fitted.encoder_
    encoded = encoder.transform(fitted.sample(50, random_state=1))
    numbers = encoder.decoded_numbers(encoded, [2, 3])
    decoded = encoder.inverse_transform(encoded)
    np.testing.assert_allclose(numbers[2], decoded["due"].to_numpy(float))
    np.testing.assert_allclose(numbers[3], decoded["paid"].to_numpy(float))


def test_drawn_cells_keep_the_order_with_given_ones_and_imputed_ones_too(fitted, bills):
    given = pd.DataFrame({"due": [20.0, 50.0, 400.0] * 100})
    sample = fitted.sample(300, given=given, random_state=0)
    assert (sample["paid"] <= sample["due"]).all()
    holes = bills.copy()
    holes.loc[::5, "paid"] = np.nan
    imputer = BFNImputer(estimator=BFNGenerator(**SMALL, random_state=0), random_state=0, calibrate=False)
    filled = imputer.fit_transform(holes)
    assert (filled["paid"] <= filled["due"]).all()


def test_the_orders_survive_save_load_and_pickle_and_bad_ones_are_refused(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)
    doc = fitted.encoder_.to_dict()
    assert doc["orders"] == [[0, 1], [3, 2]]
    assert TableEncoder.from_dict(doc).orders_ == [(0, 1), (3, 2)]
    assert TableEncoder.from_dict({k: v for k, v in doc.items() if k != "orders"}).orders_ == []  # older files
    for bad in ([[0, 2]], [[2, 2]], [[3, 9]], [[3]], "0,1"):  # a date against an amount; itself; no column
        with pytest.raises(ValueError, match="column orders"):
            TableEncoder.from_dict({**doc, "orders": bad})


def test_a_column_equal_to_another_in_many_rows_is_a_copy_there_and_so_are_its_samples(fitted, bills):
    encoder = fitted.encoder_
    assert encoder.copies_ == [(3, 2)]  # paid copies due, in 40% of the rows
    sample = fitted.sample(3000, random_state=0)
    assert (sample["paid"] == sample["due"]).mean() == pytest.approx((bills["paid"] == bills["due"]).mean(), abs=0.08)
    rng = np.random.default_rng(0)
    apart = pd.DataFrame({"a": rng.normal(size=300).round(1), "b": rng.normal(size=300).round(1)})  # equal by chance
    assert column_copies(TableEncoder().fit(apart).columns_, apart) == []
    few = bills.assign(paid=np.where(np.arange(N_ROWS) < 0.05 * N_ROWS, bills["due"], bills["due"] * 0.9))
    assert column_copies(TableEncoder().fit(few).columns_, few) == []  # 5% of the rows: no copy


def test_a_copied_cell_scores_its_indicator_not_a_density(fitted, bills):
    encoder = fitted.encoder_
    rows = bills.iloc[:200]
    copied = encoder.copied_cells(encoder.transform(rows))
    paid = encoder.model_columns.index(3)
    np.testing.assert_array_equal(copied[:, paid], (rows["paid"] == rows["due"]).to_numpy())
    assert copied.sum() == copied[:, paid].sum()  # no other cell
    # the row's log-Jacobian leaves the copied cell out: a probability, not a density in the column's units
    scaled = rows.assign(paid=rows["paid"] * 1.0, due=rows["due"])
    jacobian = encoder.row_log_jacobian(scaled)
    alone = encoder.row_log_jacobian(scaled.assign(paid=scaled["paid"] + 0.01))
    equal = (rows["paid"] == rows["due"]).to_numpy()
    assert np.all(jacobian[equal] != alone[equal]) and np.allclose(jacobian[~equal], alone[~equal], atol=1e-9)
    assert np.isfinite(fitted.score_samples(rows)).all()


def test_copies_are_checked_when_read():
    doc = TableEncoder().fit(_bills(200)).to_dict()
    assert doc["copies"] == [[3, 2]] and TableEncoder.from_dict(doc).copies_ == [(3, 2)]
    assert TableEncoder.from_dict({k: v for k, v in doc.items() if k != "copies"}).copies_ == []  # older files
    for bad in ([[3, 2], [3, 2]], [[3, 0]], [[3, 3]], [[3, 2], [4, 3]]):  # twice; a date; itself; a chain
        with pytest.raises(ValueError, match="column copies"):
            TableEncoder.from_dict({**doc, "copies": bad})


def test_the_imputer_fills_a_missing_source_from_its_given_copy(bills):
    holes = bills.copy()
    holes.loc[::4, "due"] = np.nan  # paid known, due to fill
    # drawn fills (a point estimate takes each indicator's mode, and copies are in 40% of the rows)
    imputer = BFNImputer(
        estimator=BFNGenerator(**SMALL, random_state=0), sample_posterior=True, random_state=0, calibrate=False
    )
    filled = imputer.fit_transform(holes)
    rows = holes["due"].isna()
    assert (filled.loc[rows, "paid"] == holes.loc[rows, "paid"]).all()  # given cells stay
    copied = (filled.loc[rows, "due"] == filled.loc[rows, "paid"]).mean()
    assert copied == pytest.approx((bills["paid"] == bills["due"]).mean(), abs=0.15)
    assert (filled["paid"] <= filled["due"]).all()
