"""Faults a careless or hostile user meets: stale, damaged or truncated checkpoints, finite
blow-ups, file modes, corrupt cached artifacts and load-time config gaps. Each test is a probe
that once got through silently or with an error naming neither the file nor the remedy."""

import copy
import json
import os
import shutil
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from test_data_prepare import QUIET, fetched_mnist
from test_engine_train import SIZES, toy_data, toy_masks
from test_workflow import SNAKEMAKE, kill_after_first_checkpoint, needs_fashion, snakemake, write_config

from psn.config import ConfigError, load, validate
from psn.data import load_prepared, prepare_dataset
from psn.data.prepare import array_sha256, load_meta, write_artifact
from psn.masks.network import load_seeds_masks, network_masks, save_network_masks
from psn.provenance import atomic_write_bytes, atomic_write_json, file_sha256
from psn.training import load_checkpoint, save_checkpoint, train_group

REPO = Path(__file__).resolve().parents[1]
SEEDS = [42, 123]
RUN = dict(batch_size=32)


def _strip(results):
    return [{k: v for k, v in r.items() if "seconds" not in k} for r in results]


def _run(masks, ckpt=None, epochs=2, data=None, lines=None, **kw):
    log = lines.append if lines is not None else None
    return train_group(toy_data() if data is None else data, SIZES, masks, SEEDS, epochs=epochs,
                       checkpoint_path=ckpt, log=log, **RUN, **kw)


def _flip(path: Path, at: float = 0.5, n: int = 2) -> None:
    raw = bytearray(path.read_bytes())
    mid = int(len(raw) * at)
    for i in range(n):
        raw[mid + i] ^= 0xFF
    path.write_bytes(bytes(raw))


# ---------------------------------------------------------------------------------------------
# 1. a stale checkpoint never overrides changed inputs


def test_changed_masks_start_fresh_instead_of_resuming_the_old_ones(tmp_path):
    ckpt = tmp_path / "group.pt"
    old, new = toy_masks(2, seed=0), toy_masks(2, seed=1)
    _run(old, ckpt, epochs=1)  # "killed" after its first epoch
    lines = []
    rerun = _run(new, ckpt, lines=lines)
    assert _strip(rerun) == _strip(_run(new))
    assert not any("resumed" in line for line in lines)
    assert any(f"checkpoint {ckpt} is from a different run (masks" in line
               and line.endswith("starting fresh") for line in lines), lines


def test_caller_fingerprint_decides_whether_to_resume(tmp_path):
    masks, data = toy_masks(2), toy_data()
    shuffled = dict(data, y_train=data["y_train"][torch.randperm(200, generator=torch.Generator().manual_seed(0))])
    job = {"training": {"lr": 1e-3, "threads": 1}, "rigl": {"drop_fraction": 0.3}}
    old = {"inputs_sha256": {"data": "a" * 64}, "job": job}
    new_data = copy.deepcopy(old)
    new_data["inputs_sha256"]["data"] = "b" * 64
    new_setting = copy.deepcopy(old)
    new_setting["job"]["rigl"]["drop_fraction"] = 0.5  # a callback's own setting
    for i, (fingerprint, differs) in enumerate([(old, None), (new_data, "inputs_sha256.data"),
                                                (new_setting, "job.rigl.drop_fraction")]):
        ckpt = tmp_path / f"group{i}.pt"
        _run(masks, ckpt, epochs=1, fingerprint=old)
        lines = []
        rerun = _run(masks, ckpt, data=shuffled, lines=lines, fingerprint=fingerprint)
        if differs is None:
            assert any(line.startswith(f"resumed from {ckpt} at epoch 1") for line in lines), lines
        else:
            assert _strip(rerun) == _strip(_run(masks, data=shuffled))
            assert any(f"different run ({differs})" in line for line in lines), lines


