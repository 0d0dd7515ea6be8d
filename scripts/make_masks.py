"""Workflow glue: build one mask artifact (every seed, every hidden layer) and its statistics."""

import pandas as pd

from psn.masks import mask_stats
from psn.masks.network import network_masks, save_network_masks
from psn.provenance import atomic_write_bytes, environment
from psn.workflow.runtime import job_log

job = snakemake.params.job  # noqa: F821 (snakemake global)
with job_log(snakemake.log[0], "make_masks") as log:  # noqa: F821
    masks, rows = {}, []
    for seed in job["seeds"]:
        masks[seed] = network_masks(
            job["layer_sizes"], job["sparsity"], job["profile"], seed=seed,
            spread=job["spread"], f_min=job["f_min"], rounding=job["rounding"],
            enforce_s_max=job["enforce_s_max"], **job["params"],
        )
        for layer, mask in enumerate(masks[seed]):
            stats = mask_stats(mask)
            rows.append({"arch": job["arch"], "condition": job["condition"],
                         "spread": job["spread"], "target_sparsity": job["sparsity"],
                         "seed": seed, "layer": layer, **stats})
        log.info("seed %d: realised sparsity per layer %s", seed,
                 [round(r["sparsity"], 5) for r in rows[-len(masks[seed]):]])
    save_network_masks(snakemake.output.masks, masks, {"job": job, "environment": environment()})  # noqa: F821
    table = pd.DataFrame(rows).to_csv(sep="\t", index=False, float_format="%.6g")
    atomic_write_bytes(snakemake.output.stats, table.encode())  # noqa: F821
