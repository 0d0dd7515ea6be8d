"""Fan-in profiles, spreading rules and sparse masks (§2.2–2.5, 2.8 of the PSN paper).

``fan_in`` (how many inputs each neuron gets) → ``make_mask`` (which inputs) → ``mask_stats``
(what was realised). ``erk_densities``/``uniform_densities`` budget RigL's layers,
``erdos_renyi_mask`` draws an unstructured mask, ``save_masks``/``load_masks`` store them.
"""

from psn.masks.build import make_mask, make_mask_array
from psn.masks.erk import density_masks, erdos_renyi_mask, erk_densities, uniform_densities
from psn.masks.fanin import ROUNDINGS, ccv, check_sparsity, fan_in, s_max
from psn.masks.io import load_masks, save_masks
from psn.masks.profiles import BASELINES, PAPER_PROFILES, PROFILES, register_profile
from psn.masks.spreading import SPREADS, register_spread
from psn.masks.stats import fan_in_stats, mask_stats

__all__ = [
    "BASELINES", "PAPER_PROFILES", "PROFILES", "ROUNDINGS", "SPREADS",
    "ccv", "check_sparsity", "density_masks", "erdos_renyi_mask", "erk_densities", "fan_in",
    "fan_in_stats", "load_masks", "make_mask", "make_mask_array",
    "mask_stats", "register_profile", "register_spread", "s_max", "save_masks",
    "uniform_densities",
]
