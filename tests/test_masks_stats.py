"""One definition of a mask's fan-in statistics and CCV, shared by mask_stats and the engine."""

import numpy as np
import pytest
import torch

from test_engine_train import SIZES, toy_data, toy_masks

from psn.masks import fan_in_stats, mask_stats
from psn.training import train_group


def test_fan_in_stats_by_hand():
    st = fan_in_stats(torch.tensor([2, 1, 0]), n_in=4)
    assert st["n_active"].item() == 3 and st["density"].item() == 3 / 12
    assert st["sparsity"].item() == 1 - 3 / 12 and st["mean"].item() == 1.0
    assert st["std"].item() == pytest.approx(np.sqrt(2 / 3))  # population std of 2, 1, 0
    assert st["cv"].item() == pytest.approx(np.sqrt(2 / 3))
    assert fan_in_stats(torch.zeros(5, dtype=torch.long), n_in=3)["cv"].item() == 0.0  # no NaN


def test_fan_in_stats_keeps_leading_dims():
    f = torch.tensor([[4, 4, 4, 4], [8, 0, 4, 4], [1, 1, 1, 5]])
    st = fan_in_stats(f, n_in=8)
    assert all(v.shape == (3,) and v.dtype == torch.float64 for v in st.values())
    assert st["cv"][0].item() == 0.0 and st["mean"].tolist() == [4.0, 4.0, 2.0]
    np.testing.assert_allclose(st["cv"], [np.std(r) / np.mean(r) for r in f.numpy()], rtol=1e-12)


def test_mask_stats_uses_fan_in_stats():
    m = np.random.default_rng(3).random((50, 40)) < 0.2
    st, rows = mask_stats(m), fan_in_stats(torch.from_numpy(m).sum(1), 40)
    assert (st["fanin_mean"], st["fanin_std"], st["fanin_cv"]) == tuple(
        float(rows[key]) for key in ("mean", "std", "cv"))
    assert st["sparsity"] == float(rows["sparsity"])
    assert st["fanout_mean"] == float(fan_in_stats(torch.from_numpy(m).sum(0), 50)["mean"])


def test_engine_results_report_fan_in_stats_of_the_final_masks():
    masks = toy_masks(2)
    results, state = train_group(toy_data(), SIZES, masks, [1, 2], epochs=1, batch_size=64,
                                 log=None, return_state=True)
    for layer in range(2):
        st = fan_in_stats(state.model.fan_in(layer), SIZES[layer])
        for j, res in enumerate(results):
            assert res["fan_in_cv"][layer] == float(st["cv"][j])
            assert res["sparsity"][layer] == float(st["sparsity"][j])
            assert res["fan_in"][layer] == np.asarray(masks[j][layer]).sum(1).tolist()
