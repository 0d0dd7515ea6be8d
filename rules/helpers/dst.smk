# The dynamic sparse training stage's lookups: the group behind a wildcard, its parameters and
# resources, the equilibrium cells.

DST_JOBS = dst_plan.dst_jobs(config)


EQUILIBRIUM_CELLS = dst_plan.equilibrium_cells(config)


DST_PATH = "{method}/{dataset}/{arch}/e{epochs}/{start}/s{sparsity}"


def dst_job(wildcards):
    key = (f"{wildcards.method}/{wildcards.dataset}/{wildcards.arch}/e{wildcards.epochs}/"
           f"{wildcards.start}/s{wildcards.sparsity}")
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
    """Everything that determines a group's results (the equilibrium target is an input file,
    read when the job runs). The keys RigL's groups had before SET joined are as they were, and
    the ones added since appear only away from their defaults, so earlier results and
    checkpoints stay valid."""
    from psn.analysis.published import table4_ccv

    job = dst_job(wildcards)
    d = config["dst"]
    params = {
        "key": job.group,
        "dataset": job.dataset,
        "arch": plan.format_arch(job.layer_sizes),
        "layer_sizes": list(job.layer_sizes),
        "start": job.start.name,
        "ccv_offset": job.start.offset,
        "paper_ccv": table4_ccv(job.dataset, job.sparsity) if job.start.paper else None,
        "sparsity": job.sparsity,
        "epochs": job.epochs,
        "batch_size": job.batch_size,
        "seeds": list(job.seeds),
        "rigl": {key: d[key] for key in ("drop_fraction", "update_every", "end_fraction",
                                         "update_at_zero", "tie_break", "grow_score",
                                         "erk_dense_output_in_budget", "equilibrium_ccv")},
        "masks": {key: config["masks"][key] for key in ("f_min", "rounding", "random_baseline",
                                                         "above_smax")},
        "training": config["training"],
    }
    if job.method != dst_plan.PAPER_METHOD:
        params["method"] = job.method
    added = {key: d[key] for key, default in (("schedule", "cosine"), ("grow_from", "not_kept"))
             if d[key] != default}
    if d["plugins"]:
        added["plugins"] = list(d["plugins"])
    if added:
        params["dst"] = added
    return params


def dst_runtime(wildcards):
    return group_runtime(dst_job(wildcards), step_cost=1.1)  # + the updates


def dst_mem_mb(wildcards):
    return group_mem_mb(dst_job(wildcards), 10)  # + the updater's scores, ever-active masks


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
