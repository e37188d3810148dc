"""Durations held as text in fields with units ('2h 50m', '1 hr 5 mins') are numbers, written back in their units."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.unit_durations import UnitDurationFormat, unit_duration_format_of
from skbfn.metrics._tables import learn_layout

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)
STYLES = {
    ("h", "m"): [("h", "m"), ("hr", "min"), ("hour", "minute")],
    ("d", "h"): [("d", "h"), ("day", "hour")],
    ("h", "m", "s"): [("h", "m", "s"), ("hr", "min", "sec")],
}


@st.composite
def formats(draw) -> UnitDurationFormat:
    units = draw(st.sampled_from(sorted(STYLES)))
    labels = draw(st.sampled_from(STYLES[units]))
    flags = [draw(st.booleans()) for _ in range(3)]
    space, separator = draw(st.sampled_from(["", " "])), draw(st.sampled_from(["", " ", ", "]))
    return UnitDurationFormat(units, labels, flags[0] and labels[-1] != "s", space, separator, flags[1], flags[2])


def _spelled_out(count: int, form: UnitDurationFormat) -> str:
    """An oracle for the writing, field by field from the seconds, apart from the format's own arithmetic."""
    seconds = count * {"d": 86400, "h": 3600, "m": 60, "s": 1}[form.units[-1]]
    parts = []
    for unit, label in zip(form.units, form.labels, strict=True):
        size = {"d": 86400, "h": 3600, "m": 60, "s": 1}[unit]
        value, seconds = seconds // size, seconds % size
        parts.append((value, label))
    shown = [p for p in parts if form.zeros or p[0]] or [parts[-1]]
    words = []
    for place, (value, label) in enumerate(shown):
        number = f"{value:02d}" if form.pad and place else str(value)
        words.append(number + form.space + label + ("s" if form.plural and value != 1 else ""))
    return form.separator.join(words)


