"""Scoring draws: a control variate that keeps the bound unbiased, and quasi-random points that belong to a row."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracles import GaussianPosteriorNet
from scipy import stats

from skbfn._inference.scoring import recon_draw_count, row_draws, row_keys
from skbfn.core import BFN, CategoricalFlow, ContinuousFlow, DiscretisedFlow, ProductFlow


def numpy_draws(*args, **kwargs) -> dict[str, np.ndarray | None]:
    """:func:`row_draws` as NumPy arrays."""
    return {name: None if draws is None else draws.cpu().numpy() for name, draws in row_draws(*args, **kwargs).items()}


FLOAT64 = torch.float64


@pytest.mark.parametrize("t_value", [None, 0.05, 0.5, 1.0])
def test_control_variate_has_mean_zero(t_value):
    """-ln(sigma_1) gamma(t) sum(eps^2 - 1) averages to 0 over the flow noise, at any time."""
    flow = ContinuousFlow(sigma_1=0.01)
    generator = torch.Generator().manual_seed(0)
    n = 400_000
    t = (
        torch.rand(n, generator=generator, dtype=FLOAT64)
        if t_value is None
        else torch.full((n,), t_value, dtype=FLOAT64)
    )
    values = flow.control_variate(torch.randn(n, 3, generator=generator, dtype=FLOAT64), t)
    assert abs(values.mean().item()) < 4 * values.std().item() / math.sqrt(n)
    assert values.std().item() > 1.0  # it is not zero: it carries the chi-squared noise


@pytest.mark.parametrize(("t_low", "most_spread"), [(0.0, 0.9), (0.7, 0.3)])
def test_control_variate_keeps_the_bound_and_cuts_its_noise(t_low, most_spread):
    """With the exact denoiser of Gaussian data, subtracting the statistic leaves the mean and cuts the spread:
    somewhat over all times, and by far once the flow has resolved the data (late t)."""
    flow = ContinuousFlow(sigma_1=0.01)
    model = BFN(GaussianPosteriorNet(flow, 0.2), data_shape=2, flow=flow).double().eval()
    generator = torch.Generator().manual_seed(1)
    n = 100_000
    x = torch.tensor([[0.1, -0.3]], dtype=FLOAT64).expand(n, 2)
    t = t_low + (1 - t_low) * torch.rand(n, 1, generator=generator, dtype=FLOAT64)
    noise, recon, sender = (torch.randn(n, 1, 2, generator=generator, dtype=FLOAT64) for _ in range(3))
    with_variate = model.elbo(x, draws=(t, noise, recon, sender))
    without = with_variate - flow.control_variate(noise[:, 0], t[:, 0])  # elbo = -(loss - variate) - recon
    difference = (with_variate - without).mean().item()
    assert abs(difference) < 4 * (with_variate - without).std().item() / math.sqrt(n)
    assert with_variate.std().item() < most_spread * without.std().item()


def test_reconstruction_control_variate_has_mean_zero():
    flow = ContinuousFlow(sigma_1=0.01)
    n = 400_000
    values = flow.reconstruction_control_variate(torch.randn(n, 3, generator=torch.Generator().manual_seed(3)))
    assert abs(values.mean().item()) < 4 * values.std().item() / math.sqrt(n)
    assert values.std().item() > 1.0  # it carries the chi-squared noise


def test_reconstruction_control_variate_keeps_the_bound_and_cuts_its_noise():
    """With the exact denoiser of Gaussian data spread far wider than sigma_1, the statistic leaves the mean of
    the reconstruction term and removes most of its spread."""
    flow = ContinuousFlow(sigma_1=0.01)
    model = BFN(GaussianPosteriorNet(flow, 0.2), data_shape=2, flow=flow).double().eval()
    generator = torch.Generator().manual_seed(4)
    n = 100_000
    x = torch.tensor([[0.1, -0.3]], dtype=FLOAT64).expand(n, 2)
    t = torch.rand(n, 1, generator=generator, dtype=FLOAT64)
    noise, recon, sender = (torch.randn(n, 1, 2, generator=generator, dtype=FLOAT64) for _ in range(3))
    with_variate = model.elbo(x, draws=(t, noise, recon, sender))
    without = with_variate - flow.reconstruction_control_variate(recon[:, 0])  # elbo = -(... + recon - variate)
    difference = with_variate - without
    assert abs(difference.mean().item()) < 4 * difference.std().item() / math.sqrt(n)
    recon_only = model.elbo(
        x, draws=(torch.ones(n, 1, dtype=FLOAT64), torch.zeros(n, 1, 2, dtype=FLOAT64), recon, sender)
    )
    recon_without = recon_only - flow.reconstruction_control_variate(recon[:, 0])
    assert recon_only.std().item() < 0.1 * recon_without.std().item()


@pytest.mark.parametrize(
    "variate",
    [
        lambda flow, noise, t, mask: flow.control_variate(noise, t, mask=mask),
        lambda flow, noise, t, mask: flow.reconstruction_control_variate(noise, mask=mask),
    ],
    ids=["diffusion", "reconstruction"],
)
def test_product_flow_control_variates_are_the_sums_of_their_continuous_parts(variate):
    parts = [
        (ContinuousFlow(0.01), 2),
        (CategoricalFlow(3), 1),
        (DiscretisedFlow(5, 0.02), 1),
        (ContinuousFlow(0.1), 1),
    ]
    flow = ProductFlow(parts)
    generator = torch.Generator().manual_seed(2)
    noise = torch.randn(6, flow.noise_shape((5,))[0], generator=generator)
    t = torch.rand(6, generator=generator)
    mask = torch.rand(6, 5, generator=generator) > 0.3
    expected = variate(parts[0][0], noise[:, :2], t, mask[:, :2]) + variate(parts[3][0], noise[:, -1:], t, mask[:, -1:])
    assert expected.abs().sum() > 0
    torch.testing.assert_close(variate(flow, noise, t, mask), expected)


rows_strategy = st.integers(1, 6).flatmap(
    lambda n_columns: st.lists(
        st.lists(st.floats(-5, 5, width=32) | st.just(float("nan")), min_size=n_columns, max_size=n_columns),
        min_size=2,
        max_size=8,
    )
)


@settings(deadline=None, max_examples=40)
@given(rows=rows_strategy, seed=st.integers(0, 2**31 - 1), log_draws=st.integers(2, 7))
def test_a_rows_draws_depend_on_that_row_alone(rows, seed, log_draws):
    """Reordering rows, or scoring a row with others, leaves its draws unchanged; equal rows get equal draws."""
    rows = np.asarray(rows, dtype=np.float32)
    n_draws = 2**log_draws
    widths = np.linspace(0.0, 0.3, rows.shape[1]).astype(np.float32)
    together = numpy_draws(rows, n_draws, 3, seed, sender=True, dequantisation_widths=widths)
    order = np.random.default_rng(seed).permutation(len(rows))
    shuffled = numpy_draws(rows[order], n_draws, 3, seed, sender=True, dequantisation_widths=widths)
    alone = numpy_draws(rows[:1], n_draws, 3, seed, sender=True, dequantisation_widths=widths)
    for name, all_rows in together.items():
        np.testing.assert_array_equal(all_rows[order], shuffled[name])
        np.testing.assert_array_equal(all_rows[:1], alone[name])
    assert (np.abs(together["offsets"]) <= widths / 2).all() and (together["offsets"][..., 0] == 0).all()
    keys = row_keys(rows, seed)
    same = (rows[:, None] == rows[None]) | (np.isnan(rows[:, None]) & np.isnan(rows[None]))
    assert np.array_equal(keys[:, None] == keys[None], same.all(-1))
    assert together["recon_noise"].shape == (len(rows), recon_draw_count(n_draws), 3)


@settings(deadline=None, max_examples=40)
@given(row=st.lists(st.floats(-5, 5, width=32), min_size=1, max_size=5), seed=st.integers(0, 2**31 - 1))
def test_each_rows_times_and_noises_are_balanced_point_sets(row, seed):
    """A digitally shifted Sobol set of 2^m points puts exactly one time in each of 2^m strata, per row,
    and each noise coordinate's uniforms fall one per stratum too (so its normal draws are stratified)."""
    draws = numpy_draws(np.asarray([row], dtype=np.float32), 64, 2, seed)
    times, noise = draws["times"], draws["noise"]
    assert np.array_equal(np.sort(np.floor(times[0] * 64)), np.arange(64))
    uniforms = stats.norm.cdf(noise[0])
    for coordinate in range(2):
        assert np.array_equal(np.sort(np.floor(uniforms[:, coordinate] * 64)), np.arange(64))


