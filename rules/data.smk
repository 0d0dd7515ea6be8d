# Data: fetch the original files (login node: marked local), verify them, and prepare one
# cached artifact per dataset.


rule fetch_dataset:
    output:
        f"{RAW}/{{dataset}}/manifest.json",
    params:
        manual_dir=config["data"]["manual_dir"],
    log:
        f"{RESULTS}/logs/fetch_dataset/{{dataset}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/fetch_dataset/{{dataset}}.tsv"
    resources:
        mem_mb=2000,
        runtime=60,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/fetch_dataset.py"


rule prepare_dataset:
    input:
        rules.fetch_dataset.output,
    output:
        f"{PREPARED}/{{dataset}}.npz",
    params:
        normalise=config["data"]["normalise"],
        split=config["data"]["forest_cover_split"],
    log:
        f"{RESULTS}/logs/prepare_dataset/{{dataset}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/prepare_dataset/{{dataset}}.tsv"
    resources:
        mem_mb=8000,
        runtime=30,
    conda:
        "../envs/psn.yaml"
    script:
        "../scripts/prepare_dataset.py"


use rule prepare_dataset as prepare_dataset_normalised with:
    output:
        f"{PREPARED}/{{normalise}}/{{dataset}}.npz",
    params:
        normalise=lambda wildcards: wildcards.normalise,
        split=config["data"]["forest_cover_split"],
    log:
        f"{RESULTS}/logs/prepare_dataset/{{normalise}}/{{dataset}}.log",
    benchmark:
        f"{RESULTS}/benchmarks/prepare_dataset/{{normalise}}/{{dataset}}.tsv"


rule data:
    input:
        [prepared_path(d) for d in used_datasets()],
