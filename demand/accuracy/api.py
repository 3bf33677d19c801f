"""``GET /api/v1/forecast-accuracy/``: the accuracy page's numbers as JSON (the same query
and selectors), within the caller's location scope."""

import math

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from demand.accuracy.forms import (
    DEFAULT_WEEKS,
    KIND_CHOICES,
    MAX_LAG,
    MAX_WEEKS,
    MIN_WEEKS,
    AccuracyQueryForm,
)
from demand.accuracy.pooling import METRICS
from demand.accuracy.selectors import AccuracyQuery, AccuracyReport, Window, forecast_accuracy
from demand.models import Forecast
from governance.selectors import location_scope
from sop_platform.api.reads import ViewPermission

PARAMETERS = [
    OpenApiParameter(
        "kind", str, enum=[k for k, _ in KIND_CHOICES], description="Default planned."
    ),
    OpenApiParameter(
        "lag",
        {"type": "integer", "minimum": 1, "maximum": MAX_LAG},
        description="Weeks ahead; default 1.",
    ),
    OpenApiParameter(
        "weeks",
        {"type": "integer", "minimum": MIN_WEEKS, "maximum": MAX_WEEKS},
        description=f"The window in weeks; default {DEFAULT_WEEKS}.",
    ),
    OpenApiParameter(
        "last", OpenApiTypes.DATE, description="The window's last week; default the last complete."
    ),
    OpenApiParameter("location", str, description="Only this location (its code, in scope)."),
    OpenApiParameter(
        "category", {"type": "string", "maxLength": 80}, description="Only this category."
    ),
]


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


def _values(values: dict[str, float]) -> dict[str, float | None]:
    return {key: _number(value) for key, value in values.items()}


def _window(window: Window) -> dict:
    return {
        "first": window.first,
        "last": window.last,
        "pairs": window.pairs,
        "values": _values(window.values),
    }


class ForecastAccuracyView(APIView):
    """Forecast accuracy over the window and the one before, the rolling three-month trend
    by month, the breakdowns and the worst SKU-locations; definitions in
    docs/forecasting.md, "Accuracy"."""

    queryset = Forecast.objects.none()  # for the view permission's model
    permission_classes = [ViewPermission]
    throttle_scope = "read"

    @extend_schema(
        operation_id="forecast_accuracy",
        summary="Forecast accuracy by lag",
        description="window / previous: pooled bias, MAPE, WAPE, MASE, RMSE (null where "
        "undefined); trend: per month, the three months ending with it; breakdown: per "
        "location, category and ABC class; worst: the SKU-locations with the largest "
        "Σ|forecast − actual|. All null or empty when nothing can be measured. Errors: 400 "
        "with messages by parameter.",
        tags=["forecasts"],
        parameters=PARAMETERS,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="The accuracy report."),
            400: OpenApiResponse(description="Messages by parameter name."),
        },
    )
    def get(self, request: Request) -> Response:
        scope = location_scope(user=request.user)
        form = AccuracyQueryForm(request.query_params, scope=scope)
        if not form.is_valid():
            return Response(form.errors, status=400)
        query = form.query()
        report = forecast_accuracy(scope=scope, query=query, today=timezone.localdate())
        return Response(_answer(query, report))


def _answer(query: AccuracyQuery, report: AccuracyReport | None) -> dict:
    """The JSON body: the query as understood, the metrics' definitions and the report."""
    answer = {
        "kind": query.kind,
        "lag": query.lag,
        "weeks": query.weeks,
        "filters": {"location_id": query.location_id, "category": query.category},
        "metrics": [
            {
                "key": m.key,
                "label": m.label,
                "unit": m.unit,
                "better": m.better,
                "formula": m.formula,
            }
            for m in METRICS
        ],
        "sku_locations": 0,
        "window": None,
        "previous": None,
        "trend": [],
        "breakdown": {},
        "worst": [],
    }
    if report is None:
        return answer
    return answer | {
        "sku_locations": report.sku_locations,
        "window": _window(report.window),
        "previous": _window(report.previous),
        "trend": [{"month": month, "values": _values(values)} for month, values in report.trend],
        "breakdown": {
            name: [
                {"value": r.value, "label": r.label, "pairs": r.pairs, "values": _values(r.values)}
                for r in rows
            ]
            for name, rows in report.breakdown.items()
        },
        "worst": [
            {
                "item_id": r.item_id,
                "location_id": r.location_id,
                "sku": r.sku,
                "location": r.location,
                "actual": r.actual,
                "forecast": r.forecast,
                "abs_error": r.abs_error,
                "values": _values(r.values),
            }
            for r in report.worst
        ],
    }
