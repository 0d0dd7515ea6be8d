"""The paper's published numbers for the static experiments (§2.1, §3.1, §3.2), as data.

Every value is copied from the text of arXiv:2604.10560 (``/work/shared/paper``) and carries
a ``source`` naming the section, table or caption it comes from. Accuracies are in percent.
Nothing here is computed; the analysis compares against these values, never tunes to them.
"""

from __future__ import annotations

import pandas as pd

# ---- Table 3: S_max = 1 − f_min/n_in (Eq. 7), percent -----------------------------------------
TABLE3_SOURCE = "Table 3 (§2.3)"
TABLE3_F_MINS = (1, 5, 10, 20)
TABLE3 = {784: (99.87, 99.36, 98.72, 97.45), 54: (98.15, 90.74, 81.48, 62.96)}

# ---- Mask figures quoted in the text (exponential profile, 784 -> 1024 at 90% unless named) ----
# quantity -> value and source; ``psn.render.table3.published_mask_comparison`` computes ours.
MASK_FIGURES = {
    "exp fan-in max": {"value": 247, "source": "§3.1"},
    "exp fan-in min": {"value": 12, "source": "§3.1"},
    "exp fan-in mean": {"value": 77.9, "source": "§3.1"},
    "exp random-spread fan-out min": {"value": 74, "source": "§3.1"},
    "exp random-spread fan-out max": {"value": 125, "source": "§3.1"},
    "exp random-spread fan-out std": {"value": 8.7, "source": "§3.1"},
    "exp random-spread dead inputs": {"value": 0, "source": "§3.1"},
    "exp even-spread dead inputs": {"value": 0, "source": "§3.1"},
    "exp sequential dead inputs": {"value": 537, "source": "§3.1"},
    "exponential CV": {"value": 0.82, "source": "§3.1"},
    "bell CV": {"value": 0.66, "source": "§3.1"},
    "linear CV": {"value": 0.45, "source": "§3.1"},
    "quadratic CV": {"value": 0.25, "source": "§3.1"},
    "multipeak CCV k=1 β=1200": {"value": 3.24, "source": "§3.1"},
    "multipeak CCV k=1 β=50": {"value": 1.23, "source": "Figure 1d caption"},
    "exp FC1 mean fan-in": {"value": 79, "source": "§3.1 '~79 (FC1)'"},
    "exp FC2 mean fan-in (1024→1024)": {"value": 103, "source": "§3.1 '~103 (FC2)'"},
    "random baseline CV (uniform fan-in)": {"value": 0.0, "source": "Figure 1 ('uniform fan-in 78')"},
    "random baseline CV (Erdős–Rényi)": {"value": 0.0, "source": "Table 6 ('Random (≈0)')"},
}

# ---- Table 5: even-spread PSN profiles and random baseline, MNIST, 5 epochs, 5 seeds --------
TABLE5_SOURCE = "Table 5 (§3.1)"
TABLE5_COLUMNS = ("quadratic", "exponential", "linear", "bell", "random")
# sparsity (fraction) -> values in TABLE5_COLUMNS order
TABLE5_VALUES = {
    0.85: (97.77, 97.69, 97.79, 97.76, 97.87),
    0.88: (97.88, 97.67, 97.73, 97.78, 97.86),
    0.90: (97.79, 97.78, 97.77, 97.76, 97.84),
    0.92: (97.75, 97.76, 97.76, 97.69, 97.78),
    0.94: (97.61, 97.55, 97.60, 97.55, 97.74),
    0.96: (97.47, 97.47, 97.48, 97.42, 97.38),
    0.98: (97.21, 97.09, 97.21, 97.11, 97.19),
    0.99: (96.76, 96.52, 96.66, 96.61, 96.93),
    0.999: (92.49, 92.76, 92.50, 92.54, 92.49),
}


def table5() -> pd.DataFrame:
    """Table 5 in long form: sparsity (fraction), column, paper (percent), source."""
    rows = [{"sparsity": s, "column": c, "paper": v, "source": TABLE5_SOURCE}
            for s, vals in TABLE5_VALUES.items() for c, v in zip(TABLE5_COLUMNS, vals)]
    return pd.DataFrame(rows)


# ---- Dense baselines -------------------------------------------------------------------------
# (mean, std) in percent
DENSE_MNIST_5EP = {"mean": 97.81, "std": 0.18, "source": "§3.1 and Table 5 caption (5 epochs)"}

