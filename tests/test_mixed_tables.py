"""Mixed continuous, integer and categorical tables: types, categories, scores, conditioning, bad input."""

import copy

import numpy as np
import pandas as pd
import pytest

from skbfn import BFNGenerator
from skbfn._encoding.tails import CATEGORY_TAIL, INTEGER_TAIL
from skbfn._inference.sampling import tilt_pool_rows
from skbfn._model.config import TrainingConfig

FAST = dict(
    hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=400, n_steps=30, n_elbo_draws=8, random_state=0
)


def make_frame(n=600, seed=0):
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue"], n, p=[0.6, 0.3, 0.1])
    size = np.where(colour == "red", rng.integers(0, 3, n), rng.integers(3, 6, n))
    value = np.where(colour == "blue", 5.0, -5.0) + rng.normal(0, 0.5, n)
    return pd.DataFrame(
        {
            "value": value,
            "size": size.astype(np.int64),
            "colour": pd.Categorical(colour, categories=["blue", "green", "red", "violet"]),
            "flag": rng.random(n) < 0.25,
            "label": pd.Series(rng.choice(["x", "y"], n), dtype=object),
        }
    )


@pytest.fixture(scope="module")
def frame():
    return make_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    return BFNGenerator(**FAST).fit(frame)


def test_column_kinds_are_detected(fitted):
    assert fitted.encoder_.kinds == ["continuous", "discretised", "categorical", "categorical", "categorical"]


def test_dataframe_round_trip_keeps_names_order_dtypes_and_categories(fitted, frame):
    samples = fitted.sample(300)
    assert isinstance(samples, pd.DataFrame)
    assert list(samples.columns) == list(frame.columns)
    assert (samples.dtypes == frame.dtypes).all()
    assert list(samples["colour"].cat.categories) == ["blue", "green", "red", "violet"]
    assert set(samples["colour"]) <= {"blue", "green", "red"}  # only categories seen in the data
    assert set(samples["label"]) <= {"x", "y"}
    assert samples["size"].between(0, 5).all()


def test_a_frame_with_integer_labels_keeps_them_through_sample_save_load_and_imputation(frame, tmp_path):
    import skbfn
    from skbfn import BFNImputer

    unnamed = frame.set_axis([0, 1, 2, 7, 4], axis=1)  # integer labels, as pd.DataFrame(array) gives
    gen = BFNGenerator(**{**FAST, "max_iter": 20}).fit(unnamed)
    assert not hasattr(gen, "feature_names_in_")  # as in scikit-learn: no text names
    assert list(gen.column_roles_) == [0, 1, 2, 7, 4]
    samples = gen.sample(50, given={7: True}, random_state=0)
    assert list(samples.columns) == [0, 1, 2, 7, 4] and (samples.dtypes == unnamed.dtypes).all()
    assert samples[7].all()
    skbfn.save(gen, tmp_path / "unnamed.safetensors")
    loaded = skbfn.load(tmp_path / "unnamed.safetensors")
    assert loaded.sample(50, random_state=0).equals(gen.sample(50, random_state=0))
    holed = unnamed.copy()
    holed.loc[::4, 0] = np.nan
    imputer = BFNImputer(BFNGenerator(**{**FAST, "max_iter": 20}), n_draws=2, calibrate=False).fit(holed)
    assert list(imputer.transform(holed).columns) == [0, 1, 2, 7, 4]


def test_samples_follow_the_joint_distribution(fitted, frame):
    n = 4000
    samples = fitted.sample(n, random_state=0)
    share = samples["colour"].value_counts(normalize=True)
    target = (frame["colour"] == "red").mean()
    # the tilt matches the training share up to the noise of the draws and of its pool
    config = TrainingConfig.of(fitted, encoder=fitted.encoder_)
    pool = tilt_pool_rows(fitted.n_iter_ * config.batch_size, fitted.n_steps)
    assert share["red"] == pytest.approx(target, abs=4 * np.sqrt(target * (1 - target) * (1 / n + 1 / pool)))
    red = samples["colour"] == "red"
    assert (samples.loc[red, "size"] <= 2).mean() > 0.85  # size depends on colour
    assert (samples.loc[~red, "size"] >= 3).mean() > 0.85
    blue = samples["colour"] == "blue"
    assert (np.sign(samples.loc[~blue, "value"]) < 0).mean() > 0.85  # value depends on colour


