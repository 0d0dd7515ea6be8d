# RigL (§2.8, §3.3): groups trained from several starting masks; the equilibrium each
# (dataset, sparsity) cell converges to, measured from the ERK, uniform and lognormal starts;
# lognormal starts at that equilibrium (read from its file when they run); Table 4 and Figure 3.


rule train_rigl:
    wildcard_constraints:
        sparsity=r"[0-9]+(\.[0-9]+)?(-confirm)?",  # the confirmation's extra seeds: their own group
    input:
        unpack(rigl_inputs),
    output:
        f"{RESULTS}/rigl/runs/{{dataset}}/{{arch}}/e{{epochs}}/{{start}}/s{{sparsity}}.json",
    params:
        job=rigl_params,
        checkpoint=f"{RESULTS}/checkpoints/rigl/{{dataset}}/{{arch}}/e{{epochs}}/{{start}}/s{{sparsity}}.pt",
    log:
        f"{RESULTS}/logs/train_rigl/{{dataset}}/{{arch}}/e{{epochs}}/{{start}}/s{{sparsity}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_rigl/{{dataset}}/{{arch}}/e{{epochs}}/{{start}}/s{{sparsity}}.tsv"
    threads: config["training"]["threads"]
    resources:
        mem_mb=rigl_mem_mb,
        runtime=rigl_runtime,
        gpu=GPU_PER_JOB,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/train_rigl.py"


rule rigl_equilibrium:
    input:
        equilibrium_runs,
    output:
        f"{RESULTS}/rigl/equilibrium/{{dataset}}/{{arch}}/e{{epochs}}/s{{sparsity}}.json",
    params:
        reading=config["rigl"]["equilibrium_ccv"],
        tolerance=config["rigl"]["convergence_tolerance"],
    log:
        f"{RESULTS}/logs/rigl_equilibrium/{{dataset}}/{{arch}}/e{{epochs}}/s{{sparsity}}.log",
    resources:
        mem_mb=2000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/rigl_equilibrium.py"


rule rigl_tables:
    input:
        runs=all_rigl_runs(),
        equilibria=all_equilibria(),
    output:
        models=f"{RESULTS}/tables/rigl/models.csv",
        curves=f"{RESULTS}/tables/rigl/curves.csv",
        trajectories=f"{RESULTS}/tables/rigl/trajectories.csv",
        equilibrium=f"{RESULTS}/tables/rigl/equilibrium.csv",
    log:
        f"{RESULTS}/logs/rigl_tables.log",
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/rigl_tables.py"


rule render_rigl:
    input:
        **rules.rigl_tables.output,
    output:
        **reported(RIGL_FIGURES, "RigL (§2.8, §3.3)"),
        **reported(RIGL_TABLES, "RigL (§2.8, §3.3)"),
    params:
        confirmation=config["rigl"].get("confirmation"),
    log:
        f"{RESULTS}/logs/render_rigl.log",
    resources:
        mem_mb=4000,
        runtime=15,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_rigl.py"


rule rigl:
    input:
        rigl_targets(),
