"""Service-level classes and the ERP's legacy min/max policies (the stock they gave, week by
week, is simulated in ``inventory.demo.history``).

The legacy policies are what an ERP typically holds: static weeks-of-cover rules set by hand
some time ago (min = ``m`` weeks, max = ``m + k`` weeks of the average weekly demand), so they
are stale for end-of-life items and missing for new ones. Quantities in units.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.demand import DemandStats
from inventory.demo.items import ItemPlan
from inventory.demo.spec import STREAM_STOCK, DemoSpec

SERVICE_CLASSES = (
    # code, target, service type, description
    ("AX", 0.99, "fill", "High value, stable demand"),
    ("AY", 0.98, "fill", "High value, variable demand"),
    ("AZ", 0.97, "fill", "High value, erratic or intermittent demand"),
    ("BX", 0.97, "cycle", "Medium value, stable demand"),
    ("BY", 0.96, "cycle", "Medium value, variable demand"),
    ("BZ", 0.94, "cycle", "Medium value, erratic or intermittent demand"),
    ("CX", 0.94, "cycle", "Low value, stable demand"),
    ("CY", 0.92, "cycle", "Low value, variable demand"),
    ("CZ", 0.90, "cycle", "Low value, erratic or intermittent demand"),
)
ERP_SERVICE_TARGET = 0.95
NO_POLICY_SHARE = 0.03
"""Share of established SKU-locations the ERP has no min/max for (new items never have one)."""
DEFAULT_MIN, DEFAULT_MAX = 1.0, 3.0
"""The ERP's defaults where it had no demand to base a policy on."""


@dataclass(frozen=True)
class Policies:
    """Legacy policies of a block of SKU-locations (only those that have one)."""

    sku_location: np.ndarray  # global index
    effective_from: np.ndarray  # datetime64[D]
    safety_stock: np.ndarray
    reorder_point: np.ndarray
    min_level: np.ndarray
    max_level: np.ndarray
    order_quantity: np.ndarray


def policies_for(spec: DemoSpec, plan: ItemPlan, stats: DemandStats, block: slice) -> Policies:
    """The ERP's static min/max of SKU-locations ``block`` (global indices)."""
    rng = spec.rng(STREAM_STOCK, 1, block.start)
    rows = np.arange(block.start, block.stop)
    item = rows // spec.locations
    has = (plan.lifecycle[item] != "new") & (rng.random(len(rows)) >= NO_POLICY_SHARE)
    mean = stats.mean[rows]
    min_weeks = rng.uniform(1.5, 3, len(rows))
    max_weeks = min_weeks + rng.uniform(2, 5, len(rows))
    known = mean > 0
    min_level = np.where(known, np.ceil(mean * min_weeks), DEFAULT_MIN)
    max_level = np.where(known, np.ceil(mean * max_weeks), DEFAULT_MAX)
    safety = np.round(mean * rng.uniform(0.5, 1, len(rows)) * min_weeks)
    age_days = rng.integers(28, 731, len(rows))
    return Policies(
        sku_location=rows[has],
        effective_from=(np.datetime64(spec.end_date, "D") - age_days)[has],
        safety_stock=safety[has],
        reorder_point=min_level[has],
        min_level=min_level[has],
        max_level=max_level[has],
        order_quantity=(max_level - min_level)[has],
    )
