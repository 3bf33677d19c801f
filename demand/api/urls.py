"""Read endpoints of the demand app under /api/v1/ (loads are the bulk endpoints)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from demand import filtersets
from demand.accuracy.api import ForecastAccuracyView
from demand.api.forecast_runs import ForecastRunViewSet
from demand.api.overrides import ForecastOverrideViewSet
from demand.api.promotions import PromotionLoadView, PromotionReadViewSet
from demand.models import DemandHistory, Forecast
from inventory.api.urls import PROVENANCE
from sop_platform.api.reads import natural_key_serializer, read_viewset

ITEM_AND_LOCATION = {"item": "sku", "location": "code"}

router = SimpleRouter()
router.register(
    "demand-history",
    read_viewset(
        DemandHistory.objects.select_related("item", "location"),
        natural_key_serializer(
            DemandHistory,
            ["item", "location", "period_start", "quantity", "is_promotion", *PROVENANCE],
            ITEM_AND_LOCATION,
        ),
        filtersets.DemandHistoryFilterSet,
        "location",
    ),
    basename="demand-history",
)
router.register(
    "forecasts",
    read_viewset(
        Forecast.objects.select_related("item", "location"),
        natural_key_serializer(
            Forecast,
            [
                "item",
                "location",
                "period_start",
                "quantity",
                "kind",
                "as_of",
                "version",
                *PROVENANCE,
            ],
            ITEM_AND_LOCATION,
        ),
        filtersets.ForecastFilterSet,
        "location",
    ),
    basename="forecast",
)
router.register("forecast-runs", ForecastRunViewSet, basename="forecast-run")
router.register("forecast-overrides", ForecastOverrideViewSet, basename="forecast-override")
router.register("promotions", PromotionReadViewSet, basename="promotion")
# Before the router's: "bulk" would otherwise be read as a promotion's id.
urlpatterns = [
    path("promotions/bulk/", PromotionLoadView.as_view(), name="promotions-bulk"),
    path("forecast-accuracy/", ForecastAccuracyView.as_view(), name="forecast-accuracy"),
    *router.urls,
]
