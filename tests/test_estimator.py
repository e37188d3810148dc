"""BFNGenerator behaviour: pipelines, search, persistence, conditioning, units, bad input."""

import copy
import io
import pickle
import re

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import on_the_cpu
from sklearn.base import clone
from sklearn.datasets import make_moons
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import skbfn._estimators.generator
import skbfn._inference.sampling
from skbfn import BFNGenerator
from skbfn._model.config import TrainingConfig

FAST = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=150, n_steps=20, n_elbo_draws=8)


@pytest.fixture(scope="module")
def moons():
    return make_moons(600, noise=0.1, random_state=0)


@pytest.fixture(scope="module")
def fitted(moons):
    X, _ = moons
    return BFNGenerator(random_state=0, **FAST).fit(X)


def fingerprint(estimator):
    """Everything a failed call must leave as it was: attributes and weights."""
    weights = {k: v.clone() for k, v in estimator.ema_.state_dict().items()}
    return dict(estimator.__dict__), weights


def assert_unchanged(estimator, before):
    attributes, weights = before
    assert estimator.__dict__.keys() == attributes.keys()
    for key, value in attributes.items():
        assert estimator.__dict__[key] is value, key
    for key, value in estimator.ema_.state_dict().items():
        assert torch.equal(value, weights[key]), key


# ------------------------------------------------------------------- basics


def test_fit_sample_score_shapes_and_attributes(fitted, moons):
    X, _ = moons
    assert fitted.n_features_in_ == 2
    assert fitted.n_iter_ == 150 and len(fitted.history_["loss"]) == 150
    assert np.isfinite(fitted.history_["loss"]).all()
    samples = fitted.sample(7)
    assert samples.shape == (7, 2) and samples.dtype == np.float64
    scores = fitted.score_samples(X[:5])
    assert scores.shape == (5,) and np.isfinite(scores).all()
    assert fitted.score(X[:5]) == pytest.approx(scores.mean())
    assert not hasattr(fitted, "classes_")


def test_training_lowers_the_loss(fitted):
    loss = np.asarray(fitted.history_["loss"])
    assert loss[-30:].mean() < loss[:30].mean()


def test_samples_come_back_in_original_units():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(1000.0, 5.0, 800), rng.normal(-0.001, 0.0002, 800)])
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 300}).fit(X)
    samples = gen.sample(500)
    np.testing.assert_allclose(samples.mean(axis=0), X.mean(axis=0), rtol=0.05)
    assert 0.5 < samples[:, 0].std() / X[:, 0].std() < 1.5
    assert 0.5 < samples[:, 1].std() / X[:, 1].std() < 1.5


@pytest.mark.parametrize("transform", ["affine", "quantile"])
def test_scores_are_densities_in_original_units(moons, transform):
    """Rescaling X by c shifts every log-density by -D ln c (the Jacobian), as for any density.

    Both maps are scale-equivariant, so both models see the same encoded
    rows, up to float rounding of the normal scores: rows encoded to the same
    bits must score exactly ``D ln c`` apart.
    """
    X, _ = moons
    params = dict(random_state=0, continuous_transform=transform, **FAST)
    base = BFNGenerator(**params).fit(X)
    scaled = BFNGenerator(**params).fit(X * 10.0)
    same = np.all(base.encoder_.transform(X[:50]) == scaled.encoder_.transform(X[:50] * 10.0), axis=1)
    assert same.sum() >= 45
    np.testing.assert_allclose(
        scaled.score_samples(X[:50] * 10.0)[same], base.score_samples(X[:50])[same] - 2 * np.log(10.0), rtol=1e-4
    )


def test_scores_are_deterministic_and_independent_of_the_rest_of_the_batch(fitted, moons):
    X, _ = moons
    full = fitted.score_samples(X[:40])
    np.testing.assert_array_equal(full, fitted.score_samples(X[:40]))
    np.testing.assert_allclose(fitted.score_samples(X[[30, 3]]), full[[30, 3]], rtol=1e-5)
    unseeded = copy.deepcopy(fitted).set_params(random_state=None)
    np.testing.assert_array_equal(unseeded.score_samples(X[:5]), unseeded.score_samples(X[:5]))


