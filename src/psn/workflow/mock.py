"""Run one workflow script on its own (under a debugger, say): build the ``snakemake`` object its
rule's job would get, from the real Snakefile and config, through Snakemake's Python API.

Every script starts with::

    if "snakemake" not in globals():
        from psn.workflow.mock import mock_snakemake
        snakemake = mock_snakemake("make_masks", arch="784-64-64", condition="exponential-alpha3",
                                   spread="random", sparsity="90", configfiles=["presets/tiny.yaml"])

so ``python scripts/make_masks.py`` runs the job's code with the job's input, output, params,
wildcards, log, threads and resources, but without Snakemake scheduling it: its inputs must
exist (``snakemake <input> --cores 1`` makes them).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

WORKFLOW_DIR = Path(__file__).resolve().parents[3]  # src/psn/workflow/mock.py -> the checkout


def mock_snakemake(rule: str, *, configfiles: Iterable[str | Path] = (), snakefile: str | Path | None = None,
                   workdir: str | Path | None = None, **wildcards: str):
    """The ``snakemake`` object of ``rule``'s job for ``wildcards``, as ``script:`` gives it.

    Threads are the rule's, capped at the machine's cores (``--cores all``). ``snakefile``
    defaults to the checkout's; ``workdir`` (where relative paths, such as ``results_dir``,
    start) to the Snakefile's folder; ``configfiles`` are the ``--configfile`` files, relative
    to the folder you call from or else to the Snakefile's. The process is left in ``workdir``, where
    a job runs, so the paths in params and config resolve as in the job; input, output and log
    paths come back absolute all the same, and the log's and outputs' folders are made. Raises
    ``ValueError`` for a rule the workflow lacks or wildcards it does not have.
    """
    from snakemake.api import SnakemakeApi
    from snakemake.dag import DAG
    from snakemake.jobs import Job
    from snakemake.script import Snakemake
    from snakemake.settings.types import (ConfigSettings, DAGSettings, OutputSettings, Quietness,
                                          ResourceSettings)

    snakefile = Path(snakefile or WORKFLOW_DIR / "Snakefile").resolve()
    workdir = Path(workdir or snakefile.parent).resolve()
    configfiles = [Path(f) for f in ([configfiles] if isinstance(configfiles, (str, Path)) else configfiles)]
    # relative to the folder you call from, else to the workflow's (presets/tiny.yaml from scripts/)
    configfiles = [(f if f.is_absolute() or f.exists() else snakefile.parent / f).resolve() for f in configfiles]
    for f in configfiles:
        if not f.exists():
            raise FileNotFoundError(f"config file {f} does not exist")
    with SnakemakeApi(OutputSettings(quiet={Quietness.ALL}, enable_file_logging=False)) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=os.cpu_count()),  # --cores all
                                    config_settings=ConfigSettings(configfiles=configfiles),
                                    snakefile=snakefile, workdir=workdir)
        workflow = workflow_api._workflow  # the Snakefile, parsed with the config
        workflow.dag_settings = DAGSettings()
        if not workflow.is_rule(rule):
            raise ValueError(f"the workflow has no rule {rule!r}")
        target = workflow.get_rule(rule)
        if set(target.wildcard_names) != set(wildcards):
            raise ValueError(f"rule {rule!r} has the wildcards {sorted(target.wildcard_names)}, "
                             f"given {sorted(wildcards)}")
        job = Job(target, DAG(workflow, rules=[target]), {k: str(v) for k, v in wildcards.items()})
        for files in (job.input, job.output, job.log):
            for i, path in enumerate(files):
                files[i] = os.path.abspath(path)
        snakemake = Snakemake(job.input, job.output, job.params, job.wildcards, job.threads,
                              job.resources, job.log, workflow.config, target.name, None)
    os.chdir(workdir)  # as a job runs: relative paths in params and config hold
    for path in [*snakemake.log, *snakemake.output]:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    return snakemake
