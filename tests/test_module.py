"""psn on anyone's nn.Module (psn.training.module): sparsify installs the pipeline's masks the
torch.nn.utils.prune way, DynamicSparsity runs the engine's own drop-and-grow updater in a plain
training loop and ends where the engine ends, and the example on Fashion-MNIST runs."""

import contextlib
import importlib.util
import io
import re
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import prune

import psn
from psn.masks.erk import erk_densities
from psn.masks.network import layer_seed
from psn.masks.starts import start_masks
from psn.model.mlp import BatchedMLP, stack_masks
from psn.training import (ADAM_BETAS, ADAM_EPS, LR, CosineSchedule, DSTSettings, TrainSettings, epoch_order,
                          make_method, train_group)
from psn.training.module import DynamicSparsity, linear_layers, sparse_layers, sparsify

SIZES = [20, 32, 32, 3]
N, BATCH, EPOCHS = 512, 64, 3  # 8 steps an epoch, T = 24: updates at t = 4, 8, 12, 16
STEPS = -(-N // BATCH) * EPOCHS
FAST = CosineSchedule(update_every=4)


class MLP(nn.Module):
    """The engine's network as nn.Modules: Linear -> LayerNorm -> ReLU, a dense output layer."""

    def __init__(self, sizes=SIZES):
        super().__init__()
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-2], sizes[1:-1]))
        self.norms = nn.ModuleList(nn.LayerNorm(b) for b in sizes[1:-1])
        self.out = nn.Linear(sizes[-2], sizes[-1])

    def forward(self, x):
        for linear, norm in zip(self.hidden, self.norms):
            x = torch.relu(norm(linear(x)))
        return self.out(x)


def toy_data(seed=0):
    rng = np.random.default_rng(seed)
    return {"x_train": rng.random((N, SIZES[0]), dtype=np.float32), "y_train": rng.integers(0, 3, N),
            "x_test": rng.random((128, SIZES[0]), dtype=np.float32), "y_test": rng.integers(0, 3, 128)}


def sparse_mlp(seed=1, **kw):
    torch.manual_seed(seed)
    model = MLP()
    return sparsify(model, 0.8, **({"profile": "lognormal", "ccv": 1.0, "seed": seed} | kw))


def train(model, opt, dst, steps, *, seed=0, start=0, on_update=None):
    """``steps`` steps of the README's loop on random batches (batch i from seed + i)."""
    for i in range(start, start + steps):
        g = torch.Generator().manual_seed(seed + i)
        x, y = torch.rand(BATCH, SIZES[0], generator=g), torch.randint(0, 3, (BATCH,), generator=g)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        before = {n: m.clone() for n, m in dst.masks().items()}
        if dst.step():
            if on_update:
                on_update(before)
            continue
        opt.step()


def adam(model):
    return torch.optim.Adam(model.parameters(), LR, betas=ADAM_BETAS, eps=ADAM_EPS)


# ---------------------------------------------------------------------------------------------
# the cross-check: the same method as the engine's