def test_sampling_is_reproducible_with_an_int_random_state(fitted):
    np.testing.assert_array_equal(fitted.sample(20), fitted.sample(20))
    np.testing.assert_array_equal(fitted.sample(20, random_state=5), fitted.sample(20, random_state=5))
    assert not np.array_equal(fitted.sample(20, random_state=5), fitted.sample(20, random_state=6))


def test_large_samples_are_drawn_in_runs_that_keep_conditions_and_given_cells(conditional, monkeypatch):
    gen, X, fit_labels = conditional
    monkeypatch.setattr(
        skbfn._inference.sampling, "SAMPLE_BATCH", {"cpu": 7, "cuda": 7}
    )  # 40 rows: runs of 7 and a last one of 5
    labels = np.array(["upper", "lower"] * 20)
    rows = gen.sample(40, y=labels, random_state=0)
    assert rows.shape == (40, 2) and np.isfinite(rows).all()
    np.testing.assert_array_equal(rows, gen.sample(40, y=labels, random_state=0))
    assert (nearer_moon(rows, X, fit_labels) == labels).mean() > 0.9  # every run kept its own rows' labels
    fixed = gen.sample(20, given={0: 0.5}, random_state=0)
    assert (fixed[:, 0] == 0.5).all() and not np.allclose(fixed[:, 1], fixed[0, 1])


def test_fit_is_reproducible(moons):
    X, _ = moons
    a = BFNGenerator(random_state=3, **FAST).fit(X)
    b = BFNGenerator(random_state=3, **FAST).fit(X)
    np.testing.assert_array_equal(a.sample(10), b.sample(10))
    assert a.history_["loss"] == b.history_["loss"]


def test_fit_leaves_the_global_torch_rng_alone(moons):
    X, _ = moons
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    BFNGenerator(random_state=0, **{**FAST, "max_iter": 5}).fit(X)
    torch.testing.assert_close(torch.rand(3), expected)


def test_discrete_time_loss_trains_and_scores(moons):
    X, _ = moons
    gen = BFNGenerator(loss="discrete", n_loss_steps=20, random_state=0, **FAST).fit(X)
    assert np.isfinite(gen.score_samples(X[:10])).all()


def test_early_stopping_records_validation_and_keeps_the_best(moons):
    X, _ = moons
    gen = BFNGenerator(
        early_stopping=True, validation_interval=10, n_iter_no_change=2, tol=10.0, random_state=0, **FAST
    ).fit(X)
    history = gen.history_
    assert history["validation_step"][0] == 10
    assert gen.n_iter_ < 150  # a gain of 10 nats per evaluation is never reached
    assert len(history["validation_score"]) == len(history["validation_step"])
    # the attribute names MLPRegressor users know, derived from the same record
    assert gen.loss_curve_ == history["loss"] and len(gen.loss_curve_) == gen.n_iter_
    assert gen.validation_scores_ == history["validation_score"]
    assert gen.best_validation_score_ == max(history["validation_score"])


@pytest.mark.parametrize(
    ("params", "n_model_columns", "expected"),
    [
        ({}, None, (2000, 1024, 4e-3)),
        ({}, 3, (2000, 1024, 4e-3)),
        ({}, 2, (3000, 2048, 4e-3)),
        ({}, 1, (3000, 2048, 4e-3)),
        ({"max_iter": 7, "batch_size": 9}, 2, (7, 9, 4e-3)),
        ({"network": "unet"}, 64, (1000, 128, 1e-3)),
        ({"network": "unet", "max_iter": 7, "batch_size": 9, "learning_rate_init": 0.5}, 64, (7, 9, 0.5)),
    ],
)
def test_auto_training_budget_follows_the_network_and_table(params, n_model_columns, expected):
    config = TrainingConfig.of(BFNGenerator(**params), n_model_columns=n_model_columns)
    assert (config.max_iter, config.batch_size, config.learning_rate) == expected


