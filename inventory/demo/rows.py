"""Table columns of the generated arrays, keyed by database column name.

Primary keys are assigned here from ``IdBlock`` counters (the tables are empty when a load
starts), so children can reference parents without reading ids back.
"""

from dataclasses import dataclass

import numpy as np

from inventory.demo.demand import DemandChunk
from inventory.demo.forecast import Forecasts
from inventory.demo.history import Events, StockHistory
from inventory.demo.items import CATEGORIES, ItemPlan
from inventory.demo.network import Network
from inventory.demo.orders import OrderLines, PoNumbering, Receipts
from inventory.demo.spec import FORECAST_HORIZON_WEEKS, DemoSpec
from inventory.demo.stock import ERP_SERVICE_TARGET, SERVICE_CLASSES, Policies
from inventory.demo.supply import Lanes, SupplierPlan

Columns = dict[str, object]


@dataclass
class IdBlock:
    """Hands out consecutive primary keys starting at ``next``."""

    next: int

    def take(self, count: int) -> np.ndarray:
        """The next ``count`` ids."""
        ids = np.arange(self.next, self.next + count, dtype=np.int64)
        self.next += count
        return ids


@dataclass(frozen=True)
class Keys:
    """First primary key of the parents: item ``i`` has id ``item + i``, and so on."""

    item: int
    location: int
    supplier: int

    def sku_location(self, index: np.ndarray, locations: int) -> Columns:
        """Item and location foreign keys of global SKU-location indices."""
        return {
            "item_id": self.item + index // locations,
            "location_id": self.location + index % locations,
        }


def _numbered(prefix: str, ids: np.ndarray, width: int) -> np.ndarray:
    """``prefix`` and each id zero-padded to ``width`` digits (a document number)."""
    if not len(ids):
        return ids.astype(str)  # zfill cannot size an empty array
    return np.strings.add(prefix, np.strings.zfill(ids.astype(str), width))


def location_columns(network: Network, ids: np.ndarray) -> Columns:
    """Locations in echelon order."""
    return {
        "id": ids,
        "code": np.array(network.code),
        "name": np.array(network.name),
        "location_type": np.array(network.location_type),
        "echelon": network.echelon,
        "region": np.array(network.region),
        "storage_capacity": network.storage_capacity,
    }


def network_lane_columns(network: Network, ids: IdBlock, keys: Keys) -> Columns:
    """One lane into every location that has a parent."""
    child = np.flatnonzero(network.parent >= 0)
    return {
        "id": ids.take(len(child)),
        "origin_id": keys.location + network.parent[child],
        "destination_id": keys.location + child,
        "transfer_lead_time_mean_days": network.lane_lead_time_mean_days[child],
        "transfer_lead_time_sd_days": network.lane_lead_time_sd_days[child],
        "transfer_cost_per_unit": network.lane_cost_per_unit[child],
    }


def item_columns(plan: ItemPlan, ids: np.ndarray) -> Columns:
    """Item master; NaN cost and zero shelf life become NULL."""
    names = np.array([c.name for c in CATEGORIES])
    units = np.array([c.unit_of_measure for c in CATEGORIES])
    return {
        "id": ids,
        "sku": plan.sku,
        "description": plan.description,
        "category": names[plan.category],
        "business_unit": np.array([c.business_unit for c in CATEGORIES])[plan.category],
        "unit_cost": plan.unit_cost,
        "unit_price": plan.unit_price,
        "unit_of_measure": units[plan.category],
        "shelf_life_days": np.where(plan.shelf_life_days > 0, plan.shelf_life_days, np.nan),
        "lifecycle_status": plan.lifecycle,
    }


def service_class_columns(ids: IdBlock) -> Columns:
    """The nine ABC-XYZ service classes."""
    code, target, kind, text = (np.array(v) for v in zip(*SERVICE_CLASSES, strict=True))
    return {
        "id": ids.take(len(code)),
        "code": code,
        "target": target.astype(float),
        "service_type": kind,
        "description": text,
    }


def supplier_columns(suppliers: SupplierPlan, ids: np.ndarray) -> Columns:
    """Suppliers."""
    return {"id": ids, "code": np.array(suppliers.code), "name": np.array(suppliers.name)}


def supplier_lane_columns(lanes: Lanes, ids: IdBlock, keys: Keys) -> Columns:
    """Supplier lanes of a chunk."""
    return {
        "id": ids.take(len(lanes.item)),
        "supplier_id": keys.supplier + lanes.supplier,
        "item_id": keys.item + lanes.item,
        "destination_id": keys.location + lanes.central,
        "promised_lead_time_days": lanes.promised_lead_time_days,
        "moq": lanes.moq,
        "lot_size": lanes.lot_size,
        "case_pack": lanes.case_pack,
        "order_cost": lanes.order_cost,
        "capacity_per_period": lanes.capacity_per_period,
    }


