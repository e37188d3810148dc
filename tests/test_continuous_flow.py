"""Property tests of the continuous flow (Graves et al. 2023): schedule, updates, losses, bounds."""

import itertools
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn.core import ContinuousFlow
from skbfn.core.flows import bayesian_update, update_distribution

sigmas = st.floats(min_value=1e-3, max_value=0.5)
times = st.floats(min_value=0.0, max_value=1.0)
step_counts = st.integers(min_value=1, max_value=500)
accuracies = st.floats(min_value=1e-3, max_value=1e4)
values = st.floats(min_value=-1.0, max_value=1.0)

FLOAT64 = torch.float64


def scalar(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=FLOAT64)


@given(sigma_1=sigmas, t=times)
def test_schedule_matches_its_closed_forms(sigma_1, t):
    flow = ContinuousFlow(sigma_1)
    t_ = scalar(t)
    beta = flow.beta(t_).item()
    assert beta == pytest.approx(sigma_1 ** (-2 * t) - 1, rel=1e-9, abs=1e-12)
    assert flow.gamma(t_).item() == pytest.approx(beta / (1 + beta), rel=1e-9, abs=1e-12)
    assert flow.gamma(t_).item() == pytest.approx(1 - sigma_1 ** (2 * t), rel=1e-9, abs=1e-12)
    assert flow.alpha(t_).item() == pytest.approx(-2 * math.log(sigma_1) * sigma_1 ** (-2 * t), rel=1e-9)


@given(sigma_1=sigmas, t=st.floats(min_value=0.01, max_value=0.99))
def test_alpha_is_the_derivative_of_beta(sigma_1, t):
    flow = ContinuousFlow(sigma_1)
    h = 1e-6
    numeric = (flow.beta(scalar(t + h)) - flow.beta(scalar(t - h))) / (2 * h)
    assert numeric.item() == pytest.approx(flow.alpha(scalar(t)).item(), rel=1e-4)


@given(sigma_1=sigmas, t1=times, t2=times)
def test_beta_and_gamma_increase_with_time_from_zero(sigma_1, t1, t2):
    flow = ContinuousFlow(sigma_1)
    lo, hi = sorted((t1, t2))
    assert flow.beta(scalar(0.0)).item() == 0.0
    assert flow.gamma(scalar(0.0)).item() == 0.0
    assert flow.beta(scalar(lo)).item() <= flow.beta(scalar(hi)).item()
    assert flow.gamma(scalar(lo)).item() <= flow.gamma(scalar(hi)).item()


@given(sigma_1=sigmas, n=step_counts)
def test_step_accuracies_sum_to_beta_one(sigma_1, n):
    flow = ContinuousFlow(sigma_1)
    steps = torch.arange(1, n + 1, dtype=FLOAT64)
    total = flow.step_accuracy(steps, n).sum().item()
    assert total == pytest.approx(sigma_1**-2 - 1, rel=1e-9)
    # the int and tensor forms agree
    assert flow.step_accuracy(1, n) == pytest.approx(flow.step_accuracy(steps[:1], n).item(), rel=1e-12)


@given(sigma_1=sigmas, n=step_counts, data=st.data())
def test_precision_after_i_steps_is_one_plus_beta(sigma_1, n, data):
    flow = ContinuousFlow(sigma_1)
    i_stop = data.draw(st.integers(min_value=1, max_value=n))
    mu, rho = flow.prior_state((1,), dtype=FLOAT64), torch.ones(1, dtype=FLOAT64)
    for i in range(1, i_stop + 1):
        alpha = flow.step_accuracy(i, n)
        mu, rho = bayesian_update(mu, rho, torch.zeros_like(mu), alpha)
    assert rho.item() == pytest.approx(1 + flow.beta(scalar(i_stop / n)).item(), rel=1e-9)
    if i_stop == n:
        assert rho.item() == pytest.approx(sigma_1**-2, rel=1e-9)


@given(mu=values, rho=st.floats(min_value=1.0, max_value=1e4), x=values, a=accuracies, b=accuracies)
def test_two_updates_equal_one_with_summed_accuracy_in_distribution(mu, rho, x, a, b):
    mu_, rho_, x_ = scalar(mu), scalar(rho), scalar(x)
    mean_a, var_a, rho_a = update_distribution(mu_, rho_, x_, a)
    # the second update is linear in mu: propagate the first update's mean and variance
    mean_ab, var_from_b, rho_ab = update_distribution(mean_a, rho_a, x_, b)
    var_ab = (rho_a / rho_ab) ** 2 * var_a + var_from_b
    mean_once, var_once, rho_once = update_distribution(mu_, rho_, x_, a + b)
    assert rho_ab.item() == pytest.approx(rho_once.item(), rel=1e-12)
    assert mean_ab.item() == pytest.approx(mean_once.item(), rel=1e-9, abs=1e-12)
    assert var_ab.item() == pytest.approx(var_once.item(), rel=1e-9, abs=1e-15)


