"""The mid-training hook RigL will use: a toy drop/grow mask swap keeps exactness."""

import pytest
import torch

from test_engine_train import RUN, SETTINGS, SIZES, toy_data, toy_masks

from psn.training import train_group


class ToySwap:
    """Every 3rd step: in hidden layer 0 of each model, drop the n smallest |w| and grow the n
    largest |dL/dw| among inactive positions (a miniature RigL), and skip the Adam step."""

    def __init__(self, n=5, every=3):
        self.n, self.every, self.log = n, every, []

    def __call__(self, state, step):
        state.check_invariants()  # holds on every step, before and after swaps
        assert state.grad(0).shape == state.weight(0).shape and state.loss.shape == (state.k,)
        if step == 0 or step % self.every:
            return
        mask, w, g = state.mask(0), state.weight(0), state.grad(0)
        old = mask.clone()
        new = mask.clone()
        for k in range(state.k):
            score_drop = torch.where(mask[k], w[k].abs(), torch.inf).flatten()
            drop = score_drop.topk(self.n, largest=False).indices
            score_grow = torch.where(mask[k], -torch.inf, g[k].abs()).flatten()
            grow = score_grow.topk(self.n).indices
            new[k].view(-1)[drop] = False
            new[k].view(-1)[grow] = True
        state.replace_mask(0, new)
        state.skip_optimizer_step = True
        changed = old ^ new
        m, v = state.adam_state(0)
        assert (m[changed] == 0).all() and (v[changed] == 0).all()
        assert (w[new & ~old] == 0).all() and (w[~new] == 0).all()
        assert torch.equal(state.fan_in(0), new.sum(2))
        assert torch.equal(state.mask(0), new)
        self.log.append((step, old, new))


def test_toy_swap_keeps_exactness_and_budget():
    data = toy_data()
    swap = ToySwap()
    results, state = train_group(data, SIZES, toy_masks(2), [42, 123], SETTINGS, callback=swap,
                                 return_state=True, **RUN)
    assert len(swap.log) == (state.step - 1) // 3
    state.check_invariants()
    first_old = swap.log[0][1]
    final = state.mask(0)
    assert not torch.equal(first_old, final)
    assert torch.equal(final.sum((1, 2)), first_old.sum((1, 2)))  # same count dropped and grown
    assert results[0]["fan_in"][0] == final[0].sum(1).tolist()
    # weights grown at the first swap and kept since then have trained away from zero
    grown = swap.log[0][2] & ~swap.log[0][1] & final
    assert (state.weight(0)[grown] != 0).any()


def test_skip_step_leaves_parameters_untouched():
    snapshots = {}

    def cb(state, step):
        if step == 2:
            state.skip_optimizer_step = True
            snapshots["before"] = [p.detach().clone() for p in state.model.parameters()]
        if step == 3:
            snapshots["after"] = [p.detach().clone() for p in state.model.parameters()]

    train_group(toy_data(), SIZES, toy_masks(1), [5], SETTINGS, callback=cb, **RUN)
    for a, b in zip(snapshots["before"], snapshots["after"]):
        assert torch.equal(a, b)


def test_replace_mask_single_model_and_bad_layer():
    def cb(state, step):
        if step == 1:
            new = torch.zeros(SIZES[2], SIZES[1], dtype=torch.bool)
            new[:, :4] = True
            other = state.mask(1)[0].clone()
            state.replace_mask(1, new, model=1)
            assert torch.equal(state.mask(1)[1], new) and torch.equal(state.mask(1)[0], other)
            assert (state.fan_in(1)[1] == 4).all()
            with pytest.raises(ValueError):
                state.replace_mask(2, new)

    _, state = train_group(toy_data(), SIZES, toy_masks(2), [1, 2], SETTINGS, callback=cb, return_state=True,
                           **RUN)
    assert (state.fan_in(1)[1] == 4).all()
    state.check_invariants()