@settings(max_examples=150, deadline=None)
@given(form=formats(), counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_a_format_writes_as_spelled_out_and_reads_back_what_it_writes(form, counts):
    written = form.format(np.array(counts, dtype=float))
    assert written.tolist() == [_spelled_out(c, form) for c in counts]
    unambiguous = form.separator or form.space == ""  # '1h5m' and '1 h 5 m' read alike, but '1 h5 m' not
    if unambiguous:
        np.testing.assert_array_equal(form.parse(written), counts)


@pytest.mark.parametrize(
    ("strings", "units", "labels", "plural", "zeros", "pad"),
    [
        (["2h 50m", "19h", "45m", "7h 5m"], ("h", "m"), ("h", "m"), False, False, False),  # flight durations
        (["1 hr 5 mins", "2 hrs", "45 mins", "1 hr 1 min"], ("h", "m"), ("hr", "min"), True, False, False),
        (["0h 45m", "2h 0m", "12h 30m"], ("h", "m"), ("h", "m"), False, True, False),
        (["2h 05m", "1h 30m", "4h"], ("h", "m"), ("h", "m"), False, False, True),
        (["1d 4h", "3d", "16h", "2d 23h"], ("d", "h"), ("d", "h"), False, False, False),
    ],
)
def test_durations_with_units_are_found_in_their_style(strings, units, labels, plural, zeros, pad):
    found = unit_duration_format_of(np.array([*strings, "n/a"], dtype=object))
    assert (found.units, found.labels, found.plural, found.zeros, found.pad) == (units, labels, plural, zeros, pad)
    assert found.missing == "n/a"
    assert found.format(found.parse(np.array(strings, dtype=object))).tolist() == strings


@pytest.mark.parametrize(
    "strings",
    [
        ["5 ft 11 in", "6 ft 0 in"],  # no units of time
        ["18 days", "3 days"],  # one unit: a number with a suffix
        ["2h 50m", "3 hr"],  # two labels for hours
        ["2h 50m", "50m 2h"],  # out of order
        ["2h 50m", "2h50m"],  # two separators
        ["2y 3m", "1y"],  # years: no durations here
        ["1h 30m", "soon"],
    ],
)
def test_other_strings_are_no_durations_with_units(strings):
    assert unit_duration_format_of(np.array(strings, dtype=object)) is None


def test_a_corrupt_unit_duration_format_is_refused():
    form = UnitDurationFormat(("h", "m"), ("h", "m"), False, "", " ", False, False)
    column = Column("flight", "continuous", np.dtype(object), number_format=form)
    document = column.to_dict()
    assert Column.from_dict(document).number_format == form
    for corrupt in (
        {"units": ["m", "h"]},  # smallest first
        {"units": ["h"], "labels": ["h"]},  # one unit
        {"labels": ["h", "sec"]},  # a label of another unit
        {"separator": "; "},
        {"zeros": 1},
        {"missing": "zero"},
        {"kind": "elapsed"},
        {"x": 1},
    ):
        with pytest.raises(ValueError, match=r"invalid (unit-duration|elapsed-time) format"):
            Column.from_dict({**document, "number_format": {**document["number_format"], **corrupt}})


def test_flight_durations_are_modelled_as_numbers_and_sampled_in_their_units(tmp_path):
    rng = np.random.default_rng(0)
    minutes = np.round(rng.gamma(3, 60, 500) / 5) * 5 + 5
    written = [(f"{int(m // 60)}h" if m >= 60 else "") + (" " if m >= 60 and m % 60 else "") for m in minutes]
    written = [w + (f"{int(m % 60)}m" if m % 60 else "") for w, m in zip(written, minutes, strict=True)]
    flights = pd.DataFrame({"duration": written, "stops": rng.choice(["non-stop", "1 stop"], 500)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(flights)
    assert gen.column_roles_["duration"] in ("continuous", "discretised")
    form = gen.encoder_.columns_[0].number_format
    assert isinstance(form, UnitDurationFormat) and form.units == ("h", "m") and not form.zeros
    values = gen.sample(400, random_state=0)["duration"].to_numpy(dtype=object)
    drawn = form.parse(values)
    np.testing.assert_array_equal(form.format(drawn), values)  # as the data write them
    assert minutes.min() <= drawn.min() and drawn.max() <= minutes.max()
    assert abs(np.median(drawn) - np.median(minutes)) < 0.5 * np.median(minutes)  # a short fit, a rough shape
    assert np.isfinite(gen.score_samples(flights.iloc[:10])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def _iso_spelled_out(seconds: int, units: tuple[str, ...], zeros: bool) -> str:
    """An oracle for ISO 8601 writing: 'P', days, then 'T' and the hours, minutes and seconds, from the seconds."""
    sizes = {"d": 86400, "h": 3600, "m": 60, "s": 1}
    parts = []
    for unit in units:
        parts.append((unit, seconds // sizes[unit]))
        seconds %= sizes[unit]
    shown = [p for p in parts if zeros or p[1]] or [parts[-1]]
    days = "".join(f"{n}D" for u, n in shown if u == "d")
    times = "".join(f"{n}{u.upper()}" for u, n in shown if u != "d")
    return "P" + days + ("T" + times if times else "")


@settings(max_examples=100, deadline=None)
@given(
    units=st.sampled_from([("s",), ("m",), ("m", "s"), ("h", "m", "s"), ("d", "h"), ("d", "h", "m", "s")]),
    zeros=st.booleans(),
    counts=st.lists(st.integers(0, 10**6), min_size=1, max_size=30),
)
def test_iso_durations_write_as_spelled_out_and_read_back_and_are_found(units, zeros, counts):
    form = UnitDurationFormat(units, tuple(u.upper() for u in units), False, "", "", zeros, False, iso=True)
    size = {"d": 86400, "h": 3600, "m": 60, "s": 1}[units[-1]]
    written = form.format(np.array(counts, dtype=float))
    assert written.tolist() == [_iso_spelled_out(c * size, units, zeros) for c in counts]
    np.testing.assert_array_equal(form.parse(written), counts)
    found = unit_duration_format_of(written)
    if found is not None:  # what the strings show of their units and zeros reads them back
        assert found.iso and found.format(found.parse(written)).tolist() == written.tolist()
    assert (
        Column.from_dict(Column("d", "continuous", np.dtype(object), number_format=form).to_dict()).number_format
        == form
    )


@pytest.mark.parametrize(
    "strings",
    [
        ["PT4M13S", "P1M"],  # a month: no duration here
        ["PT4M13S", "PT4.5S"],  # fractions of a second
        ["P2W", "P1W"],  # weeks
        ["PT", "PT3M"],
        ["PT4M13S", "4m 13s"],
        ["P1DT", "P2D"],
    ],
)
def test_other_strings_are_no_iso_durations(strings):
    assert unit_duration_format_of(np.array(strings, dtype=object)) is None


def test_video_durations_in_iso_8601_are_modelled_as_seconds_and_written_back(tmp_path):
    """A video's duration as an API exports it ('PT4M13S') was text with too many values: dropped."""
    rng = np.random.default_rng(1)
    seconds = rng.gamma(2.0, 900.0, 400).astype(int) + 1  # a few over an hour
    written = [
        "PT"
        + (f"{s // 3600}H" if s >= 3600 else "")
        + (f"{s % 3600 // 60}M" if s % 3600 >= 60 else "")
        + (f"{s % 60}S" if s % 60 else "")
        for s in seconds
    ]
    videos = pd.DataFrame({"duration": written, "views": rng.lognormal(8, 1, 400).round()})
    gen = BFNGenerator(**SMALL, random_state=0).fit(videos)
    form = gen.encoder_.columns_[0].number_format
    assert gen.column_roles_["duration"] in ("continuous", "discretised") and form.iso and form.units == ("h", "m", "s")
    values = gen.sample(300, random_state=0)["duration"].to_numpy(dtype=object)
    drawn = form.parse(values)
    assert not np.isnan(drawn).any() and form.format(drawn).tolist() == values.tolist()
    assert seconds.min() <= drawn.min() and drawn.max() <= seconds.max()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)
    assert learn_layout(videos).numeric == ("duration", "views")  # the report reads them as numbers too
    document = gen.encoder_.columns_[0].to_dict()
    for corrupt in (
        {"iso": False},
        {"labels": ["h", "m", "s"]},
        {"separator": " "},
        {"units": ["s"], "labels": ["S"], "x": 1},
    ):
        with pytest.raises(ValueError, match="invalid unit-duration format"):
            Column.from_dict({**document, "number_format": {**document["number_format"], **corrupt}})
