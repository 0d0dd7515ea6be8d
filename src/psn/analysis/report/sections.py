"""The report's sections in its order: each owns its claims and measures them."""

from __future__ import annotations

from psn.analysis.report.core import Claim, Ours, Results, Section, unique_ids
from psn.analysis.report.cross_sections import SECTION32, TABLE6
from psn.analysis.report.dst_sections import RIGL, TABLE4
from psn.analysis.report.mask_sections import MASKS
from psn.analysis.report.static_sections import (ABLATION, FOREST_GRID, GRADIENTS, MULTIPEAK_SECTION, SECTION31,
                                                 TABLE5)

SECTIONS: tuple[Section, ...] = (MASKS, TABLE5, SECTION31, MULTIPEAK_SECTION, GRADIENTS, ABLATION, TABLE6, SECTION32,
                                 FOREST_GRID, TABLE4, RIGL)


def claims() -> list[Claim]:
    """Every published number the report sets ours beside, in the report's order."""
    return unique_ids(c for s in SECTIONS for c in s.claims())


def measure(res: Results) -> dict[str, Ours]:
    """Claim id -> ours, for every claim the given tables measure; a ValueError naming any id a
    section measures but does not claim."""
    out: dict[str, Ours] = {}
    for section in SECTIONS:
        out.update(section.measured(res))
    return out
