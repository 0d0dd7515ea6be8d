"""The batched masked MLP: init (Eq. 9), per-model independence, LayerNorm, dense gradient."""

import numpy as np
import pytest
import torch
from torch import nn

from psn.model import BatchedMLP, derive_seed, init_std, init_weight, stack_masks
from psn.model.init import DEFAULT_INIT

SIZES = [40, 64, 48, 5]


def _masks(k, density=0.25, seed=0):
    rng = np.random.default_rng(seed)
    return [[rng.random((SIZES[i + 1], SIZES[i])) < density for i in range(2)] for _ in range(k)]


def test_derive_seed_is_stable_and_separates_purposes():
    assert derive_seed(42, "init", 0) == derive_seed(42, "init", 0)
    seeds = {derive_seed(42, "init", 0), derive_seed(42, "data", 0), derive_seed(42, "init", 1),
             derive_seed(123, "init", 0)}
    assert len(seeds) == 4
    assert 0 <= derive_seed(2**40, "x") < 2**63


def test_stack_masks_shapes_and_dense_defaults():
    m = _masks(2)
    stacked = stack_masks([m[0], None], SIZES, 2)
    assert stacked[0].shape == (2, 64, 40) and stacked[0].dtype == torch.bool
    assert stacked[0][1].all()  # the dense model
    assert stack_masks(None, SIZES, 3) == [None, None]
    with pytest.raises(ValueError):
        stack_masks([[np.ones((3, 3), bool), None]], SIZES, 1)


def test_init_masked_zero_and_mean_fan_in_std():
    n_out, n_in = 512, 400
    mask = torch.rand(n_out, n_in, generator=torch.Generator().manual_seed(0)) < 0.1
    w = init_weight(n_out, n_in, mask, seed=7, layer=0, init="mean_fan_in")
    assert (w[~mask] == 0).all()
    density = mask.float().mean().item()
    expected = (2.0 / (density * n_in)) ** 0.5  # Eq. 9
    assert w[mask].std().item() == pytest.approx(expected, rel=0.03)


def test_init_per_neuron_scales_rows_by_own_fan_in():
    n_out, n_in = 256, 300
    fan = torch.linspace(5, 300, n_out).long()
    mask = torch.arange(n_in)[None, :] < fan[:, None]
    w = init_weight(n_out, n_in, mask, seed=1, layer=0, init="per_neuron")
    # row variance * fan-in = 2 on average (rows are the neurons)
    row_var = (w**2).sum(1) / fan
    assert (row_var * fan).mean().item() == pytest.approx(2.0, rel=0.05)
    with pytest.raises(ValueError):
        init_weight(4, 4, None, 0, 0, init="xavier")


def test_init_std_by_hand():
    mask = torch.tensor([[1, 1, 1, 1], [1, 0, 0, 0], [0, 0, 0, 0]], dtype=torch.bool)
    # Eq. 9: 5 active of 3 x 4, mean fan-in 5/3, sigma^2 = 2 / (5/3)
    assert init_std(mask, 4, "mean_fan_in") == pytest.approx((2 / (5 / 3)) ** 0.5)
    # per neuron: sigma_i^2 = 2 / f_i, one row each; the empty row counts as f = 1
    per_row = init_std(mask, 4, "per_neuron")
    assert per_row.shape == (3, 1)
    torch.testing.assert_close(per_row[:, 0], torch.tensor([(2 / 4) ** 0.5, 2**0.5, 2**0.5]))
    assert init_std(None, 50, "mean_fan_in") == init_std(None, 50, "per_neuron") == pytest.approx(0.2)
    # the default, PyTorch's: the std of U(-1/sqrt(n_in), 1/sqrt(n_in)), whatever the mask
    assert init_std(mask, 4) == init_std(None, 4) == pytest.approx((1 / 12) ** 0.5)
    with pytest.raises(ValueError, match="xavier"):
        init_std(mask, 4, "xavier")


@pytest.mark.parametrize("init", ["mean_fan_in", "per_neuron", "dense_fan_in"])
def test_init_weight_is_one_draw_scaled_by_init_std(init):
    mask = torch.rand(20, 30, generator=torch.Generator().manual_seed(4)) < 0.3
    gen = torch.Generator().manual_seed(derive_seed(9, "init", 2))
    expected = torch.randn(20, 30, generator=gen) * init_std(mask, 30, init) * mask
    assert torch.equal(init_weight(20, 30, mask, seed=9, layer=2, init=init), expected)


