"""Dropout in the MLP: where it acts, what 'auto' gives a table, and that fits with it stay reproducible."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import FAST
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

from skbfn import BFNGenerator
from skbfn._model.config import AUTO_DROPOUT_MAX_ROWS, PROFILES, TrainingConfig
from skbfn.core.nets import MLP
from skbfn.core.nets.mlp import ResidualBlock
from skbfn.metrics import membership_audit


def _net(dropout: float) -> MLP:
    torch.manual_seed(0)
    net = MLP(3, 2, hidden_layer_sizes=(16, 16), time_embedding_dim=8, dropout=dropout)
    for layer in (net.output_layer,):  # a non-zero output, so that dropped units show
        torch.nn.init.normal_(layer.weight)
    return net


X_IN, T_IN = torch.randn(64, 3, generator=torch.Generator().manual_seed(1)), torch.rand(64)


def test_dropout_acts_in_training_mode_only():
    plain, dropped = _net(0.0), _net(0.4)
    dropped.load_state_dict(plain.state_dict())  # the same weights: dropout adds none
    with torch.no_grad():
        torch.testing.assert_close(dropped.eval()(X_IN, T_IN), plain.eval()(X_IN, T_IN))
        first, second = dropped.train()(X_IN, T_IN), dropped(X_IN, T_IN)
        assert not torch.allclose(first, second)  # fresh units dropped on each call
        torch.testing.assert_close(plain.train()(X_IN, T_IN), plain.eval()(X_IN, T_IN))


@settings(max_examples=20, deadline=None)
@given(rate=st.floats(0.05, 0.9), seed=st.integers(0, 10**6))
def test_dropped_units_are_zero_and_the_survivors_scaled(rate, seed):
    """The hidden layer of a block: each unit 0 with probability ``rate``, else divided by ``1 - rate``."""
    block = ResidualBlock(8, 8, 4, dropout=rate).train()
    torch.nn.init.eye_(block.outer.weight)
    torch.nn.init.zeros_(block.outer.bias)
    h, emb = torch.randn(512, 8), torch.randn(512, 4)
    with torch.no_grad():
        hidden = block.act(block.inner(block.act(block.norm(h))) + block.embedding(emb))
        torch.manual_seed(seed)
        out = block(h, emb) - h  # the identity skip taken off: the dropped hidden layer
    kept = out != 0
    torch.testing.assert_close(out[kept], hidden[kept] / (1 - rate))
    share_dropped = 1 - kept.float().mean().item()
    assert abs(share_dropped - rate) < 4 * np.sqrt(rate * (1 - rate) / out.numel()) + 1e-3


def test_the_rate_is_set_on_every_block_and_checked():
    net = _net(0.0)
    net.dropout = 0.25
    assert net.dropout == 0.25 and all(block.dropout == 0.25 for block in net.blocks)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match="dropout"):
            net.dropout = bad
        with pytest.raises(ValueError, match="dropout"):
            MLP(2, dropout=bad)


def test_a_block_pickled_before_dropout_existed_runs_without_it():
    block = ResidualBlock(4, 4, 2, dropout=0.5)
    state = block.__dict__.copy()
    del state["dropout"]  # as pickled by a release without dropout
    old = pickle.loads(pickle.dumps(block))
    old.__dict__.clear()
    old.__dict__.update(state)
    assert old.dropout == 0.0
    h, emb = torch.randn(5, 4), torch.randn(5, 2)
    torch.testing.assert_close(old.train()(h, emb), old.train()(h, emb))


# ------------------------------------------------------------- the estimator


AUTO = PROFILES["mlp"].dropout


@pytest.mark.parametrize(
    ("params", "n_model_columns", "n_rows", "one_pass", "expected"),
    [
        ({}, 5, 150, False, AUTO),
        ({}, 3, AUTO_DROPOUT_MAX_ROWS, False, AUTO),
        ({}, 5, AUTO_DROPOUT_MAX_ROWS + 1, False, 0.0),
        ({}, 2, 150, False, 0.0),  # the narrower MLP of at most two columns
        ({}, 5, 150, True, 0.0),  # partial_fit: every row is seen once
        ({"network": "unet"}, 64, 150, False, 0.0),
        ({"dropout": 0.2}, 2, 10**6, False, 0.2),
        ({"dropout": 0.0}, 5, 150, False, 0.0),
    ],
)
def test_auto_dropout_follows_the_network_the_columns_and_the_rows(params, n_model_columns, n_rows, one_pass, expected):
    assert AUTO > 0
    config = TrainingConfig.of(
        BFNGenerator(**params),
        n_rows=n_rows,
        n_model_columns=n_model_columns,
        one_pass_over=n_rows if one_pass else None,
    )
    assert config.dropout == expected


def _table(n_rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_rows)
    return pd.DataFrame({"x": x, "y": x + rng.normal(scale=0.3, size=n_rows), "c": pd.Categorical(x > 0)})


def test_the_fitted_network_has_the_rate_and_fits_are_reproducible():
    X = _table(300)
    params = dict(FAST, max_iter=30, random_state=0)
    first, again = BFNGenerator(**params).fit(X), BFNGenerator(**params).fit(X)
    assert first.model_.net.dropout == AUTO
    assert first.loss_curve_ == again.loss_curve_
    pd.testing.assert_frame_equal(first.sample(20, random_state=0), again.sample(20, random_state=0))
    plain = BFNGenerator(**params, dropout=0.0).fit(X)
    assert plain.model_.net.dropout == 0.0 and plain.loss_curve_ != first.loss_curve_
    # sampling and scoring use the whole network: scores are deterministic
    np.testing.assert_array_equal(first.score_samples(X[:5]), first.score_samples(X[:5]))


def test_dropout_is_refused_for_the_unet():
    images = np.random.default_rng(0).uniform(size=(20, 16))
    gen = BFNGenerator(network="unet", dropout=0.3, max_iter=1, hidden_layer_sizes=(8,))
    with pytest.raises(ValueError, match="dropout"):
        gen.fit(images)
    assert not hasattr(gen, "model_")


def test_dropout_lowers_what_the_membership_audit_finds_on_a_small_table():
    bunch = load_wine(as_frame=True)
    frame = bunch.frame.assign(target=pd.Categorical(np.asarray(bunch.target_names)[bunch.target]))
    train, test = train_test_split(frame, test_size=0.3, random_state=0)
    audits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rate in (0.0, 0.5):
            model = BFNGenerator(dropout=rate, n_elbo_draws=32, random_state=0).fit(train)
            audits[rate] = membership_audit(model, train, test, n_bootstrap=5, random_state=0).auc
    assert audits[0.5] < audits[0.0] - 0.1, audits


def test_the_dropout_stream_does_not_replay_the_noise_generators_numbers():
    """The global state of a fit is seeded apart from its noise generator (and the replicas' noise seeds)."""
    from skbfn._model.training import _seeded_global_rng, _stream_seed

    seed = 1234
    noise = torch.Generator().manual_seed(seed)
    before = torch.random.get_rng_state()
    with _seeded_global_rng(seed, torch.device("cpu")):
        inside = torch.rand(16)
    assert not torch.equal(inside, torch.rand(16, generator=noise))
    assert torch.equal(torch.random.get_rng_state(), before)  # the caller's state is restored
    replica_seeds = {seed + rank for rank in range(9)}
    assert not replica_seeds & {_stream_seed(s) for s in replica_seeds}
