"""Cell masks in the core: masked states and losses, training roles, and exact conditional sampling."""

import math

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from oracles import ConditionalGaussianNet

from skbfn.core import BFN, CategoricalFlow, CellMask, ContinuousFlow, DiscretisedFlow, ProductFlow, random_cell_mask
from skbfn.core.nets import MLP

FLOAT64 = torch.float64
FLOWS = [ContinuousFlow(), DiscretisedFlow(n_bins=5), CategoricalFlow(n_classes=3)]


def _data(flow, generator, shape):
    if isinstance(flow, CategoricalFlow):
        return torch.randint(0, flow.n_classes, shape, generator=generator).to(FLOAT64)
    if isinstance(flow, DiscretisedFlow):
        index = torch.randint(0, flow.n_bins, shape, generator=generator).to(FLOAT64)
        return (2 * index + 1) / flow.n_bins - 1
    return torch.rand(shape, generator=generator, dtype=FLOAT64) * 2 - 1


def _masks(generator, shape):
    given = torch.rand(shape, generator=generator) < 0.3
    absent = ~given & (torch.rand(shape, generator=generator) < 0.3)
    return given, absent


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: type(f).__name__)
@given(seed=st.integers(0, 2**31 - 1), t=st.floats(0.0, 1.0))
def test_masked_state_knows_given_cells_leaves_absent_ones_at_the_prior(flow, seed, t):
    generator = torch.Generator().manual_seed(seed)
    shape = (6, 4)
    x = _data(flow, generator, shape)
    times = torch.full((6,), t, dtype=FLOAT64)
    noise = torch.randn((6, *flow.noise_shape((4,))), generator=generator, dtype=FLOAT64)
    state = flow.state_from_noise(x, times, noise)
    given_cells, absent = _masks(generator, shape)
    masked = flow.masked_state(state, x, given_cells, absent)
    prior = flow.prior_state(shape, dtype=FLOAT64)
    if isinstance(flow, CategoricalFlow):
        known = torch.nn.functional.one_hot(x.long(), flow.n_classes).to(FLOAT64)
        given_cells, absent = given_cells.unsqueeze(-1).expand_as(state), absent.unsqueeze(-1).expand_as(state)
    else:
        known = x
    assert torch.equal(masked[given_cells], known[given_cells])
    assert torch.equal(masked[absent], prior[absent])
    untouched = ~(given_cells | absent)
    assert torch.equal(masked[untouched], state[untouched])


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: type(f).__name__)
@given(seed=st.integers(0, 2**31 - 1))
def test_masked_losses_sum_only_the_marked_cells(flow, seed):
    """A masked loss is the loss of the marked columns alone; NaN in unmarked cells does no harm."""
    generator = torch.Generator().manual_seed(seed)
    x = _data(flow, generator, (5, 3))
    t = torch.rand(5, generator=generator, dtype=FLOAT64)
    noise = torch.randn((5, *flow.noise_shape((3,))), generator=generator, dtype=FLOAT64)
    net_out = torch.randn((5, flow.output_size((3,))), generator=generator, dtype=FLOAT64)
    state = flow.state_from_noise(x, t, noise)
    prediction = flow.output_prediction(state, t, net_out)
    mask = torch.tensor([True, False, True]).expand(5, 3)
    kept = [0, 2]

    def column(values, j):
        return values[:, j : j + 1]

    expected = sum(flow.continuous_time_loss(column(x, j), column(prediction, j), t) for j in kept)
    assert torch.allclose(flow.continuous_time_loss(x, prediction, t, mask=mask), expected)
    expected = sum(flow.reconstruction_loss(column(x, j), column(prediction, j)) for j in kept)
    assert torch.allclose(flow.reconstruction_loss(x, prediction, mask=mask), expected)
    i = torch.randint(1, 11, (5,), generator=generator).to(FLOAT64)
    expected = sum(flow.discrete_time_loss(column(x, j), column(prediction, j), i, 10, column(noise, j)) for j in kept)
    assert torch.allclose(flow.discrete_time_loss(x, prediction, i, 10, noise, mask=mask), expected)
    poisoned = prediction.clone()
    poisoned[:, 1] = float("nan")
    assert torch.isfinite(flow.continuous_time_loss(x, poisoned, t, mask=mask)).all()


