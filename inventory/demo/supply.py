"""Suppliers of differing reliability, their lanes into the central DCs, and order history.

Each category is bought from two suppliers; every item has a primary supplier and some a
secondary one, with a lane to every echelon-1 location. Primary lanes order every few weeks
(an EOQ-like interval); receipts arrive late in a way that depends on the supplier: reliable
suppliers on time with a small spread, unreliable ones often late with a long tail. Lead
times in days, quantities in units, money in the company currency.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.items import CATEGORIES, ItemPlan
from inventory.demo.spec import STREAM_SUPPLIERS, DemoSpec

SUPPLIER_NAMES = (
    "Acme Components",
    "Borealis Trading",
    "Cobalt Foods",
    "Delta Packaging",
    "Emerald Imports",
    "Fjord Supply",
    "Granite Manufacturing",
    "Helios Distribution",
    "Iris Brands",
    "Juniper Wholesale",
    "Kestrel Industries",
    "Lumen Goods",
)
LEAD_TIME_DAYS = (7, 10, 14, 21, 28, 35, 42, 56)
CASE_PACKS = (1, 6, 12, 24)
HOLDING_RATE_PER_WEEK = 0.25 / 52
SECONDARY_SHARE = 0.15
MAX_ORDER_INTERVAL_WEEKS = 8


@dataclass(frozen=True)
class SupplierPlan:
    """Profiles of the suppliers (arrays indexed by supplier position)."""

    code: list[str]
    name: list[str]
    reliability: np.ndarray  # 0 = least reliable, 1 = most reliable
    on_time_probability: np.ndarray
    late_mean_days: np.ndarray  # mean lateness when late
    partial_probability: np.ndarray
    lead_time_days: np.ndarray
    order_cost: np.ndarray
    capacity_limited: np.ndarray


@dataclass(frozen=True)
class Lanes:
    """Supplier lanes of a chunk of items (arrays of equal length)."""

    supplier: np.ndarray
    item: np.ndarray
    central: np.ndarray  # location position
    primary: np.ndarray
    promised_lead_time_days: np.ndarray
    moq: np.ndarray
    lot_size: np.ndarray
    case_pack: np.ndarray
    order_cost: np.ndarray
    order_interval_weeks: np.ndarray  # weeks a typical order lasts (at least the EOQ cycle)
    order_quantity: np.ndarray  # typical order, units
    capacity_per_period: np.ndarray  # NaN = unlimited


def supplier_count(skus: int) -> int:
    """Six to twelve suppliers, more for larger assortments."""
    return int(np.clip(skus // 10, 6, len(SUPPLIER_NAMES)))


def suppliers_plan(spec: DemoSpec) -> SupplierPlan:
    """Supplier profiles spread evenly from unreliable to reliable, in shuffled order."""
    count = supplier_count(spec.skus)
    rng = spec.rng(STREAM_SUPPLIERS)
    reliability = rng.permutation(np.linspace(0, 1, count))
    return SupplierPlan(
        code=[f"SUP-{i + 1:02d}" for i in range(count)],
        name=list(SUPPLIER_NAMES[:count]),
        reliability=reliability,
        on_time_probability=0.55 + 0.42 * reliability,
        late_mean_days=2 + 12 * (1 - reliability),
        partial_probability=0.01 + 0.05 * (1 - reliability),
        lead_time_days=rng.choice(LEAD_TIME_DAYS, count),
        order_cost=np.round(rng.uniform(40, 250, count), 2),
        capacity_limited=rng.random(count) < 1 / 3,
    )


def _item_suppliers(rng: np.random.Generator, plan: ItemPlan, items: slice, count: int) -> tuple:
    """(item, supplier, primary) of every sourcing relation of the chunk's items."""
    item = np.arange(items.start, items.stop)
    pair = np.stack([(2 * plan.category[items]) % count, (2 * plan.category[items] + 1) % count])
    first = rng.integers(0, 2, len(item))
    primary = pair[first, np.arange(len(item))]
    second = rng.random(len(item)) < SECONDARY_SHARE
    alternate = pair[1 - first, np.arange(len(item))][second]
    return (
        np.concatenate([item, item[second]]),
        np.concatenate([primary, alternate]),
        np.concatenate([np.ones(len(item), bool), np.zeros(second.sum(), bool)]),
    )


