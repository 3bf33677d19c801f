"""What every admin of located rows shares: the mixin and list filter that limit it to the
user's location scope, the policy quantities' columns and small read-only HTML tables."""

from django.contrib import admin
from django.db.models import ForeignKey, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from governance.selectors import location_scope
from inventory.models import Location
from sop_platform.admin import number_column

COMPARED = (  # (field, label): the policy values compared on the proposals' pages
    ("reorder_point", "Reorder point"),
    ("min_level", "Min"),
    ("max_level", "Max"),
    ("order_quantity", "Order quantity"),
    ("safety_stock", "Safety stock"),
)
# Changelist columns of the policy quantities, readable (no 15-decimal floats).
POLICY_QUANTITY_COLUMNS = [number_column(name, label) for name, label in COMPARED]


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


def html_table(headers: list[str], rows: list[tuple]) -> str:
    """A small HTML table of text cells (escaped)."""
    head = format_html_join("", "<th>{}</th>", ((h,) for h in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        ((format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),) for row in rows),
    )
    return format_html("<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body)
