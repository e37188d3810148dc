"""Codes beside numbers or dates held as text ('<0.5' below a limit of detection, '<10' for a suppressed count,
'present' for a job not ended) are cells of their own: neither values nor missing, drawn in their share, scored,
kept by the imputer, saved."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding import TableEncoder
from skbfn._encoding.cell_codes import MAX_CODES, code_cells, coded_number_format, coded_time_format
from skbfn._encoding.column import Column
from skbfn._encoding.text_numbers import NumberFormat

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=600, n_steps=10, n_elbo_draws=8)
N_ROWS = 600
CODES = ("<0.5", ">8", "ND", "<LOD", "trace", "n.d.", "BLQ")
# Counts written as bare integers with fewer than 50 values are categories (codes such as branch numbers), '<10'
# one of them; as numbers, '<10' is a code beside them.
COUNTS = {"count": "discretised"}


def _lab_table(seed: int = 0, n_rows: int = N_ROWS) -> pd.DataFrame:
    """A laboratory export: a value censored below 0.5 and above 8 (more often in group 'a'), a count
    suppressed below 10, and a few missing values."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], n_rows)
    value = np.round(rng.lognormal(np.where(group == "a", 0.0, 1.0), 0.8, n_rows), 2)
    lab = np.where(value < 0.5, "<0.5", np.where(value > 8, ">8", [f"{v:.2f}" for v in value])).astype(object)
    lab[rng.random(n_rows) < 0.05] = None
    count = rng.poisson(12, n_rows)
    counts = np.where(count < 10, "<10", count.astype(str)).astype(object)
    return pd.DataFrame({"group": group, "lab": lab, "count": counts, "x": rng.normal(size=n_rows)})


@pytest.fixture(scope="module")
def lab():
    return _lab_table()


@pytest.fixture(scope="module")
def fitted(lab):
    return BFNGenerator(**SMALL, column_roles=COUNTS, random_state=0).fit(lab)


@settings(max_examples=40, deadline=None)
@given(
    cents=st.lists(st.integers(0, 10**6), min_size=4, max_size=40, unique=True),  # more numbers than codes
    codes=st.lists(st.sampled_from(CODES), min_size=1, max_size=3, unique=True),
    data=st.data(),
)
def test_codes_beside_numbers_are_found_and_read_as_neither_numbers_nor_missing(cents, codes, data):
    numbers = np.array(cents) / 100
    written = [f"{v:.2f}" for v in numbers]
    places = data.draw(st.lists(st.integers(0, len(written)), min_size=len(codes), max_size=len(codes)))
    strings = list(written)
    for place, code in zip(places, codes, strict=True):
        strings.insert(place, code)
    strings = np.array(strings, dtype=object)
    number_format, exact, found = coded_number_format(strings, np.dtype(object))
    assert number_format is not None and exact and set(found) == set(codes)
    held = code_cells(strings, found)
    assert [found[k] for k in held[held >= 0]] == [s for s in strings if s in codes]
    parsed = number_format.parse(strings)
    assert np.isnan(parsed[held >= 0]).all() and not np.isnan(parsed[held < 0]).any()
    np.testing.assert_allclose(parsed[held < 0], np.round(numbers, 2))


def test_many_strings_that_are_no_value_or_as_many_as_the_values_are_text():
    unread = (None, False, ())
    words = [f"note {k}" for k in range(MAX_CODES + 1)]
    assert coded_number_format(np.array(["1.5", "2.5", "3.5", *words], dtype=object), np.dtype(object)) == unread
    assert coded_number_format(np.array(["12", "twelve"], dtype=object), np.dtype(object)) == unread
    # a missing marker is no code: the column's missing cells
    found, _, codes = coded_number_format(np.array(["1.5", "?", "2.5", "<0.5", "3.5"], dtype=object), np.dtype(object))
    assert found.missing == "?" and codes == ("<0.5",)
    dates = ["2021-03-01", "2020-01-15", "2019-07-30"]
    assert coded_time_format(np.array([*dates, "present", "present"], dtype=object), np.dtype(object)) == (
        "%Y-%m-%d",
        ("present",),
    )
    assert coded_time_format(np.array([*dates, *(w.replace(" ", "") for w in "a b c d e f".split())], dtype=object),
                             np.dtype(object)) == (None, ())  # fmt: skip
    assert coded_time_format(np.array(["2021-03-01", "present"], dtype=object), np.dtype(object)) == (None, ())
    assert coded_time_format(np.array([*dates, "2021-13-45", "present"], dtype=object), np.dtype(object)) == (
        None,
        (),
    )  # a string with digits that is no date: no code


