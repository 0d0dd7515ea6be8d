# Helpers every stage's rules call: report captions, the prepared data's path, the
# training groups' SLURM resources. Each stage's own lookups sit at the top of its rule file.

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


GPU_PER_JOB = 0 if config["training"]["device"] == "cpu" else 1


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
