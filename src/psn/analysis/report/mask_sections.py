"""The report's mask sections: Table 3 (S_max) and §3.1's mask statistics, both deterministic
(no training): ours from ``tables/table3.csv`` and ``tables/mask_published.csv``."""

from __future__ import annotations

from psn.analysis import published as pub
from psn.analysis.report.core import Claim, Ours, Results, Section, Settings, claim_id, decimals_of, fmt
from psn.analysis.report.judging import put


def _claims() -> list[Claim]:
    out = [Claim(claim_id("table3", n=n, fmin=f), "Table 3", pub.TABLE3_SOURCE, f"S_max (%), n_in = {n}, f_min = {f}",
                 v, 2, experiment="masks")
           for n, values in pub.TABLE3.items() for f, v in zip(pub.TABLE3_F_MINS, values)]
    for quantity, entry in pub.MASK_FIGURES.items():
        value = entry["value"]
        decimals = 0 if float(value).is_integer() and "CV" not in quantity else max(1, decimals_of(value))
        out.append(Claim(claim_id("mask", quantity), "§3.1 mask statistics", entry["source"], quantity,
                         float(value), decimals, experiment="masks"))
    return out


def _measure(res: Results, out: dict[str, Ours]) -> None:
    exact = Settings("deterministic", True)
    if res.table3 is not None and len(res.table3):
        t = res.table3.set_index("f_min")
        for n in pub.TABLE3:
            col = f"S_max_n{n} (%)"
            for f in pub.TABLE3_F_MINS:
                if col in t and f in t.index:
                    put(out, claim_id("table3", n=n, fmin=f), t.loc[f, col], exact)
    if res.mask_published is not None and len(res.mask_published):
        other = "floor" if res.rounding == "ceil" else "ceil"
        rounding = Settings(f"rounding {res.rounding}", True)
        for r in res.mask_published.to_dict("records"):
            put(out, claim_id("mask", r["quantity"]), r[f"ours_{res.rounding}"], rounding,
                note=f"⌊·⌋ gives {fmt(r['ours_floor'])}" if other == "floor" else f"⌈·⌉ gives {fmt(r['ours_ceil'])}")


MASKS = Section("masks", _claims, _measure)