@pytest.mark.parametrize(
    ("n_numeric", "categories", "widths"),
    [(1, 0, 64), (2, 0, 64), (1, 1, 64), (3, 0, 128), (2, 1, 128)],
)
def test_default_widths_follow_the_number_of_model_columns(n_numeric, categories, widths):
    """hidden_layer_sizes=None: 64-wide blocks over at most two model columns (a category is one), else 128."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({f"x{j}": rng.normal(size=60) for j in range(n_numeric)})
    for j in range(categories):
        frame[f"c{j}"] = pd.Categorical(rng.choice(["a", "b", "c"], 60))
    gen = BFNGenerator(max_iter=2, time_embedding_dim=8, random_state=0).fit(frame)
    assert gen.model_.net.input_layer.out_features == widths
    assert gen.model_.net.output_layer.in_features == widths


def test_without_early_stopping_there_are_no_validation_scores(fitted):
    assert fitted.validation_scores_ is None and fitted.best_validation_score_ is None
    assert fitted.loss_curve_ == fitted.history_["loss"]


def test_is_a_density_estimator_with_documented_fitted_attributes(fitted):
    assert fitted.__sklearn_tags__().estimator_type == "density_estimator"  # from DensityMixin
    fitted_names = [name for name in vars(fitted) if name.endswith("_") and not name.startswith("_")]
    documented = BFNGenerator.__doc__.split("Attributes")[1].split("See Also")[0]
    assert fitted_names and all(f"{name} :" in documented for name in fitted_names)
    assert not [name for name in vars(fitted) if name.startswith("_") and not name.startswith("__")]


def test_verbose_shows_progress(moons, capsys):
    X, _ = moons
    BFNGenerator(verbose=1, random_state=0, **{**FAST, "max_iter": 60}).fit(X)
    assert "BFN fit" in capsys.readouterr().err
    BFNGenerator(verbose=0, random_state=0, **{**FAST, "max_iter": 60}).fit(X)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


# ------------------------------------------------------------- composition


def test_pipeline_with_a_scaler(moons):
    X, _ = moons
    pipe = Pipeline([("scale", StandardScaler()), ("bfn", BFNGenerator(random_state=0, **FAST))]).fit(X)
    assert np.isfinite(pipe.score(X))
    assert pipe.score_samples(X[:4]).shape == (4,)


def test_grid_search_chooses_by_score(moons):
    X, _ = moons
    grid = {"sigma_1": [0.02, 0.2], "hidden_layer_sizes": [(16,), (32, 32)]}
    search = GridSearchCV(BFNGenerator(random_state=0, **{**FAST, "max_iter": 60}), grid, cv=2).fit(X)
    means = search.cv_results_["mean_test_score"]
    assert np.isfinite(means).all()
    assert search.best_index_ == int(np.argmax(means))
    assert search.best_estimator_.sample(3).shape == (3, 2)


def test_grid_search_scores_every_fold_of_a_table_with_a_level_in_one_row():
    """A level of one row is missing from the training rows of the fold that holds it out (and its column is
    constant in the others' training rows): every fold still scores, so the search still ranks."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "x": rng.normal(size=90),
            "colour": pd.Categorical(rng.choice(["red", "blue"], 90)),
            "rare": np.where(np.arange(90) == 4, "once", "always"),
        }
    )
    grid = {"sigma_1": [0.02, 0.2]}
    search = GridSearchCV(BFNGenerator(random_state=0, **{**FAST, "max_iter": 20}), grid, cv=3).fit(X)
    assert np.isfinite(search.cv_results_["split0_test_score"]).all()  # the fold that holds the row out
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_clone_gives_an_unfitted_copy_with_the_same_parameters(fitted):
    copy = clone(fitted)
    assert copy.get_params() == fitted.get_params()
    assert not hasattr(copy, "ema_")


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_persistence_round_trip_gives_identical_samples_and_scores(fitted, moons, dump, tmp_path):
    X, _ = moons
    if dump == "pickle":
        loaded = pickle.loads(pickle.dumps(fitted))
    else:
        joblib.dump(fitted, tmp_path / "model.joblib")
        loaded = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(loaded.sample(25), fitted.sample(25))
    np.testing.assert_array_equal(loaded.score_samples(X[:25]), fitted.score_samples(X[:25]))


