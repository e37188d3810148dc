"""Real values beyond a column's training range: a small tail density instead of the model's Gaussian fall."""

import copy

import numpy as np
import pandas as pd
import pytest

from skbfn import BFNGenerator
from skbfn._encoding import TableEncoder
from skbfn._encoding.column_fit import SCALED_LIMIT
from skbfn._encoding.tails import CONTINUOUS_TAIL, TAIL_SCALE

FAST = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=150, n_elbo_draws=8, random_state=0)


def make_frame(n=300, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "height": rng.normal(170, 10, n),
            "weight": rng.normal(70, 8, n),
            "count": rng.integers(0, 200, n),  # wider than max_bins: an integer (lattice) column
            "group": pd.Categorical(rng.choice(["a", "b"], n)),
        }
    )


@pytest.fixture(scope="module")
def fitted():
    frame = make_frame()
    return BFNGenerator(**FAST, max_bins=16).fit(frame), frame


def without_tails(gen):
    """The same model scored as a model of an earlier release, which had no continuous tails."""
    old = copy.deepcopy(gen)
    old.encoder_.continuous_tail_ = 0.0
    return old


def test_continuous_columns_have_tails_and_discretised_and_categorical_ones_do_not(fitted):
    gen, _ = fitted
    kinds = dict(zip(gen.encoder_.column_names, gen.encoder_.columns_, strict=True))
    assert kinds["count"].kind == "continuous" and kinds["count"].lattice  # an integer column wider than max_bins
    assert gen.encoder_.continuous_tail_ == CONTINUOUS_TAIL
    np.testing.assert_array_equal(gen.encoder_.continuous_model_columns, [True, True, True, False])
    discretised = BFNGenerator(**FAST).fit(make_frame().assign(count=lambda f: f["count"] % 5))
    rows = make_frame(5, seed=3).assign(count=9, group="b")  # 9 lies beyond the bins 0..4
    np.testing.assert_array_equal(discretised.encoder_.model_kinds, ["continuous"] * 2 + ["discretised", "categorical"])
    tails = discretised.encoder_.continuous_tails(rows, discretised.encoder_.transform(rows))
    assert not tails.beyond[:, 2:].any()  # the integer tail scores the count (see test_mixed_tables)


def test_a_row_inside_the_range_scores_its_bound_times_one_minus_the_tail_weight(fitted):
    gen, frame = fitted
    rows = frame.iloc[:20].copy()
    rows.loc[rows.index[:5], "weight"] = np.nan  # a missing cell has no tail weight: the mixture sums it out
    observed_reals = rows[["height", "weight", "count"]].notna().sum(axis=1).to_numpy()
    difference = gen.score_samples(rows) - without_tails(gen).score_samples(rows)
    np.testing.assert_allclose(difference, observed_reals * np.log1p(-CONTINUOUS_TAIL), rtol=1e-9)


@pytest.mark.parametrize("side", [-1, 1])
def test_a_cell_far_beyond_the_range_scores_its_tail_density_in_the_columns_units(fitted, side):
    """Far beyond, the model's own term is negligible, so the row's score is the tail term: the log tail density
    (in the flow's units, plus the column's log-Jacobian) plus the rest of the row scored as absent."""
    gen, frame = fitted
    [height] = [c for c in gen.encoder_.columns_ if c.name == "height"]
    z = side * np.array([1.2, 1.6, 2.5])  # flow units: 0.3 to 1.6 beyond the training extremes at 0.9
    values = height.from_flow_range(z)
    rows = pd.concat([frame.iloc[:1]] * len(z), ignore_index=True).assign(height=values)
    rest = rows.assign(height=np.nan)  # the rest of the row, with the cell absent
    distance = np.abs(z) - SCALED_LIMIT
    tail = np.log(CONTINUOUS_TAIL / (2 * TAIL_SCALE)) - distance / TAIL_SCALE + height.log_jacobian(values)
    # the other continuous cells are observed and inside the range in both terms: each weighs ln(1 - eps)
    rest_with_its_weight = without_tails(gen).score_samples(rest) + 2 * np.log1p(-CONTINUOUS_TAIL)
    # the cell reaches the tail as a float32 model value: its distance holds about 7 digits
    np.testing.assert_allclose(gen.score_samples(rows), rest_with_its_weight + tail, rtol=0, atol=1e-5)


def test_a_cell_just_beyond_the_range_takes_the_better_of_its_two_bounds(fitted):
    gen, frame = fitted
    [weight] = [c for c in gen.encoder_.columns_ if c.name == "weight"]
    rows = pd.concat([frame.iloc[:1]] * 4, ignore_index=True)
    rows["weight"] = weight.from_flow_range(np.array([0.91, 0.95, 1.0, 1.1]))
    scores, old = gen.score_samples(rows), without_tails(gen).score_samples(rows)
    weight_of_the_model_term = 3 * np.log1p(-CONTINUOUS_TAIL)
    assert np.all(scores >= old + weight_of_the_model_term - 1e-9)
    assert np.all(np.isfinite(scores))
    # the old model's density falls like a Gaussian of width sigma_1 in the flow's units; the tail does not
    assert scores[-1] - old[-1] > 10.0


