"""Admin of planning exceptions: a read-only view. Assigning, resolving and dismissing go
through ``planning_exception_update`` (the API's PATCH), where the rules live."""

from django.contrib import admin

from governance.models import PlanningException
from sop_platform.admin import ReadOnlyAdmin


@admin.register(PlanningException)
class PlanningExceptionAdmin(ReadOnlyAdmin):
    list_display = [
        "kind",
        "severity",
        "status",
        "item",
        "location",
        "reasons",
        "owner",
        "due_date",
        "last_run",
    ]
    list_filter = ["status", "kind", "severity", "last_run__id"]
    list_select_related = ["item", "location", "owner", "last_run"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False
