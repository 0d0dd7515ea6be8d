# The figures and tables each rendering rule writes, by name.

STATIC_FIGURES = {
    f"{name}_{ext}": f"{RESULTS}/figures/{stem}.{ext}"
    for name, stem in [("fig2a", "figure2a"), ("fig2b", "figure2b"), ("fig2c", "figure2c"),
                       ("gradients", "gradient_hierarchy")]
    for ext in ("png", "pdf")
}


STATIC_TABLES = {
    f"{name}_{ext}": f"{RESULTS}/tables/{stem}.{ext}"
    for name, stem, exts in [("table5", "table5", ("csv", "md")), ("table6", "table6", ("csv", "md")),
                             ("comparisons", "static_comparisons", ("csv", "md")),
                             ("multipeak", "multipeak", ("csv",)),
                             ("gradients", "gradient_hierarchy", ("csv", "md")),
                             ("ablation", "spreading_ablation", ("csv",)),
                             ("forest_grid", "forest_grid", ("csv",)),
                             ("readings", "readings", ("csv", "md"))]
    for ext in exts
}


DST_FIGURES = {
    f"{name}_{ext}": f"{RESULTS}/figures/{stem}.{ext}"
    for name, stem in [("fig3", "figure3"), ("curves", "rigl_curves"),
                       ("trajectories", "rigl_trajectories"), ("fanin_ccdf", "dst_fanin_ccdf")]
    for ext in ("png", "pdf")
}


DST_TABLES = {
    f"{name}_{ext}": f"{RESULTS}/tables/{stem}.{ext}"
    for name, stem in [("table4", "table4"), ("gaps", "rigl_gaps"), ("erk_forest", "rigl_starts"),
                       ("fanin", "dst_fanin")]
    for ext in ("csv", "md")
}
