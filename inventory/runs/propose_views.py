"""Proposing policies from a run's recommendations: one at a time (its values as is or the
planner's own, with a justification) or every one within its class's tolerance at once.

The rules live in ``governance.proposals`` and ``governance.proposals_bulk``; these views only
translate HTTP: a refused role or scope is a 403 (Django's handler), a value the service
refuses a 400 with the message next to its field, a recommendation outside the user's
locations a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from governance.accept_all import AcceptAllResult, proposals_accept_all
from governance.choices import ProposalStatus
from governance.models import PolicyProposal
from governance.proposals import PROPOSE, policy_in_force, proposal_from_recommendation
from governance.propose_form import ProposeForm
from inventory.models import PolicyRecommendation, PolicyValues
from inventory.runs.models import PolicyRun
from inventory.runs.selectors import recommendations_visible_to
from sop_platform.redirects import return_url

VIEW_RECOMMENDATIONS = "inventory.view_policyrecommendation"


@require_http_methods(["GET", "POST"])
@permission_required([VIEW_RECOMMENDATIONS, PROPOSE], raise_exception=True)
def recommendation_propose(request: HttpRequest, pk: int, rec_pk: int) -> HttpResponse:
    """The policy in force, the recommendation, and a form prefilled with its values: sent
    unchanged it proposes the recommendation as is, changed it proposes an override (which
    needs a justification). Back to the recommendations page once proposed."""
    run = get_object_or_404(PolicyRun, pk=pk)
    recommendation = get_object_or_404(
        recommendations_visible_to(user=request.user, run=run), pk=rec_pk
    )
    if request.method == "GET":
        return _propose_page(request, run, ProposeForm(recommendation=recommendation))
    form = ProposeForm(request.POST, recommendation=recommendation)
    if form.is_valid():
        try:  # PermissionDenied goes on to Django: 403
            proposal = proposal_from_recommendation(
                user=request.user,
                recommendation=recommendation,
                overrides=form.overrides(),
                justification=form.cleaned_data["justification"],
            )
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Proposal #{proposal.pk} sent for approval.")
            return redirect(_back(request, run, recommendation))
    return _propose_page(request, run, form, status=400)


def _back(request: HttpRequest, run: PolicyRun, recommendation: PolicyRecommendation) -> str:
    """The page the planner came from: ``?next=`` (e.g. the policy table), else the run's
    recommendations with their filters and page."""
    url = reverse("inventory:run-recommendations", args=[run.pk])
    query = request.GET.copy()
    query.pop("next", None)
    query = query.urlencode()
    default = f"{url}{'?' + query if query else ''}#recommendation-{recommendation.pk}"
    return return_url(request, request.GET.get("next"), default)


def _propose_page(
    request: HttpRequest, run: PolicyRun, form: ProposeForm, *, status: int = 200
) -> HttpResponse:
    recommendation: PolicyRecommendation = form.recommendation
    policy = policy_in_force(recommendation.item_id, recommendation.location_id)
    waiting = (
        PolicyProposal.objects.filter(
            item_id=recommendation.item_id,
            location_id=recommendation.location_id,
            status=ProposalStatus.PROPOSED,
        )
        .select_related("proposed_by")
        .first()
    )
    rows = [
        {
            "label": form.fields[name].label,
            "current": getattr(policy, name) if policy else None,
            "recommended": getattr(recommendation, name),
        }
        for name in PolicyValues.FIELDS
    ]
    context = {
        "run": run,
        "rec": recommendation,
        "policy": policy,
        "waiting": waiting,
        "rows": rows,
        "form": form,
        "back": _back(request, run, recommendation),
    }
    return render(request, "runs/propose.html", context, status=status)


@require_POST
@permission_required([VIEW_RECOMMENDATIONS, PROPOSE], raise_exception=True)
def run_accept_all(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose as is every recommendation of the run at the user's locations within its
    service class's tolerance of the policy in force; the counts as a message."""
    run = get_object_or_404(PolicyRun, pk=pk)
    result = proposals_accept_all(user=request.user, run=run)  # PermissionDenied: 403
    level = messages.SUCCESS if result.proposed else messages.INFO
    messages.add_message(request, level, accept_all_message(result))
    return redirect("inventory:run-recommendations", pk=run.pk)


def accept_all_message(result: AcceptAllResult) -> str:
    """What accept-all did, in one sentence: "12 proposals sent for approval (3 superseded);
    left for a look one at a time: 4 outside tolerance, 2 without a policy, 1 invalid."""
    text = f"{result.proposed:,} proposal{'s' if result.proposed != 1 else ''} sent for approval"
    if result.superseded:
        text += f" ({result.superseded:,} earlier one{'s' if result.superseded != 1 else ''} "
        text += "superseded)"
    left = [
        f"{count:,} {what}"
        for count, what in (
            (result.outside_tolerance, "outside tolerance"),
            (result.without_policy, "without a policy in force"),
            (result.invalid, "blocked or invalid"),
        )
        if count
    ]
    if left:
        text += "; left to look at one at a time: " + ", ".join(left)
    return text + "."
