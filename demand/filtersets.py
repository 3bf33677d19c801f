"""Filters of the demand models, shared by the API and (later) the planner pages."""

import django_filters as filters

from demand.models import DemandHistory, Forecast
from sop_platform.filtersets import StrictFilterSet


class DemandHistoryFilterSet(StrictFilterSet):
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    period_start = filters.DateFromToRangeFilter()

    class Meta:
        model = DemandHistory
        fields = ["item", "location", "period_start", "is_promotion", "source"]


class ForecastFilterSet(StrictFilterSet):
    item = filters.CharFilter(field_name="item__sku")
    location = filters.CharFilter(field_name="location__code")
    period_start = filters.DateFromToRangeFilter()
    as_of = filters.DateFromToRangeFilter()

    class Meta:
        model = Forecast
        fields = ["item", "location", "period_start", "as_of", "kind", "source"]
