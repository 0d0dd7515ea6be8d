"""mock_snakemake builds a script's ``snakemake`` object from the real Snakefile and config, so a
script runs on its own."""

import os

import pytest

from psn.workflow.mock import mock_snakemake

pytestmark = pytest.mark.slow  # end-to-end: `pytest -m "not slow"` leaves these out


def test_mock_snakemake_builds_the_job_of_a_tiny_rule(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)               # it moves to the workflow's folder, as a job runs
    monkeypatch.setenv("PYTHONPATH", "")      # the Snakefile sets these for its jobs
    monkeypatch.setenv("PSN_SNAKEMAKE_ARGS", "")
    wildcards = dict(dataset="fashion_mnist", arch="784-64-64-10", epochs="1", condition="lognormal-ccv1.5",
                     spread="random", sparsity="90")
    sm = mock_snakemake("train_group", configfiles=[repo / "presets" / "tiny.yaml"], **wildcards)
    results = repo / "results" / "tiny"
    group = "fashion_mnist/784-64-64-10/e1/lognormal-ccv1.5/random/s90"
    assert dict(sm.input) == {"data": str(repo / "data" / "prepared" / "fashion_mnist.npz"),
                              "masks": str(results / "masks" / "784-64-64/lognormal-ccv1.5/random/s90.npz")}
    assert list(sm.output) == [str(results / "runs" / f"{group}.json")]
    assert list(sm.log) == [str(results / "logs" / "train_group" / f"{group}.log")]
    assert dict(sm.wildcards) == wildcards
    assert sm.params.job["key"] == group and sm.params.job["seeds"] == [42, 123]
    assert sm.params.checkpoint == f"results/tiny/checkpoints/{group}.pt"
    assert (sm.rule, sm.threads, sm.config["results_dir"]) == ("train_group", min(2, os.cpu_count()), "results/tiny")
    assert (sm.resources.runtime, sm.resources.mem_mb) == (30, 2444)
    assert os.getcwd() == str(repo)


def test_mock_snakemake_names_a_wrong_rule_or_wildcards(repo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", "")
    monkeypatch.setenv("PSN_SNAKEMAKE_ARGS", "")
    tiny = [repo / "presets" / "tiny.yaml"]
    with pytest.raises(ValueError, match="no rule 'train'"):
        mock_snakemake("train", configfiles=tiny)
    with pytest.raises(ValueError, match=r"rule 'make_masks' has the wildcards \['arch', 'condition', "
                                         r"'sparsity', 'spread'\], given \['arch'\]"):
        mock_snakemake("make_masks", configfiles=tiny, arch="784-64-64")
