"""The BFN module: losses, the likelihood bound, the sampler, guidance and EMA."""

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import GaussianPosteriorNet, TruthNet

from skbfn.core import (
    BFN,
    EMA,
    CategoricalFlow,
    ContinuousFlow,
    DiscretisedFlow,
    Flow,
    ProductFlow,
    SolverFlow,
    guide,
    sample_paper,
)
from skbfn.core.nets import MLP

FLOAT64 = torch.float64


def gaussian_model(sigma_1=0.01, scale=0.2, dim=1):
    flow = ContinuousFlow(sigma_1)
    return BFN(GaussianPosteriorNet(flow, scale), data_shape=dim, flow=flow).double().eval()


# ---------------------------------------------------------------------------- bound


def test_elbo_of_the_optimal_denoiser_is_a_tight_bound_on_gaussian_data():
    """For x ~ N(0, s^2) the ELBO of the exact posterior-mean denoiser nearly equals ln p(x)."""
    scale = 0.2
    model = gaussian_model(scale=scale)
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(4000, 1, generator=generator, dtype=FLOAT64) * scale
    elbo = model.elbo(x, n_draws=64, generator=generator)
    log_p = -0.5 * math.log(2 * math.pi * scale**2) - x[:, 0] ** 2 / (2 * scale**2)
    gap = (log_p - elbo).mean().item()
    stderr = (log_p - elbo).std().item() / math.sqrt(len(x))
    assert gap > -3 * stderr, "the bound exceeds the true log-likelihood"
    assert gap < 0.02 + 3 * stderr, f"bound too loose: gap {gap:.4f} nats"


def test_discrete_time_bound_is_looser_and_tends_to_the_continuous_one():
    model = gaussian_model()
    x = torch.randn(3000, 1, generator=torch.Generator().manual_seed(1), dtype=FLOAT64) * 0.2

    def mean_elbo(n_steps):
        generator = torch.Generator().manual_seed(2)
        return model.elbo(x, n_loss_steps=n_steps, n_draws=200, generator=generator).mean().item()

    continuous, coarse, fine = mean_elbo(None), mean_elbo(5), mean_elbo(2000)
    assert coarse < fine - 0.05
    assert fine == pytest.approx(continuous, abs=0.02)


def test_loss_estimators_match_the_bound_on_average():
    """Mean of loss + reconstruction_loss over many draws equals -elbo (both unbiased)."""
    model = gaussian_model()
    n = 200_000
    x = torch.full((n, 1), 0.1, dtype=FLOAT64)
    generator = torch.Generator().manual_seed(3)
    per_draw = model.loss(x, generator=generator) + model.reconstruction_loss(x, generator=generator)
    bound = -model.elbo(x[:1], n_draws=n, generator=generator).item()
    tolerance = 4 * per_draw.std().item() / math.sqrt(n)
    assert per_draw.mean().item() == pytest.approx(bound, abs=2 * tolerance)


def test_elbo_refuses_training_mode():
    model = gaussian_model().train()
    with pytest.raises(RuntimeError, match="eval"):
        model.elbo(torch.zeros(2, 1, dtype=FLOAT64))


def test_elbo_with_given_draws_scores_each_row_on_its_own():
    model = BFN(MLP(3, hidden_layer_sizes=(16,)), 3).eval()
    generator = torch.Generator().manual_seed(0)
    x = torch.rand(10, 3, generator=generator) * 2 - 1
    draws = (torch.rand(10, 5, generator=generator), *(torch.randn(10, 5, 3, generator=generator) for _ in range(3)))
    full = model.elbo(x, draws=draws)
    part = model.elbo(x[[7, 2]], draws=tuple(d[[7, 2]] for d in draws))
    torch.testing.assert_close(part, full[[7, 2]])
    assert not torch.allclose(full, model.elbo(x, n_draws=5, generator=generator))


