# Static training: each job trains every seed of one configuration together (the batched
# engine), checkpointing each epoch so a killed job resumes; per-experiment tables gather them.

rule train_group:
    input:
        unpack(train_inputs),
    output:
        f"{RESULTS}/runs/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.json",
    params:
        job=train_params,
        checkpoint=f"{RESULTS}/checkpoints/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.pt",
    log:
        f"{RESULTS}/logs/train_group/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_group/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.tsv"
    threads: config["training"]["threads"]
    resources:
        mem_mb=train_mem_mb,
        runtime=train_runtime,
        gpu=GPU_PER_JOB,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/train_group.py"


use rule train_group as train_reading with:
    output:
        f"{RESULTS}/runs/readings/{{reading}}/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.json",
    params:
        job=train_params,
        checkpoint=f"{RESULTS}/checkpoints/readings/{{reading}}/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.pt",
    log:
        f"{RESULTS}/logs/train_group/readings/{{reading}}/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/train_group/readings/{{reading}}/{{dataset}}/{{arch}}/e{{epochs}}/{{condition}}/{{spread}}/s{{sparsity}}.tsv"


rule experiment_table:
    input:
        experiment_runs,
    output:
        models=f"{RESULTS}/tables/{{experiment}}/models.csv",
        curves=f"{RESULTS}/tables/{{experiment}}/curves.csv",
    params:
        members=experiment_members_param,
    log:
        f"{RESULTS}/logs/experiment_table/{{experiment}}.log",
    resources:
        mem_mb=4000,
        runtime=10,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/experiment_table.py"


rule render_static:
    input:
        unpack(experiment_tables_by_name),
    output:
        **reported(STATIC_FIGURES, "Static experiments (§3.1–3.2)"),
        **reported(STATIC_TABLES, "Static experiments (§3.1–3.2)"),
    log:
        f"{RESULTS}/logs/render_static.log",
    resources:
        mem_mb=4000,
        runtime=15,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/render_static.py"


rule static:
    input:
        rules.render_static.output,
