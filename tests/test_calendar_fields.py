"""Columns that a date determines (a weekday, a month name, a quarter) agree with their date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle, sample_without
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.calendar_fields import (
    CalendarField,
    _nearest_with_fields,
    calendar_fields_from_json,
    column_calendar_fields,
    field_values,
)
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)


def _orders(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    date = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n_rows), "D")
    return pd.DataFrame(
        {
            "date": date,
            "amount": rng.lognormal(3, 1, n_rows).round(2),
            "weekday": date.day_name(),
            "month": date.strftime("%b"),
            "month_number": date.month,
            "quarter": [f"Q{q}" for q in date.quarter],
            "weekend": date.day_of_week >= 5,
            "colour": rng.choice(["red", "blue", "green"], n_rows),
        }
    )


def _fields_agree(rows: pd.DataFrame) -> dict[str, float]:
    date = pd.DatetimeIndex(rows["date"])
    return {
        "weekday": float(np.mean(rows["weekday"].to_numpy() == date.day_name())),
        "month": float(np.mean(rows["month"].to_numpy() == date.strftime("%b"))),
        "month_number": float(np.mean(rows["month_number"].to_numpy() == date.month)),
        "quarter": float(np.mean(rows["quarter"].to_numpy() == np.array([f"Q{q}" for q in date.quarter]))),
        "weekend": float(np.mean(rows["weekend"].to_numpy() == (date.day_of_week >= 5))),
    }


@pytest.fixture(scope="module")
def orders():
    return _orders()


@pytest.fixture(scope="module")
def fitted(orders):
    return BFNGenerator(**SMALL, random_state=0).fit(orders)


def test_each_field_of_the_date_is_found_and_nothing_else(orders):
    found = column_calendar_fields(TableEncoder().fit(orders).columns_, orders)
    named = {orders.columns[f.column]: (orders.columns[f.source], f.field) for f in found}
    assert named == {
        "weekday": ("date", "weekday"),
        "month": ("date", "month"),
        "month_number": ("date", "month"),
        "quarter": ("date", "quarter"),
        "weekend": ("date", "weekend"),
    }
    weekday = next(f for f in found if orders.columns[f.column] == "weekday")
    names = TableEncoder().fit(orders).columns_[2].categories
    assert {names[int(label)]: value for value, label in zip(weekday.values, weekday.labels, strict=True)} == {
        "Monday": 0,
        "Tuesday": 1,
        "Wednesday": 2,
        "Thursday": 3,
        "Friday": 4,
        "Saturday": 5,
        "Sunday": 6,
    }


def test_a_field_broken_in_one_row_or_held_by_too_few_rows_is_no_calendar_field(orders):
    broken = orders.copy()
    broken.loc[5, "weekday"] = "Monday" if broken.loc[5, "weekday"] != "Monday" else "Tuesday"
    found = column_calendar_fields(TableEncoder().fit(broken).columns_, broken)
    assert "weekday" not in {broken.columns[f.column] for f in found}
    few = orders.iloc[:12]
    assert column_calendar_fields(TableEncoder().fit(few).columns_, few) == []


def test_a_weekday_with_holes_is_a_calendar_field_whose_drawn_holes_stay(orders):
    holes = orders.copy()
    holes.loc[:119, "weekday"] = None
    found = column_calendar_fields(TableEncoder().fit(holes).columns_, holes)
    assert "weekday" in {holes.columns[f.column] for f in found}
    rows = BFNGenerator(**SMALL, reproduce_missing=True, random_state=0).fit(holes).sample(400, random_state=0)
    missing = rows["weekday"].isna().to_numpy()
    assert 0.05 < missing.mean() < 0.4  # a fifth of the training cells
    date = pd.DatetimeIndex(rows["date"])[~missing]
    assert np.array_equal(rows["weekday"].to_numpy()[~missing], date.day_name())


def test_samples_take_every_field_from_their_date(fitted):
    rows = fitted.sample(400, random_state=0)
    assert _fields_agree(rows) == dict.fromkeys(_fields_agree(rows), 1.0)
    assert set(rows["weekday"]) == set(pd.DatetimeIndex(rows["date"]).day_name())


def test_the_model_alone_does_not_keep_the_weekday(fitted, orders):
    """Without the calendar field, the network draws weekdays apart from their dates: the test above can fail."""
    rows = sample_without(fitted, "calendar_fields_", 400)
    assert _fields_agree(rows)["weekday"] < 0.5


def test_a_field_is_certain_given_its_date_and_a_contradicting_one_impossible(fitted, orders):
    rows = orders.iloc[:20]
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()
    without = rows.assign(weekday=None, month=None, quarter=None, weekend=None, month_number=np.nan)
    np.testing.assert_allclose(fitted.score_samples(without), scores, rtol=1e-6)
    wrong = rows.assign(weekday=np.where(rows["weekday"] == "Monday", "Tuesday", "Monday"))
    assert np.all(fitted.score_samples(wrong) == -np.inf)


def test_the_imputer_moves_a_drawn_date_to_the_given_fields_and_fills_fields_from_a_given_date(orders):
    holes = orders.copy()
    holes.loc[:59, "date"] = pd.NaT
    holes.loc[60:119, ["weekday", "month", "quarter"]] = None
    imputer = BFNImputer(BFNGenerator(**SMALL, random_state=0), random_state=0).fit(holes)
    filled = imputer.transform(holes)
    pd.testing.assert_frame_equal(filled.iloc[120:], orders.iloc[120:], check_dtype=False)
    agree = _fields_agree(filled.iloc[:120])
    assert agree == dict.fromkeys(agree, 1.0)
    assert filled.loc[:59, "weekday"].tolist() == orders.loc[:59, "weekday"].tolist()  # given cells kept


def test_samples_survive_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


def test_written_calendar_fields_are_read_back_and_bad_ones_refused(fitted):
    encoder = fitted.encoder_
    documents = [f.to_dict() for f in encoder.calendar_fields_]
    assert calendar_fields_from_json(documents, encoder.columns_) == list(encoder.calendar_fields_)
    bad_labels = {**documents[0], "labels": [99.0 + k for k in range(len(documents[0]["labels"]))]}
    with pytest.raises(ValueError, match="labels its column cannot hold"):
        calendar_fields_from_json([bad_labels], encoder.columns_)
    not_a_date = {**documents[0], "source": 1}  # the amount
    with pytest.raises(ValueError, match="invalid entry"):
        calendar_fields_from_json([not_a_date], encoder.columns_)
    unknown_field = {**documents[0], "field": "fortnight"}
    with pytest.raises(ValueError, match="invalid entry"):
        calendar_fields_from_json([unknown_field], encoder.columns_)


def test_labels_of_unseen_field_values_are_missing_unless_each_label_is_its_value():
    field = CalendarField(1, 0, "weekday", (0.0, 1.0, 2.0), (2.0, 0.0, 1.0))
    np.testing.assert_array_equal(field.labels_of(np.array([1.0, 2.0, 5.0, np.nan])), [0.0, 1.0, np.nan, np.nan])
    year = CalendarField(1, 0, "year", (2021.0, 2022.0), (2021.0, 2022.0))
    assert year.is_identity and not field.is_identity
    np.testing.assert_array_equal(year.labels_of(np.array([2021.0, 2030.0, np.nan])), [2021.0, 2030.0, np.nan])


def test_a_year_beyond_the_training_years_is_its_dates_year(orders):
    X = orders.assign(year=pd.DatetimeIndex(orders["date"]).year)
    gen = BFNGenerator(**SMALL, enforce_bounds=False, random_state=0).fit(X)
    rows = gen.sample(600, random_state=0)
    years = pd.DatetimeIndex(rows["date"]).year
    assert not set(years) <= set(X["year"])  # unbounded, some dates fall in years no training row held
    assert np.array_equal(rows["year"].to_numpy(), years)


@settings(max_examples=40, deadline=None)
@given(
    day=st.integers(0, 20_000),
    weekday=st.integers(0, 6),
    month=st.one_of(st.none(), st.integers(1, 12)),
)
def test_a_date_moves_to_the_nearest_date_with_the_wanted_fields(day, weekday, month):
    X = pd.DataFrame({"date": pd.to_datetime(["2000-01-01", "2000-01-09"] * 15)})
    date = TableEncoder().fit(X).columns_[0]
    wanted = {"weekday": np.array([weekday], dtype=float)}
    if month is not None:
        wanted["month"] = np.array([month], dtype=float)
    moved = _nearest_with_fields(date, np.array([float(day)]), wanted)
    assert all(field_values(date, moved, f)[0] == v[0] for f, v in wanted.items())
    distance = abs(moved[0] - day)
    nearer = np.arange(day - distance + 1, day + distance, dtype=float)
    fits = np.ones(len(nearer), dtype=bool)
    for f, v in wanted.items():
        fits &= field_values(date, nearer, f) == v[0]
    assert not fits.any()


def test_a_pairing_that_chance_explains_is_no_calendar_field():
    """A flag set on one Saturday among 24 weekdays pairs with the weekend, but 24 'N' in a row are likely."""
    dates = pd.bdate_range("2024-01-01", periods=24).append(pd.DatetimeIndex(["2024-02-03"]))
    X = pd.DataFrame({"date": dates, "flag": np.where(dates.day_of_week >= 5, "Y", "N")})
    assert column_calendar_fields(TableEncoder().fit(X).columns_, X) == []
    many = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.random.default_rng(0).integers(0, 400, 200), "D")
    X = pd.DataFrame({"date": many, "flag": np.where(many.day_of_week >= 5, "Y", "N")})
    assert [f.field for f in column_calendar_fields(TableEncoder().fit(X).columns_, X)] == ["weekend"]


def test_sampling_given_a_weekday_draws_dates_on_it(fitted):
    rows = fitted.sample(50, random_state=0, given={"weekday": "Monday"})
    assert (pd.DatetimeIndex(rows["date"]).day_name() == "Monday").all()
    assert fitted.column_relations_[:2] == ["weekday = weekday of date", "month = month of date"]
