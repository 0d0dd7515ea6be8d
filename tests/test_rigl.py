"""RigL on the batched engine: the invariants the reference implementations test, plus ours
(counts conserved exactly, state reset exactly where a position is new, batching and resume
change nothing)."""

import math

import numpy as np
import pytest
import torch

from test_engine_train import SIZES, toy_data, toy_masks

from psn.masks.stats import ccv_bound
from psn.model.init import derive_seed
from psn.model.mlp import BatchedMLP, stack_masks
from psn.training import TrainSettings, TrainState, make_optimizer, train_group, train_step
from psn.training.drop_grow import drop_and_grow, drop_counts, layer_record, select_top
from psn.training.dst import DSTSettings
from psn.training.rigl import RigL
from psn.training.schedules import CosineSchedule


def rigl_masks(weight, grad, mask, k, *, ties="random", grow="dense_gradient", grow_from="not_kept",
               generators=None):
    """One RigL update of a layer, as the updater does it."""
    method = RigL(DSTSettings(ties=ties, grow=grow, grow_from=grow_from))
    return drop_and_grow(weight, grad, mask, k, method.grow_score, ties=ties, grow_from=grow_from,
                         generators=generators)

SEEDS = [42, 123, 456]
# 200 samples / batch 32 -> 7 steps per epoch; update every 4 optimizer steps
FAST = DSTSettings(schedule=CosineSchedule(drop_fraction=0.3, update_every=4, end_fraction=0.75))


def _gens(k, seed=0):
    return [torch.Generator().manual_seed(seed + j) for j in range(k)]


# ---------------------------------------------------------------------------------------------
# schedule


def test_alpha_follows_the_cosine_and_stops_after_t_end():
    s = CosineSchedule(drop_fraction=0.3, update_every=100, end_fraction=0.75)
    total = 4000  # T_end = 3000
    assert s.alpha(0, total) == pytest.approx(0.3)
    assert s.alpha(100, total) == pytest.approx(0.15 * (1 + math.cos(math.pi * 100 / 3000)))
    assert s.alpha(1500, total) == pytest.approx(0.15)
    assert s.alpha(3000, total) == pytest.approx(0.0, abs=1e-15)
    assert s.alpha(3001, total) == 0.0
    updates = [t for t in range(total + 1) if s.is_update(t, total)]
    assert updates == list(range(100, 3001, 100))
    assert CosineSchedule(update_at_zero=True).is_update(0, total)


def test_drop_counts_floor_on_the_host():
    assert drop_counts(0.3, [5, 10, 0]) == [1, 3, 0]
    assert drop_counts(0.0, [100]) == [0]


# ---------------------------------------------------------------------------------------------
# one layer's update, by hand

W = torch.tensor([[[0.5, 0.0, -0.1, 0.3], [0.0, 0.2, 0.0, -0.05]]])
M = torch.tensor([[[1, 0, 1, 1], [0, 1, 0, 1]]], dtype=torch.bool)
G = torch.tensor([[[0.0, 0.9, 0.1, 0.2], [0.7, 0.3, 0.05, 0.6]]])


@pytest.mark.parametrize("alpha, expected, regrown", [
    (0.0, [[1, 0, 1, 1], [0, 1, 0, 1]], 0),
    # k = 1: drop |-0.05|, grow g = 0.9
    (0.3, [[1, 1, 1, 1], [0, 1, 0, 0]], 0),
    # k = 2: drop 0.05 and 0.1; grow 0.9 and 0.7
    (0.5, [[1, 1, 0, 1], [1, 1, 0, 0]], 0),
    # k = 4: keep only 0.5; grow 0.9, 0.7, 0.6 (just dropped) and 0.3 (just dropped)
    (0.9, [[1, 1, 0, 0], [1, 1, 0, 1]], 2),
])
def test_hand_worked_eight_element_layer(alpha, expected, regrown):
    k = drop_counts(alpha, [int(M.sum())])
    new, info = rigl_masks(W, G, M, k, ties="lowest_index")
    assert new.int().tolist() == [expected]
    assert info["regrown"] == [regrown]
    assert info["new"][0] + info["regrown"][0] == k[0]


def _random_layer(k_models=4, out=30, inp=40, density=0.2, seed=0):
    g = torch.Generator().manual_seed(seed)
    mask = torch.rand(k_models, out, inp, generator=g) < density
    w = torch.randn(k_models, out, inp, generator=g) * mask
    grad = torch.randn(k_models, out, inp, generator=g)
    return w, grad, mask


