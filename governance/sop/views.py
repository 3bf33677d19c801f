"""Pages of the S&OP cycle: the home page's choice by role, the cycles list, opening a month's
cycle, and a cycle's gate (open reviews, sign-off, close). Rules live in
governance.sop.services; these views only translate HTTP."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from governance.choices import Role, SopCycleStatus
from governance.selectors import location_scope
from governance.sop.forms import CycleOpenForm, CycleVersionForm, SignOffForm
from governance.sop.models import SopCycle
from governance.sop.selectors import (
    current_month,
    open_reviews_by_month,
    sop_cycle_open_reviews,
    sop_cycles,
)
from governance.sop.services import (
    CLOSE,
    OPEN_CYCLE,
    SIGN_OFF,
    SopCycleConflict,
    sop_cycle_close,
    sop_cycle_open,
    sop_cycle_sign_off,
)
from governance.sop.summary import summary_evaluated_at

VIEW_CYCLES = "governance.view_sopcycle"
REVIEWS_SHOWN = 50  # open reviews listed on the gate; the rest are counted


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The site's front door: executives land on the scorecard, everyone else on the
    network map."""
    if request.user.groups.filter(name=Role.EXECUTIVE).exists():
        return redirect("governance:scorecard")
    return redirect("inventory:network")


@require_GET
@permission_required(VIEW_CYCLES, raise_exception=True)
def cycles(request: HttpRequest) -> HttpResponse:
    """Every cycle (month, status, open reviews, sign-off), and the button that opens this
    month's cycle when it is not open yet."""
    rows = list(sop_cycles())
    waiting = open_reviews_by_month()
    month = current_month()
    context = {
        "rows": [{"cycle": cycle, "open_reviews": waiting.get(cycle.month, 0)} for cycle in rows],
        "open_form": _open_form(request, rows, month),
        "month": month,
    }
    return render(request, "governance/sop/cycles.html", context)


def _open_form(request: HttpRequest, rows: list[SopCycle], month) -> CycleOpenForm | None:
    """The form opening this month's cycle, for those allowed, when it is not open yet."""
    if not request.user.has_perm(OPEN_CYCLE) or any(c.month == month for c in rows):
        return None
    return CycleOpenForm(initial={"month": month.strftime("%Y-%m")})


@require_POST
@permission_required(VIEW_CYCLES, raise_exception=True)
def cycle_open(request: HttpRequest) -> HttpResponse:
    """Open a month's cycle; to its page, or back to the list with why not."""
    form = CycleOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Month: give the month as YYYY-MM, e.g. 2026-11.")
        return redirect("governance:sop")
    try:
        cycle = sop_cycle_open(month=form.cleaned_data["month"], user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("governance:sop")
    messages.success(request, f"{cycle} is open.")
    return redirect("governance:sop-cycle", pk=cycle.pk)


@require_GET
@permission_required(VIEW_CYCLES, raise_exception=True)
def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A cycle's gate: its open reviews, the sign-off form and close button, the stored
    sign-off summary once signed."""
    return _cycle_page(request, get_object_or_404(sop_cycles(), pk=pk))


def _cycle_page(
    request: HttpRequest, cycle: SopCycle, *, bound=None, status: int = 200
) -> HttpResponse:
    """The gate page; ``bound`` is a sign-off or close form that failed, shown with errors."""
    reviews = sop_cycle_open_reviews(cycle=cycle)
    open_count = reviews.count()
    is_open = cycle.status == SopCycleStatus.OPEN
    user = request.user
    sign_off = SignOffForm(initial={"version": cycle.version})
    close = CycleVersionForm(initial={"version": cycle.version})
    if isinstance(bound, SignOffForm):
        sign_off = bound
    elif bound is not None:
        close = bound
    scope = location_scope(user=user)
    context = {
        "cycle": cycle,
        "evaluated_at": summary_evaluated_at(cycle.summary),
        "outside_scope": bool(cycle.summary.get("whole_network")) and not scope.whole_network,
        "reviews": list(reviews[:REVIEWS_SHOWN]) if open_count else [],
        "open_count": open_count,
        "can_sign_off": is_open and user.has_perm(SIGN_OFF),
        "can_close": is_open and user.has_perm(CLOSE),
        "sign_off_form": sign_off,
        "close_form": close,
        "summary": cycle.summary or None,
        "pending_url": reverse("admin:governance_policyproposal_changelist"),
    }
    return render(request, "governance/sop/cycle.html", context, status=status)


@require_POST
@permission_required(VIEW_CYCLES, raise_exception=True)
def cycle_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign the cycle off with a note (executives); PermissionDenied is a 403."""
    cycle = get_object_or_404(sop_cycles(), pk=pk)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _cycle_page(request, cycle, bound=form, status=400)
    data = form.cleaned_data
    try:
        sop_cycle_sign_off(
            cycle=cycle, user=request.user, note=data["note"], version=data["version"]
        )
    except ValidationError as error:
        form.add_service_error(error)
        return _cycle_page(request, cycle, bound=form, status=400)
    except SopCycleConflict as conflict:
        return _cycle_page(request, _refused(cycle, form, conflict), bound=form, status=409)
    messages.success(request, f"{cycle} is signed off.")
    return redirect("governance:sop-cycle", pk=cycle.pk)


@require_POST
@permission_required(VIEW_CYCLES, raise_exception=True)
def cycle_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the signed-off cycle once its reviews are decided."""
    cycle = get_object_or_404(sop_cycles(), pk=pk)
    form = CycleVersionForm(request.POST)
    if not form.is_valid():
        return _cycle_page(request, cycle, bound=form, status=400)
    try:
        sop_cycle_close(cycle=cycle, user=request.user, version=form.cleaned_data["version"])
    except ValidationError as error:
        form.add_service_error(error)
        return _cycle_page(request, cycle, bound=form, status=400)
    except SopCycleConflict as conflict:
        return _cycle_page(request, _refused(cycle, form, conflict), bound=form, status=409)
    messages.success(request, f"{cycle} is closed.")
    return redirect("governance:sop-cycle", pk=cycle.pk)


def _refused(cycle: SopCycle, form, conflict: SopCycleConflict) -> SopCycle:
    """The cycle as stored now, the conflict on the form, and the form's version the stored
    one (so the person can look and repeat)."""
    form.add_error(None, str(conflict))
    cycle.refresh_from_db()
    form.data = form.data.copy()
    form.data["version"] = cycle.version
    return cycle
