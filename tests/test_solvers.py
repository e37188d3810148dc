"""The fast ODE/SDE solvers (Xue et al., ICML 2024): step forms, oracles, accuracy, seeding."""

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import GaussianPosteriorNet, MixtureProductNet

from skbfn.core import BFN, SAMPLERS, CategoricalFlow, ContinuousFlow, DiscretisedFlow, ProductFlow, time_grid
from skbfn.core.flows.gaussian_view import solver_update
from skbfn.core.nets import MLP

FLOAT64 = torch.float64
SOLVERS = sorted(name for name in SAMPLERS if name != "paper")


def rng(seed):
    return torch.Generator().manual_seed(seed)


@given(t=st.floats(0.01, 0.9), dt=st.floats(0.01, 0.5), seed=st.integers(0, 2**31 - 1))
def test_first_order_ode_step_is_ddim(t, dt, seed):
    flow = ContinuousFlow(0.02)
    t_next = min(1.0, t + dt)
    g = rng(seed)
    z, denoised = torch.randn(5, 2, generator=g, dtype=FLOAT64), torch.rand(5, 2, generator=g, dtype=FLOAT64)
    (a, s), (a2, s2) = flow.gaussian_coefficients(t), flow.gaussian_coefficients(t_next)
    ddim = a2 * denoised + s2 * (z - a * denoised) / s
    torch.testing.assert_close(flow.solver_update(z, denoised, None, t, t_next, order=1, stochastic=False), ddim)
    # the second-order solver's first step is first order too
    torch.testing.assert_close(flow.solver_update(z, denoised, None, t, t_next, order=2, stochastic=False), ddim)


@given(t=st.floats(0.05, 0.8), dt=st.floats(0.01, 0.2))
def test_categorical_first_order_step_matches_the_closed_form(t, dt):
    """z' = (t'/t) z + beta_1 t' (t' - t) (K e_hat - 1)."""
    flow = CategoricalFlow(4, beta_1=3.0)
    t_next = t + dt
    z = torch.randn(3, 1, 4, generator=rng(0), dtype=FLOAT64)
    probs = torch.softmax(torch.randn(3, 1, 4, generator=rng(1), dtype=FLOAT64), -1)
    expected = (t_next / t) * z + 3.0 * t_next * (t_next - t) * (4 * probs - 1)
    step = flow.solver_update(z, flow.denoised(probs.log()), None, t, t_next, order=1, stochastic=False)
    torch.testing.assert_close(step, expected)


def test_second_order_uses_the_previous_estimate():
    now, nxt, prev = (0.5, 0.5), (0.8, 0.3), (0.2, 0.6)
    z, d, d_prev = torch.ones(1), torch.full((1,), 0.4), torch.full((1,), 0.1)
    h = math.log(0.8 / 0.3) - math.log(0.5 / 0.5)
    r = (math.log(0.5 / 0.5) - math.log(0.2 / 0.6)) / h
    corrected = (1 + 1 / (2 * r)) * 0.4 - 0.1 / (2 * r)
    expected = (0.3 / 0.5) * 1.0 - 0.8 * math.expm1(-h) * corrected
    out = solver_update(z, d, (d_prev, prev), now, nxt, order=2, stochastic=False)
    assert out.item() == pytest.approx(expected)


@pytest.mark.parametrize("order", [1, 2])
@given(t=st.floats(0.02, 0.8), dt=st.floats(0.01, 0.5))
@settings(max_examples=10, deadline=None)
def test_sde_step_with_the_exact_denoiser_keeps_the_flow_marginal(order, t, dt):
    """For data x (a point mass) and D = x, z ~ N(a_t x, s_t^2) steps to exactly N(a_t' x, s_t'^2).

    The SDE step is ``(s'/s) e^{-h} z + a' (1 - e^{-2h}) D + s' sqrt(1 - e^{-2h}) xi`` (Xue et al. 2024);
    its mean and variance are checked against that marginal over 200,000 draws.
    """
    flow = ContinuousFlow(0.02)
    t_next = min(1.0, t + dt)
    (a, s), (a2, s2) = flow.gaussian_coefficients(t), flow.gaussian_coefficients(t_next)
    n, x = 200_000, 0.4
    z = a * x + s * torch.randn(n, 1, generator=rng(0), dtype=FLOAT64)
    denoised = torch.full((n, 1), x, dtype=FLOAT64)
    previous = None if order == 1 else (denoised, max(t / 2, 1e-3))
    out = flow.solver_update(z, denoised, previous, t, t_next, order=order, stochastic=True, generator=rng(1))
    assert abs(out.mean().item() - a2 * x) < 5 * s2 / math.sqrt(n)
    assert out.var().item() == pytest.approx(s2**2, rel=0.02)


