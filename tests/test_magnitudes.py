"""Numbers written at several magnitudes ('$350K' beside '$1.2M', '750 MB' beside '1.2 GB') are one column of
numbers, written back at the magnitude each reaches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from skbfn import BFNGenerator
from skbfn._encoding.column import Column
from skbfn._encoding.magnitudes import magnitude_powers, written_power
from skbfn._encoding.text_numbers import NumberFormat, number_format_of, text_number_format
from skbfn.metrics import column_shapes

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)
FAMILIES = [
    (("K", 3), ("M", 6)),
    (("", 0), ("k", 3), ("M", 6), ("B", 9)),
    ((" KB", 3), (" MB", 6), (" GB", 9)),
    (("mg", -3), ("g", 0), ("kg", 3)),
    ((" thousand", 3), (" million", 6), (" billion", 9)),
    (("bn", 9), ("tn", 12)),
]


def _strings(values) -> np.ndarray:
    return np.array(values, dtype=object)


@settings(max_examples=80, deadline=None)
@given(
    numbers=st.lists(st.floats(-1e13, 1e13, allow_nan=False), min_size=1, max_size=30),
    family=st.sampled_from(FAMILIES),
    decimals=st.lists(st.integers(0, 3), min_size=4, max_size=4),
    prefix=st.sampled_from(["", "$", "€ "]),
    trim=st.booleans(),
)
def test_magnitudes_read_back_what_they_write_and_are_found_again(numbers, family, decimals, prefix, trim):
    magnitudes = tuple((suffix, power, d) for (suffix, power), d in zip(family, decimals, strict=False))
    number_format = NumberFormat(prefix, "", False, max(d for _, _, d in magnitudes), trim, magnitudes=magnitudes)
    written = number_format.format(np.array(numbers))
    parsed = number_format.parse(written)
    powers = [dict((s, p) for s, p, _ in magnitudes)[number_format_of_suffix(w, magnitudes)] for w in written]
    at = {p: d for _, p, d in magnitudes}
    for number, back, power in zip(numbers, parsed, powers, strict=True):  # rounded to their magnitude's decimals
        assert abs(back - number) <= 0.5 * 10.0 ** (power - at[power]) * (1 + 1e-9) + 1e-9 * abs(number)
        smallest, largest = magnitudes[0][1], magnitudes[-1][1]
        # at the largest magnitude it reaches (or the smallest), never with 1,000 or more of one below the next
        assert power == smallest or abs(back) >= 10.0**power * (1 - 1e-12)
        assert power == largest or abs(back) < 10.0 ** min(p for _, p, _ in magnitudes if p > power) * (1 + 1e-12)
    found, exact = number_format_of(written, np.dtype(object))
    assert found is not None and exact  # the strings one format wrote are read in one that writes them back
    np.testing.assert_array_equal(found.format(found.parse(written)), written)
    if len(set(powers)) > 1:
        np.testing.assert_array_equal(found.parse(written), parsed)
    else:  # strings at one magnitude only: its suffix reads as a unit, and the numbers as counts of it
        np.testing.assert_allclose(found.parse(written) * 10.0 ** powers[0], parsed, rtol=1e-12)


def number_format_of_suffix(string: str, magnitudes) -> str:
    """The magnitude suffix a written string ends with (the longest that fits)."""
    return max((s for s, _, _ in magnitudes if string.endswith(s)), key=len)


@pytest.mark.parametrize(
    ("strings", "expected"),
    [
        (
            ["$350K", "$1.2M", "$45K", "$2M"],
            NumberFormat("$", "", False, 1, True, magnitudes=(("K", 3, 0), ("M", 6, 1))),
        ),
        (["201k", "19M", "8.7M"], NumberFormat("", "", False, 1, True, magnitudes=(("k", 3, 0), ("M", 6, 1)))),
        (
            ["750 MB", "1.2 GB", "512 KB"],
            NumberFormat("", "", False, 1, False, magnitudes=((" KB", 3, 0), (" MB", 6, 0), (" GB", 9, 1))),
        ),
        (
            ["2.5 million", "750 thousand", "1.1 billion"],
            NumberFormat(
                "", "", False, 1, False, magnitudes=((" thousand", 3, 0), (" million", 6, 1), (" billion", 9, 1))
            ),
        ),
        (
            ["500 mg", "1.5 g", "2 kg"],
            NumberFormat("", "", False, 1, False, magnitudes=((" mg", -3, 0), (" g", 0, 1), (" kg", 3, 0))),
        ),
        (
            ["$500", "$1.2K", "$3.0M"],
            NumberFormat("$", "", False, 1, False, magnitudes=(("", 0, 0), ("K", 3, 1), ("M", 6, 1))),
        ),
        (["120 ms", "1.5 s"], NumberFormat("", "", False, 1, False, magnitudes=((" ms", -3, 0), (" s", 0, 1)))),
        (["850 m", "1.2 km"], NumberFormat("", "", False, 1, False, magnitudes=((" m", 0, 0), (" km", 3, 1)))),
    ],
)
def test_numbers_at_several_magnitudes_are_found(strings, expected):
    assert text_number_format(_strings(strings), np.dtype(object)) == expected


@pytest.mark.parametrize(
    "strings",
    [
        ["12A", "13B"],  # seats: letters that are no magnitude
        ["1K", "2k"],  # two ways of writing one magnitude
        ["$5K", "€5M"],  # two currencies
        ["1 kg", "2 lb"],  # two units
        ["12", "5 kg"],  # a bare number beside a unit
        ["1.5e3K", "2M"],  # an exponent
        ["10 min", "2 h"],  # durations are not magnitudes (unit_durations reads them)
        ["5m", "3M"],  # milli only before a unit: 'm' alone may be metres or millions
    ],
)
def test_suffixes_that_are_no_magnitudes_stay_text(strings):
    assert text_number_format(_strings(strings), np.dtype(object)) is None


def test_the_magnitude_written_is_the_largest_reached_unless_its_digits_round_up_to_the_next():
    powers, decimals = (0, 3, 6), (0, 0, 1)
    assert [written_power(v, powers, decimals) for v in (0.0, 999.0, 999.6, 1000.0, 999_499.0, 999_960.0)] == [
        0,
        0,
        1,  # 1000 units round to '1K', not '1000'
        1,
        1,
        2,
    ]
    assert magnitude_powers(["K", "M"]) == {"K": 3, "M": 6} and magnitude_powers(["K"]) is None


def test_a_magnitude_format_survives_its_document_and_a_corrupt_one_is_refused():
    funding = NumberFormat("$", "", False, 1, True, magnitudes=(("K", 3, 0), ("M", 6, 1)))
    document = funding.to_dict()
    assert document["magnitudes"] == [["K", 3, 0], ["M", 6, 1]]
    assert NumberFormat.from_dict(document) == funding
    assert "magnitudes" not in NumberFormat("$", "", True, 2, False).to_dict()  # as releases before them wrote it
    column = Column("raised", "continuous", np.dtype(object), number_format=funding)
    assert Column.from_dict(column.to_dict()).number_format == funding
    for corrupt in (
        [["M", 6, 1], ["K", 3, 0]],  # not in increasing powers
        [["K", 6, 0], ["M", 9, 1]],  # powers the suffixes do not stand for
        [["K", 3, 0]],  # one magnitude
        [["K", 3, 9], ["M", 6, 1]],  # too many decimals
        [["K", 3, 0], ["K", 3, 0]],
        [["A", 3, 0], ["B", 9, 0]],
        "K",
        [["K", 3.0, 0], ["M", 6, 1]],
    ):
        with pytest.raises(ValueError, match="invalid number format"):
            NumberFormat.from_dict({**document, "magnitudes": corrupt})
    with pytest.raises(ValueError, match="invalid number format"):
        NumberFormat.from_dict({**document, "suffix": "K"})  # a suffix beside magnitudes


def _funding(seed: int = 0, n_rows: int = 400) -> pd.DataFrame:
    """Start-ups: amounts raised in K and M (a few not disclosed), and app sizes in k and M."""
    rng = np.random.default_rng(seed)
    raised = np.round(np.exp(rng.normal(13.5, 1.6, n_rows)), -3)
    size = np.exp(rng.normal(2.3, 1.2, n_rows))  # MB
    frame = pd.DataFrame(
        {
            "raised": NumberFormat("$", "", False, 1, True, magnitudes=(("K", 3, 0), ("M", 6, 1))).format(raised),
            "size": NumberFormat("", "", False, 1, False, magnitudes=(("k", 3, 0), ("M", 6, 1))).format(size * 1e6),
            "employees": rng.poisson(np.sqrt(raised) / 40) + 1,
        }
    )
    frame.loc[rng.random(n_rows) < 0.08, "raised"] = "undisclosed"
    return frame


def test_a_table_of_magnitudes_is_modelled_as_numbers_and_written_back_at_theirs(tmp_path):
    X = _funding()
    gen = BFNGenerator(**SMALL, continuous_transform="auto", random_state=0).fit(X)  # amounts: heavy tails
    assert gen.encoder_.roles == {"raised": "continuous", "size": "continuous", "employees": "continuous"}
    raised, size = gen.encoder_.columns_[0], gen.encoder_.columns_[1]
    assert raised.codes == ("undisclosed",) and [p for _, p, _ in raised.number_format.magnitudes] == [3, 6]
    samples = gen.sample(600, random_state=0)
    for column in (raised, size):
        values = samples[column.name].to_numpy(dtype=object)
        numbers = column.number_format.parse(values)
        written = values[np.isfinite(numbers)]
        np.testing.assert_array_equal(column.number_format.format(column.number_format.parse(written)), written)
        training = column.number_format.parse(X[column.name].to_numpy(dtype=object))
        # the amounts span their magnitudes as the data do: thousands and millions alike
        assert abs(np.nanmedian(np.log10(numbers)) - np.nanmedian(np.log10(training))) < 0.3
        assert {s[-1] for s in written} == {s[-1] for s in X[column.name] if s != "undisclosed"}
    assert abs((samples["raised"] == "undisclosed").mean() - (X["raised"] == "undisclosed").mean()) < 0.05
    # the larger the amount raised, the more employees, as in the data
    numbers = raised.number_format.parse(samples["raised"].to_numpy(dtype=object))
    known = np.isfinite(numbers)
    assert np.corrcoef(np.log(numbers[known]), np.log(samples["employees"][known]))[0, 1] > 0.5
    # the report reads them as numbers: the column shape is the KS distance of the numbers written
    expected = ks_2samp(
        size.number_format.parse(X["size"].to_numpy(dtype=object)),
        size.number_format.parse(samples["size"].to_numpy(dtype=object)),
    ).statistic
    assert column_shapes(X, samples)["size"] == pytest.approx(expected)
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_magnitudes_written_in_several_ways_are_numbers_with_a_warning():
    """App sizes as an app store writes them: '1020k' where a written rule would say '1.0M'."""
    rng = np.random.default_rng(1)
    sizes = [f"{v:.0f}k" if v < 1024 else f"{v / 1024:.1f}M" for v in np.exp(rng.normal(8, 1.5, 300))]
    sizes[:2] = ["1020k", "1.0M"]
    frame = pd.DataFrame({"size": sizes, "x": rng.normal(size=300)})
    with pytest.warns(UserWarning, match="'size' writes its numbers in more than one way .* at one magnitude or"):
        gen = BFNGenerator(**{**SMALL, "max_iter": 5}).fit(frame)
    assert gen.encoder_.roles["size"] == "continuous"
