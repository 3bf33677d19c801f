"""The recommended orders' filters, for the page and its exports alike."""

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from inventory.models import PolicyRecommendation
from inventory.orders.selectors import BINDING_WORDS, DEFAULT_HORIZON_WEEKS, within_horizon
from sop_platform.filtersets import IntegerFilter, StrictFilterSet

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
        choices=list(BINDING_WORDS.items()),
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
