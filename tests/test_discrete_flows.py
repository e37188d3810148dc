"""Property tests of the discretised, categorical and product flows (Graves et al. 2023)."""

import itertools
import math

import mpmath
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn.core import BFN, CategoricalFlow, ContinuousFlow, DiscretisedFlow, ProductFlow, sample_paper
from skbfn.core.flows import bin_centres, categorical_update, log_gaussian_bin_masses, quantise
from skbfn.core.nets import MLP

FLOAT64 = torch.float64
seeds = st.integers(0, 2**31 - 1)
bins = st.integers(2, 40)
classes = st.integers(2, 12)


def rng(seed):
    return torch.Generator().manual_seed(seed)


# ------------------------------------------------------------------ discretised


@given(n_bins=bins, seed=seeds, t=st.floats(0, 1))
def test_bin_masses_are_nonnegative_and_sum_to_one(n_bins, seed, t):
    flow = DiscretisedFlow(n_bins)
    g = rng(seed)
    mu = torch.randn(5, 3, generator=g, dtype=FLOAT64)
    out = torch.randn(5, 3, 2, generator=g, dtype=FLOAT64) * 3
    log_probs = flow.output_prediction(mu, torch.full((5,), t, dtype=FLOAT64), out)
    assert log_probs.shape == (5, 3, n_bins)
    assert (log_probs <= 0).all()
    torch.testing.assert_close(log_probs.exp().sum(-1), torch.ones(5, 3, dtype=FLOAT64))


def _reference_log_masses(mu: float, sigma: float, n_bins: int) -> list[float]:
    """ln(Phi(b) - Phi(a)) per bin in 60-digit arithmetic (upper-tail bins through Phi(-a) - Phi(-b))."""
    mpmath.mp.dps = 60
    edges = [-mpmath.inf] + [mpmath.mpf(2 * k) / n_bins - 1 for k in range(1, n_bins)] + [mpmath.inf]
    z = [(e - mu) / sigma for e in edges]
    masses = [
        mpmath.ncdf(-a) - mpmath.ncdf(-b) if a > 0 else mpmath.ncdf(b) - mpmath.ncdf(a)
        for a, b in itertools.pairwise(z)
    ]
    return [float(mpmath.log(m)) for m in masses]


@settings(deadline=None, max_examples=60)
@given(
    n_bins=st.integers(2, 256),
    mu=st.floats(-1.5, 1.5),
    log_sigma=st.floats(math.log(1e-3), math.log(10.0)),
)
def test_float32_log_bin_masses_match_a_high_precision_reference(n_bins, mu, log_sigma):
    """In float32, ln p_O of every bin within 40 standard deviations is within 1e-3 relative of the exact value.

    A difference of float32 CDFs would give 0 (so -inf, or a clamp) below about 6e-8.
    """
    sigma = math.exp(log_sigma)
    got = log_gaussian_bin_masses(torch.tensor([mu]), torch.tensor([sigma]), n_bins)[0].double()
    # mu and sigma as float32 holds them, so that the reference sees the same Gaussian
    mu32, sigma32 = float(torch.tensor(mu)), float(torch.tensor(sigma))
    expected = torch.tensor(_reference_log_masses(mu32, sigma32, n_bins), dtype=FLOAT64)
    edges = bin_centres(n_bins, dtype=FLOAT64) + torch.tensor([[-1.0], [1.0]], dtype=FLOAT64) / n_bins
    edges[0, 0], edges[1, -1] = -math.inf, math.inf  # the end bins take the tails
    nearest = torch.where((edges[0] < mu32) & (mu32 < edges[1]), 0.0, (edges - mu32).abs().min(0).values / sigma32)
    near = nearest <= 40
    assert near.any()
    error = (got - expected).abs()[near]
    assert (error <= 1e-3 * expected.abs()[near] + 1e-6).all(), (got[near], expected[near])


