"""Durations held as text in clock fields ('0:03:25', '125:30') are numbers, written back in their fields."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.elapsed import ElapsedFormat, elapsed_format_of

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)


@settings(max_examples=60, deadline=None)
@given(
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
    fields=st.sampled_from([2, 3]),
    width=st.integers(1, 3),
)
def test_a_format_reads_back_what_it_writes_and_is_found_again(counts, fields, width):
    found_format = ElapsedFormat(fields, width)
    written = found_format.format(np.array(counts, dtype=float))
    np.testing.assert_array_equal(found_format.parse(written), counts)
    found = elapsed_format_of(written)
    assert found is not None and found.fields == fields
    np.testing.assert_array_equal(found.format(found.parse(written)), written)  # prints back unchanged
    np.testing.assert_array_equal(found.parse(written), counts)


@pytest.mark.parametrize(
    "strings",
    [
        ["12:30", "3:30 pm"],  # a time of day with its half
        ["1:05:00", "2:10"],  # two numbers of fields
        ["1:5:00", "2:10:00"],  # a field of one digit after the first
        ["1:75", "2:10"],  # 75 minutes or seconds
        ["05:30", "5:30"],  # padded and not
        ["1:05", "tomorrow"],
        ["0001:05", "0012:10"],  # padded past three digits
    ],
)
def test_other_strings_are_no_durations(strings):
    assert elapsed_format_of(np.array(strings, dtype=object)) is None


def test_a_corrupt_elapsed_format_is_refused():
    column = Column("call", "continuous", np.dtype(object), number_format=ElapsedFormat(3, 1))
    document = column.to_dict()
    assert Column.from_dict(document).number_format == ElapsedFormat(3, 1)
    for corrupt in ({"fields": 4}, {"width": 0}, {"width": True}, {"missing": "zero"}, {"kind": "clock"}, {"x": 1}):
        with pytest.raises(ValueError, match="invalid elapsed-time format"):
            Column.from_dict({**document, "number_format": {**document["number_format"], **corrupt}})


def test_call_durations_are_modelled_as_numbers_and_sampled_in_their_fields(tmp_path):
    rng = np.random.default_rng(0)
    n = 500
    seconds = np.round(rng.lognormal(5.5, 0.8, n)).astype(int)
    calls = pd.DataFrame(
        {
            "duration": [f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" for s in seconds],
            "hours_worked": [f"{h // 60}:{h % 60:02d}" for h in rng.integers(100 * 60, 200 * 60, n)],  # over 24
            "queue": rng.choice(["sales", "support"], n),
        }
    )
    gen = BFNGenerator(**SMALL, random_state=0).fit(calls)
    assert gen.column_roles_["duration"] == "continuous" and gen.column_roles_["hours_worked"] == "continuous"
    assert gen.encoder_.columns_[0].number_format == ElapsedFormat(3, 1)
    samples = gen.sample(400, random_state=0)
    for name in ("duration", "hours_worked"):
        number_format = gen.encoder_.columns_[list(calls).index(name)].number_format
        values = samples[name].to_numpy(dtype=object)
        np.testing.assert_array_equal(number_format.format(number_format.parse(values)), values)  # as written
        drawn, training = number_format.parse(values), number_format.parse(calls[name].to_numpy(dtype=object))
        assert training.min() <= drawn.min() and drawn.max() <= training.max()
    drawn = gen.encoder_.columns_[0].number_format.parse(samples["duration"].to_numpy(dtype=object))
    assert abs(np.median(drawn) - np.median(seconds)) < 0.5 * np.median(seconds)  # a short fit, a rough shape
    assert np.isfinite(gen.score_samples(calls.iloc[:10])).all()
    with pytest.raises(ValueError, match="'duration' holds '3 min'"):
        gen.score_samples(calls.iloc[:2].assign(duration="3 min"))
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
