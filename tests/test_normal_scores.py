"""The normal-score map of continuous columns: a bijection with an exact log-Jacobian."""

import numpy as np
import pytest
from conftest import FAST
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skbfn import BFNGenerator
from skbfn._encoding.normal_scores import NormalScores, is_skewed
from skbfn._encoding.table import TableEncoder

columns = arrays(
    np.float64,
    st.integers(2, 300),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
).filter(lambda values: np.ptp(values) > 1e-100)


@settings(max_examples=60, deadline=None)
@given(columns, st.floats(-50, 50))
def test_the_map_is_strictly_increasing_and_its_inverse_undoes_it(values, shift):
    scores = NormalScores.fit(values)
    points = np.sort(np.concatenate([values, values + shift, [values.min() - 1e3, values.max() + 1e3]]))
    z = scores.transform(points)
    width = max(np.ptp(values), 1.0)
    assert np.all(np.diff(z) >= -1e-12 * np.abs(z).max())  # rounding at segment ends
    assert np.all(np.diff(z)[np.diff(points) > 1e-9 * width] > 0)
    assert np.allclose(scores.inverse_transform(z), points, rtol=1e-9, atol=1e-9 * width)


@settings(max_examples=40, deadline=None)
@given(columns)
def test_the_log_derivative_matches_a_finite_difference(values):
    scores = NormalScores.fit(values)
    # centres of the segments, so that a small step stays inside one linear piece
    points = (scores.knots[1:] + scores.knots[:-1]) / 2
    step = np.diff(scores.knots) / 4
    resolved = np.diff(scores.knot_scores) > 1e-6  # where float64 rounding of z is far below the step's rise
    assert resolved.sum() > 0
    difference = (scores.transform(points + step) - scores.transform(points - step)) / (2 * step)
    assert np.allclose(np.log(difference[resolved]), scores.log_derivative(points[resolved]), atol=1e-6)


def test_skewed_columns_become_near_normal_and_the_training_range_stays_bounded():
    def skewness(values):
        return np.mean((values - values.mean()) ** 3) / np.std(values) ** 3

    rng = np.random.default_rng(0)
    for column in (rng.lognormal(sigma=1.5, size=2000), rng.standard_cauchy(2000), rng.exponential(size=300)):
        z = NormalScores.fit(column).transform(column)
        assert abs(np.mean(z)) < 0.15 and 0.8 < np.std(z) < 1.1
        assert np.abs(z).max() < 4.0
        # smoothing at a hard edge (0 for the lognormal and exponential) leaves a little skew
        assert abs(skewness(z)) < 0.6 and abs(skewness(z)) < abs(skewness(column)) / 4


def _heap_and_tail(rng):
    return np.r_[np.full(200, 5.0), rng.pareto(1.1, 200) * 1000]  # half the values on one value


def _bulk_and_outlier(rng):
    return np.r_[rng.normal(size=399), 1e12]  # one value twelve orders of magnitude out


@pytest.mark.parametrize("make", [_heap_and_tail, _bulk_and_outlier, lambda rng: rng.lognormal(0, 1.5, 400)])
def test_the_smoothed_cdf_follows_the_data_through_heaps_and_extreme_values(make):
    """``Phi(T(x))`` is close to the empirical CDF at the data's quantiles: a heap keeps its share of the
    quantiles (not one centre's), and one extreme value does not widen the kernels of the bulk."""
    from scipy.special import ndtr

    values = make(np.random.default_rng(0))
    scores = NormalScores.fit(values)
    points = np.quantile(values, [0.6, 0.7, 0.8, 0.9]) if values.max() < 1e9 else np.quantile(values, [0.1, 0.5, 0.9])
    empirical = np.array([np.mean(values <= x) for x in points])
    np.testing.assert_allclose(ndtr(scores.transform(points)), empirical, atol=0.1)


def test_only_skewed_or_heavy_tailed_columns_count_as_skewed():
    rng = np.random.default_rng(1)
    assert is_skewed(rng.lognormal(size=500)) and is_skewed(rng.standard_t(2, size=2000))
    assert not is_skewed(rng.normal(size=500)) and not is_skewed(rng.uniform(size=500))
    assert not is_skewed(np.r_[rng.normal(-1, 0.1, 300), rng.normal(1, 0.1, 300)])  # bimodal
    assert not is_skewed(np.ones(5))
    encoder = TableEncoder(continuous_transform="auto").fit(
        np.column_stack([rng.lognormal(size=500), rng.normal(size=500)])
    )
    assert [c.normal_scores is not None for c in encoder.columns_] == [True, False]


