"""Fan-in (Eq. 6, Eq. 7, lognormal/power-law searches) and the paper's quoted numbers."""

import warnings

import numpy as np
import pytest

import psn
from psn.masks.fanin import cumulative_round
from psn.masks.profiles import PAPER_PROFILES, PROFILES


def eq6(n, m, s, name, rounding, f_min=1, **params):
    """Eq. 6 written out neuron by neuron (the reference the vectorised code must match)."""
    t = [i / m for i in range(m)]
    p = PROFILES[name](np.array(t), **params)
    lam = n * (1 - s) / p.mean()
    r = np.ceil if rounding == "ceil" else np.floor
    return [int(min(n, max(f_min, r(round(lam * v, 9))))) for v in p]


@pytest.mark.parametrize("name", PAPER_PROFILES + ("multipeak",))
@pytest.mark.parametrize("rounding", ["ceil", "floor"])
def test_fan_in_matches_eq6_row_by_row(name, rounding):
    for n, m, s in ((784, 1024, 0.9), (1024, 1024, 0.95), (54, 1024, 0.8)):
        f = psn.fan_in(n, m, s, name, rounding=rounding)
        assert f.dtype == np.int64 and f.shape == (m,)
        assert f.tolist() == eq6(n, m, s, name, rounding)


def test_exponential_90_percent_ceil_vs_floor():
    # NOTES: ⌈·⌉ (Eq. 6) gives 248→13, mean 78.9; ⌊·⌋ gives the paper's 247→12, mean 77.9.
    c = psn.fan_in(784, 1024, 0.9, "exponential", rounding="ceil")
    f = psn.fan_in(784, 1024, 0.9, "exponential", rounding="floor")
    assert (c.max(), c.min(), round(c.mean(), 1)) == (248, 13, 78.9)
    assert (f.max(), f.min(), round(f.mean(), 1)) == (247, 12, 77.9)


@pytest.mark.parametrize("name", PAPER_PROFILES)
def test_unclamped_profiles_hit_mean_within_rounding(name):
    # At 85% nothing reaches n; ⌈·⌉ adds < 1 per neuron on average, ⌊·⌋ removes < 1 (clamp to
    # f_min can only add, by at most f_min per clamped neuron).
    target = 784 * 0.15
    c = psn.fan_in(784, 1024, 0.85, name, rounding="ceil")
    f = psn.fan_in(784, 1024, 0.85, name, rounding="floor")
    assert target <= c.mean() < target + 1
    assert target - 1 < f.mean() <= target + (f == 1).mean()


def test_profile_cvs_by_equation():
    # The equations give 0.81/0.65/0.57/0.44 (NOTES); the paper quotes 0.82/0.66/0.45/0.25.
    got = {n: psn.ccv(psn.fan_in(784, 1024, 0.9, n)) for n in ("exponential", "bell", "linear", "quadratic")}
    assert got == pytest.approx({"exponential": 0.806, "bell": 0.645, "linear": 0.573, "quadratic": 0.444}, abs=0.002)


def test_uniform_is_constant_with_exact_total():
    f = psn.fan_in(784, 1024, 0.9, "uniform")
    assert f.sum() == round(0.1 * 784 * 1024)
    assert set(f.tolist()) == {78, 79}
    assert psn.ccv(f) < 0.01
    # the 79s are spread along the index, not stacked at one end
    ones = np.nonzero(f == 79)[0]
    assert ones.min() < 10 and ones.max() > 1010


def test_cumulative_round_total_and_bounds():
    x = np.random.default_rng(0).uniform(1, 9, 1000)
    f = cumulative_round(x)
    assert f.sum() == round(x.sum())
    assert np.all((f == np.floor(x)) | (f == np.ceil(x)))


@pytest.mark.parametrize("profile", ["lognormal", "powerlaw"])
@pytest.mark.parametrize("target", [0.5, 1.0, 1.5, 2.5])
def test_ccv_search_hits_target_and_mean(profile, target):
    f = psn.fan_in(784, 1024, 0.9, profile, ccv=target, seed=3)
    assert abs(f.mean() - 78.4) < 0.5
    assert abs(psn.ccv(f) - target) < 0.02
    assert f.min() >= 1 and f.max() <= 784
    assert np.all(np.diff(f) <= 0)  # sorted descending: hubs first


@pytest.mark.parametrize("profile", ["lognormal", "powerlaw"])
def test_unreachable_ccv_warns_with_the_best_reachable(profile):
    with pytest.warns(UserWarning, match=r"best reachable ccv=\d"):
        f = psn.fan_in(54, 1024, 0.9, profile, ccv=5.0)
    best = psn.ccv(f)
    assert 2.0 < best < 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        psn.fan_in(54, 1024, 0.9, profile, ccv=1.0)  # reachable: no warning


def test_lognormal_depends_on_seed_powerlaw_does_not():
    a = psn.fan_in(784, 1024, 0.9, "lognormal", ccv=1.0, seed=1)
    b = psn.fan_in(784, 1024, 0.9, "lognormal", ccv=1.0, seed=2)
    assert not np.array_equal(a, b)
    assert np.array_equal(a, psn.fan_in(784, 1024, 0.9, "lognormal", ccv=1.0, seed=1))
    assert np.array_equal(psn.fan_in(784, 1024, 0.9, "lognormal", ccv=1.0), psn.fan_in(784, 1024, 0.9, "lognormal", ccv=1.0, seed=0))
    assert np.array_equal(psn.fan_in(784, 1024, 0.9, "powerlaw", ccv=1.0, seed=1), psn.fan_in(784, 1024, 0.9, "powerlaw", ccv=1.0, seed=2))


def test_s_max_eq7_and_enforcement():
    assert psn.s_max(784) == pytest.approx(1 - 1 / 784)
    assert psn.s_max(54, f_min=20) == pytest.approx(1 - 20 / 54)
    with pytest.raises(ValueError, match=r"sparsity=0.99 exceeds S_max=0.981481.*n_in=54, f_min=1"):
        psn.fan_in(54, 1024, 0.99, "exponential")
    with pytest.raises(ValueError, match="S_max"):
        psn.make_mask(784, 1024, 0.999, "random")
    psn.fan_in(54, 1024, 0.98, "exponential")  # just below S_max = 98.15%
    # the paper's 99.9% point is above S_max on 784 inputs: allowed only on request, all at f_min
    f = psn.fan_in(784, 1024, 0.999, "uniform", enforce_s_max=False)
    assert np.all(f == 1)


def test_random_baseline_fan_in_is_binomial():
    f = psn.fan_in(784, 1024, 0.9, "random", seed=5)
    assert f.sum() == round(0.1 * 784 * 1024)
    # binomial(784, 0.1): CV = sqrt(0.9 / 78.4) ≈ 0.107
    assert 0.09 < psn.ccv(f) < 0.125
