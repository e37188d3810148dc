"""The UNet, the image adapter, and bf16 autocast of the network in the core."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from skbfn.core import BFN, CategoricalFlow, ContinuousFlow, DiscretisedFlow
from skbfn.core.nets import ImageNetwork, UNet, count_parameters


def randomise(net: nn.Module, seed: int = 0) -> nn.Module:
    """Give every parameter random values (the zero-initialised outputs would hide bugs)."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=generator) * 0.2)
    return net


@pytest.mark.parametrize(
    ("channels", "size"), [((8,), (5, 7)), ((8, 16), (8, 8)), ((8, 16, 16), (8, 12)), ((8, 16), (16, 4))]
)
def test_unet_keeps_the_image_size_for_any_size_its_levels_divide(channels, size):
    net = UNet(3, 5, channels=channels, n_groups=4)
    out = net(torch.randn(2, 3, *size), torch.rand(2))
    assert out.shape == (2, 5, *size)


def test_unet_refuses_sizes_its_levels_do_not_divide():
    net = UNet(1, channels=(8, 16, 16))
    with pytest.raises(ValueError, match="divisible by 4"):
        net(torch.randn(2, 1, 6, 8), torch.rand(2))
    with pytest.raises(ValueError, match=r"\[B, C, H, W\]"):
        net(torch.randn(2, 64), torch.rand(2))


def test_unet_starts_as_the_zero_function():
    net = UNet(2, channels=(8, 16), n_classes=3)
    assert torch.count_nonzero(net(torch.randn(4, 2, 8, 8), torch.rand(4), torch.tensor([0, 1, 2, 0]))) == 0


def test_unet_class_conditioning_and_the_null_class():
    net = randomise(UNet(1, channels=(8, 16), n_classes=3)).eval()
    x, t = torch.randn(3, 1, 8, 8), torch.rand(3)
    labels = torch.tensor([0, 1, 2])
    conditional = net(x, t, labels)
    assert not torch.allclose(conditional, net(x, t, torch.tensor([1, 2, 0])))
    null = net(x, t)  # no condition: the null class for every row
    dropped = net(x, t, labels, torch.tensor([True, False, True]))
    torch.testing.assert_close(dropped[[0, 2]], null[[0, 2]])
    torch.testing.assert_close(dropped[1], conditional[1])


def test_unet_vector_conditioning():
    net = randomise(UNet(1, channels=(8,), n_condition_features=2)).eval()
    x, t = torch.randn(2, 1, 4, 4), torch.rand(2)
    a = net(x, t, torch.tensor([[0.0, 1.0], [0.0, 1.0]]))
    b = net(x, t, torch.tensor([[1.0, 0.0], [1.0, 0.0]]))
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="at most one"):
        UNet(1, n_classes=2, n_condition_features=2)


def test_unconditional_unet_refuses_a_condition():
    net = UNet(1, channels=(8,))
    with pytest.raises(ValueError, match="without conditioning"):
        net(torch.randn(2, 1, 4, 4), torch.rand(2), torch.tensor([0, 1]))


def test_unet_rows_do_not_interact():
    """Each image's output depends on that image alone (no batch statistics)."""
    net = randomise(UNet(1, channels=(8, 16), n_classes=2)).eval()
    x, t, c = torch.randn(4, 1, 8, 8), torch.rand(4), torch.tensor([0, 1, 1, 0])
    together = net(x, t, c)
    alone = torch.cat([net(x[i : i + 1], t[i : i + 1], c[i : i + 1]) for i in range(4)])
    torch.testing.assert_close(together, alone, rtol=1e-4, atol=1e-5)


def test_unet_attention_is_optional_and_counted():
    with_attention = UNet(1, channels=(8, 16))
    without = UNet(1, channels=(8, 16), attention=False)
    assert count_parameters(with_attention) > count_parameters(without) > 0
    frozen = UNet(1, channels=(8, 16)).requires_grad_(False)
    assert count_parameters(frozen) == 0
    assert count_parameters(frozen, trainable_only=False) == count_parameters(with_attention)


class Rearranger(nn.Module):
    """An image network that copies input channels to output channels by a fixed map."""

    def __init__(self, source_channels: list[int]):
        super().__init__()
        self.source_channels = source_channels
        self.weight = nn.Parameter(torch.zeros(1))

    def forward(self, images, t, cond=None, drop=None):
        return images[:, self.source_channels]


