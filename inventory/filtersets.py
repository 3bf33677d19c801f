"""Filters of the inventory models, shared by the API and (later) the planner pages."""

import django_filters as filters

from inventory.models import (
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    PolicyRecommendation,
    PolicyRun,
    ServiceLevelClass,
)
from sop_platform.filtersets import IntegerFilter, StrictFilterSet


class ItemFilterSet(StrictFilterSet):
    sku = filters.CharFilter(lookup_expr="iexact")
    sku_contains = filters.CharFilter(field_name="sku", lookup_expr="icontains")

    class Meta:
        model = Item
        fields = ["sku", "category", "business_unit", "lifecycle_status", "source"]


class LocationFilterSet(StrictFilterSet):
    class Meta:
        model = Location
        fields = ["code", "location_type", "echelon", "region", "source"]


class NetworkLaneFilterSet(StrictFilterSet):
    origin = filters.CharFilter(field_name="origin__code")
    destination = filters.CharFilter(field_name="destination__code")

    class Meta:
        model = NetworkLane
        fields = ["origin", "destination", "source"]


class InventoryPositionFilterSet(StrictFilterSet):
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    as_of = filters.DateFromToRangeFilter()

    class Meta:
        model = InventoryPosition
        fields = ["item", "location", "as_of", "source"]


class ServiceLevelClassFilterSet(StrictFilterSet):
    class Meta:
        model = ServiceLevelClass
        fields = ["code", "service_type"]


class PolicyRunFilterSet(StrictFilterSet):
    class Meta:
        model = PolicyRun
        fields = ["status", "trigger"]


class PolicyRecommendationFilterSet(StrictFilterSet):
    """``item`` and ``location`` by natural key (SKU, location code)."""

    run = IntegerFilter(field_name="run_id")
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")

    class Meta:
        model = PolicyRecommendation
        fields = ["run", "item", "location", "segment", "blocked"]
