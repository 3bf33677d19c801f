"""Admin of master data, stock positions and policies (managers and admins work here)."""

from django.contrib import admin
from django.http import HttpRequest
from guardian.admin import GuardedModelAdmin

from governance.admin import POLICY_QUANTITY_COLUMNS, LocationScopedAdmin, scoped_location_filter
from inventory.models import (
    InventoryPolicy,
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    PolicyRecommendation,
    PolicyRun,
    ServiceLevelClass,
)
from sop_platform.admin import ReadOnlyAdmin, ReadOnlyHistoryAdmin, number_column, readable_share

RECOMMENDATION_QUANTITIES = (
    ("safety_stock", "Safety stock"),
    ("reorder_point", "Reorder point"),
    ("order_quantity", "Order quantity"),
    ("current_safety_stock", "Current safety stock"),
    ("recommended_qty", "Recommended quantity"),
)
POLICY_READ_ONLY = (
    "Read-only: policies change through proposals (the planners' pages and the API), "
    "approved under Governance › Policy proposals."
)


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = [
        "sku",
        "description",
        "category",
        "business_unit",
        "unit_cost",
        "lifecycle_status",
    ]
    list_filter = ["lifecycle_status", "category", "business_unit"]
    search_fields = ["sku", "description"]


@admin.register(Location)
class LocationAdmin(LocationScopedAdmin, GuardedModelAdmin):
    """Locations in scope; "Object permissions" on a location grants it to users or groups
    (their scope); "Can see every location" among a user's permissions grants them all."""

    location_path = "pk"
    list_display = ["code", "name", "location_type", "echelon", "region", "storage_capacity"]
    list_filter = ["location_type", "echelon", "region"]
    search_fields = ["code", "name"]


@admin.register(NetworkLane)
class NetworkLaneAdmin(LocationScopedAdmin):
    location_path = "destination"
    list_display = [
        "origin",
        "destination",
        "transfer_lead_time_mean_days",
        "transfer_lead_time_sd_days",
        "transfer_cost_per_unit",
    ]
    list_select_related = ["origin", "destination"]


@admin.register(InventoryPosition)
class InventoryPositionAdmin(LocationScopedAdmin):
    list_display = [
        "item",
        "location",
        "as_of",
        "on_hand",
        "in_transit",
        "allocated",
        "backordered",
    ]
    list_select_related = ["item", "location"]
    list_filter = [scoped_location_filter(), "as_of"]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False


@admin.register(ServiceLevelClass)
class ServiceLevelClassAdmin(admin.ModelAdmin):
    """Service targets per segment, and how far accept-all may go (``accept_tolerance``)."""

    list_display = ["code", "target_display", "service_type", "accept_tolerance", "description"]
    list_editable = ["accept_tolerance"]

    @admin.display(description="Target", ordering="target")
    def target_display(self, service_class: ServiceLevelClass) -> str:
        return readable_share(service_class.target)


@admin.register(InventoryPolicy)
class InventoryPolicyAdmin(LocationScopedAdmin, ReadOnlyHistoryAdmin):
    """Policies in force, read-only: they change only through approved proposals."""

    list_display = [
        "item",
        "location",
        "effective_from",
        "effective_to",
        "status",
        *POLICY_QUANTITY_COLUMNS,
        "service_target_display",
        "policy_source",
        "policy_version",
    ]
    list_select_related = ["item", "location"]
    list_filter = ["status", "policy_source", scoped_location_filter()]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False
    readonly_fields = [
        "item",
        "location",
        "effective_from",
        "effective_to",
        "status",
        *POLICY_QUANTITY_COLUMNS,
        "service_target_display",
        "service_type",
        "policy_source",
        "policy_version",
        "published_version",
        "last_optimized_at",
    ]

    def get_fieldsets(self, request: HttpRequest, obj=None) -> list:
        return [(None, {"fields": self.readonly_fields, "description": POLICY_READ_ONLY})]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(
            request, {"subtitle": POLICY_READ_ONLY, **(extra_context or {})}
        )

    @admin.display(description="Service target", ordering="service_target")
    def service_target_display(self, policy: InventoryPolicy) -> str:
        return readable_share(policy.service_target)


@admin.register(PolicyRun)
class PolicyRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "status", "trigger", "actor", "created_at", "total_rows", "total_batches"]
    list_filter = ["status", "trigger"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"


@admin.register(PolicyRecommendation)
class PolicyRecommendationAdmin(LocationScopedAdmin, ReadOnlyAdmin):
    list_display = [
        "run",
        "item",
        "location",
        "segment",
        number_column("service_target", "Service target", 4),
        *(number_column(name, label) for name, label in RECOMMENDATION_QUANTITIES),
        "lead_time_basis",
        "blocked",
    ]
    list_filter = ["blocked", "segment", "lead_time_basis", "demand_sd_source", "run__id"]
    list_select_related = ["run", "item", "location"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False  # a run can hold a million rows
