"""Admin of planning exceptions (a read-only view: assigning, resolving and dismissing go
through ``planning_exception_update``, the API's PATCH, where the rules live), and the mixin
that limits every admin of located rows to the user's location scope."""

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest

from governance.models import PlanningException
from governance.selectors import location_scope
from inventory.models import Location
from sop_platform.admin import ReadOnlyAdmin


class LocationScopedAdmin(admin.ModelAdmin):
    """Changelists, change pages, filters and location choices limited to the locations in
    the user's scope (``location_path`` leads from the model to its Location)."""

    location_path = "location"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        return location_scope(user=request.user).restrict(queryset, self.location_path)

    def formfield_for_foreignkey(self, db_field: ForeignKey, request: HttpRequest, **kwargs):
        if db_field.related_model is Location:
            kwargs["queryset"] = location_scope(user=request.user).locations()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedLocationListFilter(admin.RelatedFieldListFilter):
    """Offers the locations in the user's scope (not a scan of the rows: tables are large)."""

    def field_choices(self, field, request: HttpRequest, model_admin) -> list[tuple]:
        locations = location_scope(user=request.user).locations().order_by("code")
        return [(location.pk, str(location)) for location in locations]


def scoped_location_filter(path: str = "location") -> tuple:
    """A changelist filter by location offering only the locations in the user's scope."""
    return (path, ScopedLocationListFilter)


@admin.register(PlanningException)
class PlanningExceptionAdmin(LocationScopedAdmin, ReadOnlyAdmin):
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
    list_filter = ["status", "kind", "severity", scoped_location_filter(), "last_run__id"]
    list_select_related = ["item", "location", "owner", "last_run"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False
