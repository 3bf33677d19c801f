"""Suppliers, what they supply where and on which terms, open orders and receipts.

Receipts against purchase-order promise dates are the raw material for lead-time actuals
(``LaneLeadTimeActual``, computed by ``supply.services.lead_time_actuals_refresh``) and for the
lane-change events that trigger re-optimization. Lead times are in days; quantities in the
item's unit; money in the company currency.
"""

from django.db import models
from django.db.models import F, Q

from inventory.models import MONEY, Item, Location
from sop_platform.constraints import non_negative, positive
from sop_platform.provenance import LoadedRecord
from supply.choices import LaneShift, PurchaseOrderStatus


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


def _closed_unit_interval(table: str, field: str) -> models.CheckConstraint:
    """``0 <= field <= 1`` (NULL passes): rates that may be exactly 0 or 1."""
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 1}) | Q(**{f"{field}__isnull": True}),
        name=f"{table}_{field}_between_0_and_1",
    )


class LaneLeadTimeActual(models.Model):
    """Actual lead-time performance of one supplier lane, computed from receipts.

    Computed (not loaded) by ``supply.services.lead_time_actuals_refresh``; one row per lane,
    replaced on every refresh. An observation is one **received purchase-order line** of the
    lane (same supplier, item and destination), dated by its last receipt on or before
    ``as_of``: a line received in parts is available in full only when the last part arrives,
    and counting every part would give split lines extra weight. Lines still awaiting a part
    (received < ordered, status open or partial) are left out, as are lines received before
    they were ordered (a data error).

    * actual lead time = last receipt date - order date (days);
    * lateness = last receipt date - promised date (days; negative = early); on time when
      lateness <= ``LEAD_TIME_ON_TIME_TOLERANCE_DAYS`` (default 0);
    * window: lines whose last receipt falls in [``window_start``, ``as_of``];
    * trend = mean lead time of lines received in the last 91 days up to ``as_of`` minus the
      mean of the 91 days before (days; positive = getting slower; NULL when either period
      has no lines).

    Figures are NULL when the window holds no line (sd also when it holds one).
    """

    lane = models.OneToOneField(
        SupplierLane, on_delete=models.CASCADE, related_name="lead_time_actual"
    )
    computed_at = models.DateTimeField()
    as_of = models.DateField(help_text="Last day of the window (inclusive).")
    window_start = models.DateField(help_text="First day of the window (inclusive).")
    received_lines = models.PositiveIntegerField(
        help_text="Received PO lines in the window (a line received in parts counts once)."
    )
    mean_lead_time_days = models.FloatField(null=True, blank=True)
    sd_lead_time_days = models.FloatField(
        null=True, blank=True, help_text="Sample standard deviation (n - 1)."
    )
    mean_lateness_days = models.FloatField(
        null=True, blank=True, help_text="Receipt minus promised date; negative = early."
    )
    on_time_rate = models.FloatField(null=True, blank=True)
    trend_days = models.FloatField(
        null=True,
        blank=True,
        help_text="Mean lead time of the last 3 months minus the 3 months before.",
    )

    class Meta:
        ordering = ["lane"]
        verbose_name = "lane lead-time actual"
        constraints = [
            *non_negative(
                "laneleadtimeactual", "received_lines", "mean_lead_time_days", "sd_lead_time_days"
            ),
            _closed_unit_interval("laneleadtimeactual", "on_time_rate"),
            models.CheckConstraint(
                condition=Q(window_start__lte=F("as_of")),
                name="laneleadtimeactual_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"lead time of lane {self.lane_id} as of {self.as_of}"


class LaneChangeEvent(models.Model):
    """A supplier lane whose actual lead-time mean or sd moved beyond the shift threshold.

    Recorded by ``lead_time_actuals_refresh`` when the lane's previous and new actuals are both
    trusted (at least ``LEAD_TIME_MIN_RECEIVED_LINES`` lines) and a figure moved by more than
    max(``LEAD_TIME_SHIFT_THRESHOLD`` x previous, ``LEAD_TIME_SHIFT_MIN_DAYS``). The thresholds
    in force are stored with the event. Optimization runs pick up events whose
    ``processed_at`` is empty and re-optimize the lane's item at its destination.
    """

    lane = models.ForeignKey(SupplierLane, on_delete=models.CASCADE, related_name="change_events")
    detected_at = models.DateTimeField()
    as_of = models.DateField(help_text="As-of date of the refresh that detected the shift.")
    shift = models.CharField(max_length=4, choices=LaneShift.choices)
    previous_mean_days = models.FloatField()
    previous_sd_days = models.FloatField()
    new_mean_days = models.FloatField()
    new_sd_days = models.FloatField()
    relative_threshold = models.FloatField()
    absolute_threshold_days = models.FloatField()
    processed_at = models.DateTimeField(
        null=True, blank=True, help_text="When a run re-optimized the lane; empty = pending."
    )

    class Meta:
        ordering = ["-detected_at", "lane"]
        constraints = [
            *non_negative(
                "lanechangeevent",
                "previous_mean_days",
                "previous_sd_days",
                "new_mean_days",
                "new_sd_days",
                "relative_threshold",
                "absolute_threshold_days",
            ),
        ]
        indexes = [
            models.Index(
                fields=["detected_at"],
                condition=Q(processed_at__isnull=True),
                name="lanechangeevent_pending",
            )
        ]

    def __str__(self) -> str:
        return f"lane {self.lane_id}: {self.shift} shift as of {self.as_of}"
