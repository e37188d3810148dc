"""The spread calibration of BFNImputer's posterior draws: widening, the rank criterion, the held-out fit."""

import pickle

import numpy as np
import pytest
from conftest import FAST
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import skbfn._estimators.calibration as calibration_module
import skbfn._estimators.imputer as imputer_module
from skbfn import BFNGenerator, BFNImputer
from skbfn._encoding import validate_table
from skbfn._inference.spread import (
    SPREAD_SCALES,
    best_spread_scale,
    calibrated_rank_spread,
    rank_spread,
    widened,
)
from skbfn._model.fitting import fit_state


@settings(max_examples=50, deadline=None)
@given(st.floats(1.0, 4.0), st.floats(-5, 5), st.floats(-5, 5))
def test_widening_moves_a_draw_away_from_its_partner_by_the_factor_that_scales_the_variance(scale, a, b):
    out = widened(np.array([a]), np.array([b]), scale)[0]
    if a == b:
        assert out == a
        return
    assume(abs(a - b) > 1e-3 * max(1.0, abs(a)))  # else out - a is rounding, not c (a - b)
    c = (out - a) / (a - b)
    assert c >= 0
    assert (1 + c) ** 2 + c**2 == pytest.approx(scale**2, rel=1e-6)


def test_widened_draws_keep_the_mean_and_correlation_and_scale_the_spread():
    rng = np.random.default_rng(0)
    cov = np.array([[1.0, 0.8], [0.8, 1.0]])
    a, b = (rng.multivariate_normal([3.0, -1.0], cov, size=200_000) for _ in range(2))
    out = widened(a, b, 2.5)
    assert out.mean(axis=0) == pytest.approx([3.0, -1.0], abs=0.03)
    assert out.std(axis=0) == pytest.approx([2.5, 2.5], rel=0.01)
    assert np.corrcoef(out.T)[0, 1] == pytest.approx(0.8, abs=0.01)


def test_widened_cells_beyond_a_bound_are_reflected_and_keep_their_draw_if_still_outside():
    c = (np.sqrt(17) - 1) / 2  # scale 3
    a, b = np.array([0.5, 0.0, -0.5, 0.5]), np.array([0.0, 0.0, 0.0, -2.0])
    out = widened(a, b, 3.0, low=-0.6, high=0.6)
    assert out[0] == pytest.approx(2 * 0.6 - (0.5 + 0.5 * c))  # 1.28 reflected at 0.6
    assert out[1] == 0.0  # a given cell: both draws agree
    assert out[2] == pytest.approx(2 * -0.6 - (-0.5 - 0.5 * c))  # -1.28 reflected at -0.6
    assert out[3] == 0.5  # 4.4 reflects to -3.2, beyond the other bound: the draw stays
    out = widened(a, b, 3.0, low=-10.0, high=10.0)
    assert out[0] == pytest.approx(0.5 + 0.5 * c) and out[3] == pytest.approx(0.5 + 2.5 * c)
    with pytest.raises(ValueError, match="at least 1"):
        widened(a, b, 0.9)


def test_rank_spread_by_hand():
    draws = np.array([[0.0], [1.0], [2.0]])
    assert rank_spread(draws, np.array([1.5])) == pytest.approx(abs(2.5 / 4 - 0.5))
    assert rank_spread(draws, np.array([1.0])) == pytest.approx(0.0)  # a tie counts half: rank 1.5
    assert rank_spread(draws, np.array([-9.0])) == pytest.approx(abs(0.5 / 4 - 0.5))
    assert calibrated_rank_spread(3) == pytest.approx((0.375 + 0.125 + 0.125 + 0.375) / 4)


def test_the_calibrated_rank_spread_is_what_calibrated_draws_give():
    rng = np.random.default_rng(1)
    draws, truth = rng.normal(size=(20, 50_000)), rng.normal(size=50_000)
    assert rank_spread(draws, truth) == pytest.approx(calibrated_rank_spread(20), abs=0.003)


@pytest.mark.parametrize("true_sd, low, high", [(2.0, 1.7, 2.3), (3.0, 2.6, 3.4), (1.0, 1.0, 1.1), (0.5, 1.0, 1.0)])
def test_the_best_scale_matches_the_values_spread(true_sd, low, high):
    rng = np.random.default_rng(2)
    draws, truth = rng.normal(size=(20, 4000)), true_sd * rng.normal(size=4000)
    assert low <= best_spread_scale(draws, truth) <= high


