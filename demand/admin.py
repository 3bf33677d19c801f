"""Admin of demand history and forecasts (read-mostly; loads come through the API)."""

from django.contrib import admin

from demand.consensus import admin as consensus_admin  # noqa: F401 (registers its admins)
from demand.models import DemandHistory, Forecast
from governance.admin import LocationScopedAdmin, scoped_location_filter


@admin.register(DemandHistory)
class DemandHistoryAdmin(LocationScopedAdmin):
    list_display = ["item", "location", "period_start", "quantity", "is_promotion"]
    list_select_related = ["item", "location"]
    list_filter = ["is_promotion", scoped_location_filter()]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False


@admin.register(Forecast)
class ForecastAdmin(LocationScopedAdmin):
    list_display = ["item", "location", "period_start", "kind", "as_of", "quantity"]
    list_select_related = ["item", "location"]
    list_filter = ["kind", scoped_location_filter()]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False
