"""Table 3 (S_max by minimum fan-in and input size) and the paper's quoted mask figures."""

from __future__ import annotations

import pandas as pd

from psn.masks import ccv, fan_in, make_mask, mask_stats, s_max

F_MINS = (1, 5, 10, 20)
N_INS = (784, 54)
# Table 3 as published (percent), for the comparison column.
PAPER_TABLE3 = {784: (99.87, 99.36, 98.72, 97.45), 54: (98.15, 90.74, 81.48, 62.96)}


def smax_table(f_mins=F_MINS, n_ins=N_INS) -> pd.DataFrame:
    """One row per f_min, one column per n_in: S_max = 1 − f_min/n_in (Eq. 7), in percent."""
    rows = [{"f_min": f, **{f"S_max_n{n} (%)": 100 * s_max(n, f) for n in n_ins}} for f in f_mins]
    return pd.DataFrame(rows)


def published_mask_comparison(n_in: int = 784, n_out: int = 1024, sparsity: float = 0.9, seed: int = 42) -> pd.DataFrame:
    """The paper's quoted mask figures (§2.2, §2.3, §3.1) beside ours for ⌈·⌉ and ⌊·⌋.

    Columns: quantity, paper, ours_ceil, ours_floor, note. Random spreading uses ``seed``.
    """
    rows = []

    def add(quantity, paper, fn, note=""):
        rows.append({"quantity": quantity, "paper": paper, "ours_ceil": fn("ceil"), "ours_floor": fn("floor"), "note": note})

    def f(rounding, profile="exponential", n=n_in, **kw):
        return fan_in(n, n_out, sparsity, profile, rounding=rounding, **kw)

    def st(rounding, spread):
        return mask_stats(make_mask(n_in, n_out, sparsity, "exponential", spread=spread, rounding=rounding, seed=seed))

    add("exp fan-in max", 247, lambda r: int(f(r).max()), "§3.1")
    add("exp fan-in min", 12, lambda r: int(f(r).min()), "§3.1")
    add("exp fan-in mean", 77.9, lambda r: float(f(r).mean()), "§3.1")
    add("exp random-spread fan-out min", 74, lambda r: st(r, "random")["fanout_min"], f"seed {seed}")
    add("exp random-spread fan-out max", 125, lambda r: st(r, "random")["fanout_max"], f"seed {seed}")
    add("exp random-spread fan-out std", 8.7, lambda r: st(r, "random")["fanout_std"], f"seed {seed}")
    add("exp random-spread dead inputs", 0, lambda r: st(r, "random")["dead_inputs"], f"seed {seed}")
    add("exp even-spread dead inputs", 0, lambda r: st(r, "even")["dead_inputs"], "")
    add("exp sequential dead inputs", 537, lambda r: st(r, "sequential")["dead_inputs"], "§3.1")
    for name, paper in (("exponential", 0.82), ("bell", 0.66), ("linear", 0.45), ("quadratic", 0.25)):
        add(f"{name} CV", paper, lambda r, name=name: ccv(f(r, name)), "§3.1")
    add("multipeak CCV k=1 β=1200", 3.24, lambda r: ccv(f(r, "multipeak", k=1, beta=1200)), "§3.1")
    add("multipeak CCV k=1 β=50", 1.23, lambda r: ccv(f(r, "multipeak", k=1, beta=50)), "Figure 1d")
    add("exp FC1 mean fan-in", 79, lambda r: float(f(r).mean()), "§3.1 '~79 (FC1)'")
    add("exp FC2 mean fan-in (1024→1024)", 103, lambda r: float(f(r, n=1024).mean()), "§3.1 '~103 (FC2)'")
    add("random baseline CV (uniform fan-in)", 0.0, lambda r: ccv(fan_in(n_in, n_out, sparsity, "uniform")), "rounding-free")
    add("random baseline CV (Erdős–Rényi)", 0.0, lambda r: ccv(fan_in(n_in, n_out, sparsity, "random", seed=seed)), f"seed {seed}, rounding-free")
    return pd.DataFrame(rows, columns=["quantity", "paper", "ours_ceil", "ours_floor", "note"])
