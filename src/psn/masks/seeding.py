"""Seeds of mask draws: an int, None, a numpy Generator or a torch Generator → numpy Generators."""

from __future__ import annotations

import numpy as np

# Streams derived from one integer seed: profile draws and input spreading never share numbers.
STREAM_PROFILE, STREAM_SPREAD = 0, 1


def resolve_seed(seed):
    """A torch Generator becomes one 62-bit integer drawn from it (so several streams can share
    one draw); anything else is returned as is."""
    if seed is None or isinstance(seed, (int, np.integer, np.random.Generator)):
        return seed
    import torch  # only a torch Generator needs it; numpy-only callers never import torch

    if isinstance(seed, torch.Generator):
        return int(torch.randint(0, 2**62, (1,), generator=seed).item())
    return seed


def rng_for(seed, stream: int) -> np.random.Generator:
    """A numpy Generator for one stream of ``seed`` (int, None → 0, Generator, or torch.Generator).

    An explicit ``numpy.random.Generator`` is used as is (callers draw profile numbers first,
    spreading numbers second); a ``torch.Generator`` contributes one integer (``resolve_seed``).
    """
    seed = resolve_seed(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None:
        seed = 0
    if not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, None, numpy or torch Generator; got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"seed must be non-negative, got {seed}")
    # Stream 0 is default_rng(seed) itself, so lognormal draws are documented as default_rng(seed).
    return np.random.default_rng(int(seed) if stream == STREAM_PROFILE else [int(seed), stream])