@given(
    sigma_1=sigmas,
    t=st.floats(min_value=1e-3, max_value=1.0),
    x=values,
    cuts=st.lists(st.floats(min_value=0.0, max_value=1.0), min_size=0, max_size=6),
)
def test_chained_updates_from_the_prior_reproduce_the_flow_distribution(sigma_1, t, x, cuts):
    flow = ContinuousFlow(sigma_1)
    total = flow.beta(scalar(t))
    edges = sorted({0.0, 1.0, *cuts})
    pieces = [total * (hi - lo) for lo, hi in itertools.pairwise(edges) if hi > lo]
    mean, rho = flow.prior_state((1,), dtype=FLOAT64), torch.ones(1, dtype=FLOAT64)
    var = torch.zeros_like(mean)
    for alpha in pieces:
        new_mean, var_new, new_rho = update_distribution(mean, rho, scalar(x), alpha)
        var = (rho / new_rho) ** 2 * var + var_new
        mean, rho = new_mean, new_rho
    gamma = flow.gamma(scalar(t)).item()
    assert mean.item() == pytest.approx(gamma * x, rel=1e-9, abs=1e-12)
    assert var.item() == pytest.approx(gamma * (1 - gamma), rel=1e-9, abs=1e-15)
    assert rho.item() == pytest.approx(1 + flow.beta(scalar(t)).item(), rel=1e-9)


def test_sender_and_update_sample_the_closed_form_distribution():
    flow = ContinuousFlow(0.1)
    generator = torch.Generator().manual_seed(0)
    x = torch.full((200_000,), 0.4, dtype=FLOAT64)
    mu, rho = torch.full_like(x, -0.2), torch.full_like(x, 3.0)
    alpha = 5.0
    y = flow.sender_sample(x, alpha, generator)
    new_mu, _ = bayesian_update(mu, rho, y, alpha)
    mean, var, _ = update_distribution(mu[:1], rho[:1], x[:1], alpha)
    stderr = math.sqrt(var.item() / len(x))
    assert abs(new_mu.mean().item() - mean.item()) < 5 * stderr
    assert new_mu.var().item() == pytest.approx(var.item(), rel=0.02)


@given(sigma_1=sigmas, x=values)
def test_flow_at_time_zero_is_the_prior(sigma_1, x):
    flow = ContinuousFlow(sigma_1)
    noise = torch.randn(5, 3, generator=torch.Generator().manual_seed(0), dtype=FLOAT64)
    mu = flow.state_from_noise(torch.full((5, 3), x, dtype=FLOAT64), torch.zeros(5, dtype=FLOAT64), noise)
    assert torch.equal(mu, flow.prior_state((5, 3), dtype=FLOAT64))


@given(mu=values, rho=st.floats(min_value=1e-3, max_value=1e4), y=st.floats(-5, 5), alpha=accuracies)
def test_posterior_mean_is_a_convex_combination(mu, rho, y, alpha):
    new_mu, new_rho = bayesian_update(scalar(mu), scalar(rho), scalar(y), scalar(alpha))
    lo, hi = min(mu, y), max(mu, y)
    tol = 1e-12 * max(1.0, abs(lo), abs(hi))
    assert lo - tol <= new_mu.item() <= hi + tol
    assert new_rho.item() == pytest.approx(rho + alpha)


@given(sigma_1=sigmas, t=st.floats(min_value=1e-4, max_value=1.0), seed=st.integers(0, 2**31 - 1))
def test_true_noise_recovers_the_data(sigma_1, t, seed):
    flow = ContinuousFlow(sigma_1)
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(4, 3, generator=generator, dtype=FLOAT64) * 2 - 1
    noise = torch.randn(4, 3, generator=generator, dtype=FLOAT64)
    t_ = torch.full((4,), t, dtype=FLOAT64)
    mu = flow.state_from_noise(x, t_, noise)
    torch.testing.assert_close(flow.output_prediction(mu, t_, noise), x, rtol=1e-6, atol=1e-6)


def test_prediction_is_zero_before_t_min_and_clipped():
    flow = ContinuousFlow(0.01, t_min=1e-3, x_min=-1, x_max=1)
    mu = torch.full((3, 2), 0.5)
    eps = torch.full((3, 2), -50.0)
    x_hat = flow.output_prediction(mu, torch.tensor([0.0, 5e-4, 0.5]), eps)
    assert torch.equal(x_hat[:2], torch.zeros(2, 2))
    assert torch.equal(x_hat[2], torch.ones(2))


