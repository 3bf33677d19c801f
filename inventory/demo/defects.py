"""Deliberate data defects that later checks must flag rather than crash on.

Each defect hits a fixed, seeded share of rows (at least one row in any network):

* ``missing_cost_items``: items whose ``unit_cost`` is NULL (0.5 % of items);
* ``negative_on_hand``: SKU-locations whose on-hand position is negative (0.5 %);
* ``no_history``: SKU-locations with no demand-history row at all, not even zeros, and hence
  no statistical forecast either (0.5 %).

The two SKU-location sets are disjoint.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.spec import STREAM_DEFECTS, DemoSpec

MISSING_COST_RATE = 0.005
NEGATIVE_ON_HAND_RATE = 0.005
NO_HISTORY_RATE = 0.005


@dataclass(frozen=True)
class Defects:
    """Sorted indices of the defective items and SKU-locations (``item * locations + loc``)."""

    missing_cost_items: np.ndarray
    negative_on_hand: np.ndarray
    no_history: np.ndarray


def _count(rate: float, population: int) -> int:
    return max(1, round(rate * population))


def defects_choose(spec: DemoSpec) -> Defects:
    """Pick the defective rows of this spec (same spec, same rows)."""
    rng = spec.rng(STREAM_DEFECTS)
    items = rng.choice(spec.skus, _count(MISSING_COST_RATE, spec.skus), replace=False)
    negative = _count(NEGATIVE_ON_HAND_RATE, spec.sku_locations)
    missing = _count(NO_HISTORY_RATE, spec.sku_locations)
    picked = rng.choice(spec.sku_locations, negative + missing, replace=False)
    return Defects(
        missing_cost_items=np.sort(items),
        negative_on_hand=np.sort(picked[:negative]),
        no_history=np.sort(picked[negative:]),
    )
