"""Numbers held as text ('$1,234.50', '12.5%', '3,000') are modelled as numbers and come back as text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding import TableEncoder
from skbfn._encoding.column import Column
from skbfn._encoding.text_numbers import MARKS, NumberFormat, number_format_of, text_number_format
from skbfn.metrics import column_shapes

SMALL = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)
N_ROWS = 400


def _strings(values) -> np.ndarray:
    return np.array(values, dtype=object)


@settings(max_examples=60, deadline=None)
@given(
    numbers=st.lists(st.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=30),
    affixes=st.sampled_from(
        [("", ""), ("$", ""), ("€ ", ""), ("USD ", ""), ("", "%"), ("", " %"), ("", " €"), ("", " kg"), ("", "km/h")]
    ),
    grouping=st.booleans(),
    decimals=st.integers(0, 6),
    trim=st.booleans(),
    marks=st.sampled_from(MARKS),
    signs=st.sampled_from(
        [("-", False), ("-", True), ("()", False), ("trailing -", False), ("\u2212", False), ("\u2212", True)]
    ),
)
def test_a_format_reads_back_what_it_writes_and_is_found_again(
    numbers, affixes, grouping, decimals, trim, marks, signs
):
    (prefix, suffix), (decimal_mark, group_mark), (negative, plus) = affixes, marks, signs
    number_format = NumberFormat(
        prefix, suffix, grouping, decimals, trim, decimal_mark, group_mark, None, negative, plus
    )
    written = number_format.format(np.array(numbers))
    parsed = number_format.parse(written)
    np.testing.assert_allclose(parsed, np.round(numbers, decimals), rtol=1e-12, atol=10.0**-decimals)
    found = text_number_format(written, np.dtype(object))
    assert found is not None  # strings one format wrote are numbers in a format that writes them back
    np.testing.assert_array_equal(found.format(found.parse(written)), written)
    assert (found.prefix, found.suffix) == (prefix, suffix)
    signed = np.copysign(1.0, numbers)
    assert found.negative == (negative if (signed < 0).any() else "-")  # the marks the strings show
    assert found.plus == (plus and bool((signed > 0).any()))
    # the numbers found are the numbers written, unless the strings read as well with the other decimal mark,
    # tried first ('1,000': a thousand, or one with three decimals)
    if found.decimal_mark == decimal_mark:
        np.testing.assert_allclose(found.parse(written), parsed, rtol=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    numbers=st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=1, max_size=30),
    decimals=st.integers(0, 6),
    letter=st.sampled_from(["e", "E"]),
    suffix=st.sampled_from(["", " Bq", "%"]),
)
def test_exponents_read_back_what_they_write_and_are_found_again(numbers, decimals, letter, suffix):
    number_format = NumberFormat("", suffix, False, decimals, False, exponent=letter)
    written = number_format.format(np.array(numbers))
    np.testing.assert_allclose(number_format.parse(written), numbers, rtol=10.0**-decimals)
    found = text_number_format(written, np.dtype(object))
    assert found is not None and found.exponent == letter and found.decimals == decimals
    np.testing.assert_array_equal(found.format(found.parse(written)), written)


@pytest.mark.parametrize(
    ("strings", "expected"),
    [
        (["$1,234.50", "$3.00", "-$12.25"], NumberFormat("$", "", grouping=True, decimals=2, trim=False)),
        (["12.5%", "3%", "0.25%"], NumberFormat("", "%", grouping=False, decimals=2, trim=True)),
        (["3,000", "12", "1,250,000"], NumberFormat("", "", grouping=True, decimals=0, trim=False)),
        (["€5", "€17"], NumberFormat("€", "", grouping=False, decimals=0, trim=False)),
        (["-0.0%", "2.5%", "-3.1%"], NumberFormat("", "%", grouping=False, decimals=1, trim=False)),  # as Python writes
        (["1.234,50 €", "3,00 €"], NumberFormat("", " €", True, 2, False, decimal_mark=",", group_mark=".")),
        (["12,5 %", "3 %"], NumberFormat("", " %", False, 1, True, decimal_mark=",", group_mark=".")),
        (["1,234", "12,5"], NumberFormat("", "", False, 3, True, decimal_mark=",", group_mark=".")),  # 12,500 is not
        (["1,234", "2,000"], NumberFormat("", "", grouping=True, decimals=0, trim=False)),  # the point wins a tie
        (["USD 1,000.00", "USD 5.50"], NumberFormat("USD ", "", grouping=True, decimals=2, trim=False)),
        (["1 234,5", "12,0"], NumberFormat("", "", True, 1, False, decimal_mark=",", group_mark=" ")),
        (["1'234.50", "3.00"], NumberFormat("", "", True, 2, False, decimal_mark=".", group_mark="'")),
        (["$ 5", "$ 6"], NumberFormat("$ ", "", grouping=False, decimals=0, trim=False)),
        (["12.5", "?", "3.25"], NumberFormat("", "", False, 2, True, missing="?")),  # as UCI files mark them
        (["N/A", "1,000", "25"], NumberFormat("", "", grouping=True, decimals=0, trim=False, missing="N/A")),
        (["1.5", "", "2.25"], NumberFormat("", "", False, 2, True, missing="")),  # empty cells, as exported
        (["#N/A", "3.0"], NumberFormat("", "", False, 1, False, missing="#N/A")),  # as Excel writes them
        (["0.5", "12.25", "7"], NumberFormat("", "", grouping=False, decimals=2, trim=True)),
        (["(1,234.50)", "3.00"], NumberFormat("", "", True, 2, False, negative="()")),  # accounting
        (["($12.00)", "$5.00"], NumberFormat("$", "", False, 2, False, negative="()")),
        (["1,234.50-", "3.00"], NumberFormat("", "", True, 2, False, negative="trailing -")),  # as SAP exports
        (["+2.5%", "-0.5%"], NumberFormat("", "%", False, 1, False, plus=True)),
        (["+2.5%", "0.0%", "-0.5%"], NumberFormat("", "%", False, 1, False, plus=True, plus_on_zero=False)),
        (["+2.5%", "+0.0%", "-0.5%"], NumberFormat("", "%", False, 1, False, plus=True)),  # as Python writes it
        (["12.5 kg", "3.0 kg"], NumberFormat("", " kg", False, 1, False)),  # units of measure
        (["12.5kg", "3.0kg"], NumberFormat("", "kg", False, 1, False)),
        (["-2°C", "15°C"], NumberFormat("", "°C", False, 0, False)),
        (["80 km/h", "120 km/h"], NumberFormat("", " km/h", False, 0, False)),
        (["3 years", "12 years"], NumberFormat("", " years", False, 0, False)),
        (["1.5K", "12.0K"], NumberFormat("", "K", False, 1, False)),
        (["2.515e+02", "-6.700e-04"], NumberFormat("", "", False, 3, False, exponent="e")),  # as C and Python write
        (["2.52E+02", "1.00E-05"], NumberFormat("", "", False, 2, False, exponent="E")),  # as spreadsheets do
        # as French Excel groups thousands (a no-break space) and French typography does (a narrow one)
        (["1\u00a0234,50\u00a0€", "3,00\u00a0€"], NumberFormat("", "\u00a0€", True, 2, False, ",", "\u00a0")),
        (["12\u202f345,6", "7,0"], NumberFormat("", "", True, 1, False, decimal_mark=",", group_mark="\u202f")),
        (["\u22123.50", "2.25"], NumberFormat("", "", False, 2, False, negative="\u2212")),  # a typographic minus
        (["~403", "~1,200"], NumberFormat("~", "", True, 0, False)),  # approximate values
        (["≈ 12.5", "≈ 3.0"], NumberFormat("≈ ", "", False, 1, False)),
    ],
)
def test_numbers_written_in_one_format_are_found(strings, expected):
    assert text_number_format(_strings(strings), np.dtype(object)) == expected


@pytest.mark.parametrize(
    "strings",
    [
        ["007", "012", "123"],  # leading zeros: keys, which would not print back
        ["1234.5", "1,234.5"],  # grouped and not
        ["$5", "€5"],  # two currencies
        ["1.50", "2.5"],  # a trailing zero that trimmed decimals would drop
        ["12", "twelve"],
        ["1e5", "2e3"],
        ["?", "-"],
        ["1.2.3", "4.5.6"],
        ["5 $ ", "6 $ "],
        ["1,234.5", "1.234,5"],  # two ways of writing in one column
        ["usd 5", "usd 6"],
        ["(12", "13"],  # a parenthesis alone
        ["(12)", "-13"],  # two ways of marking negatives
        ["+12", "(13)"],
        ["-(12)", "13"],
        ["1 kg", "2 lb"],  # two units (grams at two magnitudes are numbers: test_magnitudes.py)
        ["12A", "13B"],  # codes
        ["1st", "2nd", "3rd"],
        ["12 Main St", "3 Main St"],  # words, not a unit
        ["1e-05", "0.5"],  # an exponent in some values only, as Python's repr writes them
        ["2.5E2", "3.1E3"],  # no sign in the exponent
        ["1.0e+01", "2.0E+01"],  # two letters
        ["1.0e+01", "2.00e+01"],  # two mantissas
        ["~12", "13"],  # approximate in some values only
        ["12.3 ± 0.6", "7.1 ± 0.2"],  # a value and its uncertainty: two numbers
    ],
)
def test_text_that_does_not_print_back_as_numbers_is_not_numbers(strings):
    assert text_number_format(_strings(strings), np.dtype(object)) is None


def test_only_strings_in_object_columns_are_read():
    assert text_number_format(np.array([1.5, 2.0], dtype=object), np.dtype(object)) is None
    assert text_number_format(_strings(["1", "2"]), pd.CategoricalDtype(["1", "2"])) is None
    assert text_number_format(_strings(["1", 2]), np.dtype(object)) is None


def _ledger(seed: int = 0, n_rows: int = N_ROWS) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    price = np.round(rng.lognormal(5, 1, n_rows), 2)
    frame = pd.DataFrame(
        {
            "price": [f"${v:,.2f}" for v in price],
            "discount": [f"{v:g}%" for v in np.round(rng.uniform(0, 40, n_rows), 1)],
            "units": [f"{v:,}" for v in rng.integers(0, 20_000, n_rows)],
        }
    )
    frame.loc[rng.random(n_rows) < 0.1, "discount"] = None
    return frame


@pytest.fixture(scope="module")
def ledger():
    return _ledger()


@pytest.fixture(scope="module")
def fitted(ledger):
    return BFNGenerator(**SMALL, random_state=0).fit(ledger)


def test_numbers_held_as_text_are_modelled_as_numbers_and_sampled_as_text(fitted, ledger):
    assert fitted.encoder_.roles == {"price": "continuous", "discount": "continuous", "units": "continuous"}
    samples = fitted.sample(300, random_state=0)
    for name in ledger:
        number_format = fitted.encoder_.columns_[list(ledger).index(name)].number_format
        values = samples[name].dropna().to_numpy(dtype=object)
        assert samples[name].dtype == ledger[name].dtype and all(isinstance(v, str) for v in values)
        np.testing.assert_array_equal(number_format.format(number_format.parse(values)), values)  # as written
        numbers, training = number_format.parse(values), number_format.parse(ledger[name].dropna().to_numpy())
        assert training.min() <= numbers.min() and numbers.max() <= training.max()
    assert samples["discount"].isna().any()  # the missing discounts come back too
    units = fitted.encoder_.columns_[2].number_format.parse(samples["units"].to_numpy(dtype=object))
    assert np.array_equal(units, np.round(units))
    # the report reads them as numbers: the column shape is the KS distance of the numbers written
    price = fitted.encoder_.columns_[0].number_format
    expected = ks_2samp(price.parse(ledger["price"].to_numpy()), price.parse(samples["price"].to_numpy())).statistic
    assert column_shapes(ledger, samples)["price"] == pytest.approx(expected)


def test_scoring_a_value_not_in_the_format_names_the_column(fitted, ledger):
    rows = ledger.iloc[:3].copy()
    assert np.isfinite(fitted.score_samples(rows)).all()
    rows.loc[1, "price"] = "1,234.50 USD"
    with pytest.raises(
        ValueError, match=r"'price' holds '1,234.50 USD', which is not a number written as '\$1,234\.50'"
    ):
        fitted.score_samples(rows)


def test_a_few_numbers_held_as_text_each_seen_often_are_categories_and_unique_integers_are_ids():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {
            "rating": rng.choice(["1", "2", "3", "4", "5"], N_ROWS),
            "order": [f"{10_000 + k}" for k in range(N_ROWS)],
            "amount": rng.normal(size=N_ROWS),
        }
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 5}, random_state=0).fit(X)
    assert gen.encoder_.roles == {"rating": "categorical", "order": "id", "amount": "continuous"}
    # bare integers: codes when few enough to be categories (max_categories), numbers when more
    codes = pd.DataFrame({"branch": rng.choice([str(k) for k in range(101, 131)], N_ROWS), "x": X["amount"]})
    assert BFNGenerator(**{**SMALL, "max_iter": 5}).fit(codes).encoder_.roles["branch"] == "categorical"
    counts = pd.DataFrame({"visits": [str(k) for k in rng.integers(0, 300, N_ROWS)], "x": X["amount"]})
    assert BFNGenerator(**{**SMALL, "max_iter": 5}).fit(counts).encoder_.roles["visits"] == "continuous"
    roles = BFNGenerator(**{**SMALL, "max_iter": 5}, column_roles={"rating": "continuous"}).fit(X).encoder_.roles
    assert roles["rating"] == "continuous"


def test_numbers_held_as_text_survive_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


def test_a_corrupt_number_format_is_refused():
    column = Column("price", "continuous", np.dtype(object), number_format=NumberFormat("$", "", True, 2, False))
    document = column.to_dict()
    assert Column.from_dict(document).number_format == column.number_format
    corrupt_formats = (
        {"prefix": "#"},
        {"decimals": 9},
        {"grouping": "yes"},
        {"decimal_mark": ","},
        {"suffix": "€€"},
        {"negative": "minus"},
        {"plus": 1},
        {"negative": "()", "plus": True},  # no plus sign beside parentheses
        {"unknown": 1},
        {"exponent": "x"},
        {"exponent": "e", "grouping": True},  # no thousands in a mantissa
    )
    for corrupt in (*corrupt_formats, {"missing": "zero"}):
        with pytest.raises(ValueError, match="invalid number format"):
            Column.from_dict({**document, "number_format": {**document["number_format"], **corrupt}})
    with pytest.raises(ValueError, match="is categorical but has a number format"):
        Column.from_dict({**document, "kind": "categorical", "n_bins": 2, "categories": ["a", "b"]})


def test_a_missing_marker_is_a_missing_cell_and_samples_write_it_back():
    """An amount column from a UCI-style file: numbers as text, '?' where the value is missing."""
    rng = np.random.default_rng(2)
    age = np.array([f"{v:.2f}" for v in rng.normal(40, 12, N_ROWS)], dtype=object)
    age[rng.random(N_ROWS) < 0.15] = "?"
    X = pd.DataFrame({"age": age, "x": rng.normal(size=N_ROWS)})
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    column = gen.encoder_.columns_[0]
    assert gen.encoder_.roles["age"] == "continuous" and column.number_format.missing == "?"
    assert gen.encoder_.indicators_ == [0]  # the marked cells are missing cells
    samples = gen.sample(2000, random_state=0)["age"]
    assert (samples == "?").mean() == pytest.approx(np.mean(age == "?"), abs=0.05)
    numbers = column.number_format.parse(samples.to_numpy(dtype=object))
    assert np.isnan(numbers).sum() == (samples == "?").sum() and abs(np.nanmedian(numbers) - 40) < 3
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    with pytest.raises(ValueError, match="'age' holds 'forty'"):
        gen.score_samples(X.iloc[:2].assign(age=["forty", "40.00"]))
    other_marker = gen.score_samples(X.iloc[:2].assign(age=["unknown", "40.00"]))  # any marker: a missing cell
    assert other_marker[0] == gen.score_samples(X.iloc[:2].assign(age=["?", "40.00"]))[0]
    # a marked cell of a given table is a cell to generate, as NaN is: drawn, not written back as '?'
    given = gen.sample(4, given=pd.DataFrame({"age": ["?", "30.00", "?", None]}), random_state=0)["age"]
    assert given[1] == "30.00" and all(
        v != "?" and np.isfinite(column.number_format.parse(np.array([v]))[0]) for v in given
    )
    marked = X[X["age"] == "?"].iloc[:5]
    imputed = BFNImputer(estimator=gen).fit(X).transform(marked)["age"]
    assert np.isfinite(column.number_format.parse(imputed.to_numpy(dtype=object))).all()
    # two markers (a blank and 'n/a'): both are missing cells, and samples write the commoner one
    two = text_number_format(_strings(["12", "n/a", "", "", "7", "n/a", ""]), np.dtype(object))
    assert two is not None and two.missing == ""
    one_number = pd.DataFrame({"fee": ["?", "5.00", "5.00"], "x": [1.0, 2.0, 3.0]})
    fee = BFNGenerator(**{**SMALL, "max_iter": 2}).fit(one_number).encoder_.columns_[0]
    assert fee.kind == "categorical" and sorted(fee.categories.tolist()) == ["5.00", "?"]  # one number, or none


def test_files_before_signs_and_files_without_them_read_alike():
    money = NumberFormat("$", "", True, 2, False)
    assert "negative" not in money.to_dict() and "plus" not in money.to_dict()  # as releases before them wrote it
    assert NumberFormat.from_dict(money.to_dict()) == money
    ledger = NumberFormat("$", "", True, 2, False, negative="()")
    assert ledger.to_dict()["negative"] == "()" and NumberFormat.from_dict(ledger.to_dict()) == ledger


def test_accounts_and_measures_written_as_text_come_back_in_their_format():
    """A ledger export: balances with accounting negatives, weights with a unit, changes with a plus sign."""
    rng = np.random.default_rng(3)
    balance = np.round(rng.normal(200, 1500, N_ROWS), 2)
    X = pd.DataFrame(
        {
            "balance": [f"({-v:,.2f})" if v < 0 else f"{v:,.2f}" for v in balance],
            "weight": [f"{v:.1f} kg" for v in rng.gamma(9, 8, N_ROWS)],
            "change": [f"{v:+.1f}%" for v in rng.normal(0, 5, N_ROWS)],
        }
    )
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    assert gen.encoder_.roles == {"balance": "continuous", "weight": "continuous", "change": "continuous"}
    samples = gen.sample(500, random_state=0)
    for j, name in enumerate(X):
        number_format = gen.encoder_.columns_[j].number_format
        values = samples[name].to_numpy(dtype=object)
        np.testing.assert_array_equal(number_format.format(number_format.parse(values)), values)  # as written
    balances = gen.encoder_.columns_[0].number_format.parse(samples["balance"].to_numpy(dtype=object))
    assert samples["balance"].str.startswith("(").mean() == pytest.approx(np.mean(balances < 0))
    assert abs(np.mean(balances < 0) - np.mean(balance < 0)) < 0.1  # the share of negative balances
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()


@pytest.mark.parametrize("step", [1.0, 0.25])
def test_a_sample_rounded_up_to_zero_is_written_0_never_minus_0(step):
    """Values just below 0 round to -0.0, which Python writes '-0' (and '-0.00'): samples are never negative
    zeros, whether the column is text, a plain number or a multiple of a step."""
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 400, 300)  # wider than max_bins: a continuous column, rounded to its lattice
    table = pd.DataFrame(
        {
            "as_text": [f"{c * step:g}" for c in counts],
            "as_number": counts * step,
        }
    )
    encoder = TableEncoder().fit(table)
    low = [c.to_flow_range(np.array([-0.3 * step]))[0] for c in encoder.columns_]  # rounds to -0.0
    rows = np.zeros((1, encoder.n_model_columns), dtype=np.float32)  # the indicators (a copy of as_text): 0
    rows[0, :2] = low
    decoded = encoder.inverse_transform(rows)
    assert decoded["as_text"].tolist() == ["0"]
    number = decoded["as_number"].to_numpy()
    assert number.tolist() == [0.0] and not np.signbit(number).any()


@pytest.mark.parametrize(
    ("strings", "closest"),
    [
        # '2,540' and '3,700' are no decimal commas (they would print back as '2,54' and '3,7')
        (["2,540", "3702", "1,234", "998"], NumberFormat("", "", grouping=True, decimals=0, trim=False)),
        (["2540", "3,700", "1230", "998"], NumberFormat("", "", grouping=False, decimals=0, trim=False)),
        (["1.50", "2.5", "3", "4.25"], NumberFormat("", "", grouping=False, decimals=2, trim=True)),
        (["$2.50", "$3.10", "$4.1"], NumberFormat("$", "", grouping=False, decimals=2, trim=False)),
        (["1.234,5 €", "2345,5 €", "12,5 €"], NumberFormat("", " €", True, 1, False, decimal_mark=",", group_mark=".")),
        ([" 12.50", "3.25 ", "  7.00"], NumberFormat("", "", grouping=False, decimals=2, trim=False)),  # padded
    ],
)
def test_numbers_written_in_several_ways_read_in_the_way_that_writes_most_of_them_back(strings, closest):
    """Grouped and not, trailing zeros and not: one reading fits every string, and no one format writes them all
    back; the format that writes the most back is the column's, and it is said to be inexact."""
    found, exact = number_format_of(_strings(strings), np.dtype(object))
    assert (found, exact) == (closest, False)
    assert text_number_format(_strings(strings), np.dtype(object)) is None  # the strict reading has none
    written = found.format(found.parse(_strings(strings)))
    assert np.all(found.parse(written) == found.parse(_strings(strings)))  # no number changes


