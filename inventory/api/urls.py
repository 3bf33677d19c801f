"""Endpoints of the inventory app under /api/v1/: reads (loads are the bulk endpoints) and runs."""

from rest_framework.routers import SimpleRouter

from inventory import filtersets
from inventory.api.policy_table import PolicyTableViewSet
from inventory.api.runs import RecommendationViewSet, RunViewSet
from inventory.models import InventoryPosition, Item, Location, NetworkLane, ServiceLevelClass
from sop_platform.api.reads import natural_key_serializer, read_viewset

PROVENANCE = ["source", "loaded_at", "updated_at"]

router = SimpleRouter()
router.register(
    "items",
    read_viewset(
        Item.objects.all(),
        natural_key_serializer(
            Item,
            [
                "sku",
                "description",
                "category",
                "business_unit",
                "unit_cost",
                "unit_price",
                "unit_of_measure",
                "shelf_life_days",
                "lifecycle_status",
                *PROVENANCE,
            ],
            {},
        ),
        filtersets.ItemFilterSet,
    ),
    basename="item",
)
router.register(
    "locations",
    read_viewset(
        Location.objects.all(),
        natural_key_serializer(
            Location,
            ["code", "name", "location_type", "echelon", "region", "storage_capacity", *PROVENANCE],
            {},
        ),
        filtersets.LocationFilterSet,
        "pk",
    ),
    basename="location",
)
router.register(
    "network-lanes",
    read_viewset(
        NetworkLane.objects.select_related("origin", "destination"),
        natural_key_serializer(
            NetworkLane,
            [
                "origin",
                "destination",
                "transfer_lead_time_mean_days",
                "transfer_lead_time_sd_days",
                "transfer_cost_per_unit",
                *PROVENANCE,
            ],
            {"origin": "code", "destination": "code"},
        ),
        filtersets.NetworkLaneFilterSet,
        "destination",
    ),
    basename="network-lane",
)
router.register(
    "inventory-positions",
    read_viewset(
        InventoryPosition.objects.select_related("item", "location"),
        natural_key_serializer(
            InventoryPosition,
            [
                "item",
                "location",
                "as_of",
                "on_hand",
                "in_transit",
                "allocated",
                "backordered",
                *PROVENANCE,
            ],
            {"item": "sku", "location": "code"},
        ),
        filtersets.InventoryPositionFilterSet,
        "location",
    ),
    basename="inventory-position",
)
router.register(
    "service-level-classes",
    read_viewset(
        ServiceLevelClass.objects.all(),
        natural_key_serializer(
            ServiceLevelClass, ["code", "description", "target", "service_type", *PROVENANCE], {}
        ),
        filtersets.ServiceLevelClassFilterSet,
    ),
    basename="service-level-class",
)
router.register("runs", RunViewSet, basename="run")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("policy-table", PolicyTableViewSet, basename="policy-table")
urlpatterns = router.urls