def test_model_trained_on_a_missing_device_loads_on_the_cpu(fitted):
    """A pickle made where CUDA was used loads where it is not: tensors are stored on the CPU."""
    state = fitted.__getstate__()
    state["device"] = "cuda:7"  # the device the model was trained on, absent here
    restored = BFNGenerator.__new__(BFNGenerator)
    restored.__setstate__(pickle.loads(pickle.dumps(state)))
    assert restored.device_ == torch.device("cpu")
    assert all(p.device.type == "cpu" for p in restored.ema_.parameters())
    np.testing.assert_array_equal(restored.sample(5), on_the_cpu(fitted).sample(5))


def test_a_model_on_another_device_pickles_a_cpu_copy_and_stays_where_it_is(fitted, monkeypatch):
    """Pickling a model that lives on an accelerator copies it to the CPU; the live model is not moved.

    Without CUDA the accelerator is played by ``device_`` alone: ``__getstate__`` must notice it,
    copy the networks, and place the copies (not the live ones) on the CPU.
    """
    gen = copy.deepcopy(fitted)
    gen.device_ = torch.device("cuda", 3)
    placed = []
    original_place = skbfn._estimators.generator.place

    def recording_place(device, precision, *modules):
        placed.append((device, modules))
        original_place(device, precision, *modules)

    monkeypatch.setattr(skbfn._estimators.generator, "place", recording_place)
    state = gen.__getstate__()
    assert state["device_"] == torch.device("cpu")
    assert state["model_"] is not gen.model_ and state["ema_"] is not gen.ema_
    assert gen.device_ == torch.device("cuda", 3)  # the live estimator keeps its device
    [(device, modules)] = placed
    assert device == torch.device("cpu") and modules == (state["model_"], state["ema_"])
    tensors = [t for m in (state["model_"], state["ema_"]) for t in m.state_dict().values()]
    assert tensors and all(t.device.type == "cpu" for t in tensors)
    buffer = io.BytesIO()
    pickle.dump(fitted, buffer)
    assert pickle.loads(buffer.getvalue()).device_ == fitted.device_  # back where it was, where that exists


def test_placing_a_model_moves_every_tensor_of_the_model_and_of_its_average(fitted):
    """``place`` moves the networks and the EMA's own buffers (its update count) alike.

    The meta device stands in for an accelerator on a machine without one: a buffer left behind
    would stay on the CPU here, as it stayed on CUDA in a pickle that was meant to hold CPU tensors.
    """
    model, ema = copy.deepcopy(fitted.model_), copy.deepcopy(fitted.ema_)
    skbfn._estimators.generator.place(torch.device("meta"), "float32", model, ema)
    tensors = [*model.state_dict().values(), *ema.state_dict().values()]
    assert "n_updates" in ema.state_dict() and all(t.device.type == "meta" for t in tensors)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_fit_pickles_to_cpu_tensors(moons):
    X, _ = moons
    gen = BFNGenerator(device="cuda", random_state=0, **FAST).fit(X)
    assert next(gen.ema_.parameters()).is_cuda
    state = gen.__getstate__()
    assert all(t.device.type == "cpu" for t in state["ema_"].state_dict().values())
    assert next(gen.ema_.parameters()).is_cuda  # the live model stays where it was
    assert pickle.loads(pickle.dumps(gen)).sample(3).shape == (3, 2)


# ------------------------------------------------------------- conditioning


