# Dynamic sparse training (§2.8, §3.3): groups of each method (RigL, SET, …) trained from several
# starting masks; the equilibrium each method reaches in each (dataset, sparsity) cell, measured
# from the ERK, uniform and lognormal starts; RigL's lognormal starts at that equilibrium (read
# from its file when they run); Table 4, Figure 3 and the fan-in distributions.

rule train_dst:
    wildcard_constraints:
        sparsity=r"[0-9]+(\.[0-9]+)?(-confirm)?",  # the confirmation's extra seeds: their own group
    input:
        unpack(dst_inputs),
    output:
        f"{RESULTS}/dst/runs/{DST_PATH}.json",
    params:
        job=dst_params,
        checkpoint=f"{RESULTS}/checkpoints/dst/{DST_PATH}.pt",
    log:
        f"{RESULTS}/logs/train_dst/{DST_PATH}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_dst/{DST_PATH}.tsv"
    threads: config["training"]["threads"]
    resources:
        mem_mb=dst_mem_mb,
        runtime=dst_runtime,
        gpu=GPU_PER_JOB,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/train_dst.py"


rule dst_equilibrium:
    input:
        equilibrium_runs,
    output:
        f"{RESULTS}/dst/equilibrium/{{method}}/{{dataset}}/{{arch}}/e{{epochs}}/s{{sparsity}}.json",
    params:
        reading=config["dst"]["equilibrium_ccv"],
        tolerance=config["dst"]["convergence_tolerance"],
    log:
        f"{RESULTS}/logs/dst_equilibrium/{{method}}/{{dataset}}/{{arch}}/e{{epochs}}/s{{sparsity}}.log",
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/dst_equilibrium.py"


rule dst_tables:
    input:
        runs=all_dst_runs(),
        equilibria=all_equilibria(),
    output:
        models=f"{RESULTS}/tables/dst/models.csv",
        curves=f"{RESULTS}/tables/dst/curves.csv",
        trajectories=f"{RESULTS}/tables/dst/trajectories.csv",
        equilibrium=f"{RESULTS}/tables/dst/equilibrium.csv",
        fanin=f"{RESULTS}/tables/dst/fanin.csv",
        fanin_counts=f"{RESULTS}/tables/dst/fanin_counts.csv",
    log:
        f"{RESULTS}/logs/dst_tables.log",
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/dst_tables.py"


rule render_dst:
    input:
        **rules.dst_tables.output,
    output:
        **reported(DST_FIGURES, "Dynamic sparse training (§2.8, §3.3)"),
        **reported(DST_TABLES, "Dynamic sparse training (§2.8, §3.3)"),
    params:
        confirmation=config["dst"].get("confirmation"),
    log:
        f"{RESULTS}/logs/render_dst.log",
    resources:
        mem_mb=4000,
        runtime=15,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_dst.py"


rule dst:
    input:
        dst_targets(),
