"""When drop-and-grow updates happen and how much each drops: RigL's cosine schedule, its
constant variant, and Mocanu's SET (every epoch), by name in ``SCHEDULES``; and how many updates
a run of T engine steps gets (``count_updates``, the callback's own walk of t)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


def _check_int(name: str, value: Any, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValueError(f"{name}={value!r} must be an integer of at least {low}")


def _check_bool(name: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{name}={value!r} must be true or false")


def _check_fraction(name: str, value: Any, *, open_low: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not (0.0 < value <= 1.0 if open_low else 0.0 <= value <= 1.0):
        raise ValueError(f"{name}={value!r} must lie in {'(0, 1]' if open_low else '[0, 1]'}")


# ---------------------------------------------------------------------------------------------
# schedules


@dataclass(frozen=True)
class CosineSchedule:
    """Update every ``update_every`` optimizer steps while t ≤ end_fraction·T, dropping
    α(t) = ½·drop_fraction·(1 + cos(π·t/T_end)) of each layer's active weights (RigL's, and the
    RigL paper's SET)."""

    drop_fraction: float = 0.3
    update_every: int = 100
    end_fraction: float = 0.75
    update_at_zero: bool = False

    def __post_init__(self) -> None:
        _check_fraction("drop_fraction", self.drop_fraction)
        _check_int("update_every", self.update_every, 1)
        _check_fraction("end_fraction", self.end_fraction, open_low=True)
        _check_bool("update_at_zero", self.update_at_zero)

    def end_step(self, total_steps: int) -> float:
        return self.end_fraction * total_steps

    def is_update(self, t: int, total_steps: int, steps_per_epoch: int | None = None) -> bool:
        if t == 0 and not self.update_at_zero:
            return False
        return t % self.update_every == 0 and t <= self.end_step(total_steps)

    def alpha(self, t: int, total_steps: int) -> float:
        """The drop fraction at optimizer step t (0 past T_end)."""
        end = self.end_step(total_steps)
        if t > end:
            return 0.0
        return 0.5 * self.drop_fraction * (1.0 + math.cos(math.pi * t / end))


@dataclass(frozen=True)
class ConstantSchedule(CosineSchedule):
    """RigL's schedule without the decay: every ``update_every`` optimizer steps while
    t ≤ end_fraction·T, dropping α₀ = ``drop_fraction`` each time."""

    def alpha(self, t: int, total_steps: int) -> float:
        return 0.0 if t > self.end_step(total_steps) else self.drop_fraction


@dataclass(frozen=True)
class EpochSchedule:
    """Mocanu et al.'s SET: a constant fraction ζ = ``drop_fraction`` dropped and regrown after
    every epoch's worth of optimizer steps (t = E, 2E, … with E steps an epoch), for the whole
    run (none after the last epoch)."""

    drop_fraction: float = 0.3

    def __post_init__(self) -> None:
        _check_fraction("drop_fraction", self.drop_fraction)

    def is_update(self, t: int, total_steps: int, steps_per_epoch: int | None = None) -> bool:
        if steps_per_epoch is None:
            raise ValueError("the epoch schedule needs the steps per epoch")
        return 0 < t < total_steps and t % steps_per_epoch == 0

    def alpha(self, t: int, total_steps: int) -> float:
        return self.drop_fraction


SCHEDULES = {"cosine": CosineSchedule, "constant": ConstantSchedule, "epoch": EpochSchedule}


def make_schedule(name: str, *, drop_fraction: float, update_every: int = 100, end_fraction: float = 0.75,
                  update_at_zero: bool = False) -> CosineSchedule | ConstantSchedule | EpochSchedule:
    """The schedule ``name`` (``SCHEDULES``) from the config's settings; the epoch schedule takes
    only the drop fraction."""
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose one of {sorted(SCHEDULES)}")
    if SCHEDULES[name] is EpochSchedule:
        return EpochSchedule(drop_fraction=drop_fraction)
    return SCHEDULES[name](drop_fraction=drop_fraction, update_every=update_every, end_fraction=end_fraction,
                           update_at_zero=update_at_zero)


def count_updates(schedule: CosineSchedule | EpochSchedule, total_steps: int,
                  steps_per_epoch: int) -> int:
    """How many updates a run of ``total_steps`` engine steps gets: the callback's own walk of
    t, which does not advance on an update step."""
    t, last, n = 0, -1, 0
    for _ in range(total_steps):
        if last != t and schedule.is_update(t, total_steps, steps_per_epoch):
            n, last = n + 1, t
        else:
            t += 1
    return n
