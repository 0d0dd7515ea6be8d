import copy

import pytest

from psn.config import ConfigError, epochs_for, used_datasets, validate


def test_paper_config_validates_and_fills_defaults(paper_config_raw):
    raw = copy.deepcopy(paper_config_raw)
    del raw["results_dir"]
    del raw["dst"]["tie_break"]
    cfg = validate(raw)
    assert cfg["results_dir"] == "results"
    assert cfg["dst"]["tie_break"] == "random"
    assert cfg["experiments"]["mnist_sweep"]["enabled"] is True
    assert cfg["experiments"]["mnist_sweep"]["lognormal_ccv"] == []
    assert used_datasets(cfg) == ["mnist", "fashion_mnist", "emnist_balanced", "forest_cover"]
    assert epochs_for(cfg["experiments"]["cross_dataset"]["epochs"], "forest_cover") == 30
    assert epochs_for(cfg["experiments"]["mnist_sweep"]["epochs"], "mnist") == 5
    assert raw is not cfg and "results_dir" not in raw  # the input is not mutated


def _error(raw, mutate) -> str:
    bad = copy.deepcopy(raw)
    mutate(bad)
    with pytest.raises(ConfigError) as info:
        validate(bad)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_typo_in_key_is_named(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c["masks"].update(roundng="floor"))
    assert "masks" in msg and "roundng" in msg


def test_wrong_enum_lists_allowed_values(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c["masks"].update(rounding="round"))
    assert msg.startswith("config: masks.rounding")
    assert "'ceil'" in msg and "'floor'" in msg


def test_wrong_type_names_the_path(paper_config_raw):
    def mutate(c):
        c["experiments"]["mnist_sweep"]["sparsities"][2] = "ninety"
    msg = _error(paper_config_raw, mutate)
    assert "experiments.mnist_sweep.sparsities[2]" in msg


def test_sparsity_above_smax_fails_for_that_dataset(paper_config_raw):
    # Forest Cover has 54 inputs: S_max = 1 - 1/54 = 0.98148 (Table 3).
    def mutate(c):
        c["masks"]["above_smax"] = "error"
        c["experiments"]["mnist_sweep"]["enabled"] = False  # its 99.9% is above S_max too
        c["experiments"]["cross_dataset"]["sweep_sparsities"]["mnist"].remove(0.999)
        c["experiments"]["cross_dataset"]["sweep_sparsities"]["forest_cover"] = [0.90, 0.99]
    msg = _error(paper_config_raw, mutate)
    assert "forest_cover" in msg and "0.98148" in msg and "sweep_sparsities" in msg
    assert "above_smax: clamp" in msg


def test_paper_999_needs_clamp(paper_config_raw):
    # The paper's 99.9% on 784 inputs lies above S_max = 1 - 1/784 = 0.99872 (Eq. 7).
    validate(paper_config_raw)  # config.yaml says above_smax: clamp
    msg = _error(paper_config_raw, lambda c: c["masks"].update(above_smax="error"))
    assert msg.startswith("config: experiments.mnist_sweep.sparsities[8] = 0.999 exceeds")
    assert "0.99872" in msg and "n_in = 784" in msg


def test_omitted_above_smax_defaults_to_error(paper_config_raw):
    def mutate(c):
        del c["masks"]["above_smax"]
        c["masks"]["f_min"] = 5
    msg = _error(paper_config_raw, mutate)
    assert "f_min = 5" in msg and "0.99362" in msg


def test_missing_epochs_for_a_dataset(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c["dst"]["epochs"].pop("emnist_balanced"))
    assert msg == "config: dst.epochs gives no epoch count for emnist_balanced"


def test_unknown_dataset_is_rejected(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c["dst"].update(datasets=["cifar10"]))
    assert "dst.datasets[0]" in msg and "'mnist'" in msg


def test_disabled_experiment_is_not_checked(paper_config_raw):
    cfg = copy.deepcopy(paper_config_raw)
    cfg["experiments"]["forest_grid"]["enabled"] = False
    cfg["dst"]["enabled"] = False
    cfg["experiments"]["cross_dataset"]["datasets"] = ["mnist"]
    # A sweep entry for a dataset the experiment no longer runs is ignored, S_max included.
    cfg["experiments"]["cross_dataset"]["sweep_sparsities"]["forest_cover"] = [0.99]
    assert "forest_cover" not in used_datasets(validate(cfg))


def test_dst_methods_must_be_registered_and_plugins_importable(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c["dst"].update(methods=["rigl", "mest"]))
    assert msg.startswith("config: dst.methods[1] = 'mest' is not a registered method; registered: ")
    msg = _error(paper_config_raw, lambda c: c["dst"].update(plugins=["no_such_module_xyz"]))
    assert msg.startswith("config: dst.plugins[0] = 'no_such_module_xyz' cannot be imported")


def test_the_old_rigl_section_gets_its_new_name(paper_config_raw):
    msg = _error(paper_config_raw, lambda c: c.update(rigl=c.pop("dst")))
    assert msg == ("config: the 'rigl' section is now 'dst' (dynamic sparse training, methods rigl and "
                   "set): rename it")


def test_dst_inits_gets_its_new_name_starts(paper_config_raw):
    from psn.workflow.dst_plan import dst_jobs

    msg = _error(paper_config_raw, lambda c: c["dst"].update(inits=c["dst"].pop("starts")))
    assert msg == ("config: dst.inits is now dst.starts (RigL's starting masks; training.init is the "
                   "weight init): rename it")
    raw = copy.deepcopy(paper_config_raw)
    raw["dst"]["starts"] = ["erk"]
    assert {j.start.name for j in dst_jobs(validate(raw)).values() if j.method == "set"} == {"erk"}


@pytest.mark.parametrize("offsets, culprit", [
    ([0.0, float("nan")], "dst.ccv_offsets[1] = nan must be a finite number"),
    ([0.0, float("inf")], "dst.ccv_offsets[1] = inf must be a finite number"),
    ([0.0, 1e20], "dst.ccv_offsets[1] = 1e+20 must be a finite number"),
    ([0.5, 0.50000001], "dst.ccv_offsets[1] = 0.50000001 is written 'ln-equil+0.5' in paths"),
])
def test_ccv_offsets_that_could_never_run_are_rejected(paper_config_raw, offsets, culprit):
    msg = _error(paper_config_raw, lambda c: c["dst"].update(ccv_offsets=offsets))
    assert msg.startswith(f"config: {culprit}")


def test_a_tiny_ccv_offset_keeps_its_own_start(paper_config_raw):
    from psn.workflow.dst_plan import dst_jobs

    raw = copy.deepcopy(paper_config_raw)
    raw["dst"]["ccv_offsets"] = [0.0, 1e-7]
    starts = {j.start.name for j in dst_jobs(validate(raw)).values()}
    assert {"ln-equil", "ln-equil+1e-07"} <= starts
