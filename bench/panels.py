"""Real and demo demand panels for the engine benchmarks: a history (rows × weeks, oldest
first), the engine inputs of every row (95 % fill targets, weekly review, demand statistics
left to the history) and, where the data has one, the current (legacy) min/max."""

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from inventory.demo.defects import defects_choose
from inventory.demo.demand import DemandStats, demand_chunk
from inventory.demo.items import items_plan
from inventory.demo.network import network_build
from inventory.demo.spec import DemoSpec
from inventory.demo.stock import policies_for
from inventory.demo.supply import lanes_for, suppliers_plan
from inventory.engine import PolicyInputs
from inventory.engine.backtest import StockLevels
from inventory.runs.parameters import RunParameters

MAN_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "man"
TARGET = 0.95


@dataclass(frozen=True)
class Panel:
    """One data set ready for the engine."""

    name: str
    history: np.ndarray
    inputs: PolicyInputs
    legacy: StockLevels | None = None


def weekly_inputs(lead_time_weeks, unit_cost, order_cost, moq, **extra) -> PolicyInputs:
    """Inputs for weekly (R = 1) fill-rate policies at ``TARGET``, demand from history."""
    rows = len(lead_time_weeks)
    values = {
        "demand_mean": np.full(rows, np.nan),
        "demand_sd": np.nan,
        "lead_time_mean": lead_time_weeks,
        "lead_time_sd": 0.0,
        "review_period": 1.0,
        "service_level": TARGET,
        "service_type": "fill",
        "unit_cost": unit_cost,
        "holding_rate": 0.2,
        "order_cost": order_cost,
        "periods_per_year": 52.0,
        "moq": moq,
        "lot_size": 1.0,
        "case_pack": 1.0,
        "shelf_life": np.inf,
        "max_stock": np.inf,
        "on_hand": 0.0,
        "on_order": 0.0,
        "allocated": 0.0,
        "backordered": 0.0,
    }
    return PolicyInputs(**{**values, **extra})


def man_panel(directory: Path = MAN_DIR) -> Panel:
    """MAN (../shared/data/man): 3,451 spare parts × 150 weeks, lead times 7 or 16 weeks."""
    items = pd.read_csv(directory / "items.csv")
    demand = pd.read_csv(directory / "demand_weekly.csv.gz")
    weeks = demand.pivot(index="sku", columns="week_start", values="quantity")
    history = weeks.loc[items.sku].to_numpy(dtype=np.float64)
    inputs = weekly_inputs(
        items.lead_time_weeks.to_numpy(dtype=np.float64),
        items.unit_cost_eur.to_numpy(dtype=np.float64),
        items.order_cost_eur.to_numpy(dtype=np.float64),
        items.moq_units.to_numpy(dtype=np.float64),
    )
    return Panel("MAN", history, inputs)


# The demo network (inventory/demo), generated in memory: no database, no Django setup.
DEMO_END_DATE = date(2026, 11, 23)
"""A fixed Monday ending the demo history, so the panel does not depend on today."""
DEMO_SEED = 42
"""``manage.py load_demo``'s default seed."""
# The loader's chunk sizes (inventory/demo/loader.py). The demand, lane and policy random
# streams are keyed by the first row of each chunk, so the same numbers need the same chunks.
# loader.py imports the ORM models (it needs configured Django settings), so they are
# repeated here; tests/inventory/test_bench_panels.py checks they still agree.
DEMAND_CELLS_PER_CHUNK = 2_000_000
SUPPLY_ITEMS_PER_CHUNK = 20_000
STOCK_ROWS_PER_CHUNK = 500_000


def _chunks(total: int, size: int) -> list[slice]:
    return [slice(start, min(total, start + size)) for start in range(0, total, size)]


def demo_panel(
    skus: int = 2_000, locations: int = 2, weeks: int = 156, seed: int | None = None
) -> Panel:
    """The demo network ``load_demo`` would write for these arguments, ending on
    ``DEMO_END_DATE``: rows are SKU-locations (item, then location, as the loader numbers
    them), NaN weeks where it writes no demand row.

    Lead time: the inbound transfer lane's mean for a location fed by another, else the
    primary supplier lane's promised lead time (what a run reads before any receipt-based
    actuals are refreshed), in weeks. MOQ and order cost come from that supplier lane; rows
    without one have MOQ 0 and the run's default order cost. Unit cost is NaN for the items
    the demo leaves without one on purpose (``DemoSpec`` has no switch for its defects).
    Legacy: the ERP's min/max (NaN where it holds none: new items and a few others).
    """
    spec = DemoSpec(skus, locations, weeks, DEMO_SEED if seed is None else seed, DEMO_END_DATE)
    if problems := spec.errors():
        raise ValueError(" ".join(problems))
    network = network_build(spec)
    defects = defects_choose(spec)
    plan = items_plan(spec, defects.missing_cost_items)
    rows = spec.sku_locations

    history = np.empty((rows, weeks))
    stats = DemandStats.empty(rows)
    per_chunk = max(1, DEMAND_CELLS_PER_CHUNK // (locations * weeks))
    for items in _chunks(skus, per_chunk):
        chunk = demand_chunk(spec, plan, network, items, defects.no_history)
        stats.add(chunk)
        history[chunk.sku_locations] = np.where(chunk.present, chunk.quantity, np.nan)

    location = np.arange(rows) % locations
    lead_time_days = network.lane_lead_time_mean_days[location]  # NaN at central DCs
    moq = np.zeros(rows)
    order_cost = np.full(rows, RunParameters(DEMO_END_DATE, 7).default_order_cost)
    suppliers = suppliers_plan(spec)
    centrals = network.centrals
    # Subtree demand only sizes the lanes' order interval, typical order and capacity, which
    # the panel does not use: their lead times, MOQs and order costs draw the same without it.
    no_demand = np.zeros((skus, len(centrals)))
    for items in _chunks(skus, SUPPLY_ITEMS_PER_CHUNK):
        lanes = lanes_for(spec, plan, suppliers, centrals, items, no_demand[items])
        primary = np.flatnonzero(lanes.primary)
        row = lanes.item[primary] * locations + lanes.central[primary]
        lead_time_days[row] = lanes.promised_lead_time_days[primary]
        moq[row] = lanes.moq[primary]
        order_cost[row] = lanes.order_cost[primary]

    legacy_min, legacy_max = np.full(rows, np.nan), np.full(rows, np.nan)
    for block in _chunks(rows, STOCK_ROWS_PER_CHUNK):
        policies = policies_for(spec, plan, stats, block)
        legacy_min[policies.sku_location] = policies.min_level
        legacy_max[policies.sku_location] = policies.max_level

    inputs = weekly_inputs(
        lead_time_days / 7.0, np.repeat(plan.unit_cost, locations), order_cost, moq
    )
    return Panel("demo", history, inputs, StockLevels(legacy_min, legacy_max))
