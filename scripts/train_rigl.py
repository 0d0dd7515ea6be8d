"""Workflow glue: train every seed of one RigL group from its starting masks and write results."""

from pathlib import Path

from psn.analysis.equilibrium import lognormal_target
from psn.analysis.runs import load_results, strip_timings
from psn.data import load_prepared
from psn.masks.starts import start_masks
from psn.provenance import atomic_write_json, environment, file_sha256
from psn.training import train_group
from psn.training.rigl import CosineSchedule, RigL, RigLSettings
from psn.workflow.rigl_plan import fixed_start_ccv, start_mask_kind
from psn.workflow.runtime import job_log, rebuilt_by

job = snakemake.params.job  # noqa: F821 (snakemake global)
training, r, masks_cfg = job["training"], job["rigl"], job["masks"]
with job_log(snakemake.log[0], "train_rigl") as log:  # noqa: F821
    start, kind = job["start"], start_mask_kind(job["start"])
    ccv = fixed_start_ccv(start)
    if job["ccv_offset"] is not None:  # ln-equil±x: the target is read now, from its file
        with rebuilt_by("rigl_equilibrium", snakemake.input.equilibrium):  # noqa: F821
            eq = load_results(snakemake.input.equilibrium)  # noqa: F821
        ccv = lognormal_target(eq, job["ccv_offset"])
    elif start == "ln-paper":
        ccv = job["paper_ccv"]
    if ccv is not None:
        low = min(ccv) if isinstance(ccv, list) else ccv
        log.info("%s: lognormal target CCV %s%s", start, ccv,
                 " (<= 0: constant fan-in, CCV 0)" if low <= 0 else "")
    with rebuilt_by("prepare_dataset", snakemake.input.data):  # noqa: F821
        data = load_prepared(snakemake.input.data)  # noqa: F821
    # what the results depend on beyond the engine's own settings (RigL's are in the job):
    # a checkpoint resumes only if these match too
    inputs = {name: file_sha256(path) for name, path in snakemake.input.items()}  # noqa: F821
    masks = [start_masks(job["layer_sizes"], job["sparsity"], kind, seed=seed, ccv=ccv,
                         f_min=masks_cfg["f_min"], rounding=masks_cfg["rounding"],
                         random_baseline=masks_cfg["random_baseline"],
                         enforce_s_max=masks_cfg["above_smax"] == "error",
                         dense_output_in_budget=r["erk_dense_output_in_budget"])
             for seed in job["seeds"]]
    settings = RigLSettings(
        schedule=CosineSchedule(drop_fraction=r["drop_fraction"], update_every=r["update_every"],
                                end_fraction=r["end_fraction"], update_at_zero=r["update_at_zero"]),
        ties=r["tie_break"], grow=r["grow_score"])
    callback = None if start == "static" else RigL(settings)
    log.info("%s: %d models, %d epochs, %s", job["key"], len(job["seeds"]), job["epochs"],
             "static (no mask updates)" if callback is None else f"RigL {settings.as_dict()}")
    results, state = train_group(
        data, job["layer_sizes"], masks, job["seeds"],
        epochs=job["epochs"], batch_size=job["batch_size"], lr=training["lr"],
        init=training["init"], device=None if training["device"] == "auto" else training["device"],
        threads=training["threads"], precision=training["precision"],
        checkpoint_path=snakemake.params.checkpoint, callback=callback, log=log.info,  # noqa: F821
        fingerprint={"inputs_sha256": inputs, "job": job}, return_state=True,
    )
    for j, res in enumerate(results):
        res["start"] = {"name": start, "kind": kind, "ccv_target": ccv}
        if callback is not None:
            res["rigl"] = RigL.model_history(state.extra, j)
    atomic_write_json(snakemake.output[0], {  # noqa: F821
        "job": job, "inputs_sha256": inputs, "environment": environment(),
        "results": strip_timings(results),
    })
    Path(snakemake.params.checkpoint).unlink(missing_ok=True)  # noqa: F821