def test_a_constant_column_or_bad_knots_are_refused():
    with pytest.raises(ValueError, match="two distinct"):
        NormalScores.fit(np.ones(10))
    with pytest.raises(ValueError, match="increasing"):
        NormalScores(np.array([0.0, 1.0, 1.0]), np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match="finite"):
        NormalScores(np.array([0.0, np.inf]), np.array([0.0, 1.0]))


def test_the_encoder_round_trips_and_its_jacobian_is_the_finite_difference_of_its_encoding():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.lognormal(size=300), rng.normal(size=300), rng.integers(0, 4, 300)])
    encoder = TableEncoder(continuous_transform="quantile").fit(X)
    assert [c.kind for c in encoder.columns_] == ["continuous", "continuous", "discretised"]
    assert all(c.normal_scores is not None for c in encoder.columns_[:2])
    z = encoder.transform(X)
    assert np.abs(z[:, :2]).max() <= 0.9 + 1e-6
    assert np.allclose(encoder.inverse_transform(z.astype(np.float64)), X, rtol=1e-5, atol=1e-5)

    step = 1e-6
    moved = X.copy()
    moved[:, :2] += step
    difference = (encoder.transform(moved).astype(np.float64) - z)[:, :2]
    # float32 encodings: compare the summed log-derivative on rows where the step is well resolved
    exact = np.stack([encoder.columns_[j].log_jacobian(X[:, j]) for j in range(2)], axis=1)
    resolved = np.abs(difference) > 1e-4 * step  # never zero unless float32 swallowed the step
    assert resolved.any()
    assert np.allclose(encoder.row_log_jacobian(X), exact.sum(axis=1))


def test_a_quantile_model_density_integrates_to_at_most_one_in_the_columns_units():
    """exp(score) of a 1-column table integrates to at most 1 over the range the model covers.

    Many ELBO draws: exp of a noisy estimate is biased upwards (Jensen), by
    about exp(var / 2), which the bound does not promise to absorb.
    """
    rng = np.random.default_rng(2)
    X = rng.lognormal(sigma=0.8, size=(400, 1)) * 50.0
    gen = BFNGenerator(**{**FAST, "max_iter": 200, "n_elbo_draws": 512}, continuous_transform="quantile").fit(X)
    column = gen.encoder_.columns_[0]
    assert column.normal_scores is not None
    grid = column.from_flow_range(np.linspace(-1.0, 1.0, 1001))  # dense where the density is
    density = np.exp(gen.score_samples(grid[:, None]))
    mass = float(np.sum(density * np.gradient(grid)))
    assert 0.5 < mass <= 1.0, mass


def test_the_affine_transform_keeps_the_plain_scaling():
    X = np.random.default_rng(3).lognormal(size=(50, 2))
    encoder = TableEncoder(continuous_transform="affine").fit(X)
    assert all(c.normal_scores is None for c in encoder.columns_)
    assert np.allclose(encoder.row_log_jacobian(X), encoder.log_jacobian)


def test_a_column_whose_middle_half_sits_in_a_sliver_of_its_range_gets_normal_scores_or_a_warning():
    """By default ('heavy_tails') such columns get normal scores, and only they; under 'affine' they are warned
    about, and under 'auto' normal scores leave nothing to warn about."""
    import warnings

    import pandas as pd

    from skbfn._encoding.column_fit import MIN_MIDDLE_SHARE, middle_share

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "claims": np.round(rng.pareto(1.5, 400) * 1000, 2),  # middle half in under 1% of the range
            "income": rng.lognormal(10, 0.5, 400),  # skewed, but resolved
            "visits": np.r_[rng.poisson(2, 399), 10**6],  # integers, dequantised: warned about too
        }
    )
    assert middle_share(X["claims"].to_numpy()) < MIN_MIDDLE_SHARE < middle_share(X["income"].to_numpy())
    assert middle_share(np.array([0.0, 1.0, 2.0, 3.0])) == pytest.approx(0.5)
    fit = dict(max_iter=2, hidden_layer_sizes=(8,), time_embedding_dim=8)
    with pytest.warns(UserWarning, match=r"holds the middle half of its values in 0\.\d% of its range") as caught:
        BFNGenerator(**fit, continuous_transform="affine").fit(X)
    assert [str(w.message).split("'")[1] for w in caught] == ["claims", "visits"]
    assert all(w.filename == __file__ for w in caught)
    for transform, expected in (("heavy_tails", [True, False, True]), ("auto", [True, True, True])):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing to warn about
            gen = BFNGenerator(**fit, continuous_transform=transform).fit(X)
        assert [c.normal_scores is not None for c in gen.encoder_.columns_] == expected
    assert BFNGenerator().continuous_transform == "heavy_tails"
