"""Workflow glue: turns a validated config into the jobs and paths the Snakefile builds.

``plan`` and ``dst_plan`` hold the typed jobs (their ``to_params`` is the rule's ``params.job``,
their ``runtime_minutes``/``mem_mb`` its SLURM resources); ``cost`` the one cost model behind
those resources, the report's estimates and the benchmark's; ``mock`` builds a script's
``snakemake`` object so the script runs on its own."""
