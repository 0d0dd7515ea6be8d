"""Profiles (§2.2, Eq. 10): shapes, registry, and CCVs the equations give."""

import numpy as np
import pytest

import psn
from psn.masks.profiles import PROFILE_INFO, bell, inverse_bell, multipeak

T = np.arange(1024) / 1024


def test_inverse_bell_is_the_complement_not_the_mirror():
    assert np.allclose(inverse_bell(T), 1.0 - bell(T))
    # bell is symmetric about 0.5, so the mirror would be bell itself, not a new profile
    assert not np.allclose(inverse_bell(T), bell(T))


@pytest.mark.parametrize("name", ["linear", "quadratic", "exponential"])
def test_inverse_profiles_mirror_the_index(name):
    inv = psn.PROFILES[f"inverse_{name}"](T)
    assert np.allclose(inv, psn.PROFILES[name](1.0 - T))


def test_monotone_profiles_decrease_and_start_at_one():
    for name in ("linear", "quadratic", "exponential"):
        p = psn.PROFILES[name](T)
        assert p[0] == pytest.approx(1.0)
        assert np.all(np.diff(p) < 0)


def test_multipeak_has_k_peaks_at_the_centres():
    for k in (1, 3, 7):
        p = multipeak(T, k=k, beta=1200)
        peaks = np.nonzero((p[1:-1] > p[:-2]) & (p[1:-1] >= p[2:]))[0] + 1
        assert len(peaks) == k
        centres = (2 * np.arange(k) + 1) / (2 * k)
        assert np.allclose(T[peaks], centres, atol=1.5 / 1024)


@pytest.mark.parametrize("beta", [12, 50, 1200])
def test_multipeak_ccv_falls_with_k(beta):
    # §2.8: "CCV decreases monotonically with k for fixed β". Holds up to the rounding floor
    # once the profile is nearly flat (CCV < 0.01), where ±1 rounding dominates.
    ks = [*range(1, 21), 25, 30, 40, 50]
    c = np.array([psn.ccv(psn.fan_in(784, 1024, 0.9, "multipeak", k=k, beta=beta)) for k in ks])
    big = c > 0.01
    assert np.all(np.diff(c[big]) < 0)
    assert c[-1] < 0.04


def test_multipeak_k1_beta1200_matches_paper_ccv():
    f = psn.fan_in(784, 1024, 0.9, "multipeak", k=1, beta=1200)
    assert psn.ccv(f) == pytest.approx(3.24, abs=0.01)  # §3.1 quotes 3.24
    assert 850 <= (f == 1).sum() <= 920  # "~900 of 1024 neurons receive a single input"


def test_register_profile_adds_a_usable_profile():
    name = "test_step_profile"
    if name not in psn.PROFILES:

        @psn.register_profile(name)
        def step(t, cut=0.5):
            return np.where(t < cut, 2.0, 1.0)

    f = psn.fan_in(100, 10, 0.7, name, rounding="floor")
    assert f.tolist() == [40] * 5 + [20] * 5  # λ = 30/1.5 = 20
    with pytest.raises(ValueError, match="already registered"):
        psn.register_profile(name)(lambda t: t)
    assert PROFILE_INFO[name].matching == "scale"


def test_unknown_profile_is_named_in_the_error():
    with pytest.raises(ValueError, match="unknown profile 'nope'"):
        psn.fan_in(10, 10, 0.5, "nope")
