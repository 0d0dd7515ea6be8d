"""Checkpoint and resume: a killed run restarted from its checkpoint ends bit-identical."""

import pytest
import torch

from test_engine_callback import ToySwap
from test_engine_train import SIZES, toy_data, toy_masks

from psn.training import TrainSettings, load_checkpoint, train_group

SEEDS = [42, 123]
RUN = dict(log=None)


def epochs(n):
    return TrainSettings(epochs=n, batch_size=32)


def _strip(results):
    return [{k: v for k, v in r.items() if "seconds" not in k} for r in results]


def _assert_same(a, b):
    (ra, sa), (rb, sb) = a, b
    assert _strip(ra) == _strip(rb)
    for pa, pb in zip(sa.model.parameters(), sb.model.parameters()):
        assert torch.equal(pa, pb)
    for la in range(sa.n_hidden):
        assert torch.equal(sa.mask(la), sb.mask(la))
        for ta, tb in zip(sa.adam_state(la), sb.adam_state(la)):
            assert torch.equal(ta, tb)


def test_resume_after_fewer_epochs_is_bit_identical(tmp_path):
    data, masks = toy_data(), toy_masks(2)
    straight = train_group(data, SIZES, masks, SEEDS, epochs(3), return_state=True, **RUN)
    ckpt = tmp_path / "group.ckpt"
    train_group(data, SIZES, masks, SEEDS, epochs(2), checkpoint_path=ckpt, **RUN)
    payload = load_checkpoint(ckpt)  # weights_only=True inside
    assert payload["epoch"] == 2 and len(payload["history"]["test_accuracy"]) == 2
    resumed = train_group(data, SIZES, masks, SEEDS, epochs(3), checkpoint_path=ckpt, return_state=True, **RUN)
    _assert_same(straight, resumed)
    assert load_checkpoint(ckpt)["epoch"] == 3
    # a finished checkpoint returns the same results without training
    again = train_group(data, SIZES, masks, SEEDS, epochs(3), checkpoint_path=ckpt, return_state=True, **RUN)
    _assert_same(straight, again)


class Crash(RuntimeError):
    pass


def test_kill_mid_epoch_with_mask_swaps_resumes_identically(tmp_path):
    data, masks = toy_data(), toy_masks(2)
    straight = train_group(data, SIZES, masks, SEEDS, epochs(3), callback=ToySwap(), return_state=True, **RUN)
    swap = ToySwap()

    def crashing(state, step):
        swap(state, step)
        if step == 10:  # inside epoch 2 (7 steps per epoch)
            raise Crash

    ckpt = tmp_path / "sub" / "group.ckpt"
    with pytest.raises(Crash):
        train_group(data, SIZES, masks, SEEDS, epochs(3), callback=crashing, checkpoint_path=ckpt, **RUN)
    assert load_checkpoint(ckpt)["epoch"] == 1
    assert not list(ckpt.parent.glob("*.part"))
    resumed = train_group(data, SIZES, masks, SEEDS, epochs(3), callback=ToySwap(), checkpoint_path=ckpt,
                          return_state=True, **RUN)
    _assert_same(straight, resumed)


def test_checkpoint_of_another_run_is_not_resumed(tmp_path):
    data, masks = toy_data(), toy_masks(2)
    ckpt = tmp_path / "group.ckpt"
    train_group(data, SIZES, masks, SEEDS, epochs(1), checkpoint_path=ckpt, **RUN)
    lines = []
    other = train_group(data, SIZES, masks, [1, 2], epochs(2), checkpoint_path=ckpt,
                        **dict(RUN, log=lines.append))
    assert _strip(other) == _strip(train_group(data, SIZES, masks, [1, 2], epochs(2), **RUN))
    assert f"checkpoint {ckpt} is from a different run (seeds); starting fresh" in lines
    assert load_checkpoint(tmp_path / "missing.ckpt") is None
