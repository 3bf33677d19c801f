"""Pages of optimization runs: the list with the start form, a run's detail with live progress,
its progress as JSON for the page's polling, cancelling, the operations view, and a run's
outputs: its recommendations (also as CSV) and the exceptions it last raised, to handle.

Every write goes through ``inventory.runs.services``; these views only translate HTTP.
"""

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.choices import OPEN_EXCEPTION_STATUSES, ExceptionKind, ExceptionStatus, Severity
from governance.filtersets import PlanningExceptionFilterSet
from governance.forms import ExceptionHandleForm, exception_owner_candidates
from governance.models import PlanningException
from governance.selectors import scope_locations
from governance.services import HANDLE_EXCEPTIONS, planning_exception_update
from inventory.filtersets import PolicyRecommendationFilterSet
from inventory.models import Location, PolicyRecommendation
from inventory.runs.charts import (
    exception_backlog_figure,
    run_duration_figure,
    run_failure_figure,
)
from inventory.runs.forms import RunStartForm
from inventory.runs.models import PolicyRun, RunLogEntry
from inventory.runs.parameters import ParameterError
from inventory.runs.scope import SEGMENTS, RunScope, ScopeError, scope_resolve
from inventory.runs.selectors import (
    exception_backlog,
    policy_staleness,
    run_daily_stats,
    run_log_entries,
    run_progress,
    run_stage_timings,
    runs_list,
    runs_with_totals,
)
from inventory.runs.services import RunConflict, policy_run_cancel, policy_run_start
from sop_platform.charts import figure_payload

VIEW_RUNS = "inventory.view_policyrun"
START_RUNS = "inventory.start_policyrun"
VIEW_RECOMMENDATIONS = "inventory.view_policyrecommendation"
VIEW_EXCEPTIONS = "governance.view_planningexception"
RUNS_PER_PAGE = 25
OUTPUTS_PER_PAGE = 50
LOG_LINES_PER_POLL = 500
OPERATIONS_DAYS = 90
STALE_POLICY_DAYS = 90


def duration_text(seconds: float | None) -> str:
    """Seconds as "4.2 s", "3 min 12 s" or "2 h 05 min"; an em dash when unknown."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_RUNS, raise_exception=True)
def run_list(request: HttpRequest) -> HttpResponse:
    """Runs, newest first, 25 a page; planners and managers also get the start form."""
    can_start = request.user.has_perm(START_RUNS)
    form = RunStartForm() if can_start else None
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied
        form = RunStartForm(request.POST)
        run = _start(request, form)
        if run is not None:
            messages.success(request, f"Run #{run.pk} started.")
            return redirect("inventory:run-detail", pk=run.pk)
    page = Paginator(runs_with_totals(), RUNS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for run in page.object_list:
        run.scope_text = RunScope.from_json(run.scope).describe()
        run.duration_text = duration_text(run.duration_seconds)
    return render(request, "runs/list.html", {"page": page, "form": form})


def _start(request: HttpRequest, form: RunStartForm) -> PolicyRun | None:
    """Start the run the form asks for; on a refusal, put the reason on the form."""
    if not form.is_valid():
        return None
    try:
        return policy_run_start(
            scope=scope_resolve(**form.scope_codes()),
            parameters=form.parameters(),
            actor=request.user,
            description=form.cleaned_data["description"],
        )
    except (ScopeError, ParameterError) as error:
        form.add_service_error(error)
    except RunConflict as conflict:
        form.add_error(None, str(conflict))
    return None


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one run; while it is active, runs.js polls ``run_progress_json``."""
    run = get_object_or_404(runs_list(), pk=pk)
    batches = list(run.batches.all())
    log = list(run_log_entries(run))
    context = {
        "run": run,
        "progress": run_progress(run),
        "elapsed": duration_text(run.duration_seconds),
        "scope": RunScope.from_json(run.scope).describe(),
        "parameters": _parameter_rows(run.parameters),
        "snapshot": _snapshot_rows(run.snapshot),
        "stages": run_stage_timings(run, batches),
        "batches": [_batch_row(batch) for batch in batches],
        "log": log,
        "last_log_id": log[-1].pk if log else 0,
        "admin_recommendations_url": (
            f"{reverse('admin:inventory_policyrecommendation_changelist')}?run__id__exact={run.pk}"
        ),
        "admin_exceptions_url": (
            f"{reverse('admin:governance_planningexception_changelist')}"
            f"?last_run__id__exact={run.pk}"
        ),
    }
    return render(request, "runs/detail.html", context)