def test_init_scale_readings():
    """Eq. 9 scales a masked layer up by 1/sqrt(density); the dense-fan-in reading does not;
    PyTorch's default draws U(-1/sqrt(n_in), 1/sqrt(n_in)) for weights and biases alike."""
    n_out, n_in = 600, 500
    mask = torch.rand(n_out, n_in, generator=torch.Generator().manual_seed(2)) < 0.1
    eq9 = init_weight(n_out, n_in, mask, 5, 0, init="mean_fan_in")
    dense = init_weight(n_out, n_in, mask, 5, 0, init="dense_fan_in")
    assert dense[mask].std().item() == pytest.approx((2 / n_in) ** 0.5, rel=0.03)
    ratio = (eq9[mask].std() / dense[mask].std()).item()
    assert ratio == pytest.approx(mask.float().mean().item() ** -0.5, rel=1e-5)  # ~3.2 at 90%
    torch_w = init_weight(n_out, n_in, mask, 5, 0, init="torch_default")
    bound = n_in ** -0.5
    assert (torch_w[~mask] == 0).all() and torch_w.abs().max().item() <= bound
    assert torch_w[mask].std().item() == pytest.approx(init_std(mask, n_in, "torch_default"), rel=0.03)
    sizes = [50, 40, 30, 4]
    model = BatchedMLP(sizes, stack_masks(None, sizes, 2), [1, 2], init="torch_default")
    for layer, (b, w) in enumerate(zip(model.biases, model.weights)):
        n = sizes[layer]
        assert (b.abs() > 0).all() and b.abs().max().item() <= n ** -0.5
        assert w.abs().max().item() <= n ** -0.5  # the output layer too
    assert not torch.equal(model.biases[0][0], model.biases[0][1])  # each model its own draw
    he = BatchedMLP(sizes, stack_masks(None, sizes, 2), [1, 2], init="dense_fan_in")
    assert all((b == 0).all() for b in he.biases)


def test_the_default_init_is_defined_once_and_is_torch_default():
    assert DEFAULT_INIT == "torch_default"
    masks = stack_masks(_masks(2), SIZES, 2)
    default = BatchedMLP(SIZES, masks, [1, 2])
    named = BatchedMLP(SIZES, masks, [1, 2], init="torch_default")
    assert all(torch.equal(a, b) for a, b in zip(default.parameters(), named.parameters()))
    mask = torch.rand(20, 30, generator=torch.Generator().manual_seed(4)) < 0.3
    assert torch.equal(init_weight(20, 30, mask, 9, 2), init_weight(20, 30, mask, 9, 2, init="torch_default"))


def test_init_values_do_not_depend_on_mask_layout_or_group():
    a = torch.zeros(30, 20, dtype=torch.bool)
    a[:, :10] = True
    b = torch.zeros(30, 20, dtype=torch.bool)
    b[:, 5:15] = True  # same density, other positions
    wa, wb = init_weight(30, 20, a, 3, 1), init_weight(30, 20, b, 3, 1)
    both = a & b
    assert torch.equal(wa[both], wb[both])
    masks = _masks(3)
    group = BatchedMLP(SIZES, stack_masks(masks, SIZES, 3), [42, 123, 456])
    solo = BatchedMLP(SIZES, stack_masks(masks[1:2], SIZES, 1), [123])
    for wg, ws in zip(group.weights, solo.weights):
        assert torch.equal(wg[1], ws[0])


def test_biases_zero_output_layer_dense_he():
    model = BatchedMLP([100, 200, 2000], stack_masks(None, [100, 200, 2000], 1), [0], init="mean_fan_in")
    assert all((b == 0).all() for b in model.biases)
    assert model.weights[-1].std().item() == pytest.approx((2 / 200) ** 0.5, rel=0.03)


def test_forward_matches_nn_modules_for_each_model():
    masks = _masks(3)
    model = BatchedMLP(SIZES, stack_masks(masks, SIZES, 3), [1, 2, 3])
    with torch.no_grad():
        for p in list(model.ln_weight) + list(model.ln_bias) + list(model.biases):
            p.normal_()
    x = torch.randn(3, 7, SIZES[0])
    out = model(x)
    assert out.shape == (3, 7, SIZES[-1])
    for k in range(3):
        h = x[k]
        for layer in range(3):
            lin = nn.Linear(SIZES[layer], SIZES[layer + 1])
            with torch.no_grad():
                lin.weight.copy_(model.weights[layer][k])
                lin.bias.copy_(model.biases[layer][k])
            h = lin(h)
            if layer < 2:
                ln = nn.LayerNorm(SIZES[layer + 1], eps=1e-5)
                with torch.no_grad():
                    ln.weight.copy_(model.ln_weight[layer][k])
                    ln.bias.copy_(model.ln_bias[layer][k])
                h = torch.relu(ln(h))
        torch.testing.assert_close(out[k], h, rtol=1e-5, atol=1e-5)


def test_backward_gives_dense_gradient_matching_autograd():
    masks = _masks(2, density=0.2)
    model = BatchedMLP(SIZES, stack_masks(masks, SIZES, 2), [5, 6])
    x = torch.randn(2, 9, SIZES[0])
    model(x).square().sum().backward()
    assert all(w.grad.is_contiguous() and w.grad.shape == w.shape for w in model.weights)
    # reference: plain autograd through baddbmm on copies of all parameters
    params = [p.detach().clone().requires_grad_(True) for p in model.parameters()]
    ws, bs = params[0:3], params[3:6]
    gs, betas = params[6:8], params[8:10]
    h = x
    for layer in range(3):
        h = torch.baddbmm(bs[layer].unsqueeze(1), h, ws[layer].transpose(1, 2))
        if layer < 2:
            h = torch.relu(torch.nn.functional.layer_norm(h, (h.shape[-1],)) * gs[layer].unsqueeze(1)
                           + betas[layer].unsqueeze(1))
    h.square().sum().backward()
    for p, q in zip(model.parameters(), params):
        torch.testing.assert_close(p.grad, q.grad, rtol=1e-4, atol=1e-5)
    mask0 = model.masks[0]
    assert (model.weights[0].grad[~mask0] != 0).any()  # dense: gradient off the mask too
