import copy

from psn.config import ConfigError, validate
from psn.workflow import plan
from psn.names import format_sparsity
from psn.workflow.plan import RANDOM, Condition, mask_jobs


def test_format_sparsity_is_short_and_exact():
    assert [format_sparsity(s) for s in (0.85, 0.88, 0.9, 0.999, 0.98)] == [
        "85", "88", "90", "99.9", "98"]


def test_condition_names():
    assert Condition("exponential", (("alpha", 3),)).name == "exponential-alpha3"
    assert Condition("lognormal", (("ccv", 1.5),)).name == "lognormal-ccv1.5"
    assert Condition("multipeak", (("k", 3), ("beta", 1200))).name == "multipeak-k3-beta1200"
    assert RANDOM.name == "random"
    assert RANDOM.mask_profile("uniform") == ("uniform", {})
    assert RANDOM.mask_profile("erdos_renyi") == ("random", {})


def test_paper_mask_jobs(paper_config_raw):
    jobs = mask_jobs(validate(paper_config_raw))
    mnist_sweep = [j for j in jobs.values() if j.layer_sizes == (784, 1024, 1024)
                   and j.condition.profile not in {"lognormal", "powerlaw", "multipeak"}
                   and j.sparsity in {0.85, 0.88, 0.92, 0.94, 0.96}]
    # 8 profiles x 2 spreads + the random baseline, at the five sparsities only the sweep has.
    assert len(mnist_sweep) == (8 * 2 + 1) * 5
    multipeak = [j for j in jobs.values() if j.condition.profile == "multipeak"]
    assert len(multipeak) == 24 * 3
    assert all(j.spread == "even" and j.sparsity == 0.9 for j in multipeak)
    forest = [j for j in jobs.values() if j.layer_sizes[0] == 54]
    assert {j.layer_sizes for j in forest} == {(54, 1024, 1024, 1024)}
    assert max(j.sparsity for j in forest) == 0.9  # its sweep to 98% is opt-in (presets/sweeps.yaml)
    # The spreading ablation's sequential masks need only its one seed ...
    seq = jobs["784-1024-1024/exponential-alpha3/sequential/s90"]
    assert seq.seeds == (42,)
    # ... while a configuration shared with the five-seed sweep gets the union.
    assert jobs["784-1024-1024/exponential-alpha3/even/s90"].seeds == (42, 123, 456, 789, 1024)
    # MNIST, Fashion-MNIST and EMNIST share one set of 784-1024-1024 masks.
    train = plan.train_jobs(validate(paper_config_raw))
    users = {t.dataset for t in train.values()
             if t.mask_key == "784-1024-1024/lognormal-ccv2.5/random/s90"}
    assert users == {"mnist", "fashion_mnist", "emnist_balanced"}
    assert len(jobs) < 1000  # hundreds of jobs, not thousands


def test_cross_dataset_trains_figure_2c_nine_profiles_and_sweeps_only_mnist(paper_config_raw):
    members = plan.experiment_members(validate(paper_config_raw))
    jobs = plan.train_jobs(validate(paper_config_raw))
    cross = [jobs[key] for key, _ in members["cross_dataset"]]
    for dataset in ("mnist", "fashion_mnist", "emnist_balanced", "forest_cover"):
        at90 = {j.condition.name for j in cross if j.dataset == dataset and j.sparsity == 0.9}
        assert len(at90) == 9, dataset  # Figure 2c: "9 profiles per dataset"
        assert {"powerlaw-ccv1", "powerlaw-ccv1.5", "random"} <= at90
        sweep = {j.sparsity for j in cross if j.dataset == dataset and j.condition != plan.DENSE}
        # The paper publishes sweep numbers for MNIST only; the others are presets/sweeps.yaml.
        assert sweep == ({0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 0.999} if dataset == "mnist" else {0.9})


def test_sweeps_preset_adds_the_other_datasets_sweeps(preset):
    raw = preset("sweeps.yaml")
    cross = [j for j in plan.train_jobs(validate(raw)).values() if j.dataset == "forest_cover"]
    assert {j.sparsity for j in cross if j.condition != plan.DENSE} == {0.8, 0.85, 0.9, 0.95, 0.98}


def test_fashion_98_is_its_own_three_seed_experiment(paper_config_raw):
    cfg = validate(paper_config_raw)
    jobs = plan.train_jobs(cfg)
    members = plan.experiment_members(cfg)["fashion_98"]
    assert {seeds for _, seeds in members} == {(42, 123, 456)}
    groups = [jobs[key] for key, _ in members]
    assert {(j.dataset, j.sparsity, j.epochs) for j in groups} == {("fashion_mnist", 0.98, 10)}
    assert "powerlaw-ccv1" in {j.condition.name for j in groups} and len(groups) == 9


