"""The fused table flow equals one flow per column: layout, losses, bound, predictions and samples.

:class:`~skbfn.core.TableFlow` runs a table's columns as one part per data type
(:class:`~skbfn.core.flows.DiscretisedColumnsFlow` and
:class:`~skbfn.core.flows.CategoricalColumnsFlow` pad their bins and classes).
A :class:`~skbfn.core.ProductFlow` of one part per column is the reference: same
network inputs and outputs, same noise layout, so the same network and the same
noise must give the same numbers.
"""

from __future__ import annotations

import contextlib
import pickle

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn.core import BFN, CategoricalFlow, CellMask, ContinuousFlow, DiscretisedFlow, ProductFlow, TableFlow
from skbfn.core.flows import CategoricalColumnsFlow, DiscretisedColumnsFlow, quantise
from skbfn.core.nets import MLP

FLOAT64 = torch.float64
column = st.one_of(
    st.just(("continuous", 0)),
    st.tuples(st.just("discretised"), st.integers(2, 9)),
    st.tuples(st.just("categorical"), st.integers(2, 7)),
    # wide enough to pad several narrow columns past what a part of their own costs: parts of similar widths
    st.tuples(st.sampled_from(["discretised", "categorical"]), st.sampled_from([48, 70])),
)
tables = st.lists(column, min_size=1, max_size=7)


def column_flows(kinds, mixed_accuracies: bool = True) -> list:
    return [
        ContinuousFlow(0.02)
        if kind == "continuous"
        else DiscretisedFlow(k, 0.02)
        if kind == "discretised"
        else CategoricalFlow(k, 3.0 if k < 40 or not mixed_accuracies else 1.5)  # another accuracy: another part
        for kind, k in kinds
    ]


def rows(kinds, n: int, generator) -> torch.Tensor:
    columns = []
    for kind, k in kinds:
        u = torch.rand(n, generator=generator, dtype=FLOAT64)
        if kind == "continuous":
            columns.append(u * 1.8 - 0.9)
        elif kind == "discretised":
            columns.append(quantise(u * 2 - 1, k))
        else:
            columns.append(torch.floor(u * k))
    return torch.stack(columns, 1)


def per_column(flow, prediction, kinds) -> list[torch.Tensor]:
    """Each column's output distribution from a prediction: ``x_hat``, or bin / class probabilities ``[B, K]``."""
    found: list = [None] * len(kinds)
    if isinstance(flow, TableFlow):
        pieces = zip(flow.parts, flow.columns, prediction, strict=True)
        for (part, _), columns, pred in pieces:
            for position, j in enumerate(columns):
                if isinstance(part, ContinuousFlow):
                    found[j] = pred[:, position]
                elif isinstance(part, DiscretisedColumnsFlow):
                    found[j] = part.log_bin_masses(pred)[: kinds[j][1], :, position].T.exp()
                else:
                    found[j] = pred[: kinds[j][1], :, position].T.exp()
        return found
    for j, pred in enumerate(prediction):
        found[j] = pred[:, 0] if kinds[j][0] == "continuous" else pred[:, 0].exp()
    return found


def pair(kinds, mixed_accuracies: bool = True):
    flows = column_flows(kinds, mixed_accuracies)
    return TableFlow(flows), ProductFlow([(f, 1) for f in flows])


@settings(deadline=None, max_examples=40)
@given(kinds=tables, seed=st.integers(0, 2**31 - 1))
def test_the_table_flow_gives_the_per_column_flows_numbers(kinds, seed):
    fused, reference = pair(kinds)
    g = torch.Generator().manual_seed(seed)
    n, shape = 6, (len(kinds),)
    assert fused.noise_shape(shape) == reference.noise_shape(shape)
    assert fused.input_size(shape) == reference.input_size(shape)
    assert fused.output_size(shape) == reference.output_size(shape)
    x = rows(kinds, n, g)
    t = torch.rand(n, generator=g, dtype=FLOAT64)
    noise = torch.randn(n, *fused.noise_shape(shape), generator=g, dtype=FLOAT64)
    net_out = 2 * torch.randn(n, fused.output_size(shape), generator=g, dtype=FLOAT64)
    given_cells = torch.rand(n, len(kinds), generator=g) < 0.3
    absent = ~given_cells & (torch.rand(n, len(kinds), generator=g) < 0.3)
    mask = ~given_cells & ~absent
    i = torch.randint(1, 11, (n,), generator=g).to(FLOAT64)

    states = [f.state_from_noise(x, t, noise) for f in (fused, reference)]
    torch.testing.assert_close(*(f.network_input(s, t) for f, s in zip((fused, reference), states, strict=True)))
    states = [f.masked_state(s, x, given_cells, absent) for f, s in zip((fused, reference), states, strict=True)]
    torch.testing.assert_close(*(f.network_input(s, t) for f, s in zip((fused, reference), states, strict=True)))
    predictions = [f.output_prediction(s, t, net_out) for f, s in zip((fused, reference), states, strict=True)]
    for mine, theirs in zip(
        *(per_column(f, p, kinds) for f, p in zip((fused, reference), predictions, strict=True)), strict=True
    ):
        torch.testing.assert_close(mine, theirs)
    for m in (None, mask):
        both = list(zip((fused, reference), predictions, strict=True))
        torch.testing.assert_close(*(f.continuous_time_loss(x, p, t, mask=m) for f, p in both))
        torch.testing.assert_close(*(f.discrete_time_loss(x, p, i, 10, noise, mask=m) for f, p in both))
        torch.testing.assert_close(*(f.reconstruction_loss(x, p, mask=m) for f, p in both))
        torch.testing.assert_close(*(f.control_variate(noise, t, mask=m) for f in (fused, reference)))
        torch.testing.assert_close(*(f.reconstruction_control_variate(noise, mask=m) for f in (fused, reference)))