@pytest.mark.parametrize("ties", ["random", "lowest_index", "noise"])
def test_update_invariants_on_random_layers(ties):
    w, grad, mask = _random_layer()
    n_active = mask.flatten(1).sum(1).tolist()
    k = drop_counts(0.3, n_active)
    new, info = rigl_masks(w, grad, mask, k, ties=ties, generators=_gens(4))
    kept = mask & ~info["dropped"]
    for j in range(4):
        assert int(info["dropped"][j].sum()) == k[j]
        assert bool((info["dropped"][j] <= mask[j]).all())  # dropped ⊆ old active
        assert int(kept[j].sum()) == n_active[j] - k[j]
        assert int(info["grown"][j].sum()) == k[j]
        assert not bool((info["grown"][j] & kept[j]).any())  # grown ∩ kept = ∅
        assert int(new[j].sum()) == n_active[j]  # conserved exactly
        # the kept are the largest magnitudes among the active
        if k[j]:
            assert w[j][kept[j]].abs().min() >= w[j][info["dropped"][j]].abs().max() - (
                1e-4 if ties == "noise" else 0)
            assert grad[j][info["grown"][j]].abs().min() >= grad[j][~kept[j] & ~info["grown"][j]].abs().max()


def test_ties_at_the_threshold_follow_the_policy():
    # all 10 inactive positions tie at gradient 0; two places to fill
    mask = torch.zeros(1, 1, 20, dtype=torch.bool)
    mask[0, 0, :10] = True
    w = torch.arange(1, 21, dtype=torch.float32).reshape(1, 1, 20) * mask
    grad = torch.zeros(1, 1, 20)
    new, info = rigl_masks(w, grad, mask, [2], ties="lowest_index")
    # dropped the two smallest (index 0, 1); the twelve tied at 0 are positions 0, 1, 10..19
    assert new[0, 0, :2].tolist() == [True, True] and int(new.sum()) == 10
    assert info["grow_ties"] == [12] and info["drop_ties"] == [1]
    picks = set()
    for seed in range(20):
        new, _ = rigl_masks(w, grad, mask, [2], ties="random", generators=_gens(1, seed))
        picks |= set(torch.nonzero(new[0, 0] & ~mask[0, 0]).flatten().tolist())
        picks |= {i for i in (0, 1) if new[0, 0, i]}
    assert len(picks) > 6  # random ties reach beyond the lowest indices


def test_select_top_handles_models_with_different_k_and_no_k():
    score = torch.tensor([[3.0, 1.0, 2.0, 2.0], [0.5, 0.4, 0.3, 0.2]])
    eligible = torch.ones(2, 4, dtype=torch.bool)
    sel, ties = select_top(score, eligible, [2, 0], ties="lowest_index")
    assert sel.int().tolist() == [[1, 0, 1, 0], [0, 0, 0, 0]]
    assert ties == [2, 0]


def test_same_seed_same_masks_and_batch_equals_singles():
    w, grad, mask = _random_layer(k_models=3)
    # ties at zero gradient everywhere the gradient is zeroed: force random tie-breaking
    grad = grad * (torch.rand(grad.shape, generator=torch.Generator().manual_seed(5)) < 0.02)
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    batched, _ = rigl_masks(w, grad, mask, k, ties="random", generators=_gens(3))
    again, _ = rigl_masks(w, grad, mask, k, ties="random", generators=_gens(3))
    assert torch.equal(batched, again)
    for j in range(3):
        single, _ = rigl_masks(w[j:j + 1], grad[j:j + 1], mask[j:j + 1], k[j:j + 1], ties="random",
                               generators=_gens(3)[j:j + 1])
        assert torch.equal(single[0], batched[j])


def test_ccv_never_exceeds_its_bound():
    g = torch.Generator().manual_seed(1)
    for density in (0.02, 0.1, 0.5):
        # the most uneven layer: whole rows on, the rest off
        mask = torch.zeros(1, 50, 40, dtype=torch.bool)
        mask[0, : int(50 * density)] = True
        rec = layer_record(mask, mask)
        assert rec["fanin_ccv"][0] == pytest.approx(ccv_bound(density))
        for _ in range(5):
            m = torch.rand(1, 50, 40, generator=g) < torch.rand(1, 50, 1, generator=g) * 2 * density
            d = m.float().mean().item()
            assert layer_record(m, m)["fanin_ccv"][0] <= ccv_bound(d) + 1e-12


# ---------------------------------------------------------------------------------------------
# on the engine


def _engine_state(masks, seeds, lr=1e-2):
    model = BatchedMLP(SIZES, stack_masks(masks, SIZES, len(seeds)), seeds)
    opt = make_optimizer(list(model.parameters()), lr, torch.device("cpu"))
    return TrainState(model, opt, seeds, steps_per_epoch=7, epochs=4)


def _snapshot(state):
    params = [p.detach().clone() for p in state.model.parameters()]
    adam = [None if state.adam_state(l) is None else [t.clone() for t in state.adam_state(l)]
            for l in range(state.n_hidden)]
    masks = [state.mask(l).clone() for l in range(state.n_hidden)]
    return params, adam, masks


