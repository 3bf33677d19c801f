"""``bench.panels.demo_panel``: the demo network in memory, as ``load_demo`` would write it.

No database: pytest-django refuses any query from these tests (none is marked). The loader is
run against an in-memory writer that keeps the columns it is given, and the panel must hold
exactly what those columns say. ``bench`` has no ``__init__.py``; the repository root is on
``sys.path`` under pytest (rootdir of the ``tests`` package), so it imports as a namespace
package, as ``bench/real_demand.py`` imports it.
"""

from collections import defaultdict
from datetime import UTC, datetime

import numpy as np
import pytest

from bench import panels
from bench.panels import DEMO_END_DATE, demo_panel
from demand.models import DemandHistory
from inventory.demo import loader
from inventory.demo.clock import StageClock
from inventory.demo.spec import DemoSpec
from inventory.models import InventoryPolicy, Item, NetworkLane
from inventory.runs.parameters import RunParameters
from sop_platform.bulk.writer import DeferredIndexes, row_count
from supply.models import SupplierLane


@pytest.fixture(scope="module")
def panel():
    return demo_panel()


def test_shapes_agree(panel):
    rows, weeks = panel.history.shape
    assert (rows, weeks) == (2_000 * 2, 156)
    assert panel.name == "demo"
    assert len(panel.inputs) == rows
    assert panel.legacy.reorder_point.shape == panel.legacy.order_up_to.shape == (rows,)


def test_values_are_sane(panel):
    present = ~np.isnan(panel.history)
    assert (panel.history[present] >= 0).all()
    assert (panel.history[present] == 0).any()  # zero weeks stay zeros
    assert present.any(axis=1).mean() > 0.9  # new items start late, a few rows have none
    assert (panel.inputs.lead_time_mean > 0).all()
    assert (panel.inputs.moq >= 0).all()
    assert (panel.inputs.order_cost > 0).all()
    legacy = panel.legacy
    held = ~np.isnan(legacy.reorder_point)
    np.testing.assert_array_equal(held, ~np.isnan(legacy.order_up_to))
    assert 0.8 < held.mean() < 1.0  # no ERP min/max for new items and a few others
    assert (legacy.reorder_point[held] <= legacy.order_up_to[held]).all()


def test_reproducible(panel):
    again = demo_panel()
    np.testing.assert_array_equal(again.history, panel.history)
    for name in ("lead_time_mean", "unit_cost", "order_cost", "moq"):
        np.testing.assert_array_equal(getattr(again.inputs, name), getattr(panel.inputs, name))
    np.testing.assert_array_equal(again.legacy.reorder_point, panel.legacy.reorder_point)
    np.testing.assert_array_equal(again.legacy.order_up_to, panel.legacy.order_up_to)
    other = demo_panel(seed=1)
    assert not np.array_equal(other.history, panel.history, equal_nan=True)


def test_chunk_sizes_match_the_loader():
    """The random streams are keyed by chunk, so the panel must cut where the loader does."""
    for name in ("DEMAND_CELLS_PER_CHUNK", "SUPPLY_ITEMS_PER_CHUNK", "STOCK_ROWS_PER_CHUNK"):
        assert getattr(panels, name) == getattr(loader, name), name


class _Keeper:
    """A ``BulkWriter`` that keeps the array columns in memory; ids start at 1."""

    def __init__(self):
        self.parts = defaultdict(list)

    def next_id(self, model):
        return 1

    def write(self, model, columns):
        self.parts[model].append({k: v for k, v in columns.items() if isinstance(v, np.ndarray)})
        return row_count(columns)

    def defer_indexes(self, models):
        return DeferredIndexes()

    def finish(self, models):
        pass

    def analyze(self, models):
        pass

    def table(self, model):
        parts = self.parts[model]
        return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


@pytest.mark.parametrize(("skus", "locations", "weeks", "seed"), [(23, 3, 20, 11), (9, 12, 10, 3)])
def test_same_as_what_load_demo_writes(monkeypatch, skus, locations, weeks, seed):
    """Small chunks (several of each) in both, so chunk boundaries are exercised too."""
    for name, size in [
        ("DEMAND_CELLS_PER_CHUNK", 5 * locations * weeks),
        ("SUPPLY_ITEMS_PER_CHUNK", 4),
        ("STOCK_ROWS_PER_CHUNK", 25),
    ]:
        monkeypatch.setattr(loader, name, size)
        monkeypatch.setattr(panels, name, size)
    spec = DemoSpec(skus, locations, weeks, seed, DEMO_END_DATE)
    writer = _Keeper()
    now = datetime(2026, 11, 23, tzinfo=UTC)
    loader.DemoLoader(spec, writer, StageClock(), now).run()
    panel = demo_panel(skus, locations, weeks, seed)

    rows = skus * locations
    demand = writer.table(DemandHistory)
    row = (demand["item_id"] - 1) * locations + demand["location_id"] - 1
    week = (demand["period_start"] - np.datetime64(spec.first_monday, "D")).astype(int) // 7
    history = np.full((rows, weeks), np.nan)
    history[row, week] = demand["quantity"]
    np.testing.assert_array_equal(panel.history, history)
    assert np.isnan(panel.history).all(axis=1).any()  # the no-history defect is kept

    # As inventory.runs.inputs reads them: transfer lane, else the lowest-id supplier lane.
    location = np.arange(rows) % locations
    transfer = writer.table(NetworkLane)
    lead_time = np.full(locations, np.nan)
    lead_time[transfer["destination_id"] - 1] = transfer["transfer_lead_time_mean_days"]
    lead_time = lead_time[location]
    moq = np.zeros(rows)
    order_cost = np.full(rows, RunParameters(DEMO_END_DATE, 7).default_order_cost)
    lanes = writer.table(SupplierLane)
    lane_row = (lanes["item_id"] - 1) * locations + lanes["destination_id"] - 1
    order = np.argsort(lanes["id"])
    _, first = np.unique(lane_row[order], return_index=True)
    pick = order[first]
    lead_time[lane_row[pick]] = lanes["promised_lead_time_days"][pick]
    moq[lane_row[pick]] = lanes["moq"][pick]
    order_cost[lane_row[pick]] = lanes["order_cost"][pick]
    np.testing.assert_array_equal(panel.inputs.lead_time_mean, lead_time / 7)
    np.testing.assert_array_equal(panel.inputs.moq, moq)
    np.testing.assert_array_equal(panel.inputs.order_cost, order_cost)
    items = writer.table(Item)
    unit_cost = np.full(skus, np.nan)
    unit_cost[items["id"] - 1] = items["unit_cost"]
    np.testing.assert_array_equal(panel.inputs.unit_cost, np.repeat(unit_cost, locations))
    assert np.isnan(unit_cost).any()  # the missing-cost defect is kept

    policies = writer.table(InventoryPolicy)
    row = (policies["item_id"] - 1) * locations + policies["location_id"] - 1
    legacy_min, legacy_max = np.full(rows, np.nan), np.full(rows, np.nan)
    legacy_min[row], legacy_max[row] = policies["min_level"], policies["max_level"]
    np.testing.assert_array_equal(panel.legacy.reorder_point, legacy_min)
    np.testing.assert_array_equal(panel.legacy.order_up_to, legacy_max)
