"""Workflow glue: train every seed of one dynamic sparse training group (a method from a start)
and write results."""

from pathlib import Path

from psn.analysis.equilibrium import lognormal_target, read_equilibrium
from psn.analysis.runs import strip_timings
from psn.config import SCHEDULE_KEYS, import_plugins
from psn.data import load_prepared
from psn.masks.starts import Start, group_start_masks
from psn.provenance import atomic_write_json, environment, file_sha256
from psn.training import DSTSettings, make_method, train_group
from psn.training.dst import make_schedule
from psn.workflow.dst_plan import PAPER_METHOD
from psn.workflow.runtime import job_log, rebuilt_by

job = snakemake.params.job  # noqa: F821 (snakemake global)
training, r = job["training"], job["rigl"]
added = job.get("dst", {})  # settings added since SET joined, present away from their defaults
method = job.get("method", PAPER_METHOD)
with job_log(snakemake.log[0], "train_dst") as log:  # noqa: F821
    import_plugins(added.get("plugins", []))
    start = Start.parse(job["start"])
    ccv = start.ccv
    if start.needs_equilibrium:  # ln-equil±x: the target is read now, from its file
        with rebuilt_by("dst_equilibrium", snakemake.input.equilibrium):  # noqa: F821
            eq = read_equilibrium(snakemake.input.equilibrium, widths=job["layer_sizes"][1:-1])  # noqa: F821
        ccv = lognormal_target(eq, job["ccv_offset"])
    elif start.paper:
        ccv = job["paper_ccv"]
    if ccv is not None:
        low = min(ccv) if isinstance(ccv, list) else ccv
        log.info("%s: lognormal target CCV %s%s", start, ccv,
                 " (<= 0: constant fan-in, CCV 0)" if low <= 0 else "")
    with rebuilt_by("prepare_dataset", snakemake.input.data):  # noqa: F821
        data = load_prepared(snakemake.input.data)  # noqa: F821
    # what the results depend on beyond the engine's own settings (the method's are in the job):
    # a checkpoint resumes only if these match too
    inputs = {name: file_sha256(path) for name, path in snakemake.input.items()}  # noqa: F821
    masks = [group_start_masks(job, seed, ccv) for seed in job["seeds"]]
    schedule = make_schedule(added.get("schedule", "cosine"), **{k: r[k] for k in SCHEDULE_KEYS})
    settings = DSTSettings(schedule=schedule, ties=r["tie_break"],
                           grow=r["grow_score"] if method == PAPER_METHOD else None,
                           grow_from=added.get("grow_from", "not_kept"))
    callback = None if start.kind == "static" else make_method(method, settings)
    log.info("%s %s: %d models, %d epochs, %s", method, job["key"], len(job["seeds"]), job["epochs"],
             "static (no mask updates)" if callback is None else f"{settings.as_dict()}")
    results, state = train_group(
        data, job["layer_sizes"], masks, job["seeds"],
        epochs=job["epochs"], batch_size=job["batch_size"], lr=training["lr"],
        init=training["init"], device=None if training["device"] == "auto" else training["device"],
        threads=training["threads"], precision=training["precision"],
        checkpoint_path=snakemake.params.checkpoint, callback=callback, log=log.info,  # noqa: F821
        fingerprint={"inputs_sha256": inputs, "job": job}, return_state=True,
    )
    for j, res in enumerate(results):
        res["start"] = {"name": start.name, "kind": start.kind, "ccv_target": ccv}
        if callback is not None:
            res["rigl"] = callback.model_history(state.extra, j)
    atomic_write_json(snakemake.output[0], {  # noqa: F821
        "job": job, "inputs_sha256": inputs, "environment": environment(),
        "results": strip_timings(results),
    })
    Path(snakemake.params.checkpoint).unlink(missing_ok=True)  # noqa: F821
