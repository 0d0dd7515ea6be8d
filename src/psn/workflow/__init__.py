"""Workflow glue: turns a validated config into the jobs and paths the Snakefile builds."""
