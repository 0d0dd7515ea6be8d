"""The batched engine: solo == in-group, exactness, data order, divergence isolation, results."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from psn.model.init import DEFAULT_INIT
from psn.training import TrainSettings, epoch_order, train_group

SIZES = [12, 24, 16, 3]


def toy_data(n=200, n_test=90, seed=0, sizes=SIZES):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n + n_test, sizes[0], generator=g)
    y = (x @ torch.randn(sizes[0], sizes[-1], generator=g)).argmax(1)
    return dict(x_train=x[:n], y_train=y[:n], x_test=x[n:], y_test=y[n:])


def toy_masks(k, density=0.4, seed=0, sizes=SIZES):
    rng = np.random.default_rng(seed)
    return [[rng.random((sizes[i + 1], sizes[i])) < density for i in range(len(sizes) - 2)]
            for _ in range(k)]


SETTINGS = TrainSettings(epochs=2, batch_size=32)
RUN = dict(log=None)


def test_epoch_order_is_per_seed_and_reproducible():
    a = epoch_order([42, 123], 0, 50, torch.device("cpu"))
    assert torch.equal(a, epoch_order([42, 123], 0, 50, torch.device("cpu")))
    assert torch.equal(a[1], epoch_order([123], 0, 50, torch.device("cpu"))[0])
    assert not torch.equal(a[0], a[1])
    assert not torch.equal(a[0], epoch_order([42], 1, 50, torch.device("cpu"))[0])
    assert sorted(a[0].tolist()) == list(range(50))


def test_solo_equals_in_group():
    data, masks, seeds = toy_data(), toy_masks(3), [42, 123, 456]
    group, gstate = train_group(data, SIZES, masks, seeds, SETTINGS, return_state=True, **RUN)
    solo, sstate = train_group(data, SIZES, masks[1:2], seeds[1:2], SETTINGS, return_state=True, **RUN)
    for wg, ws in zip(gstate.model.parameters(), sstate.model.parameters()):
        torch.testing.assert_close(wg[1], ws[0], rtol=1e-5, atol=1e-6)
    for key in ("train_loss", "test_accuracy"):
        np.testing.assert_allclose(group[1][key], solo[0][key], rtol=1e-5)
    assert group[1]["seed"] == 123 and group[1]["steps"] == 2 * math.ceil(200 / 32)


def test_masked_weights_and_adam_state_stay_exactly_zero():
    data = toy_data()
    _, state = train_group(data, SIZES, toy_masks(2, density=0.3), [1, 2], SETTINGS, return_state=True,
                           **RUN)
    state.check_invariants()
    for layer in range(2):
        m, v = state.adam_state(layer)
        off = ~state.mask(layer)
        assert (state.weight(layer)[off] == 0).all() and (m[off] == 0).all() and (v[off] == 0).all()
        assert (state.weight(layer)[~off] != 0).all()


def test_results_are_json_and_complete():
    res = train_group(toy_data(), SIZES, [toy_masks(1)[0], None], [7, 8], SETTINGS, **RUN)
    text = json.dumps(res, allow_nan=False)
    r0, dense = json.loads(text)
    assert len(r0["test_accuracy"]) == 2 and 0 <= r0["final_test_accuracy"] <= 1
    assert r0["best_test_accuracy"] == max(r0["test_accuracy"])
    assert len(r0["sparsity"]) == 2 and 0.4 < r0["sparsity"][0] < 0.8
    assert len(r0["fan_in"][1]) == SIZES[2] and len(r0["fan_in_cv"]) == 2
    for when in ("init", "final"):
        for reading in ("per_connection", "per_neuron"):
            assert len(r0["gradient_ratio"][when][reading]) == 2
    assert dense["sparsity"] == [0.0, 0.0] and dense["fan_in_cv"] == [0.0, 0.0]
    assert dense["gradient_ratio"]["init"]["per_connection"][0] == pytest.approx(
        dense["gradient_ratio"]["init"]["per_neuron"][0])
    assert not r0["diverged"] and r0["diverged_step"] is None


def test_divergence_is_flagged_and_isolated():
    data, masks, seeds = toy_data(), toy_masks(3), [42, 123, 456]
    clean = train_group(data, SIZES, masks, seeds, SETTINGS, **RUN)

    def poison(state, step):
        if step == 3:
            with torch.no_grad():
                state.weight(1)[0].fill_(float("inf"))

    dirty = train_group(data, SIZES, masks, seeds, SETTINGS, callback=poison, **RUN)
    assert dirty[0]["diverged"] and dirty[0]["diverged_step"] == 4
    assert dirty[0]["final_test_accuracy"] is None and dirty[0]["best_test_accuracy"] is None
    assert dirty[0]["test_accuracy"] == [None, None]
    assert dirty[0]["gradient_ratio"]["final"]["per_neuron"] is None
    for j in (1, 2):
        assert not dirty[j]["diverged"]
        assert dirty[j]["test_accuracy"] == clean[j]["test_accuracy"]
        assert dirty[j]["train_loss"] == clean[j]["train_loss"]


def test_per_neuron_init_and_bf16_run():
    bf16 = TrainSettings(epochs=2, batch_size=32, init="per_neuron", precision="bf16")
    res = train_group(toy_data(), SIZES, toy_masks(1), [3], bf16, **RUN)
    fp32 = train_group(toy_data(), SIZES, toy_masks(1), [3], replace(bf16, precision="fp32"), **RUN)
    assert res[0]["init"] == "per_neuron" and res[0]["precision"] == "bf16"
    # bf16 rounds the matmuls, not the model: it ends within a few test examples of fp32
    assert res[0]["final_test_accuracy"] == pytest.approx(fp32[0]["final_test_accuracy"], abs=0.05)
    assert res[0]["train_loss"] == pytest.approx(fp32[0]["train_loss"], rel=0.02)


def test_settings_refuse_what_trains_nothing():
    for bad, says in [(dict(precision="fp16"), "unknown precision 'fp16'"), (dict(init="xavier"), "unknown init"),
                      (dict(epochs=0), "epochs=0 must be"), (dict(batch_size=2.5), "batch_size=2.5 must be"),
                      (dict(lr=float("nan")), "lr=nan must be"), (dict(threads=0), "threads=0 must be"),
                      (dict(eval_batch_size=0), "eval_batch_size=0 must be")]:
        with pytest.raises(ValueError, match=says):
            TrainSettings(**{"epochs": 2, "batch_size": 32, **bad})


def test_the_default_init_is_the_pipelines():
    assert TrainSettings(epochs=1, batch_size=8).init == DEFAULT_INIT == "torch_default"
    res = train_group(toy_data(), SIZES, toy_masks(1), [3], TrainSettings(epochs=1, batch_size=32), **RUN)
    assert res[0]["init"] == "torch_default"


def test_settings_as_keywords_train_the_same():
    masks = toy_masks(2)
    given = train_group(toy_data(), SIZES, masks, [1, 2], SETTINGS, **RUN)
    keywords = train_group(toy_data(), SIZES, masks, [1, 2], epochs=2, batch_size=32, **RUN)
    strip = [{k: v for k, v in r.items() if "seconds" not in k} for r in given]
    assert strip == [{k: v for k, v in r.items() if "seconds" not in k} for r in keywords]
    with pytest.raises(TypeError, match="not both"):
        train_group(toy_data(), SIZES, masks, [1, 2], SETTINGS, epochs=3, **RUN)
    with pytest.raises(TypeError, match="unexpected keyword"):
        train_group(toy_data(), SIZES, masks, [1, 2], SETTINGS, epoch=3, **RUN)


def test_it_learns():
    res = train_group(toy_data(n=600), SIZES, toy_masks(2, density=0.5), [1, 2],
                      TrainSettings(epochs=5, batch_size=32, lr=1e-2), log=None)
    for r in res:
        assert r["train_loss"][-1] < r["train_loss"][0]
        assert r["final_test_accuracy"] > 0.75