def test_ndarray_in_gives_ndarray_out_with_integral_integers():
    rng = np.random.default_rng(1)
    X = np.column_stack([rng.normal(size=400), rng.integers(0, 7, 400)])
    gen = BFNGenerator(**{**FAST, "max_iter": 100}).fit(X)
    assert gen.encoder_.kinds == ["continuous", "discretised"]
    samples = gen.sample(200)
    assert isinstance(samples, np.ndarray) and samples.dtype == np.float64
    np.testing.assert_array_equal(samples[:, 1], np.round(samples[:, 1]))
    assert samples[:, 1].min() >= 0 and samples[:, 1].max() <= 6


def test_object_array_with_strings_gives_categories_back():
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.normal(size=300), rng.choice(["a", "b", "c"], 300)]).astype(object)
    X[:, 0] = X[:, 0].astype(float)
    gen = BFNGenerator(**{**FAST, "max_iter": 50}).fit(X)
    assert gen.encoder_.kinds == ["continuous", "categorical"]
    samples = gen.sample(50)
    assert samples.dtype == object and set(samples[:, 1]) <= {"a", "b", "c"}


def test_explicit_column_types_by_name_index_and_mask(frame):
    numeric = frame[["value", "size"]]
    as_categories = BFNGenerator(categorical_features=["size"], **{**FAST, "max_iter": 20}).fit(numeric)
    assert as_categories.encoder_.kinds == ["continuous", "categorical"]
    as_real = BFNGenerator(discretised_features=None, **{**FAST, "max_iter": 20}).fit(numeric)
    assert as_real.encoder_.kinds == ["continuous", "continuous"]
    by_mask = BFNGenerator(
        categorical_features=[False, True], discretised_features=None, **{**FAST, "max_iter": 20}
    ).fit(numeric.to_numpy())
    assert by_mask.encoder_.kinds == ["continuous", "categorical"]
    with pytest.raises(ValueError, match="integer"):
        BFNGenerator(discretised_features=[0], **FAST).fit(numeric)
    with pytest.raises(ValueError, match="not a column"):
        BFNGenerator(categorical_features=["nope"], **FAST).fit(numeric)


def test_mixed_score_is_a_density_times_a_mass(fitted, frame):
    """Rescaling the real column shifts scores by its Jacobian alone: the other columns are masses."""
    assert np.isfinite(fitted.score_samples(frame[:50])).all()
    scaled = frame.assign(value=frame["value"] * 100.0)
    rescaled = BFNGenerator(**FAST).fit(scaled)
    shift = rescaled.score_samples(scaled[:50]) - fitted.score_samples(frame[:50])
    # only the continuous column picks up the Jacobian -ln 100
    assert np.median(shift) == pytest.approx(-np.log(100.0), abs=0.5)