LABELS = {
    "as_of": "As of (history ends before)",
    "abc_cutoffs": "ABC cut-offs (annual value A/B, B/C)",
    "sku_locations": "SKU-locations",
    "sku_locations_with_demand_last_year": "SKU-locations with demand last year",
    "service_classes": "Service classes (target, type)",
}


def _label(name: str) -> str:
    return LABELS.get(name) or name.replace("_", " ").capitalize()


def _value_text(value) -> str:
    """A stored parameter or snapshot value, readable (long lists cut after 20)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 1000 else f"{value:g}"
    if isinstance(value, list):
        shown = ", ".join(_value_text(v) for v in value[:20])
        return shown + (f" … ({len(value)} in all)" if len(value) > 20 else "")
    return str(value)


def _parameter_rows(parameters: dict) -> list[tuple[str, str]]:
    rows = []
    for name, value in parameters.items():
        if name == "service_classes":
            text = ", ".join(f"{code} {t:g} {kind}" for code, (t, kind) in (value or {}).items())
        else:
            text = _value_text(value)
        rows.append((_label(name), text))
    return rows


def _snapshot_rows(snapshot: dict) -> list[tuple[str, str]]:
    return [(_label(name), _value_text(value)) for name, value in snapshot.items()]


def _batch_row(batch) -> dict:
    seconds = None
    if batch.started_at and batch.finished_at:
        seconds = (batch.finished_at - batch.started_at).total_seconds()
    return {"batch": batch, "duration": duration_text(seconds)}


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def run_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    """``run_progress`` plus the log lines with an id above ``?after=``, for the detail page."""
    run = get_object_or_404(PolicyRun, pk=pk)
    try:
        after = max(int(request.GET.get("after", 0)), 0)
    except ValueError:
        after = 0
    log = run_log_entries(run, after=after)[:LOG_LINES_PER_POLL]
    return JsonResponse(
        {
            **run_progress(run),
            "status_display": run.get_status_display(),
            "active": run.is_active,
            "cancel_requested": run.cancel_requested,
            "elapsed": duration_text(run.duration_seconds),
            "log": [_log_json(entry) for entry in log],
        }
    )


def _log_json(entry: RunLogEntry) -> dict:
    return {
        "id": entry.pk,
        "at": timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
        "level": entry.level,
        "batch": entry.batch_number,
        "message": entry.message,
    }


@require_POST
@permission_required(START_RUNS, raise_exception=True)
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel an active run (queued batches stop; running ones finish)."""
    run = get_object_or_404(PolicyRun, pk=pk)
    if run.is_active:
        run = policy_run_cancel(run, actor=request.user)
        messages.success(request, f"Cancel requested for run #{run.pk}.")
    else:
        messages.info(request, f"Run #{run.pk} had already finished.")
    return redirect("inventory:run-detail", pk=run.pk)


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def operations(request: HttpRequest) -> HttpResponse:
    """Run durations and failures over time, stale policies and the exception backlog."""
    days = run_daily_stats(days=OPERATIONS_DAYS)
    backlog = exception_backlog()
    finished = sum(d.finished for d in days)
    failed = sum(d.failed for d in days)
    context = {
        "days": [
            {"day": d, "median": duration_text(d.median_duration_seconds)} for d in reversed(days)
        ],
        "window_days": OPERATIONS_DAYS,
        "runs_total": sum(d.runs for d in days),
        "failed_total": failed,
        "failed_share": failed / finished if finished else None,
        "staleness": policy_staleness(max_age_days=STALE_POLICY_DAYS),
        "backlog": backlog,
        "duration_chart": figure_payload(run_duration_figure(days)),
        "failure_chart": figure_payload(run_failure_figure(days)),
        "backlog_chart": figure_payload(exception_backlog_figure(backlog)),
    }
    return render(request, "runs/operations.html", context)