def test_draws_are_uniform_and_normal_across_rows():
    """Over many rows, each coordinate is uniform (times) or standard normal (noises): the estimate is unbiased."""
    rows = np.random.default_rng(0).normal(size=(3000, 2)).astype(np.float32)
    draws = numpy_draws(rows, 4, 2, seed=5, sender=True, dequantisation_widths=np.array([1.0, 0.0], np.float32))
    assert stats.kstest(draws["times"][:, 1], "uniform").pvalue > 1e-3
    assert stats.kstest(draws["offsets"][:, 2, 0] + 0.5, "uniform").pvalue > 1e-3
    for name in ("noise", "recon_noise", "sender_noise"):
        assert stats.kstest(draws[name][:, 0, 1], "norm").pvalue > 1e-3
    noise = draws["noise"]
    assert abs(np.corrcoef(noise[:, 0, 0], noise[:, 0, 1])[0, 1]) < 0.1
    assert not np.array_equal(numpy_draws(rows[:5], 4, 2, seed=6)["times"], draws["times"][:5])  # the seed matters


def test_dequantisation_offsets_move_each_draws_row():
    """With one draw per row, the bound with offsets u is the bound of x + u (diffusion and reconstruction)."""
    flow = ContinuousFlow(sigma_1=0.02)
    model = BFN(GaussianPosteriorNet(flow, 0.3), data_shape=2, flow=flow).double().eval()
    generator = torch.Generator().manual_seed(3)
    x = torch.rand(6, 2, generator=generator, dtype=FLOAT64) - 0.5
    u = (torch.rand(6, 1, 2, generator=generator, dtype=FLOAT64) - 0.5) * 0.1
    draws = (torch.rand(6, 1, generator=generator, dtype=FLOAT64),)
    draws += tuple(torch.randn(6, 1, 2, generator=generator, dtype=FLOAT64) for _ in range(3))
    moved = model.elbo(x, draws=draws, dequantisation=(u, u))
    torch.testing.assert_close(moved, model.elbo(x + u[:, 0], draws=draws))
    assert not torch.allclose(moved, model.elbo(x, draws=draws))