def test_the_best_scale_is_the_largest_when_none_is_enough_and_shapes_are_checked():
    rng = np.random.default_rng(3)
    draws, truth = rng.normal(size=(20, 2000)), 50 * rng.normal(size=2000)
    assert best_spread_scale(draws, truth) == SPREAD_SCALES[-1]
    with pytest.raises(ValueError, match="shape"):
        best_spread_scale(draws[:1], truth)
    with pytest.raises(ValueError, match="shape"):
        best_spread_scale(draws, truth[:-1])


def _correlated(n=300, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    return np.column_stack([a, a + 0.3 * rng.normal(size=n), rng.normal(size=n)])


def test_hidden_cells_train_exactly_as_missing_cells():
    X = _correlated(120)
    hidden = np.zeros(X.shape, dtype=bool)
    inner = np.flatnonzero((X[:, 1] > X[:, 1].min()) & (X[:, 1] < X[:, 1].max()))
    hidden[inner[::5], 1] = True
    params = {**FAST, "max_iter": 15, "reproduce_missing": False, "random_state": 0}
    holed = np.where(hidden, np.nan, X)
    expected = BFNGenerator(**params).fit(holed).loss_curve_
    estimator = BFNGenerator(**params)
    table = validate_table(estimator, X, reset=True)
    state = fit_state(estimator, table, None, previous=None, one_pass=False, hidden=hidden)
    assert state.history["loss"] == expected


def _spy_on_calibration_fits(monkeypatch):
    calls = []

    def spy(estimator, X, y, **kwargs):
        calls.append(kwargs["hidden"])
        return fit_state(estimator, X, y, **kwargs)

    monkeypatch.setattr(calibration_module, "fit_state", spy)
    return calls


def test_calibration_holds_out_a_tenth_of_the_observed_real_cells_in_disjoint_folds(monkeypatch):
    calls = _spy_on_calibration_fits(monkeypatch)
    X = _correlated(300).astype(object)
    X[::4, 0] = np.nan
    X[:, 2] = np.where(X[:, 2].astype(float) > 0, "up", "down")  # a categorical column: never held out
    imputer = BFNImputer(BFNGenerator(**FAST), random_state=0).fit(X)
    observed_real = sum(int((~np.isnan(X[:, j].astype(float))).sum()) for j in (0, 1))  # 525: 52 a fold
    assert len(calls) == 4  # 300 cells would take 6 folds; at most 4
    assert all(hidden.sum() == int(0.1 * observed_real) for hidden in calls)
    assert (np.sum(calls, axis=0) <= 1).all()  # disjoint
    union = np.any(calls, axis=0)
    model_columns = imputer.estimator_.encoder_.model_columns
    kinds = dict(zip(model_columns, imputer.estimator_.encoder_.model_kinds, strict=False))
    for position, column in enumerate(model_columns):
        cells = union[:, position]
        if kinds[column] != "continuous":
            assert not cells.any()
        else:
            assert not np.isnan(X[cells, column].astype(float)).any()
    assert 1.0 <= imputer.spread_scale_ <= SPREAD_SCALES[-1]


@pytest.mark.parametrize(
    "rows, n_folds, per_fold",
    [
        (60, 4, 30),  # 180 real cells: a tenth is 18, too few to rank; 30 a fold
        (600, 2, 180),  # 1800: two folds reach 300 cells
        (1000, 1, 300),  # 3000: one fold holds 300
    ],
)
def test_small_tables_hold_out_more_cells_over_more_folds(monkeypatch, rows, n_folds, per_fold):
    calls = _spy_on_calibration_fits(monkeypatch)
    BFNImputer(BFNGenerator(**FAST), random_state=0).fit(_correlated(rows))
    assert [int(hidden.sum()) for hidden in calls] == [per_fold] * n_folds


@pytest.mark.parametrize("rows, calibrate", [(300, False), (39, True)])
def test_no_calibration_fit_without_calibrate_or_with_too_few_cells(monkeypatch, rows, calibrate):
    calls = _spy_on_calibration_fits(monkeypatch)
    X = _correlated(rows)  # 39 rows: 30 held-out cells would be more than a quarter of their 117 real cells
    imputer = BFNImputer(BFNGenerator(**FAST), calibrate=calibrate, random_state=0).fit(X)
    assert calls == [] and imputer.spread_scale_ == 1.0


@pytest.fixture(scope="module")
def uncalibrated():
    X = _correlated(200)
    X[::2, 1] = np.nan
    model = BFNGenerator(**{**FAST, "max_iter": 200, "enforce_bounds": False})  # widened draws may leave the range
    return BFNImputer(model, calibrate=False, random_state=0).fit(X), X


def test_the_scale_widens_posterior_draws_of_a_cell_and_leaves_point_estimates(uncalibrated):
    imputer, X = uncalibrated
    same = np.tile(X[[0]], (800, 1))  # one incomplete row, 800 times: 800 draws of its missing cell
    point = imputer.set_params(sample_posterior=False, n_draws=3).transform(X[:20])
    spreads = {}
    for scale in (1.0, 2.0):
        imputer.spread_scale_ = scale
        spreads[scale] = imputer.set_params(sample_posterior=True).transform(same)[:, 1].std()
        assert np.array_equal(imputer.set_params(sample_posterior=False).transform(X[:20]), point)
    imputer.spread_scale_ = 1.0
    assert spreads[2.0] / spreads[1.0] == pytest.approx(2.0, rel=0.2)


def test_the_scale_survives_pickles_and_documents_and_old_ones_load_uncalibrated(uncalibrated):
    imputer, _ = uncalibrated
    imputer.spread_scale_ = 1.7
    try:
        assert pickle.loads(pickle.dumps(imputer)).spread_scale_ == 1.7
        document = imputer.to_dict()
        assert document["imputer"]["spread_scale_"] == 1.7
        assert BFNImputer.from_dict(document, imputer.state_tensors()).spread_scale_ == 1.7
        settings_before = {k: v for k, v in document["imputer"].items() if k not in ("spread_scale_", "calibrate")}
        old = {**document, "imputer": settings_before}
        loaded = BFNImputer.from_dict(old, imputer.state_tensors())
        assert loaded.spread_scale_ == 1.0 and loaded.calibrate is False
        state = dict(imputer.__dict__)
        del state["spread_scale_"], state["calibrate"]
        unpickled = BFNImputer.__new__(BFNImputer)
        unpickled.__setstate__(state)
        assert unpickled.spread_scale_ == 1.0 and unpickled.calibrate is False
        for bad in (0.5, 5.0, float("nan"), "2", True):
            broken = {**document, "imputer": {**document["imputer"], "spread_scale_": bad}}
            with pytest.raises(ValueError, match="spread_scale_"):
                BFNImputer.from_dict(broken, imputer.state_tensors())
    finally:
        imputer.spread_scale_ = 1.0


def test_a_failed_calibration_leaves_the_fitted_imputer_as_it_was(monkeypatch):
    X = _correlated(300)
    imputer = BFNImputer(BFNGenerator(**FAST), calibrate=False, random_state=0).fit(X)
    before = imputer.estimator_

    def fail(*args, **kwargs):
        raise RuntimeError("calibration failed")

    monkeypatch.setattr(imputer_module, "calibrated_spread_scale", fail)
    with pytest.raises(RuntimeError, match="calibration failed"):
        imputer.set_params(calibrate=True).fit(X[:, :2])
    assert imputer.estimator_ is before and imputer.spread_scale_ == 1.0 and imputer.n_features_in_ == 3


@pytest.mark.parametrize("n_rows", [2000, 8000])  # 8,000 x 4 cells: the propensity is fitted on 20,000 drawn
def test_held_out_cells_resemble_the_missing_cells(n_rows):
    """Cells missing seven times as often where the first column is high (missing at random): the held-out
    cells follow them there (0.875 of the missing cells are), where a uniform choice would put 0.43 of them;
    the column that never misses a cell gets next to none. Missing completely at random, the choice is close
    to uniform, and a complete table is held out uniformly."""
    from skbfn._estimators.calibration import _like_the_missing_cells

    rng = np.random.default_rng(0)
    observed = rng.normal(size=(n_rows, 4))
    high = observed[:, 0] > 0
    missing = rng.random((n_rows, 4)) < np.where(high, 0.35, 0.05)[:, None]
    missing[:, 0] = False
    holed = np.where(missing, np.nan, observed)
    candidates = np.argwhere(~missing)
    real = np.ones(4, dtype=bool)
    weights = _like_the_missing_cells(holed, real, candidates, rng)
    assert weights.sum() == pytest.approx(1.0)
    in_high = high[candidates[:, 0]]
    assert in_high.mean() < 0.45 and weights[in_high].sum() > 0.65  # a linear fit of a step: not all of 0.875
    assert weights[candidates[:, 1] == 0].sum() < 0.05

    at_random = rng.random((n_rows, 4)) < 0.2
    candidates = np.argwhere(~at_random)
    weights = _like_the_missing_cells(np.where(at_random, np.nan, observed), real, candidates, rng)
    assert np.abs(weights * len(candidates) - 1).max() < 0.3

    np.testing.assert_allclose(
        _like_the_missing_cells(observed, real, np.argwhere(observed == observed), rng), 1 / observed.size
    )