@settings(deadline=None, max_examples=30)
@given(n_bins=st.integers(2, 64), seed=seeds, distance=st.floats(0.0, 40.0))
def test_float32_discretised_losses_match_float64_for_far_off_predictions(n_bins, seed, distance):
    """Reconstruction and discrete-time losses of a cell up to 40 sd from the prediction agree to 1e-3 relative."""
    flow = DiscretisedFlow(n_bins, sigma_1=0.01)
    g = rng(seed)
    x = quantise(torch.rand(8, 1, generator=g, dtype=FLOAT64) * 2 - 1, n_bins)
    sigma_x = 0.02
    mu_x = (x + torch.where(x > 0, -1.0, 1.0) * distance * sigma_x).clamp(-1.5, 1.5)
    gamma = flow.continuous.gamma(torch.ones(8, 1, dtype=FLOAT64))
    ratio = torch.sqrt((1 - gamma) / gamma)
    mu = 0.3 * torch.ones(8, 1, dtype=FLOAT64)  # any state: the output is chosen to give (mu_x, sigma_x) at t = 1
    net_out = torch.stack([(mu / gamma - mu_x) / ratio, torch.log(sigma_x / ratio)], -1)
    t, i = torch.ones(8, dtype=FLOAT64), torch.randint(1, 11, (8,), generator=g).to(FLOAT64)
    noise = torch.randn(8, 1, generator=g, dtype=FLOAT64)
    in64 = flow.output_prediction(mu, t, net_out)
    in32 = flow.output_prediction(mu.float(), t.float(), net_out.float())
    for loss in (
        lambda p, d: flow.reconstruction_loss(x.to(d), p),
        lambda p, d: flow.discrete_time_loss(x.to(d), p, i.to(d), 10, noise.to(d)),
    ):
        reference = loss(in64, FLOAT64)
        # atol: a cell on its prediction has a discrete-time loss of 0, but at the last of 10 steps (accuracy near
        # sigma_1**-2) float32's rounding of the predicted mean alone costs up to about 1.1e-4 (found by hypothesis)
        torch.testing.assert_close(loss(in32, torch.float32).double(), reference, rtol=1e-3, atol=3e-4)


@given(n_bins=bins, seed=seeds)
def test_quantising_is_idempotent_and_lands_on_centres(n_bins, seed):
    x = torch.rand(100, generator=rng(seed), dtype=FLOAT64) * 2.4 - 1.2
    q = quantise(x, n_bins)
    torch.testing.assert_close(quantise(q, n_bins), q)
    centres = bin_centres(n_bins, dtype=FLOAT64)
    assert torch.isclose(q.unsqueeze(-1), centres).any(-1).all()
    inside = x.abs() <= 1
    assert ((q - x).abs()[inside] <= 1 / n_bins + 1e-12).all()


def test_bin_probabilities_integrate_the_gaussian():
    probs = log_gaussian_bin_masses(torch.tensor([0.1], dtype=FLOAT64), torch.tensor([0.3], dtype=FLOAT64), 4)[0].exp()
    normal = torch.distributions.Normal(torch.tensor(0.1, dtype=FLOAT64), 0.3)
    edges = torch.tensor([-0.5, 0.0, 0.5], dtype=FLOAT64)
    cdf = normal.cdf(edges)
    expected = torch.stack([cdf[0], cdf[1] - cdf[0], cdf[2] - cdf[1], 1 - cdf[2]])
    torch.testing.assert_close(probs, expected)


@given(n_bins=bins, seed=seeds, t=st.floats(0, 1), n=st.integers(1, 200))
def test_discretised_losses_vanish_for_perfect_predictions(n_bins, seed, t, n):
    flow = DiscretisedFlow(n_bins, sigma_1=0.05)
    g = rng(seed)
    x = quantise(torch.rand(6, 2, generator=g, dtype=FLOAT64) * 2 - 1, n_bins)
    perfect = torch.nn.functional.one_hot(((x + 1) * n_bins / 2).floor().long().clamp(0, n_bins - 1), n_bins)
    perfect = perfect.to(FLOAT64).log()
    tt = torch.full((6,), t, dtype=FLOAT64)
    i = torch.randint(1, n + 1, (6,), generator=g).to(FLOAT64)
    noise = torch.randn(6, 2, generator=g, dtype=FLOAT64)
    torch.testing.assert_close(flow.continuous_time_loss(x, perfect, tt), torch.zeros(6, dtype=FLOAT64))
    torch.testing.assert_close(
        flow.discrete_time_loss(x, perfect, i, n, noise), torch.zeros(6, dtype=FLOAT64), atol=1e-9, rtol=0
    )
    torch.testing.assert_close(flow.reconstruction_loss(x, perfect), torch.zeros(6, dtype=FLOAT64))