def test_the_reconstruction_term_gets_one_draw_in_sixteen_or_the_share_its_model_was_fitted_with(monkeypatch):
    """A new fit records a divisor of 16 (8 of 128 draws); a model fitted when the term had a quarter keeps
    it, so that it scores as it did; refitting it, or training's validation bound, uses today's."""
    import skbfn._inference.scoring as scoring
    from skbfn import BFNGenerator
    from skbfn._formats import upgrade_generator_state
    from skbfn._model.config import TrainingConfig

    assert (recon_draw_count(128), recon_draw_count(128, 4), recon_draw_count(7), recon_draw_count(7, 4)) == (
        8,
        32,
        1,
        1,
    )
    X = np.random.default_rng(0).normal(size=(120, 2))
    gen = BFNGenerator(hidden_layer_sizes=(16,), max_iter=20, n_elbo_draws=64, random_state=0).fit(X)
    assert gen.reconstruction_divisor_ == 16
    seen = []

    def recording(*args, **kwargs):
        draws = row_draws(*args, **kwargs)
        seen.append(draws["recon_noise"].shape[1])
        return draws

    monkeypatch.setattr(scoring, "row_draws", recording)
    today = gen.score_samples(X[:5])
    assert set(seen) == {4}
    before = upgrade_generator_state({k: v for k, v in vars(gen).items() if k != "reconstruction_divisor_"})
    assert before["reconstruction_divisor_"] == 4
    gen.__dict__.update(before)
    seen.clear()
    as_before = gen.score_samples(X[:5])
    assert set(seen) == {16} and not np.array_equal(today, as_before)
    assert np.abs(today - as_before).max() < 1.0  # the same bound, other draws
    assert TrainingConfig.of(gen, encoder=gen.encoder_).bound.reconstruction_divisor == 16
    assert gen.fit(X).reconstruction_divisor_ == 16


def test_the_rows_scored_per_call_are_a_matter_of_speed_alone(monkeypatch):
    """On a CPU a scoring call runs at most NETWORK_ROWS network rows (its tensors then stay in the
    caches), on CUDA as many as its element budget allows; a row's score does not change with the
    number of rows scored per call, down to one."""
    import skbfn._inference.scoring as scoring
    from skbfn import BFNGenerator
    from skbfn._device import NETWORK_ROWS

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert scoring.rows_per_call(cpu, 128, 4) == NETWORK_ROWS["cpu"] // 128
    assert scoring.rows_per_call(cpu, 128, 200) == 2**19 // (128 * 200)  # the element budget binds first
    assert scoring.rows_per_call(cpu, 2 * NETWORK_ROWS["cpu"], 4) == 1
    assert scoring.rows_per_call(cuda, 128, 4) == 8192  # the row cap, not the CPU's network rows
    X = np.random.default_rng(0).normal(size=(150, 3))
    gen = BFNGenerator(hidden_layer_sizes=(16,), max_iter=20, n_elbo_draws=16, random_state=0).fit(X)
    many = gen.score_samples(X[:40])
    assert scoring.rows_per_call(cpu, 16, 3) >= 40  # all 40 rows in one call
    monkeypatch.setitem(scoring._MAX_NETWORK_ROWS_PER_CALL, "cpu", 16)
    assert scoring.rows_per_call(cpu, 16, 3) == 1
    np.testing.assert_allclose(gen.score_samples(X[:40]), many, rtol=1e-5, atol=1e-5)