def test_discrete_only_bound_is_a_log_probability():
    """With only categorical columns the bound is on ln P(x): the probabilities of all values sum to <= 1."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.choice(["p", "q"], 500), "b": rng.choice(["u", "v", "w"], 500)})
    gen = BFNGenerator(**{**FAST, "max_iter": 300}).fit(frame)
    grid = pd.DataFrame([(a, b) for a in "pq" for b in "uvw"], columns=["a", "b"])
    gen.set_params(n_elbo_draws=4000)  # exp of a noisy estimate is biased upwards: make the noise small
    probabilities = np.exp(gen.score_samples(grid))
    assert probabilities.sum() <= 1.0 + 1e-6
    assert probabilities.sum() > 0.5  # and the bound is not vacuous


def test_a_category_not_seen_in_fit_scores_its_tail_and_the_rest_of_its_row(fitted, frame):
    """A held-out level no training row had (one fold of a cross-validation may hold it) has probability eps
    under the column's tail: the row scores the rest of the row, the cell absent, plus ln(eps). A model of an
    earlier release, without the tail, refuses it and names it."""
    rows = frame[:3].copy()
    rows["label"] = ["x", "zzz", "y"]
    absent = rows.assign(label=[np.nan] * 3)
    scores = fitted.score_samples(rows)
    np.testing.assert_allclose(scores[1], fitted.score_samples(absent)[1] + np.log(CATEGORY_TAIL), rtol=0, atol=1e-9)
    assert np.isfinite(scores).all()
    earlier = copy.deepcopy(fitted)
    earlier.encoder_.category_tail_ = 0.0
    with pytest.raises(ValueError, match="zzz"):
        earlier.score_samples(rows)


def test_missing_values_in_a_categorical_column_are_learned_around(frame):
    holed = frame.copy()
    holed.loc[3, "colour"] = np.nan
    gen = BFNGenerator(**FAST).fit(holed)
    assert set(gen.encoder_.columns_[list(frame.columns).index("colour")].categories) == set(frame["colour"])
    assert not gen.sample(20)["colour"].isna().any()


def test_single_value_columns(frame):
    constant = frame.assign(label="only", size=7)
    gen = BFNGenerator(**{**FAST, "max_iter": 30}).fit(constant)
    kinds = dict(zip(constant.columns, gen.encoder_.kinds, strict=True))
    assert kinds["label"] == "constant" and kinds["size"] == "constant"
    assert (gen.sample(20)["size"] == 7).all()
    samples = gen.sample(20)
    assert (samples["label"] == "only").all()
    assert np.isfinite(gen.score_samples(constant[:5])).all()
    with pytest.raises(ValueError, match="nothing to model"):
        BFNGenerator(**FAST).fit(pd.DataFrame({"a": ["k"] * 5}))


def test_conditional_generation_keeps_column_types(frame):
    y = np.where(frame["colour"] == "red", "warm", "cool")
    gen = BFNGenerator(**{**FAST, "max_iter": 500}).fit(frame.drop(columns="colour"), y)
    warm = gen.sample(300, y="warm")
    cool = gen.sample(300, y="cool")
    assert (warm.dtypes == frame.drop(columns="colour").dtypes).all()
    assert (warm["size"] <= 2).mean() > 0.8
    assert (cool["size"] >= 3).mean() > 0.8


def test_mixed_model_pickles_and_scores_identically(fitted, frame):
    import pickle

    loaded = pickle.loads(pickle.dumps(fitted))
    pd.testing.assert_frame_equal(loaded.sample(20), fitted.sample(20))
    np.testing.assert_array_equal(loaded.score_samples(frame[:20]), fitted.score_samples(frame[:20]))


def test_integer_masses_sum_to_at_most_one_and_values_off_the_lattice_score_minus_inf():
    """On a column fitted on 0..5, exp(score) over the integers -20..29 sums to at most 1 (plus Monte-Carlo error);
    integers outside 0..5 get the documented tail mass, and non-integers -inf."""
    rng = np.random.default_rng(0)
    X = rng.binomial(5, 0.4, size=(2000, 1)).astype(float)
    gen = BFNGenerator(**{**FAST, "random_state": 0, "max_iter": 300, "n_elbo_draws": 64}).fit(X)
    assert gen.encoder_.kinds == ["discretised"]
    grid = np.arange(-20, 30, dtype=float)[:, None]
    scores = gen.score_samples(grid)
    inside = (grid[:, 0] >= 0) & (grid[:, 0] <= 5)
    assert np.isfinite(scores).all()
    distance = np.where(grid[:, 0] < 0, -grid[:, 0], grid[:, 0] - 5)[~inside]
    np.testing.assert_allclose(scores[~inside], np.log(INTEGER_TAIL / 2) - distance * np.log(2))
    assert scores[~inside].max() < scores[inside].min()
    # exp of a noisy estimate is biased upwards (at 64 draws these masses summed to about 1.08):
    # make the noise small, then allow three standard errors of the sum
    gen.set_params(n_elbo_draws=4096)
    total, error = _sum_of_masses(gen, grid)
    assert total <= 1.0 + max(error, 1e-3)
    assert total > 0.5  # a bound that is not vacuous
    assert np.isneginf(gen.score_samples(np.array([[2.4], [2.5]]))).all()


def _sum_of_masses(gen, grid):
    """exp(score) summed over ``grid``, and three standard errors of that sum over scoring seeds."""
    masses = np.exp(gen.score_samples(grid)).sum()
    sums = [np.exp(gen.set_params(random_state=seed).score_samples(grid)).sum() for seed in range(1, 7)]
    return masses, 3 * np.std(sums) / np.sqrt(len(sums))


@pytest.mark.parametrize("transform", ["affine", "quantile"])
def test_wide_integer_columns_are_dequantised_and_their_masses_sum_to_at_most_one(transform):
    """An integer column wider than max_bins is modelled as a density trained on draws uniform over the image
    of [k - 1/2, k + 1/2] (one width under the affine map, one per integer under normal scores): its score
    bounds ln P(k), so exp(score) over integers two spans beyond the training range sums to at most 1."""
    rng = np.random.default_rng(1)
    X = rng.binomial(30, 0.5, size=(2000, 1)).astype(np.int64)
    params = {**FAST, "random_state": 0, "max_iter": 300, "max_bins": 8, "n_elbo_draws": 64}
    gen = BFNGenerator(**params, continuous_transform=transform).fit(X)
    [column] = gen.encoder_.columns_
    assert column.kind == "continuous" and column.lattice
    assert (column.normal_scores is not None) == (transform == "quantile")
    middle, end = column.cell_widths(np.array([15.0, float(X.max())]))
    assert middle > end if transform == "quantile" else middle == end == column.scale
    low, high = int(X.min()), int(X.max())
    span = high - low
    grid = np.arange(low - 2 * span, high + 2 * span + 1)[:, None]
    gen.set_params(n_elbo_draws=1024)  # exp of a noisy estimate is biased upwards: make the noise small
    total, error = _sum_of_masses(gen, grid)
    assert total <= 1.0 + max(error, 1e-3)
    assert total > 0.5  # not vacuous
    assert np.isneginf(gen.score_samples(np.array([[15.5], [14.2]]))).all()  # off the lattice: no mass
    samples = gen.sample(200)
    assert np.array_equal(samples, np.round(samples))


@pytest.mark.parametrize("value", [7, 2.5])
def test_a_constant_numeric_column_is_a_point_mass(value):
    """A numeric column with one value has probability 1 - eps there under its tail: it adds exactly
    ln(1 - eps) to a row holding it (the model is the one fitted without the column), ln(eps) to a row holding
    anything else (-inf for a model without the tail)."""
    rng = np.random.default_rng(2)
    real = rng.normal(size=(400, 1))
    with_constant = np.column_stack([real, np.full(400, value)])
    params = {**FAST, "random_state": 0, "max_iter": 50}
    gen = BFNGenerator(**params).fit(with_constant)
    alone = BFNGenerator(**params).fit(real)
    assert gen.encoder_.kinds == ["continuous", "constant"]
    alone_scores = alone.score_samples(real[:20])
    np.testing.assert_allclose(
        gen.score_samples(with_constant[:20]), alone_scores + np.log1p(-CATEGORY_TAIL), rtol=0, atol=1e-12
    )
    other = with_constant[:2].copy()
    other[:, 1] = [value + 1, value + 0.5]
    np.testing.assert_allclose(gen.score_samples(other), alone_scores[:2] + np.log(CATEGORY_TAIL), rtol=0, atol=1e-12)
    earlier = copy.deepcopy(gen)
    earlier.encoder_.category_tail_ = 0.0
    assert np.isneginf(earlier.score_samples(other)).all()
    samples = gen.sample(30)
    assert samples.dtype == np.float64 and (samples[:, 1] == value).all()
