"""A small convolutional net on Fashion-MNIST, its fully connected layers sparse with a lognormal
fan-in profile and trained with RigL: psn on a model of your own, in an ordinary training loop.

    .venv/bin/python examples/fashion_cnn.py                  # 3 epochs on 20,000 images, CPU
    .venv/bin/python examples/fashion_cnn.py --epochs 1 --limit 2000 --update-every 10   # seconds

The convolutions stay dense; fc1 (1568 -> 256) and fc2 (256 -> 128) are 90% sparse with a
lognormal fan-in at CCV 1.5, spread evenly over the inputs; the output layer stays dense. Each
sparse layer is followed by LayerNorm, as in the paper's MLPs: without it, nn.Linear's default
init masked to 10% density passes a signal √10 times weaker and learning starts slowly (81%
against 88% after the 3 default epochs, one run each). Every epoch prints the test accuracy (all
10,000 test images) and each sparse layer's fan-in CCV, which RigL moves as it drops and
regrows connections. The training set is the first ``--limit`` images of a seeded shuffle
(20,000 by default, so that 3 epochs take well under 2 minutes on one busy CPU core; ``--limit
0`` takes all 60,000).

Data: ``data/prepared/fashion_mnist.npz`` (the pipeline's prepared file), else the raw IDX files
of Debian's ``dataset-fashion-mnist`` package, else ``--data DIR`` holding those four files.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import psn
from psn.data import load_prepared, read_idx_gz
from psn.training import CosineSchedule

REPO = Path(__file__).resolve().parents[1]
PREPARED = REPO / "data" / "prepared" / "fashion_mnist.npz"
DEBIAN = Path("/usr/share/datasets/fashion-mnist")
IDX = {"x_train": "train-images-idx3-ubyte.gz", "y_train": "train-labels-idx1-ubyte.gz",
       "x_test": "t10k-images-idx3-ubyte.gz", "y_test": "t10k-labels-idx1-ubyte.gz"}


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.fc1 = nn.Linear(32 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 128)
        self.out = nn.Linear(128, 10)
        self.norm1, self.norm2 = nn.LayerNorm(256), nn.LayerNorm(128)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.norm1(self.fc1(x.flatten(1))))
        x = F.relu(self.norm2(self.fc2(x)))
        return self.out(x)


def load_fashion_mnist(folder: Path | None = None) -> dict[str, np.ndarray]:
    """x (N, 1, 28, 28) float32 in [0, 1], y int64, train and test."""
    if folder is None and PREPARED.is_file():
        arrays = load_prepared(PREPARED)
    else:
        folder = folder or DEBIAN
        if not all((folder / name).is_file() for name in IDX.values()):
            raise SystemExit(f"no Fashion-MNIST: neither {PREPARED} nor the IDX files {sorted(IDX.values())} "
                             f"in {folder} (--data DIR names another folder)")
        arrays = {key: read_idx_gz(folder / name) for key, name in IDX.items()}
        for key in ("x_train", "x_test"):
            arrays[key] = arrays[key].astype(np.float32) / 255.0
    return {key: (a.reshape(-1, 1, 28, 28).astype(np.float32) if key.startswith("x") else a.astype(np.int64))
            for key, a in arrays.items()}


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    model.eval()
    correct = sum(int((model(x[i:i + 2000]).argmax(1) == y[i:i + 2000]).sum()) for i in range(0, len(x), 2000))
    model.train()
    return correct / len(x)


def main(argv: list[str] | None = None) -> float:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=20000, help="training images (0: all 60,000)")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--sparsity", type=float, default=0.9)
    ap.add_argument("--ccv", type=float, default=1.5)
    ap.add_argument("--method", default="rigl", help="rigl, set, or a registered method")
    ap.add_argument("--update-every", type=int, default=100, help="ΔT, optimizer steps between updates")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch's CPU threads (1: the same numbers on any machine; on 2 busy cores "
                         "one thread ran 3 epochs in 30 s, two in 75-140 s)")
    ap.add_argument("--data", type=Path, default=None, help="folder of the four IDX .gz files")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()

    data = load_fashion_mnist(args.data)
    order = torch.randperm(len(data["y_train"]), generator=torch.Generator().manual_seed(args.seed))
    keep = order[:args.limit] if args.limit else order
    x_train, y_train = torch.from_numpy(data["x_train"])[keep], torch.from_numpy(data["y_train"])[keep]
    x_test, y_test = torch.from_numpy(data["x_test"]), torch.from_numpy(data["y_test"])

    torch.manual_seed(args.seed)
    model = SmallCNN()
    psn.sparsify(model, sparsity=args.sparsity, profile="lognormal", ccv=args.ccv, spread="even",
                 seed=args.seed)                         # fc1 and fc2; the output layer stays dense
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    steps_per_epoch = math.ceil(len(y_train) / args.batch_size)
    dst = psn.DynamicSparsity(model, opt, method=args.method, total_steps=args.epochs * steps_per_epoch,
                              schedule=CosineSchedule(update_every=args.update_every), seed=args.seed)
    names = dst.layer_names
    print(f"{args.method} on fashion-mnist: {len(y_train)} training images, {args.epochs} epoch(s), "
          f"{', '.join(names)} at {args.sparsity:.0%} sparsity, lognormal CCV {args.ccv}")

    batches = torch.Generator().manual_seed(args.seed + 1)
    for epoch in range(1, args.epochs + 1):
        perm = torch.randperm(len(y_train), generator=batches)
        loss_sum = 0.0
        for i in range(steps_per_epoch):
            idx = perm[i * args.batch_size:(i + 1) * args.batch_size]
            loss = F.cross_entropy(model(x_train[idx]), y_train[idx])
            opt.zero_grad()
            loss.backward()
            loss_sum += loss.item() * len(idx)
            if dst.step():        # an update step: the masks changed, skip the optimizer step
                continue
            opt.step()
        history = dst.history()
        ccv = "  ".join(f"{n} {c:.2f}" for n, c in zip(names, history["fanin_ccv"][-1]))
        updates = len(history["t"]) - 1  # the first record is the start
        print(f"epoch {epoch}  loss {loss_sum / len(y_train):.4f}  test accuracy "
              f"{accuracy(model, x_test, y_test):.2%}  fan-in CCV {ccv}  ({updates} updates, "
              f"{time.perf_counter() - started:.0f} s)", flush=True)

    acc = accuracy(model, x_test, y_test)
    start = "  ".join(f"{n} {c:.2f}" for n, c in zip(names, history["fanin_ccv"][0]))
    print(f"final test accuracy {acc:.2%} in {time.perf_counter() - started:.1f} s; fan-in CCV at the "
          f"start {start}")
    return acc


if __name__ == "__main__":
    main()
