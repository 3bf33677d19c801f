"""The KPI page (trends, headline tiles, drill-down), its Recompute button and the progress
of a recompute. Reads come from governance.kpis.selectors within the user's location scope;
the recompute is governance.kpis.services'."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from governance.choices import KpiRefreshStatus
from governance.kpis.definitions import KPIS
from governance.kpis.forms import KpiQuery, KpiQueryForm
from governance.kpis.models import KpiRefresh
from governance.kpis.page import breakdown_rows, kpi_charts, kpi_tiles
from governance.kpis.selectors import DIMENSIONS, kpi_breakdown, kpi_latest_period, kpi_series
from governance.kpis.services import REFRESH_PERMISSION, kpi_refresh_start
from governance.selectors import LocationScope, location_scope
from sop_platform.querystrings import query_without

VIEW_KPIS = "governance.view_kpisnapshot"
VIEW_REFRESHES = "governance.view_kpirefresh"
TEMPLATE = "governance/kpis.html"
ACTIVE = (KpiRefreshStatus.QUEUED, KpiRefreshStatus.RUNNING)
DRILL_DOWN = ("location", "category", "segment")


@require_GET
@permission_required(VIEW_KPIS, raise_exception=True)
def kpis(request: HttpRequest) -> HttpResponse:
    """The picked KPIs' trends over the span, weekly or monthly, with tiles and a drill-down
    table; an empty state before any KPI is computed. A bad parameter is a 400 naming it."""
    scope = location_scope(user=request.user)
    form = KpiQueryForm(request.GET, scope=scope)
    context = {
        "form": form,
        "kpis": KPIS,
        "dimensions": DIMENSIONS,
        "refresh": KpiRefresh.objects.select_related("started_by").first(),
        "can_refresh": request.user.has_perm(REFRESH_PERMISSION),
        "active": ACTIVE,
    }
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    query = form.query(latest=kpi_latest_period(scope=scope, with_demand=True))
    context["query"] = query
    if query.last is not None:
        context.update(_trends(request, scope, query))
    return render(request, TEMPLATE, context)


def _trends(request: HttpRequest, scope: LocationScope, query: KpiQuery) -> dict:
    """Tiles, charts and the drill-down table of a valid query (four queries); the table
    lists every value of its dimension, the one filtered to marked."""
    span = {"first": query.first, "last": query.last}
    series = kpi_series(
        scope=scope, keys=query.keys, grain=query.grain, **span, **query.selector_filters()
    )
    rows = kpi_breakdown(
        scope=scope,
        keys=query.keys,
        dimension=query.dimension,
        **span,
        **query.selector_filters(besides=query.dimension),
    )
    drill = query_without(request, query.dimension)
    return {
        "tiles": kpi_tiles(series, query.keys, query.grain),
        "charts": kpi_charts(series, query.keys),
        "breakdown": breakdown_rows(rows, query, dict(drill.lists())),
        "columns": [kpi for kpi in KPIS if kpi.key in query.keys],
        "clear": {name: query_without(request, name).urlencode() for name in DRILL_DOWN},
    }


@require_POST
@permission_required(REFRESH_PERMISSION, raise_exception=True)
def kpi_refresh(request: HttpRequest) -> HttpResponse:
    """Queue a recompute of every week with a stock position; back to the KPI page, which
    shows its progress."""
    try:
        refresh = kpi_refresh_start(user=request.user)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(
            request,
            f"Recomputing the KPIs of the weeks {refresh.first_period:%-d %b %Y} to "
            f"{refresh.last_period:%-d %b %Y} ({refresh.periods_total} weeks).",
        )
    return redirect("governance:kpis")


@require_GET
@permission_required(VIEW_REFRESHES, raise_exception=True)
def kpi_refresh_status(request: HttpRequest, pk: int) -> JsonResponse:
    """A recompute's progress, for the page to follow it."""
    refresh = get_object_or_404(KpiRefresh, pk=pk)
    return JsonResponse(
        {
            "status": refresh.status,
            "status_label": refresh.get_status_display(),
            "periods_done": refresh.periods_done,
            "periods_total": refresh.periods_total,
            "active": refresh.status in ACTIVE,
            "error": refresh.error.splitlines()[-1] if refresh.error else "",
        }
    )
