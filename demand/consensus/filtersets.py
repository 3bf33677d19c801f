"""Filters of the overrides and promotions, for the API (one FilterSet per model)."""

import django_filters as filters

from demand.models import ForecastOverride, Promotion
from sop_platform.filtersets import StrictFilterSet


class ForecastOverrideFilterSet(StrictFilterSet):
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    period_start = filters.DateFromToRangeFilter()
    created_by = filters.CharFilter(field_name="created_by__username")

    class Meta:
        model = ForecastOverride
        fields = ["item", "location", "period_start", "status", "needs_approval", "created_by"]


class PromotionFilterSet(StrictFilterSet):
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    start = filters.DateFromToRangeFilter()
    end = filters.DateFromToRangeFilter()

    class Meta:
        model = Promotion
        fields = ["item", "location", "start", "end"]