# ---- Table 6: 90% sparsity, four datasets, 5 seeds -------------------------------------------
TABLE6_SOURCE = "Table 6 (§3.2)"
TABLE6_DATASETS = ("mnist", "fashion_mnist", "emnist_balanced", "forest_cover")
# (row label, profile, lognormal ccv or None, CV quoted in the row label) -> values per dataset
TABLE6_ROWS = (
    ("Dense", "dense", None, None, (98.16, 89.03, 85.97, 95.60)),
    ("Random (≈0)", "random", None, 0.0, (98.07, 89.20, 84.68, 95.32)),
    ("Quadratic (≈0.25)", "quadratic", None, 0.25, (98.12, 89.20, 84.74, 95.25)),
    ("Bell (≈0.66)", "bell", None, 0.66, (98.11, 89.32, 84.64, 95.25)),
    ("Exponential (≈0.82)", "exponential", None, 0.82, (98.14, 89.33, 84.70, 95.24)),
    ("Lognormal (1.0)", "lognormal", 1.0, 1.0, (98.19, 89.15, 84.71, 95.21)),
    ("Lognormal (1.5)", "lognormal", 1.5, 1.5, (98.10, 89.30, 84.89, 95.11)),
    ("Lognormal (2.5)", "lognormal", 2.5, 2.5, (98.11, 89.31, 84.86, 94.77)),
)


def table6() -> pd.DataFrame:
    """Table 6 in long form: label, profile, ccv, cv_quoted, dataset, paper, source."""
    rows = [{"label": label, "profile": profile, "ccv": ccv, "cv_quoted": cv, "dataset": d,
             "paper": v, "source": TABLE6_SOURCE}
            for label, profile, ccv, cv, vals in TABLE6_ROWS
            for d, v in zip(TABLE6_DATASETS, vals)]
    return pd.DataFrame(rows)


# §3.2: a separate Fashion-MNIST run at 98%, 3 seeds: power-law CV 1.0 against random
FASHION_98 = {
    "powerlaw": {"value": 88.56, "source": "§3.2 (Fashion-MNIST 98%, power-law CV 1.0, 3 seeds)"},
    "random": {"value": 88.16, "source": "§3.2 (Fashion-MNIST 98%, random, 3 seeds)"},
    "gap": {"value": 0.40, "source": "§3.2 (+0.40%, not significant)"},
}

# §3.1: best-epoch against final-epoch accuracy over the MNIST sweep
BEST_MINUS_FINAL = {
    "mean": {"value": 0.04, "source": "§3.1 (mean gap between best and final test accuracy 0.04%)"},
    "max": {"value": 0.71, "source": "§3.1 (maximum gap 0.71%)"},
}

# "The total accuracy spread across profiles is 0.20% (MNIST), 0.18% (Fashion-MNIST), 0.25%
# (EMNIST), and 0.55% (Forest Cover)". Note: Table 6's own MNIST means span 98.07–98.19 = 0.12;
# the other three match max − min over the seven non-dense rows.
CROSS_DATASET_SPREAD = {
    "mnist": 0.20, "fashion_mnist": 0.18, "emnist_balanced": 0.25, "forest_cover": 0.55,
}
CROSS_DATASET_SPREAD_SOURCE = "§3.2"
# The mask profiles of Table 6's sparse rows (the random baseline's is uniform, or random
# under the Erdős–Rényi reading); Figure 2c's "9 profiles per dataset" add two power-law CVs
TABLE6_PROFILES = ("uniform", "random", "quadratic", "bell", "exponential", "lognormal")

# ---- Multi-peak (Figure 2b, §3.1) -----------------------------------------------------------
MULTIPEAK = {
    "total_range": {"value": 0.65, "source": "§3.1 and Figure 2 caption (72 configurations)"},
    "acc_min": {"value": 97.12, "source": "§3.1"},
    "acc_max": {"value": 97.78, "source": "§3.1"},
    "range_beta12": {"value": 0.25, "source": "§3.1"},
    "range_beta50": {"value": 0.21, "source": "§3.1"},
    "range_beta1200": {"value": 0.63, "source": "§3.1"},
    "ccv_k1_beta1200": {"value": 3.24, "source": "§3.1"},
    "ccv_k1_beta50": {"value": 1.23, "source": "Figure 1d caption"},
    "drop_k1_beta1200": {"value": 0.69, "source": "§3.1 (0.7% in the Figure 2 caption); "
                         "97.81 − 97.12, i.e. relative to the 5-epoch dense baseline"},
    "acc_k1_beta1200": {"value": 97.12, "std": 0.18, "source": "§3.1"},
    "random_baseline": {"value": 97.84, "std": 0.14, "source": "§3.1 (multi-peak paragraph)"},
    "dense_baseline": {"value": 97.81, "std": 0.18, "source": "§3.1 (multi-peak paragraph)"},
}

