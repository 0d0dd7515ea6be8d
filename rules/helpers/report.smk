# The report's lookups: its inputs, and the tables it reads from report.include's directories.

# the tables the report reads from a results directory: the same list the report's reader uses
from psn.analysis.report import INCLUDED_TABLES
from psn.render.dst_readings import reading_tables


EMPTY_INCLUDES_SAID = set()


def included_tables():
    """key -> (results directory index, table) for the tables of ``report.include``'s results
    directories that exist (made by other runs with their own presets: read, never rebuilt).
    A directory holding none of them is said once: it adds nothing to the report."""
    out = {}
    for i, root in enumerate(config["report"]["include"]):
        if not os.path.isdir(root):
            raise ValueError(f"report.include: no results directory {root!r}; run its preset first, "
                             "or remove it from report.include")
        found = [j for j, rel in enumerate(INCLUDED_TABLES) if os.path.exists(os.path.join(root, rel))]
        out.update({f"include{i}_{j}": (i, INCLUDED_TABLES[j]) for j in found})
        if not found and root not in EMPTY_INCLUDES_SAID:
            EMPTY_INCLUDES_SAID.add(root)
            sys.stderr.write(f"report.include: {root!r} holds none of the tables the report reads "
                             f"({', '.join(INCLUDED_TABLES[:3])}, ...): it adds nothing; is it a results "
                             "directory (results_dir of its preset)?\n")
    return out


def report_inputs(wildcards):
    inputs = {"table3": rules.table3.output.csv, "mask_published": rules.mask_published.output.csv,
              "figure_figure1": f"{RESULTS}/figures/figure1.png"}
    inputs.update({f"static_{name}": path for name, path in experiment_tables_by_name(wildcards).items()})
    if MEMBERS:
        inputs.update({f"figure_{k.removesuffix('_png')}": v for k, v in STATIC_FIGURES.items() if k.endswith("_png")})
    if DST_JOBS:
        inputs.update({f"dst_{name}": f"{RESULTS}/tables/dst/{name}.csv"
                       for name in ("models", "curves", "equilibrium", "fanin")})
        inputs.update({f"figure_{k.removesuffix('_png')}": v for k, v in DST_FIGURES.items() if k.endswith("_png")})
    roots = config["report"]["include"]
    inputs.update({key: os.path.join(roots[i], rel) for key, (i, rel) in included_tables().items()})
    for i, root in enumerate(config["report"]["dst_readings"].values()):  # read, never rebuilt
        inputs.update({f"dstreading{i}_{t}": str(p) for t, p in reading_tables(root).items()})
    return inputs
