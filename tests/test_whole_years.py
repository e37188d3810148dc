"""Ages and tenures: whole years between two dates, or from a date to a fixed day, in samples, scores and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn import BFNGenerator
from skbfn._encoding.arithmetic import arithmetic_from_json
from skbfn._encoding.relations import describe_relations
from skbfn._encoding.table import TableEncoder
from skbfn._encoding.whole_years import whole_years, years_reference

SMALL = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=200, n_steps=10, n_elbo_draws=8)
EXPORTED = pd.Timestamp("2024-06-30")


def _birthdays(born: pd.Series, day) -> pd.Series:
    """Whole years by birthdays passed, as people count them."""
    day = pd.to_datetime(day)
    if isinstance(day, pd.Timestamp):
        return day.year - born.dt.year - ((day.month * 100 + day.day) < (born.dt.month * 100 + born.dt.day))
    return day.dt.year - born.dt.year - ((day.dt.month * 100 + day.dt.day) < (born.dt.month * 100 + born.dt.day))


def _patients(n_rows: int = 500, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    visit = pd.Series(pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n_rows), "D"))
    born = pd.Series(pd.Timestamp("1940-01-01") + pd.to_timedelta(rng.integers(0, 80 * 365, n_rows), "D"))
    born[0], visit[0] = pd.Timestamp("2004-11-19"), pd.Timestamp("2022-11-19")  # 18 birthdays, 17.998 years of days
    return pd.DataFrame(
        {
            "born": born,
            "visit": visit,
            "age_at_visit": ((visit - born).dt.days / 365.25).astype(int),
            "age": _birthdays(born, EXPORTED),
            "x": rng.normal(size=n_rows),
        }
    )


def _seconds(times) -> np.ndarray:
    return pd.to_datetime(pd.Series(times)).to_numpy().astype("datetime64[s]").astype(np.int64).astype(float)


@settings(max_examples=60, deadline=None)
@given(
    born=st.dates(min_value=pd.Timestamp("1900-01-01").date(), max_value=pd.Timestamp("2030-12-31").date()),
    days=st.integers(0, 40_000),
)
def test_birthdays_passed_are_counted_as_people_count_them(born, days):
    start = pd.Series([pd.Timestamp(born)])
    end = start + pd.Timedelta(days, "D")
    expected = _birthdays(start, end)
    assert whole_years(_seconds(start), _seconds(end), "birthdays").tolist() == expected.astype(float).tolist()
    reference = years_reference(_seconds(start), expected.to_numpy(dtype=float), "birthdays")
    assert reference is not None and reference <= _seconds(end)[0]  # the earliest day they allow
    assert whole_years(_seconds(start), np.array([reference]), "birthdays").tolist() == expected.tolist()


def test_ages_at_another_date_or_a_fixed_day_are_found_each_by_its_own_count():
    X = _patients()
    assert describe_relations(TableEncoder().fit(X)) == [
        "age_at_visit = whole years from born to visit, by days / 365.25",
        "age = whole years from born to 2024-06-30 (no column), by birthdays passed",
    ]
    broken = X.copy()
    broken.loc[4, "age"] += 1
    assert "age" not in [broken.columns[r.column] for r in TableEncoder().fit(broken).arithmetic_]
    shuffled = X.assign(age=X["age"].sample(frac=1, random_state=0).to_numpy())
    assert "age" not in [shuffled.columns[r.column] for r in TableEncoder().fit(shuffled).arithmetic_]


def test_samples_compute_the_ages_from_their_dates_and_scores_count_them_certain(tmp_path):
    X = _patients()
    gen = BFNGenerator(**SMALL, random_state=0).fit(X)
    rows = gen.sample(300, random_state=0)
    born = pd.to_datetime(rows["born"])
    assert (rows["age_at_visit"] == ((pd.to_datetime(rows["visit"]) - born).dt.days / 365.25).astype(int)).all()
    assert (rows["age"] == _birthdays(born, EXPORTED)).all()
    assert np.isfinite(gen.score_samples(X.iloc[:20])).all()
    assert np.all(gen.score_samples(X.iloc[:20].assign(age=X["age"].iloc[:20] + 1)) == -np.inf)
    documents = [r.to_dict() for r in gen.encoder_.arithmetic_]
    assert arithmetic_from_json(documents, gen.encoder_.columns_) == list(gen.encoder_.arithmetic_)
    fixed = next(d for d in documents if d["end"] is None)
    for corrupt in ({"rule": "months"}, {"reference": "2024"}, {"start": 3}, {"end": 0}):
        with pytest.raises(ValueError):
            arithmetic_from_json([{**fixed, **corrupt}], gen.encoder_.columns_)