@given(n_bins=bins, seed=seeds, n=st.integers(1, 50))
def test_discretised_losses_are_nonnegative_in_expectation(n_bins, seed, n):
    flow = DiscretisedFlow(n_bins, sigma_1=0.1)
    g = rng(seed)
    x = quantise(torch.rand(1, 1, generator=g, dtype=FLOAT64) * 2 - 1, n_bins).expand(20000, 1)
    probs = torch.log_softmax(torch.randn(1, 1, n_bins, generator=g, dtype=FLOAT64), -1).expand(20000, 1, n_bins)
    i = torch.randint(1, n + 1, (20000,), generator=g).to(FLOAT64)
    losses = flow.discrete_time_loss(x, probs, i, n, torch.randn(20000, 1, generator=g, dtype=FLOAT64))
    assert losses.mean() > -4 * losses.std() / math.sqrt(len(losses))
    assert (flow.continuous_time_loss(x, probs, torch.rand(20000, generator=g, dtype=FLOAT64)) >= 0).all()
    assert (flow.reconstruction_loss(x, probs) >= 0).all()


def test_discretised_prediction_before_t_min_is_the_standard_normal():
    flow = DiscretisedFlow(3)
    mu_x, sigma_x = flow.gaussian(torch.full((2, 1), 0.7), torch.zeros(2), torch.full((2, 1, 2), 5.0))
    assert torch.equal(mu_x, torch.zeros(2, 1)) and torch.equal(sigma_x, torch.ones(2, 1))


# ------------------------------------------------------------------ categorical


@given(n_classes=classes, seed=seeds, scale=st.floats(0.01, 50))
def test_categorical_updates_compose_exactly(n_classes, seed, scale):
    g = rng(seed)
    theta = torch.softmax(torch.randn(4, n_classes, generator=g, dtype=FLOAT64), -1)
    y_a = torch.randn(4, n_classes, generator=g, dtype=FLOAT64) * scale
    y_b = torch.randn(4, n_classes, generator=g, dtype=FLOAT64) * scale
    two = categorical_update(categorical_update(theta, y_a), y_b)
    torch.testing.assert_close(two, categorical_update(theta, y_a + y_b))


@given(n_classes=classes, seed=seeds, scale=st.floats(0.01, 100), shift=st.floats(-50, 50))
def test_categorical_update_stays_on_the_simplex_and_is_shift_and_permutation_invariant(n_classes, seed, scale, shift):
    g = rng(seed)
    theta = torch.softmax(torch.randn(3, n_classes, generator=g, dtype=FLOAT64), -1)
    y = torch.randn(3, n_classes, generator=g, dtype=FLOAT64) * scale
    new = categorical_update(theta, y)
    assert (new >= 0).all()
    torch.testing.assert_close(new.sum(-1), torch.ones(3, dtype=FLOAT64))
    torch.testing.assert_close(categorical_update(theta, y + shift), new)
    perm = torch.randperm(n_classes, generator=g)
    torch.testing.assert_close(categorical_update(theta[:, perm], y[:, perm]), new[:, perm])


@given(n_classes=classes, n=st.integers(1, 300))
def test_categorical_step_accuracies_sum_to_beta_one(n_classes, n):
    flow = CategoricalFlow(n_classes, beta_1=3.0)
    total = sum(flow.step_accuracy(i, n) for i in range(1, n + 1))
    assert total == pytest.approx(flow.beta_1)
    assert flow.beta(torch.tensor(0.0)).item() == 0.0


@given(n_classes=classes, seed=seeds, n=st.integers(1, 100))
def test_categorical_discrete_loss_equals_the_gaussian_mixture_formula(n_classes, seed, n):
    """The closed form ``y_x - logsumexp(ln p + y)`` against ln p_S - ln p_R computed in full."""
    flow = CategoricalFlow(n_classes, beta_1=2.0)
    g = rng(seed)
    x = torch.randint(0, n_classes, (5, 1), generator=g)
    probs = torch.softmax(torch.randn(5, 1, n_classes, generator=g, dtype=FLOAT64), -1)
    i = torch.randint(1, n + 1, (5,), generator=g).to(FLOAT64)
    noise = torch.randn(5, 1, n_classes, generator=g, dtype=FLOAT64)
    loss = flow.discrete_time_loss(x, probs.log(), i, n, noise)
    alpha = flow.step_accuracy(i, n).reshape(5, 1, 1)
    y = flow.sender_sample(x, alpha.reshape(5), noise)
    var = alpha * n_classes

    def log_normal(mean):  # ln N(y | mean, var I) summed over classes
        return (-0.5 * (y - mean) ** 2 / var - 0.5 * torch.log(2 * math.pi * var)).sum(-1)

    eye = torch.eye(n_classes, dtype=FLOAT64)
    log_sender = log_normal(alpha * (n_classes * eye[x.squeeze(-1)].unsqueeze(1) - 1))
    components = torch.stack([log_normal(alpha * (n_classes * eye[k] - 1)) for k in range(n_classes)], -1)
    log_receiver = torch.logsumexp(torch.log(probs) + components, -1)
    torch.testing.assert_close(loss, n * (log_sender - log_receiver).sum(-1))


