"""``GET /api/v1/kpis/``: KPI trends and their drill-down, the KPI page's numbers as JSON
(the same query and selectors), within the caller's location scope."""

import math

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.kpis.definitions import KPI_BY_KEY, KPIS
from governance.kpis.forms import DEFAULT_KEYS, DEFAULT_WEEKS, NONE_VALUE, KpiQuery, KpiQueryForm
from governance.kpis.models import KpiSnapshot
from governance.kpis.selectors import DIMENSIONS, kpi_breakdown, kpi_latest_period, kpi_series
from governance.selectors import LocationScope, location_scope
from sop_platform.api.reads import ViewPermission

PARAMETERS = [
    OpenApiParameter(
        "kpi",
        str,
        many=True,
        enum=[kpi.key for kpi in KPIS],
        description=f"Repeatable; default {', '.join(DEFAULT_KEYS)}.",
    ),
    OpenApiParameter("grain", str, enum=["week", "month"], description="Default week."),
    OpenApiParameter(
        "first",
        OpenApiTypes.DATE,
        description=f"First week (any day of it); default {DEFAULT_WEEKS} weeks before last.",
    ),
    OpenApiParameter(
        "last", OpenApiTypes.DATE, description="Last week; default the latest computed with demand."
    ),
    OpenApiParameter("dimension", str, enum=list(DIMENSIONS), description="Default location."),
    OpenApiParameter("location", str, description="Only this location (its code, in scope)."),
    OpenApiParameter(
        "category",
        {"type": "string", "maxLength": 80},
        description=f"Only this category ({NONE_VALUE}: none).",
    ),
    OpenApiParameter(
        "segment",
        {"type": "string", "maxLength": 6},
        description=f"Only this segment ({NONE_VALUE}: none).",
    ),
]


KPI_FIELDS = ("key", "label", "unit", "better", "formula")


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(float(value), 6)


class KpiView(APIView):
    """KPI trends per week or month and the KPIs per location, category or segment over the
    span; formulas in docs/kpis.md."""

    queryset = KpiSnapshot.objects.none()  # for the view permission's model
    permission_classes = [ViewPermission]
    throttle_scope = "read"

    @extend_schema(
        operation_id="kpis",
        summary="KPI trends and drill-down",
        description="series: the KPIs per period (Monday of the week, or first day of the "
        "month; null where a KPI's denominator is zero) and the weeks computed in each; "
        "breakdown: the KPIs over the whole span per value of the dimension (every value: "
        "the filter along the dimension itself does not apply to it). Empty before "
        "any KPI is computed. Errors: 400 with messages by parameter.",
        tags=["kpis"],
        parameters=PARAMETERS,
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="kpis, series, breakdown."),
            400: OpenApiResponse(description="Messages by parameter name."),
        },
    )
    def get(self, request: Request) -> Response:
        scope = location_scope(user=request.user)
        form = KpiQueryForm(request.query_params, scope=scope)
        if not form.is_valid():
            return Response(form.errors, status=400)
        query = form.query(latest=kpi_latest_period(scope=scope, with_demand=True))
        return Response(_answer(scope, query))


def _answer(scope: LocationScope, query: KpiQuery) -> dict:
    """The JSON body: the query as understood, the KPIs' definitions, series, breakdown."""
    answer = {
        "grain": query.grain,
        "first": query.first,
        "last": query.last,
        "dimension": query.dimension,
        "filters": {
            "location": query.location.code if query.location else None,
            "category": query.category,
            "segment": query.segment,
        },
        "kpis": [{name: getattr(KPI_BY_KEY[k], name) for name in KPI_FIELDS} for k in query.keys],
        "series": {"periods": [], "weeks": [], "values": {k: [] for k in query.keys}},
        "breakdown": [],
    }
    if query.last is None:
        return answer
    span = {"first": query.first, "last": query.last}
    series = kpi_series(
        scope=scope, keys=query.keys, grain=query.grain, **span, **query.selector_filters()
    )
    answer["series"] = {
        "periods": series.periods,
        "weeks": [int(w) for w in series.weeks],
        "values": {k: [_number(v) for v in series.values[k]] for k in query.keys},
    }
    rows = kpi_breakdown(
        scope=scope,
        keys=query.keys,
        dimension=query.dimension,
        **span,
        **query.selector_filters(besides=query.dimension),
    )
    answer["breakdown"] = [
        {
            "value": row.value,
            "label": row.label,
            "values": {k: _number(v) for k, v in row.values.items()},
        }
        for row in rows
    ]
    return answer
