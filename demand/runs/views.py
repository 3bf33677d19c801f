"""Pages of forecast runs: the list with the start form, a run's detail (progress while it
runs, polled as JSON like the optimization runs page, and a cancel button), and a sample of
its rows.

Every write goes through ``demand.runs.services``; these views only translate HTTP. A user
sees the runs whose locations are all in their scope (``forecast_runs_visible_to``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from demand.choices import DemandClass, ForecastMethod
from demand.models import ForecastRun
from demand.runs.forms import ForecastRunStartForm
from demand.runs.selectors import (
    forecast_run_progress,
    forecast_run_sample,
    forecast_runs_visible_to,
)
from demand.runs.services import forecast_run_cancel, forecast_run_start
from governance.selectors import location_scope
from inventory.runs.parameters import ParameterError
from inventory.runs.scope import RunScope, ScopeError, scope_resolve
from inventory.runs.services import RunConflict
from inventory.runs.views import duration_text

VIEW_RUNS = "demand.view_forecastrun"
START_RUNS = "demand.start_forecastrun"
RUNS_PER_PAGE = 25
PARAMETER_LABELS = {
    "as_of": "As of (history ends before, forecasts start on)",
    "period_days": "Days per period",
    "horizon_periods": "Horizon (periods)",
    "holdout_periods": "Holdout (periods)",
    "season_length": "Season length (periods)",
    "history_periods": "History fitted (periods)",
    "interval": "Prediction interval coverage",
    "batch_size": "SKU-locations per batch",
}


@require_http_methods(["GET", "POST"])
@permission_required(VIEW_RUNS, raise_exception=True)
def run_list(request: HttpRequest) -> HttpResponse:
    """Forecast runs in the user's scope, newest first; planners and managers also get the
    start form."""
    can_start = request.user.has_perm(START_RUNS)
    locations = location_scope(user=request.user).locations()
    form = ForecastRunStartForm(locations=locations) if can_start else None
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied
        form = ForecastRunStartForm(request.POST, locations=locations)
        run = _start(request, form)
        if run is not None:
            messages.success(request, f"Forecast run #{run.pk} started.")
            return redirect("demand:run", pk=run.pk)
    runs = forecast_runs_visible_to(user=request.user)
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    for run in page.object_list:
        run.scope_text = RunScope.from_json(run.scope).describe()
        run.duration_text = duration_text(run.duration_seconds)
        run.percent = 100.0 * run.done_batches / run.total_batches if run.total_batches else 0
    return render(request, "demand/runs/list.html", {"page": page, "form": form})


def _start(request: HttpRequest, form: ForecastRunStartForm) -> ForecastRun | None:
    """Start the run the form asks for; on a refusal, put the reason on the form."""
    if not form.is_valid():
        return None
    try:
        return forecast_run_start(
            scope=scope_resolve(**form.scope_codes()),
            actor=request.user,
            description=form.cleaned_data["description"],
            as_of=form.cleaned_data["as_of"],
            parameters=form.parameters(),
        )
    except (ScopeError, ParameterError) as error:
        form.add_service_error(error)
    except PermissionDenied as denied:
        form.add_error("locations", str(denied))
    except RunConflict as conflict:
        form.add_error(None, str(conflict))
    return None


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One forecast run: progress (polled while active), parameters, the summary per method
    and demand class with holdout accuracy, stage timings, batches and a sample of rows."""
    run = get_object_or_404(forecast_runs_visible_to(user=request.user), pk=pk)
    context = {
        "run": run,
        "progress": forecast_run_progress(run),
        "elapsed": duration_text(run.duration_seconds),
        "scope": RunScope.from_json(run.scope).describe(),
        "parameters": [
            (PARAMETER_LABELS.get(name, name), value) for name, value in run.parameters.items()
        ],
        "summary": summary_rows(run.summary),
        "stages": [(stage, run.timings[stage]) for stage in run.timings],
        "batches": list(run.batches.all()),
        "sample": forecast_run_sample(run=run, user=request.user) if not run.is_active else [],
    }
    return render(request, "demand/runs/detail.html", context)


def summary_rows(summary: dict) -> dict | None:
    """The run summary with display names: rows per method and class, per class, overall."""
    if not summary:
        return None
    methods, classes = dict(ForecastMethod.choices), dict(DemandClass.choices)
    return {
        "methods": [
            {
                **row,
                "method": methods.get(row["method"], row["method"]),
                "demand_class": classes.get(row["demand_class"], row["demand_class"]),
            }
            for row in summary["methods"]
        ],
        "classes": [
            {**row, "demand_class": classes.get(row["demand_class"], row["demand_class"])}
            for row in summary["classes"]
        ],
        "overall": summary["overall"],
    }


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def run_progress_json(request: HttpRequest, pk: int) -> JsonResponse:
    """Progress for the detail page's polling (``static/js/runs.js``; forecast runs keep no
    log, so ``log`` is always empty)."""
    run = get_object_or_404(forecast_runs_visible_to(user=request.user), pk=pk)
    return JsonResponse(
        {
            **forecast_run_progress(run),
            "status_display": run.get_status_display(),
            "active": run.is_active,
            "cancel_requested": run.cancel_requested,
            "elapsed": duration_text(run.duration_seconds),
            "log": [],
        }
    )


@require_POST
@permission_required(START_RUNS, raise_exception=True)
def run_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel an active forecast run in the user's scope (queued batches stop; running ones
    finish)."""
    run = get_object_or_404(forecast_runs_visible_to(user=request.user), pk=pk)
    if run.is_active:
        run = forecast_run_cancel(run, actor=request.user)
        messages.success(request, f"Cancel requested for forecast run #{run.pk}.")
    else:
        messages.info(request, f"Forecast run #{run.pk} had already finished.")
    return redirect("demand:run", pk=run.pk)
