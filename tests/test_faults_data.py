"""Bad data a careless or hostile user feeds the report, the dynamic sparse training chain and the
public API (issue 16). Each test is a probe that once got through: a verdict from too little
data, a damaged equilibrium file trained from with exit code 0, duplicate rows changing
results, config values that can never run, and API arguments that returned wrong results."""

import json
import math
import runpy
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from test_analysis_readings import _models as readings_models
from test_analysis_rigl import equilibrium as equilibrium_fields
from test_analysis_rigl import flat, make_run
from test_analysis_static import fake_models
from test_engine_train import SIZES, toy_data, toy_masks
from test_workflow import REPO, snakemake

import psn
from psn.analysis import rigl as ar
from psn.analysis.equilibrium import equilibrium, lognormal_target, read_equilibrium
from psn.analysis.readings import readings_table
from psn.analysis.report import OTHER_SETTINGS, REPRODUCED, Claim, Ours, Results, claims, measure, report_table, verdict
from psn.config import ConfigError, validate
from psn.masks.starts import start_masks
from psn.provenance import ArtifactError
from psn.training import train_group
from psn.workflow.runtime import SNAKEMAKE_ARGS_ENV, rebuilt_by

FASHION = dict(dataset="fashion_mnist", arch="784-1024-1024-10", epochs=10)  # Table 6's settings
SEEDS = (42, 123, 456, 789, 1024)


def _row(table, cid):
    return table.set_index("id").loc[cid]


def _fashion_cross(conditions, **kw) -> pd.DataFrame:
    """cross_dataset models of Fashion-MNIST at the paper's settings, 5 seeds, no noise."""
    cfgs = [dict(FASHION, **c) for c in conditions]
    return fake_models("cross_dataset", cfgs, noise=0.0, **kw)


DENSE = dict(condition="dense", profile="dense", spread="none", target_sparsity=0.0, acc=89.03)
RANDOM = dict(condition="random", profile="uniform", spread="random", target_sparsity=0.9, acc=89.20)
EXPONENTIAL = dict(condition="exponential-alpha3", profile="exponential", spread="random", target_sparsity=0.9,
                   acc=89.38)


# ---------------------------------------------------------------------------------------------
# 1. a verdict from too little data


def test_a_row_whose_seeds_diverged_is_shown_not_judged():
    diverged = dict(EXPONENTIAL, acc=89.33, diverged_seeds=SEEDS[1:])  # 4 of 5 seeds diverged
    table = report_table(claims(), measure(Results(static={"cross_dataset": _fashion_cross([DENSE, RANDOM, diverged])})))
    row = _row(table, "table6_exponential_0_82_fashion_mnist")
    assert row["ours"] == pytest.approx(89.33) and row["n"] == 1
    assert row["verdict"] == OTHER_SETTINGS
    assert "not judged: 1 of the paper's 5 seeds (4 diverged)" in row["note"]
    # the rows with all their seeds are still judged
    assert _row(table, "table6_random_0_fashion_mnist")["verdict"] == REPRODUCED


def test_aggregates_missing_members_are_shown_not_judged():
    table = report_table(claims(), measure(Results(static={"cross_dataset": _fashion_cross([DENSE, RANDOM, EXPONENTIAL])})))
    for cid in ("cross_spread_fashion_mnist", "cross_spread_nine_fashion_mnist", "within_dense_fashion_mnist"):
        row = _row(table, cid)
        assert row["verdict"] == OTHER_SETTINGS, cid
        assert "not judged: missing Quadratic (≈0.25), Bell (≈0.66)" in row["note"], row["note"]
    assert "Power-law (1.5)" in _row(table, "cross_spread_nine_fashion_mnist")["note"]
    # with every member at its 5 seeds the same aggregate is judged
    full = [DENSE, RANDOM, EXPONENTIAL] + [
        dict(condition=f"{p}", profile=p, spread="random", target_sparsity=0.9, acc=89.25)
        for p in ("quadratic", "bell")] + [
        dict(condition=f"{p}-ccv{c:g}", profile=p, spread="random", target_sparsity=0.9, ccv_target=c, acc=89.25)
        for p, c in (("lognormal", 1.0), ("lognormal", 1.5), ("lognormal", 2.5))]
    judged = report_table(claims(), measure(Results(static={"cross_dataset": _fashion_cross(full)})))
    assert _row(judged, "cross_spread_fashion_mnist")["verdict"] == REPRODUCED  # 89.38 − 89.20
    assert _row(judged, "within_dense_fashion_mnist")["verdict"] == REPRODUCED
    assert _row(judged, "cross_spread_nine_fashion_mnist")["verdict"] == OTHER_SETTINGS  # no power-law rows


