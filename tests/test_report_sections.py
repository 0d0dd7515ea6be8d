"""The report's sections: each owns its claims and measures them under ids that one helper
spells; a measurement no claim has is an error naming it, never a silent "not run"."""

import ast
import inspect

import pytest

from psn.analysis import published as pub
from psn.analysis.comparisons import comparisons
from psn.analysis.report import (INCLUDED_TABLES, NOT_RUN, REPORT_TABLES, SECTIONS, Claim, Ours, Results, Section,
                                 claim_id, claims, measure, read_results, report_table)
from psn.analysis.report import cross_sections, dst_sections, mask_sections, static_sections
from psn.analysis.report.core import unique_ids
from psn.analysis.static import STATIC_COMPARISONS

SECTION_MODULES = (mask_sections, static_sections, cross_sections, dst_sections)


def test_claim_id_spells_every_family_one_way():
    assert claim_id("table5", "bell", s=0.9) == "table5_bell_s90"
    assert claim_id("table5", "random", s=0.999) == "table5_random_s99.9"
    assert claim_id("table3", n=784, fmin=1) == "table3_n784_fmin1"
    assert claim_id("table6", "Random (≈0)", "fashion_mnist") == "table6_random_0_fashion_mnist"
    assert claim_id("mask", "multipeak CCV k=1 β=1200") == "mask_multipeak_ccv_k_1_1200"
    assert claim_id("forest_grid_gain", w=1024.0) == claim_id("forest_grid_gain", w=1024) == "forest_grid_gain_w1024"
    assert claim_id("table4", "mnist", s=0.95) == claim_id("table4", "mnist", s=0.9500000001) == "table4_mnist_s95"


def test_every_claim_id_is_unique_and_owned_by_one_section():
    per_section = [[c.id for c in s.claims()] for s in SECTIONS]
    ids = [i for ids in per_section for i in ids]
    assert len(ids) == len(set(ids)) == len(claims()) == 179
    assert [c.id for c in claims()] == ids                       # claims() is the sections' in order
    assert all(per_section), [s.name for s, ids in zip(SECTIONS, per_section) if not ids]
    assert len({s.name for s in SECTIONS}) == len(SECTIONS)
    twice = [Claim("a", "s", "w", "q", 1.0, 1), Claim("b", "s", "w", "q", 1.0, 1), Claim("a", "t", "w", "q", 2.0, 1)]
    with pytest.raises(ValueError, match=r"duplicate claim ids: \['a'\]"):
        unique_ids(twice)


def test_the_contradictions_name_claims_that_exist():
    ids = {c.id for c in claims()}
    named = [cid for c in pub.CONTRADICTIONS for cid in c["rows"]]
    assert named and [cid for cid in named if cid not in ids] == []


