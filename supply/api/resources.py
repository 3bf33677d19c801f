"""Loadable resources of the supply app."""

from inventory.api.resources import ITEM
from inventory.models import Location
from sop_platform.bulk.spec import INT_MAX, MONEY_MAX, Column, Reference, Resource, RowRule
from supply.choices import PurchaseOrderStatus
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane

SUPPLIER = Reference(Supplier, ("supplier",), ("code",))
DESTINATION = Reference(Location, ("destination",), ("code",))

SUPPLIERS = Resource(
    name="suppliers",
    model=Supplier,
    key=("code",),
    description="Vendors.",
    columns=(
        Column("code", required=True, max_length=32),
        Column("name", required=True, max_length=120),
    ),
)

SUPPLIER_LANES = Resource(
    name="supplier-lanes",
    model=SupplierLane,
    key=("supplier", "item", "destination"),
    description="Terms a supplier ships an item to a location on; lead times in days.",
    columns=(
        Column("supplier", "reference", required=True, db_column="supplier_id", reference=SUPPLIER),
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column(
            "destination",
            "reference",
            required=True,
            db_column="destination_id",
            reference=DESTINATION,
        ),
        Column("promised_lead_time_days", "number", required=True, minimum=0),
        Column("moq", "number", minimum=0, default=0),
        Column("lot_size", "number", positive=True, default=1),
        Column("case_pack", "number", positive=True, default=1),
        Column("order_cost", "number", minimum=0, maximum=MONEY_MAX, default=0),
        Column("capacity_per_period", "number", minimum=0),
    ),
)

PURCHASE_ORDER_LINES = Resource(
    name="purchase-order-lines",
    model=PurchaseOrderLine,
    key=("po_number", "line_number"),
    description="Open and past purchase-order lines with their promised dates.",
    columns=(
        Column("po_number", required=True, max_length=40),
        Column("line_number", "integer", required=True, positive=True, maximum=INT_MAX),
        Column("supplier", "reference", required=True, db_column="supplier_id", reference=SUPPLIER),
        Column("item", "reference", required=True, db_column="item_id", reference=ITEM),
        Column(
            "destination",
            "reference",
            required=True,
            db_column="destination_id",
            reference=DESTINATION,
        ),
        Column("order_date", "date", required=True),
        Column("promised_date", "date", required=True),
        Column("quantity", "number", required=True, positive=True),
        Column(
            "status",
            "choice",
            choices=tuple(PurchaseOrderStatus.values),
            default=PurchaseOrderStatus.OPEN.value,
        ),
    ),
    rules=(
        RowRule(
            "promised_date",
            "ge",
            "order_date",
            "must be on or after order_date",
            constraint="purchaseorderline_promise_after_order",
        ),
    ),
)

REFRESH_LEAD_TIMES = "supply.services.lead_time_actuals_refresh"

RECEIPTS = Resource(
    name="receipts",
    model=Receipt,
    key=("po_line", "receipt_number"),
    description="Goods received against purchase-order lines; each load that changes rows "
    "refreshes the lead-time actuals of every supplier lane.",
    after_load=(REFRESH_LEAD_TIMES,),
    columns=(
        Column(
            "po_line",
            "reference",
            required=True,
            db_column="po_line_id",
            reference=Reference(
                PurchaseOrderLine, ("po_number", "line_number"), ("po_number", "line_number")
            ),
        ),
        Column("receipt_number", required=True, max_length=40),
        Column("receipt_date", "date", required=True),
        Column("quantity", "number", required=True, positive=True),
    ),
)

RESOURCES = (SUPPLIERS, SUPPLIER_LANES, PURCHASE_ORDER_LINES, RECEIPTS)
