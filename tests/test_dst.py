"""The drop-and-grow family: SET's invariants and uniform growth, who may grow, the epoch
schedule, the grow scores that fall to ties, and a method registered from a test."""

import numpy as np
import pytest
import torch
from scipy import stats

from test_engine_train import SIZES, toy_data, toy_masks
from test_rigl import _random_layer

from psn.training import TrainSettings, train_group
from psn.training.drop_grow import LayerUpdate, drop_and_grow, drop_counts
from psn.training.dst import METHODS, DropAndGrow, DSTSettings, make_method, register_method
from psn.training.rigl import RigL
from psn.training.schedules import ConstantSchedule, CosineSchedule, EpochSchedule, count_updates
from psn.training.set import SET

SEEDS = [42, 123, 456]
FAST = DSTSettings(schedule=CosineSchedule(drop_fraction=0.3, update_every=4, end_fraction=0.75))


def _gens(k, seed=0):
    return [torch.Generator().manual_seed(seed + j) for j in range(k)]


def _layer(k_models=3, out=10, n_in=12, density=0.4, seed=0):
    return _random_layer(k_models, out, n_in, density, seed)


def _run(method, seeds, masks, settings=FAST, **kw):
    cb = method(settings, check=True)
    return train_group(toy_data(), SIZES, masks, seeds, TrainSettings(epochs=4, batch_size=32), log=None,
                       callback=cb, return_state=True, **kw)


# ---------------------------------------------------------------------------------------------
# SET, one layer


@pytest.mark.parametrize("grow_from", ["not_kept", "inactive"])
def test_set_grows_only_allowed_positions_and_conserves_counts(grow_from):
    w, grad, mask = _layer()
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    method = SET(DSTSettings(grow_from=grow_from))
    new, info = drop_and_grow(w, grad, mask, k, method.grow_score, grow_from=grow_from,
                              generators=_gens(3))
    kept = mask & ~info["dropped"]
    allowed = ~kept if grow_from == "not_kept" else ~mask
    assert torch.equal(new.flatten(1).sum(1), mask.flatten(1).sum(1))
    assert not (info["grown"] & ~allowed).any()
    assert not (info["grown"] & kept).any()
    assert info["grown"].flatten(1).sum(1).tolist() == k
    if grow_from == "inactive":
        assert info["regrown"] == [0, 0, 0]


def _grow_counts(score_fn, n_draws=3000):
    """How often each allowed position of a fixed one-model layer is grown, over many updates
    that differ only in their generator's draws."""
    w, grad, mask = _layer(k_models=1, out=6, n_in=8, density=0.5, seed=3)
    k = [4]
    gens = _gens(1, seed=11)
    counts = torch.zeros(mask[0].numel())
    allowed = None
    for _ in range(n_draws):
        _, info = drop_and_grow(w, grad, mask, k, score_fn, grow_from="inactive", generators=gens)
        counts += info["grown"][0].flatten().float()
        allowed = (~mask[0]).flatten()
    return counts[allowed].numpy(), k[0], n_draws


def _chi_square_p(counts, k, n_draws):
    """p of 'every allowed position equally likely': counts of k-of-n draws without
    replacement, each with variance n_draws·p·(1 − p), so Σ (O − E)² / (E·(1 − p)) is χ²(n − 1)."""
    n = len(counts)
    p = k / n
    expected = n_draws * p
    x = float(((counts - expected) ** 2).sum() / (expected * (1 - p)))
    return float(stats.chi2.sf(x, n - 1))


CHI2_ALPHA = 1e-3  # the uniformity test fails a draw whose p is below this


def test_set_growth_is_uniform_over_the_allowed_positions():
    counts, k, n = _grow_counts(SET().grow_score)
    assert _chi_square_p(counts, k, n) > CHI2_ALPHA


