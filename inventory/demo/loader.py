"""The stages of one demo load, in dependency order, each timed by a ``StageClock``.

Demand is generated and written in chunks of items (a bounded number of SKU-location-weeks at
a time); later stages keep only per SKU-location summaries (``DemandStats``) and the weekly
purchase-order receipts of each central DC (``SupplyWeeks``). The weekly stock history comes
last: it generates each demand chunk again (same numbers) and simulates its weeks.
"""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import numpy as np
from django.db import models

from demand.models import DemandHistory, Forecast
from governance.kpis.models import Expedite, WriteOff
from inventory.demo import rows
from inventory.demo.buying import OrderBook
from inventory.demo.clock import StageClock
from inventory.demo.defects import defects_choose
from inventory.demo.demand import DemandStats, demand_chunk
from inventory.demo.forecast import forecasts_of
from inventory.demo.history import StockInputs, stock_history
from inventory.demo.items import items_plan
from inventory.demo.network import network_build
from inventory.demo.orders import PoNumbering, deliveries_draw, order_lines
from inventory.demo.spec import ERP_SOURCE, SOURCE, DemoSpec
from inventory.demo.stock import policies_for
from inventory.demo.supply import lanes_for, suppliers_plan
from inventory.models import (
    InventoryPolicy,
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    ServiceLevelClass,
)
from sop_platform.bulk.writer import BulkWriter
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane

DEMAND_CELLS_PER_CHUNK = 2_000_000
"""SKU-location-weeks generated at a time: bounds memory to a few hundred MB."""
SUPPLY_ITEMS_PER_CHUNK = 20_000
STOCK_ROWS_PER_CHUNK = 500_000
HistoricalInventoryPolicy = InventoryPolicy.history.model
LOADED_MODELS: tuple[type[models.Model], ...] = (
    ServiceLevelClass,
    Location,
    NetworkLane,
    Item,
    Supplier,
    SupplierLane,
    DemandHistory,
    Forecast,
    PurchaseOrderLine,
    Receipt,
    InventoryPolicy,
    HistoricalInventoryPolicy,
    InventoryPosition,
    Expedite,
    WriteOff,
)
BULK_MODELS: tuple[type[models.Model], ...] = (
    SupplierLane,
    DemandHistory,
    Forecast,
    PurchaseOrderLine,
    Receipt,
    InventoryPolicy,
    HistoricalInventoryPolicy,
    InventoryPosition,
)
"""Tables large enough that their indexes are rebuilt after the load rather than maintained."""
HISTORY_REASON = "Loaded by load_demo"


def _chunks(total: int, size: int) -> Iterator[slice]:
    for start in range(0, total, size):
        yield slice(start, min(total, start + size))