@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3))
@settings(max_examples=30)
def test_image_network_folds_per_value_parameters_into_channels(c, h, w, k):
    """Flat ``b (c h w k)`` goes to ``b (c k) h w`` and back: the identity network gives the identity."""
    n = c * h * w * k
    net = ImageNetwork(Rearranger(list(range(c * k))), (c, h, w), n, n)
    x = torch.randn(2, n)
    torch.testing.assert_close(net(x, torch.rand(2)), x)
    # and the layout is the flow's [B, C, H, W, k]: channel c*k + j of the image holds parameter j of channel c
    images = torch.randn(2, c, h, w, k)
    seen = {}

    class Spy(nn.Module):
        def forward(self, images_in, t, cond=None, drop=None):
            seen["images"] = images_in
            return images_in

    ImageNetwork(Spy(), (c, h, w), n, n)(images, torch.rand(2))
    for channel in range(c):
        for j in range(k):
            torch.testing.assert_close(seen["images"][:, channel * k + j], images[:, channel, :, :, j])


def test_image_network_refuses_sizes_that_do_not_split_over_pixels():
    with pytest.raises(ValueError, match="do not split evenly"):
        ImageNetwork(UNet(1), (1, 4, 4), 16, 20)
    with pytest.raises(ValueError, match=r"\(C, H, W\)"):
        ImageNetwork(UNet(1), (4, 4), 16, 16)


@pytest.mark.parametrize(
    ("flow", "shape"),
    [(ContinuousFlow(), (1, 8, 8)), (DiscretisedFlow(17), (1, 8, 8)), (CategoricalFlow(3), (2, 4, 4))],
)
def test_bfn_trains_a_unet_on_image_tensors_of_every_data_type(flow, shape):
    n_in, n_out = flow.input_size(shape), flow.output_size(shape)
    n_pixels = shape[0] * shape[1] * shape[2]
    unet = UNet(shape[0] * n_in // n_pixels, shape[0] * n_out // n_pixels, channels=(8, 16), n_classes=2)
    model = BFN(ImageNetwork(unet, shape, n_in, n_out), shape, flow=flow, cond_drop_prob=0.5)
    if isinstance(flow, CategoricalFlow):
        x = torch.randint(0, 3, (6, *shape)).float()
    else:
        x = torch.rand(6, *shape) * 1.6 - 0.8
    cond = torch.tensor([0, 1, 0, 1, 0, 1])
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss = model.loss(x, cond).mean()
    loss.backward()
    optimiser.step()
    assert torch.isfinite(loss)
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in unet.parameters())
    model.eval()
    samples = model.sample(3, cond[:3], n_steps=3, sampler="sde2-lambda", guidance_scale=2.0)
    assert samples.shape == (3, *shape)
    assert torch.isfinite(model.elbo(x[:2], cond[:2], n_draws=2)).all()


def test_channels_last_gives_the_same_outputs():
    shape = (1, 8, 8)
    unet = randomise(UNet(1, 2, channels=(8, 16)))
    x, t = torch.randn(3, 64), torch.rand(3)
    plain = ImageNetwork(unet, shape, 64, 128)(x, t)
    fast = ImageNetwork(unet.to(memory_format=torch.channels_last), shape, 64, 128, channels_last=True)(x, t)
    torch.testing.assert_close(fast, plain, rtol=1e-4, atol=1e-5)


def test_bfloat16_autocast_runs_only_the_network_in_bf16():
    """The network sees bf16 (on CPU too, where torch supports it); the loss stays float32 and close."""
    torch.manual_seed(0)
    shape = (1, 8, 8)
    flow = DiscretisedFlow(17)
    unet = randomise(UNet(1, 2, channels=(8, 16)))
    net = ImageNetwork(unet, shape, 64, 128)
    dtypes = []
    unet.output_conv.register_forward_hook(lambda module, inputs, output: dtypes.append(output.dtype))
    x = torch.rand(8, *shape) * 1.6 - 0.8
    plain = BFN(net, shape, flow=flow)
    fast = BFN(net, shape, flow=flow, autocast_dtype=torch.bfloat16)
    loss_plain = plain.loss(x, generator=torch.Generator().manual_seed(1))
    loss_fast = fast.loss(x, generator=torch.Generator().manual_seed(1))
    assert dtypes == [torch.float32, torch.bfloat16]
    assert loss_fast.dtype == torch.float32
    torch.testing.assert_close(loss_fast, loss_plain, rtol=0.1, atol=0.5)
    assert not torch.equal(loss_fast, loss_plain)
