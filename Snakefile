# Regenerates "Heterogeneous Connectivity in Sparse Networks" (PSN, arXiv:2604.10560).
#   snakemake --cores all                                   the whole paper (config.yaml)
#   snakemake --cores all --configfile presets/quick.yaml   a CPU-sized slice on Fashion-MNIST
# See README.md for targets, presets and the SLURM profile.

import os
import shlex
import sys
from pathlib import Path

from snakemake.utils import min_version

min_version("9.20")

# The workflow runs the psn package checked out beside it, so a job never imports a stale
# install; PYTHONPATH carries that to every job, local or on a cluster node.
# (update(), not item assignment: the linter reads os.environ[...] as a variable the
# workflow requires from the user, and this one it sets itself.)
SRC = str(Path(workflow.basedir) / "src")
sys.path.insert(0, SRC)
os.environ.update(
    PYTHONPATH=os.pathsep.join(p for p in (SRC, os.environ.get("PYTHONPATH")) if p)
)

import psn.config
from psn.data import DATASETS
from psn.masks.starts import Start
from psn.names import STATIC_EXPERIMENTS
from psn.render.outputs import STAGES, files
from psn.training.dst import METHODS
from psn.workflow import dst_plan, plan
from psn.workflow.runtime import SNAKEMAKE_ARGS_ENV

# Snakemake's own reader reports a YAML syntax error with neither the file nor the line.
try:
    psn.config.read_yaml(Path(workflow.basedir) / "config.yaml")
except psn.config.ConfigError as exc:
    sys.stderr.write(f"{exc}\n")
    sys.exit(1)


configfile: str(Path(workflow.basedir) / "config.yaml")


try:
    config.update(psn.config.validate(config, warn=lambda msg: sys.stderr.write(f"{msg}\n")))
except psn.config.ConfigError as exc:
    sys.stderr.write(f"{exc}\n")
    sys.exit(1)

RESULTS = config["results_dir"]
RAW = config["data"]["raw_dir"]
PREPARED = config["data"]["prepared_dir"]
if not Path(os.path.abspath(RESULTS)).is_relative_to(Path.cwd()):
    sys.stderr.write(f"results_dir is outside the working directory: results go to "
                     f"{os.path.abspath(RESULTS)}\n")
elif Path.cwd().resolve() != Path(workflow.basedir).resolve():
    sys.stderr.write(f"the working directory is not the workflow's ({workflow.basedir}): results go to "
                     f"{os.path.abspath(RESULTS)}, data to "
                     f"{os.path.commonpath([os.path.abspath(RAW), os.path.abspath(PREPARED)])}\n")

# A job whose input fails verification names the command that rebuilds it, as the user runs
# this workflow: its Snakefile when not the working directory's, and the --configfile files.
REBUILD_ARGS = [] if Path("Snakefile").resolve() == Path(workflow.main_snakefile).resolve() else [
    "-s", os.path.abspath(workflow.main_snakefile)]
if workflow.overwrite_configfiles:
    REBUILD_ARGS += ["--configfile", *(os.path.relpath(f) if Path(os.path.abspath(f)).is_relative_to(Path.cwd())
                                       else str(f) for f in workflow.overwrite_configfiles)]
os.environ.update({SNAKEMAKE_ARGS_ENV: shlex.join(REBUILD_ARGS)})


wildcard_constraints:
    dataset="|".join(DATASETS),
    spread="even|random|sequential|none",
    arch=r"[0-9]+(-[0-9]+)+",
    epochs=r"[0-9]+",
    experiment="|".join(STATIC_EXPERIMENTS + ("forest_grid",)),
    sparsity=r"[0-9]+(\.[0-9]+)?",
    condition=r"[a-z_]+(-[a-z_]+[0-9.e+-]+)*",
    reading=r"(init|normalise|random_baseline)-[a-z_]+",
    normalise=r"unit|standardise",
    start=Start.WILDCARD,
    method="|".join(sorted(METHODS)),


include: "rules/common.smk"
include: "rules/outputs.smk"
include: "rules/helpers/masks.smk"
include: "rules/helpers/train_static.smk"
include: "rules/helpers/dst.smk"
include: "rules/helpers/report.smk"
include: "rules/data.smk"
include: "rules/masks.smk"
include: "rules/train_static.smk"
include: "rules/dst.smk"
include: "rules/report.smk"


localrules:
    all,
    data,
    masks,
    static,
    dst,
    fetch_dataset,


rule all:
    default_target: True
    input:
        rules.data.input,
        rules.masks.input,
        rules.static.input,
        rules.dst.input,
        rules.report.output,