@given(seed=st.integers(0, 2**31 - 1), fraction=st.floats(0.0, 1.0))
def test_random_cell_masks_keep_missing_cells_absent_and_roles_disjoint(seed, fraction):
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(64, 5, generator=generator)
    x[torch.rand(64, 5, generator=generator) < 0.2] = float("nan")
    cells = random_cell_mask(x, fraction, generator=generator)
    missing = torch.isnan(x)
    assert torch.equal(cells.absent & missing, missing)
    assert not (cells.given & cells.absent).any()
    assert not (cells.given & missing).any()
    assert torch.equal(cells.given | cells.absent | cells.modelled, torch.ones_like(missing))
    assert torch.isfinite(cells.values).all()
    if fraction == 0.0:
        assert not cells.given.any() and torch.equal(cells.absent, missing)


@given(seed=st.integers(0, 2**31 - 1), fraction=st.floats(0.0, 1.0))
def test_random_cell_masks_follow_their_definition_cell_by_cell(seed, fraction):
    """The roles as the docstring defines them, from the same five draws: a picked row gives each observed cell
    with probability p_g (u < p_g), and, in half of the picked rows, makes it absent where u >= 1 - p_a."""
    x = torch.randn(64, 7, generator=torch.Generator().manual_seed(seed))
    x[torch.rand(64, 7, generator=torch.Generator().manual_seed(seed + 1)) < 0.2] = float("nan")
    cells = random_cell_mask(x, fraction, generator=torch.Generator().manual_seed(seed))
    draws = torch.Generator().manual_seed(seed)
    if fraction == 0.0:
        picked = torch.zeros(64, 1, dtype=torch.bool)
        p_given = p_absent = u = torch.zeros(64, 1)
    else:
        picked = torch.rand(64, 1, generator=draws) < fraction
        p_given = torch.rand(64, 1, generator=draws)
        with_absent = torch.rand(64, 1, generator=draws) < 0.5
        p_absent = torch.rand(64, 1, generator=draws) * (1.0 - p_given) * with_absent
        u = torch.rand(64, 7, generator=draws)
    missing = torch.isnan(x)
    given = picked & ~missing & (u < p_given)
    assert torch.equal(cells.given, given)
    assert torch.equal(cells.absent, missing | (picked & (u >= 1.0 - p_absent) & ~given))


def test_random_cell_masks_give_cells_in_about_the_asked_share_of_rows():
    generator = torch.Generator().manual_seed(0)
    cells = random_cell_mask(torch.zeros(20000, 8), 0.4, generator=generator)
    touched = (cells.given | cells.absent).any(dim=1).float().mean().item()
    assert 0.3 < touched <= 0.4 + 0.02  # a picked row may draw no given or absent cell
    assert cells.given.float().mean().item() == pytest.approx(0.4 * 0.5, abs=0.02)  # E[p_g] = 1/2
    # absent cells: in half of the picked rows, a share p_a = U (1 - p_g) of the cells, E[p_a] = 1/4
    assert cells.absent.float().mean().item() == pytest.approx(0.4 * 0.5 * 0.25, abs=0.005)


def test_cell_mask_rejects_cells_both_given_and_absent():
    with pytest.raises(ValueError, match="both given and absent"):
        CellMask(torch.ones(1, 2, dtype=torch.bool), torch.ones(1, 2, dtype=torch.bool), torch.zeros(1, 2))