def test_a_wide_column_gets_a_part_of_its_own_where_it_would_pad_many_narrow_ones():
    kinds = [("categorical", 2), ("categorical", 70), ("categorical", 3), ("discretised", 5), ("categorical", 2)]
    fused, _ = pair(kinds, mixed_accuracies=False)  # one accuracy: split by width alone
    assert fused.columns == ((0, 2, 4), (1,), (3,))
    assert [part.n_classes for part, _ in fused.parts[:2]] == [(2, 3, 2), (70,)]
    narrow = [("categorical", 2), ("categorical", 9), ("categorical", 3)]
    assert pair(narrow)[0].columns == ((0, 1, 2),)  # padding 2 and 3 to 9 costs less than a part
    mixed = pair(kinds)[0]  # the wide column at another accuracy: a part of its own, at that accuracy
    assert mixed.columns == fused.columns and [part.beta_1 for part, _ in mixed.parts[:2]] == [3.0, 1.5]


def test_padded_entries_take_no_probability_and_get_no_gradient():
    kinds = [("categorical", 2), ("discretised", 3), ("categorical", 5), ("discretised", 7)]
    fused, _ = pair(kinds)
    g = torch.Generator().manual_seed(0)
    x, t = rows(kinds, 8, g), torch.rand(8, generator=g, dtype=FLOAT64)
    net_out = torch.randn(8, fused.output_size((4,)), dtype=FLOAT64, generator=g, requires_grad=True)
    state = fused.state_from_noise(x, t, torch.randn(8, fused.noise_shape((4,))[0], generator=g, dtype=FLOAT64))
    prediction = fused.output_prediction(state, t, net_out)
    (categories, classes), (integers, bins) = [
        (part, pred) for (part, _), pred in zip(fused.parts, prediction, strict=True)
    ]
    assert isinstance(categories, CategoricalColumnsFlow) and isinstance(integers, DiscretisedColumnsFlow)
    masses = integers.log_bin_masses(bins).exp()
    assert masses[3:, :, 0].abs().max() == 0 and torch.allclose(masses.sum(0), torch.ones(8, 2, dtype=FLOAT64))
    assert classes.exp()[2:, :, 0].abs().max() == 0 and state[0][2:, :, 0].abs().max() == 0
    loss = fused.continuous_time_loss(x, prediction, t) + fused.reconstruction_loss(x, prediction)
    loss.sum().backward()
    assert torch.isfinite(net_out.grad).all() and net_out.grad.abs().sum() > 0


def model_pair(kinds, **kwargs):
    fused, reference = pair(kinds)
    size = (len(kinds),)
    torch.manual_seed(0)
    net = MLP(fused.input_size(size) + 2 * len(kinds), fused.output_size(size), hidden_layer_sizes=(32,))
    with torch.no_grad():
        net.output_layer.weight.normal_(0, 0.5)  # not the zero start: predictions that vary with the state
    models = [BFN(net, len(kinds), flow=flow, cell_inputs=True, **kwargs).double() for flow in (fused, reference)]
    return models


MIXED = [
    ("categorical", 3),
    ("continuous", 0),
    ("discretised", 5),
    ("categorical", 4),
    ("continuous", 0),
    ("discretised", 8),
    ("categorical", 3),
]


def test_a_bfn_on_the_table_flow_has_the_per_column_losses_and_bound():
    fused, reference = model_pair(MIXED)
    g = torch.Generator().manual_seed(1)
    x = rows(MIXED, 32, g)
    given_cells = torch.rand(32, 7, generator=g) < 0.2
    cells = CellMask(given=given_cells, absent=~given_cells & (torch.rand(32, 7, generator=g) < 0.2), values=x)
    for method, kwargs in [("loss", {}), ("discrete_loss", {"n_loss_steps": 20}), ("reconstruction_loss", {})]:
        mine, theirs = (
            getattr(m, method)(x, cells=cells, generator=torch.Generator().manual_seed(2), **kwargs)
            for m in (fused, reference)
        )
        torch.testing.assert_close(mine, theirs)
    bounds = [
        m.eval().elbo(x, cells=cells, n_draws=8, generator=torch.Generator().manual_seed(3)) for m in (fused, reference)
    ]
    torch.testing.assert_close(*bounds)