@given(sigma_1=sigmas, t=times, n=step_counts, seed=st.integers(0, 2**31 - 1))
def test_losses_are_nonnegative_and_vanish_for_perfect_predictions(sigma_1, t, n, seed):
    flow = ContinuousFlow(sigma_1)
    generator = torch.Generator().manual_seed(seed)
    x = torch.rand(6, 2, generator=generator, dtype=FLOAT64) * 2 - 1
    x_hat = torch.rand(6, 2, generator=generator, dtype=FLOAT64) * 2 - 1
    t_ = torch.full((6,), t, dtype=FLOAT64)
    i = torch.randint(1, n + 1, (6,), generator=generator).to(FLOAT64)
    assert (flow.continuous_time_loss(x, x_hat, t_) >= 0).all()
    assert (flow.discrete_time_loss(x, x_hat, i, n) >= 0).all()
    assert torch.equal(flow.continuous_time_loss(x, x, t_), torch.zeros(6, dtype=FLOAT64))
    assert torch.equal(flow.discrete_time_loss(x, x, i, n), torch.zeros(6, dtype=FLOAT64))


def test_losses_use_the_squared_norm():
    flow = ContinuousFlow(0.1)
    x = torch.zeros(1, 2, dtype=FLOAT64)
    x_hat = torch.tensor([[0.3, 0.4]], dtype=FLOAT64)  # norm 0.5, squared norm 0.25
    t = torch.tensor([0.5], dtype=FLOAT64)
    expected = -math.log(0.1) * 0.1 ** (-1.0) * 0.25
    assert flow.continuous_time_loss(x, x_hat, t).item() == pytest.approx(expected, rel=1e-12)
    n, i = 10, torch.tensor([4.0], dtype=FLOAT64)
    expected_n = n / 2 * (1 - 0.1 ** (2 / n)) * 0.1 ** (-2 * 4 / n) * 0.25
    assert flow.discrete_time_loss(x, x_hat, i, n).item() == pytest.approx(expected_n, rel=1e-12)
    # reconstruction: -ln N(x | x_hat, sigma_1^2 I) in closed form
    expected_r = 2 * 0.5 * math.log(2 * math.pi * 0.01) + 0.25 / (2 * 0.01)
    assert flow.reconstruction_loss(x, x_hat).item() == pytest.approx(expected_r, rel=1e-12)


@given(sigma_1=sigmas, t=st.floats(min_value=0.0, max_value=0.999))
def test_discrete_weight_tends_to_the_continuous_weight(sigma_1, t):
    flow = ContinuousFlow(sigma_1)
    n = 100_000
    i = math.floor(t * n) + 1
    discrete_weight = 0.5 * n * flow.step_accuracy(i, n)
    continuous_weight = -math.log(sigma_1) * sigma_1 ** (-2 * t)
    assert discrete_weight == pytest.approx(continuous_weight, rel=1e-3)


@settings(max_examples=20)
@given(bad=st.sampled_from([0.0, 1.0, -0.1, 1.5]))
def test_invalid_sigma_is_refused(bad):
    with pytest.raises(ValueError, match="sigma_1"):
        ContinuousFlow(bad)


@pytest.mark.parametrize("sigma_1", [1e-4, 3e-4, 1e-2])
@pytest.mark.parametrize("discretised", [False, True])
def test_float32_elbo_matches_float64_near_t_1(sigma_1, discretised):
    """1 - gamma is computed as sigma_1^(2t): in float32, 1 - gamma(1) is 0 at sigma_1 = 1e-4 and the
    bound became several nats too high."""
    import copy

    from skbfn.core import BFN, DiscretisedFlow
    from skbfn.core.nets import MLP

    torch.manual_seed(0)
    flow = DiscretisedFlow(n_bins=200, sigma_1=sigma_1) if discretised else ContinuousFlow(sigma_1=sigma_1)
    model = BFN(MLP(2, flow.output_size((2,)), hidden_layer_sizes=(16,)), 2, flow).eval()
    x = torch.rand(64, 2, dtype=torch.float64) * 1.6 - 0.8
    if discretised:
        x = ((x + 1) * 100).floor() / 100 - 1 + 1 / 200  # bin centres
    generator = torch.Generator().manual_seed(1)
    draws = (
        torch.rand(64, 16, generator=generator, dtype=torch.float64),
        *(torch.randn(64, 16, 2, generator=generator, dtype=torch.float64) for _ in range(3)),
    )
    in_float64 = copy.deepcopy(model).double().elbo(x, draws=draws)
    in_float32 = model.elbo(x.float(), draws=tuple(d.float() for d in draws))
    torch.testing.assert_close(in_float32.double(), in_float64, atol=5e-3, rtol=1e-4)
