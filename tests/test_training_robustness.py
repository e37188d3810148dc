"""Training that survives: Ctrl-C, non-finite losses, early stopping."""

import os
import signal

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_moons

from skbfn import BFNGenerator, NonFiniteLossError
from skbfn._model import training as _training

FAST = dict(hidden_layer_sizes=(16,), time_embedding_dim=8, max_iter=40, n_steps=5, n_elbo_draws=4, random_state=0)


@pytest.fixture(scope="module")
def X():
    return make_moons(300, noise=0.1, random_state=0)[0]


def test_ctrl_c_stops_after_the_step_in_flight_and_keeps_a_usable_model(X, monkeypatch):
    handler_before = signal.getsignal(signal.SIGINT)  # default_int_handler, or SIG_IGN in a background job
    real_step = _training.training_step
    calls = []

    def step_then_interrupt(*args, **kwargs):
        loss = real_step(*args, **kwargs)
        calls.append(1)
        if len(calls) == 7:
            os.kill(os.getpid(), signal.SIGINT)  # as if the user pressed Ctrl-C during step 7
        return loss

    monkeypatch.setattr(_training, "training_step", step_then_interrupt)
    with pytest.warns(UserWarning, match="interrupted"):
        gen = BFNGenerator(**FAST).fit(X)
    assert gen.n_iter_ == 7 and len(gen.history_["loss"]) == 7
    assert np.isfinite(gen.sample(5)).all()
    assert signal.getsignal(signal.SIGINT) is handler_before  # the handler found before the fit is back


def test_non_finite_loss_raises_a_clear_error_and_leaves_the_model_unchanged(X, monkeypatch):
    gen = BFNGenerator(**FAST).fit(X)
    before = dict(gen.__dict__)
    real_loss = _training._batch_loss
    calls = []

    def loss_turning_nan(*args, **kwargs):
        calls.append(1)
        loss = real_loss(*args, **kwargs)
        return loss * float("nan") if len(calls) > 12 else loss  # diverges at step 13

    monkeypatch.setattr(_training, "_batch_loss", loss_turning_nan)
    with pytest.raises(NonFiniteLossError, match=r"non-finite by step 40.*learning_rate_init"):
        gen.fit(X)
    assert gen.__dict__ == before and all(gen.__dict__[k] is v for k, v in before.items())
    assert np.isfinite(gen.sample(5)).all()


def test_non_finite_error_is_a_floating_point_error():
    assert issubclass(NonFiniteLossError, FloatingPointError)


@pytest.mark.filterwarnings("ignore:Columns .* hold values outside:UserWarning")
def test_partial_fit_streams_batches_into_one_model(X):
    gen = BFNGenerator(**{**FAST, "batch_size": 64})
    for chunk in np.array_split(X, 3):  # 100 rows each: two steps of 64 rows per pass
        gen.partial_fit(chunk)
    assert gen.n_iter_ == 6
    first_encoder = gen.encoder_
    gen.partial_fit(X[:50])
    assert gen.n_iter_ == 7 and gen.encoder_ is first_encoder
    assert np.isfinite(gen.sample(5)).all() and np.isfinite(gen.score_samples(X[:5])).all()
    with pytest.raises(ValueError, match="pass y"):
        gen.partial_fit(X[:50], np.zeros(50))
    assert gen.n_iter_ == 7


def test_partial_fit_on_a_fresh_model_equals_its_first_pass(X):
    streamed = BFNGenerator(**{**FAST, "batch_size": 100}).partial_fit(X)
    assert streamed.n_iter_ == 3 and len(streamed.history_["loss"]) == 3


def crash_at(step: int, real_step, calls: list):
    """A training step that raises on call number ``step``, as if the machine went down."""

    def step_or_crash(*args, **kwargs):
        calls.append(1)
        if len(calls) == step:
            raise RuntimeError("the machine went down")
        return real_step(*args, **kwargs)

    return step_or_crash


def test_checkpoints_let_a_crashed_fit_resume(X, tmp_path, monkeypatch):
    params = {**FAST, "max_iter": 60, "checkpoint_dir": str(tmp_path), "checkpoint_interval": 20}
    complete = BFNGenerator(**params).fit(X)
    assert not (tmp_path / "skbfn-checkpoint.pt").exists()  # removed once the fit completes

    real_step = _training.training_step
    calls = []
    monkeypatch.setattr(_training, "training_step", crash_at(45, real_step, calls))
    with pytest.raises(RuntimeError, match="went down"):
        BFNGenerator(**params).fit(X)
    assert (tmp_path / "skbfn-checkpoint.pt").exists()  # written at steps 20 and 40

    calls.clear()
    monkeypatch.setattr(_training, "training_step", lambda *a, **k: (calls.append(1), real_step(*a, **k))[1])
    resumed = BFNGenerator(**params).fit(X)
    assert len(calls) == 20  # steps 41..60 only
    assert resumed.n_iter_ == 60 and len(resumed.history_["loss"]) == 60
    assert resumed.history_["loss"][:40] == complete.history_["loss"][:40]  # the same run up to the checkpoint
    assert np.isfinite(resumed.sample(5)).all()
    assert not (tmp_path / "skbfn-checkpoint.pt").exists()


