import copy

from psn.config import validate
from psn.workflow import plan
from psn.workflow.plan import RANDOM, Condition, format_sparsity, mask_jobs


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
                   and j.condition.profile not in {"lognormal", "multipeak"}
                   and j.sparsity in {0.85, 0.88, 0.92, 0.94, 0.96}]
    # 8 profiles x 2 spreads + the random baseline, at the five sparsities only the sweep has.
    assert len(mnist_sweep) == (8 * 2 + 1) * 5
    multipeak = [j for j in jobs.values() if j.condition.profile == "multipeak"]
    assert len(multipeak) == 24 * 3
    assert all(j.spread == "even" and j.sparsity == 0.9 for j in multipeak)
    forest = [j for j in jobs.values() if j.layer_sizes[0] == 54]
    assert {j.layer_sizes for j in forest} == {(54, 1024, 1024, 1024)}
    assert max(j.sparsity for j in forest) == 0.98
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


def test_disabling_an_experiment_removes_its_jobs(paper_config_raw):
    raw = copy.deepcopy(paper_config_raw)
    raw["experiments"]["multipeak"]["enabled"] = False
    jobs = mask_jobs(validate(raw))
    assert not [j for j in jobs.values() if j.condition.profile == "multipeak"]