def test_disabling_an_experiment_removes_its_jobs(paper_config_raw):
    raw = copy.deepcopy(paper_config_raw)
    raw["experiments"]["multipeak"]["enabled"] = False
    jobs = mask_jobs(validate(raw))
    assert not [j for j in jobs.values() if j.condition.profile == "multipeak"]


def test_confirmation_seeds_train_as_their_own_groups(paper_config_raw):
    import pytest

    from psn.workflow import dst_plan

    cfg = validate(paper_config_raw)
    jobs = dst_plan.dst_jobs(cfg)
    cell = "rigl/fashion_mnist/784-1024-1024-10/e20"
    extra = tuple(sorted(set(cfg["dst"]["confirmation"]["seeds"]) - set(cfg["seeds"])))
    confirm = {k: j for k, j in jobs.items() if j.part}
    assert set(confirm) == {f"{cell}/{s}/s90-confirm" for s in ("erk", "ln-equil", "ln-paper")}
    assert all(j.seeds == extra for j in confirm.values())
    # the cell's own groups keep the config's seeds, so adding the confirmation retrains nothing
    assert jobs[f"{cell}/erk/s90"].seeds == tuple(sorted(cfg["seeds"]))
    # and the equilibrium is measured on the same seeds in every cell
    eq = dst_plan.equilibrium_cells(cfg)[f"{cell}/s90"]
    assert not any(j.part for j in eq) and all(j.seeds == tuple(sorted(cfg["seeds"])) for j in eq)
    # a confirmation outside the grid has no equilibrium to start from
    raw = copy.deepcopy(paper_config_raw)
    raw["dst"]["confirmation"]["sparsity"] = 0.85
    with pytest.raises(ConfigError, match=r"dst.confirmation \(fashion_mnist, 0.85\) is not a cell"):
        validate(raw)


def test_every_method_trains_the_equilibrium_starts_and_rigl_the_paper_s_too(paper_config_raw):
    from psn.workflow import dst_plan

    cfg = validate(paper_config_raw)
    jobs = dst_plan.dst_jobs(cfg)
    cell = "fashion_mnist/784-1024-1024-10/e20"
    starts = {m: {j.start.name for j in jobs.values() if j.method == m and j.group.startswith(cell)
                  and j.sparsity == 0.9 and not j.part} for m in ("rigl", "set")}
    assert starts["set"] == {"erk", "uniform", "lognormal-ccv2.5"}
    assert starts["rigl"] == starts["set"] | {"ln-equil", "ln-equil-0.5", "ln-equil+0.5", "ln-paper", "static"}
    # each method has its own equilibrium, from its own runs
    eq = dst_plan.equilibrium_cells(cfg)
    assert {j.method for j in eq[f"set/{cell}/s90"]} == {"set"}
    assert {j.key for j in eq[f"rigl/{cell}/s90"]} == {f"rigl/{cell}/{s}/s90" for s in starts["set"]}


def test_readings_train_only_the_groups_they_change(paper_config_raw):
    raw = copy.deepcopy(paper_config_raw)
    raw["training"]["init"] = "mean_fan_in"          # Eq. 9 the default, as the full-size readings ran
    raw["experiments"]["readings"]["readings"]["init"] = ["dense_fan_in", "torch_default"]
    cfg = validate(raw)
    members = dict(plan.experiment_members(cfg)["readings"])
    cell = "fashion_mnist/784-1024-1024-10/e10"
    by_reading = {}
    for key in members:
        reading = key.split("/")[1] if key.startswith("readings/") else ""
        by_reading.setdefault(reading, set()).add(key.split(cell + "/")[1])
    default = {"dense/none/s0", "random/random/s90", "exponential-alpha3/random/s90", "lognormal-ccv2.5/random/s90"}
    assert by_reading[""] == default            # shared with cross_dataset's Fashion-MNIST 90% groups
    assert by_reading["init-torch_default"] == default
    assert by_reading["init-dense_fan_in"] == default - {"dense/none/s0"}   # He on a dense layer either way
    assert by_reading["random_baseline-erdos_renyi"] == {"random_erdos_renyi/random/s90"}
    assert by_reading["normalise-standardise"] == default
    jobs = plan.train_jobs(cfg)
    er = jobs[f"readings/random_baseline-erdos_renyi/{cell}/random_erdos_renyi/random/s90"]
    assert er.condition.mask_profile("uniform") == ("random", {})  # Erdős–Rényi, whatever the config's
    assert er.mask_key == "784-1024-1024/random_erdos_renyi/random/s90"
    torch_job = jobs[f"readings/init-torch_default/{cell}/dense/none/s0"]
    assert torch_job.override("init") == "torch_default" and torch_job.override("normalise") is None
    # a reading equal to the config's own value adds nothing
    raw["experiments"]["readings"]["readings"] = {"init": ["mean_fan_in"]}
    assert [k for k, _ in plan.experiment_members(validate(raw))["readings"] if k.startswith("readings/")] == []