def test_codes_are_saved_with_their_column_and_files_without_them_read_as_before():
    number_format = NumberFormat("", "", False, 2, False)
    column = Column("lab", "continuous", np.dtype(object), number_format=number_format, codes=("<0.5", ">8"))
    document = column.to_dict()
    assert document["codes"] == ["<0.5", ">8"] and Column.from_dict(document).codes == ("<0.5", ">8")
    plain = {key: value for key, value in document.items() if key != "codes"}
    assert Column.from_dict(plain).codes == ()
    corrupt = (
        "<0.5",
        ["?"],  # a missing marker
        ["<1", "<1"],
        [f"<{k}" for k in range(MAX_CODES + 1)],
        [None],
    )
    for codes in corrupt:
        with pytest.raises(ValueError, match="invalid codes"):
            Column.from_dict({**document, "codes": codes})
    with pytest.raises(ValueError, match="invalid codes"):  # codes only beside numbers or dates held as text
        Column.from_dict({**plain, "number_format": None, "codes": ["<0.5"]} | {"dtype": document["dtype"]})


def test_the_encoder_gives_each_code_an_indicator_and_decodes_the_rows_it_encoded(lab):
    assert "<10" in TableEncoder().fit(lab).columns_[2].categories  # a category among the counts under 'auto'
    encoder = TableEncoder(column_roles=COUNTS, reproduce_missing=True).fit(lab)
    columns = encoder.columns_
    assert [c.kind for c in columns] == ["categorical", "continuous", "discretised", "continuous"]
    assert columns[1].codes == ("<0.5", ">8") and columns[2].codes == ("<10",)
    assert encoder.code_indicators == [(1, 0), (1, 1), (2, 0)]
    encoded = encoder.transform(lab)
    start = encoder.n_model_columns - 3
    lab_codes = columns[1].code_cells(lab["lab"].to_numpy())
    count_codes = columns[2].code_cells(lab["count"].to_numpy())
    np.testing.assert_array_equal(encoded[:, start], lab_codes == 0)
    np.testing.assert_array_equal(encoded[:, start + 2], count_codes == 0)
    missing = lab["lab"].isna().to_numpy()
    lab_position = encoder.model_columns.index(1)
    assert np.isnan(encoded[lab_codes >= 0, lab_position]).all()  # a code: no number
    indicator = len(encoder.model_columns) + encoder.indicators_.index(1)
    np.testing.assert_array_equal(encoded[:, indicator], missing)  # a code is no missing cell
    # a code's numeric cell holds a placeholder, as a drawn row's does; the rows decode to the table
    decoded = encoder.inverse_transform(np.nan_to_num(encoder.with_placeholders(encoded), nan=0.0))
    for name in ("lab", "count"):
        pd.testing.assert_series_equal(decoded[name].astype(object), lab[name].astype(object), check_dtype=False)


def test_samples_draw_codes_in_their_share_and_numbers_only_where_no_code_is(fitted, lab):
    samples = fitted.sample(2000, random_state=0)
    for name, codes in (("lab", ("<0.5", ">8")), ("count", ("<10",))):
        for code in codes:
            share = np.mean(lab[name] == code)
            assert np.mean(samples[name] == code) == pytest.approx(share, abs=0.05)
    in_a = samples["group"] == "a"
    assert np.mean(samples["lab"][in_a] == "<0.5") > 2 * np.mean(samples["lab"][~in_a] == "<0.5")  # as in the data
    lab_format = fitted.encoder_.columns_[1].number_format
    numbers = lab_format.parse(samples["lab"].to_numpy(dtype=object))
    coded = fitted.encoder_.columns_[1].code_cells(samples["lab"].to_numpy(dtype=object)) >= 0
    assert (samples["lab"].isna().to_numpy() == (np.isnan(numbers) & ~coded)).all()
    assert 0.5 <= np.nanmin(numbers) and np.nanmax(numbers) <= 8  # numbers within the range of the numbers
    counts = pd.to_numeric(samples["count"], errors="coerce")
    assert counts.min() >= 10 and (counts.dropna() == np.round(counts.dropna())).all()


