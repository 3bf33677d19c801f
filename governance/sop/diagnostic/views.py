"""The page of one diagnostic check of a cycle: the evidence within the user's locations, the
manual answer, and (POST) a manual answer through governance.sop.diagnostic.services, back to
the page the user came from. The view only translates HTTP."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from governance.choices import DiagnosticArea
from governance.selectors import location_scope
from governance.sop.diagnostic.evaluate import (
    CHECK_BY_NUMBER,
    EVIDENCE_MAX_AGE,
    CheckSpec,
    check_evidence,
)
from governance.sop.diagnostic.forms import DiagnosticAnswerForm
from governance.sop.diagnostic.services import (
    DiagnosticAnswerConflict,
    answer_version,
    answerer_refusal,
    answers_closed,
    diagnostic_answer_set,
)
from governance.sop.models import DiagnosticAnswer, SopCycle
from sop_platform.redirects import return_url

VIEW_CYCLE = "governance.view_sopcycle"
SETTLED = "The system's evidence answers this check: a manual answer would not count."


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(VIEW_CYCLE, raise_exception=True)
def check_answer(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The check's page (GET); POST records a manual answer and goes back to ``next``."""
    cycle = get_object_or_404(SopCycle, pk=pk)
    spec = CHECK_BY_NUMBER.get(number)
    if spec is None:
        raise Http404("The diagnostic has checks 1 to 15.")
    here = reverse("governance:sop-check", args=[cycle.pk, number])
    back = return_url(request, request.POST.get("next") or request.GET.get("next"), here)
    if request.method == "POST":
        return _answer(request, cycle, spec, back)
    stored = _stored(cycle, number)
    initial = {"version": answer_version(stored), "next": back}
    if stored is not None:
        initial |= {"answer": "yes" if stored.answer else "no", "note": stored.note}
    return _page(request, cycle, spec, DiagnosticAnswerForm(initial=initial), back)


def _answer(request: HttpRequest, cycle: SopCycle, spec: CheckSpec, back: str) -> HttpResponse:
    form = DiagnosticAnswerForm(request.POST)
    if not form.is_valid():
        return _page(request, cycle, spec, form, back, status=400)
    data = form.cleaned_data
    try:
        diagnostic_answer_set(
            cycle=cycle,
            check_number=spec.number,
            answer=data["answer"],
            note=data["note"],
            user=request.user,
            version=data["version"],
        )
    except DiagnosticAnswerConflict as conflict:
        # The form again with the stored answer's version: sending it now is a decision.
        fresh = request.POST.copy()
        fresh["version"] = answer_version(_stored(cycle, spec.number))
        form = DiagnosticAnswerForm(fresh)
        form.add_error(None, str(conflict))
        return _page(request, cycle, spec, form, back, status=409)
    except ValidationError as error:
        form.add_service_error(error)
        return _page(request, cycle, spec, form, back, status=400)
    messages.success(request, f"Check {spec.number} answered {'yes' if data['answer'] else 'no'}.")
    return redirect(back)


def _stored(cycle: SopCycle, number: int) -> DiagnosticAnswer | None:
    answers = DiagnosticAnswer.objects.select_related("answered_by")
    return answers.filter(cycle=cycle, check_number=number).first()


def _page(
    request: HttpRequest,
    cycle: SopCycle,
    spec: CheckSpec,
    form: DiagnosticAnswerForm,
    back: str,
    status: int = 200,
) -> HttpResponse:
    scope = location_scope(user=request.user)
    finding = check_evidence(cycle=cycle, number=spec.number, scope=scope, max_age=EVIDENCE_MAX_AGE)
    refusal = answers_closed(cycle) or answerer_refusal(request.user)
    if not refusal and finding.answer is not None:
        refusal = SETTLED
    context = {
        "cycle": cycle,
        "spec": spec,
        "area": DiagnosticArea(spec.area).label,
        "finding": finding,
        "stored": _stored(cycle, spec.number),
        "form": form,
        "refusal": refusal,
        "back": back,
    }
    return render(request, "governance/diagnostic_check.html", context, status=status)