@pytest.mark.parametrize("method", ["loss", "discrete_loss", "reconstruction_loss"])
def test_losses_are_per_sample_and_differentiable(method):
    model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=3), 2, cond_drop_prob=0.5)
    x, cond = torch.rand(7, 2) * 2 - 1, torch.tensor([0, 1, 2, 0, 1, 2, 0])
    kwargs = {"n_loss_steps": 10} if method == "discrete_loss" else {}
    loss = getattr(model, method)(x, cond, **kwargs)
    assert loss.shape == (7,)
    loss.mean().backward()
    assert model.net.input_layer.weight.grad is not None


# -------------------------------------------------------------------------- sampler


@pytest.mark.parametrize("truth", [-0.7, 0.0, 0.45])
def test_oracle_sampler_follows_the_flow_distribution(truth):
    """With an oracle, mu after step i follows the Bayesian flow distribution p_F(. | x; t_i) (Graves et al. 2023)."""
    flow = ContinuousFlow(0.05)
    n_steps, n_samples = 8, 40000
    generator = torch.Generator().manual_seed(4)
    records = []
    oracle = lambda mu, t: torch.full_like(mu, truth)  # noqa: E731
    sample_paper(
        oracle,
        flow,
        (n_samples, 1),
        n_steps,
        dtype=FLOAT64,
        generator=generator,
        callback=lambda state: records.append(state),
    )
    assert [r["step"] for r in records] == list(range(1, n_steps + 1))
    for record in records:
        gamma = flow.gamma(torch.tensor(record["t"], dtype=FLOAT64)).item()
        mu = record["state"][:, 0]
        expected_var = gamma * (1 - gamma)
        assert abs(mu.mean().item() - gamma * truth) < 5 * math.sqrt(expected_var / n_samples)
        assert mu.var().item() == pytest.approx(expected_var, rel=0.05)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), n_steps=st.integers(1, 30))
def test_seeded_sampling_is_reproducible_and_in_range(seed, n_steps):
    torch.manual_seed(0)
    model = BFN(MLP(2, hidden_layer_sizes=(16,)), 2).eval()
    with torch.no_grad():
        model.net.output_layer.weight.normal_(0, 3.0)  # a wild network: samples must still be clipped
    first = model.sample(50, n_steps=n_steps, generator=torch.Generator().manual_seed(seed))
    second = model.sample(50, n_steps=n_steps, generator=torch.Generator().manual_seed(seed))
    assert torch.equal(first, second)
    assert first.shape == (50, 2)
    assert (first >= -1).all() and (first <= 1).all()


def test_oracle_sampler_returns_the_truth():
    flow = ContinuousFlow(0.01)
    truth = torch.tensor([0.25, -0.5])
    model = BFN(TruthNet(flow, truth), 2, flow=flow)
    samples = model.sample(10, n_steps=5, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(samples, truth.expand(10, 2), atol=1e-4, rtol=0)


def test_sampler_rejects_zero_steps():
    with pytest.raises(ValueError, match="n_steps"):
        sample_paper(lambda mu, t: mu, ContinuousFlow(), (2, 1), 0)


# ------------------------------------------------------------------------- guidance


@given(scale=st.floats(-3, 10), phi=st.floats(0, 1), seed=st.integers(0, 2**31 - 1))
def test_guide_interpolates_and_rescales(scale, phi, seed):
    generator = torch.Generator().manual_seed(seed)
    cond, null = torch.randn(4, 3, generator=generator), torch.randn(4, 3, generator=generator)
    plain = null + scale * (cond - null)
    torch.testing.assert_close(guide(cond, null, scale), plain)
    torch.testing.assert_close(guide(cond, null, 1.0, phi), cond)  # nothing to rescale at scale 1
    torch.testing.assert_close(guide(cond, null, 0.0), null)
    rescaled = plain * cond.std(dim=1, keepdim=True) / plain.std(dim=1, keepdim=True)
    torch.testing.assert_close(guide(cond, null, scale, phi), phi * rescaled + (1 - phi) * plain, rtol=1e-4, atol=1e-4)


def test_given_condition_is_used_at_sampling_even_in_training_mode():
    """The condition may be dropped only inside the training losses, never at prediction."""
    torch.manual_seed(0)
    model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=2), 2, cond_drop_prob=1.0).train()
    with torch.no_grad():
        model.net.output_layer.weight.normal_()
        model.net.condition_embedding.table.weight.normal_()
    mu, t, cond = torch.randn(6, 2) * 0.3, torch.full((6,), 0.5), torch.tensor([0, 1, 0, 1, 0, 1])
    expected = model.flow.output_prediction(mu, t, model.net(mu, t, cond))
    torch.testing.assert_close(model.predict(mu, t, cond), expected)
    null = model.flow.output_prediction(mu, t, model.net(mu, t, None))
    assert not torch.allclose(expected, null)