def test_codes_are_scored_given_imputed_around_and_refused_when_unseen(fitted, lab):
    rows = lab.iloc[:30]
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()
    coded = rows.assign(lab="<0.5")
    assert np.isfinite(fitted.score_samples(coded)).all()
    assert not np.allclose(fitted.score_samples(coded), scores)
    with pytest.raises(ValueError, match=r"'lab' holds '<0\.1', which is not a number .* nor one of its codes"):
        fitted.score_samples(rows.assign(lab="<0.1"))
    drawn = fitted.sample(20, given={"lab": "<0.5"}, random_state=0)
    assert (drawn["lab"] == "<0.5").all() and (drawn["group"] == "a").mean() > 0.5  # the group it comes with
    holes = lab.iloc[:40].copy()
    holes.loc[holes.index[::2], "lab"] = None
    imputed = BFNImputer(estimator=fitted).fit(lab).transform(holes)
    kept = holes["lab"].notna()
    pd.testing.assert_series_equal(imputed["lab"][kept], holes["lab"][kept])  # codes given are kept
    filled = imputed["lab"][~kept].to_numpy(dtype=object)
    column = fitted.encoder_.columns_[1]
    assert ((column.code_cells(filled) >= 0) | ~np.isnan(column.number_format.parse(filled))).all()


def test_codes_survive_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


def _jobs(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Jobs started on a date and ended 30 to 2,000 days later, or 'present' (a third, more often the recent
    ones), and a salary."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n_rows), "D")
    end = np.array((start + pd.to_timedelta(rng.integers(30, 2000, n_rows), "D")).strftime("%Y-%m-%d"), dtype=object)
    recent = start > pd.Timestamp("2020-01-01")
    end[rng.random(n_rows) < np.where(recent, 0.6, 0.1)] = "present"
    return pd.DataFrame(
        {"start": start.strftime("%Y-%m-%d"), "end": end, "salary": rng.normal(50_000, 9_000, n_rows).round(-2)}
    )


def test_dates_beside_a_code_are_dates_and_samples_draw_the_code_with_the_rest_of_the_row(tmp_path):
    jobs = _jobs()
    gen = BFNGenerator(**SMALL, random_state=0).fit(jobs)
    end = gen.encoder_.columns_[1]
    assert gen.encoder_.roles["end"] == "continuous" and end.codes == ("present",)
    assert end.time_format == "%Y-%m-%d" and "start <= end" in gen.column_relations_
    samples = gen.sample(2000, random_state=0)
    present = (samples["end"] == "present").to_numpy()
    assert present.mean() == pytest.approx((jobs["end"] == "present").mean(), abs=0.05)
    recent = (pd.to_datetime(samples["start"]) > pd.Timestamp("2020-01-01")).to_numpy()
    assert present[recent].mean() > 2 * present[~recent].mean()  # as in the data
    ended = pd.to_datetime(samples["end"][~present], format="%Y-%m-%d")  # every other cell a date in the format
    assert (pd.to_datetime(samples["start"][~present]) <= ended).all()  # the order holds between dates
    assert np.isfinite(gen.score_samples(jobs.iloc[:20])).all()
    with pytest.raises(ValueError, match=r"'end' holds 'ongoing', which is not .* nor one of its codes \['present'\]"):
        gen.score_samples(jobs.iloc[:2].assign(end="ongoing"))
    assert_samples_survive_save_load_and_pickle(gen, tmp_path)


def test_a_column_missing_wherever_a_code_is_stays_missing_in_samples_drawn_on_it():
    """A ratio of a laboratory value to its reference, missing where the value is censored."""
    rng = np.random.default_rng(4)
    n = 800
    value = np.round(rng.lognormal(0.5, 1.0, n), 2)
    censored = value < 0.5
    ratio = np.where(censored, np.nan, np.round(value / 3.1, 3))
    lab = pd.DataFrame(
        {"value": np.where(censored, "<0.5", [f"{v:.2f}" for v in value]).astype(object), "ratio": ratio}
    )
    gen = BFNGenerator(**{**SMALL, "max_iter": 200}, random_state=0).fit(lab)
    blanks = gen.encoder_.blanks_
    assert [(b.column, b.by, b.codes) for b in blanks] == [(1, 0, (0,))]
    assert "ratio is missing where value is '<0.5'" in gen.column_relations_
    samples = gen.sample(1000, random_state=0)
    coded = (samples["value"] == "<0.5").to_numpy()
    assert coded.any() and samples["ratio"][coded].isna().all()
    alone = gen.set_params(reproduce_missing=False).sample(1000, random_state=0)  # no blanks without indicators
    assert alone["ratio"].notna().all()
    documents = [b.to_dict() for b in blanks]
    with pytest.raises(ValueError, match="blanks hold an invalid entry"):
        type(gen.encoder_).from_dict({**gen.encoder_.to_dict(), "blanks": [{**documents[0], "codes": [1]}]})