class DemoLoader:
    """Generates and writes one demo network; ``rows`` counts rows written per model."""

    def __init__(self, spec: DemoSpec, writer: BulkWriter, clock: StageClock, now: datetime):
        self.spec, self.writer, self.clock, self.now = spec, writer, clock, now
        self.network = network_build(spec)
        self.defects = defects_choose(spec)
        self.plan = items_plan(spec, self.defects.missing_cost_items)
        self.suppliers = suppliers_plan(spec)
        self.stats = DemandStats.empty(spec.sku_locations)
        self.book = OrderBook(spec)
        self.numbering = PoNumbering(spec, len(self.suppliers.code), len(self.network.centrals))
        missing = np.full(spec.sku_locations, np.nan)
        self.stock_inputs = StockInputs(
            missing, missing.copy(), self.stats.mean, self.defects.negative_on_hand
        )
        self.ids = {model: rows.IdBlock(writer.next_id(model)) for model in LOADED_MODELS}
        self.keys = rows.Keys(
            item=self.ids[Item].next,
            location=self.ids[Location].next,
            supplier=self.ids[Supplier].next,
        )
        self.rows: dict[str, int] = {model._meta.label: 0 for model in LOADED_MODELS}
        self.rebuild_seconds: dict[str, float] = {}  # per table, PostgreSQL only

    def run(self) -> None:
        """All stages, then the rebuild of keys and indexes and the final checks."""
        with self.clock.stage("drop indexes of large tables", final=False):
            deferred = self.writer.defer_indexes(BULK_MODELS)
        if deferred.statements:
            self.clock.report("drop indexes of large tables")
        else:  # nothing to defer on this database
            self.clock.discard("drop indexes of large tables")
        self.load_reference()
        self.load_demand()
        self.load_supply()
        self.load_policies()
        self.load_stock()
        self.load_orders()
        if deferred.statements:
            with self.clock.stage("rebuild keys and indexes") as stage:
                stage.rows = sum(self.rows[m._meta.label] for m in BULK_MODELS)
                self.writer.restore_indexes(deferred)
            self.rebuild_seconds = deferred.seconds
        with self.clock.stage("check foreign keys, analyze"):
            self.writer.finish(LOADED_MODELS)
            self.writer.analyze(LOADED_MODELS)

    def write(self, model: type[models.Model], columns: rows.Columns, source: str = SOURCE) -> int:
        """Write rows with provenance columns added; returns how many."""
        provenance: rows.Columns = {"source": source, "loaded_at": self.now, "updated_at": self.now}
        count = self.writer.write(model, {**columns, **provenance})
        self.rows[model._meta.label] += count
        return count

    def load_reference(self) -> None:
        """Service classes, locations and lanes, items, suppliers."""
        with self.clock.stage("service level classes") as stage:
            stage.rows += self.write(
                ServiceLevelClass, rows.service_class_columns(self.ids[ServiceLevelClass])
            )
        with self.clock.stage("locations and network lanes") as stage:
            ids = self.ids[Location].take(self.network.size)
            stage.rows += self.write(Location, rows.location_columns(self.network, ids))
            stage.rows += self.write(
                NetworkLane,
                rows.network_lane_columns(self.network, self.ids[NetworkLane], self.keys),
            )
        with self.clock.stage("items") as stage:
            ids = self.ids[Item].take(self.spec.skus)
            stage.rows += self.write(Item, rows.item_columns(self.plan, ids))
        with self.clock.stage("suppliers") as stage:
            ids = self.ids[Supplier].take(len(self.suppliers.code))
            stage.rows += self.write(Supplier, rows.supplier_columns(self.suppliers, ids))

    def _demand_columns(self, items: slice) -> tuple[rows.Columns, rows.Columns]:
        """Generate one chunk: its demand and forecast columns (statistics kept aside)."""
        spec = self.spec
        chunk = demand_chunk(spec, self.plan, self.network, items, self.defects.no_history)
        self.stats.add(chunk)
        demand = rows.demand_columns(spec, chunk, self.ids[DemandHistory], self.keys)
        forecast = rows.forecast_columns(
            spec, chunk, forecasts_of(chunk), self.ids[Forecast], self.keys
        )
        return demand, forecast

    def load_demand(self) -> None:
        """Demand history and forecasts, chunk by chunk of items.

        A worker thread generates the next chunk while this one is being written (numpy and
        the database socket both release the GIL), so generation hides behind the COPY.
        Chunks are generated in order, so ids and random streams do not depend on timing.
        """
        chunks = self._demand_chunks()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-demand") as pool:
            pending = pool.submit(self._demand_columns, chunks[0])
            for index in range(len(chunks)):
                demand, forecast = pending.result()
                if index + 1 < len(chunks):
                    pending = pool.submit(self._demand_columns, chunks[index + 1])
                with self.clock.stage("demand history", final=False) as stage:
                    stage.rows += self.write(DemandHistory, demand)
                with self.clock.stage("forecasts", final=False) as stage:
                    stage.rows += self.write(Forecast, forecast)
                self.clock.tick("demand history")
        self.clock.report("demand history")
        self.clock.report("forecasts")

    def _subtree_demand(self) -> np.ndarray:
        """Mean weekly demand (items x central DCs) each central DC serves, its own included."""
        root = self.network.root_of()
        serves = root[:, None] == self.network.centrals[None, :]
        return self.stats.mean.reshape(self.spec.skus, self.spec.locations) @ serves

    def load_supply(self) -> None:
        """Supplier lanes, and the purchase-order lines planned on them (their quantities are
        set by the stock simulation, after which ``load_orders`` writes them)."""
        spec, subtree = self.spec, self._subtree_demand()
        for items in _chunks(spec.skus, SUPPLY_ITEMS_PER_CHUNK):
            with self.clock.stage("supplier lanes", final=False) as stage:
                lanes = lanes_for(
                    spec, self.plan, self.suppliers, self.network.centrals, items, subtree[items]
                )
                stage.rows += self.write(
                    SupplierLane,
                    rows.supplier_lane_columns(lanes, self.ids[SupplierLane], self.keys),
                )
            with self.clock.stage("purchase orders and receipts", final=False):
                args = (spec, self.plan, self.suppliers, lanes, self.numbering, items.start)
                lines = order_lines(*args)
                self.book.add(
                    lanes, lines, deliveries_draw(spec, self.suppliers, lanes, lines, items.start)
                )
        self.clock.report("supplier lanes")

    def load_orders(self) -> None:
        """Purchase-order lines at the quantities the simulation placed, and their receipts."""
        with self.clock.stage("purchase orders and receipts") as stage:
            for chunk, lines, receipts in self.book.received():
                line_ids = self.ids[PurchaseOrderLine].take(len(lines.lane))
                stage.rows += self.write(
                    PurchaseOrderLine,
                    rows.po_line_columns(lines, chunk.lanes, self.numbering, line_ids, self.keys),
                )
                stage.rows += self.write(
                    Receipt, rows.receipt_columns(receipts, line_ids, self.ids[Receipt])
                )

    def load_policies(self) -> None:
        """Legacy ERP policies with their history rows."""
        spec = self.spec
        for block in _chunks(spec.sku_locations, STOCK_ROWS_PER_CHUNK):
            with self.clock.stage("legacy policies and history", final=False) as stage:
                policies = policies_for(spec, self.plan, self.stats, block)
                columns = rows.policy_columns(spec, policies, self.ids[InventoryPolicy], self.keys)
                stage.rows += self.write(InventoryPolicy, columns, ERP_SOURCE)
                history = {
                    **columns,
                    "history_date": self.now,
                    "history_type": "+",
                    "history_change_reason": HISTORY_REASON,
                    "history_id": self.ids[HistoricalInventoryPolicy].take(
                        len(policies.sku_location)
                    ),
                }
                stage.rows += self.write(HistoricalInventoryPolicy, history, ERP_SOURCE)
                self.stock_inputs.min_level[policies.sku_location] = policies.min_level
                self.stock_inputs.max_level[policies.sku_location] = policies.max_level
        self.clock.report("legacy policies and history")

    def _demand_chunks(self) -> list[slice]:
        """The chunks of items demand is generated in (the random streams depend on them)."""
        spec = self.spec
        return list(
            _chunks(spec.skus, max(1, DEMAND_CELLS_PER_CHUNK // (spec.locations * spec.weeks)))
        )

    def _stock_columns(self, items: slice) -> dict[type[models.Model], rows.Columns]:
        """Generate one chunk's demand again, simulate its stock week by week; the columns of
        its positions, expedites and write-offs."""
        spec = self.spec
        chunk = demand_chunk(spec, self.plan, self.network, items, self.defects.no_history)
        history = stock_history(spec, self.plan, self.network, chunk, self.book, self.stock_inputs)
        return {
            InventoryPosition: rows.position_columns(
                spec, chunk.sku_locations, history, self.ids[InventoryPosition], self.keys
            ),
            Expedite: rows.event_columns(
                spec, history.expedites, self.ids[Expedite], self.keys, "EXP-",
                ("expedite_date", "cost"),
            ),
            WriteOff: rows.event_columns(
                spec, history.write_offs, self.ids[WriteOff], self.keys, "WO-",
                ("write_off_date", "value"),
            ),
        }  # fmt: skip

    def load_stock(self) -> None:
        """Stock positions (every history Monday kept and the end date) with the expedites and
        write-offs of the simulation; a worker thread simulates the next chunk while one is
        written (chunks in order, so ids do not depend on timing)."""
        chunks = self._demand_chunks()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-stock") as pool:
            pending = pool.submit(self._stock_columns, chunks[0])
            for index in range(len(chunks)):
                columns = pending.result()
                if index + 1 < len(chunks):
                    pending = pool.submit(self._stock_columns, chunks[index + 1])
                with self.clock.stage("inventory positions", final=False) as stage:
                    stage.rows += self.write(InventoryPosition, columns[InventoryPosition])
                with self.clock.stage("expedites and write-offs", final=False) as stage:
                    stage.rows += self.write(Expedite, columns[Expedite])
                    stage.rows += self.write(WriteOff, columns[WriteOff])
                self.clock.tick("inventory positions")
        self.clock.report("inventory positions")
        self.clock.report("expedites and write-offs")
