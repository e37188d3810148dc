"""Dates that fall on some days of the week only (trading days, weekly readings) are sampled on those days."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.table import TableEncoder
from skbfn._encoding.weekdays import Weekdays, weekdays_from_json, weekdays_of

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=150, n_steps=10, n_elbo_draws=8)
BUSINESS_DAYS = pd.bdate_range("2019-01-01", "2023-12-31")


def table(dates, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"when": dates, "amount": rng.gamma(2.0, 10.0, len(dates))})


def business_days(n: int, seed: int = 0) -> pd.Series:
    return pd.Series(np.random.default_rng(seed).choice(BUSINESS_DAYS, n))


@settings(max_examples=100, deadline=None)
@given(st.datetimes(min_value=pd.Timestamp("1800-01-01"), max_value=pd.Timestamp("2200-12-31")))
def test_the_day_of_the_week_of_seconds_since_1970_is_pandas_day_of_the_week(moment):
    stamp = pd.Timestamp(moment)
    seconds = (stamp - pd.Timestamp("1970-01-01")) / pd.Timedelta(1, "s")
    assert weekdays_of(np.array([seconds]))[0] == stamp.day_of_week


@pytest.mark.parametrize("as_text", [False, True], ids=["datetime64", "strings"])
def test_trading_days_are_sampled_on_weekdays_in_the_training_shares(as_text, tmp_path):
    dates = business_days(400)
    X = table(dates.dt.strftime("%Y-%m-%d") if as_text else dates)
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert "when on Mon-Fri" in gen.column_relations_
    days = pd.to_datetime(gen.sample(1000, random_state=0)["when"]).dt.day_of_week
    assert days.max() <= 4  # no Saturday, no Sunday
    shares = days.value_counts(normalize=True)
    assert shares.min() > 0.12 and shares.max() < 0.28  # each weekday about a fifth, none squeezed out
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_weekly_readings_are_sampled_on_their_day_and_within_their_range():
    mondays = pd.Series(np.random.default_rng(1).choice(pd.date_range("2015-01-05", periods=300, freq="W-MON"), 500))
    gen = BFNGenerator(**SMALL, random_state=0).fit(table(mondays))
    assert gen.column_relations_ == ["when on Mon"]
    sample = gen.sample(500, random_state=0)["when"]
    assert (sample.dt.day_of_week == 0).all() and sample.nunique() > 50


def test_weekly_dates_count_weeks_and_keep_their_relations(tmp_path):
    """Dates all on one day of the week were counted in days, and samples off that day were drawn again (about
    seven draws a row); now they count weeks past that day, and every draw falls on it."""
    rng = np.random.default_rng(5)
    mondays = pd.Series(rng.choice(pd.date_range("2015-01-05", periods=300, freq="W-MON"), 400))
    X = table(mondays).assign(
        week_end=mondays + pd.Timedelta(6, "D"), paid=mondays + pd.to_timedelta(rng.integers(7, 40, 400), "D")
    )
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    start, end, paid = (gen.encoder_.columns_[j] for j in (0, 2, 3))
    assert (start.time_unit, start.time_offset) == ("W", 4 * 86_400.0)  # Mondays: 4 days past Thursdays
    assert (end.time_unit, end.time_offset) == ("W", 3 * 86_400.0) and paid.time_unit == "D"
    sample = gen.sample(500, random_state=0)
    assert (sample["when"].dt.day_of_week == 0).all() and sample["when"].nunique() > 50
    assert (sample["week_end"] - sample["when"] == pd.Timedelta(6, "D")).all()  # the shift, in weeks' numbers
    assert (sample["paid"] >= sample["when"]).all()
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    with pytest.raises(ValueError, match="invalid time offset"):
        Column.from_dict({**start.to_dict(), "time_offset": 7 * 86_400.0})  # a week past: no offset of a week


def test_a_time_zone_keeps_its_local_days():
    """Evening trades in New York fall on Saturday in UTC after a Friday: the days are the local ones."""
    rng = np.random.default_rng(2)
    local = pd.DatetimeIndex(business_days(300, seed=2)) + pd.to_timedelta(rng.integers(20 * 60, 23 * 60, 300), "min")
    X = table(pd.Series(local.tz_localize("America/New_York")))
    assert (X["when"].dt.tz_convert("UTC").dt.day_of_week == 5).any()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert "when on Mon-Fri" in gen.column_relations_
    assert gen.sample(500, random_state=0)["when"].dt.day_of_week.max() <= 4


def test_dates_on_every_day_or_too_few_to_tell_keep_no_days():
    rng = np.random.default_rng(3)
    every_day = pd.Series(pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, 400), "D"))
    assert TableEncoder().fit(table(every_day)).weekdays_ == []
    # 19 distinct weekdays: (5 / 7) ** 19 = 0.0017 of dates on every day would do so by chance
    few = pd.Series(np.repeat(BUSINESS_DAYS[:19], 10))
    assert TableEncoder().fit(table(few)).weekdays_ == []
    assert TableEncoder().fit(table(pd.Series(np.repeat(BUSINESS_DAYS[:25], 10)))).weekdays_ != []


def test_months_times_of_day_and_durations_keep_no_days():
    rng = np.random.default_rng(4)
    month_starts = pd.Series(pd.date_range("2001-01-01", periods=300, freq="MS")[rng.integers(0, 300, 400)])
    clock = pd.Series(pd.to_timedelta(rng.integers(0, 86_400, 400), "s") + pd.Timestamp("2000-01-01"))
    times_of_day = clock.dt.strftime("%H:%M:%S")  # all on one day once read
    durations = pd.Series(pd.to_timedelta(rng.integers(1, 400, 400) * 7, "D"))  # whole weeks: a 'weekday' each
    for column in (month_starts, times_of_day, durations):
        assert TableEncoder().fit(table(column)).weekdays_ == []


def test_a_given_date_on_another_day_is_kept_and_the_rest_drawn():
    X = table(business_days(300))
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    saturday = pd.Timestamp("2021-06-05")
    sample = gen.sample(20, given={"when": saturday}, random_state=0)
    assert (sample["when"] == saturday).all() and sample["amount"].notna().all()


@pytest.mark.parametrize(
    "bad",
    [
        [{"column": 0, "days": []}],
        [{"column": 0, "days": list(range(7))}],
        [{"column": 0, "days": [4, 0]}],
        [{"column": 0, "days": [0, 7]}],
        [{"column": 1, "days": [0]}],  # the amount is no date
        [{"column": 0, "days": [0], "extra": 1}],
        {"column": 0, "days": [0]},
    ],
)
def test_bad_documents_are_refused(bad):
    encoder = TableEncoder().fit(table(business_days(300)))
    assert weekdays_from_json([Weekdays(0, (0, 1, 2, 3, 4)).to_dict()], encoder.columns_)[0].days == (0, 1, 2, 3, 4)
    with pytest.raises(ValueError, match="days of the week"):
        weekdays_from_json(bad, encoder.columns_)