# --- A run's outputs: recommendations and exceptions --------------------------------------


def _at_user_locations(
    queryset: QuerySet, locations: QuerySet[Location] | None, path: str = "location"
) -> QuerySet:
    """``queryset`` limited to ``scope_locations``' answer (None: no limit)."""
    return queryset if locations is None else queryset.filter(**{f"{path}__in": locations})


def _filter_data(request: HttpRequest):
    """The query string as filter input; the run comes from the URL, the page is not a filter."""
    data = request.GET.copy()
    for name in ("run", "page"):
        data.pop(name, None)
    return data


def _recommendation_filters(request: HttpRequest, run: PolicyRun, locations):
    queryset = _at_user_locations(
        PolicyRecommendation.objects.filter(run=run).select_related("item", "location"),
        locations,
    ).order_by("item__sku", "location__code")
    return PolicyRecommendationFilterSet(_filter_data(request), queryset=queryset)


@require_GET
@permission_required(VIEW_RECOMMENDATIONS, raise_exception=True)
def run_recommendations(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's recommendations at the user's locations, filtered, 50 a page."""
    run = get_object_or_404(PolicyRun, pk=pk)
    locations = scope_locations(user=request.user)
    filters = _recommendation_filters(request, run, locations)
    page = Paginator(filters.qs, OUTPUTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = [_recommendation_row(rec) for rec in page.object_list]
    location_choices = Location.objects.all() if locations is None else locations
    context = {
        "run": run,
        "page": page,
        "filters": filters,
        "segments": SEGMENTS,
        "location_codes": list(location_choices.order_by("code").values_list("code", flat=True)),
        "query": _filter_data(request).urlencode(),
    }
    return render(request, "runs/recommendations.html", context)


def _units(value: float | None) -> str:
    """Units to one decimal with thousands separators; an em dash when not computed."""
    return "—" if value is None else f"{value:,.1f}"


def _percent(share: float | None, *, signed: bool = False) -> str:
    """A share as a percentage to one decimal, ".0" dropped: 0.95 -> "95 %"."""
    if share is None:
        return "—"
    text = f"{share * 100:{'+' if signed else ''},.1f}".removesuffix(".0")
    return f"{text} %"


def _recommendation_row(rec: PolicyRecommendation) -> dict:
    """A recommendation's figures as the table shows them."""
    return {
        "rec": rec,
        "service_target": _percent(rec.service_target),
        "demand_mean": _units(rec.demand_mean),
        "demand_sd": _units(rec.demand_sd),
        "lead_time_mean": _units(rec.lead_time_mean),
        "lead_time_sd": _units(rec.lead_time_sd),
        "safety_stock": _units(rec.safety_stock),
        "reorder_point": _units(rec.reorder_point),
        "order_quantity": _units(rec.order_quantity),
        "min_level": _units(rec.min_level),
        "max_level": _units(rec.max_level),
        "expected_service": _percent(rec.expected_service),
        "current_safety_stock": _units(rec.current_safety_stock),
        "safety_stock_change": _percent(rec.safety_stock_change, signed=True),
        "recommended_qty": _units(rec.recommended_qty),
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


class _Echo:
    """A file-like object whose ``write`` hands the line back, for streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


@require_GET
@permission_required(VIEW_RECOMMENDATIONS, raise_exception=True)
def run_recommendations_csv(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The filtered recommendations as CSV, streamed (shares as fractions, reasons joined
    with ";")."""
    run = get_object_or_404(PolicyRun, pk=pk)
    filters = _recommendation_filters(request, run, scope_locations(user=request.user))
    rows = filters.qs.values_list(*CSV_COLUMNS.values()).iterator(chunk_size=2000)
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="run-{run.pk}-recommendations.csv"'
    return response


def _csv_lines(rows: Iterator[tuple]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for row in rows:
        yield writer.writerow(
            ";".join(value) if isinstance(value, list) else value for value in row
        )


def _run_exceptions(run: PolicyRun, locations) -> QuerySet[PlanningException]:
    return _at_user_locations(
        PlanningException.objects.filter(last_run=run).select_related("item", "location", "owner"),
        locations,
    )


@require_GET
@permission_required(VIEW_EXCEPTIONS, raise_exception=True)
def run_exceptions(request: HttpRequest, pk: int) -> HttpResponse:
    """The exceptions this run last raised at the user's locations, filtered, 50 a page;
    users who may handle exceptions get a form per row."""
    run = get_object_or_404(PolicyRun, pk=pk)
    return _exceptions_page(request, run, scope_locations(user=request.user))


@require_POST
@permission_required([VIEW_EXCEPTIONS, HANDLE_EXCEPTIONS], raise_exception=True)
def run_exception_update(request: HttpRequest, pk: int, exception_pk: int) -> HttpResponse:
    """Assign, progress, resolve or dismiss one exception through the service; on an error,
    the exceptions page again with the messages next to the fields."""
    run = get_object_or_404(PolicyRun, pk=pk)
    locations = scope_locations(user=request.user)
    exception = get_object_or_404(_run_exceptions(run, locations), pk=exception_pk)
    form = ExceptionHandleForm(
        request.POST, exception=exception, owners=exception_owner_candidates()
    )
    if form.is_valid():
        changes = form.changes()
        try:  # PermissionDenied goes on to Django: 403
            planning_exception_update(exception=exception, user=request.user, **changes)
        except ValidationError as error:
            form.add_service_error(error)
        else:
            if changes:
                messages.success(request, f"Exception #{exception.pk} updated.")
            else:
                messages.info(request, f"Exception #{exception.pk}: nothing changed.")
            url = reverse("inventory:run-exceptions", args=[run.pk])
            query = request.GET.urlencode()
            return redirect(f"{url}{'?' + query if query else ''}#exception-{exception.pk}")
    return _exceptions_page(request, run, locations, bound=form)


def _exceptions_page(
    request: HttpRequest,
    run: PolicyRun,
    locations: QuerySet[Location] | None,
    *,
    bound: ExceptionHandleForm | None = None,
) -> HttpResponse:
    """The exceptions page; ``bound`` is a form that failed, shown on its row."""
    filters = PlanningExceptionFilterSet(
        _filter_data(request), queryset=_run_exceptions(run, locations)
    )
    page = Paginator(filters.qs, OUTPUTS_PER_PAGE).get_page(request.GET.get("page"))
    can_handle = request.user.has_perm(HANDLE_EXCEPTIONS)
    owners = list(exception_owner_candidates()) if can_handle else []
    today = timezone.localdate()
    rows = []
    for exception in page.object_list:
        form = None
        if bound is not None and bound.exception.pk == exception.pk:
            form, bound = bound, None
        elif can_handle:
            form = ExceptionHandleForm(exception=exception, owners=owners)
        rows.append(_exception_row(exception, form, today))
    page.object_list = rows
    context = {
        "run": run,
        "page": page,
        "filters": filters,
        "can_handle": can_handle,
        "unplaced_form": bound,  # a failed form whose row is no longer on this page
        "kinds": ExceptionKind.choices,
        "severities": Severity.choices,
        "statuses": ExceptionStatus.choices,
        "chosen_statuses": request.GET.getlist("status"),
        "query": _filter_data(request).urlencode(),
        "action_query": request.GET.urlencode(),
    }
    return render(request, "runs/exceptions.html", context)


def _exception_row(exception: PlanningException, form, today) -> dict:
    age = (today - timezone.localdate(exception.created_at)).days
    return {
        "exception": exception,
        "form": form,
        "open": form is not None and form.is_bound,
        "age": "today" if age == 0 else f"{age} d",
        "overdue": exception.status in OPEN_EXCEPTION_STATUSES and exception.due_date < today,
    }
