"""Incomplete tables: fitting on missing cells, sampling with given cells, scoring observed cells, BFNImputer."""

import pickle

import numpy as np
import pytest
from conftest import FAST, state_bytes
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

import skbfn
from skbfn import BFNGenerator, BFNImputer

pd = pytest.importorskip("pandas")


def _sign_table(n=600, seed=0):
    """A real column ``a``, ``b = 2a`` plus noise, a category that is the sign of ``a``, and small integers."""
    rng = np.random.default_rng(seed)
    a = rng.choice([-0.8, 0.8], n) + 0.1 * rng.normal(size=n)
    return pd.DataFrame(
        {
            "a": a,
            "b": 2 * a + 0.05 * rng.normal(size=n),
            "sign": pd.Categorical(np.where(a > 0, "pos", "neg")),
            "count": pd.array(rng.integers(0, 4, n), dtype="Int64"),
        }
    )


def _holes(frame, share=0.2, seed=1):
    rng = np.random.default_rng(seed)
    holed = frame.copy()
    for name in holed.columns:
        holed.loc[rng.random(len(holed)) < share, name] = None
    return holed


@pytest.fixture(scope="module")
def fitted():
    return BFNGenerator(random_state=0, **{**FAST, "max_iter": 500}).fit(_holes(_sign_table()))


def test_fits_on_missing_cells_of_every_type_and_samples_as_many_missing_cells(fitted):
    table = _holes(_sign_table())
    rows = fitted.sample(3000, random_state=0)
    assert rows.dtypes.to_dict() == _sign_table().dtypes.to_dict()
    np.testing.assert_allclose(rows.isna().mean(), table.isna().mean(), atol=0.04)
    whole = fitted.set_params(reproduce_missing=False).sample(50)  # the same model, asked for whole rows
    fitted.set_params(reproduce_missing=True)
    assert not whole.isna().any().any()


def test_fits_on_missing_cells_in_arrays():
    X = np.array([[0.0, 1, "a"], [np.nan, 2, "b"], [1.0, np.nan, None], [0.5, 3, "a"]] * 20, dtype=object)
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 10}).fit(X)
    assert gen.encoder_.kinds == ["continuous", "discretised", "categorical"]
    rows = gen.set_params(reproduce_missing=False).sample(5)
    assert set(rows[:, 2]) <= {"a", "b"} and np.isfinite(rows[:, :2].astype(float)).all()


def test_given_dict_fixes_columns_and_moves_the_others(fitted):
    positive = fitted.sample(400, given={"a": 0.8}, random_state=0)
    negative = fitted.sample(400, given={"a": -0.8}, random_state=0)
    assert (positive["a"] == 0.8).all() and (negative["a"] == -0.8).all()
    assert (positive["sign"] == "pos").mean() > 0.8 and (negative["sign"] == "neg").mean() > 0.8
    assert positive["b"].mean() > 0.8 and negative["b"].mean() < -0.8


def test_given_table_keeps_known_cells_and_fills_only_missing_ones(fitted):
    table = _holes(_sign_table(40, seed=5), share=0.4, seed=6)
    rows = fitted.sample(40, given=table, random_state=0)
    assert not rows.isna().any().any()
    assert rows.dtypes.to_dict() == table.dtypes.to_dict()
    for name in table.columns:
        known = table[name].notna().to_numpy()
        assert (rows[name][known].to_numpy() == table[name][known].to_numpy()).all()


def test_given_works_with_y_and_guidance():
    X, labels = _sign_table(300).drop(columns="sign"), _sign_table(300)["sign"].to_numpy()
    gen = BFNGenerator(random_state=0, guidance_scale=2.0, **FAST).fit(X, labels)
    rows = gen.sample(6, y="pos", given={"count": 2})
    assert (rows["count"] == 2).all()