@given(n_classes=classes, seed=seeds, t=st.floats(0, 1), n=st.integers(1, 100))
def test_categorical_losses_vanish_for_perfect_predictions(n_classes, seed, t, n):
    flow = CategoricalFlow(n_classes)
    g = rng(seed)
    x = torch.randint(0, n_classes, (6, 3), generator=g).to(FLOAT64)
    perfect = flow.one_hot(x, x).log()
    tt = torch.full((6,), t, dtype=FLOAT64)
    i = torch.randint(1, n + 1, (6,), generator=g).to(FLOAT64)
    noise = torch.randn(6, 3, n_classes, generator=g, dtype=FLOAT64)
    zero = torch.zeros(6, dtype=FLOAT64)
    torch.testing.assert_close(flow.continuous_time_loss(x, perfect, tt), zero)
    torch.testing.assert_close(flow.discrete_time_loss(x, perfect, i, n, noise), zero, atol=1e-9, rtol=0)
    torch.testing.assert_close(flow.reconstruction_loss(x, perfect), zero)
    probs = torch.log_softmax(torch.randn(6, 3, n_classes, generator=g, dtype=FLOAT64), -1)
    assert (flow.continuous_time_loss(x, probs, tt) >= 0).all()
    assert (flow.reconstruction_loss(x, probs) >= 0).all()


def test_categorical_flow_at_time_zero_is_the_prior():
    flow = CategoricalFlow(4)
    theta = flow.state_from_noise(torch.tensor([[1, 3]]), torch.zeros(1), torch.randn(1, 2, 4))
    torch.testing.assert_close(theta, flow.prior_state((1, 2)))


@pytest.mark.parametrize("truth", [0, 2])
def test_categorical_oracle_sampler_follows_the_flow_distribution(truth):
    """With p_O = e_x, log theta_x - log theta_j (j != x) after step i is N(beta(t_i) K, 2 beta(t_i) K)."""
    flow = CategoricalFlow(3, beta_1=2.0)
    n_steps, n_samples = 6, 40000
    records = []
    oracle = lambda theta, t: flow.one_hot(torch.full(theta.shape[:-1], truth), theta).log()  # noqa: E731
    samples = sample_paper(
        oracle, flow, (n_samples, 1), n_steps, dtype=FLOAT64, generator=rng(0), callback=records.append
    )
    assert (samples == truth).all()
    other = (truth + 1) % 3
    for record in records:
        beta = flow.beta(torch.tensor(record["t"])).item()
        log_theta = torch.log(record["state"][:, 0])
        gap = log_theta[:, truth] - log_theta[:, other]
        assert abs(gap.mean().item() - beta * 3) < 5 * math.sqrt(2 * beta * 3 / n_samples)
        assert gap.var().item() == pytest.approx(2 * beta * 3, rel=0.05)


def test_discretised_oracle_sampler_follows_the_flow_distribution():
    flow = DiscretisedFlow(5, sigma_1=0.05)
    truth = bin_centres(5, dtype=FLOAT64)[3].item()
    records = []
    oracle = lambda mu, t: torch.nn.functional.one_hot(torch.full(mu.shape, 3), 5).to(mu).log()  # noqa: E731
    samples = sample_paper(oracle, flow, (40000, 1), 6, dtype=FLOAT64, generator=rng(1), callback=records.append)
    assert (samples == truth).all()
    for record in records:
        gamma = flow.continuous.gamma(torch.tensor(record["t"], dtype=FLOAT64)).item()
        mu = record["state"][:, 0]
        assert abs(mu.mean().item() - gamma * truth) < 5 * math.sqrt(gamma * (1 - gamma) / 40000)
        assert mu.var().item() == pytest.approx(gamma * (1 - gamma), rel=0.05)


# ---------------------------------------------------------------------- product


def mixed_flow():
    return ProductFlow(
        [(ContinuousFlow(0.02), 2), (DiscretisedFlow(5), 1), (CategoricalFlow(3), 1), (CategoricalFlow(2), 1)]
    )


