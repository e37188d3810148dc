"""category_shares='train': the model tilted to the training rows' category shares (the I-projection)."""

import itertools
import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from skbfn import BFNGenerator, BFNImputer, load, save
from skbfn._encoding.table import TableEncoder
from skbfn._inference.category_tilt import LOG_WEIGHT_FLOOR, CategoryTilt, category_counts, training_counts
from skbfn._inference.sampling import rejection_sample, tilt_pool_rows
from skbfn._model.config import TrainingConfig

FAST = dict(hidden_layer_sizes=(64, 64), time_embedding_dim=16, max_iter=300, n_steps=10, n_elbo_draws=8)


def _shares(codes: np.ndarray, n: int, weights=None) -> np.ndarray:
    counts = np.bincount(codes, weights=weights, minlength=n)
    return counts / counts.sum()


# ------------------------------------------------------------- the weights
@given(
    model=st.lists(st.floats(0.05, 1.0), min_size=2, max_size=5),
    target=st.lists(st.integers(5, 100), min_size=2, max_size=5),
    seed=st.integers(0, 2**16),
)
def test_weighted_pool_has_the_target_shares_and_the_largest_weight_is_one(model, target, seed):
    n = min(len(model), len(target))
    p = np.asarray(model[:n]) / np.sum(model[:n])
    counts = np.asarray(target[:n])
    pool = np.random.default_rng(seed).choice(n, size=4000, p=p).astype(np.float32)[:, None]
    tilt = CategoryTilt.fit(pool, [counts], [0])
    log_weight = tilt.log_weights[0]
    assert log_weight.max() == 0.0 and log_weight.min() >= LOG_WEIGHT_FLOOR
    codes = pool[:, 0].astype(int)
    mean_acceptance = np.mean(np.exp(log_weight[codes]))
    assert tilt.log_mean_acceptance == pytest.approx(np.log(mean_acceptance))
    drawn = np.bincount(codes, minlength=n) > 0
    weighted, own, target = _shares(codes, n, np.exp(log_weight[codes])), _shares(codes, n), counts / counts.sum()
    if drawn.all() and log_weight.min() > LOG_WEIGHT_FLOOR:  # no category left unmatched by the floor
        np.testing.assert_allclose(weighted, target, atol=1e-6)
    else:  # the floor binds: the shares still move towards the target, never past it, in total variation
        assert np.abs(weighted - target).sum() <= np.abs(own - target).sum() + 1e-9


def test_two_columns_are_matched_together_and_their_dependence_is_kept():
    """IPF on a joint pool: both marginals match, and the odds ratio of the pair (the dependence) is the pool's."""
    rng = np.random.default_rng(0)
    a = rng.choice(2, size=20_000, p=[0.7, 0.3])
    b = np.where(rng.random(20_000) < 0.8, a, 1 - a)  # b mostly copies a
    pool = np.column_stack([a, b]).astype(np.float32)
    counts = [np.array([50, 50]), np.array([40, 60])]
    tilt = CategoryTilt.fit(pool, counts, [0, 1])
    weights = np.exp(tilt.log_acceptance(pool, None))
    np.testing.assert_allclose(_shares(a, 2, weights), [0.5, 0.5], atol=1e-6)
    np.testing.assert_allclose(_shares(b, 2, weights), [0.4, 0.6], atol=1e-6)

    def odds_ratio(w):
        table = np.array([[w[(a == i) & (b == j)].sum() for j in range(2)] for i in range(2)])
        return table[0, 0] * table[1, 1] / (table[0, 1] * table[1, 0])

    assert odds_ratio(weights) == pytest.approx(odds_ratio(np.ones_like(weights)), rel=1e-9)


def test_categories_the_model_never_draws_or_the_data_never_hold():
    pool = np.repeat([[0.0], [2.0]], 500, axis=0)  # category 1 is never drawn
    tilt = CategoryTilt.fit(pool, [np.array([10, 10, 0])], [0])
    assert tilt.log_weights[0][1] == 0.0  # unseen in the pool: nothing to learn, left at the largest weight
    assert tilt.log_weights[0][2] == LOG_WEIGHT_FLOOR  # never in the training rows: as low as allowed


def test_counts_leave_missing_cells_out():
    z = np.array([[0.0, 1.0], [np.nan, 1.0], [2.0, 0.0]])
    counts = category_counts(z, [0, 1], [3, 2])
    np.testing.assert_array_equal(counts[0], [1, 0, 1])
    np.testing.assert_array_equal(counts[1], [1, 2])


