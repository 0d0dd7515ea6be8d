"""Does any equilibrium exist? Two starts' fan-in CCV over a run, for one or more variants of the
dynamic stage (each a results directory of its own: ``presets/dst_horizon_*.yaml``).

    python -m psn.render.horizon --out DIR [--a erk] [--b lognormal-ccv2.5] [--tolerance 0.1] NAME=RESULTS_DIR ...

writes ``DIR/horizon.{png,pdf}`` (one panel per hidden layer and one for their mean; a colour
per start, a line style per variant) and ``DIR/horizon.md`` (whether and where the starts meet,
and one sentence per variant).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from psn.analysis.dst_cells import CELL_KEYS
from psn.analysis.horizon import MEAN_LAYER, gap_series, meetings
from psn.analysis.report import read_table
from psn.render.io import plt, save_figure, to_markdown, write_text

STYLES = ("-", "--", ":", "-.")
COLOURS = {"a": "tab:blue", "b": "tab:orange"}


def _layer_title(layer: str) -> str:
    return "mean over hidden layers (Table 4)" if layer == MEAN_LAYER else f"hidden layer {int(layer) + 1}"


def render_horizon(series: Mapping[str, pd.DataFrame], png: Path | None, pdf: Path | None) -> None:
    """``series``: variant name -> ``gap_series``. CCV against epoch per start: a row of panels
    per cell (sparsity), a panel per hidden layer and one for their mean."""
    first = next(iter(series.values()))
    layers = list(dict.fromkeys(first["layer"]))
    cells = list(dict.fromkeys(map(tuple, first[CELL_KEYS].itertuples(index=False))))
    panels = {name: dict(iter(s.groupby([*CELL_KEYS, "layer"], sort=False))) for name, s in series.items()}
    fig, axes = plt.subplots(len(cells), len(layers), figsize=(4.2 * len(layers), 3.2 * len(cells) + 0.8),
                             squeeze=False)
    for row, cell in zip(axes, cells):
        for ax, layer in zip(row, layers):
            for (name, by_panel), style in zip(panels.items(), STYLES):
                g = by_panel.get((*cell, layer))
                for side in ("a", "b"):
                    if g is not None:
                        ax.plot(g["epoch"], g[f"ccv_{side}"], style, color=COLOURS[side], lw=1.3,
                                label=f"{g[side].iloc[0]} ({name})")
            ax.set_title(f"{100 * cell[-1]:.0f}%: {_layer_title(layer)}", fontsize=10)
            ax.set_xlabel("epoch")
            ax.grid(alpha=0.3)
        row[0].set_ylabel("fan-in CCV")
    fig.suptitle(f"RigL on {cells[0][1]} {cells[0][2]}: do the starts meet?", fontsize=11)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=2, fontsize=8, frameon=False)
    legend = (0.25 + 0.16 * ((len(labels) + 1) // 2)) / fig.get_figheight()
    fig.tight_layout(rect=(0, legend, 1, 1 - 0.35 / fig.get_figheight()))
    save_figure(fig, png, pdf)


def sentence(name: str, meet: pd.DataFrame) -> str:
    """One sentence for one variant and cell (``meet``: its rows of ``meetings``): do the starts
    meet on Table 4's number, where, after how many updates."""
    row = meet[meet["layer"] == MEAN_LAYER].iloc[0]
    layers = meet[meet["layer"] != MEAN_LAYER]
    name = f"{name}, {100 * row['target_sparsity']:.0f}%"
    per_layer = "; ".join(
        f"layer {int(r['layer']) + 1}: " + (f"met at update {r['met_at_update']} (CCV {r['ccv_at_meeting']:.2f})"
                                          if r["meets"] else f"{r['gap_final']:.2f} apart")
        for _, r in layers.iterrows())
    if row["meets"]:
        head = (f"**{name}**: the starts meet, at CCV {row['ccv_at_meeting']:.2f} after {row['met_at_update']} "
                f"of {row['updates']} updates (epoch {row['met_at_epoch']:.1f}), and stay within "
                f"{row['tolerance']:g}")
    else:
        head = (f"**{name}**: the starts do not meet in {row['updates']} updates: they end at "
                f"{row['ccv_a_final']:.2f} ({row['a']}) and {row['ccv_b_final']:.2f} ({row['b']}), "
                f"{row['gap_final']:.2f} apart (closest {row['gap_min']:.2f}; tolerance {row['tolerance']:g})")
    return f"{head} ({per_layer})."


def horizon_markdown(meet_by_name: Mapping[str, pd.DataFrame]) -> str:
    table = pd.concat([m.assign(variant=name) for name, m in meet_by_name.items()], ignore_index=True)
    cols = ["variant", "target_sparsity", "layer", "updates", "meets", "met_at_update", "met_at_epoch",
            "ccv_at_meeting", "ccv_a_final", "ccv_b_final", "gap_final", "gap_min"]
    text = [to_markdown(table[cols])]
    text += [sentence(name, cell) for name, m in meet_by_name.items()
             for _, cell in m.groupby(CELL_KEYS, sort=False)]
    return "\n\n".join(text) + "\n"


def _trajectories(root: Path) -> pd.DataFrame:
    path = root / "tables" / "dst" / "trajectories.csv"
    if not path.exists():
        raise FileNotFoundError(f"{root}: no tables/dst/trajectories.csv (run its preset's dst target first)")
    return read_table(str(path), "dst_trajectories")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m psn.render.horizon", description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True, type=Path, help="folder for horizon.{png,pdf,md}")
    ap.add_argument("--a", default="erk", help="first start (default erk)")
    ap.add_argument("--b", default="lognormal-ccv2.5", help="second start (default lognormal-ccv2.5)")
    ap.add_argument("--tolerance", type=float, default=0.1, help="CCV gap that counts as met (default 0.1)")
    ap.add_argument("runs", nargs="+", metavar="NAME=RESULTS_DIR")
    args = ap.parse_args(argv)
    if any("=" not in r for r in args.runs):
        ap.error("each run is NAME=RESULTS_DIR")
    named = {name: Path(root) for name, root in (r.split("=", 1) for r in args.runs)}
    traj = {name: _trajectories(root) for name, root in named.items()}
    series = {name: gap_series(t, args.a, args.b) for name, t in traj.items()}
    meet = {name: meetings(t, args.a, args.b, args.tolerance) for name, t in traj.items()}
    args.out.mkdir(parents=True, exist_ok=True)
    render_horizon(series, args.out / "horizon.png", args.out / "horizon.pdf")
    write_text(args.out / "horizon.md", horizon_markdown(meet))
    return 0


if __name__ == "__main__":
    sys.exit(main())
