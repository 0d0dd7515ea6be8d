"""The dynamic sparse training stage's tables and its ``render_all``, from the tables
``scripts/dst_tables.py`` writes (models, curves, trajectories, equilibrium, fan-in; see
``psn.analysis.rigl`` and ``psn.analysis.fanin``): Table 4 (every method), the gaps to ERK (every
method, the paper's beside RigL's) and the starts table (RigL's). Its figures are drawn by
``psn.render.figure3`` (Figure 3), ``psn.render.dst_curves`` (the training curves and CCV
trajectories) and ``psn.render.fanin`` (the fan-in CCDF and table); ``psn.render.outputs`` names
every output, its file and its function.

Figure 3 and the curves compare starts over the seeds every start of a cell has (the
confirmation's extra seeds enter the gaps table only). Error bars are the sd over seeds (ddof=1).
PNG and PDF carry no timestamp or software version; every file is written atomically.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from psn.analysis.dst_cells import EQUIL, PAPER_METHOD, common_seeds, layer_values, n_layers, of_method, with_method
from psn.analysis.dst_gaps import CROSSOVER_COLUMNS, GAP_COLUMNS, crossover_epoch, gaps
from psn.analysis.dst_starts import starts_table
from psn.analysis.rigl import paper_bound_ratios, table4
from psn.render.io import Path, to_markdown, write_csv, write_text
from psn.render.outputs import output_keys, render_stage
from psn.render.style import NO_RUNS, dataset_label, fmt, method_label, present, start_label

STAGE = "render_dst"
OUTPUTS = output_keys(STAGE)
TABLES = ("models", "curves", "trajectories", "equilibrium", "fanin", "fanin_counts")


# ---- Table 4 -----------------------------------------------------------------------------------------

def table4_markdown(eq: pd.DataFrame) -> str:
    eq = with_method(eq)
    wide = table4(eq)
    sparsities = [c[len("paper "):] for c in wide.columns if c.startswith("paper ")]
    head = pd.DataFrame({"Dataset": [dataset_label(d) for d in wide["dataset"]],
                         "method": [method_label(m) for m in wide["method"]], "arch": wide["arch"],
                         "epochs": [fmt(e) for e in wide["epochs"]]})
    mean_t, layer_t = head.copy(), head.copy()
    for s in sparsities:
        mean_t[s] = [f"{fmt(o) or '–'} ({fmt(p)})" for o, p in zip(wide[f"ours {s}"], wide[f"paper {s}"])]
        layer_t[s] = [o or "–" for o in wide[f"ours per layer {s}"]]
    out = ["Table 4: equilibrium fan-in CCV reached by each method; ours (paper's RigL). Ours is the mean over "
           "hidden layers of each layer's final CCV, averaged over seeds and then over the "
           "equilibrium starts; the paper does not say whether it prints that mean or one layer "
           "(per layer below).\n", to_markdown(mean_t), "\nPer hidden layer (layer 1 / layer 2 ...):\n",
           to_markdown(layer_t)]
    if len(eq):
        n = n_layers(eq, "ccv_l")

        def per_layer(prefix: str, spec: str = ".2f") -> list[str]:
            return [" / ".join(fmt(v, spec) for v in layer_values(r, prefix, n)) for _, r in eq.iterrows()]

        detail = pd.DataFrame({
            "Dataset": [dataset_label(d) for d in eq["dataset"]],
            "method": [method_label(m) for m in eq["method"]], "arch": eq["arch"],
            "epochs": eq["epochs"].astype(int), "sparsity": [f"{100 * s:g}%" for s in eq["target_sparsity"]],
            "starts": eq["starts"], "seeds": eq["n_seeds"],
            "per layer": per_layer("ccv_l"),
            "mean": eq["ccv_mean"], "paper": eq["paper"], "ours − paper": eq["ours_minus_paper"],
            "spread ½T_end": eq["spread_half_max"], "converged": eq["converged"],
            "density": per_layer("density_l", ".3f"), "bound √(1/d−1)": per_layer("bound_l"),
            "ours/bound": eq["over_bound_mean"], "paper/bound": eq["paper_over_bound"]})
        out += ["\nEach cell: the starts that measure it, the spread of their CCV (max over layers) at "
                "½·T_end, whether it is within the tolerance there (converged), the realised density "
                "per layer, the CCV bound √(1/d − 1) and the CCV over it (ours: mean over layers; "
                "the paper's: at its target density).\n", to_markdown(detail)]
    pb = paper_bound_ratios()
    img = pb[pb["dataset"] != "forest_cover"]["paper_over_bound"]
    forest = pb[pb["dataset"] == "forest_cover"]["paper_over_bound"]
    out.append(f"\nThe paper's 784-input values sit at {img.min():.2f}–{img.max():.2f} of the bound "
               f"√(1/d − 1) at d = 1 − sparsity; Forest Cover's at {forest.min():.2f}–{forest.max():.2f}.\n")
    return "\n".join(out)


def render_table4(tables: Mapping[str, pd.DataFrame | None], csv: Path | None, md: Path | None) -> None:
    """Table 4 from ``tables["equilibrium"]`` (the paper's values alone without it)."""
    eq = tables.get("equilibrium")
    eq = eq if eq is not None else pd.DataFrame()
    if csv is not None:
        write_csv(table4(eq), csv)
    if md is not None:
        write_text(md, table4_markdown(eq))


# ---- gaps and the crossover ------------------------------------------------------------------------

def gaps_markdown(table: pd.DataFrame, cross: pd.DataFrame, confirmation: Mapping | None = None) -> str:
    if table.empty:
        return f"_RigL gaps: {NO_RUNS} with an ERK start._\n"
    t = table
    out = pd.DataFrame({
        "Dataset": [dataset_label(d) for d in t["dataset"]], "method": [method_label(m) for m in t["method"]],
        "arch": t["arch"], "epochs": t["epochs"],
        "sparsity": [f"{100 * s:g}%" for s in t["target_sparsity"]],
        "start": [start_label(a) for a in t["a"]], "seeds": t["seeds"],
        "n": [f"{a}/{b}" for a, b in zip(t["n_a"], t["n_b"])],
        "start acc": [f"{fmt(m)} ± {fmt(s)}" for m, s in zip(t["mean_a"], t["sd_a"])],
        "ERK acc": [f"{fmt(m)} ± {fmt(s)}" for m, s in zip(t["mean_b"], t["sd_b"])],
        "diff (pp)": [fmt(v, "+.2f") for v in t["diff"]], "t": [fmt(v) for v in t["t"]],
        "p": [fmt(v, ".3g") for v in t["p"]], "d (ddof 0)": [fmt(v) for v in t["d_ddof0"]],
        "d (ddof 1)": [fmt(v) for v in t["d_ddof1"]],
        "paper diff": [fmt(v, "+.2f") for v in t["paper_diff"]],
        "paper p, d (n)": [f"{fmt(p, 'g')}, {fmt(d, 'g')} ({fmt(n, '.0f')})" if np.isfinite(p) else ""
                           for p, d, n in zip(t["paper_p"], t["paper_d"], t["paper_n"])],
        "paper acc (start/ERK)": [f"{fmt(a) or '–'}/{fmt(b)}" if np.isfinite(b) else ""
                                  for a, b in zip(t["paper_mean_a"], t["paper_mean_b"])],
    })
    conf = ""
    if confirmation and confirmation.get("enabled", True):
        conf = (f" The confirmation ({dataset_label(confirmation['dataset'])}, "
                f"{100 * confirmation['sparsity']:g}%, {len(confirmation['seeds'])} seeds) is the 'pair' rows.")
    text = ["Gaps to ERK (§3.3), per method: each start − ERK in final test accuracy (percentage points), mean ± sd "
            "(ddof 1) over seeds, Welch's t-test. Cohen's d divides by the pooled SD over n_a + n_b "
            "(ddof 0, what the paper's d = 1.07 at t ≈ 2.27 on 10 + 10 seeds fits) or n_a + n_b − 2 "
            "(ddof 1). 'common': the seeds every start of the cell has (Figure 3's); 'pair': every "
            "seed both starts have." + conf + " The paper's gap is LN (equil.) − ERK at 90%, shown "
            "beside LN (paper CCV) too, which starts at the paper's own Table 4 CCV; its Forest "
            "Cover accuracies (§3.3: ERK 94.27, static 94.75) are read as 90%.\n", to_markdown(out)]
    if len(cross):
        c = cross
        ct = pd.DataFrame({
            "Dataset": [dataset_label(d) for d in c["dataset"]], "arch": c["arch"], "epochs": c["epochs"],
            "sparsity": [f"{100 * s:g}%" for s in c["target_sparsity"]],
            "n": [f"{a}/{b}" for a, b in zip(c["n_a"], c["n_b"])],
            "starts below": c["a_starts_below"], "gap at epoch 1": [fmt(v, "+.2f") for v in c["first_gap"]],
            "final gap": [fmt(v, "+.2f") for v in c["final_gap"]],
            "crossover epoch": [("never" if e is None or (isinstance(e, float) and not np.isfinite(e))
                                 else str(int(e))) for e in c["crossover_epoch"]],
            "paper": c["paper"]})
        text += [f"\nCrossover: the first epoch from which {start_label(EQUIL)}'s mean test "
                 f"accuracy stays ≥ ERK's to the last epoch (1: never below; never: ends below), "
                 "over the common seeds. The paper: LN starts below and overtakes at epoch 10–12.\n",
                 to_markdown(ct)]
    return "\n".join(text)


def render_gaps(tables: Mapping[str, pd.DataFrame | None], csv: Path | None, md: Path | None,
                confirmation: Mapping | None = None) -> pd.DataFrame:
    """The gaps to ERK (``tables["models"]``) and the crossover (``tables["curves"]``)."""
    models, curves = tables.get("models"), tables.get("curves")
    table = gaps(models) if present(models) else pd.DataFrame(columns=GAP_COLUMNS)
    cross = (crossover_epoch(common_seeds(curves)) if present(curves)
             else pd.DataFrame(columns=CROSSOVER_COLUMNS))
    if csv is not None:
        write_csv(table, csv)
    if md is not None:
        write_text(md, gaps_markdown(table, cross, confirmation))
    return table


# ---- starts ------------------------------------------------------------------------------------------

def starts_markdown(table: pd.DataFrame) -> str:
    n = n_layers(table, "density_l")
    out = pd.DataFrame({
        "Dataset": [dataset_label(d) for d in table["dataset"]], "arch": table["arch"],
        "sparsity": [f"{100 * s:g}%" for s in table["target_sparsity"]],
        "start": [start_label(s) for s in table["start"]],
        "density (mean fan-in) per layer": [
            " / ".join(f"{fmt(d, '.3f')} ({fmt(f, '.1f')})"
                       for d, f in zip(layer_values(r, "density_l", n), layer_values(r, "fanin_l", n)))
            for _, r in table.iterrows()],
        "realised density": [" / ".join(fmt(v, ".3f") for v in layer_values(r, "realised_density_l", n))
                             for _, r in table.iterrows()],
        "n": table["n"],
        "final acc": [f"{fmt(m)} ± {fmt(s)}" if np.isfinite(m) else "" for m, s in
                      zip(table["final_acc_mean"], table["final_acc_std"])],
        "paper acc": [fmt(v) for v in table["paper_acc"]],
    })
    text = ["What each start gives each hidden layer: its density and mean fan-in (density × n_in), "
            "computed from the start's budget (ERK, uniform) or the target (lognormal, static), the "
            "realised density where runs exist, and the final test accuracy (%) over the common seeds. "
            f"ERK's budget {'includes' if table['erk_output_in_budget'].any() else 'leaves out'} the dense "
            "output layer.\n",
            to_markdown(out)]
    erk = table[(table["dataset"] == "forest_cover") & (table["start_kind"] == "erk")]
    uni = table[(table["dataset"] == "forest_cover") & (table["start_kind"] == "uniform")]
    if len(erk) and len(uni):
        parts = [f"{100 * r.target_sparsity:g}%: density {r.density_l0:.2f}, {r.fanin_l0:.1f} inputs per neuron"
                 for r in erk.drop_duplicates(["arch", "target_sparsity"]).itertuples()]
        u90 = uni[uni["target_sparsity"] == 0.9]
        text.append(f"\nStandard ERK on Forest Cover's {erk.iloc[0]['fanin_l0'] / erk.iloc[0]['density_l0']:.0f}-input "
                    f"first hidden layer — {'; '.join(parts)}. The paper (§3.3) says ERK leaves it a mean fan-in "
                    f"of \"~5\"" + (f", which is what a uniform 90% start gives ({u90.iloc[0]['fanin_l0']:.1f})."
                                   if len(u90) else ".") + "\n")
    return "\n".join(text)


def render_starts(tables: Mapping[str, pd.DataFrame | None], csv: Path | None, md: Path | None) -> pd.DataFrame:
    """What each start gives each layer, from RigL's ``tables["models"]``."""
    models = of_method(tables.get("models"), PAPER_METHOD)
    table = starts_table(models if present(models) else None)
    if csv is not None:
        write_csv(table, csv)
    if md is not None:
        write_text(md, starts_markdown(table))
    return table


# ---- everything ----------------------------------------------------------------------------------------

def render_all(tables: Mapping[str, pd.DataFrame | None], outputs: Mapping[str, Path],
               confirmation: Mapping | None = None) -> None:
    """Every figure and table of the stage named in ``outputs`` (keys from :data:`OUTPUTS`; missing keys
    are skipped), each by its function in ``psn.render.outputs``, from ``tables`` (keys from
    :data:`TABLES`, any may be absent)."""
    bad = set(tables) - set(TABLES)
    if bad:
        raise KeyError(f"unknown tables {sorted(bad)}; expected some of {TABLES}")
    render_stage(STAGE, tables, outputs, {"gaps": {"confirmation": confirmation}})
