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
    return train_job(wildcards).to_params(config)


def train_runtime(wildcards):
    return train_job(wildcards).runtime_minutes()


def train_mem_mb(wildcards):
    return train_job(wildcards).mem_mb()


def experiment_runs(wildcards):
    return [f"{RESULTS}/runs/{key}.json" for key, _ in MEMBERS[wildcards.experiment]]


def experiment_members_param(wildcards):
    """{run key: the seeds this experiment takes from it}."""
    return {key: list(seeds) for key, seeds in MEMBERS[wildcards.experiment]}


def experiment_tables():
    return [f"{RESULTS}/tables/{name}/models.csv" for name in MEMBERS]


def experiment_tables_by_name(wildcards):
    return {name: f"{RESULTS}/tables/{name}/models.csv" for name in MEMBERS}