@pytest.fixture(scope="module")
def conditional(moons):
    X, y = make_moons(1500, noise=0.1, random_state=0)
    labels = np.where(y == 0, "upper", "lower")
    params = {**FAST, "max_iter": 800, "hidden_layer_sizes": (64, 64), "n_steps": 50}
    gen = BFNGenerator(random_state=0, cond_drop_prob=0.2, **params).fit(X, labels)
    return gen, X, labels


def nearer_moon(points, X, labels):
    from sklearn.neighbors import NearestNeighbors

    nearest = {}
    for label in ("upper", "lower"):
        nn = NearestNeighbors(n_neighbors=1).fit(X[labels == label])
        nearest[label] = nn.kneighbors(points)[0][:, 0]
    return np.where(nearest["upper"] < nearest["lower"], "upper", "lower")


def test_class_conditional_samples_land_on_their_moon(conditional):
    gen, X, labels = conditional
    assert list(gen.classes_) == ["lower", "upper"]
    for label in ("upper", "lower"):
        samples = gen.sample(400, y=label)
        assert np.mean(nearer_moon(samples, X, labels) == label) >= 0.9, label


def test_unconditional_samples_cover_both_moons(conditional):
    gen, X, labels = conditional
    share = np.mean(nearer_moon(gen.sample(600), X, labels) == "upper")
    assert 0.3 < share < 0.7


def test_per_row_conditions_and_guidance(conditional):
    gen, X, labels = conditional
    wanted = np.array(["upper", "lower"] * 150)
    samples = gen.sample(300, y=wanted)
    assert np.mean(nearer_moon(samples, X, labels) == wanted) >= 0.9
    guided = copy.deepcopy(gen).set_params(guidance_scale=3.0, rescaled_phi=0.5)
    assert np.mean(nearer_moon(guided.sample(300, y=wanted), X, labels) == wanted) >= 0.9


def test_conditional_scores_prefer_the_right_label(conditional):
    gen, X, labels = conditional
    rows = X[:200]
    right = gen.score_samples(rows, labels[:200])
    wrong = gen.score_samples(rows, np.where(labels[:200] == "upper", "lower", "upper"))
    assert np.mean(right > wrong) > 0.9
    assert np.isfinite(gen.score_samples(rows)).all()  # unconditional, through the null condition


def test_real_valued_condition():
    rng = np.random.default_rng(0)
    c = rng.uniform(-1, 1, 1500)
    X = np.column_stack([3 * c + 0.05 * rng.normal(size=1500), rng.normal(size=1500) * 0.1])
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 600, "hidden_layer_sizes": (64, 64)}).fit(X, c)
    assert not hasattr(gen, "classes_")
    for value in (-0.8, 0.0, 0.8):
        samples = gen.sample(200, y=value)
        assert abs(np.median(samples[:, 0]) - 3 * value) < 0.3, value
    per_row = gen.sample(4, y=np.array([[-0.5], [0.5], [-0.5], [0.5]]))
    assert per_row.shape == (4, 2)


# ---------------------------------------------------------------- bad input

BAD_X = {
    "inf": np.array([[0.0, np.inf], [1.0, 2.0]]),
    "empty": np.empty((0, 2)),
    "complex": np.array([[1 + 1j, 2.0], [3.0, 4.0]]),
    "unhashable": np.array([[{"a": 1}, 1.0], [{"b": 2}, 2.0]], dtype=object),
    "1d": np.array([1.0, 2.0, 3.0]),
}


@pytest.mark.parametrize("method", ["fit", "score_samples"])
@pytest.mark.parametrize("name", sorted(BAD_X))
def test_bad_X_is_refused_and_the_model_is_unchanged(fitted, name, method):
    before = fingerprint(fitted)
    with pytest.raises((ValueError, TypeError)):
        getattr(fitted, method)(BAD_X[name])
    assert_unchanged(fitted, before)


def test_strings_in_a_numeric_column_are_refused_at_score(fitted):
    with pytest.raises(ValueError, match="not numbers"):
        fitted.score_samples(np.array([["a", "b"], ["c", "d"]], dtype=object))


