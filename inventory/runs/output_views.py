"""Pages of a run's outputs: its recommendations (with a CSV download) and the exceptions it
raised, with a form to handle each through ``governance.services``.

Rows are limited to the user's locations by the selectors; these views only translate HTTP.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from governance.choices import RUN_EXCEPTION_KINDS, ExceptionStatus, Severity
from governance.filtersets import PlanningExceptionFilterSet
from governance.forms import (
    ExceptionHandleForm,
    exception_handle,
    exception_owner_candidates,
    exception_row,
)
from governance.proposals import PROPOSE
from governance.selectors import location_scope
from governance.services import HANDLE_EXCEPTIONS
from inventory.filtersets import PolicyRecommendationFilterSet
from inventory.models import PolicyRecommendation
from inventory.runs.models import PolicyRun
from inventory.runs.scope import SEGMENTS
from inventory.runs.selectors import exceptions_visible_to, recommendations_visible_to
from sop_platform.display import mean_sd, percent, units
from sop_platform.querystrings import int_or_none, query_without
from sop_platform.spreadsheet import csv_lines

VIEW_RECOMMENDATIONS = "inventory.view_policyrecommendation"
VIEW_EXCEPTIONS = "governance.view_planningexception"
OUTPUTS_PER_PAGE = 50


def _filter_data(request: HttpRequest) -> QueryDict:
    """The query string as filter input: the run comes from the URL; page and handle (the
    exception whose form is open) are not filters."""
    return query_without(request, "run", "page", "handle")


def _recommendation_filters(request: HttpRequest, run: PolicyRun):
    queryset = recommendations_visible_to(user=request.user, run=run)
    return PolicyRecommendationFilterSet(_filter_data(request), queryset=queryset)


@require_GET
@permission_required(VIEW_RECOMMENDATIONS, raise_exception=True)
def run_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's recommendations at the user's locations, filtered, 50 a page."""
    run = get_object_or_404(PolicyRun, pk=pk)
    filters = _recommendation_filters(request, run)
    page = Paginator(filters.qs, OUTPUTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [_recommendation_row(rec) for rec in page.object_list]
    location_choices = location_scope(user=request.user).locations()
    context = {
        "run": run,
        "page": page,
        "filters": filters,
        "segments": SEGMENTS,
        "location_codes": list(location_choices.order_by("code").values_list("code", flat=True)),
        "query": _filter_data(request).urlencode(),
        "can_propose": request.user.has_perm(PROPOSE),
    }
    return render(request, "runs/recommendations.html", context)


def _recommendation_row(rec: PolicyRecommendation) -> dict:
    """A recommendation's figures as the table shows them."""
    return {
        "rec": rec,
        "service_target": percent(rec.service_target),
        "demand": mean_sd(rec.demand_mean, rec.demand_sd),
        "demand_sd_source": rec.demand_sd_source.replace("_", " "),
        "lead_time": mean_sd(rec.lead_time_mean, rec.lead_time_sd),
        "safety_stock": units(rec.safety_stock),
        "reorder_point": units(rec.reorder_point),
        "order_quantity": units(rec.order_quantity),
        "min_max": (
            "—"
            if rec.min_level is None and rec.max_level is None
            else f"{units(rec.min_level)} / {units(rec.max_level)}"
        ),
        "expected_service": percent(rec.expected_service),
        "current_safety_stock": units(rec.current_safety_stock),
        "safety_stock_change": percent(rec.safety_stock_change, signed=True),
        "recommended_qty": units(rec.recommended_qty),
        "reasons": [
            (kind, code)
            for kind, codes in (
                ("stockout", rec.stockout_reasons),
                ("excess", rec.excess_reasons),
                ("data", rec.data_quality_reasons),
            )
            for code in codes
        ],
    }


CSV_COLUMNS = {  # header: lookup of PolicyRecommendation
    "sku": "item__sku",
    "location": "location__code",
    "segment": "segment",
    "service_target": "service_target",
    "service_type": "service_type",
    "demand_mean_per_period": "demand_mean",
    "demand_sd_per_period": "demand_sd",
    "demand_sd_source": "demand_sd_source",
    "lead_time_mean_periods": "lead_time_mean",
    "lead_time_sd_periods": "lead_time_sd",
    "lead_time_basis": "lead_time_basis",
    "safety_stock": "safety_stock",
    "reorder_point": "reorder_point",
    "order_quantity": "order_quantity",
    "min_level": "min_level",
    "max_level": "max_level",
    "expected_service": "expected_service",
    "current_safety_stock": "current_safety_stock",
    "safety_stock_change": "safety_stock_change",
    "recommended_qty": "recommended_qty",
    "stockout_reasons": "stockout_reasons",
    "excess_reasons": "excess_reasons",
    "data_quality_reasons": "data_quality_reasons",
    "blocked": "blocked",
}


@require_GET
@permission_required(VIEW_RECOMMENDATIONS, raise_exception=True)
def run_recommendations_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The filtered recommendations as CSV, streamed (shares as fractions, reasons joined
    with ";")."""
    run = get_object_or_404(PolicyRun, pk=pk)
    filters = _recommendation_filters(request, run)
    rows = filters.qs.values_list(*CSV_COLUMNS.values()).iterator(chunk_size=2000)
    response = StreamingHttpResponse(
        csv_lines(CSV_COLUMNS, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-recommendations.csv"'
    return response


@require_GET
@permission_required(VIEW_EXCEPTIONS, raise_exception=True)
def run_exceptions(request: HttpRequest, pk: int) -> HttpResponse:
    """The exceptions this run last raised at the user's locations, filtered, 50 a page;
    users who may handle exceptions get a form per row."""
    run = get_object_or_404(PolicyRun, pk=pk)
    return _exceptions_page(request, run)


@require_POST
@permission_required([VIEW_EXCEPTIONS, HANDLE_EXCEPTIONS], raise_exception=True)
def run_exception_update(request: HttpRequest, pk: int, exception_pk: int) -> HttpResponse:
    """Assign, progress, resolve or dismiss one exception through the service; on an error,
    the exceptions page again with the messages next to the fields. A change based on an
    older version than the stored one (someone else saved meanwhile) answers 409 with the
    form showing the exception as stored now."""
    run = get_object_or_404(PolicyRun, pk=pk)
    exception = get_object_or_404(
        exceptions_visible_to(user=request.user, run=run), pk=exception_pk
    )
    owners = exception_owner_candidates()
    outcome = exception_handle(request.POST, exception=exception, user=request.user, owners=owners)
    if not outcome.saved:
        response = _exceptions_page(request, run, bound=outcome.form)
        response.status_code = 409 if outcome.conflict else 200
        return response
    if outcome.changed:
        messages.success(request, f"Exception #{exception.pk} updated.")
    else:
        messages.info(request, f"Exception #{exception.pk}: nothing changed.")
    url = reverse("inventory:run-exceptions", args=[run.pk])
    query = query_without(request, "handle").urlencode()
    return redirect(f"{url}{'?' + query if query else ''}#exception-{exception.pk}")


def _exceptions_page(
    request: HttpRequest, run: PolicyRun, *, bound: ExceptionHandleForm | None = None
) -> HttpResponse:
    """The exceptions page; the row named by ``?handle=`` gets the handling form, or the row
    of ``bound``, a form that failed, with its errors."""
    filters = PlanningExceptionFilterSet(
        _filter_data(request), queryset=exceptions_visible_to(user=request.user, run=run)
    )
    page = Paginator(filters.qs, OUTPUTS_PER_PAGE).get_page(request.GET.get("page"))
    can_handle = request.user.has_perm(HANDLE_EXCEPTIONS)
    handle = bound.exception.pk if bound else int_or_none(request.GET.get("handle"))
    today = timezone.localdate()
    rows = []
    for exception in page.object_list:
        form = None
        if bound is not None and exception.pk == handle:
            form, bound = bound, None
        elif can_handle and exception.pk == handle:
            owners = exception_owner_candidates()
            form = ExceptionHandleForm(exception=exception, owners=owners)
        rows.append(exception_row(exception, form, today))
    page.object_list = rows
    context = {
        "run": run,
        "page": page,
        "filters": filters,
        "can_handle": can_handle,
        "unplaced_form": bound,  # a failed form whose row is no longer on this page
        "kinds": RUN_EXCEPTION_KINDS,  # what runs raise (escalations are not theirs)
        "severities": Severity.choices,
        "statuses": ExceptionStatus.choices,
        "chosen_statuses": request.GET.getlist("status"),
    }
    return render(request, "runs/exceptions.html", context)
