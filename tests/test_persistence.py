"""skbfn.save / skbfn.load: safetensors + JSON, no pickle, refusing damaged files."""

import numpy as np
import pandas as pd
import pytest
from conftest import on_the_cpu
from sklearn.datasets import make_moons

from skbfn import BFNGenerator, load, save

FAST = dict(hidden_layer_sizes=(32,), time_embedding_dim=16, max_iter=60, n_steps=10, n_elbo_draws=8, random_state=0)


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "value": rng.normal(size=300),
            "count": rng.integers(0, 4, 300),
            "colour": pd.Categorical(rng.choice(["red", "blue"], 300), categories=["blue", "red", "green"]),
            "flag": rng.random(300) < 0.5,
            "year": rng.integers(1900, 2020, 300),  # wider than max_bins: dequantised
            "unit": np.full(300, 2.5),  # a point mass
        }
    )
    y = rng.choice(["a", "b", "c"], 300)
    return frame, y, BFNGenerator(**FAST).fit(frame, y)


def test_round_trip_gives_identical_samples_scores_and_attributes(mixed, tmp_path):
    frame, y, gen = mixed
    path = tmp_path / "model.safetensors"
    save(gen, path)
    loaded = load(path)
    pd.testing.assert_frame_equal(loaded.sample(30, y="b"), gen.sample(30, y="b"))
    np.testing.assert_array_equal(loaded.score_samples(frame[:30], y[:30]), gen.score_samples(frame[:30], y[:30]))
    assert loaded.get_params() == gen.get_params()
    assert list(loaded.classes_) == list(gen.classes_)
    assert list(loaded.feature_names_in_) == list(gen.feature_names_in_)
    assert loaded.history_ == gen.history_ and loaded.n_iter_ == gen.n_iter_
    assert [(c.kind, c.lattice) for c in loaded.encoder_.columns_] == [
        (c.kind, c.lattice) for c in gen.encoder_.columns_
    ]
    assert loaded.encoder_.columns_[4].lattice and loaded.encoder_.kinds[5] == "constant"


def test_real_valued_condition_round_trip(tmp_path):
    X, _ = make_moons(200, noise=0.1, random_state=0)
    c = np.random.default_rng(0).normal(size=(200, 2))
    gen = BFNGenerator(**FAST).fit(X, c)
    save(gen, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    np.testing.assert_array_equal(loaded.sample(5, y=[0.5, -1.0]), gen.sample(5, y=[0.5, -1.0]))


def test_the_file_is_safetensors_with_a_json_header_and_no_pickle(mixed, tmp_path):
    _, _, gen = mixed
    path = tmp_path / "model.safetensors"
    save(gen, path)
    raw = path.read_bytes()
    header_size = int.from_bytes(raw[:8], "little")
    assert raw[8:9] == b"{"  # JSON header, as safetensors defines it
    assert b"skbfn-bfngenerator" in raw[8 : 8 + header_size]
    assert b"\x80\x04" not in raw[8 : 8 + header_size]  # no pickle opcode stream in the header


def test_truncated_file_is_refused(mixed, tmp_path):
    _, _, gen = mixed
    path = tmp_path / "model.safetensors"
    save(gen, path)
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="not a readable skbfn model"):
        load(path)


def test_tampered_tensor_is_refused(mixed, tmp_path):
    _, _, gen = mixed
    path = tmp_path / "model.safetensors"
    save(gen, path)
    raw = bytearray(path.read_bytes())
    raw[-3] ^= 0xFF  # flip a byte of the last tensor
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match="altered"):
        load(path)


def test_other_files_are_refused(tmp_path):
    import torch
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, path)
    with pytest.raises(ValueError, match="not a readable skbfn model"):
        load(path)
    text = tmp_path / "text.safetensors"
    text.write_text("hello")
    with pytest.raises(ValueError, match="not a readable skbfn model"):
        load(text)


def test_model_saved_for_a_missing_device_loads_on_the_cpu(mixed, tmp_path):
    _, _, gen = mixed
    import copy

    elsewhere = copy.deepcopy(gen)
    elsewhere.device = "cuda:7"  # as if trained on a machine with that GPU
    save(elsewhere, tmp_path / "m.safetensors")
    loaded = load(tmp_path / "m.safetensors")
    assert loaded.device_.type in ("cpu", "cuda") and str(loaded.device_) != "cuda:7"
    pd.testing.assert_frame_equal(loaded.sample(5), on_the_cpu(gen).sample(5))


def test_unfitted_or_unstorable_models_are_refused(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        save(BFNGenerator(), tmp_path / "x.safetensors")
    X, _ = make_moons(100, random_state=0)
    gen = BFNGenerator(**{**FAST, "random_state": np.random.RandomState(0)}).fit(X)
    with pytest.raises(TypeError, match="random_state"):
        save(gen, tmp_path / "x.safetensors")
