"""Admin of master data, stock positions and policies (managers and admins work here)."""

from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from governance.admin import LocationScopedAdmin, scoped_location_filter
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
from sop_platform.admin import ReadOnlyAdmin


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
    list_display = ["code", "target", "service_type", "description"]


@admin.register(InventoryPolicy)
class InventoryPolicyAdmin(LocationScopedAdmin, SimpleHistoryAdmin):
    list_display = [
        "item",
        "location",
        "effective_from",
        "effective_to",
        "status",
        "safety_stock",
        "reorder_point",
        "min_level",
        "max_level",
        "order_quantity",
        "policy_source",
        "policy_version",
    ]
    list_select_related = ["item", "location"]
    list_filter = ["status", "policy_source", scoped_location_filter()]
    search_fields = ["item__sku"]
    raw_id_fields = ["item", "location"]
    show_full_result_count = False


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
        "service_target",
        "safety_stock",
        "reorder_point",
        "order_quantity",
        "current_safety_stock",
        "recommended_qty",
        "lead_time_basis",
        "blocked",
    ]
    list_filter = ["blocked", "segment", "lead_time_basis", "demand_sd_source", "run__id"]
    list_select_related = ["run", "item", "location"]
    search_fields = ["item__sku", "location__code"]
    show_full_result_count = False  # a run can hold a million rows
