"""The executive scorecard page of a cycle, its PDF, and the inline edit of a scorecard row.
An open cycle's scorecard is evaluated now within the user's scope; a closed one shows what
was signed off (the stored summary). Rules live in governance.sop.services."""

from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth.decorators import permission_required
from django.contrib.staticfiles import finders
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from governance.choices import SopCycleStatus
from governance.selectors import location_scope
from governance.sop.charts import latest, trend_figure, trend_svg
from governance.sop.diagnostic import EVIDENCE_MAX_AGE
from governance.sop.forms import ScorecardAreaForm, scorecard_owner_candidates
from governance.sop.models import ScorecardArea, SopCycle
from governance.sop.selectors import current_month, sop_cycle_latest, sop_cycles
from governance.sop.services import (
    EDIT_AREA,
    OPEN_CYCLE,
    SopCycleConflict,
    scorecard_area_update,
)
from governance.sop.summary import scorecard_summary, summary_evaluated_at

VIEW_CYCLES = "governance.view_sopcycle"
STYLESHEETS = ("css/app.css", "css/scorecard.css")


@dataclass
class Scorecard:
    """What the scorecard template shows: the summary (live or stored), per row its form
    when editable, the charts ready to draw."""

    cycle: SopCycle
    summary: dict
    stored: bool
    rows: list[dict] = field(default_factory=list)
    charts: list[dict] = field(default_factory=list)
    has_kpis: bool = False
    outside_scope: bool = False
    evaluated_at: datetime | None = None
    backlog_as_of: datetime | None = None


@require_GET
@permission_required(VIEW_CYCLES, raise_exception=True)
def scorecard(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The scorecard of a cycle (the latest without ``pk``); an empty state before any."""
    cycle = get_object_or_404(sop_cycles(), pk=pk) if pk else sop_cycle_latest()
    if cycle is None:
        context = {
            "month": current_month(),
            "can_open": request.user.has_perm(OPEN_CYCLE),
        }
        return render(request, "governance/sop/scorecard_empty.html", context)
    return _page(request, cycle)


def _page(
    request: HttpRequest, cycle: SopCycle, *, bound: ScorecardAreaForm | None = None, status=200
) -> HttpResponse:
    card = _scorecard(request, cycle, bound=bound)
    return render(
        request,
        "governance/sop/scorecard.html",
        {"card": card, "cycle": cycle, "pdf": False},
        status=status,
    )


def _scorecard(
    request: HttpRequest, cycle: SopCycle, *, bound: ScorecardAreaForm | None = None, pdf=False
) -> Scorecard:
    """The scorecard of ``cycle`` for this user: live while open (forms for executives),
    stored once closed (KPIs and backlog only for a whole-network scope, as signed off)."""
    scope = location_scope(user=request.user)
    stored = cycle.status == SopCycleStatus.CLOSED and bool(cycle.summary)
    editable = not stored and not pdf and request.user.has_perm(EDIT_AREA)
    areas = list(cycle.areas.select_related("owner"))
    summary = cycle.summary if stored else _live(cycle, scope, areas)
    card = Scorecard(
        cycle=cycle, summary=summary, stored=stored, evaluated_at=summary_evaluated_at(summary)
    )
    counted = summary["backlog"].get("as_of")
    card.backlog_as_of = datetime.fromisoformat(counted) if counted else None
    card.outside_scope = stored and summary.get("whole_network") and not scope.whole_network
    forms = _forms(areas, bound) if editable else {}
    card.rows = [row | {"form": forms.get(row["area"])} for row in summary["rows"]]
    if not card.outside_scope:
        card.charts = [_chart(chart, pdf) for chart in summary["kpis"]]
        card.has_kpis = any(chart["periods"] for chart in summary["kpis"])
    return card


def _live(cycle: SopCycle, scope, areas: list[ScorecardArea]) -> dict:
    """The open cycle's scorecard now (the diagnostic's evidence reused for a few minutes)."""
    return scorecard_summary(cycle=cycle, scope=scope, areas=areas, max_age=EVIDENCE_MAX_AGE)


def _forms(areas: list[ScorecardArea], bound: ScorecardAreaForm | None) -> dict:
    owners = list(scorecard_owner_candidates())
    forms = {area.area: ScorecardAreaForm(area=area, owners=owners) for area in areas}
    if bound is not None:
        forms[bound.area.area] = bound
    return forms


def _chart(chart: dict, pdf: bool) -> dict:
    """A KPI chart with its static SVG (print and PDF), plotly figure (screen) and latest."""
    drawn = {"data": chart, "svg": trend_svg(chart), "latest": latest(chart)}
    if not pdf:
        drawn["figure"] = trend_figure(chart)
        drawn["element_id"] = f"kpi-{chart['key']}"
    return drawn


@require_GET
@permission_required(VIEW_CYCLES, raise_exception=True)
def scorecard_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The scorecard as a one-page A4 landscape PDF (WeasyPrint; nothing fetched)."""
    from weasyprint import CSS, HTML  # heavy: loaded by the one view that needs it

    cycle = get_object_or_404(sop_cycles(), pk=pk)
    card = _scorecard(request, cycle, pdf=True)
    html = render_to_string(
        "governance/sop/scorecard_pdf.html", {"card": card, "cycle": cycle, "pdf": True}, request
    )
    stylesheets = [CSS(filename=finders.find(name)) for name in STYLESHEETS]
    pdf = HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(stylesheets=stylesheets)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"scorecard-{cycle.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _refuse_fetch(url: str, *args, **kwargs):
    """The PDF fetches nothing: its stylesheet is passed in and its charts are inline SVG."""
    raise ValueError(f"The scorecard PDF fetches no resource ({url[:80]}).")


@require_POST
@permission_required(VIEW_CYCLES, raise_exception=True)
def scorecard_area_edit(request: HttpRequest, pk: int, area_pk: int) -> HttpResponse:
    """Save one scorecard row; the page again with the row's errors when refused."""
    cycle = get_object_or_404(sop_cycles(), pk=pk)
    area = get_object_or_404(cycle.areas.select_related("owner"), pk=area_pk)
    form = ScorecardAreaForm(request.POST, area=area, owners=scorecard_owner_candidates())
    if not form.is_valid():
        return _page(request, cycle, bound=form, status=400)
    data = form.cleaned_data
    try:
        scorecard_area_update(
            area=area,
            user=request.user,
            version=data["version"],
            observation=data["observation"],
            decision_needed=data["decision_needed"],
            owner=data["owner"],
            due_date=data["due_date"],
        )
    except ValidationError as error:
        form.add_service_error(error)
        return _page(request, cycle, bound=form, status=400)
    except SopCycleConflict as conflict:
        area.refresh_from_db()
        stored = ScorecardAreaForm.as_stored(area, owners=form.owners, error=str(conflict))
        return _page(request, cycle, bound=stored, status=409)
    page = reverse("governance:scorecard-cycle", args=[cycle.pk])
    return redirect(f"{page}#area-{area.area}")
