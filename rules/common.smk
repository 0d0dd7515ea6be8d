# Helpers the rules call: config lookups and the job plan. No lambdas buried in rules.

MASK_JOBS = plan.mask_jobs(config)


def used_datasets():
    return psn.config.used_datasets(config)


def prepared_path(dataset):
    return f"{PREPARED}/{dataset}.npz"


def mask_key(wildcards):
    return f"{wildcards.dataset}/{wildcards.condition}/{wildcards.spread}/s{wildcards.sparsity}"


def mask_job(wildcards):
    key = mask_key(wildcards)
    if key not in MASK_JOBS:
        raise ValueError(f"no experiment in the config asks for masks {key!r}")
    return MASK_JOBS[key]


def mask_params(wildcards):
    """Everything that determines a mask artifact, so a config change reruns exactly it."""
    job = mask_job(wildcards)
    profile, params = job.condition.mask_profile(config["masks"]["random_baseline"])
    return {
        "profile": profile,
        "params": params,
        "spread": job.spread,
        "sparsity": job.sparsity,
        "layer_sizes": list(job.layer_sizes),
        "seeds": list(job.seeds),
        "f_min": config["masks"]["f_min"],
        "rounding": config["masks"]["rounding"],
        "enforce_s_max": config["masks"]["above_smax"] == "error",
        "condition": job.condition.name,
        "dataset": job.dataset,
    }


def all_mask_artifacts(ext):
    return [f"{RESULTS}/masks/{key}.{ext}" for key in MASK_JOBS]
