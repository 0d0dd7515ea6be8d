# Masks: one artifact per (masked layer sizes, condition, spread, sparsity) holding every hidden layer's
# mask for every seed that uses it, plus its statistics; Figure 1, Table 3 and the table that
# sets the paper's quoted mask figures beside ours.

rule make_masks:
    output:
        masks=f"{RESULTS}/masks/{{arch}}/{{condition}}/{{spread}}/s{{sparsity}}.npz",
        stats=f"{RESULTS}/masks/{{arch}}/{{condition}}/{{spread}}/s{{sparsity}}.tsv",
    params:
        job=mask_params,
    log:
        f"{RESULTS}/logs/make_masks/{{arch}}/{{condition}}/{{spread}}/s{{sparsity}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/make_masks/{{arch}}/{{condition}}/{{spread}}/s{{sparsity}}.tsv"
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/make_masks.py"


rule mask_stats_table:
    input:
        all_mask_artifacts("tsv"),
    output:
        f"{RESULTS}/tables/mask_stats.csv",
    log:
        f"{RESULTS}/logs/mask_stats_table.log",
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/mask_stats_table.py"


rule figure1:
    output:
        **reported({"png": f"{RESULTS}/figures/figure1.png", "pdf": f"{RESULTS}/figures/figure1.pdf"},
                   "Masks (§2.2–2.4)"),
    params:
        rounding=config["masks"]["rounding"],
    log:
        f"{RESULTS}/logs/figure1.log",
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_figure1.py"


rule table3:
    output:
        **reported({"csv": f"{RESULTS}/tables/table3.csv", "md": f"{RESULTS}/tables/table3.md"},
                   "Masks (§2.2–2.4)"),
    log:
        f"{RESULTS}/logs/table3.log",
    resources:
        mem_mb=1000,
        runtime=5,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_table3.py"


rule mask_published:
    output:
        **reported({"csv": f"{RESULTS}/tables/mask_published.csv", "md": f"{RESULTS}/tables/mask_published.md"},
                   "Masks (§2.2–2.4)"),
    log:
        f"{RESULTS}/logs/mask_published.log",
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_mask_published.py"


rule masks:
    input:
        rules.mask_stats_table.output,
        rules.figure1.output,
        rules.table3.output,
        rules.mask_published.output,
