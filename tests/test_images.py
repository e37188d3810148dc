"""BFNGenerator over flattened images with a UNet (network='unet')."""

import pickle
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from skbfn import BFNGenerator, load, save
from skbfn.core import ContinuousFlow
from skbfn.core.flows import DiscretisedColumnsFlow
from skbfn.core.nets import ImageNetwork, UNet

TINY = dict(
    network="unet",
    hidden_layer_sizes=(8, 16),
    time_embedding_dim=8,
    max_iter=8,
    batch_size=64,
    n_steps=4,
    n_elbo_draws=4,
    random_state=0,
)


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def fitted(digits):
    X, y = digits
    return BFNGenerator(**TINY).fit(X, y)


def test_digits_are_discretised_pixels_sharing_one_range(fitted):
    ((flow, n_columns),) = fitted.model_.flow.parts
    assert flow == DiscretisedColumnsFlow((17,) * 64, 0.01) and n_columns == 64
    assert isinstance(fitted.model_.net, ImageNetwork) and isinstance(fitted.model_.net.net, UNet)
    assert fitted.model_.net.image_shape == (1, 8, 8)
    # pixel (0, 0) is always 0 in the data, yet it gets the same 17 bins as every pixel
    assert {(c.kind, c.offset, c.n_bins) for c in fitted.encoder_.columns_} == {("discretised", 0.0, 17)}


def test_unet_samples_come_back_as_flat_images_on_the_grey_levels(fitted):
    samples = fitted.sample(12, y=np.arange(12) % 10)
    assert samples.shape == (12, 64)
    assert np.array_equal(samples, np.round(samples)) and samples.min() >= 0 and samples.max() <= 16
    unconditional = fitted.sample(3)
    assert unconditional.shape == (3, 64)


def test_unet_scores_are_log_probabilities_in_nats(fitted, digits):
    X, y = digits
    scores = fitted.score_samples(X[:5], y[:5])
    assert scores.shape == (5,) and np.all(np.isfinite(scores))
    assert np.all(scores < 0)  # a bound on the log of a probability mass
    # bits per dimension as documented: -score / (n_pixels ln 2), and no better than 0
    assert np.all(-scores / (64 * np.log(2)) > 0)
    np.testing.assert_array_equal(fitted.score_samples(X[:5], y[:5]), scores)


def test_continuous_pixels_when_not_discretised(digits):
    X, _ = digits
    gen = BFNGenerator(**{**TINY, "discretised_features": None}).fit(X / 16.0)
    ((flow, _),) = gen.model_.flow.parts
    assert flow == ContinuousFlow(0.01)
    scale = {c.scale for c in gen.encoder_.columns_}
    assert len(scale) == 1  # one scaling for every pixel
    samples = gen.sample(4)
    assert samples.shape == (4, 64) and np.all(np.isfinite(samples))
    # a density in pixel units: the log-Jacobian of the shared scaling is included
    assert np.isclose(gen.encoder_.log_jacobian, 64 * np.log(scale.pop()))


def test_rectangular_and_multichannel_images():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 4, size=(40, 2 * 4 * 6)).astype(float)
    gen = BFNGenerator(**{**TINY, "image_shape": (2, 4, 6)}).fit(X)
    assert gen.model_.net.image_shape == (2, 4, 6)
    assert gen.model_.net.net.input_conv.in_channels == 2 * 3  # per channel: the value, given and absent flags
    assert gen.sample(3).shape == (3, 48)
    assert BFNGenerator(**{**TINY, "image_shape": (4, 12)}).fit(X).sample(2).shape == (2, 48)


@pytest.mark.parametrize(
    ("params", "X", "message"),
    [
        ({}, np.zeros((10, 10)), "not a square"),
        ({"image_shape": (3, 3)}, np.zeros((10, 16)), "holds 9 pixels"),
        ({"image_shape": (4, 4, 4, 4)}, np.zeros((10, 16)), "image_shape must be"),
        ({"image_shape": (6, 6), "hidden_layer_sizes": (8, 8, 8)}, np.zeros((10, 36)), "divisible by 4"),
        ({"discretised_features": [0, 1]}, np.tile(np.arange(16.0), (10, 1)), "all columns or none"),
        ({"categorical_features": [3]}, np.tile(np.arange(16.0), (10, 1)), "categorical"),
    ],
)
def test_bad_image_settings_are_refused(params, X, message):
    with pytest.raises(ValueError, match=message):
        BFNGenerator(**{**TINY, **params}).fit(X)


def test_unet_models_round_trip_through_pickle_and_safetensors(fitted, digits, tmp_path):
    X, y = digits
    expected = fitted.score_samples(X[:3], y[:3])
    again = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(again.score_samples(X[:3], y[:3]), expected)
    path = tmp_path / "digits.safetensors"
    save(fitted, path)
    loaded = load(path)
    np.testing.assert_allclose(loaded.score_samples(X[:3], y[:3]), expected, rtol=1e-6)
    np.testing.assert_array_equal(loaded.sample(4, y=1, random_state=3), fitted.sample(4, y=1, random_state=3))


def test_bfloat16_precision_leaves_cpu_runs_unaffected(digits):
    X, y = digits
    if torch.cuda.is_available():
        pytest.skip("this checks the CPU guard; the CUDA path is tested in test_bfloat16_on_cuda")
    plain = BFNGenerator(**TINY, device="cpu").fit(X, y)
    with pytest.warns(UserWarning, match="CUDA only"):
        asked = BFNGenerator(**TINY, device="cpu", precision="bfloat16").fit(X, y)
    assert asked.model_.autocast_dtype is None and not asked.model_.net.channels_last
    np.testing.assert_array_equal(asked.sample(3, y=2), plain.sample(3, y=2))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: bf16 autocast and channels-last on a GPU")
def test_bfloat16_on_cuda(digits):
    X, y = digits
    gen = BFNGenerator(**TINY, device="cuda", precision="bfloat16").fit(X, y)
    assert gen.model_.autocast_dtype == torch.bfloat16 and gen.model_.net.channels_last
    assert gen.sample(4, y=3).shape == (4, 64)
    assert np.all(np.isfinite(gen.score_samples(X[:4], y[:4])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cpu = pickle.loads(pickle.dumps(gen))  # loads onto CUDA here; the pickle itself holds CPU tensors
    assert cpu.sample(2).shape == (2, 64)
