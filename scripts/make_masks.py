"""Workflow glue: build one mask artifact (every seed, every hidden layer) and its statistics."""

from psn.masks.network import network_masks, network_stats_table, save_network_masks
from psn.provenance import atomic_write_bytes, environment
from psn.workflow.runtime import job_log

if "snakemake" not in globals():  # run on its own: python scripts/make_masks.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("make_masks", configfiles=["presets/tiny.yaml"], arch="784-64-64",
                               condition="exponential-alpha3", spread="random", sparsity="90")

job = snakemake.params.job
with job_log(snakemake.log[0], "make_masks") as log:
    masks = {
        seed: network_masks(
            job["layer_sizes"], job["sparsity"], job["profile"], seed=seed,
            spread=job["spread"], f_min=job["f_min"], rounding=job["rounding"],
            enforce_s_max=job["enforce_s_max"], **job["params"],
        )
        for seed in job["seeds"]
    }
    table = network_stats_table(masks, arch=job["arch"], condition=job["condition"],
                                spread=job["spread"], target_sparsity=job["sparsity"])
    for seed, rows in table.groupby("seed", sort=False):
        log.info("seed %d: realised sparsity per layer %s", seed, rows["sparsity"].round(5).tolist())
    save_network_masks(snakemake.output.masks, masks, {"job": job, "environment": environment()})
    tsv = table.to_csv(sep="\t", index=False, float_format="%.6g")
    atomic_write_bytes(snakemake.output.stats, tsv.encode())