def test_guided_prediction_combines_conditional_and_null_outputs():
    torch.manual_seed(1)
    model = BFN(MLP(2, hidden_layer_sizes=(16,), n_condition_features=3), 2).eval()
    with torch.no_grad():
        model.net.output_layer.weight.normal_()
        model.net.condition_embedding.null.normal_()
    mu, t, cond = torch.randn(5, 2) * 0.3, torch.full((5,), 0.7), torch.randn(5, 3)
    out = model.guided_output(mu, t, cond, guidance_scale=3.0)
    expected = guide(model.net(mu, t, cond), model.net(mu, t, None), 3.0)
    torch.testing.assert_close(out, expected)


def test_training_loss_drops_conditions_at_the_given_rate():
    model = BFN(MLP(1, hidden_layer_sizes=(8,), n_classes=2), 1, cond_drop_prob=0.3).train()
    drops = model._training_drop(torch.zeros(100000, dtype=torch.long), 100000, torch.Generator().manual_seed(0))
    assert drops.float().mean().item() == pytest.approx(0.3, abs=0.01)
    assert model.eval()._training_drop(torch.zeros(10, dtype=torch.long), 10, None) is None


# ------------------------------------------------------------------------------ EMA


def test_ema_never_writes_the_live_weights_and_averages():
    live = torch.nn.Linear(3, 3)
    ema = EMA(live, decay=0.5)
    ema.n_updates.fill_(100)  # past the warm-up
    before_avg = ema.module.weight.detach().clone()
    with torch.no_grad():
        live.weight.add_(1.0)
    live_before = live.weight.detach().clone()
    ema.update(live)
    assert torch.equal(live.weight, live_before)
    torch.testing.assert_close(ema.module.weight, 0.5 * before_avg + 0.5 * live_before)
    assert ema.module.weight.data_ptr() != live.weight.data_ptr()
    assert not ema.module.weight.requires_grad


def test_ema_follows_a_hand_computed_sequence_with_an_asymmetric_decay():
    """avg <- decay * avg + (1 - decay) * live, with the warm-up decay (1 + k) / (10 + k) capped at 0.9."""
    live = torch.nn.Linear(1, 1, bias=False)
    ema = EMA(live, decay=0.9)
    with torch.no_grad():
        ema.module.weight.fill_(0.0)
    expected, live_values = 0.0, [1.0, 3.0, -2.0, 5.0, 4.0]
    for k, value in enumerate(live_values):
        with torch.no_grad():
            live.weight.fill_(value)
        decay = min(0.9, (1 + k) / (10 + k))
        expected = decay * expected + (1 - decay) * value
        ema.update(live)
        assert ema.module.weight.item() == pytest.approx(expected, rel=1e-6)
    # the first two steps by hand: decays 0.1 then 2/11, so 0.9 after one step
    first_two = (2 / 11) * 0.9 + (9 / 11) * 3.0
    ema_two = EMA(live, decay=0.9)
    with torch.no_grad():
        ema_two.module.weight.fill_(0.0)
    for value in (1.0, 3.0):
        with torch.no_grad():
            live.weight.fill_(value)
        ema_two.update(live)
    assert ema_two.module.weight.item() == pytest.approx(first_two, rel=1e-6)


