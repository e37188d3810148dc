"""The compiled training loss (flows and network in one graph) gives the eager draws, losses and gradients.

``compiled_training`` compiles :meth:`BFN.loss` and :meth:`BFN.discrete_loss`
after their draws, so the generator must end where the eager loss leaves it,
and the loss and every gradient must be the eager ones. The 'aot_eager'
backend traces the same graph as inductor without generating code; one test
compiles with inductor on the CPU (it needs a C++ compiler), one with CUDA
graphs on a GPU.
"""

from __future__ import annotations

import contextlib
import copy
import pickle
import shutil

import numpy as np
import pytest
import torch

from skbfn import BFNGenerator
from skbfn.core import BFN, CategoricalFlow, CellMask, ContinuousFlow, DiscretisedFlow, TableFlow, random_cell_mask
from skbfn.core.compiled_training import compiled_training, training_graph
from skbfn.core.nets import MLP

COLUMNS = [ContinuousFlow(0.02), CategoricalFlow(3), DiscretisedFlow(5, 0.02), ContinuousFlow(0.02), CategoricalFlow(4)]


def table_model(n_classes: int = 3) -> BFN:
    torch.manual_seed(0)
    flow = TableFlow(COLUMNS)
    net = MLP(flow.input_size((5,)) + 10, flow.output_size((5,)), hidden_layer_sizes=(32, 32), n_classes=n_classes)
    with torch.no_grad():
        net.output_layer.weight.normal_(0, 0.5)  # not the zero start: gradients through every flow
    return BFN(net, 5, flow=flow, cond_drop_prob=0.3, cell_inputs=True).train()


def table_rows(n: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(1)
    u = torch.rand(n, 5, generator=g)
    x = torch.stack([u[:, 0] * 1.8 - 0.9, (u[:, 1] * 3).floor(), (u[:, 2] * 5).floor() * 0.4 - 0.8, u[:, 3] - 0.5], 1)
    x = torch.cat([x, (u[:, 4:] * 4).floor()], 1)
    x[::7, 3] = torch.nan  # missing cells: absent
    return x


def loss_and_gradients(model, x, labels, discrete: bool, context=None):
    model.zero_grad(set_to_none=True)
    generator = torch.Generator(device=x.device).manual_seed(2)
    cells = random_cell_mask(x, 0.5, generator=generator)
    with context if context is not None else contextlib.nullcontext():
        if discrete:
            loss = model.discrete_loss(x, labels, n_loss_steps=20, cells=cells, generator=generator)
        else:
            loss = model.loss(x, labels, cells=cells, generator=generator)
    loss.mean().backward()
    after = torch.rand(3, generator=generator, device=x.device)  # where the draws left the generator
    gradients = [p.grad.clone() for p in model.parameters() if p.grad is not None]
    return loss.detach(), gradients, after


@pytest.mark.parametrize("discrete", [False, True])
@pytest.mark.parametrize("conditioned", [False, True])
def test_traced_loss_gives_the_eager_draws_loss_and_gradients(discrete, conditioned):
    model = table_model()  # the same weights as the eager model's, but flows whose tensor caches are still empty
    x = table_rows(48)
    labels = torch.arange(48) % 3 if conditioned else None
    eager = loss_and_gradients(table_model(), x, labels, discrete)
    graphs = []

    def recording(graph, example_inputs):  # a backend that keeps what it is given and runs it as traced
        graphs.append(graph)
        return graph.forward

    traced = loss_and_gradients(model, x, labels, discrete, compiled_training(backend=recording))
    again = loss_and_gradients(model, x, labels, discrete, compiled_training(backend=recording))
    assert len(graphs) == 1  # the flows and the network in one graph, no break, traced once for both calls
    torch.testing.assert_close(again[0], traced[0])
    torch.testing.assert_close(traced[0], eager[0])
    assert len(traced[1]) == len(eager[1]) > 0
    for got, expected in zip(traced[1], eager[1], strict=True):
        torch.testing.assert_close(got, expected)
    torch.testing.assert_close(traced[2], eager[2], rtol=0, atol=0)  # the same draws, in the same order


def test_outside_the_block_the_loss_runs_eagerly_and_nothing_is_kept_on_the_model():
    model = table_model()
    attributes = set(vars(model))
    with compiled_training(backend="aot_eager"):
        inside = training_graph(model, "_continuous_loss")
        loss_and_gradients(model, table_rows(16), None, discrete=False, context=compiled_training(backend="aot_eager"))
    assert inside != model._continuous_loss  # a compiled function inside the block
    assert training_graph(model, "_continuous_loss") == model._continuous_loss  # the method itself outside
    assert set(vars(model)) == attributes  # the compiled code lives beside the model
    restored, copied = pickle.loads(pickle.dumps(model)), copy.deepcopy(model)
    x = table_rows(8)
    cells = CellMask.absent_where_missing(x)
    expected = model.loss(x, cells=cells, generator=torch.Generator().manual_seed(0)).detach()
    for other in (restored, copied):
        got = other.loss(x, cells=cells, generator=torch.Generator().manual_seed(0)).detach()
        torch.testing.assert_close(got, expected)


def test_fit_inside_the_block_equals_the_eager_fit():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=200), rng.integers(0, 3, 200), rng.normal(size=200)])
    params = dict(max_iter=15, batch_size=64, random_state=0)
    eager = BFNGenerator(**params).fit(X)
    with compiled_training(backend="aot_eager"):
        traced = BFNGenerator(**params).fit(X)
    for got, expected in zip(traced.model_.parameters(), eager.model_.parameters(), strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(traced.score_samples(X[:20]), eager.score_samples(X[:20]), rtol=1e-4, atol=1e-4)


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("c++") is None, reason="inductor needs a C++ compiler")
def test_inductor_compiles_the_loss_on_the_cpu():
    model = table_model()
    x = table_rows(64)
    labels = torch.arange(64) % 3
    eager = loss_and_gradients(model, x, labels, discrete=False)
    compiled = loss_and_gradients(model, x, labels, discrete=False, context=compiled_training())
    torch.testing.assert_close(compiled[0], eager[0], rtol=1e-4, atol=1e-5)
    for got, expected in zip(compiled[1], eager[1], strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-3, atol=1e-5)
    torch.testing.assert_close(compiled[2], eager[2], rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_graphs_compile_the_loss_on_a_gpu():
    model = table_model().cuda()
    x = table_rows(64).cuda()
    eager = loss_and_gradients(model, x, torch.arange(64, device="cuda") % 3, discrete=False)
    for _ in range(3):  # CUDA graphs record after warm-up calls
        labels = torch.arange(64, device="cuda") % 3
        compiled = loss_and_gradients(
            model, x, labels, discrete=False, context=compiled_training(mode="reduce-overhead")
        )
    torch.testing.assert_close(compiled[0], eager[0], rtol=1e-4, atol=1e-5)
    for got, expected in zip(compiled[1], eager[1], strict=True):
        torch.testing.assert_close(got, expected, rtol=1e-3, atol=1e-5)
