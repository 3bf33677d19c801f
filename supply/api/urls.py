"""Read endpoints of the supply app under /api/v1/ (loads are the bulk endpoints)."""

from rest_framework.routers import SimpleRouter

from inventory.api.urls import PROVENANCE
from sop_platform.api.reads import natural_key_serializer, read_viewset
from supply import filtersets
from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane

LANE = {"supplier": "code", "item": "sku", "destination": "code"}

router = SimpleRouter()
router.register(
    "suppliers",
    read_viewset(
        Supplier.objects.all(),
        natural_key_serializer(Supplier, ["code", "name", *PROVENANCE], {}),
        filtersets.SupplierFilterSet,
    ),
    basename="supplier",
)
router.register(
    "supplier-lanes",
    read_viewset(
        SupplierLane.objects.select_related("supplier", "item", "destination"),
        natural_key_serializer(
            SupplierLane,
            [
                *LANE,
                "promised_lead_time_days",
                "moq",
                "lot_size",
                "case_pack",
                "order_cost",
                "capacity_per_period",
                *PROVENANCE,
            ],
            LANE,
        ),
        filtersets.SupplierLaneFilterSet,
        "destination",
    ),
    basename="supplier-lane",
)
router.register(
    "purchase-order-lines",
    read_viewset(
        PurchaseOrderLine.objects.select_related("supplier", "item", "destination"),
        natural_key_serializer(
            PurchaseOrderLine,
            [
                "po_number",
                "line_number",
                *LANE,
                "order_date",
                "promised_date",
                "quantity",
                "status",
                *PROVENANCE,
            ],
            LANE,
        ),
        filtersets.PurchaseOrderLineFilterSet,
        "destination",
    ),
    basename="purchase-order-line",
)
router.register(
    "receipts",
    read_viewset(
        Receipt.objects.select_related("po_line"),
        natural_key_serializer(
            Receipt,
            ["po_number", "line_number", "receipt_number", "receipt_date", "quantity", *PROVENANCE],
            {"po_number": "po_line.po_number", "line_number": "po_line.line_number"},
        ),
        filtersets.ReceiptFilterSet,
        "po_line__destination",
    ),
    basename="receipt",
)
urlpatterns = router.urls
