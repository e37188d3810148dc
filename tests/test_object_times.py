"""Dates and times held as strings or Python objects (CSV files, databases, JSON) are modelled as times."""

from __future__ import annotations

import datetime
import warnings

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from scipy.stats import ks_2samp

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.times import object_time_format
from skbfn._encoding.values import as_float
from skbfn._json import dtype_to_json
from skbfn.metrics import column_shapes

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=60, n_steps=10, n_elbo_draws=8)
N_ROWS = 240


def _days(seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    return pd.DatetimeIndex(pd.Timestamp("2021-03-01") + pd.to_timedelta(rng.integers(0, 400, N_ROWS), unit="D"))


def _moments(seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    return pd.DatetimeIndex(pd.Timestamp("2023-05-01") + pd.to_timedelta(rng.integers(0, 10**7, N_ROWS), unit="s"))


def _table(times: list, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"amount": rng.gamma(2.0, 50.0, N_ROWS), "when": pd.Series(times, dtype=object)})


# (how the column holds its times, the times, the kind each sampled value must be)
HOLDERS = {
    "iso dates": (lambda: _days().strftime("%Y-%m-%d").tolist(), "%Y-%m-%d"),
    "day-first dates": (lambda: _days().strftime("%d/%m/%Y").tolist(), "%d/%m/%Y"),
    "month names": (lambda: _days().strftime("%b %d, %Y").tolist(), "%b %d, %Y"),
    "timestamps": (lambda: _moments().strftime("%Y-%m-%d %H:%M:%S").tolist(), "%Y-%m-%d %H:%M:%S"),
    "date objects": (lambda: list(_days().date), "date"),
    "datetime objects": (lambda: list(_moments().to_pydatetime()), "datetime"),
    "times of day": (lambda: _moments().strftime("%H:%M").tolist(), "%H:%M"),
    "times of day with seconds": (lambda: _moments().strftime("%H:%M:%S").tolist(), "%H:%M:%S"),
    "times of day, 12-hour clock": (lambda: _moments().strftime("%I:%M %p").tolist(), "%I:%M %p"),
    "time objects": (lambda: list(_moments().time), "time"),
    "ISO 8601 in UTC": (lambda: _moments().strftime("%Y-%m-%dT%H:%M:%SZ").tolist(), "%Y-%m-%dT%H:%M:%SZ"),
    "ISO 8601 with an offset": (
        lambda: _moments().strftime("%Y-%m-%dT%H:%M:%S+01:00").tolist(),
        "%Y-%m-%dT%H:%M:%S+01:00",
    ),
    "milliseconds, as JavaScript writes them": (
        lambda: [s[:-3] + "Z" for s in _moments().strftime("%Y-%m-%dT%H:%M:%S.%f")],
        "%Y-%m-%dT%H:%M:%S.%3fZ",
    ),
}
SECONDS = ("timestamps", "datetime objects", "times of day", "times of day with seconds", "ISO", "milliseconds")


def _as_times(values: pd.Series, time_format: str) -> pd.DatetimeIndex:
    if time_format in ("date", "datetime"):
        return pd.DatetimeIndex(pd.to_datetime(values))
    if time_format == "time":  # as times on one day
        return pd.DatetimeIndex([datetime.datetime.combine(datetime.date(1970, 1, 1), v) for v in values])
    return pd.DatetimeIndex(pd.to_datetime(values, format=time_format.replace("%3f", "%f")))


def _written(times: pd.DatetimeIndex, time_format: str) -> list[str]:
    """``times`` in ``time_format``, milliseconds ``%3f`` as three digits."""
    if "%3f" not in time_format:
        return times.strftime(time_format).tolist()
    return [s[:-4] + s[-1:] for s in times.strftime(time_format.replace("%3f", "%f"))]  # '.123456Z' -> '.123Z'


@pytest.mark.parametrize("holder", sorted(HOLDERS))
def test_times_held_as_strings_or_objects_are_modelled_and_come_back_as_they_were_held(holder):
    make, time_format = HOLDERS[holder]
    X = _table(make())
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    when = gen.encoder_.columns_[1]
    assert when.time_format == time_format and gen.column_roles_["when"] in ("continuous", "discretised")
    minutes = time_format in ("%H:%M", "%I:%M %p")  # whole minutes: counted in minutes
    assert when.time_unit == ("min" if minutes else "s" if holder.startswith(SECONDS) or "time" in holder else "D")
    sample = gen.sample(300, random_state=1)["when"]
    assert sample.notna().all()
    if time_format == "date":
        assert all(type(v) is datetime.date for v in sample)
    elif time_format == "datetime":
        assert all(isinstance(v, datetime.datetime) for v in sample)
    elif time_format == "time":
        assert all(type(v) is datetime.time for v in sample)
    else:  # strings that print back the same in their format
        assert all(isinstance(v, str) for v in sample)
        assert _written(_as_times(sample, time_format), time_format) == sample.tolist()
    times, seen = _as_times(sample, time_format), _as_times(X["when"], time_format)
    assert times.min() >= seen.min() and times.max() <= seen.max()  # enforce_bounds, as for datetime64 columns
    assert times.nunique() > 50  # drawn from the model, not a few repeated values
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()


@pytest.mark.parametrize(
    ("strings", "time_format"),
    [
        (["2024-03-30T10:00:00Z", "2024-04-02T23:15:09Z"], "%Y-%m-%dT%H:%M:%SZ"),
        (["2024-03-30T10:00:00+0100", "2024-04-02T23:15:09+0100"], "%Y-%m-%dT%H:%M:%S+0100"),
        (["2024-03-30T10:00:00.250Z", "2024-04-02T23:15:09.007Z"], "%Y-%m-%dT%H:%M:%S.%3fZ"),
        (["2024-03-30 10:00:00.250", "2024-04-02 23:15:09.007"], "%Y-%m-%d %H:%M:%S.%3f"),
        (["2024-03-30 10:00:00.250000", "2024-04-02 23:15:09.007000"], "%Y-%m-%d %H:%M:%S.%f"),
        (["30-03-2024", "02-04-2024"], "%d-%m-%Y"),  # '-2024' ends them all, and is a year, not a zone
        (["2024-03-30T10:00:00+01:00", "2024-04-02T10:00:00+02:00"], "%Y-%m-%dT%H:%M:%S%z"),  # instants
    ],
)
def test_a_zone_or_milliseconds_every_string_has_are_part_of_the_format(strings, time_format):
    assert object_time_format(np.array(strings, dtype=object), np.dtype(object)) == time_format


def test_the_day_of_a_day_first_date_is_found_from_any_value_that_cannot_be_a_month():
    strings = ["01/02/2024", "03/04/2024", "25/12/2023", "07/08/2024"]
    assert object_time_format(np.array(strings, dtype=object), np.dtype(object)) == "%d/%m/%Y"
    assert object_time_format(np.array(strings[:2] + strings[3:], dtype=object), np.dtype(object)) == "%m/%d/%Y"


@pytest.mark.parametrize(
    "strings",
    [
        ["1234", "2019", "2020", "1999"],  # codes, or years alone: a year without a month is not a date
        ["2024-01-05", "soon", "2024-02-01"],  # one value is not a date
        ["2024-1-5", "2024-02-01"],  # does not print back the same (unpadded)
        ["8:30", "9:15"],  # a time of day that does not print back the same (unpadded)
        ["08:30", "9 am"],
        ["3.5", "4.25"],
        ["2024-03-30T10:00:00Z", "2024-04-02T10:00:00"],  # a zone in some strings only
    ],
)
def test_strings_that_are_not_all_dates_in_one_format_are_not_times(strings):
    assert object_time_format(np.array(strings, dtype=object), np.dtype(object)) is None


def test_mixed_python_objects_are_not_times():
    mixed = np.array([datetime.date(2024, 1, 1), datetime.datetime(2024, 1, 2, 3)], dtype=object)
    aware = np.array([datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)], dtype=object)
    assert object_time_format(mixed, np.dtype(object)) is None
    assert object_time_format(aware, np.dtype(object)) is None
    assert object_time_format(np.array(["2024-01-01"]), np.dtype("<U10")) is None  # only object and string dtypes
    dates = pd.Categorical(["2024-01-01", "2024-02-01"])
    assert object_time_format(np.asarray(dates, dtype=object), dates.dtype) is None  # a category stays one
    assert object_time_format(np.array(["2024-01-01"], dtype=object), pd.StringDtype()) == "%Y-%m-%d"