# ---- Comparisons (§3.1, §3.2) ---------------------------------------------------------------
COMPARISONS = {
    "inverse_vs_standard_mean_diff": {"value": 0.01, "source": "§3.1 (mean difference 0.01%)"},
    "inverse_vs_standard_p": {"value": 0.57, "source": "§3.1 (p = 0.57)"},
    "inverse_vs_standard_max_abs_diff": {"value": (0.1, 0.2),
                                         "source": "§3.1 (maximum absolute difference of 0.1–0.2%)"},
    "even_vs_random_max_abs_diff": {"value": 0.34, "source": "§3.1 (largest gap 0.34%)"},
    "even_vs_random_mean_abs_diff": {"value": 0.11, "source": "§3.1 (mean absolute difference 0.11%)"},
    "profiles_vs_random_min_p": {"value": 0.1, "source": "§3.1 (no pairwise comparison significant, all p > 0.1)"},
    "mnist_variant_spread": {"value": 0.2, "source": "§3.1 (8 profiles × 2 patterns + random span ~0.2%)"},
    "cross_dataset_min_p": {"value": 0.05, "source": "§3.2 (no static profile beats random at p < 0.05)"},
    "within_dense_90": {"value": 0.5, "source": "Figure 2c caption (all within ±0.5% of dense "
                        "except lognormal CV = 2.5 on Forest Cover)"},
}

# ---- Gradient hierarchy (abstract, §2.9) -----------------------------------------------------
GRADIENTS = {
    "structured_ratio_range": {"value": (2.0, 5.0), "source": "abstract (2–5× at hub neurons)"},
    "random_ratio": {"value": 1.0, "source": "abstract (~1× in random baselines)"},
    "r_fan_in_cv": {"value": 0.93, "source": "abstract, §1, §2.9 (r = 0.93)"},
}

# ---- Spreading ablation (§3.1): exponential, 90%, MNIST, 10 epochs, seed 42 -------------------
SPREADING_ABLATION = {
    "sequential_minus_even": {"value": -22.49, "source": "§3.1 (sequential degrades accuracy by 22.49%)"},
    "even_vs_random_within": {"value": 0.3, "source": "§3.1 (even and random within 0.3%)"},
    "sequential_dead_inputs": {"value": 537, "source": "§3.1 (537 of 784 inputs dead)"},
    # §2.4 gives the two accuracies behind the gap (97.5 - 75.0 = 22.5, the 22.49 rounded)
    "sequential_accuracy": {"value": 75.0, "source": "§2.4 (75.0% vs. 97.5% at 90% on MNIST)"},
    "even_accuracy": {"value": 97.5, "source": "§2.4 (75.0% vs. 97.5% at 90% on MNIST)"},
}

# ---- Forest Cover grid (§2.1): dense, 20 epochs, 3 seeds ------------------------------------
FOREST_GRID = {
    "widths": {"value": (256, 512, 1024, 2048), "source": "§2.1"},
    "depths": {"value": (2, 3), "source": "§2.1"},
    "depth3_gain": {"value": (1.3, 1.5), "source": "§2.1 (third layer +1.3–1.5% at every width)"},
    "selected_1024x3": {"value": 95.07, "std": 0.04, "source": "§2.1"},
}

# ---- RigL (§2.8, §3.3, Table 4, Figure 3) -------------------------------------------------
TABLE4_SOURCE = "Table 4 (§2.8)"
# dataset -> {sparsity: equilibrium fan-in CCV reached by RigL, 5 seeds}
TABLE4 = {
    "mnist": {0.80: 1.62, 0.90: 2.43, 0.95: 3.48, 0.98: 5.49},
    "fashion_mnist": {0.80: 1.68, 0.90: 2.52, 0.95: 3.61, 0.98: 5.71},
    "emnist_balanced": {0.80: 1.68, 0.90: 2.53, 0.95: 3.64, 0.98: 5.69},
    "forest_cover": {0.80: 1.26, 0.90: 2.10, 0.95: 3.17, 0.98: 5.13},
}