# ---------------------------------------------------------------------------------------------
# 2, 3. damaged, truncated or empty checkpoints are set aside and the job starts fresh


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty"])
def test_damaged_checkpoint_is_set_aside_and_the_job_starts_fresh(tmp_path, damage):
    ckpt, masks = tmp_path / "group.pt", toy_masks(2)
    _run(masks, ckpt, epochs=1)
    if damage == "flip":
        _flip(ckpt)
    elif damage == "truncate":
        ckpt.write_bytes(ckpt.read_bytes()[: ckpt.stat().st_size // 2])
    else:
        ckpt.write_bytes(b"")
    damaged = ckpt.read_bytes()
    lines = []
    rerun = _run(masks, ckpt, lines=lines)
    assert _strip(rerun) == _strip(_run(masks))
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("group.pt.corrupt")]
    assert len(aside) == 1 and aside[0].read_bytes() == damaged  # renamed, not deleted
    assert any(str(ckpt) in line and str(aside[0]) in line and line.endswith("starting fresh")
               for line in lines), lines
    assert load_checkpoint(ckpt)["epoch"] == 2  # the fresh run checkpointed over it
    with pytest.raises(ValueError, match=str(aside[0])):
        load_checkpoint(aside[0])


def test_checkpoint_carries_a_digest_of_its_payload(tmp_path):
    path = tmp_path / "c.pt"
    save_checkpoint(path, {"fingerprint": "{}", "epoch": 1, "w": torch.arange(1000.0)})
    assert torch.equal(load_checkpoint(path)["w"], torch.arange(1000.0))
    _flip(path, at=0.7)  # inside the tensor's bytes: torch.load alone would not notice
    with pytest.raises(ValueError, match=f"{path}.*digest"):
        load_checkpoint(path)


# ---------------------------------------------------------------------------------------------
# 4. a finite blow-up is divergence


def test_finite_blow_up_is_flagged_as_divergence():
    from psn.training.metrics import DIVERGENCE_FACTOR

    seen = []

    def record(state, step):
        seen.append(state.loss.clone())

    res = _run(toy_masks(2), lr=1e6, callback=record)
    losses = torch.stack(seen)
    assert torch.isfinite(losses).all() and losses.max() > 1e6  # finite, yet exploded
    for j, r in enumerate(res):
        assert r["diverged"] and r["final_test_accuracy"] is None and r["best_test_accuracy"] is None
        first = int(torch.nonzero(losses[:, j] > DIVERGENCE_FACTOR * np.log(SIZES[-1]))[0])
        assert r["diverged_step"] == first
        assert r["test_accuracy"] == [None, None]
    healthy = _run(toy_masks(2))
    assert not any(r["diverged"] for r in healthy)


# ---------------------------------------------------------------------------------------------
# 5. every atomic write honours the umask


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_atomic_writes_get_the_mode_a_plain_write_would(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        atomic_write_bytes(tmp_path / "t.csv", b"a,b\n")
        atomic_write_json(tmp_path / "r.json", {"x": 1})
        save_network_masks(tmp_path / "m.npz", {1: network_masks([8, 4], 0.5, "random", seed=1)}, {})
        write_artifact(tmp_path / "d.npz", {"y": np.arange(3)}, {"format": "x"})
        save_checkpoint(tmp_path / "c.pt", {"epoch": 0})
        plain = tmp_path / "plain"
        plain.write_bytes(b"")
    finally:
        os.umask(old)
    assert stat.S_IMODE(plain.stat().st_mode) == mode
    for name in ("t.csv", "r.json", "m.npz", "d.npz", "c.pt"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode, name


# ---------------------------------------------------------------------------------------------
# 6. corrupt cached artifacts name the file


def _mask_artifact(path):
    masks = {s: network_masks([64, 32, 16], 0.8, "random", seed=s) for s in (1, 2)}
    save_network_masks(path, masks, {"job": {}})
    return masks


def test_bit_flipped_mask_artifact_names_the_file(tmp_path):
    path = tmp_path / "s80.npz"
    _mask_artifact(path)
    _flip(path, at=0.3)
    with pytest.raises(ValueError) as info:
        load_seeds_masks(path, [1, 2])
    assert str(path) in str(info.value) and "\n" not in str(info.value)


def test_mask_artifact_whose_header_disagrees_with_its_bits_is_refused(tmp_path):
    import io
    import zipfile

    path = tmp_path / "s80.npz"
    _mask_artifact(path)
    with zipfile.ZipFile(path) as zf:  # a consistent zip whose header claims other shapes
        members = {name: zf.read(name) for name in zf.namelist()}
    header = np.load(io.BytesIO(members["__meta__.npy"]))
    meta = json.loads(header.tobytes())
    meta["shapes"]["seed1/layer0"] = [32, 96]
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    members["__meta__.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    with pytest.raises(ValueError, match=str(path)):
        load_seeds_masks(path, [1, 2])


def test_corrupt_artifact_error_gives_the_rebuild_command(tmp_path):
    from psn.workflow.runtime import rebuilt_by

    path = tmp_path / "s80.npz"
    _mask_artifact(path)
    _flip(path, at=0.3)
    with pytest.raises(ValueError) as info, rebuilt_by("make_masks", path):
        load_seeds_masks(path, [1])
    assert str(info.value).endswith(f"rebuild it: snakemake {path} --forcerun make_masks")


@pytest.fixture
def prepared(tmp_path):
    spec, _ = fetched_mnist(tmp_path)
    path = tmp_path / "mnist.npz"
    prepare_dataset("mnist", tmp_path / "raw", path, spec=spec, **QUIET)
    return path


def test_prepared_file_with_shuffled_labels_is_refused(prepared):
    arrays = load_prepared(prepared)
    arrays["y_train"] = np.random.default_rng(0).permutation(arrays["y_train"])
    write_artifact(prepared, arrays, load_meta(prepared))
    with pytest.raises(ValueError, match=f"{prepared}.*y_train"):
        load_prepared(prepared)


def test_prepared_label_out_of_range_names_the_file(prepared):
    arrays, meta = load_prepared(prepared), load_meta(prepared)
    arrays["y_test"][3] = meta["n_classes"]
    meta["arrays"]["y_test"]["sha256"] = array_sha256(arrays["y_test"])  # hashes made to agree
    write_artifact(prepared, arrays, meta)
    with pytest.raises(ValueError, match=f"{prepared}.*y_test.*label 10"):
        load_prepared(prepared)


def test_bit_flipped_prepared_file_names_the_file(prepared):
    _flip(prepared, at=0.4, n=1)
    with pytest.raises(ValueError, match=str(prepared)):
        load_prepared(prepared)


# ---------------------------------------------------------------------------------------------
# 7. validation at load time


@pytest.fixture
def tiny_raw(preset):
    return preset("tiny.yaml")


def _error(raw, **changes):
    cfg = copy.deepcopy(raw)
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    with pytest.raises(ConfigError) as info:
        validate(cfg)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_f_min_above_a_hidden_layers_inputs_fails_at_load_even_when_clamping(tiny_raw):
    # 784-64-64: the second masked layer has 64 inputs, so no neuron can keep 100
    msg = _error(tiny_raw, **{"masks.f_min": 100, "masks.above_smax": "clamp"})
    assert msg.startswith("config: masks.f_min = 100 exceeds")
    assert "64 inputs" in msg and "fashion_mnist" in msg


def test_sparsity_above_a_hidden_layers_smax_fails_at_load(tiny_raw):
    # S_max of 784 inputs is 0.99872, of 64 inputs 0.98438: 0.99 fails on the hidden layer
    msg = _error(tiny_raw, **{"experiments.cross_dataset.sparsities": [0.99],
                              "masks.above_smax": "error"})
    assert "0.98438" in msg and "n_in = 64" in msg


def test_sparsities_that_share_a_path_are_rejected(tiny_raw):
    msg = _error(tiny_raw, **{"experiments.cross_dataset.sparsities": [0.9, 0.9000000001]})
    assert "0.9000000001" in msg and "s90" in msg
    msg = _error(tiny_raw, **{"experiments.cross_dataset.sweep_sparsities": {"fashion_mnist": [0.9000000001]}})
    assert "sweep_sparsities.fashion_mnist[0]" in msg and "sparsities[0]" in msg


BROKEN_YAML = "results_dir: x\nmasks:\n  rounding: [ceil\n  f_min: 1\n"


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(BROKEN_YAML)
    with pytest.raises(ConfigError) as info:
        load(bad)
    msg = str(info.value)
    assert msg.startswith(f"config: {bad} line 4") and "\n" not in msg


@pytest.mark.slow
def test_workflow_config_yaml_syntax_error_names_file_and_line(tmp_path):
    copy_ = tmp_path / "wf"
    for name in ("rules", "scripts", "src", "envs"):
        shutil.copytree(REPO / name, copy_ / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy(REPO / "Snakefile", copy_)
    (copy_ / "config.yaml").write_text(BROKEN_YAML)
    proc = subprocess.run([SNAKEMAKE, "-s", str(copy_ / "Snakefile"), "--directory", str(tmp_path),
                           "-n", "--cores", "1"], capture_output=True, text=True, timeout=300)
    assert proc.returncode != 0
    last = [line for line in proc.stderr.splitlines() if line.strip()][-1]
    assert last.startswith(f"config: {copy_ / 'config.yaml'} line 4"), proc.stderr[-2000:]


@pytest.mark.slow
def test_results_dir_outside_the_working_directory_is_announced(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    work = tmp_path / "work"
    work.mkdir()
    cfg = write_config(work / "c.yaml", "presets/tiny.yaml", results_dir=str(elsewhere))
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", cfg)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"results go to {elsewhere}" in proc.stderr
    cfg = write_config(work / "c.yaml", "presets/tiny.yaml")
    proc = snakemake(work, "-n", "--cores", "1", "--configfile", cfg)
    assert proc.returncode == 0 and "results_dir is outside" not in proc.stderr
    # the working directory is not the workflow's (-s from elsewhere): said too
    assert f"results go to {work / 'results' / 'tiny'}" in proc.stderr


# ---------------------------------------------------------------------------------------------
# the same faults through the workflow


@pytest.mark.slow
@needs_fashion
def test_workflow_survives_stale_broken_checkpoints_and_names_a_corrupt_mask(tmp_path):
    """Kill a masked job after its first epoch, change masks.rounding: the rerun starts fresh.
    An empty checkpoint does not block --forcerun. A bit-flipped mask artifact fails the job
    with its path and the command that rebuilds it, and that command does."""
    work = tmp_path / "work"
    work.mkdir()
    changes = {"experiments.cross_dataset.epochs": {"fashion_mnist": 2},
               "experiments.cross_dataset.profiles": [],
               "experiments.cross_dataset.baselines": [],
               "data.raw_dir": str(tmp_path / "data" / "raw"),
               "data.prepared_dir": str(tmp_path / "data" / "prepared")}
    cfg = write_config(work / "c.yaml", "presets/tiny.yaml", **changes)
    run = "fashion_mnist/784-64-64-10/e2/lognormal-ccv1.5/random/s90"
    target = work / "results/tiny/runs" / f"{run}.json"
    ckpt = work / "results/tiny/checkpoints" / f"{run}.pt"
    log = work / "results/tiny/logs/train_group" / f"{run}.log"
    mask = work / "results/tiny/masks/784-64-64/lognormal-ccv1.5/random/s90.npz"
    rel = lambda p: p.relative_to(work)  # noqa: E731 (the job sees paths relative to its workdir)

    kill_after_first_checkpoint(work, target.relative_to(work), cfg, ckpt)

    cfg = write_config(work / "c.yaml", "presets/tiny.yaml", **changes, **{"masks.rounding": "floor"})
    proc = snakemake(work, target.relative_to(work), "--cores", "2", "--configfile", cfg)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = log.read_text()
    assert "resumed from" not in text
    assert f"checkpoint {rel(ckpt)} is from a different run (inputs_sha256.masks" in text
    assert json.loads(target.read_text())["inputs_sha256"]["masks"] == file_sha256(mask)

    ckpt.parent.mkdir(parents=True, exist_ok=True)
    ckpt.write_bytes(b"")
    proc = snakemake(work, target.relative_to(work), "--cores", "2", "--configfile", cfg,
                     "--forcerun", target.relative_to(work))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [p.name for p in ckpt.parent.iterdir()] == ["s90.pt.corrupt-1"]
    assert f"checkpoint {rel(ckpt)} is damaged" in log.read_text()

    good = mask.read_bytes()
    _flip(mask, at=0.3)
    proc = snakemake(work, target.relative_to(work), "--cores", "2", "--configfile", cfg)
    assert proc.returncode != 0
    errors = [line for line in log.read_text().splitlines() if " ERROR " in line]
    remedy = (f"rebuild it: snakemake {mask.relative_to(work)} --forcerun make_masks -s {REPO / 'Snakefile'} "
              "--configfile c.yaml")
    assert len(errors) == 1 and str(mask.relative_to(work)) in errors[0] and errors[0].endswith(remedy)
    proc = snakemake(work, "--cores", "1", *remedy.split()[3:], cwd=work)  # as printed, from the workdir
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert mask.read_bytes() == good


def test_damaged_results_file_names_the_file(tmp_path):
    from psn.analysis.runs import load_results
    from psn.provenance import ArtifactError

    path = tmp_path / "s90.json"
    path.write_text('{"job": {"start": "erk"}, "results": [')  # cut off mid-write
    with pytest.raises(ArtifactError, match=r"s90\.json is damaged: not valid JSON"):
        load_results(path)
