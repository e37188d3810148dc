"""Columns computed from two others (a total, an amount, an end date) add up in samples, scores and imputations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle, sample_without
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.arithmetic import Arithmetic, arithmetic_from_json
from skbfn._encoding.arithmetic_search import column_arithmetic
from skbfn._encoding.relations import describe_relations
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)


def _orders(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    price = rng.choice([4.99, 9.99, 14.5, 49.0], n_rows)
    quantity = rng.integers(1, 6, n_rows)
    amount = np.round(price * quantity, 2)
    tax = np.round(amount * 0.2, 2)
    discount = np.where(rng.random(n_rows) < 0.5, 0.0, np.round(rng.uniform(1, 5, n_rows), 2))
    start = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n_rows), "D")
    days = pd.to_timedelta(rng.integers(1, 30, n_rows), "D")
    return pd.DataFrame(
        {
            "price": price,
            "quantity": quantity,
            "amount": amount,
            "tax": tax,
            "total": np.round(amount + tax, 2),
            "discount": discount,
            "net": np.round(amount + tax - discount, 2),
            "start": start,
            "days": days,
            "end": start + days,
            "score": rng.normal(size=n_rows).round(3),
        }
    )


def _adds_up(rows: pd.DataFrame) -> dict[str, float]:
    return {
        "amount": float(np.mean(np.isclose(rows["amount"], (rows["price"] * rows["quantity"]).round(2)))),
        "total": float(np.mean(np.isclose(rows["total"], rows["amount"] + rows["tax"]))),
        "net": float(np.mean(np.isclose(rows["net"], rows["total"] - rows["discount"]))),
        "tax": float(np.mean(np.isclose(rows["tax"], (rows["amount"] * 0.2).round(2)))),
        "end": float(np.mean(rows["end"] == rows["start"] + rows["days"])),
    }


@pytest.fixture(scope="module")
def orders():
    return _orders()


@pytest.fixture(scope="module")
def fitted(orders):
    return BFNGenerator(**SMALL, random_state=0).fit(orders)


def test_sums_differences_products_rates_and_end_dates_are_found_and_nothing_else(orders):
    found = column_arithmetic(TableEncoder().fit(orders).columns_, orders)
    named = {
        orders.columns[r.column]: (
            orders.columns[r.left],
            r.operation,
            r.factor if r.right is None else orders.columns[r.right],
        )
        for r in found
    }
    assert named == {
        "amount": ("price", "*", "quantity"),
        "tax": ("amount", "scale", 0.2),  # a rate, found as short a decimal as fits
        "total": ("amount", "+", "tax"),
        "net": ("total", "-", "discount"),
        "end": ("start", "+", "days"),
    }


def test_arithmetic_broken_in_one_row_or_too_likely_by_chance_is_not_found(orders):
    broken = orders.copy()
    broken.loc[7, "total"] += 0.01
    found = column_arithmetic(TableEncoder().fit(broken).columns_, broken)
    assert "total" not in {broken.columns[r.column] for r in found}
    a, b = np.zeros(25, dtype=int), np.zeros(25, dtype=int)
    a[0], b[-1] = 1, 1
    nearly_constant = pd.DataFrame({"a": a, "b": b, "c": a + b, "d": np.arange(25)})  # 23 of 25 sums are 0 + 0
    assert column_arithmetic(TableEncoder().fit(nearly_constant).columns_, nearly_constant) == []
    few = orders.iloc[:15]
    assert column_arithmetic(TableEncoder().fit(few).columns_, few) == []


def test_samples_add_up(fitted):
    rows = fitted.sample(400, random_state=0)
    assert _adds_up(rows) == dict.fromkeys(_adds_up(rows), 1.0)


def test_the_model_alone_does_not_add_up(fitted):
    """Without the arithmetic, the network draws totals apart from their terms: the test above can fail."""
    rows = sample_without(fitted, "arithmetic_", 400)
    assert _adds_up(rows)["total"] < 0.5


def test_a_result_is_certain_given_its_terms_and_one_that_does_not_add_up_impossible(fitted, orders):
    rows = orders.iloc[:20]
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()
    without = rows.assign(total=np.nan, amount=np.nan, tax=np.nan, net=np.nan, end=pd.NaT)
    np.testing.assert_allclose(fitted.score_samples(without), scores, rtol=1e-6)
    wrong = rows.assign(total=rows["total"] + 0.01)
    assert np.all(fitted.score_samples(wrong) == -np.inf)


def test_the_imputer_solves_a_given_total_for_its_missing_term(orders):
    holes = orders.copy()
    holes.loc[:39, "tax"] = np.nan  # total given: tax = total - amount (and 0.2 amount)
    holes.loc[40:79, "total"] = np.nan  # terms given: total = amount + tax
    holes.loc[80:119, "discount"] = np.nan  # net given: discount = total - net
    imputer = BFNImputer(BFNGenerator(**SMALL, random_state=0), random_state=0).fit(holes)
    filled = imputer.transform(holes)
    pd.testing.assert_frame_equal(filled.iloc[120:], orders.iloc[120:], check_dtype=False)
    for column in ("tax", "total", "discount"):
        np.testing.assert_allclose(filled[column][:120], orders[column][:120], atol=1e-9)


def test_samples_survive_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


def test_written_arithmetic_is_read_back_and_bad_entries_refused(fitted):
    encoder = fitted.encoder_
    documents = [r.to_dict() for r in encoder.arithmetic_]
    assert arithmetic_from_json(documents, encoder.columns_) == list(encoder.arithmetic_)
    end = next(d for d in documents if d["column"] == 9)
    with pytest.raises(ValueError, match="mixes units"):
        arithmetic_from_json([{**end, "operation": "*"}], encoder.columns_)
    with pytest.raises(ValueError, match="invalid entry"):
        arithmetic_from_json([{**documents[0], "left": documents[0]["column"]}], encoder.columns_)
    with pytest.raises(ValueError, match="twice"):
        arithmetic_from_json([documents[0], documents[0]], encoder.columns_)


def test_results_are_computed_in_the_columns_own_values():
    relation = Arithmetic(2, 0, 1, "-")
    np.testing.assert_array_equal(relation.result(np.array([5.0, 1.0]), np.array([2.0, 3.0])), [3.0, -2.0])
    rate = Arithmetic(1, 0, None, "scale", 0.25)
    assert rate.terms == (0,)
    np.testing.assert_array_equal(rate.result(np.array([4.0, -8.0])), [1.0, -2.0])


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    operation=st.sampled_from(["+", "-", "*", "scale"]),
    decimals=st.integers(0, 3),
    missing=st.floats(0.0, 0.3),
)
def test_an_exact_result_of_two_columns_with_holes_is_found(seed, operation, decimals, missing):
    rng = np.random.default_rng(seed)
    n_rows = 200
    left = np.round(rng.uniform(-100, 100, n_rows), decimals)
    right = np.round(rng.uniform(1, 50, n_rows), decimals)
    result = {"+": left + right, "-": left - right, "*": left * right, "scale": 0.35 * left}[operation]
    X = pd.DataFrame({"left": left, "noise": rng.normal(size=n_rows), "right": right, "result": result})
    X = X.round({"result": decimals})
    X.loc[rng.random(n_rows) < missing, "result"] = np.nan
    found = column_arithmetic(TableEncoder().fit(X).columns_, X)
    right = None if operation == "scale" else 2
    assert [(r.column, r.left, r.right, r.operation) for r in found] == [(3, 0, right, operation)]
    if operation == "scale":  # to the result's decimals, the factor may be any in an interval around 0.35
        assert abs(found[0].factor - 0.35) <= 0.5 * 10.0**-decimals / np.nanmax(np.abs(left)) + 1e-9


def test_a_date_in_days_plus_a_duration_in_hours_is_an_instant_in_hours():
    rng = np.random.default_rng(0)
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300, 200), "D")
    hours = pd.to_timedelta(rng.integers(1, 72, 200), "h")
    X = pd.DataFrame({"start": start, "hours": hours, "end": start + hours})
    encoder = TableEncoder().fit(X)
    assert [c.time_unit for c in encoder.columns_] == ["D", "h", "h"]
    assert [(r.column, r.left, r.operation, r.right) for r in encoder.arithmetic_] == [(2, 0, "+", 1)]
    assert (
        TableEncoder().fit(X.assign(end=X["end"] + pd.to_timedelta((X.index == 5).astype(int), "h"))).arithmetic_ == []
    )


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=20), unit=st.sampled_from(["D", "h", "min", "s"])
)
def test_times_read_in_seconds_come_back_as_the_same_counts(counts, unit):
    from skbfn._encoding.arithmetic import _as_numbers
    from skbfn._encoding.orders import comparable_numbers

    X = pd.DataFrame({"t": pd.Timestamp("2000-01-01 09:00") + pd.to_timedelta(np.arange(30) * 2, unit)})
    column = TableEncoder().fit(X).columns_[0]
    numbers = np.asarray(counts, dtype=float)
    np.testing.assert_array_equal(_as_numbers(column, comparable_numbers(column, numbers)), numbers)


def test_the_relations_are_listed_in_words_and_only_after_fit(fitted):
    assert fitted.column_relations_ == [
        "amount = price * quantity",
        "tax = 0.2 * amount",
        "total = amount + tax",
        "net = total - discount",
        "end = start + days",
    ]
    assert not hasattr(BFNGenerator(), "column_relations_")


def test_sampling_given_a_total_and_its_amount_draws_the_tax_they_leave_and_the_net_of_the_total(fitted):
    rows = fitted.sample(50, random_state=0, given={"total": 60.0, "amount": 50.0})
    assert (rows["tax"] == 10.0).all() and (rows["total"] == 60.0).all()
    agree = _adds_up(rows)
    assert agree["amount"] < 1.0  # a given product is not solved: the price and quantity are drawn
    assert {k: v for k, v in agree.items() if k != "amount"} == dict.fromkeys(set(agree) - {"amount"}, 1.0)


def _stays(n_rows: int = 500, seed: int = 0, stay_first: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visit = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n_rows), "D")
    stay = rng.geometric(0.3, n_rows)  # days, as a plain integer
    X = pd.DataFrame({"visit": visit, "discharge": visit + pd.to_timedelta(stay, "D"), "stay": stay})
    X["cost"] = np.round(rng.lognormal(6, 0.5, n_rows) * stay, 2)
    return X[["visit", "stay", "discharge", "cost"]] if stay_first else X


@pytest.mark.parametrize("stay_first", [False, True])
def test_a_date_plus_a_number_of_days_is_found_as_the_later_date_in_either_column_order(stay_first):
    X = _stays(stay_first=stay_first)
    encoder = TableEncoder().fit(X)
    names = list(X.columns)
    assert [r.describe(names) for r in encoder.arithmetic_] == ["discharge = visit + stay (numbers in days)"]
    hours = X.assign(discharge=X["visit"] + pd.to_timedelta(X["stay"] * 24, "h") + pd.to_timedelta(1, "h"))
    assert TableEncoder().fit(hours).arithmetic_ == []  # a day and an hour is no whole number of any unit
    in_hours = X.assign(discharge=X["visit"] + pd.to_timedelta(X["stay"], "h"))
    assert [r.unit for r in TableEncoder().fit(in_hours).arithmetic_] == ["h"]
    broken = X.copy()
    broken.loc[3, "stay"] += 1
    assert TableEncoder().fit(broken).arithmetic_ == []


@pytest.fixture(scope="module")
def stays_fitted():
    return BFNGenerator(**SMALL, random_state=0).fit(_stays())


def test_samples_draw_the_number_of_days_and_compute_the_later_date(stays_fitted):
    X = _stays()
    rows = stays_fitted.sample(400, random_state=0)
    assert ((pd.to_datetime(rows["discharge"]) - pd.to_datetime(rows["visit"])).dt.days == rows["stay"]).all()
    assert rows["stay"].between(X["stay"].min(), X["stay"].max()).all()  # drawn in its own right: no stay of 0
    scores = stays_fitted.score_samples(X.iloc[:20])
    assert np.isfinite(scores).all()
    shifted = X.iloc[:20].assign(discharge=X["discharge"].iloc[:20] + pd.to_timedelta(1, "D"))
    assert np.all(stays_fitted.score_samples(shifted) == -np.inf)


def test_the_imputer_solves_a_stay_from_its_dates_and_a_date_from_its_stay():
    X = _stays()
    holes = X.copy()
    holes.loc[:39, "stay"] = np.nan
    holes.loc[40:79, "discharge"] = pd.NaT
    filled = BFNImputer(BFNGenerator(**SMALL, random_state=0), random_state=0).fit(holes).transform(holes)
    np.testing.assert_array_equal(filled["stay"][:80].to_numpy(dtype=float), X["stay"][:80].to_numpy(dtype=float))
    assert (pd.to_datetime(filled["discharge"][:80]) == X["discharge"][:80]).all()


def test_a_counted_unit_is_written_read_back_and_checked(stays_fitted):
    encoder = stays_fitted.encoder_
    (document,) = [r.to_dict() for r in encoder.arithmetic_]
    assert document == {"column": 1, "left": 0, "right": 2, "operation": "+", "unit": "D"}  # discharge, visit, stay
    assert arithmetic_from_json([document], encoder.columns_) == list(encoder.arithmetic_)
    with pytest.raises(ValueError, match="invalid entry"):
        arithmetic_from_json([{**document, "unit": "week"}], encoder.columns_)
    with pytest.raises(ValueError, match="mixes units"):  # a date plus a plain number needs a unit
        arithmetic_from_json([{k: v for k, v in document.items() if k != "unit"}], encoder.columns_)
    reads_later = Arithmetic(2, 1, 0, "-", unit="D")  # the stay, from the dates, after the discharge read it
    with pytest.raises(ValueError, match="after a relation that reads it"):
        arithmetic_from_json([document, reads_later.to_dict()], encoder.columns_)


def _invoices(n_rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    invoice = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n_rows), "D")
    low = np.round(rng.normal(50, 10, n_rows), 1)
    return pd.DataFrame(
        {"invoice": invoice, "due": invoice + pd.Timedelta(30, "D"), "low": low, "high": np.round(low + 5.5, 1)}
    )


def test_a_column_that_is_another_plus_a_fixed_offset_is_found_first_column_or_not():
    X = _invoices()
    encoder = TableEncoder().fit(X)
    assert describe_relations(encoder) == ["due = invoice + 30 days", "high = low + 5.5"]
    copied = X.assign(due=X["invoice"])  # an offset of 0 is a copy, not arithmetic
    assert "due" not in [copied.columns[r.column] for r in TableEncoder().fit(copied).arithmetic_]
    broken = X.copy()
    broken.loc[5, "high"] += 0.1
    assert [broken.columns[r.column] for r in TableEncoder().fit(broken).arithmetic_] == ["due"]


def test_samples_keep_the_offset_the_imputer_solves_it_and_files_keep_it():
    X = _invoices()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    rows = gen.sample(300, random_state=0)
    assert (rows["due"] == rows["invoice"] + pd.Timedelta(30, "D")).all()
    assert np.allclose(rows["high"], rows["low"] + 5.5)
    holes = X.copy()
    holes.loc[:29, "invoice"] = pd.NaT
    holes.loc[30:59, "high"] = np.nan
    filled = BFNImputer(BFNGenerator(**SMALL, random_state=0), random_state=0).fit(holes).transform(holes)
    assert (pd.to_datetime(filled["invoice"][:30]) == X["invoice"][:30]).all()
    np.testing.assert_allclose(filled["high"][30:60], X["high"][30:60])
    documents = [r.to_dict() for r in gen.encoder_.arithmetic_]
    assert documents[0] == {"column": 1, "left": 0, "right": None, "operation": "shift", "offset": 30 * 86_400.0}
    assert arithmetic_from_json(documents, gen.encoder_.columns_) == list(gen.encoder_.arithmetic_)
    for offset in (0, float("nan"), "30"):
        with pytest.raises(ValueError, match="invalid entry"):
            arithmetic_from_json([{**documents[0], "offset": offset}], gen.encoder_.columns_)


def _bodies(n_rows: int = 500, seed: int = 0) -> pd.DataFrame:
    """Weights in kg, heights in cm, the body mass index to one decimal, and a price per unit."""
    rng = np.random.default_rng(seed)
    weight = np.round(rng.normal(75, 12, n_rows), 1)
    height = np.round(rng.normal(170, 9, n_rows))
    total = np.round(rng.uniform(5, 500, n_rows), 2)
    quantity = rng.integers(1, 20, n_rows)
    return pd.DataFrame(
        {
            "weight": weight,
            "height": height,
            "bmi": np.round(10_000 * weight / height**2, 1),
            "total": total,
            "quantity": quantity,
            "unit_price": np.round(total / quantity, 2),
        }
    )


def test_a_ratio_of_two_columns_the_second_maybe_squared_is_found_with_its_factor():
    X = _bodies()
    encoder = TableEncoder().fit(X)
    assert describe_relations(encoder) == ["bmi = 10000 * weight / height^2", "unit_price = total / quantity"]
    bmi, unit_price = encoder.arithmetic_
    assert (bmi.operation, bmi.factor, bmi.power) == ("/", 10_000, 2)
    assert (unit_price.operation, unit_price.factor, unit_price.power) == ("/", None, None)
    broken = X.copy()
    broken.loc[3, "bmi"] += 0.2  # one row that does not divide
    assert describe_relations(TableEncoder().fit(broken)) == ["unit_price = total / quantity"]
    shuffled = X.assign(bmi=X["bmi"].sample(frac=1, random_state=0).to_numpy())
    assert describe_relations(TableEncoder().fit(shuffled)) == ["unit_price = total / quantity"]


def test_ratios_divide_by_zero_into_no_result():
    ratio = Arithmetic(2, 0, 1, "/", 10.0, power=2)
    np.testing.assert_array_equal(ratio.result(np.array([8.0, 1.0]), np.array([2.0, 0.0])), [20.0, np.nan])


def test_samples_keep_ratios_and_files_keep_them():
    X = _bodies()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    rows = gen.sample(300, random_state=0)
    np.testing.assert_allclose(rows["bmi"], np.round(10_000 * rows["weight"] / rows["height"] ** 2, 1))
    np.testing.assert_allclose(rows["unit_price"], np.round(rows["total"] / rows["quantity"], 2))
    scores = gen.score_samples(X.iloc[:5])
    assert np.isfinite(scores).all()
    assert np.isneginf(gen.score_samples(X.iloc[:5].assign(bmi=X["bmi"][:5] + 1))).all()  # does not divide
    documents = [r.to_dict() for r in gen.encoder_.arithmetic_]
    assert documents[0] == {"column": 2, "left": 0, "right": 1, "operation": "/", "factor": 10_000, "power": 2}
    assert arithmetic_from_json(documents, gen.encoder_.columns_) == list(gen.encoder_.arithmetic_)
    for corrupt in ({"power": 3}, {"power": 1}, {"factor": 0}, {"power": "2"}):
        with pytest.raises(ValueError, match="invalid entry"):
            arithmetic_from_json([{**documents[0], **corrupt}], gen.encoder_.columns_)