def test_cell_inputs_with_no_missing_cell_and_nothing_given_is_the_plain_loss():
    """Flags that are all zero, through zero weights, leave the plain BFN loss unchanged."""
    torch.manual_seed(0)
    flow = ProductFlow([(ContinuousFlow(), 2), (CategoricalFlow(3), 1)])
    n_inputs, n_outputs = flow.input_size((3,)), flow.output_size((3,))
    plain_net = MLP(n_inputs, n_outputs, hidden_layer_sizes=(16,))
    flagged_net = MLP(n_inputs + 6, n_outputs, hidden_layer_sizes=(16,))
    flagged_net.load_state_dict(
        {k: v for k, v in plain_net.state_dict().items() if k != "input_layer.weight"}, strict=False
    )
    with torch.no_grad():
        flagged_net.input_layer.weight.copy_(torch.cat([plain_net.input_layer.weight, torch.ones(16, 6)], dim=1))
        for name in ("output_layer.weight", "output_layer.bias"):  # non-zero outputs, so that the loss depends on them
            value = torch.randn_like(dict(plain_net.named_parameters())[name])
            dict(plain_net.named_parameters())[name].copy_(value)
            dict(flagged_net.named_parameters())[name].copy_(value)
    plain, flagged = BFN(plain_net, 3, flow), BFN(flagged_net, 3, flow, cell_inputs=True)
    x = torch.cat([torch.rand(32, 2) - 0.5, torch.randint(0, 3, (32, 1)).float()], dim=1)
    cells = random_cell_mask(x, 0.0)
    expected = plain.loss(x, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(flagged.loss(x, cells=cells, generator=torch.Generator().manual_seed(1)), expected)
    given_cells = CellMask(torch.ones_like(cells.given), torch.zeros_like(cells.absent), x)
    assert not torch.allclose(flagged.loss(x, cells=given_cells, generator=torch.Generator().manual_seed(1)), expected)


def test_a_model_without_cell_inputs_refuses_cells():
    model = BFN(MLP(2, hidden_layer_sizes=(8,)), 2)
    with pytest.raises(ValueError, match="cell_inputs"):
        model.loss(torch.zeros(4, 2), cells=CellMask.absent_where_missing(torch.zeros(4, 2)))


@pytest.mark.parametrize("sampler,n_steps", [("paper", 400), ("sde2-lambda", 100), ("ode2", 100)])
def test_oracle_conditional_sampling_matches_the_closed_form(sampler, n_steps):
    """EQUATIONS 7: with the true p(x2 | x1) denoiser, samples given x1 follow N(rho x1, s^2 (1 - rho^2))."""
    scale, rho, x1 = 0.3, 0.8, 0.25
    flow = ContinuousFlow(sigma_1=0.01)
    model = BFN(ConditionalGaussianNet(flow, scale, rho), 2, flow, cell_inputs=True).to(FLOAT64).eval()
    n = 4000
    known = torch.tensor([[x1, float("nan")]], dtype=FLOAT64).expand(n, 2)
    generator = torch.Generator().manual_seed(0)
    samples = model.sample(
        n, cells=CellMask.given_where_observed(known), n_steps=n_steps, sampler=sampler, generator=generator
    )
    assert torch.equal(samples[:, 0], known[:, 0])  # given cells come back exactly
    mean, var = rho * x1, scale**2 * (1 - rho**2)
    standard_error = math.sqrt(var / n)
    assert samples[:, 1].mean().item() == pytest.approx(mean, abs=4 * standard_error + 2e-3)
    assert samples[:, 1].var().item() == pytest.approx(var, rel=0.1)


def test_conditional_sampling_without_the_given_cell_is_not_the_conditional():
    """The same oracle with nothing given: x2's spread is not the conditional one (the test above can fail)."""
    scale, rho = 0.3, 0.8
    flow = ContinuousFlow(sigma_1=0.01)
    model = BFN(ConditionalGaussianNet(flow, scale, rho), 2, flow, cell_inputs=True).to(FLOAT64).eval()
    known = torch.tensor([[0.25, float("nan")]], dtype=FLOAT64).expand(2000, 2)
    conditioned = model.sample(
        2000,
        cells=CellMask.given_where_observed(known),
        n_steps=50,
        sampler="sde2-lambda",
        generator=torch.Generator().manual_seed(0),
    )
    free = model.sample(
        2000,
        cells=CellMask.given_where_observed(torch.full((2000, 2), float("nan"), dtype=FLOAT64)),
        n_steps=50,
        sampler="sde2-lambda",
        generator=torch.Generator().manual_seed(0),
    )
    assert abs(free[:, 1].mean().item() - conditioned[:, 1].mean().item()) > 0.1


def test_elbo_with_absent_cells_ignores_their_values():
    torch.manual_seed(0)
    flow = ProductFlow([(ContinuousFlow(), 2), (CategoricalFlow(3), 1)])
    net = MLP(flow.input_size((3,)) + 6, flow.output_size((3,)), hidden_layer_sizes=(16,))
    model = BFN(net, 3, flow, cell_inputs=True).eval()
    x = torch.tensor([[0.1, float("nan"), 2.0], [0.1, 0.7, 2.0]])
    cells = CellMask(torch.zeros(2, 3, dtype=torch.bool), torch.tensor([[False, True, False]] * 2), x)
    scores = model.elbo(x, cells=cells, n_draws=8, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(scores).all()
    draws = (torch.rand(1, 8), *(torch.randn(1, 8, 5) for _ in range(3)))
    one = model.elbo(x[:1], cells=cells.rows(slice(0, 1)), draws=draws)
    other = model.elbo(x[1:], cells=cells.rows(slice(1, 2)), draws=draws)
    assert torch.allclose(one, other)