def test_a_verdict_on_nan_is_never_reproduced():
    for kind, paper in (("significance", 0.57), ("significance", 0.036), ("value", 0.2), ("above", 0.1)):
        assert verdict(Claim("x", "s", "w", "q", paper, 2, kind), Ours(math.nan)) != REPRODUCED, kind


# ---------------------------------------------------------------------------------------------
# 2. a NaN, infinite or malformed equilibrium file never trains


def _equilibrium_file(tmp_path, **changes):
    """An equilibrium file as scripts/dst_equilibrium.py writes it (two hidden layers of 64, 90%), with
    ``changes`` to its fields."""
    runs = [make_run(start, flat({1: 0.8, 2: 0.81}), final_ccv=(1.2, 1.4)) for start in ("erk", "uniform")]
    eq = {"cell": {"method": "rigl", "dataset": "fashion_mnist", "arch": "784-64-64-10", "epochs": "1",
                   "sparsity": "90"}, **equilibrium(runs), **changes}
    path = tmp_path / "s90.json"
    path.write_text(json.dumps(eq))
    return path


@pytest.mark.parametrize("damage, says", [
    (dict(target=math.nan, mean=math.nan), "mean = nan is not a fan-in CCV"),
    (dict(target=math.inf, mean=math.inf, per_layer=[math.inf, math.inf]), "per_layer[0] = inf is not a fan-in CCV"),
    (dict(target=9.0, mean=9.0, per_layer=[9.0, 9.0]), "per_layer[0] = 9.0 is not a fan-in CCV in [0, 7.937]"),
    (dict(target=2.0), "target = 2.0 is not its mean reading 1.29"),
    (dict(per_layer=[1.3]), "per_layer holds 1 CCV(s) for the network's 2 hidden layers"),
    ("bit-flip", "not UTF-8 text"),
    ("wrong shape", "not an equilibrium's fields"),
    ("no target", "has no 'target'"),
])
def test_a_damaged_equilibrium_file_names_itself_and_its_rebuild_command(tmp_path, monkeypatch, damage, says):
    path = _equilibrium_file(tmp_path, **(damage if isinstance(damage, dict) else {}))
    if damage == "bit-flip":
        raw = bytearray(path.read_bytes())
        raw[len(raw) // 2] = 0xFF
        path.write_bytes(bytes(raw))
    elif damage == "wrong shape":
        path.write_text(json.dumps([1.3, 1.3]))
    elif damage == "no target":
        eq = json.loads(path.read_text())
        del eq["target"]
        path.write_text(json.dumps(eq))
    monkeypatch.setenv(SNAKEMAKE_ARGS_ENV, "--configfile presets/tiny.yaml")
    with pytest.raises(ArtifactError) as info, rebuilt_by("dst_equilibrium", path):
        read_equilibrium(path, widths=[64, 64])
    msg = str(info.value)
    assert msg.startswith(f"{path} is damaged: ") and says in msg and "\n" not in msg, msg
    assert msg.endswith(f"rebuild it: snakemake {path} --forcerun dst_equilibrium --configfile presets/tiny.yaml")


def test_an_intact_equilibrium_file_reads_back_its_target(tmp_path):
    eq = read_equilibrium(_equilibrium_file(tmp_path), widths=[64, 64])
    assert lognormal_target(eq, 0.5) == pytest.approx(1.3 + 0.5)


def test_a_nan_lognormal_target_never_starts_from_constant_fan_in():
    with pytest.raises(ValueError, match="ccv=nan must be finite"):
        start_masks([784, 64, 64, 10], 0.9, "lognormal", seed=1, ccv=math.nan)
    with pytest.raises(ValueError, match=r"ccv=\[1\.0, inf\] must be finite"):
        start_masks([784, 64, 64, 10], 0.9, "lognormal", seed=1, ccv=[1.0, math.inf])
    with pytest.raises(ValueError, match="mean = nan"):
        lognormal_target({"reading": "mean", "target": math.nan, "mean": math.nan, "per_layer": [1.0]}, 0.0)


# ---------------------------------------------------------------------------------------------
# 3. tables the report reads hold each model once, with the columns it needs


class _Named(dict):
    """Snakemake's named lists, enough for a script: items by key and by attribute."""

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None


def _render_report(tmp_path, inputs, included=None):
    """scripts/render_report.py run as Snakemake runs it, on the given input tables."""
    included = included or {}
    params = SimpleNamespace(rounding="ceil", gflops=44.0, paper_config=str(REPO / "config.yaml"),
                             include=sorted({str(tmp_path / f"inc{i}") for i, _ in included.values()}),
                             included=included, dst_readings=[], title="t", preamble="p\n")
    out = _Named(md=str(tmp_path / "report" / "reproduction.md"), csv=str(tmp_path / "report" / "reproduction.csv"))
    sm = SimpleNamespace(input=_Named(inputs), output=out, params=params, log=[str(tmp_path / "report.log")])
    runpy.run_path(str(REPO / "scripts" / "render_report.py"), init_globals={"snakemake": sm})
    return pd.read_csv(out.csv)


def _rigl_cell(tmp_path):
    """RigL's Fashion-MNIST 90% cell at the paper's settings, ERK against LN(equil.), 10 seeds."""
    seeds = range(1, 11)
    runs = [make_run(start, {s: [acc + 0.001 * (s % 3)] * 20 for s in seeds}, arch="784-1024-1024-10")
            for start, acc in (("erk", 0.890), ("ln-equil", 0.8916))]
    path = tmp_path / "models.csv"
    ar.models_table(runs).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("damage, says", [
    ("duplicate", "row 13: a second row for (run rigl/fashion_mnist/784-1024-1024-10/e20/ln-equil/s90, seed 1), "
                  "first at row 12"),
    ("not a number", "row 3: final_acc = '89.1%' is not a number"),
    ("no column", "is damaged: no column 'final_acc'"),
])
def test_a_dst_models_table_the_report_reads_is_checked(tmp_path, damage, says):
    path = _rigl_cell(tmp_path)
    ok = _render_report(tmp_path, {"dst_models": str(path)})
    assert _row(ok, "rigl_gap_fashion_mnist")["ours"] == pytest.approx(0.16)
    df = pd.read_csv(path)
    if damage == "duplicate":  # two extra copies of one LN(equil.) model
        first = df.index[df["start"] == "ln-equil"][0]
        df = pd.concat([df.iloc[:first + 1], df.iloc[[first]], df.iloc[[first]], df.iloc[first + 1:]])
    elif damage == "not a number":
        df["final_acc"] = df["final_acc"].astype(object)
        df.loc[1, "final_acc"] = "89.1%"
    else:
        df = df.drop(columns="final_acc")
    df.to_csv(path, index=False)
    with pytest.raises(ArtifactError) as info:
        _render_report(tmp_path, {"dst_models": str(path)})
    assert str(info.value).startswith(str(path)) and says in str(info.value), str(info.value)


def test_a_repeated_seed_in_an_included_table_is_refused(tmp_path):
    root = tmp_path / "inc0" / "tables" / "cross_dataset"
    root.mkdir(parents=True)
    models = _fashion_cross([DENSE, RANDOM, EXPONENTIAL])
    path = root / "models.csv"
    pd.concat([models, models[models["condition"] == "dense"].iloc[:4]]).to_csv(path, index=False)
    with pytest.raises(ArtifactError, match=rf"{path} row 17: a second row for \(dataset fashion_mnist, "
                                            r"run dense/none/s0.0, seed 42\), first at row 2"):
        _render_report(tmp_path, {"include0_7": str(path)}, {"include0_7": [0, "tables/cross_dataset/models.csv"]})


# ---------------------------------------------------------------------------------------------
# 4. config values that can never run


def test_update_every_beyond_every_step_warns_at_load(preset):
    raw = preset("tiny.yaml")
    said = []
    validate(raw, warn=said.append)
    assert said == []
    raw["dst"]["update_every"] = 1000  # tiny: 469 steps, T_end at 352
    validate(raw, warn=said.append)
    assert len(said) == 1 and said[0].startswith("config: warning: dst.update_every = 1000 leaves no update")
    assert "469 optimizer steps of fashion_mnist" in said[0] and "no equilibrium" in said[0]


def test_runs_without_a_mask_update_give_no_equilibrium():
    runs = [make_run(start, flat({1: 0.8}), records=1) for start in ("erk", "uniform")]
    with pytest.raises(ValueError, match="no mask update ran in the runs of erk, uniform"):
        equilibrium(runs)


def test_the_report_never_calls_the_starting_ccv_an_equilibrium():
    arch, seeds = "784-1024-1024-10", {s: [0.89] * 20 for s in SEEDS}
    eq = equilibrium_fields(per_layer=(2.50, 2.54), cell=("fashion_mnist", arch, "20", "90"))
    eq["n_seeds"] = {"erk": 5, "uniform": 5}
    for records, expected in ((3, REPRODUCED), (1, OTHER_SETTINGS)):  # 1 record: the start, no update
        runs = [make_run(s, seeds, arch=arch, records=records) for s in ("erk", "uniform")]
        models = ar.models_table(runs)
        res = Results(dst_models=models, dst_equilibrium=ar.equilibrium_table([eq], models))
        row = _row(report_table(claims(), measure(res)), "table4_fashion_mnist_s90")
        assert row["ours"] == pytest.approx(2.52) and row["verdict"] == expected
    assert "not an equilibrium" in row["note"]


def test_a_dst_sparsity_above_smax_is_rejected_even_when_clamping(preset):
    raw = preset("tiny.yaml")
    raw["masks"]["above_smax"] = "clamp"
    raw["dst"]["sparsities"] = [0.99]  # above S_max = 1 − 1/64 of the 64-input hidden layer
    with pytest.raises(ConfigError, match=r"dst.sparsities\[0\] = 0.99 exceeds S_max = 1 - f_min/n_in = 0.98438 "
                                          r"for fashion_mnist \(masked layer 1: n_in = 64.*rejected even under"):
        validate(raw)


# ---------------------------------------------------------------------------------------------
# 5. the public API says which argument is wrong


@pytest.mark.parametrize("profile", ["lognormal", "powerlaw"])
@pytest.mark.parametrize("ccv", [math.nan, math.inf])
def test_make_mask_refuses_a_ccv_that_is_no_number(profile, ccv):
    with pytest.raises(ValueError, match=f"ccv={ccv!r} must be a finite number"):
        psn.make_mask(784, 64, 0.9, profile, ccv=ccv)


def test_make_mask_says_when_the_clamp_moves_the_sparsity():
    with pytest.warns(UserWarning, match=r"exponential at sparsity=0 realises sparsity 0\.3353"):
        mask = psn.make_mask(784, 64, 0.0, "exponential")
    assert 1 - mask.float().mean().item() == pytest.approx(0.3353, abs=1e-4)


def _bad_train(change):
    kw = dict(data=toy_data(), layer_sizes=SIZES, masks=toy_masks(2), seeds=[1, 2], epochs=1, batch_size=32, log=None)
    change(kw)
    return train_group(kw.pop("data"), kw.pop("layer_sizes"), kw.pop("masks"), kw.pop("seeds"), **kw)


@pytest.mark.parametrize("change, says", [
    (lambda kw: kw.update(batch_size=-5), "batch_size=-5 must be an integer >= 1"),
    (lambda kw: kw.update(epochs=0), "epochs=0 must be an integer >= 1"),
    (lambda kw: kw.update(seeds=[], masks=[]), r"seeds=\[\] is empty"),
    (lambda kw: kw["data"].update(x_train=kw["data"]["x_train"][:0], y_train=kw["data"]["y_train"][:0]),
     r"data\['x_train'\] is empty"),
    (lambda kw: kw["data"].update(y_test=kw["data"]["y_test"] + 3), r"data\['y_test'\] holds label [3-5], outside \[0, 3\)"),
    (lambda kw: kw["data"].update(x_train=kw["data"]["x_train"][:, :10]), r"data\['x_train'\] has shape \(200, 10\)"),
    (lambda kw: kw.update(masks=[m[:1] for m in kw["masks"]]), r"masks\[0\] holds 1 layer mask\(s\) for the network's 2 hidden layers"),
])
def test_train_group_refuses_arguments_that_train_nothing(change, says):
    with pytest.raises(ValueError, match=says):
        _bad_train(change)


# ---------------------------------------------------------------------------------------------
# 6. smaller


def test_readings_with_every_default_dense_model_diverged_skip_their_rows():
    m = readings_models([("", "dense", "dense", [np.nan] * 3), ("", "random", "uniform", [88.4, 88.5, 88.6]),
                 ("init-mean_fan_in", "dense", "dense", [89.0, 89.0, 89.0]),
                 ("init-mean_fan_in", "random", "uniform", [89.2, 89.3, 89.4])])
    m["diverged"] = m["final_acc"].isna()
    with pytest.warns(UserWarning, match="readings: default has no finished dense model"):
        t = readings_table(m)
    assert list(t["reading"]) == ["init-mean_fan_in", "init-mean_fan_in"]
    assert t["sparse_minus_dense"].tolist() == pytest.approx([0.3, 0.3])


@pytest.mark.slow
def test_an_empty_include_and_a_foreign_working_directory_are_said(tmp_path):
    empty = tmp_path / "full_size"
    empty.mkdir()
    cfg = yaml.safe_load((REPO / "presets" / "tiny.yaml").read_text())
    cfg["report"] = {"include": [str(empty)]}
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path, "report", "-n", "--cores", "1", "--configfile", tmp_path / "c.yaml")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert f"report.include: '{empty}' holds none of the tables the report reads" in proc.stderr
    assert proc.stderr.count("holds none of the tables") == 1
    assert (f"the working directory is not the workflow's ({REPO}): results go to {tmp_path / 'results' / 'tiny'}, "
            f"data to {tmp_path / 'data'}") in proc.stderr
