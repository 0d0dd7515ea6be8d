"""Profiled Sparse Networks (PSN).

Rooms: ``psn.data`` (datasets), ``psn.masks`` (fan-in profiles, spreading, masks),
``psn.model`` (batched masked MLPs), ``psn.training`` (the batched training engine, and
``sparsify`` / ``DynamicSparsity`` for anyone's ``nn.Module``),
``psn.analysis`` (statistics over results), ``psn.render`` (figures and tables),
``psn.config`` (workflow configuration), ``psn.provenance`` (metadata every result carries).
"""

__version__ = "0.1.0"

# The mask API, re-exported lazily so ``import psn`` stays light (psn.masks imports torch).
_MASK_API = (
    "PROFILES", "PAPER_PROFILES", "register_profile", "fan_in", "make_mask", "mask_stats",
    "s_max", "ccv", "erk_densities", "uniform_densities", "erdos_renyi_mask", "density_masks",
    "save_masks", "load_masks",
)


# Sparse training of anyone's nn.Module (psn.training.module), lazily too.
_MODULE_API = ("sparsify", "DynamicSparsity")


def __getattr__(name: str):
    if name in _MASK_API:
        import psn.masks

        return getattr(psn.masks, name)
    if name in _MODULE_API:
        import psn.training.module

        return getattr(psn.training.module, name)
    raise AttributeError(f"module 'psn' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_MASK_API) + list(_MODULE_API))
