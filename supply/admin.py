"""Admin of suppliers, lanes, purchase orders, receipts and the lead-time actuals."""

from django.contrib import admin
from django.http import HttpRequest

from governance.admin import LocationScopedAdmin, scoped_location_filter
from supply.models import (
    LaneChangeEvent,
    LaneLeadTimeActual,
    PurchaseOrderLine,
    Receipt,
    Supplier,
    SupplierLane,
)


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(SupplierLane)
class SupplierLaneAdmin(LocationScopedAdmin):
    location_path = "destination"
    list_display = [
        "supplier",
        "item",
        "destination",
        "promised_lead_time_days",
        "moq",
        "lot_size",
        "case_pack",
        "order_cost",
        "capacity_per_period",
    ]
    list_select_related = ["supplier", "item", "destination"]
    list_filter = ["supplier", scoped_location_filter("destination")]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "destination"]


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(LocationScopedAdmin):
    location_path = "destination"
    list_display = [
        "po_number",
        "line_number",
        "supplier",
        "item",
        "destination",
        "order_date",
        "promised_date",
        "quantity",
        "status",
    ]
    list_select_related = ["supplier", "item", "destination"]
    list_filter = ["status", "supplier"]
    search_fields = ["po_number", "item__sku"]
    raw_id_fields = ["item", "destination"]
    show_full_result_count = False


@admin.register(Receipt)
class ReceiptAdmin(LocationScopedAdmin):
    location_path = "po_line__destination"
    list_display = ["po_line", "receipt_number", "receipt_date", "quantity"]
    list_select_related = ["po_line"]
    search_fields = ["po_line__po_number", "receipt_number"]
    raw_id_fields = ["po_line"]
    show_full_result_count = False


class ComputedAdmin(LocationScopedAdmin):
    """Read-only: these rows are computed by ``lead_time_actuals_refresh``, not typed in."""

    location_path = "lane__destination"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(LaneLeadTimeActual)
class LaneLeadTimeActualAdmin(ComputedAdmin):
    list_display = [
        "lane",
        "as_of",
        "received_lines",
        "mean_lead_time_days",
        "sd_lead_time_days",
        "mean_lateness_days",
        "on_time_rate",
        "trend_days",
        "computed_at",
    ]
    list_select_related = ["lane"]  # a lane prints as its ids
    list_filter = ["lane__supplier", scoped_location_filter("lane__destination"), "as_of"]
    search_fields = ["lane__item__sku"]
    raw_id_fields = ["lane"]
    show_full_result_count = False


@admin.register(LaneChangeEvent)
class LaneChangeEventAdmin(ComputedAdmin):
    list_display = [
        "lane",
        "detected_at",
        "as_of",
        "shift",
        "previous_mean_days",
        "new_mean_days",
        "previous_sd_days",
        "new_sd_days",
        "processed_at",
    ]
    list_select_related = ["lane"]  # a lane prints as its ids
    list_filter = ["shift", "lane__supplier", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["lane__item__sku"]
    raw_id_fields = ["lane"]
    date_hierarchy = "detected_at"