def engine_and_module(method, start, init, seed=7):
    """The engine's run and the README loop's on an nn.Module, from the same masks, init, data
    order and seeds: (engine state, engine callback, module, DynamicSparsity)."""
    data = toy_data()
    if start == "erk":
        masks = start_masks(SIZES, 0.8, "erk", seed=seed)
        model = sparsify(MLP(), 0.8, "random", budget="erk", f_min=0, spread="random", seed=seed)
    else:
        masks = start_masks(SIZES, 0.8, "lognormal", ccv=1.0, seed=seed)
        model = sparsify(MLP(), 0.8, "lognormal", ccv=1.0, spread="random", seed=seed)
    for layer, linear in enumerate(model.hidden):  # sparsify draws the pipeline's masks
        assert torch.equal(linear.weight_mask.bool(), masks[layer])

    callback = make_method(method, DSTSettings(schedule=FAST))
    settings = TrainSettings(epochs=EPOCHS, batch_size=BATCH, init=init, device="cpu")
    _, state = train_group(data, SIZES, [masks], [seed], settings, callback=callback, return_state=True,
                           log=None)

    init_model = BatchedMLP(SIZES, stack_masks([masks], SIZES, 1), [seed], init)  # the engine's init
    with torch.no_grad():
        for layer, linear in enumerate([*model.hidden, model.out]):
            getattr(linear, "weight_orig", linear.weight).copy_(init_model.weights[layer][0])
            linear.bias.copy_(init_model.biases[layer][0])
        for layer, norm in enumerate(model.norms):
            norm.weight.copy_(init_model.ln_weight[layer][0])
            norm.bias.copy_(init_model.ln_bias[layer][0])
    opt = adam(model)
    dst = DynamicSparsity(model, opt, method, total_steps=STEPS, schedule=FAST, seed=seed, check=True)
    x, y = torch.from_numpy(data["x_train"]), torch.from_numpy(data["y_train"])
    for epoch in range(EPOCHS):
        order = epoch_order([seed], epoch, N, torch.device("cpu"))[0]  # the engine's data order
        for i in range(0, N, BATCH):
            idx = order[i:i + BATCH]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            if dst.step():
                continue
            opt.step()
    return state, callback, model, dst


@pytest.mark.parametrize("method,start,init", [("rigl", "lognormal", "mean_fan_in"),
                                               ("rigl", "erk", "torch_default"),
                                               ("set", "erk", "torch_default")])
