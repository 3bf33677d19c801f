"""Pages of the consensus plan: one SKU-location's plan (chart, editable consensus per
period with one rationale, live policy preview, override history, promotions) and the
approvals page of the overrides. Reads come from demand.consensus.selectors, writes go
through demand.consensus.services; these views only translate HTTP."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from demand.consensus.charts import plan_figure
from demand.consensus.forms import Decision, PlanForm, decision_of
from demand.consensus.preview import plan_preview
from demand.consensus.selectors import (
    ConsensusPlan,
    consensus_plan,
    forecast_settings,
    override_history,
    overrides_awaiting,
    overrides_by,
    overrides_in_scope,
)
from demand.consensus.services import DECIDE, SUBMIT, OverrideConflict, override_decide
from demand.consensus.services import overrides_submit as submit
from governance.selectors import NO_SCOPE_MESSAGE, location_scope
from inventory.models import Item, Location
from inventory.sku_location.selectors import item_of, latest_recommendation, location_in_scope

VIEW_FORECASTS = "demand.view_forecast"
VIEW_OVERRIDES = "demand.view_forecastoverride"
OWN_SHOWN = 100


def _sku_location(request: HttpRequest, item: int, location: int) -> tuple[Item, Location]:
    """The SKU-location, 404 for an unknown item or a location outside the scope."""
    found = get_object_or_404(location_in_scope(user=request.user, location_pk=location))
    return get_object_or_404(item_of(item_pk=item)), found


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW_FORECASTS, raise_exception=True)
def plan(request: HttpRequest, item: int, location: int) -> HttpResponse:
    """The plan (GET); POST overrides the periods whose consensus cell changed, with the
    rationale (re-rendered with the errors, nothing saved, when refused)."""
    item_obj, location_obj = _sku_location(request, item, location)
    consensus = consensus_plan(item=item_obj, location=location_obj)
    if request.method != "POST":
        return _plan_page(request, item_obj, location_obj, consensus, PlanForm(plan=consensus))
    if not request.user.has_perm(SUBMIT):
        raise PermissionDenied("Overriding forecasts needs the planner or manager role.")
    form = PlanForm(request.POST, plan=consensus)
    if form.is_valid() and not form.typed():
        form.add_error(None, "No quantity changed: type a new consensus in at least one period.")
    elif form.is_valid():
        try:
            made = submit(
                user=request.user,
                item=item_obj,
                location=location_obj,
                quantities=form.typed(),
                rationale=form.cleaned_data["rationale"],
            )
        except ValidationError as error:
            form.service_errors(error)
        else:
            _report_submitted(request, made)
            return redirect(request.path)
    return _plan_page(request, item_obj, location_obj, consensus, form, status=400)


def _report_submitted(request: HttpRequest, made: list) -> None:
    pending = [o for o in made if o.needs_approval]
    approved = len(made) - len(pending)
    if approved:
        messages.success(request, f"{approved} period(s) within the tolerance: now the consensus.")
    if pending:
        messages.info(
            request,
            f"{len(pending)} period(s) beyond the tolerance await a manager's approval.",
        )


def _plan_page(
    request: HttpRequest,
    item: Item,
    location: Location,
    consensus: ConsensusPlan,
    form: PlanForm,
    status: int = 200,
) -> HttpResponse:
    context = {
        "item": item,
        "location": location,
        "consensus": consensus,
        "form": form,
        "chart": plan_figure(consensus),
        "history": override_history(item=item, location=location),
        "tolerance": forecast_settings().override_tolerance,
        "recommendation": latest_recommendation(item=item, location=location),
        "can_submit": request.user.has_perm(SUBMIT),
    }
    return render(request, "demand/consensus/plan.html", context, status=status)


@require_POST
@permission_required(VIEW_FORECASTS, raise_exception=True)
def preview(request: HttpRequest, item: int, location: int) -> JsonResponse:
    """The policy levels of the latest recommendation with the plan as typed (JSON)."""
    item_obj, location_obj = _sku_location(request, item, location)
    consensus = consensus_plan(item=item_obj, location=location_obj)
    form = PlanForm(request.POST, plan=consensus)
    form.is_valid()  # invalid cells keep the plan in force
    recommendation = latest_recommendation(item=item_obj, location=location_obj)
    return JsonResponse(
        plan_preview(recommendation=recommendation, plan=consensus, typed=form.typed())
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW_OVERRIDES, raise_exception=True)
def overrides(request: HttpRequest) -> HttpResponse:
    """The overrides awaiting approval in the user's scope and the user's own (GET); POST
    approves or rejects one, or the ticked ones (managers, never their own)."""
    if request.method != "POST":
        return _overrides_page(request)
    if not request.user.has_perm(DECIDE):
        raise PermissionDenied("Approving or rejecting overrides needs the manager role.")
    decision = decision_of(request.POST)
    if decision is None:
        return HttpResponseBadRequest("decide: approve-<id>, reject-<id> or *-selected expected.")
    outcomes = _decide(request, decision)
    if not decision.bulk and outcomes != {"done"}:
        return _overrides_page(request, status=409 if outcomes == {"conflict"} else 400)
    return redirect(reverse("demand:overrides"))


def _decide(request: HttpRequest, decision: Decision) -> set[str]:
    """Each chosen override decided through the service; what happened, as messages."""
    found = {o.pk: o for o in overrides_in_scope(user=request.user).filter(pk__in=decision.ids)}
    outcomes = set()
    verb = "approved" if decision.approve else "rejected"
    for pk in decision.ids:
        if pk not in found:
            messages.error(request, f"#{pk}: no such override at your locations.")
            outcomes.add("missing")
            continue
        try:
            override_decide(
                user=request.user,
                override=found[pk],
                approve=decision.approve,
                comment=decision.comments[pk],
                version=decision.versions[pk],
            )
        except OverrideConflict as conflict:
            messages.error(request, f"#{pk}: {conflict}")
            outcomes.add("conflict")
        except (PermissionDenied, ValidationError) as refusal:
            text = " ".join(refusal.messages) if isinstance(refusal, ValidationError) else refusal
            messages.error(request, f"#{pk}: {text}")
            outcomes.add("refused")
        else:
            messages.success(request, f"Override #{pk} {verb}.")
            outcomes.add("done")
    return outcomes


def _row(override, user) -> dict:
    """An override awaiting approval as its row shows it: the deviation from the baseline
    (None without one) and whether it is the user's own."""
    base = override.baseline
    deviation = (override.quantity - base) / base if base else None
    return {"override": override, "deviation": deviation, "own": override.created_by_id == user.pk}


def _overrides_page(request: HttpRequest, status: int = 200) -> HttpResponse:
    user = request.user
    can_decide = user.has_perm(DECIDE)
    context = {
        "awaiting": [_row(o, user) for o in overrides_awaiting(user=user)] if can_decide else [],
        "own": list(overrides_by(user=user)[:OWN_SHOWN]),
        "own_shown": OWN_SHOWN,
        "can_decide": can_decide,
        "no_scope": NO_SCOPE_MESSAGE if location_scope(user=user).is_empty else "",
    }
    return render(request, "demand/consensus/overrides.html", context, status=status)
