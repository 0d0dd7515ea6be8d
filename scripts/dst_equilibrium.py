"""Workflow glue: the equilibrium fan-in CCV of one method in one (dataset, sparsity) cell, from its
equilibrium starts' runs."""

from psn.analysis.equilibrium import equilibrium
from psn.analysis.runs import load_results
from psn.provenance import atomic_write_json
from psn.workflow.runtime import job_log, rebuilt_by

if "snakemake" not in globals():  # run on its own: python scripts/dst_equilibrium.py
    from psn.workflow.mock import mock_snakemake

    snakemake = mock_snakemake("dst_equilibrium", configfiles=["presets/tiny.yaml"], method="rigl",
                               dataset="fashion_mnist", arch="784-64-64-10", epochs="1", sparsity="90")

with job_log(snakemake.log[0], "dst_equilibrium") as log:
    runs = []
    for path in snakemake.input:
        with rebuilt_by("train_dst", path):
            runs.append(load_results(path))
    eq = equilibrium(runs, reading=snakemake.params.reading,
                     tolerance=snakemake.params.tolerance)
    for start, ccv in eq["per_start"].items():
        log.info("%s: final fan-in CCV per layer %s", start, [round(c, 3) for c in ccv])
    log.info("equilibrium per layer %s, mean %.3f; spread at t = T_end/2 %s (%s within %.2f)",
             [round(c, 3) for c in eq["per_layer"]], eq["mean"],
             [round(s, 3) for s in eq["spread_half"]],
             "converged" if eq["converged"] else "NOT converged", eq["tolerance"])
    atomic_write_json(snakemake.output[0], {"cell": dict(snakemake.wildcards.items()), **eq,
                                            "runs": list(snakemake.input)})