# ---------------------------------------------------------- rejection sampling
def test_rejection_sampling_draws_the_tilted_shares():
    rng = np.random.default_rng(1)
    p = np.array([0.5, 0.3, 0.2])

    def draw(rows):
        return rng.choice(3, size=(len(rows), 1), p=p).astype(np.float64)

    tilt = CategoryTilt.fit(draw(np.arange(50_000)), [np.array([20, 30, 50])], [0])
    z, _ = rejection_sample(tilt.log_acceptance, draw(np.arange(40_000)), None, draw, rng.random)
    target = np.array([0.2, 0.3, 0.5])
    tolerance = 4 * np.sqrt(target * (1 - target) * (1 / 40_000 + 1 / 50_000 / p.min()))
    assert np.all(np.abs(_shares(z[:, 0].astype(int), 3) - target) < tolerance)


def test_given_categories_are_never_rejected():
    tilt = CategoryTilt([0], [np.array([0.0, -2.0])], [np.array([9, 1])], -0.5)
    z = np.array([[1.0], [1.0], [1.0]])
    known = np.array([[1.0], [np.nan], [1.0]])
    np.testing.assert_array_equal(tilt.log_acceptance(z, known), [0.0, -2.0, 0.0])

    def draw(rows):
        raise AssertionError("a row with its category given was drawn again")

    out, _ = rejection_sample(tilt.log_acceptance, z[[0, 2]], known[[0, 2]], draw, np.random.default_rng(0).random)
    np.testing.assert_array_equal(out, z[[0, 2]])


def test_score_offset_uses_the_smallest_weight_for_a_missing_category():
    tilt = CategoryTilt([1], [np.array([0.0, -0.3, -1.2])], [np.array([1, 1, 1])], -0.2)
    z = np.array([[0.5, 0.0], [0.5, 2.0], [0.5, np.nan]])
    np.testing.assert_array_equal(tilt.log_score_offset(z), [0.0, -1.2, -1.2])


# -------------------------------------------------------------- the estimator
def _imbalanced(n=800, seed=0):
    """A 90/10 class with a numeric column that depends on it."""
    rng = np.random.default_rng(seed)
    label = np.where(rng.random(n) < 0.9, "common", "rare")
    value = np.where(label == "rare", 2.0, -1.0) + rng.normal(0, 0.7, n)
    return pd.DataFrame({"value": value, "label": pd.Categorical(label)})


def _tolerance(target: float, n: int, gen) -> float:
    """Four standard errors of a share: the Monte-Carlo error of ``n`` draws and of the tilt's pool."""
    config = TrainingConfig.of(gen, encoder=gen.encoder_)
    pool = tilt_pool_rows(gen.n_iter_ * config.batch_size, gen.n_steps)
    return 4 * np.sqrt(target * (1 - target) * (1 / n + 1 / pool))


@pytest.fixture(scope="module")
def imbalanced():
    """The same network twice, tilted and not; trained briefly, so that its own share of "rare" is well off
    (untruncated: the tilt alone is under test)."""
    frame = _imbalanced()
    params = dict(FAST, max_iter=50, random_state=0, enforce_bounds=False)
    tilted = BFNGenerator(**params).fit(frame)
    own = BFNGenerator(**params, category_shares="model").fit(frame)
    return frame, tilted, own


def test_a_ninety_ten_class_keeps_its_share(imbalanced):
    frame, tilted, own = imbalanced
    n = 6000
    target = (frame["label"] == "rare").mean()
    # Monte-Carlo error of the draws and of the pool rows the weights were fitted on
    tolerance = _tolerance(target, n, tilted)
    share = (tilted.sample(n, random_state=1)["label"] == "rare").mean()
    own_share = (own.sample(n, random_state=1)["label"] == "rare").mean()
    assert abs(share - target) < tolerance < abs(own_share - target), (share, own_share, target)
    assert tilted.category_tilt_.counts[0].tolist() == frame["label"].value_counts().sort_index().tolist()


def test_training_is_untouched_and_rows_with_their_categories_given_are_the_networks_own(imbalanced):
    frame, tilted, own = imbalanced
    assert tilted.loss_curve_ == own.loss_curve_
    assert own.category_tilt_ is None
    given = frame[["label"]].iloc[:200].assign(value=np.nan)[["value", "label"]]
    drawn = tilted.sample(200, given=given, random_state=3)
    pd.testing.assert_frame_equal(drawn, own.sample(200, given=given, random_state=3))


