"""Pages of optimization runs: the list with the start form, a run's detail with live progress,
its progress as JSON for the page's polling, cancelling, the operations view, and a run's
outputs: its recommendations (also as CSV) and the exceptions it last raised, to handle.

Every write goes through ``inventory.runs.services``; these views only translate HTTP.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import (
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.choices import ExceptionKind
from governance.selectors import location_scope
from inventory.engine.calibration import GROUP_MIN_ROWS
from inventory.runs.calibration import origins_text
from inventory.runs.charts import (
    exception_backlog_figure,
    run_duration_figure,
    run_failure_figure,
)
from inventory.runs.forms import RunStartForm
from inventory.runs.models import PolicyRun, RunLogEntry
from inventory.runs.parameters import OPTIMIZED_ONLY, ParameterError
from inventory.runs.portfolio import asked_text, percent
from inventory.runs.replay import replay_sentence, share_text
from inventory.runs.scope import RunScope, ScopeError, scope_resolve
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
    locations = location_scope(user=request.user).locations()
    form = RunStartForm(locations=locations) if can_start else None
    if request.method == "POST":
        if not can_start:
            raise PermissionDenied
        form = RunStartForm(request.POST, locations=locations)
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
    except PermissionDenied as denied:
        form.add_error("locations", str(denied))
    except RunConflict as conflict:
        form.add_error(None, str(conflict))
    return None


@require_GET
@permission_required(VIEW_RUNS, raise_exception=True)
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one run; while it is active, runs.js polls ``run_progress_json``."""
    run = get_object_or_404(runs_list(), pk=pk)
    batches = list(run.batches.defer("portfolio"))  # pass 1's summaries are 130 kB each
    log = list(run_log_entries(run))
    progress = run_progress(run)
    context = {
        "run": run,
        "progress": progress,
        "passes": passes_text(progress["passes"]),
        "elapsed": duration_text(run.duration_seconds),
        "scope": RunScope.from_json(run.scope).describe(),
        "parameters": _parameter_rows(run.parameters),
        "snapshot": _snapshot_rows(run.snapshot),
        "backtest": backtest_text(run.snapshot.get("backtest")),
        "calibration": calibration_rows(run.snapshot.get("calibration")),
        "portfolio": portfolio_rows(run.parameters, run.snapshot.get("portfolio")),
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
        if name in OPTIMIZED_ONLY and value is None:  # not asked (or service classes)
            continue
        if name == "service_classes":
            text = ", ".join(f"{code} {t:g} {kind}" for code, (t, kind) in (value or {}).items())
        else:
            text = _value_text(value)
        rows.append((_label(name), text))
    return rows


SHOWN_APART = ("backtest", "calibration", "portfolio")  # snapshot entries with a section


def _snapshot_rows(snapshot: dict) -> list[tuple[str, str]]:
    return [
        (_label(name), rules_text(value) if name == "exception_rules" else _value_text(value))
        for name, value in snapshot.items()
        if name not in SHOWN_APART
    ]


def rules_text(rules: dict) -> str:
    """The exception rules a run applied, one clause per kind: "Stock-out risk: from 50 at
    risk; Data quality: always; Excess risk: off"."""
    kinds = dict(ExceptionKind.choices)
    clauses = []
    for kind, rule in rules.items():
        if not rule["enabled"]:
            clauses.append(f"{kinds.get(kind, kind)}: off")
            continue
        terms = (
            [f"from {rule['min_money_at_risk']:,g} at risk"] if rule["min_money_at_risk"] else []
        )
        if rule.get("min_relative_change"):
            terms.append(f"safety stock change of {rule['min_relative_change']:.0%} or more")
        clauses.append(f"{kinds.get(kind, kind)}: {' and '.join(terms) or 'always'}")
    return "; ".join(clauses)


def backtest_text(summary: dict | None) -> dict | None:
    """The replay summary of a run as the page says it: the sentence, and the table rows
    (policies, SKU-locations, demand, fill, average stock value, orders, holding + ordering
    cost)."""
    if not summary:
        return None
    compared = summary["sku_locations"], summary["demand"]
    planned = summary["planned"]
    rows = [
        ("Our policies", *compared, summary["ours"]),
        ("Your current min/max", *compared, summary["current"]),
        (
            "Our policies, every SKU-location planned",
            planned["sku_locations"],
            planned["demand"],
            planned,
        ),
    ]
    return {
        "sentence": replay_sentence(summary),
        "promised": share_text(summary["promised"]),
        "rows": [
            (
                name,
                f"{count:,}",
                f"{demand:,.0f}",
                share_text(side["fill"]),
                f"{side['average_value']:,.0f}",
                f"{side['orders']:,}" if "orders" in side else "—",
                f"{side['cost']:,.0f}" if "cost" in side else "—",
            )
            for name, count, demand, side in rows
        ],
        "out_of_sample": summary.get("out_of_sample", False),
    }


def calibration_rows(calibration: dict | None) -> dict | None:
    """A run's calibration evidence as the page shows it: where it comes from, and per group
    pattern (service type), rows, promised, achieved before → after, correction."""
    if not calibration:
        return None
    if calibration["source"] == "reused":
        origin = f"Reused from run #{calibration['run_id']}, which stored the segmentation."
    else:
        origin = (
            f"Measured on {calibration['sku_locations']:,} SKU-locations of this run: "
            f"{origins_text(calibration)}."
        )
    return {
        "origin": origin,
        "min_rows": GROUP_MIN_ROWS,
        "groups": [
            {
                "pattern": f"{group['pattern']} ({group['service_type']})",
                "rows": rows_text(group),
                "promised": share_text(group["promised"]),
                "achieved": f"{share_text(group['achieved_before'])} → "
                f"{share_text(group['achieved_after'])}",
                "factor": f"× {group['factor']:.2f}",
            }
            for group in calibration["groups"]
        ],
    }


def rows_text(group: dict) -> str:
    """A calibration group's rows, with the effective number its factor rests on (Kish's,
    rows weighted by their demand) where the run stored it."""
    effective = group.get("effective_rows")
    if effective is None:
        return f"{group['rows']:,}"
    return f"{group['rows']:,} ({effective:,.0f} effective)"


def portfolio_rows(parameters: dict, figures: dict | None) -> dict | None:
    """An optimized run's figures as the page shows them: what was asked, the model aggregate
    fill and stock value pass 2 achieved (expected, from the solve, until it has), the rows
    at each bound, the bounds and their reach, the threshold. None before the solve."""
    if not figures:
        return None
    outcome = figures.get("outcome")
    achieved = outcome or figures["expected"]
    band = parameters.get("service_band")
    bounds = f"{percent(parameters['min_service'])} to {percent(parameters['max_service'])}"
    if band is not None:
        bounds = f"class target ± {band * 100:g} pp, within {bounds}"
    low, high = figures["reach"]["lowest"], figures["reach"]["highest"]
    return {
        "asked": asked_text(figures["asked"]),
        "achieved": outcome is not None,
        "fill": percent(achieved["fill"]),
        "stock_value": f"{achieved['stock_value']:,.0f}",
        "at_lower": f"{outcome['at_lower']:,}" if outcome else "—",
        "at_upper": f"{outcome['at_upper']:,}" if outcome else "—",
        "between": f"{outcome['between']:,}" if outcome else "—",
        "bounds": bounds,
        "reach": (
            f"{percent(low['fill'])} at {low['stock_value']:,.0f} (every SKU-location at its "
            f"lower bound) to {percent(high['fill'])} at {high['stock_value']:,.0f}"
        ),
        "threshold": f"{figures['threshold']:.4g}",
    }


def passes_text(passes: list[dict]) -> str:
    """'Pass 1: service-level curves: 3 of 3 batches · Pass 2: …' ('' for one pass)."""
    return " · ".join(
        f"{p['label']}: {p['done_batches']:,} of {p['total_batches']:,} batches" for p in passes
    )


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
    progress = run_progress(run)
    return JsonResponse(
        {
            **progress,
            "passes_text": passes_text(progress["passes"]),
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
    scope = location_scope(user=request.user)
    days = run_daily_stats(days=OPERATIONS_DAYS)
    backlog = exception_backlog(scope=scope)
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
        "staleness": policy_staleness(scope=scope, max_age_days=STALE_POLICY_DAYS),
        "backlog": backlog,
        "duration_chart": figure_payload(run_duration_figure(days)),
        "failure_chart": figure_payload(run_failure_figure(days)),
        "backlog_chart": figure_payload(exception_backlog_figure(backlog)),
    }
    return render(request, "runs/operations.html", context)