def table4_ccv(dataset: str, sparsity: float) -> float | None:
    """The paper's equilibrium CCV for (dataset, sparsity), None where Table 4 has no cell."""
    row = TABLE4.get(dataset, {})
    return next((v for s, v in row.items() if abs(s - sparsity) < 1e-9), None)


# §3.3: LN(equil.) − ERK at 90% sparsity, percentage points; Fashion-MNIST over 10 seeds
RIGL_GAPS = {
    "fashion_mnist": {"value": 0.16, "p": 0.036, "d": 1.07, "n": 10, "source": "§3.3, abstract"},
    "emnist_balanced": {"value": 0.43, "source": "§3.3, abstract"},
    "forest_cover": {"value": 0.49, "source": "§3.3, abstract"},
}
RIGL_CROSSOVER_EPOCH = {"value": (10, 12), "source": "§3.3 (LN CV 2.5 overtakes at epoch 10–12)"}
RIGL_FOREST = {"erk": {"value": 94.27, "source": "§3.3"}, "static": {"value": 94.75, "source": "§3.3"}}

# ---- The settings the numbers above were measured at (§2.1, §2.6–§2.8) ------------------------
# experiment -> dataset -> (architecture, epochs, seeds); None: any architecture (the grid's)
_MLP784 = "784-1024-1024-10"
PAPER_SETTINGS = {
    "mnist_sweep": {"mnist": (_MLP784, 5, 5)},
    "multipeak": {"mnist": (_MLP784, 5, 5)},
    "spreading_ablation": {"mnist": (_MLP784, 10, 1)},
    "cross_dataset": {"mnist": (_MLP784, 10, 5), "fashion_mnist": (_MLP784, 10, 5),
                      "emnist_balanced": ("784-1024-1024-47", 20, 5),
                      "forest_cover": ("54-1024-1024-1024-7", 30, 5)},
    "fashion_98": {"fashion_mnist": (_MLP784, 10, 3)},
    "forest_grid": {"forest_cover": (None, 20, 3)},
    "rigl": {"mnist": (_MLP784, 20, 5), "fashion_mnist": (_MLP784, 20, 5),
             "emnist_balanced": ("784-1024-1024-47", 20, 5),
             "forest_cover": ("54-1024-1024-1024-7", 30, 5)},
}