@settings(max_examples=15)
@given(n_steps=st.integers(1, 30), name=st.sampled_from(SOLVERS), seed=st.integers(0, 1000))
def test_with_an_oracle_every_solver_returns_the_truth(n_steps, name, seed):
    truth_x = torch.tensor([[0.3, -0.6]], dtype=FLOAT64)
    x_samples = SAMPLERS[name](
        lambda mu, t: truth_x.expand_as(mu), ContinuousFlow(), (4, 2), n_steps, dtype=FLOAT64, generator=rng(seed)
    )
    torch.testing.assert_close(x_samples, truth_x.expand(4, 2))
    flow = CategoricalFlow(3)
    truth_k = torch.tensor([[2, 0]])
    oracle = lambda theta, t: flow.one_hot(truth_k.expand(theta.shape[:-1]), theta).log()  # noqa: E731
    k_samples = SAMPLERS[name](oracle, flow, (4, 2), n_steps, dtype=FLOAT64, generator=rng(seed))
    assert torch.equal(k_samples, truth_k.expand(4, 2).to(FLOAT64))


@pytest.mark.parametrize("order", [1, 2])
def test_ode_with_an_oracle_keeps_its_noise(order):
    """With D = x the ODE moves along z_t = a_t x + s_t eps for one fixed eps (both orders)."""
    flow = ContinuousFlow(0.05)
    x = torch.tensor([[0.4, -0.2]], dtype=FLOAT64).expand(3, 2)
    seen = []

    def oracle(mu, t):
        a, s = flow.gaussian_coefficients(t[0].item())
        seen.append((mu - a * x) / s)
        return x

    from skbfn.core import sample_solver

    sample_solver(oracle, flow, (3, 2), 8, order=order, dtype=FLOAT64, generator=rng(0), t_start=0.05)
    # the first call sees the start drawn as noise alone; then the data's share a x is added and stays
    a, s = flow.gaussian_coefficients(0.05)
    torch.testing.assert_close(seen[0] * s + a * x, seen[1] * s)
    for eps in seen[2:]:
        torch.testing.assert_close(eps, seen[1])


def test_second_order_ode_is_accurate_in_few_steps_on_gaussian_data():
    """Data N(0, 0.2^2) and the exact denoiser: 10 steps of ode2 get the variance right, the paper's sampler not."""
    scale, flow = 0.2, ContinuousFlow(0.01)
    model = BFN(GaussianPosteriorNet(flow, scale), 1, flow=flow).double().eval()
    n = 40000

    def variance_error(sampler):
        samples = model.sample(n, n_steps=10, sampler=sampler, generator=rng(0))
        return abs(samples.var().item() / scale**2 - 1)

    ode2, ode1, paper = variance_error("ode2"), variance_error("ode1"), variance_error("paper")
    assert ode2 < 0.05
    assert ode2 < paper
    assert ode2 < 0.5 * ode1  # the second-order term is what makes it accurate


@pytest.mark.parametrize("name", sorted(SAMPLERS))
def test_every_sampler_keeps_class_shares_in_a_product_flow_with_the_exact_predictor(name):
    """A 90/10 class with a class-dependent real column, sampled with the optimal predictor.

    The shares and the real column's mean must come out within Monte-Carlo
    error (4 standard errors) at 100 steps, with the solvers' default start
    at t = 1e-2: without the data's share of the start latent, the ODEs
    missed both by about 5 errors.
    """
    flow = ProductFlow([(ContinuousFlow(0.01), 1), (CategoricalFlow(2), 1)])
    weights, means, scale = torch.tensor([0.9, 0.1], dtype=FLOAT64), torch.tensor([-0.3, 0.5], dtype=FLOAT64), 0.1
    model = BFN(MixtureProductNet(flow, weights, means, scale), 2, flow=flow).double().eval()
    n = 20000
    rows = model.sample(n, n_steps=100, sampler=name, generator=rng(0))
    share = (rows[:, 1] == 1).double().mean().item()
    assert abs(share - 0.1) < 4 * math.sqrt(0.1 * 0.9 / n), share
    true_mean = (weights * means).sum().item()
    true_sd = math.sqrt((weights * (scale**2 + means**2)).sum().item() - true_mean**2)
    assert abs(rows[:, 0].mean().item() - true_mean) < 4 * true_sd / math.sqrt(n)
    # each row's real value sits in its own class's mode
    assert ((rows[:, 0] > 0.1) == (rows[:, 1] == 1)).double().mean() > 0.999