def test_a_checkpoint_of_another_run_is_not_resumed(X, tmp_path, monkeypatch):
    params = {**FAST, "max_iter": 30, "checkpoint_dir": str(tmp_path), "checkpoint_interval": 10}
    real_step = _training.training_step
    monkeypatch.setattr(_training, "training_step", crash_at(25, real_step, []))
    with pytest.raises(RuntimeError):
        BFNGenerator(**params).fit(X)
    monkeypatch.setattr(_training, "training_step", real_step)
    with pytest.warns(UserWarning, match="another run"):
        other = BFNGenerator(**{**params, "sigma_1": 0.05}).fit(X)
    assert other.n_iter_ == 30


def test_early_stopping_restores_the_best_weights(X, monkeypatch):
    scripted = iter([1.0, 5.0, 2.0, 1.5, 1.0, 0.5, 0.2])  # the best evaluation is the second
    seen, seeds = [], []

    def scripted_score(ema, config, x, cond, seed):
        seen.append({k: v.clone() for k, v in ema.state_dict().items()})
        seeds.append(seed)
        return next(scripted)

    monkeypatch.setattr(_training, "validation_score", scripted_score)
    gen = BFNGenerator(
        **{
            **FAST,
            "max_iter": 200,
            "early_stopping": True,
            "validation_interval": 10,
            "n_iter_no_change": 3,
            "tol": 0.0,
        }
    ).fit(X)
    assert gen.history_["validation_score"] == [1.0, 5.0, 2.0, 1.5, 1.0]
    assert gen.n_iter_ == 50
    best = seen[1]
    final = gen.ema_.state_dict()
    assert all(np.array_equal(final[k].cpu().numpy(), best[k].cpu().numpy()) for k in best)
    assert not all(np.array_equal(seen[-1][k].cpu().numpy(), best[k].cpu().numpy()) for k in best)
    # the held-out draws are fixed within a fit (comparable scores) and come from random_state
    assert len(set(seeds)) == 1
    scripted = iter([1.0] * 20)
    seeds_before = list(seeds)
    BFNGenerator(**{**FAST, "max_iter": 20, "early_stopping": True, "validation_interval": 10}).fit(X)
    assert seeds[len(seeds_before) :] == seeds_before[:2]  # same random_state, same draws
    BFNGenerator(**{**FAST, "max_iter": 20, "early_stopping": True, "validation_interval": 10, "random_state": 1}).fit(
        X
    )
    assert seeds[-1] != seeds_before[0]


@settings(max_examples=40, deadline=None)
@given(
    shapes=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), min_size=1, max_size=6),
    scale=st.floats(1e-3, 1e3),
    max_norm=st.floats(1e-2, 1e2),
    seed=st.integers(0, 2**16),
)
def test_clip_gradients_does_what_torchs_clip_grad_norm_does(shapes, scale, max_norm, seed):
    """The same gradients, to the bit, as torch.nn.utils.clip_grad_norm_ (below and above the bound); a
    parameter without a gradient is skipped."""
    generator = torch.Generator().manual_seed(seed)
    ours = [torch.nn.Parameter(torch.zeros(shape)) for shape in shapes]
    theirs = [torch.nn.Parameter(torch.zeros(shape)) for shape in shapes]
    for mine, other in zip(ours, theirs, strict=True):
        mine.grad = torch.randn(mine.shape, generator=generator) * scale
        other.grad = mine.grad.clone()
    no_grad = torch.nn.Parameter(torch.zeros(2))
    _training.clip_gradients([*ours, no_grad], max_norm)
    torch.nn.utils.clip_grad_norm_(theirs, max_norm, foreach=True)
    for mine, other in zip(ours, theirs, strict=True):
        assert torch.equal(mine.grad, other.grad)
    assert no_grad.grad is None
    assert torch.linalg.vector_norm(torch.cat([p.grad.flatten() for p in ours])) <= max_norm * (1 + 1e-5)
