"""profiles/slurm submits real sbatch jobs (skipped unless a SLURM cluster answers; CI starts
one on localhost with .ci/slurm-localhost)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.slow  # end-to-end: `pytest -m "not slow"` leaves these out

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
TARGET = "results/tiny/runs/fashion_mnist/784-64-64-10/e1/dense/none/s0.json"


def _cluster_partition() -> str | None:
    if not shutil.which("sinfo"):
        return None
    proc = subprocess.run(["sinfo", "-h", "-o", "%P %T"], capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        partition, state = line.split()
        if state == "idle":
            return partition.rstrip("*")
    return None


def test_profile_is_valid_yaml_with_portable_rules(repo):
    profile = yaml.safe_load((repo / "profiles" / "slurm" / "config.yaml").read_text())
    assert profile["executor"] == "slurm"
    assert "slurm_partition" in profile["default-resources"]
    # site settings stay in the profile, never in the rules
    for rule_file in (repo / "rules").glob("*.smk"):
        text = rule_file.read_text()
        assert "slurm_partition" not in text and "slurm_account" not in text


@pytest.mark.skipif(not Path("/usr/share/datasets/fashion-mnist").exists(),
                    reason="Debian's dataset-fashion-mnist is not installed")
def test_training_job_runs_through_sbatch(tmp_path):
    partition = _cluster_partition()
    if partition is None:
        pytest.skip("no idle SLURM cluster (start one with .ci/slurm-localhost start)")
    profile = yaml.safe_load((REPO / "profiles" / "slurm" / "config.yaml").read_text())
    profile["default-resources"]["slurm_partition"] = partition
    # This cluster has no accounting database: ask squeue, not sacct, for job states.
    profile["slurm-status-command"] = "squeue"
    profile["slurm-init-seconds-before-status-checks"] = 5
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))
    (tmp_path / "cpu.yaml").write_text("training:\n  device: cpu\n")  # no GPUs here
    cmd = ["timeout", "-k", "10", "600", SNAKEMAKE, "-s", str(REPO / "Snakefile"),
           "--directory", str(tmp_path), TARGET, "--profile", str(tmp_path / "profile"),
           "--configfile", str(REPO / "presets" / "tiny.yaml"), str(tmp_path / "cpu.yaml")]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    run = json.loads((tmp_path / TARGET).read_text())
    assert run["job"]["key"] == "fashion_mnist/784-64-64-10/e1/dense/none/s0"
    assert [m["seed"] for m in run["results"]] == [42, 123] and run["job"]["training"]["device"] == "cpu"
    # the data download ran on the submitting host; preparing and training went to sbatch
    assert "localrule fetch_dataset:" in out
    assert "\nrule prepare_dataset:" in out and "\nrule train_group:" in out
    assert out.count("has been submitted with SLURM jobid") == 2
