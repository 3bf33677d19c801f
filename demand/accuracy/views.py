"""The forecast accuracy page: tiles, the rolling three-month trend, breakdowns and the worst
SKU-locations of the user's location scope (demand.accuracy.selectors)."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from demand.accuracy.forms import KIND_CHOICES, AccuracyQueryForm
from demand.accuracy.page import accuracy_tiles, metric_texts, trend_figure
from demand.accuracy.pooling import METRICS
from demand.accuracy.selectors import AccuracyReport, forecast_accuracy
from governance.selectors import location_scope
from sop_platform.querystrings import query_with, query_without

VIEW_ACCURACY = "demand.view_forecast"
TEMPLATE = "demand/accuracy/accuracy.html"
FILTERS = {"location": "location", "category": "category"}
"""Breakdowns that filter the page to a row (dimension: parameter)."""


@require_GET
@permission_required(VIEW_ACCURACY, raise_exception=True)
def accuracy(request: HttpRequest) -> HttpResponse:
    """Forecast accuracy over the window, with an empty state when nothing can be measured; a
    bad parameter is a 400 naming it."""
    scope = location_scope(user=request.user)
    form = AccuracyQueryForm(request.GET, scope=scope)
    context = {"form": form, "metrics": METRICS, "kinds": KIND_CHOICES}
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    query = form.query()
    report = forecast_accuracy(scope=scope, query=query, today=timezone.localdate())
    context |= {"query": query, "report": report, "scope_empty": scope.is_empty}
    if report is not None:
        context |= _shown(request, report)
    return render(request, TEMPLATE, context)


def _shown(request: HttpRequest, report: AccuracyReport) -> dict:
    """Tiles, trend, breakdown tables and worst SKU-locations as text."""
    base = query_without(request, "location", "category")
    breakdown = {
        name: [
            {
                "label": row.label,
                "query": query_with(base, **{FILTERS[name]: str(row.label)})
                if name in FILTERS and row.value != ""
                else None,
                "pairs": row.pairs,
                "values": metric_texts(row.values),
            }
            for row in rows
        ]
        for name, rows in report.breakdown.items()
    }
    return {
        "tiles": accuracy_tiles(report),
        "figure": trend_figure(report),
        "trend": [(month, metric_texts(values)) for month, values in report.trend],
        "breakdown": breakdown,
        "worst": [(row, metric_texts(row.values)) for row in report.worst],
    }