def _round_up(quantity: np.ndarray, lot: np.ndarray) -> np.ndarray:
    return np.maximum(np.ceil(quantity / lot), 1) * lot


def _order_interval(cost: np.ndarray, order_cost: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """EOQ cycle sqrt(2 S / (h c D)) in whole weeks, between 1 and 8."""
    unit_cost = np.where(np.isnan(cost), np.nanmedian(cost) if (~np.isnan(cost)).any() else 1, cost)
    weeks = np.sqrt(2 * order_cost / (HOLDING_RATE_PER_WEEK * unit_cost * np.maximum(demand, 0.1)))
    return np.clip(np.round(weeks), 1, MAX_ORDER_INTERVAL_WEEKS).astype(np.int64)


def _pack_sizes(rng: np.random.Generator, plan: ItemPlan, item: np.ndarray) -> tuple:
    """Case pack (1 where the unit is a case), lot size (cases) and MOQ (lots, 0 = none)."""
    in_cases = np.array([c.unit_of_measure == "CS" for c in CATEGORIES])[plan.category[item]]
    case = np.where(in_cases, 1, rng.choice(CASE_PACKS, len(item)))
    lot = case * rng.choice([1, 1, 2, 5], len(item))
    return case, lot, lot * rng.choice([0, 1, 2, 4, 10], len(item))


def lanes_for(
    spec: DemoSpec,
    plan: ItemPlan,
    suppliers: SupplierPlan,
    centrals: np.ndarray,
    items: slice,
    subtree_demand: np.ndarray,
) -> Lanes:
    """Supplier lanes of ``items`` into every central location.

    ``subtree_demand`` is (items x centrals) mean weekly demand the central serves. The
    typical order covers an EOQ interval; capacity, where limited, is 1.1-2 typical orders.
    """
    rng = spec.rng(STREAM_SUPPLIERS, 1, items.start)
    item, supplier, primary = _item_suppliers(rng, plan, items, len(suppliers.code))
    item, supplier, primary = (np.repeat(a, len(centrals)) for a in (item, supplier, primary))
    central_rank = np.tile(np.arange(len(centrals)), len(item) // len(centrals))
    demand = subtree_demand[item - items.start, central_rank]
    case, lot, moq = _pack_sizes(rng, plan, item)
    order_cost = np.round(suppliers.order_cost[supplier] * rng.uniform(0.8, 1.2, len(item)), 2)
    interval = _order_interval(plan.unit_cost[item], order_cost, demand)
    typical = _round_up(np.maximum(moq, demand * interval), lot)
    # An order raised to the MOQ or a lot lasts longer than the EOQ cycle: order less often,
    # or the ordered stock outgrows demand week after week.
    interval = np.maximum(interval, np.floor(typical / np.maximum(demand, 0.1))).astype(np.int64)
    capacity = _round_up(typical * rng.uniform(1.1, 2.0, len(item)), lot)
    lead_time = suppliers.lead_time_days[supplier] + rng.integers(-2, 3, len(item))
    return Lanes(
        supplier=supplier,
        item=item,
        central=centrals[central_rank],
        primary=primary,
        promised_lead_time_days=np.maximum(3, lead_time).astype(float),
        moq=moq.astype(float),
        lot_size=lot.astype(float),
        case_pack=case.astype(float),
        order_cost=order_cost,
        order_interval_weeks=interval,
        order_quantity=typical,
        capacity_per_period=np.where(suppliers.capacity_limited[supplier], capacity, np.nan),
    )
