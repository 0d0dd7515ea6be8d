"""The README's claim, tested: from any figure or table the report lists to its code in three
hops, its rule, the rule's script and the one ``psn`` function ``psn.render.outputs`` names
(beside, for a figure, the pure function giving what it plots, in the same module)."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from psn.render.outputs import STAGES, files, output_keys, resolve

OUTPUTS = [(stage, kind, name, o) for stage, s in STAGES.items()
           for kind in ("figures", "tables") for name, o in getattr(s, kind).items()]


def rule_block(repo, rule: str) -> tuple[str, str]:
    """(rule file, the text of ``rule NAME:`` up to the next rule) from rules/*.smk."""
    for path in sorted((repo / "rules").glob("*.smk")):
        text = path.read_text()
        m = re.search(rf"^rule {rule}:\n(.*?)(?=^rule |\Z)", text, re.S | re.M)
        if m:
            return path.name, m.group(1)
    raise AssertionError(f"no rule {rule} in rules/*.smk")


def test_the_report_lists_the_rendered_figures(repo):
    """The report's ``figure_*`` inputs are Figure 1's and the two rendering stages' PNGs."""
    text = (repo / "rules" / "helpers" / "report.smk").read_text()
    assert '"figure_figure1": f"{RESULTS}/figures/figure1.png"' in text
    for variable in ("STATIC_FIGURES", "DST_FIGURES"):
        assert f'for k, v in {variable}.items() if k.endswith("_png")' in text
    outputs = (repo / "rules" / "outputs.smk").read_text()
    assert 'STATIC_FIGURES = stage_outputs("render_static", "figures")' in outputs
    assert 'DST_FIGURES = stage_outputs("render_dst", "figures")' in outputs


@pytest.mark.parametrize("stage,kind,name,out", OUTPUTS, ids=[f"{s}:{n}_{k[:3]}" for s, k, n, _ in OUTPUTS])
def test_each_output_has_its_rule_script_and_function(repo, stage, kind, name, out):
    spec = STAGES[stage]
    # hop 1: the rule writes the file (by name, or through the outputs.smk dict built from this stage)
    _, block = rule_block(repo, spec.rule)
    output = block.split("params:")[0].split("log:")[0]
    variable = {("render_static", "figures"): "STATIC_FIGURES", ("render_static", "tables"): "STATIC_TABLES",
                ("render_dst", "figures"): "DST_FIGURES", ("render_dst", "tables"): "DST_TABLES"}.get((stage, kind))
    for ext in out.exts:
        assert (f"{out.file}.{ext}" in output) or (variable and variable in output), (spec.rule, out.file, ext)
    # hop 2: the rule's script
    assert f'script:\n        "../{spec.script}"' in block
    script = (repo / spec.script).read_text()
    # hop 3: the psn function, called by the script or by the render_all it calls (which iterates STAGES)
    fn = resolve(out.render)
    assert callable(fn) and out.render.startswith("psn.render.")
    module = importlib.import_module(fn.__module__)
    direct = re.search(rf"from {re.escape(fn.__module__)} import .*\b{fn.__name__}\b", script)
    m = re.search(r"from (psn\.render\.\w+) import render_all", script)
    staged = m and getattr(importlib.import_module(m.group(1)), "STAGE", None) == stage
    assert direct or staged, f"{spec.script} reaches neither {out.render} nor the render_all of {stage}"
    if kind == "figures":
        data = resolve(out.data)
        assert inspect.getmodule(data) is module, "a figure's data function sits beside its render function"
        assert out.data.rsplit(".", 1)[1].endswith("_data")


def test_three_files_from_figure3_to_its_code(repo):
    out = STAGES["render_dst"].figures["fig3"]
    rule_file, _ = rule_block(repo, "render_dst")
    hops = [f"rules/{rule_file}", STAGES["render_dst"].script, inspect.getsourcefile(resolve(out.render))]
    assert hops[0] == "rules/dst.smk" and hops[1] == "scripts/render_dst.py"
    assert hops[2].endswith("src/psn/render/figure3.py")
    assert files({"fig3": out}) == {"fig3_png": "figures/figure3.png", "fig3_pdf": "figures/figure3.pdf"}


def test_render_all_takes_exactly_the_spec_keys(tmp_path):
    from psn.render import dst, static

    assert dst.OUTPUTS == output_keys("render_dst") and static.OUTPUTS == output_keys("render_static")
    with pytest.raises(KeyError, match="unknown outputs"):
        dst.render_all({}, {"fig9_png": str(tmp_path / "x.png")})
    with pytest.raises(KeyError, match="unknown outputs"):
        static.render_all({}, {"fig9_png": str(tmp_path / "x.png")})
