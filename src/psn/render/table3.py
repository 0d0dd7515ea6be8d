"""Table 3 (S_max by minimum fan-in and input size) and the paper's quoted mask figures."""

from __future__ import annotations

import pandas as pd

from psn.analysis.published import MASK_FIGURES, TABLE3, TABLE3_F_MINS
from psn.masks import ccv, fan_in, make_mask, mask_stats, s_max

F_MINS = TABLE3_F_MINS
N_INS = tuple(TABLE3)


def smax_table(f_mins=F_MINS, n_ins=N_INS) -> pd.DataFrame:
    """One row per f_min, one column per n_in: S_max = 1 − f_min/n_in (Eq. 7), in percent."""
    rows = [{"f_min": f, **{f"S_max_n{n} (%)": 100 * s_max(n, f) for n in n_ins}} for f in f_mins]
    return pd.DataFrame(rows)


def published_mask_comparison(n_in: int = 784, n_out: int = 1024, sparsity: float = 0.9, seed: int = 42) -> pd.DataFrame:
    """The paper's quoted mask figures (§2.2, §2.3, §3.1) beside ours for ⌈·⌉ and ⌊·⌋.

    Columns: quantity, paper, ours_ceil, ours_floor, note. Random spreading uses ``seed``.
    """
    rows = []

    def add(quantity, fn, note=""):
        paper = MASK_FIGURES[quantity]["value"]
        rows.append({"quantity": quantity, "paper": paper, "ours_ceil": fn("ceil"), "ours_floor": fn("floor"), "note": note})

    def f(rounding, profile="exponential", n=n_in, **kw):
        return fan_in(n, n_out, sparsity, profile, rounding=rounding, **kw)

    def st(rounding, spread):
        return mask_stats(make_mask(n_in, n_out, sparsity, "exponential", spread=spread, rounding=rounding, seed=seed))

    add("exp fan-in max", lambda r: int(f(r).max()), "§3.1")
    add("exp fan-in min", lambda r: int(f(r).min()), "§3.1")
    add("exp fan-in mean", lambda r: float(f(r).mean()), "§3.1")
    add("exp random-spread fan-out min", lambda r: st(r, "random")["fanout_min"], f"seed {seed}")
    add("exp random-spread fan-out max", lambda r: st(r, "random")["fanout_max"], f"seed {seed}")
    add("exp random-spread fan-out std", lambda r: st(r, "random")["fanout_std"], f"seed {seed}")
    add("exp random-spread dead inputs", lambda r: st(r, "random")["dead_inputs"], f"seed {seed}")
    add("exp even-spread dead inputs", lambda r: st(r, "even")["dead_inputs"], "")
    add("exp sequential dead inputs", lambda r: st(r, "sequential")["dead_inputs"], "§3.1")
    for name in ("exponential", "bell", "linear", "quadratic"):
        add(f"{name} CV", lambda r, name=name: ccv(f(r, name)), "§3.1")
    add("multipeak CCV k=1 β=1200", lambda r: ccv(f(r, "multipeak", k=1, beta=1200)), "§3.1")
    add("multipeak CCV k=1 β=50", lambda r: ccv(f(r, "multipeak", k=1, beta=50)), "Figure 1d")
    add("exp FC1 mean fan-in", lambda r: float(f(r).mean()), "§3.1 '~79 (FC1)'")
    add("exp FC2 mean fan-in (1024→1024)", lambda r: float(f(r, n=1024).mean()), "§3.1 '~103 (FC2)'")
    add("random baseline CV (uniform fan-in)", lambda r: ccv(fan_in(n_in, n_out, sparsity, "uniform")), "rounding-free")
    add("random baseline CV (Erdős–Rényi)", lambda r: ccv(fan_in(n_in, n_out, sparsity, "random", seed=seed)), f"seed {seed}, rounding-free")
    return pd.DataFrame(rows, columns=["quantity", "paper", "ours_ceil", "ours_floor", "note"])
