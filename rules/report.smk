# The reproduction report: every number the paper publishes beside ours, with a verdict, from
# whatever the config ran (stages not in it give "not run" rows with what to launch).

rule report:
    input:
        unpack(report_inputs),
    output:
        md=f"{RESULTS}/report/reproduction.md",
        **reported({"csv": f"{RESULTS}/report/reproduction.csv"}, "Reproduction report"),
    params:
        rounding=config["masks"]["rounding"],
        gflops=config["report"]["gflops"],
        paper_config=os.path.join(workflow.basedir, "config.yaml"),
        include=config["report"]["include"],
        dst_readings=list(config["report"]["dst_readings"]),
        included=lambda wildcards: {key: [i, rel] for key, (i, rel) in included_tables().items()},
        title="Reproduction report: Profiled Sparse Networks (arXiv:2604.10560)",
        preamble=f"Every number the paper publishes beside ours, from `{RESULTS}/` "
        "(made by `snakemake report`). Figures and tables of each stage sit beside it in "
        f"`{RESULTS}/figures/` and `{RESULTS}/tables/`.\n",
    log:
        f"{RESULTS}/logs/report.log",
    resources:
        mem_mb=4000,
        runtime=15,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_report.py"
