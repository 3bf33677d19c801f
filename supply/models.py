"""Suppliers, what they supply where and on which terms, open orders and receipts.

Receipts against purchase-order promise dates are the raw material for lead-time actuals.
Lead times are in days; quantities in the item's unit; money in the company currency.
"""

from django.db import models
from django.db.models import F, Q

from inventory.models import MONEY, Item, Location
from sop_platform.constraints import non_negative, positive
from sop_platform.provenance import LoadedRecord
from supply.choices import PurchaseOrderStatus


class Supplier(LoadedRecord):
    """A vendor. Natural key: ``code``."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class SupplierLane(LoadedRecord):
    """Terms on which a supplier ships an item to a location.

    Natural key: (supplier, item, destination).
    """

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE)
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    destination = models.ForeignKey(Location, on_delete=models.CASCADE)
    promised_lead_time_days = models.FloatField()
    moq = models.FloatField("minimum order quantity", default=0)
    lot_size = models.FloatField(default=1, help_text="Orders are multiples of this.")
    case_pack = models.FloatField(default=1, help_text="Units per case.")
    order_cost = models.DecimalField(**MONEY, default=0, help_text="Fixed cost per order.")
    capacity_per_period = models.FloatField(
        null=True, blank=True, help_text="Most the supplier ships per period; empty = unlimited."
    )

    class Meta:
        ordering = ["supplier__code", "item__sku", "destination__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "item", "destination"], name="supplierlane_natural_key"
            ),
            *non_negative(
                "supplierlane",
                "promised_lead_time_days",
                "moq",
                "order_cost",
                "capacity_per_period",
            ),
            *positive("supplierlane", "lot_size", "case_pack"),
        ]

    def __str__(self) -> str:
        return f"{self.supplier_id}/{self.item_id}->{self.destination_id}"


class PurchaseOrderLine(LoadedRecord):
    """One line of a purchase order. Natural key: (po_number, line_number)."""

    po_number = models.CharField(max_length=40)
    line_number = models.PositiveIntegerField()
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE)
    item = models.ForeignKey(Item, on_delete=models.CASCADE)
    destination = models.ForeignKey(Location, on_delete=models.CASCADE)
    order_date = models.DateField()
    promised_date = models.DateField()
    quantity = models.FloatField()
    status = models.CharField(
        max_length=10, choices=PurchaseOrderStatus.choices, default=PurchaseOrderStatus.OPEN
    )

    class Meta:
        ordering = ["po_number", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["po_number", "line_number"], name="purchaseorderline_natural_key"
            ),
            *positive("purchaseorderline", "quantity"),
            models.CheckConstraint(
                condition=Q(promised_date__gte=F("order_date")),
                name="purchaseorderline_promise_after_order",
            ),
        ]
        indexes = [models.Index(fields=["supplier", "item", "destination"])]

    def __str__(self) -> str:
        return f"{self.po_number}/{self.line_number}"


class Receipt(LoadedRecord):
    """Goods received against a purchase-order line. Natural key: (po_line, receipt_number)."""

    po_line = models.ForeignKey(PurchaseOrderLine, on_delete=models.CASCADE)
    receipt_number = models.CharField(max_length=40)
    receipt_date = models.DateField()
    quantity = models.FloatField()

    class Meta:
        ordering = ["po_line", "receipt_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["po_line", "receipt_number"], name="receipt_natural_key"
            ),
            *positive("receipt", "quantity"),
        ]