def test_update_steps_move_weights_only_by_drop_and_grow():
    data = toy_data()
    state = _engine_state(toy_masks(2), [42, 123])
    rigl = RigL(FAST, check=True)
    x, y = data["x_train"], data["y_train"]
    g = torch.Generator().manual_seed(0)
    seen_update = 0
    for step in range(20):
        idx = torch.randint(0, x.shape[0], (2, 32), generator=g)
        before = _snapshot(state)
        t_before = state.extra.get("rigl", {}).get("t", 0)
        train_step(state, x[idx], y[idx], callback=rigl)
        params, adam, masks = before
        if not state.skip_optimizer_step:
            for layer in range(state.n_hidden):
                assert torch.equal(state.mask(layer), masks[layer])  # off-schedule: unchanged
            continue
        seen_update += 1
        assert t_before % 4 == 0 and t_before > 0
        named = dict(zip([n for n, _ in state.model.named_parameters()], params))
        for name, p in state.model.named_parameters():
            if not name.startswith("weights."):
                assert torch.equal(p, named[name]), name  # no optimizer step anywhere
        for layer in range(state.n_hidden):
            old, new = masks[layer], state.mask(layer)
            w = state.weight(layer)
            fresh = new & ~old
            stayed = new & old
            assert (w[fresh] == 0).all()
            assert torch.equal(w[stayed], params[layer][stayed])  # kept or regrown: same value
            assert (w[~new] == 0).all()
            m, v = state.adam_state(layer)
            assert (m[fresh] == 0).all() and (v[fresh] == 0).all()
            assert torch.equal(m[stayed], adam[layer][0][stayed])
            assert torch.equal(new.sum((1, 2)), old.sum((1, 2)))
        state.check_invariants()
    assert seen_update >= 3


def test_alpha_zero_is_a_no_op():
    data = toy_data()
    masks = toy_masks(2)
    off = DSTSettings(schedule=CosineSchedule(drop_fraction=0.0, update_every=4))
    (res, st) = train_group(data, SIZES, masks, [42, 123], TrainSettings(epochs=2, batch_size=32), log=None,
                            callback=RigL(off, check=True), return_state=True)
    for layer in range(2):
        assert torch.equal(st.mask(layer), torch.as_tensor(np.stack([m[layer] for m in masks])))


def _run(seeds, masks, **kw):
    rigl = RigL(FAST, check=True)
    res, st = train_group(toy_data(), SIZES, masks, seeds, TrainSettings(epochs=4, batch_size=32), log=None,
                          callback=rigl, return_state=True, **kw)
    return res, st


def test_counts_conserved_and_history_recorded_through_training():
    masks = toy_masks(3)
    _, st = _run(SEEDS, masks)
    hist = st.extra["rigl"]["history"]
    total = 4 * 7
    n_updates = len([t for t in range(total) if FAST.schedule.is_update(t, total)])
    assert len(hist["t"]) >= 2 and hist["t"][0] == 0
    assert hist["t"][1:] == [4 * i for i in range(1, len(hist["t"]))]
    assert len(hist["t"]) - 1 <= n_updates
    first = hist["layers"][0]
    for layers in hist["layers"]:
        for layer, rec in enumerate(layers):
            assert rec["n_active"] == first[layer]["n_active"]
            for c, b in zip(rec["fanin_ccv"], rec["ccv_over_bound"]):
                assert 0.0 <= b <= 1.0 + 1e-12
    # what RigL.model_history gives per model
    h1 = RigL.model_history(st.extra, 1)
    assert len(h1["fanin_ccv"]) == len(hist["t"]) and len(h1["fanin_ccv"][0]) == 2
    assert h1["ever_active_fraction"][-1][0] >= h1["ever_active_fraction"][0][0]


def test_rigl_refuses_a_dense_layer():
    with pytest.raises(ValueError, match="layer 0 is dense"):
        train_group(toy_data(), SIZES, [None], [1], TrainSettings(epochs=1, batch_size=32), log=None,
                    callback=RigL(FAST))


def test_generator_streams_are_per_model_and_layer():
    assert derive_seed(42, "rigl", 0) != derive_seed(42, "rigl", 1)
    assert derive_seed(42, "rigl", 0) != derive_seed(123, "rigl", 0)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_rigl_on_cuda_matches_invariants():
    w, grad, mask = [t.cuda() for t in _random_layer()]
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    gens = [torch.Generator(device="cuda").manual_seed(j) for j in range(4)]
    new, _ = rigl_masks(w, grad, mask, k, ties="random", generators=gens)
    assert torch.equal(new.flatten(1).sum(1), mask.flatten(1).sum(1))