@pytest.mark.parametrize("sampler", ["paper", "sde2-lambda", "ode2"])
def test_samples_follow_the_per_column_distributions(sampler):
    """The same network samples the same distribution through either flow (the draws differ: they consume
    the random stream in another order); each column's histogram or mean agrees within sampling error."""
    fused, reference = (m.eval() for m in model_pair(MIXED))
    n = 4000
    draws = [
        m.sample(n, n_steps=12, sampler=sampler, generator=torch.Generator().manual_seed(4)) for m in (fused, reference)
    ]
    for j, (kind, k) in enumerate(MIXED):
        mine, theirs = draws[0][:, j], draws[1][:, j]
        if kind == "continuous":
            assert abs(mine.mean() - theirs.mean()) < 5 * (mine.std() + theirs.std()) / n**0.5
            continue
        values = (
            quantise(torch.linspace(-1, 1, 2 * k + 1, dtype=FLOAT64)[1::2], k)
            if kind == "discretised"
            else (torch.arange(k, dtype=FLOAT64))
        )
        shares = [torch.stack([(d - v).abs().lt(1e-6).double().mean() for v in values]) for d in (mine, theirs)]
        assert torch.allclose(shares[0].sum(), torch.ones((), dtype=FLOAT64))
        assert (shares[0] - shares[1]).abs().max() < 0.05, (j, shares)


def test_a_product_flow_becomes_the_table_flow_with_the_same_network_layout():
    flows = column_flows(MIXED)
    product = ProductFlow(
        [
            (flows[0], 1),
            (flows[1], 1),
            (flows[2], 1),
            (CategoricalColumnsFlow((4,), 3.0), 1),
            (ContinuousFlow(0.02), 1),
            (DiscretisedColumnsFlow((8,), 0.02), 1),
            (flows[6], 1),
        ]
    )
    table = TableFlow.from_product(product)
    assert table.column_flows == tuple(flows)
    assert table.columns == ((0, 3, 6), (1, 4), (2, 5))
    restored = pickle.loads(pickle.dumps(table))
    assert restored.columns == table.columns and repr(restored) == repr(table)


def test_the_estimator_trains_on_one_part_per_type_and_old_pickles_get_it():
    import numpy as np
    import pandas as pd

    from skbfn import BFNGenerator

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], 200)),
            "size": rng.normal(size=200),
            "count": rng.integers(0, 4, 200),
            "shape": pd.Categorical(rng.choice(["a", "b", "c", "d", "e"], 200)),
            "steps": rng.integers(0, 9, 200),
        }
    )
    gen = BFNGenerator(max_iter=3, hidden_layer_sizes=(16,), n_elbo_draws=8, random_state=0).fit(X)
    flow = gen.model_.flow
    kinds = [type(part) for part, _ in flow.parts]
    assert sorted(kinds, key=str) == sorted([CategoricalColumnsFlow, ContinuousFlow, DiscretisedColumnsFlow], key=str)
    scores = gen.score_samples(X.head(5))
    # a pickle written before the fused flows held the per-run product flow; loading fuses it
    for model in (gen.model_, gen.ema_.module):
        model.flow = ProductFlow([(f, 1) for f in flow.column_flows])
    restored = pickle.loads(pickle.dumps(gen))
    assert isinstance(restored.model_.flow, TableFlow) and isinstance(restored.ema_.module.flow, TableFlow)
    np.testing.assert_allclose(restored.score_samples(X.head(5)), scores, rtol=1e-5)


@pytest.mark.parametrize("bad", [(), (1, 3), (3, 0)])
def test_columns_flows_refuse_fewer_than_two_bins_or_classes(bad):
    with pytest.raises(ValueError, match="at least 2"):
        DiscretisedColumnsFlow(bad)
    with pytest.raises(ValueError, match="at least 2"):
        CategoricalColumnsFlow(bad)


def test_compiled_flows_give_the_eager_losses_and_gradients_and_are_never_pickled():
    """Traced by torch.compile with the 'aot_eager' backend (no C++ compiler needed): the same numbers."""
    from skbfn.core.flows import compiled_flows

    fused, _ = model_pair(MIXED)
    x = rows(MIXED, 16, torch.Generator().manual_seed(5))
    results = []
    for compiled in (False, True):
        fused.zero_grad(set_to_none=True)
        with compiled_flows(backend="aot_eager") if compiled else contextlib.nullcontext():
            loss = fused.loss(x, generator=torch.Generator().manual_seed(6))
            loss.sum().backward()
        results.append((loss.detach(), fused.net.output_layer.weight.grad.clone()))
    for eager, traced in zip(*results, strict=True):
        torch.testing.assert_close(traced, eager)
    cached = [key for key in fused.flow._tensors if key[0] == "compiled"]
    assert cached  # compiled inside the block, kept for the next call
    restored = pickle.loads(pickle.dumps(fused.flow))
    assert not any(key[0] == "compiled" for key in restored._tensors)