def test_a_plain_loop_ends_with_the_engines_masks_and_weights(method, start, init):
    state, callback, model, dst = engine_and_module(method, start, init)
    engine, ours = callback.model_history(state.extra, 0), dst.history()
    assert ours["t"] == [0, 4, 8, 12, 16]
    assert ours == engine  # every record: t, step, alpha, per-layer CCV, turnover, ties, ...
    assert max(sum(turn) for turn in ours["turnover"]) > 0  # the masks did move
    for layer, linear in enumerate(model.hidden):
        assert torch.equal(linear.weight_mask.bool(), state.model.masks[layer][0])  # exactly
        torch.testing.assert_close(linear.weight_orig, state.model.weights[layer][0], rtol=1e-5, atol=1e-6)
        torch.testing.assert_close(model.norms[layer].weight, state.model.ln_weight[layer][0],
                                   rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(model.out.weight, state.model.weights[-1][0], rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------------
# sparsify: layers, budgets, the prune idioms


def test_the_output_layer_stays_dense_unless_named_or_asked():
    model = sparse_mlp()
    assert list(sparse_layers(model)) == ["hidden.0", "hidden.1"]
    assert not prune.is_pruned(model.out) and prune.is_pruned(model)
    only = sparsify(MLP(), 0.8, "exponential", layers=["hidden.1"])
    assert list(sparse_layers(only)) == ["hidden.1"]
    every = sparsify(MLP(), 0.5, "linear", dense_output=False)
    assert list(sparse_layers(every)) == list(linear_layers(every)) == ["hidden.0", "hidden.1", "out"]
    with pytest.raises(ValueError, match="no nn.Linear layer named"):
        sparsify(MLP(), 0.8, layers=["hidden.9"])
    with pytest.raises(ValueError, match="pruned already"):
        sparsify(model, 0.8)


def test_budgets_uniform_and_erk_use_the_pipelines_functions():
    uniform = sparsify(MLP(), 0.8, "lognormal", ccv=1.5, spread="even", seed=3)
    for layer, linear in enumerate(uniform.hidden):
        n_out, n_in = linear.weight.shape
        expected = psn.make_mask(n_in, n_out, 0.8, "lognormal", ccv=1.5, spread="even",
                                 seed=layer_seed(3, layer))
        assert torch.equal(linear.weight_mask.bool(), expected)
    erk = sparsify(MLP(), 0.8, "random", budget="erk", f_min=0, seed=3)
    shapes = [(m.in_features, m.out_features) for m in erk.hidden]
    densities = [m.weight_mask.mean().item() for m in erk.hidden]
    expected = erk_densities(shapes, 0.8, dense_output=False)
    np.testing.assert_allclose(densities, expected, atol=1 / (32 * 20))  # one weight in a layer
    total = sum(m.weight_mask.sum().item() for m in erk.hidden)
    assert total == pytest.approx(0.2 * sum(a * b for a, b in shapes), abs=2)


def test_prune_idioms_state_dict_round_trip_and_remove():
    model = sparse_mlp(seed=1)
    opt = adam(model)
    train(model, opt, DynamicSparsity(model, opt, "rigl", total_steps=12, schedule=FAST), 10)
    sd = model.state_dict()
    assert {"hidden.0.weight_orig", "hidden.0.weight_mask", "out.weight"} <= set(sd)
    fresh = sparse_mlp(seed=2)  # other masks, other weights, until it loads
    assert not torch.equal(fresh.hidden[0].weight_mask, model.hidden[0].weight_mask)
    fresh.load_state_dict(sd)
    x = torch.rand(5, SIZES[0])
    assert torch.equal(fresh(x), model(x))

    masks = {n: m.weight_mask.bool().clone() for n, m in sparse_layers(model).items()}
    before = model(x)
    for linear in sparse_layers(model).values():
        prune.remove(linear, "weight")
    assert not prune.is_pruned(model)
    assert set(model.state_dict()) == set(MLP().state_dict())  # a plain dense module again
    for name, linear in linear_layers(model).items():
        assert isinstance(linear.weight, nn.Parameter) and not hasattr(linear, "weight_mask")
        if name in masks:
            assert (linear.weight[~masks[name]] == 0).all()
            assert (linear.weight[masks[name]] != 0).any()
    torch.testing.assert_close(model(x), before, rtol=0, atol=0)


# ---------------------------------------------------------------------------------------------
# the dense gradient and the state the updater keeps


def test_the_gradient_is_the_dense_one_of_the_masked_product():
    x, y = torch.rand(BATCH, SIZES[0]), torch.randint(0, 3, (BATCH,))
    model = sparse_mlp()
    F.cross_entropy(model(x), y).backward()  # prune's parametrisation: g ⊙ M
    first = model.hidden[0]
    off = ~first.weight_mask.bool()
    assert (first.weight_orig.grad[off] == 0).all()

    # the reference: dL/dW of a plain linear layer holding M ⊙ W
    plain = MLP()
    plain.load_state_dict({k.replace("_orig", ""): v for k, v in model.state_dict().items()
                           if not k.endswith("_mask")})
    F.cross_entropy(plain(x), y).backward()

    model.zero_grad()
    dst = DynamicSparsity(model, adam(model), "rigl", total_steps=100)
    F.cross_entropy(model(x), y).backward()
    dense = first.weight_orig.grad
    assert (dense[off] != 0).sum() > 0.5 * off.sum()  # non-zero at inactive positions
    torch.testing.assert_close(dense, plain.hidden[0].weight.grad, rtol=1e-6, atol=1e-7)
    assert not dst.step()  # t = 0: no update; the optimizer gets the masked gradient
    assert (first.weight_orig.grad[off] == 0).all()


@pytest.mark.parametrize("method", ["rigl", "set"])
def test_counts_conserved_and_new_connections_start_with_no_adam_state(method):
    model = sparse_mlp()
    opt = adam(model)
    dst = DynamicSparsity(model, opt, method, total_steps=40, schedule=FAST, check=True)
    counts = {n: int(m.sum()) for n, m in dst.masks().items()}
    seen = []

    def on_update(before):
        for name, linear in sparse_layers(model).items():
            new = linear.weight_mask.bool()
            grown = new & ~before[name]
            assert int(new.sum()) == counts[name]
            st = opt.state[linear.weight_orig]
            for t in (linear.weight_orig, st["exp_avg"], st["exp_avg_sq"]):
                assert (t[grown] == 0).all() and (t[~new] == 0).all()
            seen.append(int(grown.sum()))

    train(model, opt, dst, 40, on_update=on_update)
    assert len(seen) == 2 * 7 and sum(seen) > 0  # t = 4, ..., 28 ≤ 0.75·40, two layers
    history = dst.history()
    assert [sum(n) for n in history["n_active"]] == [sum(counts.values())] * 8
    for name, linear in sparse_layers(model).items():  # off the mask: nothing, ever
        off = ~linear.weight_mask.bool()
        st = opt.state[linear.weight_orig]
        assert all((t[off] == 0).all() for t in (linear.weight_orig, st["exp_avg"], st["exp_avg_sq"]))


def test_sgd_momentum_is_reset_where_connections_change():
    model = sparse_mlp()
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    dst = DynamicSparsity(model, opt, "rigl", total_steps=40, schedule=FAST)
    changed = []

    def on_update(before):
        for name, linear in sparse_layers(model).items():
            moved = linear.weight_mask.bool() ^ before[name]
            assert (opt.state[linear.weight_orig]["momentum_buffer"][moved] == 0).all()
            changed.append(int(moved.sum()))

    train(model, opt, dst, 20, on_update=on_update)
    assert sum(changed) > 0


@pytest.mark.parametrize("method", ["rigl", "set"])
def test_a_checkpointed_run_resumes_bit_identically(method):
    def fresh():
        model = sparse_mlp(seed=5)
        opt = adam(model)
        return model, opt, DynamicSparsity(model, opt, method, total_steps=40, schedule=FAST, seed=5)

    model, opt, dst = fresh()
    train(model, opt, dst, 30)  # uninterrupted

    model_a, opt_a, dst_a = fresh()
    train(model_a, opt_a, dst_a, 14)  # past two updates, with the generators drawn from
    buf = io.BytesIO()
    torch.save({"model": model_a.state_dict(), "opt": opt_a.state_dict(), "dst": dst_a.state_dict()}, buf)
    kept = dst_a.state_dict()
    train(model_a, opt_a, dst_a, 3, start=14)  # training on leaves ``kept`` as it was
    buf.seek(0)
    ckpt = torch.load(buf, weights_only=True)  # plain data: loads without unpickling code
    assert ckpt["dst"]["extra"]["rigl"]["history"] == kept["extra"]["rigl"]["history"]
    model_b = sparse_mlp(seed=5)
    model_b.load_state_dict(ckpt["model"])
    opt_b = adam(model_b)
    opt_b.load_state_dict(ckpt["opt"])
    dst_b = DynamicSparsity(model_b, opt_b, method, total_steps=40, schedule=FAST, seed=5)
    dst_b.load_state_dict(kept)
    train(model_b, opt_b, dst_b, 16, start=14)

    assert dst_b.history() == dst.history()
    for (name, a), b in zip(model.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(a, b), name
    with pytest.raises(ValueError, match="another run"):
        DynamicSparsity(model_b, opt_b, method, total_steps=41, schedule=FAST, seed=5).load_state_dict(
            ckpt["dst"])


def test_dynamic_sparsity_says_what_it_needs():
    with pytest.raises(ValueError, match="call psn.sparsify"):
        DynamicSparsity(MLP(), torch.optim.Adam(MLP().parameters()), "rigl", total_steps=10)
    model = sparse_mlp()
    with pytest.raises(ValueError, match="does not hold the weights"):
        DynamicSparsity(model, torch.optim.Adam(model.out.parameters()), "rigl", total_steps=10)
    with pytest.raises(ValueError, match="total_steps"):
        DynamicSparsity(model, adam(model), "rigl")
    with pytest.raises(ValueError, match="unknown method"):
        DynamicSparsity(model, adam(model), "magic", total_steps=10)
    assert psn.sparsify is sparsify and psn.DynamicSparsity is DynamicSparsity
    assert DynamicSparsity(model, adam(model), "set", total_steps=10).settings.schedule == CosineSchedule()


# ---------------------------------------------------------------------------------------------
# torch.compile, CUDA


@pytest.mark.skipif(shutil.which("g++") is None and shutil.which("cc") is None,
                    reason="torch.compile's CPU backend needs a C++ compiler")
@pytest.mark.slow
def test_torch_compile_trains_with_the_dense_gradient():
    net = MLP()
    model = sparsify(torch.compile(net), 0.8, "lognormal", ccv=1.0, seed=1)  # compiled, then sparsified
    assert list(sparse_layers(model)) == ["hidden.0", "hidden.1"]  # the user's names
    opt = adam(model)
    dst = DynamicSparsity(model, opt, "rigl", total_steps=12, schedule=FAST, check=True)
    x, y = torch.rand(BATCH, SIZES[0]), torch.randint(0, 3, (BATCH,))
    F.cross_entropy(model(x), y).backward()
    off = ~net.hidden[0].weight_mask.bool()
    assert (net.hidden[0].weight_orig.grad[off] != 0).any()
    assert not dst.step()
    opt.step()
    train(model, opt, dst, 9, start=1)
    assert dst.history()["t"] == [0, 4, 8]
    assert max(sum(turn) for turn in dst.history()["turnover"]) > 0


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
def test_dynamic_sparsity_on_cuda_matches_cpu_masks_at_the_first_update():
    runs = {}
    for device in ("cpu", "cuda"):
        model = sparse_mlp().to(device)
        opt = adam(model)
        dst = DynamicSparsity(model, opt, "set", total_steps=40, schedule=FAST, seed=3, check=True)
        for i in range(5):  # the first update at t = 4
            g = torch.Generator().manual_seed(i)
            x, y = torch.rand(BATCH, SIZES[0], generator=g), torch.randint(0, 3, (BATCH,), generator=g)
            loss = F.cross_entropy(model(x.to(device)), y.to(device))
            opt.zero_grad()
            loss.backward()
            if not dst.step():
                opt.step()
        assert all(m.device.type == device for m in dst.masks().values())
        runs[device] = dst.history()
    # SET draws from per-layer generators on the device: counts and t agree, the draws need not
    assert runs["cuda"]["t"] == runs["cpu"]["t"] == [0, 4]
    assert runs["cuda"]["n_active"] == runs["cpu"]["n_active"]


# ---------------------------------------------------------------------------------------------
# the example


@pytest.mark.slow
def test_the_fashion_mnist_example_trains_and_reports_ccv(repo):
    path = repo / "examples" / "fashion_cnn.py"
    spec = importlib.util.spec_from_file_location("fashion_cnn", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    if not example.PREPARED.is_file() and not (example.DEBIAN / example.IDX["x_train"]).is_file():
        pytest.skip("no Fashion-MNIST here (data/prepared/fashion_mnist.npz or Debian's package)")
    out, threads = io.StringIO(), torch.get_num_threads()
    try:
        with contextlib.redirect_stdout(out):
            acc = example.main(["--epochs", "1", "--limit", "2000", "--update-every", "10"])
    finally:
        torch.set_num_threads(threads)  # the example sets its own
    lines = out.getvalue().splitlines()
    epoch = re.fullmatch(r"epoch 1  loss [\d.]+  test accuracy ([\d.]+)%  fan-in CCV fc1 ([\d.]+)  "
                         r"fc2 ([\d.]+)  \((\d+) updates, \d+ s\)", lines[1])
    assert epoch, lines
    assert float(epoch[1]) / 100 == pytest.approx(acc, abs=1e-4) and acc > 0.4  # chance: 0.1
    assert int(epoch[4]) == 2  # t = 10, 20 of 32 steps
    assert (float(epoch[2]), float(epoch[3])) != (1.5, 1.5)  # RigL moved the start's CCV
    assert lines[-1].startswith("final test accuracy") and "fc1 1.50  fc2 1.50" in lines[-1]