@pytest.mark.parametrize(
    "given, match",
    [
        ({"sign": "zero"}, "unseen in fit"),
        ({"a": 1e6}, "outside the range"),
        ({"count": 99}, "takes integers"),
        ({"count": 1.5}, "takes integers"),
        ({"nope": 1}, "not columns of X"),
    ],
)
def test_bad_given_values_are_clear_errors(fitted, given, match):
    before = state_bytes(fitted)
    with pytest.raises(ValueError, match=match):
        fitted.sample(3, given=given)
    assert state_bytes(fitted) == before


def test_given_table_must_match_n_samples_and_name_only_columns_of_x(fitted):
    with pytest.raises(ValueError, match="rows, but n_samples"):
        fitted.sample(3, given=_sign_table(4))
    with pytest.raises(ValueError, match="Feature names unseen at fit time"):
        fitted.sample(4, given=_sign_table(4).rename(columns={"b": "twice a"}))


def test_a_given_frame_of_some_columns_generates_the_others(fitted):
    given = pd.DataFrame({"count": pd.array([3] * 200, dtype="Int64"), "a": [0.8] * 100 + [-0.8] * 100})
    rows = fitted.sample(200, given=given, random_state=0)
    assert list(rows.columns) == list(_sign_table().columns) and rows.dtypes.to_dict() == _sign_table().dtypes.to_dict()
    assert (rows["a"] == given["a"]).all() and (rows["count"] == 3).all()
    assert (rows["sign"][:100] == "pos").mean() > 0.8 and (rows["sign"][100:] == "neg").mean() > 0.8


def test_no_conditional_training_refuses_given():
    gen = BFNGenerator(conditional_fraction=0.0, random_state=0, **{**FAST, "max_iter": 5}).fit(_sign_table(50))
    with pytest.raises(ValueError, match="conditional_fraction=0"):
        gen.sample(2, given={"a": 0.0})


def test_a_column_missing_everywhere_comes_back_missing_unless_a_role_models_it(fitted):
    for name in ("b", "sign"):
        table = _sign_table(50)
        table[name] = None
        gen = BFNGenerator(**FAST).fit(table)
        assert gen.column_roles_[name] == "empty"
        assert gen.sample(20)[name].isna().all()
        assert np.isfinite(gen.score_samples(table[:5])).all()
    fitted.set_params(column_roles={"b": "continuous"})
    before = state_bytes(fitted)
    with pytest.raises(ValueError, match="missing in every row"):
        fitted.fit(table.assign(b=None))
    assert state_bytes(fitted) == before
    fitted.set_params(column_roles=None)


def test_a_constant_column_with_missing_cells_keeps_them_where_the_other_columns_say():
    """A flag that is 'Y' or blank, and a number that is 7 or missing, are constant where observed: which of
    their cells are missing is data, modelled with the other columns (it was lost: every sample held the value)."""
    rng = np.random.default_rng(0)
    a = rng.choice([-1.0, 1.0], 600) + 0.1 * rng.normal(size=600)
    table = pd.DataFrame(
        {
            "a": a,
            "flag": np.where(a > 0, "Y", None),
            "seven": np.where((a < 0) & (rng.random(600) < 0.5), 7.0, np.nan),
        }
    )
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 300}).fit(table)
    assert gen.column_roles_ == {"a": "continuous", "flag": "constant", "seven": "constant"}
    rows = gen.sample(2000, random_state=0)
    np.testing.assert_allclose(rows.isna().mean(), table.isna().mean(), atol=0.06)
    assert set(rows["flag"].dropna()) == {"Y"} and set(rows["seven"].dropna()) == {7.0}
    flagged = rows["flag"].notna()
    assert (rows.loc[flagged, "a"] > 0).mean() > 0.9 and (rows.loc[~flagged, "a"] < 0).mean() > 0.9
    assert (rows.loc[rows["seven"].notna(), "a"] < 0).mean() > 0.9
    # the indicator is scored: a row whose flag contradicts its sign is far less likely
    right, wrong = gen.score_samples(pd.DataFrame({"a": [1.0, 1.0], "flag": ["Y", None], "seven": [np.nan] * 2}))
    assert right > wrong + 1.0
    given = gen.sample(20, given={"a": -1.0}, random_state=1)  # completed rows are filled as if observed
    assert (given["flag"] == "Y").all() and (given["seven"] == 7.0).all()
    whole = gen.set_params(reproduce_missing=False).sample(20, random_state=0)
    assert (whole["flag"] == "Y").all() and (whole["seven"] == 7.0).all()
    unaware = BFNGenerator(random_state=0, reproduce_missing=False, **{**FAST, "max_iter": 5}).fit(table)
    assert unaware.encoder_.n_model_columns == 1 and (unaware.sample(20)["flag"] == "Y").all()
    alone = BFNGenerator(random_state=0, **{**FAST, "max_iter": 100}).fit(table[["flag"]])  # the indicator alone
    assert abs(alone.sample(1000, random_state=0)["flag"].isna().mean() - table["flag"].isna().mean()) < 0.06


