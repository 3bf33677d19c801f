"""Test data builders, in one place. Each returns a saved object with sensible defaults."""

from datetime import date
from typing import Any

from django.utils import timezone

from demand.models import DemandHistory
from governance.choices import ExceptionKind, Severity
from governance.kpis.models import KpiSnapshot
from governance.models import PlanningException
from inventory.choices import (
    LeadTimeBasis,
    LocationType,
    PolicySource,
    PolicyStatus,
    RunStatus,
    ServiceType,
)
from inventory.models import InventoryPolicy, Item, Location, PolicyRecommendation, PolicyRun
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane


def make_item(sku: str = "SKU-1", **fields: Any) -> Item:
    """An active item costing 10 and selling for 15."""
    return Item.objects.create(
        sku=sku, **{"description": "Widget", "unit_cost": 10, "unit_price": 15, **fields}
    )


def make_location(code: str = "DC-1", **fields: Any) -> Location:
    """A regional distribution centre at echelon 2."""
    defaults = {"name": code, "location_type": LocationType.DC, "echelon": 2, "region": "North"}
    return Location.objects.create(code=code, **{**defaults, **fields})


def make_policy(item: Item, location: Location, **fields: Any) -> InventoryPolicy:
    """An active manual min/max policy effective from 2026-01-05."""
    defaults = {
        "effective_from": date(2026, 1, 5),
        "safety_stock": 10,
        "reorder_point": 30,
        "min_level": 30,
        "max_level": 80,
        "order_quantity": 50,
        "service_target": 0.95,
        "service_type": ServiceType.CYCLE,
        "policy_source": PolicySource.MANUAL,
        "status": PolicyStatus.ACTIVE,
    }
    return InventoryPolicy.objects.create(item=item, location=location, **{**defaults, **fields})


def make_demand(item: Item, location: Location, **fields: Any) -> DemandHistory:
    """Twelve units in the week of 2026-01-05."""
    defaults = {"period_start": date(2026, 1, 5), "quantity": 12}
    return DemandHistory.objects.create(item=item, location=location, **{**defaults, **fields})


def make_supplier(code: str = "SUP-1", **fields: Any) -> Supplier:
    """A supplier named after its code."""
    return Supplier.objects.create(code=code, **{"name": code, **fields})


def make_po_line(supplier: Supplier, item: Item, location: Location, **fields: Any):
    """Line 1 of PO-1: 100 units ordered 2026-01-05, promised 2026-01-19."""
    defaults = {
        "po_number": "PO-1",
        "line_number": 1,
        "order_date": date(2026, 1, 5),
        "promised_date": date(2026, 1, 19),
        "quantity": 100,
    }
    return PurchaseOrderLine.objects.create(
        supplier=supplier, item=item, destination=location, **{**defaults, **fields}
    )


def make_supplier_lane(
    supplier: Supplier, item: Item, location: Location, **fields: Any
) -> SupplierLane:
    """A lane promising 14 days, no MOQ, lots and cases of one."""
    return SupplierLane.objects.create(
        supplier=supplier,
        item=item,
        destination=location,
        **{"promised_lead_time_days": 14, **fields},
    )


def make_receipt(po_line: PurchaseOrderLine, **fields: Any) -> Receipt:
    """The whole line received on its promised date as receipt R-1."""
    defaults = {
        "receipt_number": "R-1",
        "receipt_date": po_line.promised_date,
        "quantity": po_line.quantity,
    }
    return Receipt.objects.create(po_line=po_line, **{**defaults, **fields})


def make_exception(item: Item, location: Location, **fields: Any) -> PlanningException:
    """An open, high-severity data-quality exception (COST_INVALID) due on 2026-12-01."""
    defaults = {
        "kind": ExceptionKind.DATA_QUALITY,
        "severity": Severity.HIGH,
        "batch_number": 1,
        "due_date": date(2026, 12, 1),
        "reasons": ["COST_INVALID"],
    }
    return PlanningException.objects.create(item=item, location=location, **{**defaults, **fields})


def make_recommendation(
    item: Item, location: Location, run: PolicyRun | None = None, **fields: Any
) -> PolicyRecommendation:
    """A recommendation of a succeeded run: min 40, reorder point 40, max 100, order 60."""
    run = run or PolicyRun.objects.create(algorithm_version="test", status=RunStatus.SUCCEEDED)
    defaults = {
        "batch_number": 1,
        "segment": "AX",
        "service_class": "AX",
        "service_target": 0.95,
        "service_type": ServiceType.FILL,
        "lead_time_basis": LeadTimeBasis.PROMISED,
        "safety_stock": 12.0,
        "reorder_point": 40.0,
        "min_level": 40.0,
        "max_level": 100.0,
        "order_quantity": 60.0,
        "expected_service": 0.951,
    }
    return PolicyRecommendation.objects.create(
        run=run, item=item, location=location, **{**defaults, **fields}
    )


def make_kpi_snapshot(
    period_start: date, location: Location, category: str = "", segment: str = "", **fields: Any
) -> KpiSnapshot:
    """One week's KPI components of a cell (one SKU-location unless ``fields`` say otherwise;
    every other component 0)."""
    defaults = {"sku_locations": 1, "computed_at": timezone.now()}
    return KpiSnapshot.objects.create(
        period_start=period_start,
        location=location,
        category=category,
        segment=segment,
        **{**defaults, **fields},
    )