def test_lists_in_cells_are_refused_by_the_column_s_name():
    X = pd.DataFrame({"x": np.arange(30.0), "tags": pd.Series([[1, 2], [3]] * 15)})
    with pytest.raises(ValueError, match=r"'tags' holds sequences \(lists or arrays\)"):
        BFNGenerator(max_iter=2).fit(X)


def test_wrong_number_of_features_is_named(fitted):
    with pytest.raises(ValueError, match="3 features"):
        fitted.score_samples(np.zeros((2, 3)))


def test_y_of_the_wrong_length_is_refused(conditional, moons):
    gen, X, labels = conditional
    before = fingerprint(gen)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        gen.fit(X, labels[:-1])
    with pytest.raises(ValueError, match="rows"):
        gen.sample(5, y=["upper", "lower"])
    with pytest.raises(ValueError, match="rows"):
        gen.score_samples(X[:5], labels[:4])
    assert_unchanged(gen, before)


@pytest.mark.parametrize("n_samples", [0, -3, 2.5, "5", True])
def test_bad_n_samples(fitted, n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        fitted.sample(n_samples)


def test_unknown_label_lists_the_known_ones(conditional):
    gen, X, _ = conditional
    with pytest.raises(ValueError, match=r"known labels are \['lower', 'upper'\]"):
        gen.sample(3, y="middle")
    with pytest.raises(ValueError, match="unseen"):
        gen.score_samples(X[:2], ["upper", "middle"])


def test_condition_on_an_unconditional_model_is_refused(fitted):
    with pytest.raises(ValueError, match="without y"):
        fitted.sample(2, y=1)


def test_invalid_parameters_are_named_at_fit(moons):
    X, _ = moons
    for params, name in [
        ({"sigma_1": 1.5}, "sigma_1"),
        ({"loss": "huber"}, "loss"),
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes"),
        ({"hidden_layer_sizes": ()}, "hidden_layer_sizes"),
        ({"device": "tpu"}, "device"),
    ]:
        with pytest.raises(ValueError, match=name):
            BFNGenerator(**params).fit(X)


def test_cuda_device_without_cuda_is_refused(moons):
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    with pytest.raises(ValueError, match="CUDA is not available"):
        BFNGenerator(device="cuda", **FAST).fit(moons[0])


def test_unfitted_model_raises_not_fitted():
    from sklearn.exceptions import NotFittedError

    for call in (lambda g: g.sample(2), lambda g: g.score_samples(np.zeros((2, 2)))):
        with pytest.raises(NotFittedError):
            call(BFNGenerator())


def test_dataframe_feature_names_are_kept_and_checked(moons):
    import pandas as pd

    X, _ = moons
    frame = pd.DataFrame(X, columns=["a", "b"])
    gen = BFNGenerator(random_state=0, **{**FAST, "max_iter": 20}).fit(frame)
    assert list(gen.feature_names_in_) == ["a", "b"]
    with pytest.warns(UserWarning, match="feature names"):
        gen.score_samples(X[:3])


def test_warm_start_continues_training(moons):
    X, y = moons
    gen = BFNGenerator(warm_start=True, random_state=0, **{**FAST, "max_iter": 40}).fit(X)
    first_weights = [p.clone() for p in gen.ema_.parameters()]
    first_encoder = gen.encoder_
    gen.fit(X[:300])  # a subset: the scaling of the first fit is kept
    assert gen.n_iter_ == 80 and len(gen.history_["loss"]) == 80
    assert gen.encoder_ is first_encoder
    assert any(not torch.equal(a, b) for a, b in zip(first_weights, gen.ema_.parameters(), strict=True))
    cold = clone(gen).set_params(warm_start=False).fit(X[:300])
    assert cold.n_iter_ == 40
    with pytest.raises(ValueError, match="warm_start"):
        gen.fit(X, y)
    assert gen.n_iter_ == 80


def test_auto_max_iter_shrinks_for_small_tables(moons):
    """'auto' gives the MLP 5 steps per training row, from 500 up to 2000 (3000 over at most two model columns);
    the UNet and set values are kept."""
    X, _ = moons
    small = dict(hidden_layer_sizes=(8,), time_embedding_dim=8, n_steps=5, n_elbo_draws=4, random_state=0)
    assert BFNGenerator(**small).fit(X[:150]).n_iter_ == 750
    assert BFNGenerator(**small).fit(X[:60]).n_iter_ == 500
    gen = BFNGenerator(**small)
    assert TrainingConfig.of(gen, n_rows=399).max_iter == 1995 and TrainingConfig.of(gen, n_rows=10**6).max_iter == 2000
    assert TrainingConfig.of(gen, n_rows=599, n_model_columns=2).max_iter == 2995
    assert TrainingConfig.of(gen, n_rows=10**6, n_model_columns=2).max_iter == 3000
    assert TrainingConfig.of(gen.set_params(max_iter=30), n_rows=60).max_iter == 30
    assert TrainingConfig.of(BFNGenerator(network="unet"), n_rows=60).max_iter == 1000


@pytest.mark.parametrize("sampler", ["ode1", "ode2", "sde2", "ode2-lambda"])
def test_fast_samplers_through_the_estimator(fitted, moons, sampler):
    X, _ = moons
    gen = copy.deepcopy(fitted).set_params(sampler=sampler, n_steps=10)
    samples = gen.sample(300)
    assert samples.shape == (300, 2) and np.isfinite(samples).all()
    np.testing.assert_array_equal(samples, gen.sample(300))
    # the samples stay near the data: most lie within the training range, padded by 10%
    span = X.max(axis=0) - X.min(axis=0)
    inside = np.all((samples > X.min(axis=0) - 0.1 * span) & (samples < X.max(axis=0) + 0.1 * span), axis=1)
    assert inside.mean() > 0.95


def test_unknown_sampler_is_refused(fitted, moons):
    with pytest.raises(ValueError, match="sampler"):
        BFNGenerator(sampler="euler").fit(moons[0])
    with pytest.raises(ValueError, match="Unknown sampler"):
        copy.deepcopy(fitted).set_params(sampler="euler").sample(2)


def test_a_series_is_refused_with_a_message_that_says_how_to_make_it_a_table():
    column = pd.Series(np.random.default_rng(0).normal(size=40), name="x")
    with pytest.raises(ValueError, match=r"1-D Series of 40 values: pass X.to_frame\(\)"):
        BFNGenerator(max_iter=2).fit(column)
    assert BFNGenerator(max_iter=2, random_state=0).fit(column.to_frame()).sample(3).columns.tolist() == ["x"]


def test_an_empty_table_is_refused_with_its_own_shape(moons):
    gen = BFNGenerator(max_iter=2, hidden_layer_sizes=(8,), random_state=0).fit(
        pd.DataFrame(moons[0], columns=["u", "v"])
    )
    empty = pd.DataFrame({"u": [], "v": []})
    for call in (gen.score_samples, BFNGenerator(max_iter=2).fit):
        with pytest.raises(ValueError, match=re.escape("0 sample(s) (shape=(0, 2))")):
            call(empty)


def test_ema_decay_changes_nothing_in_a_fit_shorter_than_its_warm_up(moons):
    """Below ``9 / (1 - ema_decay) - 10`` steps the warm-up sets the decay (the docs say so): one average."""
    X, _ = moons
    fits = [
        BFNGenerator(max_iter=40, hidden_layer_sizes=(8,), ema_decay=decay, random_state=0).fit(X[:200])
        for decay in (0.999, 0.9995)
    ]
    first, second = (fit.ema_.state_dict() for fit in fits)
    assert first.keys() == second.keys()
    for name, tensor in first.items():
        assert torch.equal(tensor, second[name]), name
    assert fits[0].ema_.decay != fits[1].ema_.decay