# ---- Where the paper contradicts itself ---------------------------------------------------------
# Each: both sides as the paper gives them, and the report rows (claim ids of
# ``psn.analysis.report``) whose measurement settles it, if any.
CONTRADICTIONS = (
    {"topic": "S_max and the 99.9% point",
     "a": "§2.3: S_max = 1 − f_min/n_in is 'comfortably above all test points'; Table 3: 99.87% for n_in = 784",
     "b": "Table 5, Figure 2a: a 99.9% point on 784-input layers, above that S_max",
     "rows": ("table3_n784_fmin1", "table5_random_s99.9")},
    {"topic": "Rounding of Eq. 6",
     "a": "Eq. 6 writes ⌈·⌉",
     "b": "§3.1 quotes exponential fan-in 247→12, mean 77.9, and 537 dead inputs, which ⌊·⌋ gives",
     "rows": ("mask_exp_fan_in_max", "mask_exp_fan_in_min", "mask_exp_fan_in_mean", "mask_exp_sequential_dead_inputs")},
    {"topic": "Profile CVs",
     "a": "§3.1: exponential ≈ 0.82, bell ≈ 0.66, linear ≈ 0.45, quadratic ≈ 0.25",
     "b": "the profiles' own equations (Eqs. 2–5) give about 0.81, 0.65, 0.57, 0.44",
     "rows": ("mask_exponential_cv", "mask_bell_cv", "mask_linear_cv", "mask_quadratic_cv")},
    {"topic": "Multi-peak β = 50 at k = 1",
     "a": "Figure 1d caption: CCV 1.23",
     "b": "the multi-peak equation (Eq. 8) at k = 1, β = 50 gives ≈ 1.34",
     "rows": ("mask_multipeak_ccv_k_1_50",)},
    {"topic": "The random baseline's CV",
     "a": "Table 6 labels it 'Random (≈0)', Figure 1 'uniform fan-in 78': constant fan-in",
     "b": "'random' sparsity usually means Erdős–Rényi, whose fan-in CV is ≈ 0.1 at 90%",
     "rows": ("mask_random_baseline_cv_uniform_fan_in", "mask_random_baseline_cv_erd_s_r_nyi")},
    {"topic": "§3.2's MNIST spread",
     "a": "§3.2: 'the total accuracy spread across profiles is 0.20% (MNIST)'",
     "b": "Table 6's own MNIST sparse rows span 98.07–98.19 = 0.12%; Figure 2c's nine profiles "
          "add two power-law rows Table 6 omits",
     "rows": ("cross_spread_mnist", "cross_spread_nine_mnist")},
    {"topic": "Figure 2c's ±0.5% for EMNIST",
     "a": "Figure 2c caption: every profile within ±0.5% of dense except lognormal 2.5 on Forest Cover",
     "b": "Table 6: EMNIST dense 85.97 against sparse rows 84.64–84.89, 1.1–1.3% below",
     "rows": ("within_dense_emnist_balanced",)},
    {"topic": "EMNIST epochs",
     "a": "§2.7: EMNIST trains 20 epochs",
     "b": "§3.2 (Table 6's section): '10 epochs for the 784-input datasets'",
     "rows": ("table6_dense_emnist_balanced",)},
    {"topic": "Cohen's d of the §3.3 gap",
     "a": "§3.3: d = 1.07 at t ≈ 2.27 on 10 + 10 seeds, which a pooled SD with ddof = 0 gives",
     "b": "the usual pooled SD (ddof = 1) gives d ≈ 1.01 from the same t",
     "rows": ("rigl_gap_d_fashion_mnist",)},
    {"topic": "Multi-peak drop at k = 1, β = 1200",
     "a": "§3.1: a 0.69% drop (97.81 − 97.12, against the dense baseline)",
     "b": "Figure 2 caption: 0.7%; and k = 1 clamps fan-in at n_in, so its realised sparsity is ≈ 92.7%, not 90%",
     "rows": ("multipeak_drop_k1_beta1200", "multipeak_acc_k1_beta1200")},
    {"topic": "Multi-peak CCV 3.24 'at 90%'",
     "a": "§2.8: multi-peak runs are all at 90% sparsity; §3.1: fan-in CV = 3.24 at k = 1, β = 1200",
     "b": "at density 0.1 no fan-in vector can exceed CV √(1/d − 1) = 3.00; Eq. 6's clamp at n_in leaves "
          "mean fan-in ≈ 57, i.e. 92.7% realised sparsity",
     "rows": ("mask_multipeak_ccv_k_1_1200", "multipeak_ccv_k1_beta1200")},
    {"topic": "Table 5's spreading",
     "a": "Table 5 caption: 'even-spread PSN profiles'",
     "b": "§3.1, the sentence before it: 'we will show the results for random spreading'; ours follows the caption",
     "rows": ()},
    {"topic": "MNIST epochs",
     "a": "§2.7: static experiments train 10 epochs on MNIST",
     "b": "§3.1: the sweep (Table 5) and its dense 97.81 train 5 epochs; §3.2's Table 6 uses 10",
     "rows": ("dense_mnist_5ep", "table6_dense_mnist")},
    {"topic": "Figure 2c's nine profiles",
     "a": "Figure 2c caption: '9 profiles per dataset'",
     "b": "Table 6, the same comparison, lists 7 sparse rows",
     "rows": ()},
    {"topic": "Sequential spreading's live inputs",
     "a": "§3.1: '537 of 784 input neurons (69%) receive zero connections'",
     "b": "the same paragraph: 'the first ~250 input pixels … ignoring the remaining 534'; and neuron 0 "
          "'connects to inputs [0, 99]' where the profile gives it 247",
     "rows": ("mask_exp_sequential_dead_inputs",)},
    {"topic": "LN(equil. + 0.5) at 90%",
     "a": "§3.3: lognormal at the equilibrium CCV and ±0.5 (2.93–3.03 at 90% from Table 4)",
     "b": "§2.2: lognormal reaches at most ~2.8 at 90%",
     "rows": ()},
    {"topic": "ERK on Forest Cover",
     "a": "§3.3: ERK leaves Forest Cover's first layer '~5' inputs per neuron and collapses at 95–98%",
     "b": "standard ERK makes the 54-input layer dense at 80% and 0.81 dense at 90% (≈ 44 inputs); '~5' is uniform 10%",
     "rows": ("rigl_forest_erk",)},
)