@pytest.mark.parametrize("name", SOLVERS)
def test_solvers_are_seeded_and_give_valid_mixed_samples(name):
    torch.manual_seed(0)
    flow = ProductFlow([(ContinuousFlow(), 2), (DiscretisedFlow(5), 1), (CategoricalFlow(3), 1)])
    model = BFN(MLP(6, 7, hidden_layer_sizes=(16,)), 4, flow=flow).eval()
    with torch.no_grad():
        model.net.output_layer.weight.normal_(0, 2.0)
    first = model.sample(100, n_steps=6, sampler=name, generator=rng(1))
    assert torch.equal(first, model.sample(100, n_steps=6, sampler=name, generator=rng(1)))
    assert ((first[:, :2] >= -1) & (first[:, :2] <= 1)).all()
    assert set(first[:, 3].unique().tolist()) <= {0.0, 1.0, 2.0}


def test_time_grids():
    flow = ContinuousFlow(0.01)
    grid = time_grid(flow, 10, 0.01, "lambda")
    assert grid[0] == 0.01 and grid[-1] == 1.0 and len(grid) == 11
    assert all(a < b for a, b in itertools.pairwise(grid))
    steps = [flow.log_snr(b) - flow.log_snr(a) for a, b in itertools.pairwise(grid)]
    assert max(steps) == pytest.approx(min(steps), rel=1e-6)
    with pytest.raises(ValueError, match="spacing"):
        time_grid(flow, 3, 0.01, "lambda-early")
    with pytest.raises(ValueError, match="spacing"):
        time_grid(flow, 3, 0.01, "cosine")
    with pytest.raises(ValueError, match="t_start"):
        time_grid(flow, 3, 0.0)


@given(n_steps=st.integers(2, 60), sigma_1=st.floats(1e-3, 0.2), t_start=st.floats(1e-3, 0.2))
def test_the_late_lambda_grid_shrinks_its_log_snr_steps_towards_the_data(n_steps, sigma_1, t_start):
    """``'lambda-late'``: the k-th time at the fraction (k/n)^0.85 of the log-SNR range, steps shrinking."""
    flow = ContinuousFlow(sigma_1)
    grid = time_grid(flow, n_steps, t_start, "lambda-late")
    assert grid[0] == t_start and grid[-1] == 1.0 and len(grid) == n_steps + 1
    low, high = flow.log_snr(t_start), flow.log_snr(1.0)
    fractions = [(flow.log_snr(t) - low) / (high - low) for t in grid]
    expected = [(k / n_steps) ** 0.85 for k in range(n_steps + 1)]
    assert fractions == pytest.approx(expected, abs=1e-6)
    steps = [b - a for a, b in itertools.pairwise(fractions)]
    assert all(later < earlier for earlier, later in itertools.pairwise(steps))


def test_unknown_sampler_is_named():
    model = BFN(MLP(2, hidden_layer_sizes=(8,)), 2)
    with pytest.raises(ValueError, match="Unknown sampler"):
        model.sample(2, sampler="euler")


def test_guidance_works_with_the_solvers():
    torch.manual_seed(0)
    model = BFN(MLP(2, hidden_layer_sizes=(16,), n_classes=2), 2).eval()
    with torch.no_grad():
        model.net.output_layer.weight.normal_()
        model.net.condition_embedding.table.weight.normal_()
    cond = torch.tensor([0, 1] * 5)
    plain = model.sample(10, cond, n_steps=5, sampler="ode2", generator=rng(0))
    guided = model.sample(10, cond, n_steps=5, sampler="ode2", guidance_scale=3.0, generator=rng(0))
    assert not torch.allclose(plain, guided)