def test_the_imputer_draws_missing_categories_from_the_tilted_model(imbalanced):
    frame, tilted, _ = imbalanced
    n = 3000
    holes = pd.concat([frame.iloc[:400], frame.iloc[:n]], ignore_index=True)
    holes["label"] = np.nan
    holes.loc[400:, "value"] = np.nan  # whole rows missing: drawn from the tilted model's joint
    imputed = BFNImputer(tilted, sample_posterior=True, random_state=0).fit(frame).transform(holes)
    assert imputed["label"].notna().all() and imputed["value"].notna().all()
    assert list(imputed["value"][:400]) == list(frame["value"][:400])  # observed cells untouched
    rare_side = frame["value"][:400] > 2.0  # the numeric cell still decides the label (base rate of "rare": 0.1)
    assert (imputed["label"][:400][rare_side] == "rare").mean() > 0.7
    target = (frame["label"] == "rare").mean()
    tolerance = _tolerance(target, n, tilted)
    assert abs((imputed["label"][400:] == "rare").mean() - target) < tolerance


def test_scores_add_the_log_weights_and_stay_below_the_networks_bound(imbalanced):
    frame, tilted, own = imbalanced
    rows = frame.iloc[:50]
    offset = tilted.score_samples(rows) - own.score_samples(rows)
    codes = rows["label"].cat.codes.to_numpy()
    np.testing.assert_allclose(offset, tilted.category_tilt_.log_weights[0][codes], atol=1e-9)
    assert np.all(offset <= 0)


def test_scores_given_y_are_the_networks_own():
    frame = _imbalanced(300)
    y = (frame["value"] > 0).astype(int).to_numpy()
    params = dict(FAST, max_iter=30, random_state=0)
    tilted = BFNGenerator(**params).fit(frame, y)
    own = BFNGenerator(**params, category_shares="model").fit(frame, y)
    np.testing.assert_array_equal(tilted.score_samples(frame[:20], y[:20]), own.score_samples(frame[:20], y[:20]))
    assert not np.array_equal(tilted.score_samples(frame[:20]), own.score_samples(frame[:20]))


def test_a_purely_categorical_table_keeps_a_total_probability_of_at_most_one():
    rng = np.random.default_rng(0)
    a = rng.choice(["p", "q", "r"], 300, p=[0.6, 0.3, 0.1])
    b = np.where(rng.random(300) < 0.7, a, "q")
    frame = pd.DataFrame({"a": pd.Categorical(a), "b": pd.Categorical(b)})
    gen = BFNGenerator(**dict(FAST, max_iter=100, n_elbo_draws=64), random_state=0).fit(frame)
    every_row = pd.DataFrame(list(itertools.product("pqr", "pqr")), columns=["a", "b"])
    every_row = every_row.astype({"a": frame["a"].dtype, "b": frame["b"].dtype})
    assert np.exp(gen.score_samples(every_row)).sum() <= 1.0 + 1e-6


def test_a_network_drawing_what_it_learned_needs_no_weight_where_cells_are_missing():
    """A missing cell holds its placeholder category in the rows the network learns and draws: the training
    counts count it there too. They did not, so a placeholder looked like a category drawn far too often
    (a rare first category, 20 times), and its weight spent the tilt's budget (``TILT_MIN_MEAN_ACCEPTANCE``)
    on rows drawn as the data hold them."""
    rng = np.random.default_rng(1)
    colours = ["amber", "blue", "green", "grey", "pink", "red"]  # the first, a placeholder's code, is rare
    colour = rng.choice(colours, 2000, p=[0.02, 0.2, 0.2, 0.2, 0.18, 0.2])
    frame = pd.DataFrame({"colour": pd.Series(colour).where(rng.random(2000) > 0.4), "size": rng.normal(size=2000)})
    encoder = TableEncoder(reproduce_missing=True).fit(frame)
    encoded = encoder.transform(frame)
    as_learned = encoder.with_placeholders(encoded)  # what a network that learned the rows exactly would draw
    tilt = CategoryTilt.fit(as_learned, training_counts(encoder, encoded), encoder.categorical_positions)
    assert max(np.abs(w).max() for w in tilt.log_weights) < 1e-9 and tilt.log_mean_acceptance > -1e-9