def demand_columns(spec: DemoSpec, chunk: DemandChunk, ids: IdBlock, keys: Keys) -> Columns:
    """One row per present week of every SKU-location of the chunk."""
    rows, weeks = np.nonzero(chunk.present)
    return {
        "id": ids.take(len(rows)),
        **keys.sku_location(chunk.sku_locations[rows], spec.locations),
        "period_start": spec.week_starts(0, spec.weeks)[weeks],
        "quantity": chunk.quantity[rows, weeks],
        "is_promotion": chunk.promotion[rows, weeks],
    }


def forecast_columns(
    spec: DemoSpec, chunk: DemandChunk, forecasts: Forecasts, ids: IdBlock, keys: Keys
) -> Columns:
    """Statistical forecasts; ``as_of`` is the Monday of the week they were made."""
    mondays = spec.week_starts(0, spec.weeks + FORECAST_HORIZON_WEEKS)
    return {
        "id": ids.take(len(forecasts.week)),
        **keys.sku_location(chunk.sku_locations[forecasts.sku_location], spec.locations),
        "period_start": mondays[forecasts.week],
        "quantity": forecasts.quantity,
        "kind": "statistical",
        "as_of": mondays[forecasts.as_of_week],
        "version": "",
    }


def po_line_columns(
    lines: OrderLines, lanes: Lanes, numbering: PoNumbering, ids: np.ndarray, keys: Keys
) -> Columns:
    """Purchase-order lines; PO numbers are ``PO-`` and the zero-padded ordinal."""
    number = np.strings.zfill((lines.po_ordinal + 1).astype(str), numbering.width)
    return {
        "id": ids,
        "po_number": np.strings.add("PO-", number),
        "line_number": lines.line_number,
        "supplier_id": keys.supplier + lanes.supplier[lines.lane],
        "item_id": keys.item + lanes.item[lines.lane],
        "destination_id": keys.location + lanes.central[lines.lane],
        "order_date": lines.order_date,
        "promised_date": lines.promised_date,
        "quantity": lines.quantity,
        "status": lines.status,
    }


def receipt_columns(receipts: Receipts, line_ids: np.ndarray, ids: IdBlock) -> Columns:
    """Receipts; receipt numbers are ``GR-`` and the zero-padded receipt id."""
    own = ids.take(len(receipts.line))
    return {
        "id": own,
        "po_line_id": line_ids[receipts.line],
        "receipt_number": _numbered("GR-", own, 9),
        "receipt_date": receipts.receipt_date,
        "quantity": receipts.quantity,
    }


def position_columns(
    spec: DemoSpec, rows: np.ndarray, history: StockHistory, ids: IdBlock, keys: Keys
) -> Columns:
    """The written positions of the SKU-locations ``rows`` (global indices): the opening
    stock of history weeks, dated their Monday, and the stock at the end date. Boolean masks
    keep the row-major order (SKU-location, then date) and are faster than index pairs."""
    written = history.written
    count = int(written.sum())
    mondays = np.broadcast_to(spec.week_starts(0, spec.weeks + 1), written.shape)
    return {
        "id": ids.take(count),
        **keys.sku_location(np.repeat(rows, written.sum(axis=1)), spec.locations),
        "as_of": mondays[written],
        "on_hand": history.on_hand[written],
        "in_transit": history.in_transit[written],
        "allocated": history.allocated[written],
        "backordered": history.backordered[written],
    }


def event_columns(
    spec: DemoSpec, events: Events, ids: IdBlock, keys: Keys, prefix: str, names: tuple[str, str]
) -> Columns:
    """Expedites or write-offs; ``reference`` is ``prefix`` and the zero-padded id, ``names``
    are the model's date and money columns."""
    own = ids.take(len(events.sku_location))
    date_column, money_column = names
    return {
        "id": own,
        "reference": _numbered(prefix, own, 8),
        **keys.sku_location(events.sku_location, spec.locations),
        date_column: events.date,
        "quantity": events.quantity,
        money_column: events.money,
        "reason": events.reason,
    }


def policy_columns(spec: DemoSpec, policies: Policies, ids: IdBlock, keys: Keys) -> Columns:
    """Active manual ERP policies (their ``source`` is set by the caller)."""
    return {
        "id": ids.take(len(policies.sku_location)),
        **keys.sku_location(policies.sku_location, spec.locations),
        "effective_from": policies.effective_from,
        "safety_stock": policies.safety_stock,
        "reorder_point": policies.reorder_point,
        "min_level": policies.min_level,
        "max_level": policies.max_level,
        "order_quantity": policies.order_quantity,
        "service_target": ERP_SERVICE_TARGET,
        "service_type": "cycle",
        "policy_source": "manual",
        "policy_version": 1,
        "status": "active",
    }
