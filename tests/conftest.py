"""Shared test settings."""

import pytest
from hypothesis import settings

# CI machines are small and shared: judge properties, not timings.
settings.register_profile("skbfn", deadline=None, max_examples=50)
settings.load_profile("skbfn")

# Small, fast estimator settings shared by the behaviour tests.
FAST = dict(hidden_layer_sizes=(32, 32), time_embedding_dim=16, max_iter=150, n_steps=10, n_elbo_draws=8)


def on_the_cpu(gen):
    """``gen`` itself when its networks are on the CPU, else a copy that lives there.

    Samples at a seed are the same on one device, not across devices: a test that compares a model
    restored on the CPU with the model it came from compares it with this copy, so that it also
    holds where the default ``device='auto'`` trains on CUDA.
    """
    import pickle

    if gen.device_.type == "cpu":
        return gen
    state = pickle.loads(pickle.dumps(gen))  # pickles hold CPU tensors
    state.device = "cpu"
    return pickle.loads(pickle.dumps(state))


def state_bytes(gen) -> bytes:
    """Bytes that are equal exactly when two states of ``gen`` are: a test of "left unchanged".

    On the CPU this is the pickle itself. A model elsewhere pickles fresh CPU copies of its tensors,
    and torch's pickles name each storage by its address, so there the networks enter by value.
    """
    import pickle

    import torch

    if gen.device_.type == "cpu":
        return pickle.dumps(gen)
    state = {}
    for name, value in vars(gen).items():
        if isinstance(value, torch.nn.Module):
            value = {key: tensor.detach().cpu().numpy() for key, tensor in value.state_dict().items()}
        state[name] = value
    return pickle.dumps(state)


# A small moons model and a file of it, for the tests of skbfn.load.
TINY = dict(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=20, n_steps=5, n_elbo_draws=4, random_state=0)


@pytest.fixture(scope="module")
def moons_model():
    from sklearn.datasets import make_moons

    from skbfn import BFNGenerator

    return BFNGenerator(**TINY).fit(make_moons(200, noise=0.1, random_state=0)[0])


@pytest.fixture
def moons_file(moons_model, tmp_path):
    from skbfn import save

    path = tmp_path / "model.safetensors"
    save(moons_model, path)
    return path


def sample_without(gen, relations: str, n_samples: int, random_state: int = 0):
    """``gen``'s sample with its encoder's ``relations`` (an attribute: ``'arithmetic_'``...) set aside, to
    show that the network alone does not keep what the relations keep; ``gen`` is unchanged after."""
    saved = getattr(gen.encoder_, relations)
    try:
        setattr(gen.encoder_, relations, ())
        return gen.sample(n_samples, random_state=random_state)
    finally:
        setattr(gen.encoder_, relations, saved)


def assert_samples_survive_save_load_and_pickle(gen, directory, n_samples: int = 40, random_state: int = 4) -> None:
    """A saved and reloaded ``gen``, and an unpickled one, draw the same DataFrame as ``gen`` for one seed."""
    import os
    import pickle

    import pandas as pd

    import skbfn

    path = os.path.join(directory, "model.safetensors")
    skbfn.save(gen, path)
    expected = gen.sample(n_samples, random_state=random_state)
    pd.testing.assert_frame_equal(skbfn.load(path).sample(n_samples, random_state=random_state), expected)
    pd.testing.assert_frame_equal(
        pickle.loads(pickle.dumps(gen)).sample(n_samples, random_state=random_state), expected
    )
