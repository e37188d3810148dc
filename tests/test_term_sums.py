"""Columns that sum three or more others, and rates of a product, add up in samples, scores and imputations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import sample_without
from hypothesis import example, given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding.arithmetic import arithmetic_from_json
from skbfn._encoding.arithmetic_search import column_arithmetic
from skbfn._encoding.sums import MAX_SUM_TERMS, TermSum, first_sum
from skbfn._encoding.table import TableEncoder

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)


def _payroll(n_rows: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    salary = np.round(rng.lognormal(10.5, 0.3, n_rows) / 100) * 100
    percent = rng.choice([0, 5, 10, 15, 20, 25, 30], n_rows)  # in steps of 5 (enough values to tell)
    bonus = np.round(salary * percent / 100, 2)
    stock = np.where(rng.random(n_rows) < 0.6, 0.0, np.round(rng.lognormal(8, 1, n_rows), 2))
    benefits = np.round(rng.uniform(1000, 3000, n_rows), 2)
    total = np.round(salary + bonus + stock + benefits, 2)
    tax = np.round(rng.uniform(0.1, 0.3, n_rows) * total, 2)
    return pd.DataFrame(
        {
            "salary": salary,
            "percent": percent,
            "bonus": bonus,
            "stock": stock,
            "benefits": benefits,
            "total": total,
            "tax": tax,
            "net": np.round(total - tax, 2),
            "score": rng.normal(size=n_rows).round(3),
        }
    )


def _adds_up(rows: pd.DataFrame) -> dict[str, float]:
    parts = rows["salary"] + rows["bonus"] + rows["stock"] + rows["benefits"]
    return {
        "bonus": float(np.mean(np.isclose(rows["bonus"], (rows["salary"] * rows["percent"] / 100).round(2)))),
        "total": float(np.mean(np.isclose(rows["total"], parts, rtol=0, atol=0.005))),
        "net": float(np.mean(np.isclose(rows["net"], rows["total"] - rows["tax"], rtol=0, atol=0.005))),
    }


@pytest.fixture(scope="module")
def payroll():
    return _payroll()


@pytest.fixture(scope="module")
def fitted(payroll):
    return BFNGenerator(**SMALL, random_state=0).fit(payroll)


def test_a_sum_of_four_terms_and_a_rate_of_a_product_are_found(payroll):
    found = column_arithmetic(TableEncoder().fit(payroll).columns_, payroll)
    names = [str(c) for c in payroll.columns]
    assert [relation.describe(names) for relation in found] == [
        "bonus = 0.01 * salary * percent",
        "total = salary + bonus + stock + benefits",
        "net = total - tax",
    ]
    assert isinstance(found[1], TermSum) and found[1].signs == (1, 1, 1, 1)


def test_a_sum_broken_in_one_row_or_of_too_few_rows_is_not_found(payroll):
    broken = payroll.copy()
    broken.loc[11, "total"] += 0.01
    found = column_arithmetic(TableEncoder().fit(broken).columns_, broken)
    assert "total" not in {broken.columns[r.column] for r in found}
    few = payroll.iloc[:15]
    assert column_arithmetic(TableEncoder().fit(few).columns_, few) == []


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_columns=st.integers(3, 12),
    n_terms=st.integers(3, 6),
    missing=st.floats(0.0, 0.15),
)
@example(seed=6, n_columns=6, n_terms=4, missing=0.140625)  # a term missing in 23% of rows: still a candidate
def test_a_signed_sum_is_found_among_other_columns_with_holes(seed, n_columns, n_terms, missing):
    rng = np.random.default_rng(seed)
    n_terms = min(n_terms, n_columns)
    values = np.round(rng.normal(0, 100, (300, n_columns)), 2)
    terms = np.sort(rng.choice(n_columns, n_terms, replace=False))
    signs = rng.choice([-1, 1], n_terms)
    result = values[:, terms] @ signs
    values[rng.random(values.shape) < missing] = np.nan
    found = first_sum(result, values)
    assert found is not None
    np.testing.assert_array_equal(found[0], terms)
    np.testing.assert_array_equal(found[1], signs)
    assert first_sum(result + rng.normal(0, 1e-3, 300), values) is None  # not exact: no sum


def test_no_sum_of_coefficients_other_than_one_or_of_too_many_columns():
    rng = np.random.default_rng(0)
    values = rng.normal(size=(200, 5))
    assert first_sum(values[:, 0] + values[:, 1] + 2 * values[:, 2], values) is None
    assert first_sum(values[:, 0] + values[:, 1], values) is None  # two terms: a pair, found elsewhere
    wide = rng.normal(size=(400, MAX_SUM_TERMS + 1))
    assert first_sum(wide[:, :3].sum(axis=1), wide) is None


def test_samples_add_up(fitted):
    assert _adds_up(fitted.sample(400, random_state=0)) == {"bonus": 1.0, "total": 1.0, "net": 1.0}


def test_the_model_alone_does_not_add_up(fitted):
    """Without the arithmetic the network draws totals apart from their parts: the test above can fail."""
    agree = _adds_up(sample_without(fitted, "arithmetic_", 400))
    assert agree["total"] < 0.5 and agree["bonus"] < 0.5


def test_a_total_is_certain_given_its_parts_and_one_that_does_not_add_up_impossible(fitted, payroll):
    rows = payroll.iloc[:20]
    scores = fitted.score_samples(rows)
    assert np.isfinite(scores).all()
    np.testing.assert_allclose(fitted.score_samples(rows.assign(total=np.nan, net=np.nan)), scores, rtol=1e-6)
    assert np.all(fitted.score_samples(rows.assign(total=rows["total"] + 1.0)) == -np.inf)


def test_the_imputer_solves_a_given_total_for_its_last_missing_part(payroll):
    holes = payroll.copy()
    holes.loc[:39, "benefits"] = np.nan  # total given: benefits = total - salary - bonus - stock
    holes.loc[40:79, "total"] = np.nan  # parts given: the total is their sum
    imputer = BFNImputer(BFNGenerator(**SMALL, random_state=0), random_state=0).fit(holes)
    filled = imputer.transform(holes)
    np.testing.assert_allclose(filled["benefits"][:40], payroll["benefits"][:40], atol=1e-6)
    np.testing.assert_allclose(filled["total"][40:80], payroll["total"][40:80], atol=1e-6)


def test_written_sums_are_read_back_and_bad_entries_refused(fitted):
    encoder = fitted.encoder_
    documents = [r.to_dict() for r in encoder.arithmetic_]
    assert arithmetic_from_json(documents, encoder.columns_) == list(encoder.arithmetic_)
    total = next(d for d in documents if d["operation"] == "sum")
    for bad in (
        {**total, "signs": [1, 2, 1, 1]},
        {**total, "terms": total["terms"][:2], "signs": total["signs"][:2]},
        {**total, "terms": [*total["terms"][:3], total["column"]]},
        {**total, "extra": 1},
    ):
        with pytest.raises(ValueError, match="invalid entry"):
            arithmetic_from_json([bad], encoder.columns_)
    rate = next(d for d in documents if d["operation"] == "*")
    assert rate["factor"] == 0.01
    with pytest.raises(ValueError, match="invalid entry"):
        arithmetic_from_json([{**rate, "factor": 1}], encoder.columns_)
