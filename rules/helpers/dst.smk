# The dynamic sparse training stage's lookups: the group behind a wildcard, its parameters and
# resources, the equilibrium cells.

DST_JOBS = dst_plan.dst_jobs(config)


EQUILIBRIUM_CELLS = dst_plan.equilibrium_cells(config)


DST_PATH = "{method}/{dataset}/{arch}/e{epochs}/{start}/s{sparsity}"


def dst_job(wildcards):
    key = DST_PATH.format(**dict(wildcards.items()))
    if key not in DST_JOBS:
        raise ValueError(f"no dynamic sparse training group in the config trains {key!r}")
    return DST_JOBS[key]


def equilibrium_path(cell):
    return f"{RESULTS}/dst/equilibrium/{cell}.json"


def dst_inputs(wildcards):
    job = dst_job(wildcards)
    inputs = {"data": prepared_path(job.dataset)}
    if job.needs_equilibrium:
        inputs["equilibrium"] = equilibrium_path(job.cell)
    return inputs


def dst_params(wildcards):
    """Everything that determines a group's results."""
    return dst_job(wildcards).to_params(config)


def dst_runtime(wildcards):
    return dst_job(wildcards).runtime_minutes()


def dst_mem_mb(wildcards):
    return dst_job(wildcards).mem_mb()


def equilibrium_runs(wildcards):
    cell = (f"{wildcards.method}/{wildcards.dataset}/{wildcards.arch}/e{wildcards.epochs}/"
            f"s{wildcards.sparsity}")
    if cell not in EQUILIBRIUM_CELLS:
        raise ValueError(f"no dynamic sparse training cell {cell!r} in the config")
    return [f"{RESULTS}/dst/runs/{job.key}.json" for job in EQUILIBRIUM_CELLS[cell]]


def all_dst_runs():
    return [f"{RESULTS}/dst/runs/{key}.json" for key in DST_JOBS]


def all_equilibria():
    return [equilibrium_path(cell) for cell in EQUILIBRIUM_CELLS]


def dst_targets():
    if not DST_JOBS:
        return []
    return list(DST_FIGURES.values()) + list(DST_TABLES.values())
