# The static training stage's lookups: the training group behind a wildcard, its parameters and
# resources, the experiments' members.

TRAIN_JOBS = plan.train_jobs(config)


MEMBERS = plan.experiment_members(config)


def train_key(wildcards):
    reading = wildcards.get("reading")
    return ((f"readings/{reading}/" if reading else "")
            + f"{wildcards.dataset}/{wildcards.arch}/e{wildcards.epochs}/{wildcards.condition}/"
            f"{wildcards.spread}/s{wildcards.sparsity}")


def train_job(wildcards):
    key = train_key(wildcards)
    if key not in TRAIN_JOBS:
        raise ValueError(f"no experiment in the config trains {key!r}")
    return TRAIN_JOBS[key]


def train_inputs(wildcards):
    job = train_job(wildcards)
    inputs = {"data": prepared_path(job.dataset, job.override("normalise"))}
    if job.mask_key is not None:
        inputs["masks"] = f"{RESULTS}/masks/{job.mask_key}.npz"
    return inputs


def train_params(wildcards):
    """Everything that determines a training group's results."""
    job = train_job(wildcards)
    profile, params = job.condition.mask_profile(config["masks"]["random_baseline"])
    return {
        "key": job.key,
        "dataset": job.dataset,
        "arch": plan.format_arch(job.layer_sizes),
        "layer_sizes": list(job.layer_sizes),
        "condition": job.condition.name,
        "profile": "dense" if job.condition.is_dense else profile,
        "params": params,
        "spread": job.spread,
        "sparsity": job.sparsity,
        "epochs": job.epochs,
        "batch_size": job.batch_size,
        "seeds": list(job.seeds),
        "training": {**config["training"], "init": job.override("init") or config["training"]["init"]},
        **({"reading": job.reading} if job.reading else {}),  # absent for the default: caches stay valid
    }


def train_runtime(wildcards):
    return group_runtime(train_job(wildcards))


def train_mem_mb(wildcards):
    return group_mem_mb(train_job(wildcards), 6)  # weights, grads, Adam m and v, masks


def experiment_runs(wildcards):
    return [f"{RESULTS}/runs/{key}.json" for key, _ in MEMBERS[wildcards.experiment]]


def experiment_members_param(wildcards):
    """{run key: the seeds this experiment takes from it}."""
    return {key: list(seeds) for key, seeds in MEMBERS[wildcards.experiment]}


def experiment_tables():
    return [f"{RESULTS}/tables/{name}/models.csv" for name in MEMBERS]


def experiment_tables_by_name(wildcards):
    return {name: f"{RESULTS}/tables/{name}/models.csv" for name in MEMBERS}
