"""The workflow itself, run for real with Snakemake in temporary working directories."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import psn
from psn.config import validate
from psn.masks.network import load_network_masks, layer_seed
from psn.workflow import dst_plan, plan

pytestmark = pytest.mark.slow  # end-to-end: `pytest -m "not slow"` leaves these out

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
needs_fashion = pytest.mark.skipif(not DEBIAN_FASHION.exists(),
                                   reason="Debian's dataset-fashion-mnist is not installed")


def snakemake(workdir, *args, timeout=900, **kwargs):
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kwargs)


def job_counts(output: str) -> dict[str, int]:
    lines = output[output.index("job "):].splitlines()[2:]
    counts = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        counts[parts[0]] = int(parts[1])
    return counts


def write_config(path, base, **changes):
    cfg = yaml.safe_load((REPO / base).read_text())
    for dotted, value in changes.items():
        node = cfg
        *parents, last = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path.write_text(yaml.safe_dump(cfg))
    return path


def kill_after_first_checkpoint(workdir, target, cfg, ckpt):
    """Fetch the data, start Snakemake on ``target``, SIGKILL it (and its job) as soon as the
    checkpoint ``ckpt`` appears, and unlock the working directory."""
    assert snakemake(workdir, "data", "--cores", "2", "--configfile", cfg).returncode == 0
    cmd = [SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--directory", str(workdir),
           str(target), "--cores", "2", "--configfile", str(cfg)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 300
    while not ckpt.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert ckpt.exists(), "no checkpoint appeared"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert snakemake(workdir, "--unlock", "--cores", "1", "--configfile", cfg).returncode == 0


def test_dry_run_of_the_paper_lists_every_job(tmp_path, paper_config_raw):
    proc = snakemake(tmp_path, "-n", "--cores", "all", "--quiet", "rules")
    assert proc.returncode == 0, proc.stderr
    counts = job_counts(proc.stdout + proc.stderr)
    cfg = validate(paper_config_raw)
    assert counts["fetch_dataset"] == 4 and counts["prepare_dataset"] == 4
    assert counts["make_masks"] == len(plan.mask_jobs(cfg))
    readings = [k for k in plan.train_jobs(cfg) if k.startswith("readings/")]
    assert counts["train_group"] == len(plan.train_jobs(cfg)) - len(readings)
    assert counts["train_reading"] == len(readings) > 0
    assert counts["prepare_dataset_normalised"] == 1  # the standardised Fashion-MNIST
    # every dynamic group (RigL and SET side by side) is planned before anything trains, the
    # equilibrium-matched ones included
    jobs = dst_plan.dst_jobs(cfg)
    assert counts["train_dst"] == len(jobs)
    assert {j.method for j in jobs.values()} == {"rigl", "set"}
    assert counts["dst_equilibrium"] == len(dst_plan.equilibrium_cells(cfg)) == 2 * 4 * 4
    assert not (tmp_path / "data").exists() and not (tmp_path / "results").exists()


def test_bad_config_fails_in_one_line_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("masks:\n  rounding: round\n")
    proc = snakemake(tmp_path, "--cores", "1", "--configfile", bad)
    assert proc.returncode != 0
    last = [line for line in proc.stderr.splitlines() if line.strip()][-1]
    assert last == "config: masks.rounding = 'round' is not allowed; choose one of 'ceil', 'floor'"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != ".snakemake") == ["bad.yaml"]


def test_unobtainable_dataset_fails_cleanly(tmp_path):
    # A truncated hand-placed MNIST file and no network: the fetch fails, naming what to put
    # where, and leaves neither a manifest nor a prepared file nor a temporary file behind.
    manual = tmp_path / "data" / "manual"
    manual.mkdir(parents=True)
    (manual / "train-images-idx3-ubyte.gz").write_bytes(b"\x1f\x8b\x08\x00truncated")
    proc = snakemake(tmp_path, "--cores", "1", "data/prepared/mnist.npz")
    assert proc.returncode != 0
    log = (tmp_path / "results" / "logs" / "fetch_dataset" / "mnist.log").read_text()
    assert "could not obtain mnist" in log and "train-images-idx3-ubyte.gz" in log
    left = [p.relative_to(tmp_path) for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert left == [Path("data/manual/train-images-idx3-ubyte.gz")]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """The tiny preset run once, end to end, on the real Fashion-MNIST."""
    if not DEBIAN_FASHION.exists():
        pytest.skip("Debian's dataset-fashion-mnist is not installed")
    workdir = tmp_path_factory.mktemp("tiny")
    proc = snakemake(workdir, "--cores", "2", "--configfile", REPO / "presets" / "tiny.yaml")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return workdir


@needs_fashion
def test_tiny_preset_trains_and_tabulates(tiny):
    results = tiny / "results" / "tiny"
    models = pd.read_csv(results / "tables" / "cross_dataset" / "models.csv")
    assert sorted(models["condition"].unique()) == [
        "dense", "exponential-alpha3", "lognormal-ccv1.5", "random"]
    assert sorted(models["seed"].unique()) == [42, 123]
    assert len(models) == 8 and not models["diverged"].any()
    assert models["final_acc"].between(60, 95).all()  # Fashion-MNIST, 1 epoch, 64 units
    sparse = models[models["condition"] != "dense"]
    assert (sparse["sparsity"] - 0.9).abs().max() < 0.01
    cv = sparse.groupby("condition")["fan_in_cv_l0"].mean()
    assert cv["random"] < 0.05 < cv["exponential-alpha3"] < cv["lognormal-ccv1.5"]
    assert (models.loc[models["condition"] == "dense", "sparsity"] == 0).all()
    # §3.2's 98% run is its own experiment: power-law CV 1.0 against random, its own seeds
    at98 = pd.read_csv(results / "tables" / "fashion_98" / "models.csv")
    assert sorted(at98["condition"].unique()) == ["powerlaw-ccv1", "random"]
    assert (at98["target_sparsity"] == 0.98).all() and (at98["sparsity"] - 0.98).abs().max() < 0.01


@needs_fashion
def test_masks_in_the_pipeline_have_exact_fan_in(tiny):
    path = tiny / "results" / "tiny" / "masks" / "784-64-64" / "exponential-alpha3" / "random" / "s90.npz"
    sizes = (784, 64, 64)
    for seed in (42, 123):
        masks = load_network_masks(path, seed)
        for layer, mask in enumerate(masks):
            expected = psn.fan_in(sizes[layer], sizes[layer + 1], 0.9, "exponential", alpha=3,
                                  seed=layer_seed(seed, layer))
            assert mask.shape == (sizes[layer + 1], sizes[layer])
            assert (mask.sum(dim=1).numpy() == expected).all()


@needs_fashion
def test_rerun_does_nothing_and_a_retrained_job_is_byte_identical(tiny):
    proc = snakemake(tiny, "--cores", "2", "--configfile", REPO / "presets" / "tiny.yaml")
    assert proc.returncode == 0 and "Nothing to be done" in proc.stdout + proc.stderr
    run = tiny / "results" / "tiny" / "runs" / "fashion_mnist" / "784-64-64-10" / "e1" / "lognormal-ccv1.5" / "random" / "s90.json"
    before = run.read_bytes()
    run.unlink()
    # the target first: --configfile takes every word after it
    proc = snakemake(tiny, run.relative_to(tiny), "--cores", "2",
                     "--configfile", REPO / "presets" / "tiny.yaml")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert run.read_bytes() == before


@needs_fashion
def test_killed_training_job_resumes_bit_identical(tmp_path):
    """Kill a training job after its first checkpoint; the rerun resumes and its results
    are the bytes of a run never interrupted."""
    data = tmp_path / "shared-data"
    outputs = {}
    for name in ("killed", "clean"):
        workdir = tmp_path / name
        workdir.mkdir()
        cfg = write_config(workdir / "c.yaml", "presets/tiny.yaml",
                           **{"experiments.cross_dataset.epochs": {"fashion_mnist": 4},
                              "experiments.cross_dataset.profiles": [],
                              "experiments.cross_dataset.lognormal_ccv": [],
                              "experiments.cross_dataset.baselines": ["dense"],
                              "data.raw_dir": str(data / "raw"),
                              "data.prepared_dir": str(data / "prepared")})
        target = "results/tiny/runs/fashion_mnist/784-64-64-10/e4/dense/none/s0.json"
        ckpt = workdir / "results/tiny/checkpoints/fashion_mnist/784-64-64-10/e4/dense/none/s0.pt"
        if name == "killed":
            kill_after_first_checkpoint(workdir, target, cfg, ckpt)
            assert not (workdir / target).exists()
        proc = snakemake(workdir, target, "--cores", "2", "--configfile", cfg)
        assert proc.returncode == 0, proc.stderr[-2000:]
        log = (workdir / "results/tiny/logs/train_group/fashion_mnist/784-64-64-10/e4/dense/none/s0.log").read_text()
        assert ("resumed from" in log) == (name == "killed")
        assert not ckpt.exists()  # removed once the results are written
        outputs[name] = (workdir / target).read_bytes()
    assert outputs["killed"] == outputs["clean"]


TINY_DST = Path("results/tiny/dst")
TINY_CELL = "rigl/fashion_mnist/784-64-64-10/e1"
TINY_SET_CELL = "set/fashion_mnist/784-64-64-10/e1"


@needs_fashion
def test_tiny_rigl_stage_measures_and_feeds_forward_the_equilibrium(tiny):
    import json

    eq = json.loads((tiny / TINY_DST / "equilibrium" / TINY_CELL / "s90.json").read_text())
    assert set(eq["starts"]) == {"erk", "uniform", "lognormal-ccv2.5"}
    # the mean reading: the layers' CCVs, each the mean over the three starts, averaged
    per_layer = [sum(eq["per_start"][s][i] for s in eq["starts"]) / 3 for i in range(2)]
    assert eq["per_layer"] == pytest.approx(per_layer)
    assert eq["mean"] == eq["target"] == pytest.approx(sum(per_layer) / 2)
    ln = json.loads((tiny / TINY_DST / "runs" / TINY_CELL / "ln-equil" / "s90.json").read_text())
    paper = json.loads((tiny / TINY_DST / "runs" / TINY_CELL / "ln-paper" / "s90.json").read_text())
    for model in ln["results"]:
        assert model["start"]["ccv_target"] == eq["target"]
        # conserved exactly through every update, per layer
        counts = model["rigl"]["n_active"]
        assert all(c == counts[0] for c in counts) and len(counts) >= 3
    assert all(m["start"]["ccv_target"] == 2.52 for m in paper["results"])  # Table 4, Fashion 90%
    static = json.loads((tiny / TINY_DST / "runs" / TINY_CELL / "static" / "s90.json").read_text())
    assert all("rigl" not in m for m in static["results"])
    # SET measures its own equilibrium from its own runs, and its groups say whose they are
    set_eq = json.loads((tiny / TINY_DST / "equilibrium" / TINY_SET_CELL / "s90.json").read_text())
    assert set(set_eq["starts"]) == set(eq["starts"]) and set_eq["cell"]["method"] == "set"
    assert all(f"/set/{TINY_SET_CELL.split('/', 1)[1]}/" in r for r in set_eq["runs"])
    erk = json.loads((tiny / TINY_DST / "runs" / TINY_SET_CELL / "erk" / "s90.json").read_text())
    assert erk["job"]["method"] == "set" and "method" not in ln["job"]
    assert all(all(c == m["rigl"]["n_active"][0] for c in m["rigl"]["n_active"]) for m in erk["results"])


@needs_fashion
def test_a_changed_equilibrium_reruns_exactly_the_equilibrium_matched_jobs(tiny):
    path = tiny / TINY_DST / "equilibrium" / TINY_CELL / "s90.json"
    before, stat = path.read_bytes(), path.stat()
    try:
        path.write_bytes(before.replace(b'"mean"', b'"mean" ', 1))
        proc = snakemake(tiny, "-n", "--cores", "2", "--configfile", REPO / "presets" / "tiny.yaml")
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = proc.stdout + proc.stderr
        counts = job_counts(out)
        counts.pop("total")
        assert counts.pop("train_dst") == 1 and "start=ln-equil," in out
        assert set(counts) <= {"dst_tables", "render_dst", "dst", "report", "all"}
    finally:
        path.write_bytes(before)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@needs_fashion
def test_tiny_report_sets_ours_beside_the_paper_and_builds_the_html(tiny, tmp_path):
    results = tiny / "results" / "tiny"
    models = pd.read_csv(results / "tables" / "cross_dataset" / "models.csv")
    rows = pd.read_csv(results / "report" / "reproduction.csv").set_index("id")
    dense = rows.loc["table6_dense_fashion_mnist"]
    # ours is the pipeline's own models table, and at 1 epoch of a 64-unit MLP it is not judged
    assert dense["ours"] == pytest.approx(models.loc[models["condition"] == "dense", "final_acc"].mean())
    assert dense["verdict"] == "other settings" and "1 ep" in dense["settings"]
    assert rows.loc["table6_dense_mnist", "verdict"] == "not run"
    assert rows.loc["table3_n784_fmin1", "verdict"] == "reproduced"
    md = (results / "report" / "reproduction.md").read_text()
    assert "## Where the paper contradicts itself" in md and "snakemake dst --cores all" in md
    html = tmp_path / "report.html"
    proc = snakemake(tiny, "--report", html, "--configfile", REPO / "presets" / "tiny.yaml")
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = html.read_text()
    assert "Table 3: the largest sparsity a layer can reach" in text  # a caption from report/


PLUGIN = '''
"""A third drop-and-grow method, from outside psn: grows where the gradient is smallest."""
from psn.training import DropAndGrow, register_method


@register_method("smallgrad")
class SmallestGradient(DropAndGrow):
    def grow_score(self, layer):
        return -layer.grad.abs()
'''


@needs_fashion
def test_a_method_from_a_plugin_module_trains_in_the_pipeline(tmp_path):
    """One class and one registry entry in a module of the user's own, named in dst.plugins:
    the config accepts it, the plan and the dry run list its groups beside RigL's and SET's,
    and its group trains, with nothing in psn touched."""
    (tmp_path / "my_methods.py").write_text(PLUGIN)
    cfg = tmp_path / "plugin.yaml"
    cfg.write_text("dst:\n  methods: [rigl, set, smallgrad]\n  plugins: [my_methods]\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    args = ["--cores", "2", "--configfile", REPO / "presets" / "tiny.yaml", cfg]
    proc = snakemake(tmp_path, "-n", *args, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout + proc.stderr
    assert "method=smallgrad" in out and "method=set" in out
    target = "results/tiny/dst/runs/smallgrad/fashion_mnist/784-64-64-10/e1/erk/s90.json"
    proc = snakemake(tmp_path, target, *args, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    import json

    run = json.loads((tmp_path / target).read_text())
    assert run["job"]["method"] == "smallgrad" and run["job"]["dst"] == {"plugins": ["my_methods"]}
    for model in run["results"]:
        counts = model["rigl"]["n_active"]
        assert len(counts) > 1 and all(c == counts[0] for c in counts)
