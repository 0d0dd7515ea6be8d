"""Workflow glue: train every seed of one configuration together and write their results."""

from pathlib import Path

from psn.analysis.runs import strip_timings
from psn.data import load_prepared
from psn.masks.network import load_seeds_masks
from psn.provenance import atomic_write_json, environment, file_sha256
from psn.training import train_group
from psn.workflow.runtime import job_log, rebuilt_by

job = snakemake.params.job  # noqa: F821 (snakemake global)
training = job["training"]
with job_log(snakemake.log[0], "train_group") as log:  # noqa: F821
    with rebuilt_by("prepare_dataset", snakemake.input.data):  # noqa: F821
        data = load_prepared(snakemake.input.data)  # noqa: F821
    if "masks" in snakemake.input.keys():  # noqa: F821
        with rebuilt_by("make_masks", snakemake.input.masks):  # noqa: F821
            masks = load_seeds_masks(snakemake.input.masks, job["seeds"])  # noqa: F821
    else:
        masks = None
    # what the results depend on beyond the engine's own settings: a checkpoint resumes only
    # if these match too
    inputs = {name: file_sha256(path) for name, path in snakemake.input.items()}  # noqa: F821
    log.info("%s: %d models, %d epochs", job["key"], len(job["seeds"]), job["epochs"])
    results = train_group(
        data, job["layer_sizes"], masks, job["seeds"],
        epochs=job["epochs"], batch_size=job["batch_size"], lr=training["lr"],
        init=training["init"], device=None if training["device"] == "auto" else training["device"],
        threads=training["threads"], precision=training["precision"],
        checkpoint_path=snakemake.params.checkpoint, log=log.info,  # noqa: F821
        fingerprint={"inputs_sha256": inputs, "job": job},
    )
    atomic_write_json(snakemake.output[0], {  # noqa: F821
        "job": job, "inputs_sha256": inputs, "environment": environment(),
        "results": strip_timings(results),
    })
    Path(snakemake.params.checkpoint).unlink(missing_ok=True)  # noqa: F821
