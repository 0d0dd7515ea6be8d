# Helpers the rules call: config lookups and the job plan. No lambdas buried in rules.

MASK_JOBS = plan.mask_jobs(config)


REPORT_DIR = Path(workflow.basedir) / "report"


def reported(outputs, category):
    """The same outputs, each PNG or CSV that has a caption ``report/<stem>.rst`` marked for
    ``snakemake --report`` under ``category``."""
    out = {}
    for name, path in outputs.items():
        caption = REPORT_DIR / f"{Path(path).stem}.rst"
        marked = path.endswith((".png", ".csv")) and caption.exists()
        out[name] = report(path, caption=str(caption), category=category) if marked else path
    return out


def used_datasets():
    return psn.config.used_datasets(config)


def prepared_path(dataset, normalise=None):
    """The prepared data: the config's normalisation at ``<prepared>/<dataset>.npz``, another
    (a reading's) at ``<prepared>/<normalise>/<dataset>.npz``."""
    if normalise is None or normalise == config["data"]["normalise"]:
        return f"{PREPARED}/{dataset}.npz"
    return f"{PREPARED}/{normalise}/{dataset}.npz"


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


TRAIN_JOBS = plan.train_jobs(config)
MEMBERS = plan.experiment_members(config)
GPU_PER_JOB = 0 if config["training"]["device"] == "cpu" else 1


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


def group_runtime(job, step_cost=1.0):
    """Minutes for the SLURM time limit of a training group: a CPU-speed estimate (~20 ms per
    model-step of the paper's 784-1024-1024-10 MLP, times ``step_cost``), generous for GPUs."""
    from psn.data import DATASETS

    steps = -(-DATASETS[job.dataset].n_train // job.batch_size) * job.epochs
    width = sum(a * b for a, b in zip(job.layer_sizes[:-1], job.layer_sizes[1:])) / 1.86e6
    return int(30 + step_cost * steps * len(job.seeds) * 0.02 * max(width, 0.1) / 60)


def group_mem_mb(job, copies):
    """Memory of a training group: the dataset twice, and ``copies`` float tensors of the
    size of the weights per model."""
    from psn.data import DATASETS

    spec = DATASETS[job.dataset]
    data_mb = 4 * spec.input_dim * (spec.n_train + spec.n_test) / 1e6
    params = sum(a * b for a, b in zip(job.layer_sizes[:-1], job.layer_sizes[1:]))
    model_mb = copies * 4 * params * len(job.seeds) / 1e6
    return int(2000 + 2 * data_mb + 2 * model_mb)


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


STATIC_FIGURES = {
    f"{name}_{ext}": f"{RESULTS}/figures/{stem}.{ext}"
    for name, stem in [("fig2a", "figure2a"), ("fig2b", "figure2b"), ("fig2c", "figure2c"),
                       ("gradients", "gradient_hierarchy")]
    for ext in ("png", "pdf")
}
STATIC_TABLES = {
    f"{name}_{ext}": f"{RESULTS}/tables/{stem}.{ext}"
    for name, stem, exts in [("table5", "table5", ("csv", "md")), ("table6", "table6", ("csv", "md")),
                             ("comparisons", "static_comparisons", ("csv", "md")),
                             ("multipeak", "multipeak", ("csv",)),
                             ("gradients", "gradient_hierarchy", ("csv", "md")),
                             ("ablation", "spreading_ablation", ("csv",)),
                             ("forest_grid", "forest_grid", ("csv",)),
                             ("readings", "readings", ("csv", "md"))]
    for ext in exts
}


# ---- dynamic sparse training (RigL, SET) ----------------------------------------------------
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


DST_FIGURES = {
    f"{name}_{ext}": f"{RESULTS}/figures/{stem}.{ext}"
    for name, stem in [("fig3", "figure3"), ("curves", "rigl_curves"),
                       ("trajectories", "rigl_trajectories"), ("fanin_ccdf", "dst_fanin_ccdf")]
    for ext in ("png", "pdf")
}
DST_TABLES = {
    f"{name}_{ext}": f"{RESULTS}/tables/{stem}.{ext}"
    for name, stem in [("table4", "table4"), ("gaps", "rigl_gaps"), ("erk_forest", "rigl_starts"),
                       ("fanin", "dst_fanin")]
    for ext in ("csv", "md")
}


def dst_targets():
    if not DST_JOBS:
        return []
    return list(DST_FIGURES.values()) + list(DST_TABLES.values())


# ---- the reproduction report -----------------------------------------------------------------
INCLUDED_TABLES = ("tables/table3.csv", "tables/mask_published.csv", "tables/dst/models.csv",
                   "tables/dst/curves.csv", "tables/dst/equilibrium.csv", "tables/dst/fanin.csv", "tables/mnist_sweep/models.csv",
                   "tables/multipeak/models.csv", "tables/cross_dataset/models.csv",
                   "tables/fashion_98/models.csv", "tables/spreading_ablation/models.csv",
                   "tables/forest_grid/models.csv", "tables/readings/models.csv")


EMPTY_INCLUDES_SAID = set()


def included_tables():
    """key -> (results directory index, table) for the tables of ``report.include``'s results
    directories that exist (made by other runs with their own presets: read, never rebuilt).
    A directory holding none of them is said once: it adds nothing to the report."""
    out = {}
    for i, root in enumerate(config["report"]["include"]):
        if not os.path.isdir(root):
            raise ValueError(f"report.include: no results directory {root!r}; run its preset first, "
                             "or remove it from report.include")
        found = [j for j, rel in enumerate(INCLUDED_TABLES) if os.path.exists(os.path.join(root, rel))]
        out.update({f"include{i}_{j}": (i, INCLUDED_TABLES[j]) for j in found})
        if not found and root not in EMPTY_INCLUDES_SAID:
            EMPTY_INCLUDES_SAID.add(root)
            sys.stderr.write(f"report.include: {root!r} holds none of the tables the report reads "
                             f"({', '.join(INCLUDED_TABLES[:3])}, ...): it adds nothing; is it a results "
                             "directory (results_dir of its preset)?\n")
    return out


def report_inputs(wildcards):
    inputs = {"table3": rules.table3.output.csv, "mask_published": rules.mask_published.output.csv,
              "figure_figure1": f"{RESULTS}/figures/figure1.png"}
    inputs.update({f"static_{name}": path for name, path in experiment_tables_by_name(wildcards).items()})
    if MEMBERS:
        inputs.update({f"figure_{k.removesuffix('_png')}": v for k, v in STATIC_FIGURES.items() if k.endswith("_png")})
    if DST_JOBS:
        inputs.update({f"dst_{name}": f"{RESULTS}/tables/dst/{name}.csv"
                       for name in ("models", "curves", "equilibrium", "fanin")})
        inputs.update({f"figure_{k.removesuffix('_png')}": v for k, v in DST_FIGURES.items() if k.endswith("_png")})
    roots = config["report"]["include"]
    inputs.update({key: os.path.join(roots[i], rel) for key, (i, rel) in included_tables().items()})
    return inputs
