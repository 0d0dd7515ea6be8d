# The masks stage's lookups: the mask job behind a wildcard and its parameters.

MASK_JOBS = plan.mask_jobs(config)


def mask_job(wildcards):
    key = f"{wildcards.arch}/{wildcards.condition}/{wildcards.spread}/s{wildcards.sparsity}"
    if key not in MASK_JOBS:
        raise ValueError(f"no experiment in the config asks for masks {key!r}")
    return MASK_JOBS[key]


def mask_params(wildcards):
    """Everything that determines a mask artifact, so a config change reruns exactly it."""
    return mask_job(wildcards).to_params(config)


def all_mask_artifacts(ext):
    return [f"{RESULTS}/masks/{key}.{ext}" for key in MASK_JOBS]
