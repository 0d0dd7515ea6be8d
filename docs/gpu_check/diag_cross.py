"""Why do CUDA and CPU disagree at RigL's first update? (issue 21 follow-up, one-off diagnosis)

1. The static group (no updates): CUDA vs CPU after the same 300 steps: accuracy and weights.
2. RigL's first update on each device: the drop and grow choices per layer and model, how many
   differ, the largest score difference between the devices, and the score margin at the k-th
   place: a disagreement is a near-tie when the devices' score error exceeds the margin.
"""
import json
import os
import sys
import time

import torch

from psn.bench.gpu import FULL_GROUP, QUICK_GROUP, synthetic_data
from psn.masks.starts import start_masks
from psn.training import DSTSettings, train_group
from psn.training.drop_grow import drop_score
from psn.training.schedules import CosineSchedule
from psn.training.rigl import RigL

QUICK = len(sys.argv) > 2 and sys.argv[2] == "quick"  # local trial: CPU against CPU
spec = QUICK_GROUP if QUICK else FULL_GROUP
GPU = "cpu" if QUICK else "cuda"
sizes = list(spec.layer_sizes)
out = {}


class Stop(Exception):
    pass


class Capture(RigL):
    """RigL that keeps its first update's inputs and choices, then stops the run."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.seen = []

    def grow_score(self, layer):
        s = super().grow_score(layer)
        self.seen.append({"w": layer.weight.detach().cpu(), "g": layer.grad.detach().cpu(),
                          "old": layer.old.cpu(), "kept": layer.kept.cpu(), "allowed": layer.allowed.cpu(),
                          "score": s.detach().cpu()})
        return s

    def update(self, state, ext, alpha):
        super().update(state, ext, alpha)
        self.new = [state.mask(l).detach().cpu().reshape(state.k, -1) for l in range(state.n_hidden)]
        raise Stop


def run(device, callback):
    masks = [start_masks(sizes, spec.sparsity, "erk", seed=s) for s in spec.seeds]
    t0 = time.perf_counter()
    try:
        res, state = train_group(synthetic_data(spec), sizes, masks, list(spec.seeds), epochs=spec.epochs,
                                 batch_size=spec.batch_size, init="torch_default", device=device,
                                 callback=callback, return_state=True, log=None)
    except Stop:
        return None, None, time.perf_counter() - t0
    w = {k: v.detach().cpu() for k, v in state.model.state_dict().items()}
    return [r["final_test_accuracy"] for r in res], w, time.perf_counter() - t0


# 1. static
if not os.environ.get("SKIP_STATIC"):
    acc_g, w_g, tg = run(GPU, None)
    acc_c, w_c, tc = run("cpu", None)
    out["static"] = {"acc_cuda": acc_g, "acc_cpu": acc_c,
                     "acc_gap_max": max(abs(a - b) for a, b in zip(acc_g, acc_c)),
                     "max_abs_dw": max(float((w_g[k] - w_c[k]).abs().max()) for k in w_g),
                     "seconds": [tg, tc]}
    print("static:", json.dumps(out["static"]), flush=True)

# 2. the first update
caps = {}
for name, dev in (("cuda", GPU), ("cpu", "cpu")):
    cap = Capture(DSTSettings(schedule=CosineSchedule(update_every=spec.update_every)))
    run(dev, cap)
    caps[name] = cap
rows = []
for layer, (a, b) in enumerate(zip(caps["cuda"].seen, caps["cpu"].seen)):
    for j in range(a["w"].shape[0]):
        same_old = bool(torch.equal(a["old"][j], b["old"][j]))
        dw = float((a["w"][j] - b["w"][j]).abs().max())
        dg = float((a["g"][j] - b["g"][j]).abs().max())
        rel_g = dg / float(b["g"][j].abs().max())
        kept_diff = int((a["kept"][j] ^ b["kept"][j]).sum())
        new_a, new_b = caps["cuda"].new[layer][j], caps["cpu"].new[layer][j]
        new_diff = int((new_a ^ new_b).sum())
        k = int(a["old"][j].sum() - a["kept"][j].sum())
        # margins at the k-th place, on CPU's scores: drop (among active, by |w|), grow (among allowed)
        dscore = (-drop_score(b["w"][j].unsqueeze(0))[0]).abs()
        act = dscore[b["old"][j].reshape(-1)].sort().values
        drop_margin = float(act[k] - act[k - 1]) if 0 < k < len(act) else float("nan")
        gs = b["score"][j][b["allowed"][j].reshape(-1)].sort(descending=True).values
        grow_margin = float(gs[k - 1] - gs[k]) if 0 < k < len(gs) else float("nan")
        ds = float((a["score"][j] - b["score"][j]).abs().max())
        # candidates whose score lies within the devices' largest score error of the k-th place
        grow_band = int(((gs - gs[k - 1]).abs() <= ds).sum()) if 0 < k <= len(gs) else 0
        drop_band = int(((act - act[k - 1]).abs() <= dw).sum()) if 0 < k <= len(act) else 0
        rows.append({"layer": layer, "model": j, "k": k, "same_mask_before": same_old, "max_dw": dw,
                     "max_dgrad": dg, "rel_dgrad": rel_g, "max_dscore": ds, "drop_margin_cpu": drop_margin,
                     "grow_margin_cpu": grow_margin, "grow_band": grow_band, "drop_band": drop_band, "kept_differ": kept_diff, "new_mask_differ": new_diff})
        print(json.dumps(rows[-1]), flush=True)
out["first_update"] = rows
json.dump(out, open(sys.argv[1], "w"), indent=1)
