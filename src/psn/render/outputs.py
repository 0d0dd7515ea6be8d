"""Every figure and table the pipeline renders, by name: the file it is written to (under the
results directory), the rule and script that write it, and the ``psn`` function that draws it
(with, for a figure, the pure function giving exactly what it plots). The rules build their
outputs from :data:`STAGES` (``rules/outputs.smk``) and each stage's ``render_all`` iterates it, so
a name and its file are kept once. Plain strings only: the Snakefile imports this module."""

from __future__ import annotations

import importlib
from typing import NamedTuple

FIGURE = ("png", "pdf")
TABLE = ("csv", "md")
CSV = ("csv",)


class Output(NamedTuple):
    file: str                  # under the results directory, without the extension
    exts: tuple[str, ...]
    render: str                # the psn function that writes it: "psn.render.figure3.render_figure3"
    data: str | None = None    # a figure's: the pure function giving what it plots


class Stage(NamedTuple):
    rule: str
    script: str
    figures: dict[str, Output]
    tables: dict[str, Output]


def _fig(file: str, module: str, render: str, data: str) -> Output:
    return Output(f"figures/{file}", FIGURE, f"psn.render.{module}.{render}", f"psn.render.{module}.{data}")


def _tab(file: str, exts: tuple[str, ...], module: str, render: str) -> Output:
    return Output(f"tables/{file}", exts, f"psn.render.{module}.{render}")


STAGES = {
    "figure1": Stage("figure1", "scripts/render_figure1.py",
                     {"figure1": _fig("figure1", "figure1", "render_figure1", "figure1_data")}, {}),
    "table3": Stage("table3", "scripts/render_table3.py", {},
                    {"table3": _tab("table3", TABLE, "table3", "smax_table")}),
    "mask_published": Stage("mask_published", "scripts/render_mask_published.py", {},
                            {"mask_published": _tab("mask_published", TABLE, "table3", "published_mask_comparison")}),
    "render_static": Stage("render_static", "scripts/render_static.py", {
        "fig2a": _fig("figure2a", "figure2", "render_fig2a", "fig2a_data"),
        "fig2b": _fig("figure2b", "figure2", "render_fig2b", "fig2b_data"),
        "fig2c": _fig("figure2c", "figure2", "render_fig2c", "fig2c_data"),
        "gradients": _fig("gradient_hierarchy", "static", "render_gradients_figure", "gradients_data"),
    }, {
        "table5": _tab("table5", TABLE, "static", "render_table5"),
        "table6": _tab("table6", TABLE, "static", "render_table6"),
        "comparisons": _tab("static_comparisons", TABLE, "static", "render_comparisons"),
        "multipeak": _tab("multipeak", CSV, "static", "render_multipeak_table"),
        "gradients": _tab("gradient_hierarchy", TABLE, "static", "render_gradients_table"),
        "ablation": _tab("spreading_ablation", CSV, "static", "render_ablation"),
        "forest_grid": _tab("forest_grid", CSV, "static", "render_forest_grid"),
        "readings": _tab("readings", TABLE, "static", "render_readings"),
    }),
    "render_dst": Stage("render_dst", "scripts/render_dst.py", {
        "fig3": _fig("figure3", "figure3", "render_figure3", "figure3_data"),
        "curves": _fig("rigl_curves", "dst_curves", "render_curves", "curves_data"),
        "trajectories": _fig("rigl_trajectories", "dst_curves", "render_trajectories", "trajectories_data"),
        "fanin_ccdf": _fig("dst_fanin_ccdf", "fanin", "render_fanin_ccdf", "ccdf_data"),
    }, {
        "table4": _tab("table4", TABLE, "dst", "render_table4"),
        "gaps": _tab("rigl_gaps", TABLE, "dst", "render_gaps"),
        "erk_forest": _tab("rigl_starts", TABLE, "dst", "render_starts"),
        "fanin": _tab("dst_fanin", TABLE, "fanin", "render_fanin_table"),
    }),
}


def files(outputs: dict[str, Output]) -> dict[str, str]:
    """``{name}_{ext}`` -> the file under the results directory: ``fig3_png`` -> ``figures/figure3.png``."""
    return {f"{name}_{ext}": f"{o.file}.{ext}" for name, o in outputs.items() for ext in o.exts}


def output_keys(stage: str) -> tuple[str, ...]:
    """Every output key of a stage's rule, figures first."""
    s = STAGES[stage]
    return (*files(s.figures), *files(s.tables))


def resolve(dotted: str):
    """The function a dotted name names: ``psn.render.figure3.render_figure3``."""
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def render_stage(stage: str, tables, outputs, options: dict | None = None) -> None:
    """Each figure and table of ``stage`` that ``outputs`` names (a key missing is skipped; an
    unknown one is an error), drawn by its function from ``tables``: a figure as
    ``render(tables, png, pdf)``, a table as ``render(tables, csv[, md], **options[name])``."""
    keys = output_keys(stage)
    unknown = set(outputs) - set(keys)
    if unknown:
        raise KeyError(f"unknown outputs {sorted(unknown)}; expected some of {keys}")
    s = STAGES[stage]
    for name, o in [*s.figures.items(), *s.tables.items()]:
        paths = [outputs.get(f"{name}_{ext}") for ext in o.exts]
        if any(p is not None for p in paths):
            resolve(o.render)(tables, *paths, **(options or {}).get(name, {}))
