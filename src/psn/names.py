"""The path vocabulary: how sparsities, values, architectures, experiments and readings are
written into result paths and wildcards, and read back. A leaf: it imports nothing of psn, so
the config, the plan and the analysis all take their names from here."""

from __future__ import annotations

STATIC_EXPERIMENTS = ("mnist_sweep", "multipeak", "cross_dataset", "fashion_98", "spreading_ablation",
                      "readings")

# the readings experiment: one-axis changes from the config's own settings
READING_AXES = ("init", "normalise", "random_baseline")


def format_sparsity(sparsity: float) -> str:
    """0.9 -> '90', 0.999 -> '99.9': the percent, as short as exact."""
    return f"{100 * sparsity:.6g}"


def format_value(value: float) -> str:
    return f"{value:.6g}"


def format_arch(layer_sizes) -> str:
    """(784, 1024, 1024, 10) -> '784-1024-1024-10'."""
    return "-".join(str(int(n)) for n in layer_sizes)


def parse_arch(arch: str) -> tuple[int, ...]:
    """'784-1024-1024-10' -> (784, 1024, 1024, 10)."""
    try:
        return tuple(int(n) for n in str(arch).split("-"))
    except ValueError:
        raise ValueError(f"architecture {arch!r} is not of the form 784-1024-1024-10") from None


def reading_name(axis: str, value: str) -> str:
    """('init', 'dense_fan_in') -> 'init-dense_fan_in'."""
    return f"{axis}-{value}"


def parse_reading(name: str) -> tuple[str, str]:
    axis, _, value = name.partition("-")
    if axis not in READING_AXES or not value:
        raise ValueError(f"not a reading: {name!r} (axes: {', '.join(READING_AXES)})")
    return axis, value
