"""The engine against the same model written plainly: nn.Linear with the mask multiplied in,
nn.LayerNorm -> ReLU, a dense output nn.Linear, cross-entropy, torch.optim.Adam, one model at a
time. Same init (psn.model.init for the same seed) and data order (epoch_order); nothing else
of the engine is used, so the two agree only if the batched engine trains what §2.6-2.7 say.
Run under the library's default init (the engine's settings name none) and under Eq. 9."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from test_engine_train import toy_data, toy_masks

from psn.model.init import DEFAULT_INIT, init_bias, init_weight
from psn.training import TrainSettings, epoch_order, train_group

SIZES = [20, 32, 32, 3]
EPOCHS, BATCH = 2, 64
N_TRAIN, N_TEST = 300, 100  # 300 = 4 x 64 + 44: the last, partial batch is trained on too


class PlainMLP(nn.Module):
    def __init__(self, masks, seed, init):
        super().__init__()
        self.linears = nn.ModuleList(nn.Linear(a, b) for a, b in zip(SIZES[:-1], SIZES[1:]))
        self.norms = nn.ModuleList(nn.LayerNorm(n, eps=1e-5) for n in SIZES[1:-1])
        self.masks = [torch.as_tensor(m).float() for m in masks]
        with torch.no_grad():
            for layer, lin in enumerate(self.linears):
                mask = torch.as_tensor(masks[layer]) if layer < len(masks) else None
                lin.weight.copy_(init_weight(lin.out_features, lin.in_features, mask, seed, layer, init))
                lin.bias.copy_(init_bias(lin.out_features, lin.in_features, seed, layer, init))

    def forward(self, x):
        for lin, norm, mask in zip(self.linears, self.norms, self.masks):
            x = torch.relu(norm(F.linear(x, lin.weight * mask, lin.bias)))
        return self.linears[-1](x)


def train_plainly(data, masks, seed, init):
    net = PlainMLP(masks, seed, init)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-8)
    losses = []
    for epoch in range(EPOCHS):
        order = epoch_order([seed], epoch, N_TRAIN, torch.device("cpu"))[0]
        total = 0.0
        for start in range(0, N_TRAIN, BATCH):
            idx = order[start : start + BATCH]
            loss = F.cross_entropy(net(data["x_train"][idx]), data["y_train"][idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        losses.append(total / N_TRAIN)
    with torch.no_grad():
        acc = (net(data["x_test"]).argmax(1) == data["y_test"]).double().mean().item()
    return net, losses, acc


@pytest.mark.parametrize("init", [None, "mean_fan_in"], ids=["default-init", "eq9-init"])
@pytest.mark.parametrize("k,member", [(1, 0), (3, 1)], ids=["alone", "member-1-of-3"])
def test_engine_matches_a_plain_pytorch_loop(k, member, init):
    data = toy_data(N_TRAIN, N_TEST, sizes=SIZES)
    masks, seeds = toy_masks(k, density=0.3, seed=1, sizes=SIZES), [8] if k == 1 else [7, 8, 9]
    settings = TrainSettings(EPOCHS, BATCH) if init is None else TrainSettings(EPOCHS, BATCH, init=init)
    results, state = train_group(data, SIZES, masks, seeds, settings, log=None, return_state=True)
    net, losses, acc = train_plainly(data, masks[member], seeds[member], init or DEFAULT_INIT)
    model, close = state.model, dict(rtol=1e-5, atol=1e-6)
    for layer, lin in enumerate(net.linears):
        torch.testing.assert_close(model.weights[layer][member], lin.weight.detach(), **close)
        torch.testing.assert_close(model.biases[layer][member], lin.bias.detach(), **close)
    for layer, norm in enumerate(net.norms):
        torch.testing.assert_close(model.ln_weight[layer][member], norm.weight.detach(), **close)
        torch.testing.assert_close(model.ln_bias[layer][member], norm.bias.detach(), **close)
        # exactness on both sides: off the mask the weights never moved from zero
        off = ~torch.as_tensor(masks[member][layer])
        assert (model.weights[layer][member][off] == 0).all()
        assert (net.linears[layer].weight[off] == 0).all()
    res = results[member]
    assert res["init"] == (init or DEFAULT_INIT)
    assert res["seed"] == seeds[member] and res["steps"] == EPOCHS * -(-N_TRAIN // BATCH)
    np.testing.assert_allclose(res["train_loss"], losses, rtol=1e-5)
    # float tolerance: at most one borderline test sample may flip
    assert res["final_test_accuracy"] == pytest.approx(acc, abs=1 / N_TEST)