def test_the_uniformity_test_fails_a_biased_draw():
    def biased(layer: LayerUpdate) -> torch.Tensor:  # the first half of the positions 30% likelier
        s = SET().grow_score(layer)
        boost = torch.ones_like(s)
        boost[:, : s.shape[1] // 2] = 1.3
        return s ** (1 / boost)

    counts, k, n = _grow_counts(biased)
    assert _chi_square_p(counts, k, n) < CHI2_ALPHA


# ---------------------------------------------------------------------------------------------
# SET through training


def test_set_conserves_counts_through_every_update_and_records_them():
    _, st = _run(SET, SEEDS, toy_masks(3))  # check=True asserts every update's invariants
    hist = st.extra["rigl"]["history"]
    assert len(hist["t"]) > 2
    first = hist["layers"][0]
    for layers in hist["layers"][1:]:
        for layer, rec in enumerate(layers):
            assert rec["n_active"] == first[layer]["n_active"]
            # random growth over many inactive positions always brings new ones
            assert all(t > 0 for t, k in zip(rec["turnover"], rec["k"]) if k > 0)
    st.check_invariants()


@pytest.mark.parametrize("method", [RigL, SET])
def test_batched_models_end_with_the_masks_of_single_runs(method):
    masks = toy_masks(3)
    _, batched = _run(method, SEEDS, masks)
    for j, seed in enumerate(SEEDS):
        _, single = _run(method, [seed], [masks[j]])
        for layer in range(2):
            assert torch.equal(single.mask(layer)[0], batched.mask(layer)[j])


def test_set_and_rigl_differ_from_the_same_start():
    masks = toy_masks(2)
    _, a = _run(SET, [42, 123], masks)
    _, b = _run(RigL, [42, 123], masks)
    assert not torch.equal(a.mask(0), b.mask(0))


class Crash(RuntimeError):
    pass


@pytest.mark.parametrize("method", [RigL, SET])
def test_killed_mid_update_resumes_bit_identical(tmp_path, method):
    masks = toy_masks(2)
    res_a, st_a = _run(method, [42, 123], masks)
    ckpt = tmp_path / "g.ckpt"
    inner = method(FAST, check=True)

    def crashing(state, step):
        inner(state, step)
        if step == 17:  # inside epoch 3, after updates
            raise Crash

    with pytest.raises(Crash):
        train_group(toy_data(), SIZES, masks, [42, 123], TrainSettings(epochs=4, batch_size=32), log=None,
                    callback=crashing, checkpoint_path=ckpt)
    res_b, st_b = _run(method, [42, 123], masks, checkpoint_path=ckpt)
    strip = lambda rs: [{k: v for k, v in r.items() if "seconds" not in k} for r in rs]  # noqa: E731
    assert strip(res_a) == strip(res_b)
    for layer in range(2):
        assert torch.equal(st_a.mask(layer), st_b.mask(layer))
    for pa, pb in zip(st_a.model.parameters(), st_b.model.parameters()):
        assert torch.equal(pa, pb)
    assert st_a.extra["rigl"]["history"] == st_b.extra["rigl"]["history"]


# ---------------------------------------------------------------------------------------------
# schedules


def test_epoch_schedule_updates_once_per_epoch_at_a_constant_fraction():
    sched = EpochSchedule(drop_fraction=0.3)
    _, st = _run(SET, [42], toy_masks(1), DSTSettings(schedule=sched))
    hist = st.extra["rigl"]["history"]
    # 7 steps an epoch, 4 epochs: after 7, 14 and 21 optimizer steps, none after the last epoch
    assert hist["t"] == [0, 7, 14, 21]
    assert hist["alpha"][1:] == [0.3, 0.3, 0.3]
    assert count_updates(sched, 28, 7) == 3
    assert count_updates(FAST.schedule, 28, 7) == len(_run(RigL, [42], toy_masks(1))[1]
                                                        .extra["rigl"]["history"]["t"]) - 1


def test_a_schedule_longer_than_the_run_never_updates():
    assert count_updates(CosineSchedule(update_every=1000), 28, 7) == 0


@pytest.mark.parametrize("bad", [dict(update_every=2.5), dict(update_every=0), dict(update_at_zero="no"),
                                 dict(drop_fraction=float("nan")), dict(end_fraction=0.0)])
def test_schedule_rejects_values_that_cannot_run(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        CosineSchedule(**bad)


# ---------------------------------------------------------------------------------------------
# who may grow, and the grow scores that fall to ties


def test_masked_gradient_from_not_kept_regrows_exactly_what_it_dropped():
    w, grad, mask = _layer()
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    method = RigL(DSTSettings(grow="masked_gradient"))
    new, info = drop_and_grow(w, grad, mask, k, method.grow_score, generators=_gens(3))
    assert torch.equal(new, mask)
    assert info["regrown"] == k


def test_masked_gradient_from_inactive_falls_to_ties():
    w, grad, mask = _layer()
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    method = RigL(DSTSettings(grow="masked_gradient", grow_from="inactive", ties="native"))
    new, info = drop_and_grow(w, grad, mask, k, method.grow_score, ties="native", grow_from="inactive")
    assert torch.equal(new.flatten(1).sum(1), mask.flatten(1).sum(1))
    n_inactive = (~mask).flatten(1).sum(1).tolist()
    assert info["grow_ties"] == n_inactive  # every candidate scored 0
    # the native order decides, the same way every time
    again, _ = drop_and_grow(w, grad, mask, k, method.grow_score, ties="native", grow_from="inactive")
    assert torch.equal(new, again)


def test_kept_gradient_from_not_kept_falls_to_ties_over_dropped_and_inactive():
    w, grad, mask = _layer()
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    method = RigL(DSTSettings(grow="kept_gradient", ties="lowest_index"))
    new, info = drop_and_grow(w, grad, mask, k, method.grow_score, ties="lowest_index")
    kept = mask & ~info["dropped"]
    assert info["grow_ties"] == (~kept).flatten(1).sum(1).tolist()  # every candidate scored 0
    for j in range(3):  # lowest flat indices first, dropped or not
        candidates = (~kept[j]).flatten().nonzero().flatten()
        assert set(info["grown"][j].flatten().nonzero().flatten().tolist()) == set(candidates[:k[j]].tolist())


def test_dense_gradient_grows_where_the_gradient_is_largest():
    w, grad, mask = _layer(k_models=1)
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    new, info = drop_and_grow(w, grad, mask, k, RigL().grow_score, grow_from="inactive",
                              generators=_gens(1))
    g = grad.abs().flatten()
    inactive = (~mask).flatten()
    best = torch.topk(torch.where(inactive, g, -1.0), k[0]).indices
    assert set(info["grown"].flatten().nonzero().flatten().tolist()) == set(best.tolist())


def test_a_method_checks_its_grow_score_option():
    with pytest.raises(ValueError, match="unknown grow score 'random' for rigl"):
        RigL(DSTSettings(grow="random"))
    with pytest.raises(ValueError, match="grow_from"):
        DSTSettings(grow_from="anywhere")


# ---------------------------------------------------------------------------------------------
# the registry: a new method is one class and one entry


class SmallestGradient(DropAndGrow):
    """Grows where the gradient is smallest: nonsense, but a method."""

    def grow_score(self, layer: LayerUpdate) -> torch.Tensor:
        return -layer.grad.abs()


@pytest.fixture
def registered():
    register_method("smallgrad", SmallestGradient)
    yield "smallgrad"
    METHODS.pop("smallgrad", None)


def test_a_registered_method_plugs_into_train_group(registered):
    cb = make_method(registered, FAST, check=True)
    assert isinstance(cb, SmallestGradient) and cb.name == "smallgrad"
    res, st = train_group(toy_data(), SIZES, toy_masks(2), [1, 2], TrainSettings(epochs=2, batch_size=32),
                          log=None, callback=cb, return_state=True)
    # 14 steps, an update every 4 optimizer steps until t = 10.5: at t = 4 and 8, after the start's record
    assert st.extra["rigl"]["history"]["t"] == [0, 4, 8]
    assert [r["test_accuracy"][-1] for r in res] == [r["final_test_accuracy"] for r in res]
    assert all(0.2 < r["final_test_accuracy"] <= 1 for r in res)


def test_registry_refuses_clashes_and_strangers(registered):
    with pytest.raises(ValueError, match="registered already"):
        register_method(registered, RigL)
    with pytest.raises(TypeError, match="DropAndGrow subclass"):
        register_method("nothing", object)
    with pytest.raises(ValueError, match="lowercase"):
        register_method("Bad Name", SmallestGradient)
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        make_method("nope")
    assert {"rigl", "set"} <= set(METHODS)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_set_on_cuda_conserves_counts_and_matches_its_own_rerun():
    w, grad, mask = [t.cuda() for t in _layer()]
    k = drop_counts(0.3, mask.flatten(1).sum(1).tolist())
    runs = []
    for _ in range(2):
        gens = [torch.Generator(device="cuda").manual_seed(j) for j in range(3)]
        new, _ = drop_and_grow(w, grad, mask, k, SET().grow_score, generators=gens)
        runs.append(new)
    assert torch.equal(runs[0].flatten(1).sum(1), mask.flatten(1).sum(1))
    assert torch.equal(runs[0], runs[1])
    np.testing.assert_array_equal(runs[0].cpu().numpy(), runs[1].cpu().numpy())


def test_constant_schedule_keeps_the_drop_fraction_until_t_end():
    s = ConstantSchedule(drop_fraction=0.3, update_every=100, end_fraction=0.75)
    assert [s.alpha(t, 4000) for t in (100, 1500, 3000, 3001)] == [0.3, 0.3, 0.3, 0.0]
    assert [t for t in range(4001) if s.is_update(t, 4000)] == list(range(100, 3001, 100))