def mixed_rows(n, generator):
    continuous = torch.rand(n, 2, generator=generator) * 1.8 - 0.9
    discretised = quantise(torch.rand(n, 1, generator=generator) * 2 - 1, 5)
    categories = torch.stack(
        [torch.randint(0, 3, (n,), generator=generator), torch.randint(0, 2, (n,), generator=generator)], 1
    ).float()
    return torch.cat([continuous, discretised, categories], 1)


def test_product_flow_sizes_and_losses_are_sums_of_parts():
    flow = mixed_flow()
    assert flow.input_size((5,)) == 2 + 1 + 3 + 2
    assert flow.output_size((5,)) == 2 + 2 + 3 + 2
    assert flow.noise_shape((5,)) == (2 + 1 + 3 + 2,)
    with pytest.raises(ValueError, match="5 columns"):
        flow.input_size((4,))
    g = rng(0)
    x = mixed_rows(7, g)
    t = torch.rand(7, generator=g)
    state = flow.state_from_noise(x, t, torch.randn(7, 8, generator=g))
    out = torch.randn(7, 9, generator=g)
    prediction = flow.output_prediction(state, t, out)
    parts = torch.split(x, [2, 1, 1, 1], dim=1)
    pieces = zip(flow.parts, parts, prediction, strict=True)
    expected = sum(f.continuous_time_loss(p, pred, t) for (f, _), p, pred in pieces)
    torch.testing.assert_close(flow.continuous_time_loss(x, prediction, t), expected)
    assert flow.network_input(state, t).shape == (7, 8)


def test_mixed_bfn_samples_are_valid_and_seeded():
    torch.manual_seed(0)
    flow = mixed_flow()
    model = BFN(MLP(flow.input_size((5,)), flow.output_size((5,)), hidden_layer_sizes=(16,)), 5, flow=flow).eval()
    first = model.sample(200, n_steps=10, generator=rng(3))
    assert torch.equal(first, model.sample(200, n_steps=10, generator=rng(3)))
    assert ((first[:, :2] >= -1) & (first[:, :2] <= 1)).all()
    assert torch.isclose(first[:, 2:3], bin_centres(5)).any(-1).all()
    assert set(first[:, 3].unique().tolist()) <= {0.0, 1.0, 2.0}
    assert set(first[:, 4].unique().tolist()) <= {0.0, 1.0}


@pytest.mark.parametrize("method", ["loss", "discrete_loss", "reconstruction_loss"])
def test_mixed_bfn_losses_are_per_sample_and_differentiable(method):
    flow = mixed_flow()
    model = BFN(MLP(8, 9, hidden_layer_sizes=(16,)), 5, flow=flow)
    x = mixed_rows(6, rng(0))
    kwargs = {"n_loss_steps": 10} if method == "discrete_loss" else {}
    loss = getattr(model, method)(x, **kwargs)
    assert loss.shape == (6,) and torch.isfinite(loss).all()
    loss.mean().backward()
    assert model.net.output_layer.weight.grad.abs().sum() > 0  # the input layer gets none: zero-init output
    assert torch.isfinite(model.eval().elbo(x, n_loss_steps=10 if method == "discrete_loss" else None)).all()


