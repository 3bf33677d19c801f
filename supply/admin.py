"""Admin of suppliers, lanes, purchase orders and receipts."""

from django.contrib import admin

from supply.models import PurchaseOrderLine, Receipt, Supplier, SupplierLane


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(SupplierLane)
class SupplierLaneAdmin(admin.ModelAdmin):
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
    list_filter = ["supplier", "destination"]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "destination"]


@admin.register(PurchaseOrderLine)
class PurchaseOrderLineAdmin(admin.ModelAdmin):
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
class ReceiptAdmin(admin.ModelAdmin):
    list_display = ["po_line", "receipt_number", "receipt_date", "quantity"]
    list_select_related = ["po_line"]
    search_fields = ["po_line__po_number", "receipt_number"]
    raw_id_fields = ["po_line"]
    show_full_result_count = False