@pytest.fixture(scope="module")
def dated():
    X = _table(_days().strftime("%Y-%m-%d").tolist())
    X.loc[::10, "when"] = None  # missing dates are allowed, as in any column
    return X, BFNGenerator(**SMALL, random_state=0).fit(X)


def test_missing_dates_are_learnt_and_a_string_that_is_not_a_date_is_refused_by_name(dated):
    X, gen = dated
    sample = gen.sample(400, random_state=3)["when"]
    assert 0 < sample.isna().mean() < 0.3  # the pattern of missing cells, reproduced
    assert np.isfinite(gen.score_samples(X.iloc[:30])).all()
    bad = X.iloc[:3].copy()
    bad.loc[bad.index[1], "when"] = "2024/01/05"
    with pytest.raises(ValueError, match=r"'when' holds '2024/01/05', which is not a date in '%Y-%m-%d'"):
        gen.score_samples(bad)


@pytest.mark.parametrize(
    ("marker", "time_format"), [("?", "%Y-%m-%d"), ("", "%d/%m/%Y"), ("NA", "%m/%d/%Y"), ("-", "%H:%M")]
)
def test_a_missing_marker_beside_dates_marks_their_missing_cells_and_comes_back(marker, time_format):
    """Dates or times beside '?', '' or 'NA' (a CSV read as text) are times with missing cells, not text: such
    a column was dropped (too many distinct strings) and its samples were all missing."""
    rng = np.random.default_rng(1)
    times = _moments() if "%H" in time_format else _days()
    strings = np.where(rng.random(N_ROWS) < 0.2, marker, times.strftime(time_format))
    X = _table(strings.tolist())
    gen = BFNGenerator(**{**SMALL, "max_iter": 200}, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert gen.column_roles_["when"] == "continuous"
    assert (column.time_format, column.missing_marker) == (time_format, marker)
    sample = gen.sample(600, random_state=0)["when"]
    assert sample.notna().all() and abs((sample == marker).mean() - (X["when"] == marker).mean()) < 0.1
    written = sample[sample != marker]
    assert written.tolist() == pd.to_datetime(written, format=time_format).dt.strftime(time_format).tolist()
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert Column.from_dict(column.to_dict()).to_dict() == column.to_dict()
    for corrupt in ("never", 0):
        with pytest.raises(ValueError, match="invalid missing marker"):
            Column.from_dict({**column.to_dict(), "missing_marker": corrupt})
    number = BFNGenerator(**SMALL).fit(pd.DataFrame({"a": np.arange(40.0), "b": 3.0})).encoder_.columns_[1]
    with pytest.raises(ValueError, match="invalid missing marker"):  # a marker cannot be written among numbers
        Column.from_dict({**number.to_dict(), "missing_marker": "?"})


def test_dates_written_in_two_formats_are_read_each_in_its_own_and_sampled_in_the_most_common(tmp_path):
    """Each layout of the strings reads in its own format ('01/03/2021' day first, as the column's days past 12
    say): the column is modelled as dates, its samples written in the format most of its strings have, with a
    warning that names the formats. Before, such a column was left out (and, earlier still, taken for keys)."""
    days = _days()
    iso = np.arange(N_ROWS) % 3 != 0  # two in three written '%Y-%m-%d'
    mixed = np.where(iso, days.strftime("%Y-%m-%d"), days.strftime("%d/%m/%Y"))
    X = _table(mixed.tolist())
    with pytest.warns(UserWarning, match=r"'when' holds dates written in 2 formats \('%Y-%m-%d', '%d/%m/%Y'\)"):
        gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert gen.column_roles_["when"] == "continuous"
    assert (column.time_format, column.read_formats) == ("%Y-%m-%d", ("%d/%m/%Y",))
    assert column.time_unit == "D"  # every string read as its own date, whatever its format
    since_epoch = np.asarray((days - pd.Timestamp("1970-01-01")).days, dtype=np.float64)
    np.testing.assert_array_equal(column.numbers(X["when"].to_numpy(dtype=object), as_float), since_epoch)
    sample = gen.sample(100, random_state=0)["when"]
    read = pd.to_datetime(sample, format="%Y-%m-%d")  # all in the most common format
    assert read.notna().all() and days.min() <= read.min() and read.max() <= days.max()
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    given = gen.sample(3, given={"when": "15/06/2021"}, random_state=0)  # a given cell in the other format
    assert (given["when"] == "15/06/2021").all()
    with pytest.raises(ValueError, match=r"'June 15', which is not a date in '%Y-%m-%d' or '%d/%m/%Y'\."):
        gen.score_samples(X.iloc[:2].assign(when="June 15"))
    assert Column.from_dict(column.to_dict()).to_dict() == column.to_dict()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    for corrupt in (["%Y-%m-%d"], ["%H:%M"], ["%d"], "%d/%m/%Y", [3]):
        with pytest.raises(ValueError, match="invalid read formats"):
            Column.from_dict({**column.to_dict(), "read_formats": corrupt})
    codes = _table(["2021-01-01", "01/02/2021"] * (N_ROWS // 2))  # a few values, each seen often: categories
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert BFNGenerator(**SMALL, random_state=0).fit(codes).column_roles_["when"] == "categorical"


def test_dates_at_several_precisions_are_dates_and_a_year_alone_reads_as_its_first_day(tmp_path):
    """Release dates as music catalogues write them: '1999-05-12' beside '1999-05' and a bare '1999'. The column
    held more distinct strings than categories: left out, with a warning."""
    rng = np.random.default_rng(3)
    days = pd.DatetimeIndex(pd.Timestamp("1960-01-01") + pd.to_timedelta(rng.integers(0, 50 * 365, N_ROWS), unit="D"))
    precision = rng.choice(["%Y-%m-%d", "%Y-%m", "%Y"], N_ROWS, p=[0.6, 0.15, 0.25])
    written = [day.strftime(form) for day, form in zip(days, precision, strict=True)]
    with pytest.warns(
        UserWarning, match=r"'when' holds dates written in 3 formats .* \(a year alone as its 1 January\)"
    ):
        gen = BFNGenerator(**SMALL, random_state=0).fit(_table(written))
    column = gen.encoder_.columns_[1]
    assert (column.time_format, column.read_formats) == ("%Y-%m-%d", ("%Y-%m", "%Y"))
    read = column.numbers(np.array(["1999", "1999-05", "1999-05-12"], dtype=object), as_float)
    expected = [
        (pd.Timestamp(day) - pd.Timestamp("1970-01-01")).days for day in ("1999-01-01", "1999-05-01", "1999-05-12")
    ]
    np.testing.assert_array_equal(read, expected)
    sample = pd.to_datetime(gen.sample(100, random_state=0)["when"], format="%Y-%m-%d")
    assert sample.notna().all() and days.min() <= sample.min() and sample.max() <= days.max()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    document = column.to_dict()
    with pytest.raises(ValueError, match="invalid time format"):  # a bare year cannot write a date back
        Column.from_dict({**document, "time_format": "%Y", "read_formats": ["%Y-%m-%d", "%Y-%m"]})
    with pytest.raises(ValueError, match="invalid read formats"):
        Column.from_dict({**document, "read_formats": ["%Y", "%Y"]})
    years = _table([str(y) for y in rng.integers(1950, 2020, N_ROWS)])  # bare years alone: numbers, as before
    assert BFNGenerator(**SMALL, random_state=0).fit(years).encoder_.columns_[1].time_format is None


def test_a_time_of_day_beside_dates_is_left_out_with_a_warning_that_says_how_to_read_it():
    """Strings no one column of wall times holds (times of day beside dates) stay out, as before."""
    days = _days()
    minutes = pd.Timestamp("2021-01-01") + pd.to_timedelta(np.arange(N_ROWS) * 7, unit="min")
    mixed = np.where(np.arange(N_ROWS) % 2 == 0, days.strftime("%Y-%m-%d"), minutes.strftime("%H:%M"))
    with pytest.warns(UserWarning, match=r"'when' holds dates written in 2 formats .* not modelled"):
        gen = BFNGenerator(**SMALL, random_state=0).fit(_table(mixed.tolist()))
    assert gen.column_roles_["when"] == "drop" and gen.sample(5)["when"].isna().all()


def test_a_given_date_comes_back_unchanged_and_conditions_the_other_columns(dated):
    _, gen = dated
    sample = gen.sample(50, given={"when": "2021-06-15"}, random_state=0)
    assert (sample["when"] == "2021-06-15").all() and sample["amount"].notna().all()
    with pytest.raises(ValueError, match="not a date"):
        gen.sample(5, given={"when": "June"})
    dates = BFNGenerator(**SMALL, random_state=0).fit(_table(list(_days().date)))
    with pytest.raises(ValueError, match=r"'when' holds 'soon', which is not a date\."):
        dates.score_samples(_table(["soon"] * N_ROWS).iloc[:2])


def test_time_formats_survive_save_load_and_pickle(dated, tmp_path):
    _, gen = dated
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    document = gen.encoder_.columns_[1].to_dict()
    assert document["time_format"] == "%Y-%m-%d"
    for corrupt in ("%d", "%H", "weekly", 3):
        with pytest.raises(ValueError, match="invalid time format"):
            Column.from_dict({**document, "time_format": corrupt})


def test_naming_a_date_column_categorical_keeps_its_strings_as_categories():
    X = _table(_days().strftime("%Y-%m").tolist())  # 14 months
    gen = BFNGenerator(**SMALL, column_roles={"when": "categorical"}, random_state=0).fit(X)
    assert gen.column_roles_["when"] == "categorical" and gen.encoder_.columns_[1].time_format is None
    assert set(gen.sample(200, random_state=0)["when"]) <= set(X["when"])


def test_dates_in_an_object_array_are_modelled_too():
    X = _table(_days().strftime("%Y-%m-%d").tolist()).to_numpy(dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no 'too many distinct strings' warning: the column is not text
        gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    sample = gen.sample(20, random_state=0)
    assert sample.dtype == object and all(isinstance(v, str) and len(v) == 10 for v in sample[:, 1])


def test_a_few_dates_each_seen_often_stay_categories_as_codes_do():
    rng = np.random.default_rng(0)
    quarters = rng.choice(["2023-03-31", "2023-06-30", "2023-09-30", "2023-12-31"], N_ROWS)
    gen = BFNGenerator(**SMALL, random_state=0).fit(_table(list(quarters)))
    assert gen.column_roles_["when"] == "categorical"
    assert set(gen.sample(200, random_state=0)["when"]) <= set(quarters)  # no day between two quarter ends


def test_the_report_reads_dates_held_as_strings_as_numbers():
    days = _days()
    real = pd.DataFrame({"when": days.strftime("%d/%m/%Y").tolist()})
    later = pd.DataFrame({"when": (days + pd.Timedelta(days=200)).strftime("%d/%m/%Y").tolist()})
    shapes = column_shapes(real, later)
    expected = ks_2samp(days.to_numpy(dtype=float), (days + pd.Timedelta(days=200)).to_numpy(dtype=float)).statistic
    assert shapes["when"] == pytest.approx(expected)  # a KS statistic on the dates, not a TVD of strings
    assert column_shapes(real, real)["when"] == 0.0
    holes = np.arange(N_ROWS) % 5 == 0  # '?' marks missing cells, as in fit: a missing cell, not a string
    marked, blank = (real.assign(when=np.where(holes, mark, real["when"])) for mark in ("?", None))
    assert column_shapes(marked, later)["when"] == column_shapes(blank, later)["when"]


def test_times_of_day_are_seconds_since_midnight_and_samples_are_rounded_to_what_the_format_writes():
    """Opening times written '%H:%M' come back at whole minutes (rounded, not cut off), at the data's hours."""
    strings = np.array(["08:30", "09:15", "17:45", "12:00"], dtype=object)
    assert object_time_format(strings, np.dtype(object)) == "%H:%M"
    assert object_time_format(np.array(["02:30 PM", "11:05 AM"], dtype=object), np.dtype(object)) == "%I:%M %p"
    when = Column("when", "continuous", np.dtype(object), time_unit="s", time_format="%H:%M")
    np.testing.assert_array_equal(when.numbers(strings, None), [30600, 33300, 63900, 43200])  # seconds since midnight
    np.testing.assert_array_equal(when.values(np.array([30629.0, 30631.0, np.nan])), ["08:30", "08:31", None])
    with pytest.raises(ValueError, match=r"'when' holds '25:00', which is not a time of day in '%H:%M'"):
        when.numbers(np.array(["25:00"], dtype=object), None)
    rng = np.random.default_rng(1)
    minutes = np.clip(rng.normal(9 * 60, 60, N_ROWS), 0, 1439).round().astype(int)
    X = pd.DataFrame({"start": [f"{m // 60:02d}:{m % 60:02d}" for m in minutes], "hours": rng.gamma(4, 2, N_ROWS)})
    gen = BFNGenerator(**{**SMALL, "max_iter": 200}, random_state=0).fit(X)
    started = pd.to_datetime(gen.sample(400, random_state=0)["start"], format="%H:%M")
    sampled = started.dt.hour * 60 + started.dt.minute
    assert abs(sampled.mean() - minutes.mean()) < 20 and ks_2samp(sampled, minutes).statistic < 0.15


@pytest.mark.parametrize(("step", "unit"), [("min", "min"), ("15min", "min"), ("h", "h"), ("6h", "h"), ("D", "D")])
def test_readings_on_the_minute_or_the_hour_are_counted_in_it_and_sampled_on_it(step, unit):
    """Readings taken on the minute came back with seconds ('12:26:34'), as dates did before they were days."""
    rng = np.random.default_rng(0)
    stamps = pd.date_range("2024-05-01", periods=N_ROWS * 3, freq=step)[rng.permutation(N_ROWS * 3)[:N_ROWS]]
    strings = pd.Series(stamps.strftime("%Y-%m-%dT%H:%M:%S"), dtype=object)
    durations = pd.Series(stamps - stamps.min())
    X = pd.DataFrame({"x": rng.normal(size=N_ROWS), "at": stamps, "text": strings, "since": durations})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert [column.time_unit for column in gen.encoder_.columns_[1:]] == [unit] * 3
    sample = gen.sample(300, random_state=0)
    whole = pd.Timedelta(1, unit=unit)
    for column in ("at", "text", "since"):
        times = pd.to_datetime(sample[column]) if column == "text" else sample[column]
        origin = pd.Timestamp(0) if column != "since" else pd.Timedelta(0)
        assert ((times - origin) % whole == pd.Timedelta(0)).all(), column
        assert times.nunique() > 30, column
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    seconds = X.assign(at=X["at"] + pd.Timedelta(1, unit="s"))  # off the model's grid: no mass there
    assert np.isneginf(gen.score_samples(seconds.iloc[:5])).all()


@pytest.mark.parametrize("time_format", ["%b-%Y", "%m/%Y", "%B %Y", "%m/%d/%y", "%d.%m.%y"])
def test_months_without_a_day_and_two_digit_years_are_dates(time_format):
    """Formats pandas does not guess: 'Dec-2015' was a category (dropped beyond 50 months) and '12/31/15' text."""
    rng = np.random.default_rng(0)
    days = pd.DatetimeIndex(pd.Timestamp("2012-01-01") + pd.to_timedelta(rng.integers(0, 3000, N_ROWS), unit="D"))
    X = _table(days.strftime(time_format).tolist())
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert column.time_format == time_format and column.time_unit == ("D" if "%d" in time_format else "M")
    sample = gen.sample(300, random_state=0)["when"]
    assert _written(_as_times(sample, time_format), time_format) == sample.tolist()
    assert sample.nunique() > 30 and np.isfinite(gen.score_samples(X.iloc[:10])).all()


def test_month_starts_are_counted_in_months_and_quarter_starts_in_threes_of_them():
    rng = np.random.default_rng(0)
    months = pd.date_range("2000-01-01", periods=240, freq="MS")
    X = pd.DataFrame(
        {
            "x": rng.normal(size=N_ROWS),
            "month": months[rng.integers(0, 240, N_ROWS)],
            "quarter": months[rng.integers(0, 80, N_ROWS) * 3],
        }
    )
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert [(c.time_unit, c.step) for c in gen.encoder_.columns_[1:]] == [("M", None), ("M", 3)]
    sample = gen.sample(300, random_state=0)
    assert (sample["month"].dt.day == 1).all() and (sample["month"] == sample["month"].dt.normalize()).all()
    assert sample["quarter"].dt.month.isin([1, 4, 7, 10]).all() and (sample["quarter"].dt.day == 1).all()
    assert sample["month"].nunique() > 50 and sample["month"].between(months[0], months[-1]).all()
    mid_month = X.iloc[:3].assign(month=X["month"].iloc[:3] + pd.Timedelta(days=14))  # no mass between months
    assert np.isneginf(gen.score_samples(mid_month)).all() and np.isfinite(gen.score_samples(X.iloc[:5])).all()
    document = gen.encoder_.columns_[1].to_dict()
    assert Column.from_dict(document).to_dict() == document
    with pytest.raises(ValueError, match="durations in calendar months"):
        Column.from_dict({**document, "dtype": dtype_to_json(np.dtype("timedelta64[ns]"))})


def test_dates_held_as_numbers_yyyymmdd_are_dates_and_come_back_as_such_numbers(tmp_path):
    """20151231 as an integer was a number, and samples such as 20172905 were no dates."""
    days = _days()
    X = pd.DataFrame(
        {
            "amount": np.random.default_rng(0).gamma(2.0, 50.0, N_ROWS),
            "day": days.strftime("%Y%m%d").astype(np.int64),
            "maybe": np.where(np.arange(N_ROWS) % 4 == 0, np.nan, days.strftime("%Y%m%d").astype(float)),
        }
    )
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert [(c.time_format, c.time_unit) for c in gen.encoder_.columns_[1:]] == [("%Y%m%d", "D")] * 2
    sample = gen.sample(300, random_state=0)
    assert sample.dtypes.tolist() == X.dtypes.tolist()
    for name in ("day", "maybe"):
        written = sample[name].dropna().astype(np.int64).astype(str)
        assert pd.to_datetime(written, format="%Y%m%d", errors="coerce").notna().all(), name
        assert sample[name].dropna().between(X[name].min(), X[name].max()).all() and written.nunique() > 50
    assert 0.1 < sample["maybe"].isna().mean() < 0.4
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # pandas' warning on parsing numbers in a format: they are read as text
        assert (gen.sample(5, given={"day": 20210601}, random_state=0)["day"] == 20210601).all()
    with pytest.raises(
        ValueError, match=r"'day' holds values outside the range the model covers, \[202\d{5}, 202\d{5}\]"
    ):
        gen.sample(5, given={"day": 20160101})  # the range as dates held so, not as days since 1970
    with pytest.raises(ValueError, match=r"'day' holds .*20151232.*, which is not a date in '%Y%m%d'"):
        gen.score_samples(X.iloc[:2].assign(day=[20151232, 20151231]))
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    codes = pd.DataFrame({"x": np.arange(40.0), "code": np.tile([20151231, 20160101], 20)})  # two values: codes
    assert BFNGenerator(**SMALL).fit(codes).encoder_.columns_[1].time_format is None


def test_months_held_as_numbers_yyyymm_are_months_and_come_back_as_such_numbers(tmp_path):
    """201512 as an integer (a statistics office's period) was a number, and samples such as 201752 no months."""
    rng = np.random.default_rng(0)
    months = pd.DatetimeIndex(pd.Timestamp("2005-01-01") + pd.to_timedelta(rng.integers(0, 6000, N_ROWS), unit="D"))
    X = pd.DataFrame({"amount": rng.gamma(2.0, 50.0, N_ROWS), "period": months.strftime("%Y%m").astype(np.int64)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert (column.time_format, column.time_unit) == ("%Y%m", "M")
    sample = gen.sample(300, random_state=0)["period"]
    assert sample.dtype == np.int64 and sample.between(X["period"].min(), X["period"].max()).all()
    assert sample.mod(100).between(1, 12).all() and sample.nunique() > 50  # every one a month
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    with pytest.raises(ValueError, match=r"'period' holds .*201513.*, which is not a date in '%Y%m'"):
        gen.score_samples(X.iloc[:2].assign(period=[201513, 201512]))
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    # six-digit amounts whose last two digits are no month stay numbers
    amounts = pd.DataFrame({"x": np.arange(40.0), "amount": 200_000 + 37 * np.arange(40)})
    assert BFNGenerator(**SMALL).fit(amounts).encoder_.columns_[1].time_format is None


def test_iso_weeks_are_dates_read_as_their_mondays_and_sampled_as_weeks(tmp_path):
    """'2021-W08', as retail reports write weeks: too many distinct strings for categories, so it was dropped."""
    rng = np.random.default_rng(0)
    days = pd.DatetimeIndex(pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 2500, N_ROWS), unit="D"))
    X = _table(days.strftime("%G-W%V").tolist())
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert gen.encoder_.columns_[1].time_format == "%G-W%V" and gen.column_relations_ == []  # no day of the week
    sample = gen.sample(300, random_state=0)["when"]
    assert sample.str.fullmatch(r"20\d\d-W\d\d").all() and sample.nunique() > 50
    mondays = pd.to_datetime(sample + "-1", format="%G-W%V-%u")
    assert mondays.notna().all() and mondays.dt.strftime("%G-W%V").tolist() == sample.tolist()
    assert mondays.min() >= days.min() - pd.Timedelta(days=6) and mondays.max() <= days.max()
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_a_time_zoned_column_read_back_from_csv_is_instants_written_in_utc():
    """pandas writes a time-zoned column to CSV with each time's offset (+01:00 in winter, +02:00 in summer)."""
    import io

    rng = np.random.default_rng(7)
    seen = pd.Series(pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, N_ROWS), unit="s"))
    seen = seen.dt.tz_localize("Europe/Paris", nonexistent="shift_forward", ambiguous="NaT").dropna()
    text = io.StringIO()
    pd.DataFrame({"seen": seen, "x": rng.normal(size=len(seen))}).to_csv(text, index=False)
    X = pd.read_csv(io.StringIO(text.getvalue()))  # strings with two offsets
    assert {s[-6:] for s in X["seen"]} == {"+01:00", "+02:00"}
    gen = BFNGenerator(**{**SMALL, "max_iter": 150}, random_state=0).fit(X)
    assert gen.column_roles_["seen"] == "continuous" and gen.encoder_.columns_[0].time_format == "%Y-%m-%d %H:%M:%S%z"
    sample = gen.sample(300, random_state=0)["seen"]
    assert sample.str.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ").all()  # in UTC
    sampled, data = pd.to_datetime(sample, utc=True), pd.to_datetime(X["seen"], utc=True)
    assert data.min() <= sampled.min() and sampled.max() <= data.max()
    assert ks_2samp(sampled.astype("int64"), data.astype("int64")).statistic < 0.15
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()


@pytest.mark.parametrize("holder", ["datetime64", "strings"])
def test_times_at_one_time_of_day_come_back_at_it(holder, tmp_path):
    """Readings at 09:00 every day (or dates a zone without summer time shifted to one hour) lie hours past whole days:
    the column counts days past that offset, so samples keep the time of day, where counting hours drew any."""
    times = _days() + pd.Timedelta(hours=9)
    held = times if holder == "datetime64" else times.strftime("%Y-%m-%d %H:%M")
    X = _table(list(held)) if holder == "strings" else _table([None] * N_ROWS).assign(when=times)
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert (column.time_unit, column.time_offset) == ("D", 9 * 3600.0)
    sample = pd.to_datetime(pd.Series(gen.sample(200, random_state=0)["when"]))
    assert (sample.dt.hour == 9).all() and (sample.dt.minute == 0).all()
    assert times.min() <= sample.min() and sample.max() <= times.max()
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    assert Column.from_dict(column.to_dict()).to_dict() == column.to_dict()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    for corrupt in (-1.0, 86_400.0, float("nan"), "9h"):
        with pytest.raises(ValueError, match="invalid time offset"):
            Column.from_dict({**column.to_dict(), "time_offset": corrupt})
    at_two = _table([None] * N_ROWS).assign(when=_days() + pd.to_timedelta(np.arange(N_ROWS) % 2 * 12, unit="h"))
    assert BFNGenerator(**SMALL, random_state=0).fit(at_two).encoder_.columns_[1].time_offset == 0.0  # 0 and 12


@pytest.mark.parametrize("as_text", [True, False], ids=["strings", "datetime64[us]"])
def test_an_open_end_written_9999_12_31_is_a_point_mass_past_what_nanoseconds_hold(as_text, tmp_path):
    """Data warehouses end open contracts on 9999-12-31, past pandas' nanosecond range (2262): a point mass,
    the other ends dates in their own range."""
    rng = np.random.default_rng(3)
    n = 400
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), "D")
    end = np.array((start + pd.to_timedelta(rng.integers(30, 2000, n), "D")).strftime("%Y-%m-%d"), dtype=object)
    end[rng.random(n) < 0.3] = "9999-12-31"
    X = pd.DataFrame({"start": start, "end": end if as_text else pd.to_datetime(end), "x": rng.normal(size=n)})
    gen = BFNGenerator(**{**SMALL, "max_iter": 200}, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert column.kind == "continuous" and len(column.point_masses) == 1
    samples = gen.sample(300, random_state=0)
    sentinel = samples["end"] == ("9999-12-31" if as_text else pd.Timestamp("9999-12-31"))
    assert 0.15 < sentinel.mean() < 0.45
    ends = pd.to_datetime(samples["end"][~sentinel])
    assert ends.max() <= pd.to_datetime(pd.Series(end)[end != "9999-12-31"]).max()
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
