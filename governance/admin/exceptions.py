"""Admin of planning exceptions (a read-only view: assigning, resolving and dismissing go
through ``planning_exception_update``, the API's PATCH, where the rules live) and of the
rules that decide which exceptions a run raises."""

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from governance.admin.common import LocationScopedAdmin, scoped_location_filter
from governance.models import (
    ExceptionRule,
    PlanningException,
)
from sop_platform.admin import (
    ReadOnlyHistoryAdmin,
)


@admin.register(PlanningException)
class PlanningExceptionAdmin(LocationScopedAdmin, ReadOnlyHistoryAdmin):
    list_display = [
        "kind",
        "severity",
        "status",
        "item",
        "location",
        "reasons",
        "money_at_risk",
        "owner",
        "due_date",
        "last_run",
    ]
    list_filter = ["status", "kind", "severity", scoped_location_filter(), "last_run__id"]
    list_select_related = ["item", "location", "owner", "last_run"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False


# --- Policy proposals: the approvers' home ------------------------------------------------


@admin.register(ExceptionRule)
class ExceptionRuleAdmin(SimpleHistoryAdmin):
    """One rule per kind, seeded by the migration: edited, never added or deleted (a kind
    without a rule would raise every exception found). A change applies from the next run."""

    list_display = ["kind", "enabled", "min_money_at_risk", "min_relative_change", "updated_at"]
    list_editable = ["enabled", "min_money_at_risk"]
    fields = ["kind", "enabled", "min_money_at_risk", "min_relative_change"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