@settings(max_examples=20)
@given(n_classes=classes, alpha=st.floats(0.01, 10.0), seed=seeds)
def test_the_categorical_sender_has_the_papers_mean_and_variance(n_classes, alpha, seed):
    """y ~ N(alpha (K e_x - 1), alpha K I) (Graves et al. 2023, eq. 158): the log-odds y_x - y_k of the true
    class over another have mean alpha K and variance 2 alpha K, so scaling the variance is caught."""
    flow = CategoricalFlow(n_classes)
    g = rng(seed)
    n = 20_000
    x = torch.zeros(n, 1, dtype=torch.long)
    noise = torch.randn(n, 1, n_classes, generator=g, dtype=FLOAT64)
    y = flow.sender_sample(x, alpha, noise)[:, 0]
    log_odds = y[:, 0] - y[:, 1]
    mean, var = alpha * n_classes, 2 * alpha * n_classes
    assert abs(log_odds.mean().item() - mean) < 5 * math.sqrt(var / n)
    assert log_odds.var().item() == pytest.approx(var, rel=5 * math.sqrt(2 / n))


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10**6),
    n_bins=st.lists(st.integers(2, 20), min_size=1, max_size=5),
    log_sigma=st.floats(-7, 1),
    one_sigma_per_row=st.booleans(),
)
def test_the_fused_discretised_mean_has_the_gradients_of_autograd_through_every_edge(
    seed, n_bins, log_sigma, one_sigma_per_row
):
    """The mean prediction's own backward pass (two sums per cell) against autograd through ``ndtr`` on every
    edge, in float64, for sharp predictions whose edges lie hundreds of deviations away too."""
    from skbfn.core.flows.discretised_columns import DiscretisedColumnsFlow

    flow = DiscretisedColumnsFlow(n_bins=tuple(n_bins))
    generator = torch.Generator().manual_seed(seed)
    n = len(n_bins)
    mu = (torch.rand(6, n, generator=generator, dtype=torch.float64) * 2.4 - 1.2).requires_grad_()
    spread = torch.rand(6, 1 if one_sigma_per_row else n, generator=generator, dtype=torch.float64) + 0.5
    sigma = (spread * math.exp(log_sigma)).requires_grad_()
    weights = torch.randn(6, n, generator=generator, dtype=torch.float64)

    fused = flow.mean_prediction((mu, sigma))
    # column by column, over each column's own inner edges: c_(K-1) - (2 / K) sum_e Phi((e - mu) / sigma)
    columns = []
    for j, k in enumerate(n_bins):
        edges = torch.arange(1, k, dtype=torch.float64) * 2 / k - 1
        sigma_j = sigma[:, j if sigma.shape[1] > 1 else 0, None]
        below = torch.special.ndtr((edges - mu[:, j, None]) / sigma_j).sum(1)
        columns.append(1 - 1 / k - 2 / k * below)
    reference = torch.stack(columns, dim=1)
    torch.testing.assert_close(fused, reference, rtol=0, atol=1e-15)
    got = torch.autograd.grad((fused * weights).sum(), (mu, sigma))
    expected = torch.autograd.grad((reference * weights).sum(), (mu, sigma))
    for g, e in zip(got, expected, strict=True):
        assert g.shape == e.shape
        torch.testing.assert_close(g, e, rtol=1e-12, atol=1e-12)
    with torch.no_grad():
        torch.testing.assert_close(flow.mean_prediction((mu, sigma)), reference.detach(), rtol=0, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(
        st.one_of(st.floats(-40, 40), st.sampled_from([-math.inf, math.inf, -12.0, 12.0, 0.0])), min_size=1, max_size=30
    ),
    double=st.booleans(),
)
def test_the_vectorised_normal_cdf_agrees_with_ndtr_in_float64(values, double):
    """Phi as erfc, clipped at |z| = 12, against SciPy's ``ndtr`` in float64: every digit in float64 (up to
    Phi(-12) < 2e-33), and within float32's rounding of 1 in float32 (where PyTorch's own ``ndtr`` is as far).
    The reference is SciPy's: PyTorch's ``torch.special.ndtr`` is off by 4e-11 relative at z = -5 (hypothesis
    found it), against 2e-15 for erfc and SciPy, each checked against mpmath."""
    from scipy.special import ndtr

    from skbfn.core.flows.discretised_columns import _CUTOFF, _sum_of_normal_cdfs

    dtype = torch.float64 if double else torch.float32
    z = torch.tensor(values, dtype=dtype).reshape(-1, 1, 1)
    got = _sum_of_normal_cdfs(z.clamp(-_CUTOFF, _CUTOFF))
    assert got.dtype == dtype
    expected = torch.from_numpy(ndtr(z.double().numpy())).sum(0)
    if double:
        torch.testing.assert_close(got, expected, rtol=1e-13, atol=2e-32 * len(values))
    else:
        torch.testing.assert_close(got.double(), expected, rtol=0, atol=1.2e-7 * len(values))


def test_padded_layout_masks_logits_and_spreads_the_uniform_over_each_columns_own_entries():
    from skbfn.core.flows._padding import PaddedLayout

    layout = PaddedLayout.of((2, 4, 3), torch.device("cpu"), torch.float64)
    logits = torch.zeros(4, 5, 3, dtype=torch.float64)
    probs = torch.softmax(logits + layout.log_padding, dim=0)
    expected = torch.tensor([[1 / 2, 1 / 2, 0, 0], [1 / 4] * 4, [1 / 3, 1 / 3, 1 / 3, 0]], dtype=torch.float64)
    torch.testing.assert_close(probs[:, 0].T, expected)
    torch.testing.assert_close(layout.uniform[:, 0].T, expected)
