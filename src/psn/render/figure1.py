"""Figure 1: PSN methods overview at 90% sparsity for a 784→1024 layer.

(a) the eight parametric profiles' fan-in, uniform random baseline dashed; (b) lognormal at
five target CCVs; (c) the exponential + random-spreading mask; (d) multi-peak at β=50.
PNG and PDF carry no timestamp or software version, so the same inputs give the same bytes.
"""

from __future__ import annotations

from os import PathLike

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402

from psn.masks import PAPER_PROFILES, ccv, fan_in, make_mask  # noqa: E402
from psn.render.io import save_figure  # noqa: E402

LOGNORMAL_CCVS = (0.5, 1.0, 1.5, 2.0, 2.5)
MULTIPEAK_KS = (1, 2, 3, 5, 10, 20, 50)


def figure1_data(n_in=784, n_out=1024, sparsity=0.9, *, rounding="ceil", seed=0, beta=50.0, ks=MULTIPEAK_KS):
    """The numbers behind the four panels (so tests and reports can check them)."""
    return {
        "profiles": {p: fan_in(n_in, n_out, sparsity, p, rounding=rounding) for p in PAPER_PROFILES},
        "baseline": n_in * (1 - sparsity),
        "lognormal": {c: fan_in(n_in, n_out, sparsity, "lognormal", ccv=c, seed=seed) for c in LOGNORMAL_CCVS},
        "mask": make_mask(n_in, n_out, sparsity, "exponential", spread="random", rounding=rounding, seed=seed).numpy(),
        "multipeak": {k: fan_in(n_in, n_out, sparsity, "multipeak", k=k, beta=beta, rounding=rounding) for k in ks},
        "beta": beta,
    }


def render_figure1(
    out_png: str | PathLike,
    out_pdf: str | PathLike,
    *,
    n_in: int = 784,
    n_out: int = 1024,
    sparsity: float = 0.9,
    rounding: str = "ceil",
    seed: int = 0,
    beta: float = 50.0,
    ks=MULTIPEAK_KS,
    dpi: int = 150,
) -> dict:
    """Draw Figure 1 to ``out_png`` and ``out_pdf`` (atomically); returns ``figure1_data``."""
    d = figure1_data(n_in, n_out, sparsity, rounding=rounding, seed=seed, beta=beta, ks=ks)
    idx = np.arange(n_out)
    with sns.axes_style("whitegrid"), sns.plotting_context("paper"):
        fig, axes = plt.subplots(2, 2, figsize=(10, 7.5))
        ax = axes[0, 0]
        colors = sns.color_palette("tab10", len(d["profiles"]))
        for (name, f), c in zip(d["profiles"].items(), colors):
            ax.plot(idx, f, color=c, lw=1.2, ls="-" if not name.startswith("inverse") else ":",
                    label=f"{name} (CCV {ccv(f):.2f})")
        ax.axhline(d["baseline"], color="k", ls="--", lw=1, label=f"random (uniform fan-in {d['baseline']:.0f})")
        ax.set(title=f"(a) Parametric profiles, {sparsity:.0%} sparsity", xlabel="output neuron index", ylabel="fan-in")
        ax.legend(fontsize=6, ncol=2)

        ax = axes[0, 1]
        for (c, f), col in zip(d["lognormal"].items(), sns.color_palette("viridis", len(d["lognormal"]))):
            ax.plot(idx, f, color=col, lw=1.2, label=f"target CCV {c:g} (realised {ccv(f):.2f})")
        ax.set(title="(b) Lognormal profiles", xlabel="output neuron index", ylabel="fan-in", yscale="log")
        ax.legend(fontsize=7)

        ax = axes[1, 0]
        ax.imshow(d["mask"], aspect="auto", cmap="Greys", interpolation="nearest")
        ax.set(title="(c) Mask: exponential, random spreading", xlabel="input", ylabel="output neuron")
        ax.grid(False)

        ax = axes[1, 1]
        for (k, f), col in zip(d["multipeak"].items(), sns.color_palette("rocket", len(d["multipeak"]))):
            ax.plot(idx, f, color=col, lw=1.0, label=f"k={k} (CCV {ccv(f):.2f})")
        ax.set(title=f"(d) Multi-peak, β={beta:g}", xlabel="output neuron index", ylabel="fan-in")
        ax.legend(fontsize=7)
        fig.suptitle(f"PSN at {sparsity:.0%} sparsity, {n_in}→{n_out} layer")
        fig.tight_layout()
        save_figure(fig, out_png, out_pdf, dpi)
    return d
