"""A time shared by every row: the networks embed it once, with the output of a time per row."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from skbfn.core import BFN, ContinuousFlow
from skbfn.core.nets import MLP, UNet
from skbfn.core.shared_time import is_shared_time, shared_time


def _nonzero_output(net: torch.nn.Module) -> torch.nn.Module:
    """The network with random output weights (both networks start from a zero output)."""
    torch.manual_seed(0)
    for module in net.modules():
        if isinstance(module, torch.nn.Linear | torch.nn.Conv2d):
            torch.nn.init.normal_(module.weight, std=0.3)
    return net.eval()


NETWORKS = {
    "mlp": lambda **cond: MLP(3, 5, hidden_layer_sizes=(16, 16), **cond),
    "unet": lambda **cond: UNet(1, channels=(8,), n_groups=4, **cond),
}
SHAPES = {"mlp": (3,), "unet": (1, 4, 4)}


@pytest.mark.parametrize("kind", NETWORKS)
@pytest.mark.parametrize("conditioning", ["none", "classes", "vector"])
@settings(max_examples=10, deadline=None)
@given(value=st.floats(0.0, 1.0), batch=st.integers(2, 9))
def test_a_shared_time_gives_the_output_of_one_time_per_row(kind, conditioning, value, batch):
    options = {"none": {}, "classes": {"n_classes": 3}, "vector": {"n_condition_features": 2}}[conditioning]
    net = _nonzero_output(NETWORKS[kind](**options))
    x = torch.randn(batch, *SHAPES[kind], generator=torch.Generator().manual_seed(batch))
    conditions = [None]
    if conditioning == "classes":
        conditions.append(torch.arange(batch) % 3)
    if conditioning == "vector":
        conditions.append(torch.randn(batch, 2))
    with torch.no_grad():
        for cond in conditions:
            shared = net(x, shared_time(value, batch), cond)
            per_row = net(x, torch.full((batch,), value), cond)
            assert shared.shape == per_row.shape == (batch, *per_row.shape[1:])
            torch.testing.assert_close(shared, per_row, rtol=1e-5, atol=1e-5)
    assert per_row.abs().max() > 0.1  # the outputs compared are not all zero


def test_only_one_element_expanded_over_several_rows_counts_as_shared():
    assert is_shared_time(shared_time(0.5, 3)) and shared_time(0.5, 3).tolist() == [0.5] * 3
    assert not is_shared_time(torch.full((3,), 0.5))  # equal values, stored per row
    assert not is_shared_time(shared_time(0.5, 1))
    assert not is_shared_time(torch.zeros(1, 3).expand(2, 3))  # not a [B] tensor of times
    assert not is_shared_time(torch.cat([shared_time(0.5, 2), shared_time(0.5, 2)]))


@pytest.mark.parametrize("sampler", ["paper", "ode2", "sde2-lambda-late"])
def test_the_samplers_give_every_step_one_shared_time(sampler):
    net = MLP(2, hidden_layer_sizes=(8,))
    model = BFN(net, 2, flow=ContinuousFlow(0.1)).eval()
    seen = []
    forward = net.forward

    def recording(x, t, cond=None, drop=None):
        seen.append(is_shared_time(t))
        return forward(x, t, cond, drop)

    embedded = []
    net.time_embedding.register_forward_pre_hook(lambda module, args: embedded.append(args[0].shape[0]))
    net.forward = recording
    rows = model.sample(6, n_steps=4, sampler=sampler, generator=torch.Generator().manual_seed(0))
    assert rows.shape == (6, 2) and np.isfinite(rows.numpy()).all()
    assert len(seen) >= 5 and all(seen)
    assert embedded == [1] * len(seen)  # each step's time embedded once, not once per row
