"""Fuzzing fit, score_samples and sample: only documented exceptions, never a crash, a hang or a NaN."""

import warnings

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skbfn import BFNGenerator, NonFiniteLossError

TINY = dict(hidden_layer_sizes=(8,), time_embedding_dim=4, max_iter=3, n_steps=2, n_elbo_draws=2, random_state=0)
DOCUMENTED = (ValueError, TypeError, NonFiniteLossError)

finite_or_not = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-1e308, max_value=1e308),
    st.floats(min_value=-1e-300, max_value=1e-300),
    st.integers(-5, 5).map(float),
    st.sampled_from([1.7e308, -1.7e308, 5e-324, -5e-324, 0.0, 1e-310]),  # overflow and denormal edges
)


@st.composite
def tables(draw):
    n_rows = draw(st.integers(1, 25))
    n_columns = draw(st.integers(1, 8))
    dtype = draw(st.sampled_from([np.float64, np.float32, np.int64]))
    if dtype == np.int64:
        values = arrays(np.int64, (n_rows, n_columns), elements=st.integers(-(2**40), 2**40))
    else:
        values = arrays(np.float64, (n_rows, n_columns), elements=finite_or_not)
    X = draw(values)
    if dtype == np.int64 and draw(st.booleans()):  # multiples of a step (amounts in thousands)
        X = X % 1000 * draw(st.sampled_from([7, 10, 1000, 10**9]))
    if draw(st.booleans()):  # a constant column
        X[:, draw(st.integers(0, n_columns - 1))] = X[0, 0]
    if dtype != np.float32:
        return X
    with np.errstate(over="ignore"):  # huge values become inf in float32: inputs fit must refuse
        return X.astype(dtype)


CASES = {"count": 0}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(X=tables(), n_samples=st.integers(1, 5))
@example(X=np.array([[1e308], [-1e308], [0.0]]), n_samples=3)  # the range overflows float64
@example(X=np.array([[5e-324], [0.0], [1e-323]]), n_samples=2)  # the range underflows the scale
@example(X=np.array([[2.0**60, 1.0], [0.0, 1.0]]), n_samples=2)  # huge integers, a constant column
@example(X=np.array([[3.0]]), n_samples=1)  # one row
def test_fit_score_sample_never_crash_nor_return_nan(X, n_samples):
    fit_score_sample(X, n_samples)


def fit_score_sample(X, n_samples):
    """Fit, score and sample X; only documented exceptions are allowed, and no NaN comes back but in a
    column that had missing cells (reproduced as missing)."""
    CASES["count"] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float32 overflow warnings on cast are fine; errors are what we test
        try:
            gen = BFNGenerator(**TINY).fit(X)
        except DOCUMENTED:
            return
        try:
            # the training rows, and rows far outside them (huge values, missing cells): never a NaN
            far = np.where(np.isnan(X), X, X * 1e30 + 1e30)
            holes = np.where(np.arange(X.shape[1]) % 2 == 0, np.nan, X)
            scores = np.concatenate([gen.score_samples(rows) for rows in (X, far, holes)])
        except DOCUMENTED:
            scores = None
        samples = gen.sample(n_samples)
    if scores is not None:
        assert not np.isnan(scores).any()
    assert samples.shape == (n_samples, X.shape[1])
    had_missing = np.isnan(np.asarray(X, dtype=np.float64)).any(axis=0)
    assert np.isfinite(samples.astype(np.float64)[:, ~had_missing]).all()


def test_fuzzing_generates_cases():
    """The strategy really produces tables (so the fuzz test is not vacuous), whatever ran before."""
    CASES["count"] = 0
    run = settings(max_examples=5, database=None)(given(X=tables(), n_samples=st.integers(1, 2))(fit_score_sample))
    run()
    assert CASES["count"] >= 5


# Strings as exports write them (numbers with signs, marks and units, times of day, dates and ISO timestamps, missing
# marks) and strings that only look like them: the encoder reads a column in a format only if every string prints
# back.
text_cells = st.one_of(
    st.from_regex(r"\(?[-+]?\$?[1-9]\d{0,2}(,\d{3})?(\.\d{1,3})?( ?(kg|%|EUR))?\)?-?", fullmatch=True),
    st.from_regex(r"[0-2]\d:[0-5]\d(:[0-5]\d)?", fullmatch=True),
    st.from_regex(r"20[12]\d-0[1-9]-[12]\dT[01]\d:[0-5]\d:[0-5]\d(\.\d{3})?(Z|[+-]0[12]:00)?", fullmatch=True),
    st.from_regex(r"[1-9]\.\d{2}e[+-]0\d", fullmatch=True),
    st.from_regex(r"20[12]\d-0[1-9]-[12]\d|[12]\d/0[1-9]/20[12]\d", fullmatch=True),  # dates in two formats
    st.sampled_from(["?", "", "n/a", "#N/A", "1e5", "(12", "12)-", "+-3"]),
    st.text(max_size=4),
)


@st.composite
def text_tables(draw):
    import pandas as pd

    n_rows = draw(st.integers(2, 25))
    columns = {}
    for j in range(draw(st.integers(1, 3))):
        style = draw(text_cells)  # most columns keep to one kind of string, as exports do
        kind = st.sampled_from([style, "?", ""]) if draw(st.booleans()) else text_cells
        columns[f"t{j}"] = draw(st.lists(kind | text_cells, min_size=n_rows, max_size=n_rows))
    columns["x"] = draw(st.lists(st.floats(-10, 10), min_size=n_rows, max_size=n_rows))
    return pd.DataFrame(columns)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(X=text_tables())
def test_text_columns_fit_score_and_sample_in_their_own_format_or_fail_clearly(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # text columns dropped with a warning are fine
        try:
            gen = BFNGenerator(**TINY).fit(X)
        except DOCUMENTED:
            return
        scores = gen.score_samples(X)
        samples = gen.sample(5, random_state=0)
    assert not np.isnan(scores).any() and samples.shape == (5, X.shape[1])
    for column in gen.encoder_.columns_:
        values = samples[column.name].to_numpy(dtype=object)
        written = values[~column.missing_cells(values) & (column.code_cells(values) < 0)]  # codes: as written
        if column.number_format is not None:  # samples print back in the column's format
            assert (column.number_format.format(column.number_format.parse(written)) == written).all()
        if column.time_format is not None:  # and read as times in it
            assert not np.isnan(column.numbers(written, None)).any()
