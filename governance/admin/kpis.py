"""Admin of the KPIs: the expedites and write-offs the ERP does not send (also bulk-loaded),
the KPI settings (one row, with its history), and the refreshes and snapshots, which only the
computation writes (read-only)."""

from django.contrib import admin, messages
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from governance.admin.common import LocationScopedAdmin, scoped_location_filter
from governance.kpis.models import Expedite, KpiRefresh, KpiSettings, KpiSnapshot, WriteOff
from sop_platform.admin import ReadOnlyAdmin, number_column

SETTINGS_PK = 1
"""The one row of KPI settings (what ``governance.kpis.selectors.kpi_settings`` reads)."""


@admin.register(Expedite)
class ExpediteAdmin(LocationScopedAdmin):
    list_display = ["reference", "item", "location", "expedite_date", "quantity", "cost", "reason"]
    list_select_related = ["item", "location"]
    list_filter = [scoped_location_filter(), "expedite_date", "source"]
    search_fields = ["reference", "item__sku"]
    raw_id_fields = ["item"]
    date_hierarchy = "expedite_date"
    show_full_result_count = False


@admin.register(WriteOff)
class WriteOffAdmin(LocationScopedAdmin):
    list_display = [
        "reference",
        "item",
        "location",
        "write_off_date",
        "quantity",
        "value",
        "reason",
    ]
    list_select_related = ["item", "location"]
    list_filter = [scoped_location_filter(), "write_off_date", "source"]
    search_fields = ["reference", "item__sku", "reason"]
    raw_id_fields = ["item"]
    date_hierarchy = "write_off_date"
    show_full_result_count = False


@admin.register(KpiSettings)
class KpiSettingsAdmin(SimpleHistoryAdmin):
    """One row: added once (until then the defaults apply), changed with its history, never
    deleted. A change shows in the KPIs from their next recompute."""

    list_display = ["__str__", "carrying_rate", "excess_cover_days", "obsolete_weeks"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not KpiSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: KpiSettings, form, change: bool) -> None:
        obj.pk = SETTINGS_PK  # the single row the KPI computation reads
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            "The KPIs use these settings from their next recompute (the KPI page's Recompute).",
            messages.INFO,
        )


@admin.register(KpiRefresh)
class KpiRefreshAdmin(ReadOnlyAdmin):
    list_display = [
        "pk",
        "status",
        "first_period",
        "last_period",
        "periods_done",
        "periods_total",
        "cells_written",
        "started_by",
        "created_at",
        "finished_at",
    ]
    list_select_related = ["started_by"]
    list_filter = ["status"]


@admin.register(KpiSnapshot)
class KpiSnapshotAdmin(LocationScopedAdmin, ReadOnlyAdmin):
    list_display = [
        "period_start",
        "location",
        "category",
        "segment",
        "sku_locations",
        "demand_periods",
        "filled_periods",
        number_column("demand_units", "Demand"),
        number_column("shipped_units", "Shipped"),
        number_column("inventory_value", "Inventory value"),
        "computed_at",
    ]
    list_select_related = ["location"]
    list_filter = [scoped_location_filter(), "period_start", "segment"]
    search_fields = ["category"]
    show_full_result_count = False