def test_an_ema_updater_listed_once_moves_the_average_as_update_does():
    """One updater over many steps (what the training loop uses) gives exactly the average, buffers and
    count of calling update every step, and never writes the live weights."""
    live = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 2))
    by_update, by_updater = EMA(live, decay=0.8), EMA(live, decay=0.8)
    update = by_updater.updater(live)
    generator = torch.Generator().manual_seed(0)
    for _ in range(12):
        live.train()(torch.randn(8, 3, generator=generator))  # moves the batch-norm statistics (buffers)
        with torch.no_grad():
            for p in live.parameters():
                p.add_(torch.randn(p.shape, generator=generator))
        before = [p.detach().clone() for p in live.parameters()]
        by_update.update(live)
        update()
        assert all(torch.equal(p, b) for p, b in zip(live.parameters(), before, strict=True))
    for mine, theirs in zip(by_updater.state_dict().values(), by_update.state_dict().values(), strict=True):
        assert torch.equal(mine, theirs)
    assert int(by_updater.n_updates) == 12
    assert torch.equal(by_updater.module[1].running_mean, live[1].running_mean)
    assert not torch.equal(by_updater.module[0].weight, live[0].weight)


def test_ema_warm_up_follows_the_live_weights_early():
    ema = EMA(torch.nn.Linear(1, 1), decay=0.999)
    assert ema.current_decay().item() == pytest.approx(0.1)
    ema.n_updates.fill_(10**6)
    assert ema.current_decay().item() == 0.999


@pytest.mark.parametrize("decay", [0.99, 0.999])
def test_the_ema_decay_takes_over_after_nine_over_one_minus_decay_less_ten_updates(decay):
    """The threshold the docs give: before ``9 / (1 - decay) - 10`` updates the warm-up sets the decay."""
    ema = EMA(torch.nn.Linear(1, 1), decay=decay)
    threshold = round(9 / (1 - decay)) - 10  # (1 + k) / (10 + k) = decay
    ema.n_updates.fill_(threshold - 100)
    assert ema.current_decay().item() < decay
    ema.n_updates.fill_(threshold + 1)
    assert ema.current_decay().item() == pytest.approx(decay, abs=1e-7)


def test_ema_update_count_travels_in_its_state_dict():
    live = torch.nn.Linear(2, 1)
    ema = EMA(live, decay=0.9)
    for _ in range(3):
        ema.update(live)
    state = ema.state_dict()
    assert int(state["n_updates"]) == 3
    fresh = EMA(live, decay=0.9)
    fresh.load_state_dict(state)
    assert int(fresh.n_updates) == 3 and fresh.current_decay().item() == pytest.approx(4 / 13)


def test_an_ema_pickled_with_a_plain_count_unpickles_with_a_buffer():
    """skbfn 0.1 kept the count as an int attribute: such pickles load with the count as state."""
    ema = EMA(torch.nn.Linear(2, 1), decay=0.9)
    state = dict(ema.__dict__)
    state["_buffers"] = {k: v for k, v in state["_buffers"].items() if k != "n_updates"}
    state["n_updates"] = 7
    old = EMA.__new__(EMA)
    old.__setstate__(state)
    assert int(old.n_updates) == 7 and "n_updates" in old.state_dict()


@pytest.mark.parametrize(
    "flow",
    [
        ContinuousFlow(),
        DiscretisedFlow(5),
        CategoricalFlow(3),
        ProductFlow([(ContinuousFlow(), 2), (CategoricalFlow(3), 1)]),
    ],
)
def test_every_flow_follows_the_solver_protocol(flow):
    assert isinstance(flow, Flow) and isinstance(flow, SolverFlow)


def test_an_object_missing_protocol_methods_is_not_a_flow():
    class HalfAFlow:
        def noise_shape(self, data_shape):
            return data_shape

    assert not isinstance(HalfAFlow(), Flow)


def test_the_core_imports_neither_scikit_learn_nor_numpy():
    """skbfn.core is a PyTorch library on its own: no module in it imports scikit-learn, numpy, scipy or pandas."""
    import ast
    import pathlib

    import skbfn.core

    root = pathlib.Path(skbfn.core.__file__).parent
    sources = sorted(root.rglob("*.py"))
    assert len(sources) > 10
    for source in sources:
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in {"numpy", "sklearn", "scipy", "pandas"}, f"{source}: {name}"