def test_an_integer_beyond_a_dequantised_columns_range_scores_a_bound_on_its_cells_tail_mass(fitted):
    """The tail's log-density at the cell's centre plus the log of the cell's width: ln t is linear over the
    cell, so this bounds the log of the tail's mass on it (Jensen), and the masses stay below eps / 2 a side."""
    gen, frame = fitted
    [count] = [c for c in gen.encoder_.columns_ if c.name == "count"]
    beyond = np.arange(200, 400)  # the training range is 0..199
    rows = pd.concat([frame.iloc[:1]] * len(beyond), ignore_index=True).assign(count=beyond)
    rest = without_tails(gen).score_samples(rows.assign(count=np.nan)) + 2 * np.log1p(-CONTINUOUS_TAIL)
    scores = gen.score_samples(rows)
    z = count.to_flow_range(beyond.astype(float))
    tail = np.log(CONTINUOUS_TAIL / (2 * TAIL_SCALE)) - (z - SCALED_LIMIT) / TAIL_SCALE
    far = z > 1.2  # the model's own term is negligible there
    expected = rest + tail + count.log_jacobian(beyond.astype(float))
    np.testing.assert_allclose(scores[far], expected[far], rtol=0, atol=1e-5)
    assert np.all(scores >= expected - 1e-5)
    assert np.exp(expected - rest).sum() < CONTINUOUS_TAIL / 2  # the tail's masses on one side


def test_the_tails_are_kept_by_to_dict_and_files_of_earlier_releases_have_none(fitted):
    gen, _ = fitted
    document = gen.encoder_.to_dict()
    assert document["continuous_tail"] == CONTINUOUS_TAIL
    assert TableEncoder.from_dict(document).continuous_tail_ == CONTINUOUS_TAIL
    earlier = {key: value for key, value in document.items() if key != "continuous_tail"}
    assert TableEncoder.from_dict(earlier).continuous_tail_ == 0.0
    for bad in (-0.1, 1.0, "0.001", float("nan")):
        with pytest.raises(ValueError, match="continuous_tail"):
            TableEncoder.from_dict({**document, "continuous_tail": bad})


def test_a_model_without_tails_scores_as_before(fitted):
    """What a model of an earlier release gets: no tail weight, no tail term."""
    gen, frame = fitted
    old = without_tails(gen)
    rows = frame.iloc[:3].assign(height=[1e3, 170.0, -1e3])
    tails = old.encoder_.continuous_tails(rows, old.encoder_.transform(rows))
    assert not tails.beyond.any() and not tails.log_inside.any() and not tails.log_tail.any()


def test_images_have_no_tails():
    X = np.random.default_rng(0).integers(0, 17, size=(40, 16)).astype(float)
    encoder = TableEncoder(shared_range=True).fit(X)
    assert encoder.continuous_tail_ == 0.0


def test_a_conditional_model_scores_the_rest_of_the_row_under_the_same_condition():
    frame = make_frame(200, seed=1)
    X, y = frame[["height", "weight"]], frame["group"].to_numpy()
    gen = BFNGenerator(**FAST).fit(X, y)
    [height] = [c for c in gen.encoder_.columns_ if c.name == "height"]
    rows = X.iloc[:4].assign(height=height.from_flow_range(np.array([2.0, 0.0, 2.0, 0.0])))
    labels = np.array(["a", "a", "b", "b"])
    rest_scores = without_tails(gen).score_samples(rows.assign(height=np.nan), labels)
    jacobian = height.log_jacobian(rows["height"].to_numpy())
    tail = np.log(CONTINUOUS_TAIL / (2 * TAIL_SCALE)) - 1.1 / TAIL_SCALE + jacobian
    expected = rest_scores + np.log1p(-CONTINUOUS_TAIL) + tail
    np.testing.assert_allclose(gen.score_samples(rows, labels)[[0, 2]], expected[[0, 2]], rtol=0, atol=1e-5)


def test_a_column_under_normal_scores_gets_its_tail_beyond_the_range_too():
    """Normal scores spread a heavy tail; the tail sits beyond the image of the training range, in the flow's
    units, so its density in the column's units falls slowly with the value, as the map compresses it."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"amount": rng.lognormal(3, 1, 300), "x": rng.normal(size=300)})
    gen = BFNGenerator(**FAST, continuous_transform="quantile").fit(X)
    assert gen.encoder_.columns_[0].normal_scores is not None
    rows = pd.DataFrame({"amount": X["amount"].max() * np.array([2.0, 10.0, 100.0]), "x": 0.0})
    scores, old = gen.score_samples(rows), without_tails(gen).score_samples(rows)
    assert np.all(np.isfinite(scores)) and np.all(np.diff(scores) < 0)
    assert np.all(scores - old > 100.0)


def test_a_cell_too_far_out_for_the_model_is_scored_by_its_tail_alone(fitted):
    """More than a million half-ranges out the float32 model has no density to give (its loss overflows): the
    row scores the rest of the row plus the tail's log-density, with the distance taken in float64; a model
    without tails scores it -inf, and a score is never NaN, even where the distance overflows float64."""
    gen, frame = fitted
    [height] = [c for c in gen.encoder_.columns_ if c.name == "height"]
    z = np.array([2e6, -3e7, 1e12])  # flow units, far beyond FAR_BEYOND = 1e6
    values = height.from_flow_range(z)
    rows = pd.concat([frame.iloc[:1]] * len(z), ignore_index=True).assign(height=values)
    rest = without_tails(gen).score_samples(rows.assign(height=np.nan)) + 2 * np.log1p(-CONTINUOUS_TAIL)
    distance = np.abs(height.to_flow_range(values)) - SCALED_LIMIT
    tail = np.log(CONTINUOUS_TAIL / (2 * TAIL_SCALE)) - distance / TAIL_SCALE + height.log_jacobian(values)
    scores = gen.score_samples(rows)
    np.testing.assert_allclose(scores, rest + tail, rtol=1e-12)
    assert np.isneginf(without_tails(gen).score_samples(rows)).all()
    extremes = gen.score_samples(rows.iloc[:2].assign(height=[1e307, -np.finfo(np.float64).max]))
    assert not np.isnan(extremes).any() and np.all(extremes < scores[-1])
