"""Admin of demand history and forecasts (read-mostly; loads come through the API)."""

from django.contrib import admin

from demand.models import DemandHistory, Forecast


@admin.register(DemandHistory)
class DemandHistoryAdmin(admin.ModelAdmin):
    list_display = ["item", "location", "period_start", "quantity", "is_promotion"]
    list_select_related = ["item", "location"]
    list_filter = ["is_promotion", "location"]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["item", "location", "period_start", "kind", "as_of", "quantity"]
    list_select_related = ["item", "location"]
    list_filter = ["kind", "location"]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False
