"""Admin of planning exceptions: planners and managers assign, resolve or dismiss them."""

from django.contrib import admin

from governance.models import PlanningException


@admin.register(PlanningException)
class PlanningExceptionAdmin(admin.ModelAdmin):
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
    readonly_fields = [
        "kind",
        "severity",
        "item",
        "location",
        "reasons",
        "detail",
        "first_run",
        "last_run",
        "batch_number",
        "created_at",
        "updated_at",
        "resolved_at",
    ]
    fields = [*readonly_fields[:6], "owner", "status", "due_date", "resolution_notes"]
    show_full_result_count = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # exceptions come from runs