def test_infinities_are_still_refused():
    X = np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, np.nan]] * 10)
    with pytest.raises(ValueError, match=r"infinity|inf"):
        BFNGenerator(**FAST).fit(X)


def test_scores_of_incomplete_rows_are_finite_row_wise_and_drop_the_missing_columns_jacobian(fitted):
    table = _holes(_sign_table(30, seed=3), share=0.3, seed=4)
    scores = fitted.score_samples(table)
    assert np.isfinite(scores).all()
    assert fitted.score_samples(table.iloc[[7]])[0] == scores[7]
    # computed from the training table alone: the affine map sends [min, max] to [-0.9, 0.9]
    train = _holes(_sign_table())
    log_scale = {name: np.log(0.9 / ((train[name].max() - train[name].min()) / 2)) for name in ("a", "b")}
    expected = sum(np.where(table[name].isna(), 0.0, log_scale[name]) for name in ("a", "b"))
    assert np.allclose(fitted.encoder_.row_log_jacobian(table), expected)


def test_score_of_an_incomplete_row_bounds_a_marginal_that_sums_over_the_missing_category():
    """Categorical-only table: exp(score) of rows missing the second cell bounds the first column's marginal."""
    rng = np.random.default_rng(0)
    first = rng.choice(["x", "y"], 2000, p=[0.7, 0.3])
    second = np.where(first == "x", rng.choice(["u", "v"], 2000, p=[0.9, 0.1]), "v")
    X = pd.DataFrame({"first": first, "second": second}).astype("category")
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 600, "n_elbo_draws": 64}).fit(X)
    incomplete = pd.DataFrame({"first": ["x", "y"], "second": [None, None]}).astype(X.dtypes.to_dict())
    marginals = np.exp(gen.score_samples(incomplete))
    assert marginals == pytest.approx([0.7, 0.3], abs=0.12)
    # bounds on a distribution over the first column's values: their sum is at most 1, within three standard
    # errors over scoring seeds (exp of a noisy estimate is biased upwards, so the noise is made small first)
    gen.set_params(n_elbo_draws=2048)
    sums = [np.exp(gen.set_params(random_state=seed).score_samples(incomplete)).sum() for seed in range(6)]
    assert np.mean(sums) <= 1.0 + 3 * np.std(sums) / np.sqrt(len(sums)) + 1e-3


def test_imputer_fills_only_missing_cells_and_keeps_dtypes(fitted):
    table = _holes(_sign_table(), share=0.2)
    imputer = BFNImputer(BFNGenerator(random_state=0, **{**FAST, "max_iter": 300}), n_draws=5, random_state=0)
    filled = imputer.fit_transform(table)
    assert not filled.isna().any().any()
    assert filled.dtypes.to_dict() == table.dtypes.to_dict()
    known = table.notna().to_numpy()
    assert (filled.to_numpy()[known] == table.to_numpy()[known]).all()
    complete = _sign_table()
    hidden_sign = table["sign"].isna() & table["a"].notna()
    assert (filled["sign"][hidden_sign] == complete["sign"][hidden_sign]).mean() > 0.8