@pytest.mark.parametrize(
    "strings",
    [["$5", "€5"], ["1 kg", "2 lb"], ["007", "012", "123"], ["1e-05", "0.5"], ["(12)", "-13"], ["12", "twelve"]],
)
def test_other_mixtures_stay_text_even_in_the_closest_reading(strings):
    assert number_format_of(_strings(strings), np.dtype(object)) == (None, False)


def test_a_column_of_numbers_written_in_several_ways_is_modelled_as_numbers_with_a_warning():
    rng = np.random.default_rng(0)
    counts = rng.integers(500, 9000, N_ROWS)
    units = [f"{c:,}" if k % 3 else f"{c}" for k, c in enumerate(counts)]  # two in three grouped
    frame = pd.DataFrame({"units": units, "x": rng.normal(size=N_ROWS)})
    with pytest.warns(UserWarning, match=r"'units' writes its numbers in more than one way .* as '\d,\d\d\d'"):
        gen = BFNGenerator(**SMALL, random_state=0).fit(frame)
    assert gen.encoder_.roles["units"] == "continuous"
    samples = gen.sample(200, random_state=0)["units"].to_numpy(dtype=object)
    number_format = gen.encoder_.columns_[0].number_format
    assert number_format.grouping
    np.testing.assert_array_equal(number_format.format(number_format.parse(samples)), samples)
    numbers = number_format.parse(samples)
    assert counts.min() <= numbers.min() and numbers.max() <= counts.max()
    assert np.isfinite(gen.score_samples(frame.iloc[:5])).all()