def test_a_he_reading_trains_dense_again_when_the_default_is_not_he(paper_config_raw):
    raw = copy.deepcopy(paper_config_raw)
    raw["training"]["init"] = "torch_default"
    raw["experiments"]["readings"]["readings"] = {"init": ["dense_fan_in"]}
    keys = [k for k, _ in plan.experiment_members(validate(raw))["readings"] if k.startswith("readings/")]
    # dense under torch_default (the default) is not dense under He: it trains under the reading
    assert "readings/init-dense_fan_in/fashion_mnist/784-1024-1024-10/e10/dense/none/s0" in keys


# the jobs' params, as the rules hand them to the scripts and the scripts write them into results:
# a change here changes every result file's bytes (and reruns every job)
TINY_TRAINING = {"lr": 0.001, "init": "torch_default", "device": "auto", "threads": 2, "precision": "fp32"}


def test_a_mask_job_s_params(preset):
    cfg = validate(preset("tiny.yaml"))
    job = mask_jobs(cfg)["784-64-64/lognormal-ccv1.5/random/s90"]
    expected = {"profile": "lognormal", "params": {"ccv": 1.5}, "spread": "random", "sparsity": 0.9,
                "layer_sizes": [784, 64, 64], "seeds": [42, 123], "f_min": 1, "rounding": "ceil",
                "enforce_s_max": False, "condition": "lognormal-ccv1.5", "arch": "784-64-64"}
    assert list(job.to_params(cfg).items()) == list(expected.items())  # the order too


def test_a_training_group_s_params(preset):
    cfg = validate(preset("tiny.yaml"))
    key = "readings/init-mean_fan_in/fashion_mnist/784-64-64-10/e1/dense/none/s0"
    expected = {"key": key, "dataset": "fashion_mnist", "arch": "784-64-64-10",
                "layer_sizes": [784, 64, 64, 10], "condition": "dense", "profile": "dense", "params": {},
                "spread": "none", "sparsity": 0.0, "epochs": 1, "batch_size": 128, "seeds": [42, 123],
                "training": {**TINY_TRAINING, "init": "mean_fan_in"},   # the reading's init
                "reading": "init-mean_fan_in"}
    params = plan.train_jobs(cfg)[key].to_params(cfg)
    assert list(params.items()) == list(expected.items())
    assert list(params["training"]) == list(TINY_TRAINING)
    # the default's groups carry no reading key, so results made before readings stay valid
    default = plan.train_jobs(cfg)["fashion_mnist/784-64-64-10/e1/dense/none/s0"].to_params(cfg)
    assert "reading" not in default and default["training"] == TINY_TRAINING


def test_a_dst_group_s_params(preset):
    from psn.workflow import dst_plan

    cfg = validate(preset("tiny.yaml"))
    jobs = dst_plan.dst_jobs(cfg)
    expected = {
        "key": "fashion_mnist/784-64-64-10/e1/ln-paper/s90", "dataset": "fashion_mnist",
        "arch": "784-64-64-10", "layer_sizes": [784, 64, 64, 10], "start": "ln-paper", "ccv_offset": None,
        "paper_ccv": 2.52,                                       # Table 4, Fashion-MNIST at 90%
        "sparsity": 0.9, "epochs": 1, "batch_size": 128, "seeds": [42, 123],
        "rigl": {"drop_fraction": 0.3, "update_every": 100, "end_fraction": 0.75, "update_at_zero": False,
                 "tie_break": "random", "grow_score": "dense_gradient", "erk_dense_output_in_budget": False,
                 "equilibrium_ccv": "mean"},
        "masks": {"f_min": 1, "rounding": "ceil", "random_baseline": "uniform", "above_smax": "clamp"},
        "training": TINY_TRAINING,
    }
    params = jobs["rigl/fashion_mnist/784-64-64-10/e1/ln-paper/s90"].to_params(cfg)
    assert list(params.items()) == list(expected.items())
    assert list(params["rigl"]) == list(expected["rigl"])
    # another method is named; settings away from their defaults appear under "dst"
    set_params = jobs["set/fashion_mnist/784-64-64-10/e1/erk/s90"].to_params(cfg)
    assert list(set_params)[-1] == "method" and set_params["method"] == "set"
    raw = copy.deepcopy(preset("tiny.yaml"))
    raw["dst"]["schedule"] = "constant"
    cfg = validate(raw)
    params = dst_plan.dst_jobs(cfg)["rigl/fashion_mnist/784-64-64-10/e1/erk/s90"].to_params(cfg)
    assert params["dst"] == {"schedule": "constant"} and params["paper_ccv"] is None

