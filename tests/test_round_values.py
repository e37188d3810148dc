"""Round values: whole ages among ages in months, whole sizes among halves, incomes rounded to the thousand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_samples_survive_save_load_and_pickle
from hypothesis import given
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.column import Column
from skbfn._encoding.round_values import is_multiple, round_unit_of, to_multiple

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)
N_ROWS = 1500


def _people(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    u = rng.random(N_ROWS)
    age = np.round(rng.gamma(5, 6, N_ROWS))
    age = np.where(u < 0.04, age + 0.5, np.where(u > 0.98, rng.choice([0.42, 0.67, 0.83, 0.92], N_ROWS), age))
    size = np.round(rng.normal(40, 3, N_ROWS)) + 0.5 * (rng.random(N_ROWS) < 0.15)
    income = np.round(rng.lognormal(10.5, 0.6, N_ROWS))
    income = np.where(rng.random(N_ROWS) < 0.7, np.round(income, -3), income).astype(np.int64)
    frame = pd.DataFrame({"age": age, "size": size, "income": income, "sex": rng.choice(["f", "m"], N_ROWS)})
    frame.loc[rng.random(N_ROWS) < 0.1, "age"] = np.nan
    return frame


def _round_share(values, unit: float) -> float:
    values = np.asarray(values, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(is_multiple(values, unit).mean())


@pytest.fixture(scope="module")
def people():
    return _people()


@pytest.fixture(scope="module")
def fitted(people):
    return BFNGenerator(**SMALL, random_state=0).fit(people)


def test_the_coarsest_unit_most_nonzero_values_sit_on_is_found_and_chance_is_not_enough():
    rng = np.random.default_rng(0)
    ages = np.r_[np.round(rng.uniform(1, 80, 95)), [0.42, 0.67, 27.5, 14.5, 3.25]]
    assert round_unit_of(ages, resolution=0.01) == 1.0
    incomes = np.r_[np.round(rng.uniform(10_000, 90_000, 60), -3), np.round(rng.uniform(10_000, 90_000, 40))]
    assert round_unit_of(incomes, resolution=1.0) == 1000.0
    halves = np.r_[np.arange(30.0, 50.0), [31.5, 40.5]]  # sizes in halves, counted in halves: whole is 2 of them
    assert round_unit_of(halves / 0.5, resolution=1.0, step=0.5) == 2.0
    lengths = np.round(rng.normal(5.8, 0.8, 150), 1)  # a tenth of the values whole, by chance
    assert round_unit_of(lengths, resolution=0.1) is None
    evens = np.r_[np.arange(0.0, 40.0, 2.0), np.arange(1.0, 40.0, 2.0)]  # half the halves whole: chance for them
    assert round_unit_of(evens, resolution=1.0, step=0.5) is None
    assert round_unit_of(np.r_[np.zeros(90), np.arange(1.0, 11.0)], resolution=1.0) is None  # zeros are no rounding
    assert round_unit_of(np.r_[np.full(60, 5.0), rng.uniform(0, 3, 40)], resolution=0.0) is None  # one value: a mass
    assert round_unit_of(np.arange(1.0, 50.0), resolution=0.0) is None  # all whole: an integer column, not this


@given(
    numbers=st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=30),
    unit=st.sampled_from([1.0, 2.0, 5.0, 10.0, 1000.0]),
)
def test_rounding_to_a_unit_lands_on_its_nearest_multiple(numbers, unit):
    numbers = np.asarray(numbers)
    rounded = to_multiple(numbers, unit)
    assert is_multiple(rounded, unit).all()
    assert np.all(np.abs(rounded - numbers) <= unit / 2 * (1 + 1e-12))
    assert not np.signbit(rounded[rounded == 0]).any()


@given(numbers=st.lists(st.integers(-500, 500), min_size=2, max_size=60), resolution=st.sampled_from([0.0, 1.0]))
def test_a_unit_found_holds_more_values_than_half_way_from_chance_to_all(numbers, resolution):
    numbers = np.asarray(numbers, dtype=np.float64)
    unit = round_unit_of(numbers, resolution)
    if unit is not None:
        nonzero = numbers[numbers != 0]
        share = is_multiple(nonzero, unit).mean()
        assert (1 + resolution / unit) / 2 <= share < 1
        assert unit >= 1 and (resolution == 0 or unit / resolution >= 2)


def test_each_column_gets_its_unit_and_an_indicator_among_the_model_columns(fitted):
    age, size, income, sex = fitted.encoder_.columns_
    assert (age.round_unit, age.decimals) == (1.0, 2)
    assert (size.kind, size.step, size.round_unit) == ("discretised", 0.5, 2.0)  # counted in halves
    assert income.lattice and income.round_unit == 1000.0
    assert sex.round_unit is None
    assert fitted.encoder_.round_columns == [0, 2, 1]  # model order: continuous, then discretised
    assert fitted.encoder_.indicators_ == [0]  # age's missing cells
    assert fitted.encoder_.n_model_columns == 4 + 1 + 3  # the round-value indicators follow the others


def test_training_rows_encode_and_decode_to_themselves(fitted, people):
    encoder = fitted.encoder_
    back = encoder.inverse_transform(encoder.transform(people))
    pd.testing.assert_frame_equal(back, people, check_exact=False, rtol=1e-6)


def test_samples_are_round_about_as_often_as_the_data(fitted, people):
    sample = fitted.sample(3000, random_state=0)
    for column, unit in (("age", 1.0), ("size", 1.0), ("income", 1000.0)):
        expected = _round_share(people[column], unit)
        assert _round_share(sample[column], unit) == pytest.approx(expected, abs=0.08), column
    assert set(np.round(sample["size"] % 1, 6)) <= {0.0, 0.5}  # still halves
    assert (sample["income"] % 1 == 0).all() and sample["age"].isna().any()  # integers; missing cells kept


def test_a_column_without_whole_values_gets_no_unit_and_rarely_whole_samples(people):
    """The failure the indicator fixes: a density over ages rounded to cents is whole once in a hundred draws."""
    ages = people[["age"]].dropna()
    ages = ages[ages["age"] % 1 != 0].assign(age=lambda f: f.age.round(2))  # no whole value: no round unit
    fitted = BFNGenerator(**SMALL, random_state=0).fit(pd.concat([ages] * 10, ignore_index=True))
    assert fitted.encoder_.columns_[0].round_unit is None
    assert _round_share(fitted.sample(1000, random_state=0)["age"], 1.0) < 0.2


def test_a_round_cell_is_dequantised_over_its_unit_and_scored_as_a_probability(fitted, people):
    encoder = fitted.encoder_
    age = encoder.columns_[0]
    rows = pd.DataFrame({"age": [30.0, 30.42, np.nan], "size": 40.0, "income": 41_000, "sex": "f"})
    encoded = encoder.transform(rows)
    widths = encoder.dequantisation_widths.of(encoded)
    position = encoder.model_columns.index(0)
    assert widths[:, position].tolist() == pytest.approx([age.scale * 1.0, 0.0, 0.0])  # round, fine, missing
    income_position = encoder.model_columns.index(2)
    assert widths[0, income_position] == pytest.approx(encoder.columns_[2].cell_widths(np.array([41_000.0]), 1000.0))
    income = encoder.columns_[2]
    jacobian = income.log_jacobian(np.array([41_000.0, 41_003.0]))  # a probability: the log of the cell's width
    cells = [income.cell_widths(np.array([41_000.0]), 1000.0)[0], income.cell_widths(np.array([41_003.0]))[0]]
    assert jacobian.tolist() == pytest.approx(np.log(cells).tolist())
    assert cells[0] > 500 * cells[1]  # the round cell spans its unit, the other one integer
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()


def test_the_round_values_of_a_column_hold_at_most_their_share_of_probability():
    rng = np.random.default_rng(1)
    age = np.round(rng.gamma(5, 6, 1000)) + np.where(
        rng.random(1000) < 0.1, np.round(rng.uniform(0.01, 0.99, 1000), 2), 0
    )
    fitted = BFNGenerator(**SMALL, random_state=0).fit(pd.DataFrame({"age": age}))
    assert fitted.encoder_.columns_[0].round_unit == 1.0
    whole = np.exp(fitted.score_samples(pd.DataFrame({"age": np.arange(0.0, 200.0)}))).sum()
    assert 0.6 < whole <= 1.0  # the probabilities of the whole values: about their share (0.9), never past 1


def test_imputed_cells_are_round_about_as_often_as_the_data(people):
    imputer = BFNImputer(estimator=BFNGenerator(**SMALL, random_state=0), random_state=0, calibrate=False)
    filled = imputer.fit_transform(people)
    missing = people["age"].isna()
    assert _round_share(filled.loc[missing, "age"], 1.0) > 0.8


def test_the_unit_survives_save_load_and_pickle(fitted, tmp_path):
    assert_samples_survive_save_load_and_pickle(fitted, tmp_path)


def test_columns_written_without_a_unit_load_and_bad_units_are_refused():
    doc = Column("age", "continuous", np.dtype(np.float64), decimals=2).to_dict()
    assert "round_unit" not in doc and Column.from_dict(doc).round_unit is None
    assert Column.from_dict({**doc, "round_unit": 1.0}).round_unit == 1.0
    lattice = Column("n", "continuous", np.dtype(np.int64), lattice=True).to_dict()
    for bad in (0.0, -1.0, float("nan"), "1"):
        with pytest.raises(ValueError, match="round unit"):
            Column.from_dict({**doc, "round_unit": bad})
    with pytest.raises(ValueError, match="round unit"):
        Column.from_dict({**lattice, "round_unit": 2.5})  # an integer column rounds to integers
    categorical = Column("c", "categorical", np.dtype(object), n_bins=2, categories=np.array(["a", "b"], dtype=object))
    with pytest.raises(ValueError, match="round unit"):
        Column.from_dict({**categorical.to_dict(), "round_unit": 1.0})
