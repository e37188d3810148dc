"""Durations as pandas and Python write them as text ('1 days 23:30:13', '2 days, 0:05:00') are numbers of
seconds, written back the same way."""

from __future__ import annotations

import datetime
import io

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.day_durations import DayDurationFormat, day_duration_format_of
from skbfn._encoding.durations import duration_format_of
from skbfn.metrics import column_shapes

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)
MICROSECONDS = st.integers(-(10**13), 10**13) | st.integers(-(10**6), 10**6).map(lambda s: s * 10**6)


@settings(max_examples=100, deadline=None)
@given(microseconds=st.lists(MICROSECONDS, min_size=1, max_size=20))
def test_durations_are_written_as_pandas_and_python_write_them_and_read_back(microseconds):
    seconds = np.array(microseconds, dtype=np.float64) / 1e6
    pandas_style, python_style = DayDurationFormat("pandas"), DayDurationFormat("python")
    written = pandas_style.format(seconds)
    assert written.tolist() == [str(pd.Timedelta(microseconds=m)) for m in microseconds]  # the oracles
    by_python = python_style.format(seconds)
    assert by_python.tolist() == [str(datetime.timedelta(microseconds=m)) for m in microseconds]
    for found_format, strings in ((pandas_style, written), (python_style, by_python)):
        assert np.all(np.abs(found_format.parse(strings) - seconds) <= 1e-6 + 1e-15 * np.abs(seconds))
        found = day_duration_format_of(strings)
        if found_format.style == "pandas" or any("day" in s for s in strings):
            assert found == found_format
        np.testing.assert_array_equal(duration_format_of(strings).parse(strings), found_format.parse(strings))


@pytest.mark.parametrize(
    "strings",
    [
        ["1 days 25:00:00"],  # 25 hours within a day
        ["0 days 0:05:00"],  # unpadded hours, as pandas never writes them
        ["1 days, 0:00:00"],  # Python writes one 'day'
        ["0 days, 0:05:00"],  # nor any days where there are none
        ["-1 days 23:59:59"],  # pandas writes a plus sign after negative days
        ["1 days +01:00:00"],  # and only there
        ["1 days 00:00:00.5"],  # six digits of microseconds, or none
        ["1 days", "2 days"],
        ["1 days 00:00:00", "1 day, 0:00:00"],  # two ways in one column
    ],
)
def test_other_strings_are_no_day_durations(strings):
    assert day_duration_format_of(np.array(strings, dtype=object)) is None


def test_a_day_duration_format_survives_its_document_and_a_corrupt_one_is_refused():
    for found in (DayDurationFormat("pandas"), DayDurationFormat("python", missing="NaT")):
        column = Column("stay", "continuous", np.dtype(object), number_format=found)
        assert Column.from_dict(column.to_dict()).number_format == found
    document = Column("stay", "continuous", np.dtype(object), number_format=DayDurationFormat("pandas")).to_dict()
    for corrupt in ({"style": "excel"}, {"missing": "zero"}, {"fields": 3}):
        with pytest.raises(ValueError, match="invalid day-duration format"):
            Column.from_dict({**document, "number_format": {**document["number_format"], **corrupt}})


def _stays(n_rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """Hospital stays with a timedelta column, written to a CSV file and read back: the durations are strings."""
    rng = np.random.default_rng(seed)
    severity = rng.integers(1, 6, n_rows)
    stay = pd.to_timedelta(np.round(rng.gamma(2.0, 8.0 * 3600 * severity)), unit="s")
    frame = pd.DataFrame({"severity": severity, "stay": stay})
    frame.loc[rng.random(n_rows) < 0.1, "stay"] = pd.NaT
    return pd.read_csv(io.StringIO(frame.to_csv(index=False)), keep_default_na=False)


def test_a_timedelta_column_read_back_from_a_csv_file_is_modelled_as_seconds_and_written_back(tmp_path):
    X = _stays()
    assert pd.api.types.is_string_dtype(X["stay"]) and X["stay"].str.contains(" days ").sum() > 300
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[1]
    assert gen.encoder_.roles["stay"] == "continuous" and column.number_format == DayDurationFormat("pandas", "")
    samples = gen.sample(600, random_state=0)
    values = samples["stay"].to_numpy(dtype=object)
    seconds = column.number_format.parse(values)
    written = values[np.isfinite(seconds)]
    assert all(isinstance(v, str) and " days " in v for v in written)
    np.testing.assert_array_equal(column.number_format.format(column.number_format.parse(written)), written)
    training = column.number_format.parse(X["stay"].to_numpy(dtype=object))
    assert np.array_equal(seconds[np.isfinite(seconds)], np.round(seconds[np.isfinite(seconds)]))  # whole seconds
    # modelled exactly as its seconds are: the same model, drawing the same seconds
    as_seconds = BFNGenerator(**SMALL, random_state=0).fit(X.assign(stay=training))
    np.testing.assert_array_equal(seconds, as_seconds.sample(600, random_state=0)["stay"].to_numpy())
    assert abs((samples["stay"] == "").mean() - (X["stay"] == "").mean()) < 0.06  # the missing stays
    # longer stays with more severe cases, as in the data
    known = np.isfinite(seconds)
    assert np.corrcoef(samples["severity"][known], seconds[known])[0, 1] > 0.3
    # the report reads them as seconds: the KS distance of the seconds, a missing cell counted past every number
    expected = ks_2samp(np.nan_to_num(training, nan=np.inf), np.nan_to_num(seconds, nan=np.inf)).statistic
    assert column_shapes(X, samples)["stay"] == pytest.approx(expected)
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    with pytest.raises(ValueError, match="'stay' holds '3 hours'"):
        gen.score_samples(X.iloc[:2].assign(stay=["3 hours", "0 days 01:00:00"]))
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
