"""Dates whose day, month or hour is written without a leading zero ('3/5/2024 9:30', '9-Sep-03'), or whose
month and day names are in capitals ('05-MAR-24'), are dates.

Spreadsheets write US dates so ('m/d/yyyy h:mm'), finance sites write
'9-Sep-03' and Oracle '05-MAR-24'. strftime pads these fields and writes
names in title case, so such a column never printed back as it was read: it
became an id (random tokens) or text. The expected strings here come from an
oracle that writes each field by hand, not from strftime.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.times import _parse, _write, object_time_format

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=60, n_steps=10, n_elbo_draws=8)
UNPADDED = {"%-d": "day", "%-m": "month", "%-H": "hour"}
FORMATS = [
    "%-m/%-d/%Y",  # spreadsheets, US
    "%-d-%b-%y",  # finance sites, two-digit years
    "%b %-d, %Y",
    "%-d.%-m.%Y",  # German
    "%-m/%-d/%Y %-H:%M",
    "%-m/%-d/%Y %-I:%M %p",
    "%Y-%m-%d %-H:%M",  # only the hour unpadded
    "%d-%^b-%y",  # Oracle's default
    "%^a %-d %^B %Y",
]
NAMES = {"%^b": "%b", "%^B": "%B", "%^a": "%a", "%^A": "%A"}


def oracle(times: pd.DatetimeIndex, time_format: str) -> list[str]:
    """Each time in ``time_format``, the unpadded fields written by hand as plain numbers."""
    written = []
    for time in times:
        text = time_format.replace("%-I", str(time.hour % 12 or 12))
        for field, attribute in UNPADDED.items():
            text = text.replace(field, str(getattr(time, attribute)))
        for field, name in NAMES.items():
            text = text.replace(field, time.strftime(name).upper())
        written.append(time.strftime(text))
    return written


def random_times(n: int, with_hours: bool, seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    days = pd.to_timedelta(rng.integers(0, 4000, n), unit="D")
    minutes = pd.to_timedelta(rng.integers(0, 24 * 60, n) if with_hours else np.zeros(n, dtype=int), unit="min")
    return pd.DatetimeIndex(pd.Timestamp("2001-01-01") + days + minutes)


@pytest.mark.parametrize("time_format", FORMATS)
def test_a_column_of_unpadded_dates_is_read_in_its_format(time_format):
    strings = oracle(random_times(300, "%M" in time_format), time_format)
    assert any(re.search(r"(^|\D)\d(\D|$)", s) for s in strings) or "^" in time_format  # some single digits
    assert object_time_format(np.array(strings, dtype=object), np.dtype(object)) == time_format


@pytest.mark.parametrize("time_format", ["%m/%d/%Y", "%d-%b-%y", "%Y-%m-%d %H:%M"])
def test_padded_dates_keep_their_padded_format(time_format):
    strings = random_times(300, "%M" in time_format).strftime(time_format).tolist()
    assert object_time_format(np.array(strings, dtype=object), np.dtype(object)) == time_format


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.datetimes(min_value=pd.Timestamp("1970-01-01"), max_value=pd.Timestamp("2068-12-31")), max_size=20),
    st.sampled_from(FORMATS),
)
def test_writing_and_reading_unpadded_fields_agree_with_the_oracle(moments, time_format):
    """Years 1970 to 2068: a two-digit year reads in that century (pandas, as POSIX)."""
    times = pd.DatetimeIndex(moments, dtype="datetime64[ns]").floor("min")
    written = _write(times, time_format)
    assert written.tolist() == oracle(times, time_format)
    read = pd.DatetimeIndex(_parse(pd.Series(written, dtype=object), time_format))
    expected = times if "%M" in time_format else times.floor("D")
    assert read.equals(expected)


def test_times_of_day_with_an_unpadded_hour_are_read_beside_am_or_pm_only():
    times = random_times(200, with_hours=True)
    clock = np.array(oracle(times, "%-I:%M %p"), dtype=object)
    assert object_time_format(clock, np.dtype(object)) == "%-I:%M %p"
    # '5:30' alone may be five and a half minutes: a duration (skbfn._encoding.elapsed), not a time of day
    bare = np.array([s.split()[0] for s in clock], dtype=object)
    assert object_time_format(bare, np.dtype(object)) is None


def test_a_missing_time_leaves_the_others_written():
    """The caller writes missing cells; a NaT beside a time must not stop the time being written."""
    times = pd.DatetimeIndex([pd.Timestamp("2024-03-05 09:07"), pd.NaT])
    written = _write(times, "%-m/%-d/%Y %-H:%M")
    assert len(written) == 2 and written[0] == "3/5/2024 9:07"


@pytest.mark.parametrize("time_format", ["%-m/%-d/%Y", "%-m/%-d/%Y %-I:%M %p", "%d-%^b-%y"])
def test_fitted_samples_are_written_as_the_data_were_and_survive_save_and_load(time_format, tmp_path):
    times = random_times(240, "%M" in time_format, seed=1)
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"amount": rng.gamma(2.0, 50.0, 240), "when": pd.Series(oracle(times, time_format), dtype=object)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert gen.column_roles_["when"] == "continuous" and gen.encoder_.columns_[1].time_format == time_format
    sample = gen.sample(300, random_state=0)["when"]
    read = pd.DatetimeIndex(_parse(sample, time_format))
    assert not read.isna().any() and oracle(read, time_format) == sample.tolist()
    assert read.min() >= times.min().floor("D") and read.max() <= times.max().ceil("D")
    assert sample.str.match(r"^\d/").any() or sample.str.contains("-[A-Z]{3}-").all()  # as the data are written
    assert np.isfinite(gen.score_samples(X.iloc[:10])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