def test_imputer_multiple_imputation_draws_differ_by_seed_and_repeat_by_seed():
    X = np.random.default_rng(0).normal(size=(200, 3))
    X[::3, 1] = np.nan
    imputer = BFNImputer(BFNGenerator(random_state=0, **FAST), sample_posterior=True, random_state=1).fit(X)
    first, again = imputer.transform(X), imputer.transform(X)
    other = imputer.set_params(random_state=2).transform(X)
    assert np.array_equal(first, again)
    assert not np.allclose(first[::3, 1], other[::3, 1])
    assert np.array_equal(first[1::3], X[1::3])


def test_imputer_placeholder_missing_values_and_feature_names():
    X = np.random.default_rng(0).integers(0, 5, size=(100, 2)).astype(float)
    X[::4, 0] = -1
    imputer = BFNImputer(BFNGenerator(random_state=0, **FAST), missing_values=-1, random_state=0).fit(X)
    filled = imputer.transform(X)
    assert (filled[::4, 0] >= 0).all()
    assert list(imputer.get_feature_names_out()) == ["x0", "x1"]
    frame = imputer.set_output(transform="pandas").transform(X)
    assert isinstance(frame, pd.DataFrame) and list(frame.columns) == ["x0", "x1"]


def test_imputer_in_a_pipeline_and_a_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    X[rng.random(X.shape) < 0.1] = np.nan
    pipe = make_pipeline(
        BFNImputer(BFNGenerator(random_state=0, **{**FAST, "max_iter": 40}), n_draws=3, random_state=0),
        HistGradientBoostingClassifier(max_iter=20),
    )
    search = GridSearchCV(pipe, {"bfnimputer__estimator__max_iter": [20, 40]}, cv=2).fit(X, y)
    assert search.best_score_ > 0.6


def test_imputer_and_generator_round_trip_through_pickle_and_save_load(tmp_path, fitted):
    X = np.random.default_rng(0).normal(size=(100, 2))
    X[::3, 1] = np.nan
    imputer = BFNImputer(BFNGenerator(random_state=0, **FAST), missing_values=np.nan, random_state=0).fit(X)
    expected = imputer.transform(X)
    assert np.array_equal(pickle.loads(pickle.dumps(imputer)).transform(X), expected)
    skbfn.save(imputer, tmp_path / "imputer.safetensors")
    loaded = skbfn.load(tmp_path / "imputer.safetensors")
    assert isinstance(loaded, BFNImputer) and np.array_equal(loaded.transform(X), expected)
    skbfn.save(fitted, tmp_path / "gen.safetensors")
    reloaded = skbfn.load(tmp_path / "gen.safetensors")
    given = {"a": 0.5}
    assert reloaded.sample(5, given=given, random_state=0).equals(fitted.sample(5, given=given, random_state=0))


def test_inpainting_keeps_the_given_pixels():
    from sklearn.datasets import load_digits

    X = load_digits().data[:200]
    gen = BFNGenerator(
        network="unet", hidden_layer_sizes=(8, 16), max_iter=5, batch_size=32, n_steps=4, random_state=0
    ).fit(X)
    given = X[:3].copy()
    given[:, 32:] = np.nan  # the bottom half is drawn
    images = gen.sample(3, given=given)
    assert np.array_equal(images[:, :32], X[:3, :32])
    assert np.isfinite(images).all() and ((images >= 0) & (images <= 16)).all()


@parametrize_with_checks(
    [
        BFNImputer(
            BFNGenerator(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=20, n_steps=5, n_elbo_draws=4),
            n_draws=3,
        )
    ]
)
def test_imputer_is_sklearn_compatible(estimator, check):
    check(estimator)
