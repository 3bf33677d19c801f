"""Filters of the inventory models, shared by the API and the planner pages."""

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from inventory.models import (
    InventoryPosition,
    Item,
    Location,
    NetworkLane,
    PolicyRecommendation,
    PolicyRun,
    ServiceLevelClass,
)
from inventory.orders.selectors import DEFAULT_HORIZON_WEEKS, within_horizon
from inventory.policy_table.selectors import (
    RISK_CHOICES,
    RISK_FILTERS,
    STATUS_CHOICES,
    STATUS_FILTERS,
    TOLERANCE_FILTERS,
)
from inventory.reasons import BINDING_TEXT
from inventory.runs.scope import SEGMENTS
from sop_platform.filtersets import IntegerFilter, StrictBooleanFilter, StrictFilterSet

DEMAND_PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "none")


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


class PolicyTableFilterSet(StrictFilterSet):
    """The policy table's filters, for its page and its API (``policy_table_rows``)."""

    q = filters.CharFilter(method="search", label="SKU or description contains")
    location = filters.CharFilter(field_name="location__code", label="Location code")
    category = filters.CharFilter(field_name="item__category", label="Item category")
    segment = filters.ChoiceFilter(choices=[(s, s) for s in SEGMENTS])
    pattern = filters.ChoiceFilter(
        field_name="demand_pattern", choices=[(p, p.capitalize()) for p in DEMAND_PATTERNS]
    )
    risk = filters.ChoiceFilter(choices=RISK_CHOICES, method="by_risk")
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status")
    beyond_tolerance = StrictBooleanFilter(
        method="by_tolerance", label="Change beyond the class's accept-all tolerance"
    )

    class Meta:
        model = PolicyRecommendation
        fields = ["q", "location", "category", "segment", "pattern", "risk", "status"]

    def search(self, queryset, name, value: str):
        words = Q(item__sku__icontains=value) | Q(item__description__icontains=value)
        return queryset.filter(words)

    def by_risk(self, queryset, name, value: str):
        return queryset.filter(RISK_FILTERS[value])

    def by_status(self, queryset, name, value: str):
        return queryset.filter(STATUS_FILTERS[value])

    def by_tolerance(self, queryset, name, value: bool):
        return queryset.filter(TOLERANCE_FILTERS[value])


MAX_HORIZON_WEEKS = 520
NO_LANE = "none"  # the supplier filter's value for transfers and SKU-locations without a lane


class OrderFilterSet(StrictFilterSet):
    """Horizon (weeks from today; 13 when not given), SKU search, location and supplier by
    code, order dates, binding constraint."""

    horizon = IntegerFilter(
        method="by_horizon", label="Horizon (weeks)", min_value=0, max_value=MAX_HORIZON_WEEKS
    )
    q = filters.CharFilter(method="search", label="SKU or description contains")
    location = filters.CharFilter(field_name="location__code", label="Location code")
    supplier = filters.CharFilter(method="by_supplier", label="Supplier code")
    order_date = filters.DateFromToRangeFilter(label="Order date")
    binding = filters.ChoiceFilter(
        field_name="binding_constraint",
        choices=list(BINDING_TEXT.items()),
        label="Binding constraint",
    )

    class Meta:
        model = PolicyRecommendation
        fields = ["horizon", "q", "location", "supplier", "order_date", "binding"]

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        """The horizon applies when the query does not give one (or gives a bad one)."""
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("horizon") is None:
            queryset = self.by_horizon(queryset, "horizon", DEFAULT_HORIZON_WEEKS)
        return queryset

    def by_horizon(self, queryset: QuerySet, name: str, value: int | None) -> QuerySet:
        if value is None:
            return queryset
        return within_horizon(queryset, today=timezone.localdate(), weeks=int(value))

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        words = Q(item__sku__icontains=value) | Q(item__description__icontains=value)
        return queryset.filter(words)

    def by_supplier(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == NO_LANE:
            return queryset.filter(supplier_lane__isnull=True)
        return queryset.filter(supplier_lane__supplier__code=value)
