# Helpers every stage's rules call: report captions, the prepared data's path, whether a
# training job asks for a GPU. Each stage's own lookups sit in rules/helpers/<stage>.smk; the jobs,
# their params and their resources are psn.workflow's (plan, dst_plan, cost).

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


def stage_outputs(stage, kind):
    """{name}_{ext} -> its file under RESULTS for a rendering rule's figures or tables."""
    return {key: f"{RESULTS}/{rel}" for key, rel in files(getattr(STAGES[stage], kind)).items()}