@pytest.mark.filterwarnings("ignore:Columns .* hold values outside:UserWarning")
def test_partial_fit_adds_the_counts_of_every_call():
    gen = BFNGenerator(**dict(FAST, n_steps=5), batch_size=100, random_state=0)
    first, second = _imbalanced(200, seed=1), _imbalanced(300, seed=2)
    gen.partial_fit(first).partial_fit(second)
    both = pd.concat([first, second])
    assert gen.category_tilt_.counts[0].tolist() == both["label"].value_counts().sort_index().tolist()


@pytest.mark.filterwarnings("ignore:Columns .* hold values outside:UserWarning")
def test_a_warm_start_fit_matches_the_shares_of_its_own_rows():
    first, second = _imbalanced(200, seed=1), _imbalanced(300, seed=2)
    gen = BFNGenerator(**dict(FAST, max_iter=20, n_steps=5), warm_start=True, random_state=0).fit(first)
    gen.fit(second)
    assert gen.category_tilt_.counts[0].tolist() == second["label"].value_counts().sort_index().tolist()


def test_the_tilt_survives_save_and_load(imbalanced, tmp_path):
    _, tilted, _ = imbalanced
    save(tilted, tmp_path / "tilted.safetensors")
    loaded = load(tmp_path / "tilted.safetensors")
    for a, b in zip(loaded.category_tilt_.log_weights, tilted.category_tilt_.log_weights, strict=True):
        np.testing.assert_array_equal(a, b)
    pd.testing.assert_frame_equal(loaded.sample(300, random_state=4), tilted.sample(300, random_state=4))


def test_a_model_pickled_before_the_tilt_draws_the_networks_own_shares(imbalanced):
    _, _, own = imbalanced
    state = own.__getstate__()
    del state["category_shares"], state["category_tilt_"]  # as pickled before the parameter existed
    restored = BFNGenerator.__new__(BFNGenerator)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.category_shares == "model" and restored.category_tilt_ is None
    pd.testing.assert_frame_equal(restored.sample(50, random_state=5), own.sample(50, random_state=5))


def test_a_table_without_categories_has_no_tilt():
    X = np.random.default_rng(0).normal(size=(100, 2))
    assert BFNGenerator(**dict(FAST, max_iter=5), random_state=0).fit(X).category_tilt_ is None


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: the tilt's pool and uniforms on the GPU")
def test_the_tilt_on_cuda_draws_the_training_shares_and_pickles_to_the_cpu():
    frame = _imbalanced()
    gen = BFNGenerator(**dict(FAST, max_iter=50), device="cuda", random_state=0, enforce_bounds=False).fit(frame)
    n = 6000
    target = (frame["label"] == "rare").mean()
    tolerance = _tolerance(target, n, gen)
    assert abs((gen.sample(n, random_state=1)["label"] == "rare").mean() - target) < tolerance
    restored = pickle.loads(pickle.dumps(gen))
    np.testing.assert_array_equal(restored.category_tilt_.log_weights[0], gen.category_tilt_.log_weights[0])


@pytest.mark.parametrize("batched", [True, False])
def test_rejection_stops_after_a_bounded_number_of_candidates_when_nearly_every_row_is_rejected(batched):
    """Bounds that a barely trained model of many columns almost never meets must not make sampling run for
    hours: after MAX_CANDIDATES_PER_ROW candidates per row the rows still rejected are returned as drawn."""
    from skbfn._inference.sampling import MAX_CANDIDATES_PER_ROW, batched_rejection_sample

    rng = np.random.default_rng(0)
    drawn = []

    def draw_again(rows):
        drawn.append(len(rows))
        return rng.normal(size=(len(rows), 3))

    def never_above_four(rows, given):  # a cell above 4 standard deviations: about 1 row in 10,000 passes
        return np.where((rows > 4).any(axis=1), 0.0, -np.inf)

    n_rows = 50
    if batched:
        encoded, pending = batched_rejection_sample(never_above_four, n_rows, 1.0, draw_again, rng.random)
    else:
        encoded, pending = rejection_sample(
            never_above_four, draw_again(np.arange(n_rows)), None, draw_again, rng.random
        )
    assert encoded.shape == (n_rows, 3)
    assert 0 < len(pending) <= n_rows  # most rows are left as drawn, and reported
    assert not (encoded[pending] > 4).any(axis=1).any()  # each one reported is one that was rejected
    assert MAX_CANDIDATES_PER_ROW * n_rows <= sum(drawn) <= (MAX_CANDIDATES_PER_ROW + 17) * n_rows
