# The masks stage's lookups: the mask job behind a wildcard and its parameters.

MASK_JOBS = plan.mask_jobs(config)


def mask_job(wildcards):
    key = f"{wildcards.arch}/{wildcards.condition}/{wildcards.spread}/s{wildcards.sparsity}"
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
        "arch": plan.format_arch(job.layer_sizes),
    }


def all_mask_artifacts(ext):
    return [f"{RESULTS}/masks/{key}.{ext}" for key in MASK_JOBS]