def _claim_id_names(tree: ast.AST) -> set[str]:
    """Names bound (anywhere in the module) to claim_id(...) or a tuple of them."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            targets = node.targets[0].elts if isinstance(node.targets[0], ast.Tuple) else node.targets
            if len(values) == len(targets) and all(_is_claim_id(v, set()) for v in values):
                out |= {t.id for t in targets if isinstance(t, ast.Name)}
    return out


def _is_claim_id(node: ast.AST, names: set[str]) -> bool:
    return ((isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "claim_id")
            or (isinstance(node, ast.Name) and node.id in names))


@pytest.mark.parametrize("module", SECTION_MODULES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_every_id_a_section_builds_comes_from_claim_id(module):
    """Claims (Claim(id, ...)) and measurements (put(out, id, ...), out[id] = ...) alike."""
    tree = ast.parse(inspect.getsource(module))
    names = _claim_id_names(tree)
    sites = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("Claim", "put"):
            arg = node.args[0] if node.func.id == "Claim" else node.args[1]
            sites.append((node.func.id, node.lineno, _is_claim_id(arg, names)))
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript) \
                and isinstance(node.targets[0].value, ast.Name) and node.targets[0].value.id == "out":
            sites.append(("out[...]", node.lineno, _is_claim_id(node.targets[0].slice, names)))
    assert sites and [s for s in sites if not s[2]] == []
    assert any(s[0] == "Claim" for s in sites) and any(s[0] == "put" for s in sites)


def test_a_measured_id_without_a_claim_fails_loudly():
    known = claims()
    with pytest.raises(ValueError, match=r"'table5_bell_s91'.*no claim"):
        report_table(known, {"table5_bell_s90": Ours(97.7), "table5_bell_s91": Ours(97.7)})
    typo = Section("typo", lambda: [Claim("table5_bell_s90", "Table 5", "w", "q", 97.76, 2)],
                   lambda res, out: out.update({"table5_bel_s90": Ours(97.7)}))
    with pytest.raises(ValueError, match=r"section 'typo' measured 'table5_bel_s90', which no claim has"):
        typo.measured(Results())
    fine = Section("fine", typo.claims, lambda res, out: out.update({"table5_bell_s90": Ours(97.7)}))
    assert fine.measured(Results()) == {"table5_bell_s90": Ours(97.7)}


@pytest.mark.slow
def test_each_section_measures_only_its_own_claims():
    from test_analysis_static import ablation_models, cross_models, forest_models, multipeak_models, sweep_models

    res = Results(static={"mnist_sweep": sweep_models(), "multipeak": multipeak_models(noise=0.1),
                          "cross_dataset": cross_models(), "spreading_ablation": ablation_models(),
                          "forest_grid": forest_models()})
    seen = {}
    for s in SECTIONS:
        got = s.measured(res)
        assert set(got) <= {c.id for c in s.claims()}, s.name
        seen[s.name] = len(got)
    assert seen == {"masks": 0, "table5": 46, "section31": 9, "multipeak": 10, "gradients": 3, "ablation": 4,
                    "table6": 32, "section32": 16, "forest_grid": 5, "table4": 0, "rigl": 0}
    assert len(measure(res)) == sum(seen.values())


@pytest.mark.slow
def test_the_report_reads_the_comparisons_by_their_names():
    """Every comparison row the report reads is one the comparisons table makes: with the sweep,
    multi-peak and cross-dataset fixtures no row of theirs is left "not run"."""
    from test_analysis_static import cross_models, multipeak_models, sweep_models

    static = {"mnist_sweep": sweep_models(), "multipeak": multipeak_models(noise=0.1), "cross_dataset": cross_models()}
    assert len(comparisons(static, STATIC_COMPARISONS))
    table = report_table(claims(), measure(Results(static=static)))
    sections = ("§3.1 MNIST sweep", "Multi-peak (Figure 2b)")
    rows = table[table["section"].isin(sections) | table["id"].str.startswith(("cross_spread", "cross_min_p"))]
    assert len(rows) == 9 + 9 + 3 * len(pub.TABLE6_DATASETS)
    assert rows.loc[rows["verdict"] == NOT_RUN, "id"].tolist() == []


def test_the_included_tables_and_the_reader_are_one_list(tmp_path):
    from test_analysis_static import cross_models

    assert INCLUDED_TABLES == tuple(t.path for t in REPORT_TABLES)
    assert INCLUDED_TABLES[:3] == ("tables/table3.csv", "tables/mask_published.csv", "tables/dst/models.csv")
    fields = {f for f in Results.__dataclass_fields__} - {"static", "rounding"}
    assert {t.field for t in REPORT_TABLES} - {"static"} == fields
    cross = cross_models(datasets=("mnist",))
    path = tmp_path / "models.csv"
    cross.to_csv(path, index=False)
    j = INCLUDED_TABLES.index("tables/cross_dataset/models.csv")
    own, extra = read_results({"static_cross_dataset": str(path), f"include0_{j}": str(path),
                               f"include1_{j}": str(path), "figure_x": "x.png"},
                              {f"include1_{j}": (1, INCLUDED_TABLES[j]), f"include0_{j}": (0, INCLUDED_TABLES[j])},
                              rounding="floor")
    assert list(own.static) == ["cross_dataset"] and len(own.static["cross_dataset"]) == len(cross)
    assert own.rounding == "floor" and own.table3 is None and own.dst_models is None
    assert [list(r.static) for r in extra] == [["cross_dataset"], ["cross_dataset"]]
    assert all(r.rounding == "floor" for r in extra)


def test_a_section_claims_exactly_the_published_cells():
    by_name = {s.name: [c.id for c in s.claims()] for s in SECTIONS}
    assert len(by_name["table5"]) == len(pub.TABLE5_VALUES) * len(pub.TABLE5_COLUMNS) + 1   # and dense
    assert by_name["table5"][-1] == "dense_mnist_5ep"
    assert len(by_name["table6"]) == len(pub.TABLE6_ROWS) * len(pub.TABLE6_DATASETS)
    assert len(by_name["table4"]) == sum(len(r) for r in pub.TABLE4.values())
    assert by_name["forest_grid"] == ["forest_grid_1024x3"] + [f"forest_grid_gain_w{w}"
                                                               for w in pub.FOREST_GRID["widths"]["value"]]
    # the paper gives p and d of the gap for Fashion-MNIST only
    assert [i for i in by_name["rigl"] if i.startswith("rigl_gap_")] == [
        "rigl_gap_fashion_mnist", "rigl_gap_p_fashion_mnist", "rigl_gap_d_fashion_mnist",
        "rigl_gap_emnist_balanced", "rigl_gap_forest_cover"]
