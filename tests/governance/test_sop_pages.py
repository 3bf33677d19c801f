"""The S&OP pages: the cycles list, a cycle's gate, the scorecard and its PDF. Who may see and
do what (judged by what happened in the database, not only status codes), the empty
database, a closed cycle showing what was signed off, bad input, and constant queries."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from governance.choices import DiagnosticArea, ProposalStatus, Role, SopCycleStatus
from governance.models import PolicyProposal
from governance.proposals import proposal_from_recommendation
from governance.services import location_scope_grant
from governance.sop.models import ScorecardArea, SopCycle
from governance.sop.services import sop_cycle_close, sop_cycle_open, sop_cycle_sign_off
from tests.factories import (
    make_exception,
    make_item,
    make_location,
    make_policy,
    make_recommendation,
)

# The cycle is this month's: "this month" needs a pinned today (2026-11-25).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("pinned_now")]
NOVEMBER = date(2026, 11, 1)
ROLES = ["planner", "manager", "executive", "admin_user_in_role"]


@pytest.fixture
def cycle(executive) -> SopCycle:
    return sop_cycle_open(month=NOVEMBER, user=executive)


def _proposals(planner, count: int, start: int = 0) -> list[PolicyProposal]:
    made = []
    for number in range(start, start + count):
        item, location = make_item(f"SKU-{number}"), make_location(f"DC-{number}")
        make_policy(item, location)
        recommendation = make_recommendation(item, location)
        made.append(proposal_from_recommendation(user=planner, recommendation=recommendation))
    return made


def _area_form(cycle: SopCycle, area: str, **changes) -> dict:
    row = cycle.areas.get(area=area)
    values = {
        "observation": row.observation,
        "decision_needed": row.decision_needed,
        "owner": row.owner.get_username() if row.owner else "",
        "due_date": row.due_date.isoformat() if row.due_date else "",
        "version": row.version,
    } | changes
    return {f"{area}-{name}": value for name, value in values.items()}


def _area_url(cycle: SopCycle, area: str) -> str:
    return reverse("governance:scorecard-area", args=[cycle.pk, cycle.areas.get(area=area).pk])


# --- Who sees what -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["sop", "scorecard"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name.join(("governance:", ""))))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_cycle_pages_and_the_pdf(client, request, cycle, role):
    client.force_login(request.getfixturevalue(role))
    for url in (
        reverse("governance:sop"),
        reverse("governance:sop-cycle", args=[cycle.pk]),
        reverse("governance:scorecard"),
        reverse("governance:scorecard-cycle", args=[cycle.pk]),
        reverse("governance:scorecard-pdf", args=[cycle.pk]),
    ):
        assert client.get(url).status_code == 200, url


def test_a_user_without_a_role_is_refused(client, no_role_user, cycle):
    client.force_login(no_role_user)
    for url in (
        reverse("governance:sop"),
        reverse("governance:scorecard"),
        reverse("governance:scorecard-pdf", args=[cycle.pk]),
    ):
        assert client.get(url).status_code == 403
    response = client.post(
        _area_url(cycle, DiagnosticArea.SUPPLY),
        _area_form(cycle, DiagnosticArea.SUPPLY, owner=""),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_only_executives_edit_scorecard_rows(client, request, cycle, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    page = client.get(reverse("governance:scorecard")).content.decode()
    editable = role in ("executive", "admin_user_in_role")  # admins hold every permission
    assert ('id="area-form-supply"' in page) == editable
    form = _area_form(
        cycle, DiagnosticArea.SUPPLY, observation="Lanes vary.", owner=user.get_username()
    )
    response = client.post(_area_url(cycle, DiagnosticArea.SUPPLY), form)
    saved = cycle.areas.get(area=DiagnosticArea.SUPPLY)
    assert (saved.observation == "Lanes vary.") == editable
    assert response.status_code == (302 if editable else 403)


@pytest.mark.parametrize("role", ROLES)
def test_who_opens_signs_off_and_closes(client, request, role):
    client.force_login(request.getfixturevalue(role))
    client.post(reverse("governance:sop-open"), {"month": "2026-11"})
    cycle = SopCycle.objects.filter(month=NOVEMBER).first()
    assert (cycle is not None) == (role != "planner")
    if cycle is None:
        return
    client.post(reverse("governance:sop-sign-off", args=[cycle.pk]), {"note": "", "version": 1})
    cycle.refresh_from_db()
    assert (cycle.signed_off_at is not None) == (role in ("executive", "admin_user_in_role"))
    client.post(reverse("governance:sop-close", args=[cycle.pk]), {"version": cycle.version})
    cycle.refresh_from_db()
    assert (cycle.status == SopCycleStatus.CLOSED) == (cycle.signed_off_at is not None)


def test_executives_land_on_the_scorecard_and_others_on_the_network(client, executive, planner):
    client.force_login(executive)
    assert client.get("/")["Location"] == reverse("governance:scorecard")
    client.force_login(planner)
    assert client.get("/")["Location"] == reverse("inventory:network")


# --- The empty database and missing KPIs -------------------------------------------------------


def test_the_empty_scorecard_offers_to_open_this_months_cycle(client, executive, planner):
    client.force_login(executive)
    page = client.get(reverse("governance:scorecard")).content.decode()
    assert "No S&amp;OP cycle is open yet" in page
    assert "Open the S&amp;OP cycle for November 2026" in page
    response = client.post(reverse("governance:sop-open"), {"month": "2026-11"}, follow=True)
    assert "S&amp;OP November 2026 is open." in response.content.decode()
    client.force_login(planner)
    page = client.get(reverse("governance:sop")).content.decode()
    assert "Open the S&amp;OP cycle" not in page  # planners do not open cycles


def test_a_scorecard_without_kpis_says_how_to_get_them(client, executive, cycle):
    client.force_login(executive)
    page = client.get(reverse("governance:scorecard")).content.decode()
    check_page = reverse("governance:sop-check", args=[cycle.pk, 5])
    assert f'href="{check_page}?next=/scorecard/%23check-5"' in page  # each check's page
    assert "No KPI snapshots yet" in page and "plotly.min.js" not in page
    assert "Executive scorecard · November 2026" in page
    assert "No open exceptions" in page


# --- The gate on the pages ---------------------------------------------------------------


def test_the_gate_lists_open_reviews_and_refuses_the_sign_off(client, executive, planner, cycle):
    proposals = _proposals(planner, 2)
    client.force_login(executive)
    page = client.get(reverse("governance:sop-cycle", args=[cycle.pk])).content.decode()
    assert "2 policy changes proposed in November 2026 await a decision" in page
    assert f"#{proposals[0].pk}" in page and "SKU-1" in page
    response = client.post(
        reverse("governance:sop-sign-off", args=[cycle.pk]), {"note": "Go.", "version": 1}
    )
    assert response.status_code == 400
    assert "cannot be signed off: 2 policy changes" in response.content.decode()
    PolicyProposal.objects.update(status=ProposalStatus.REJECTED)
    response = client.post(
        reverse("governance:sop-sign-off", args=[cycle.pk]), {"note": "Go.", "version": 1}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "What was signed off" in page and "Go." in page


def test_a_stale_sign_off_is_refused_with_409(client, executive, cycle):
    client.force_login(executive)
    url = reverse("governance:sop-sign-off", args=[cycle.pk])
    assert client.post(url, {"note": "", "version": 1}).status_code == 302
    response = client.post(url, {"note": "again", "version": 1})
    assert response.status_code == 409 and "changed since you read it" in response.content.decode()


def test_bad_input_names_the_field(client, executive, cycle):
    client.force_login(executive)
    url = _area_url(cycle, DiagnosticArea.SUPPLY)
    response = client.post(url, _area_form(cycle, DiagnosticArea.SUPPLY, due_date="31/31/2026"))
    assert response.status_code == 400 and "Enter a valid date" in response.content.decode()
    response = client.post(url, _area_form(cycle, DiagnosticArea.SUPPLY, owner="nobody-at-all"))
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    response = client.post(url, _area_form(cycle, DiagnosticArea.SUPPLY, version="x"))
    assert response.status_code == 400
    response = client.post(url, _area_form(cycle, DiagnosticArea.SUPPLY, version=9))
    assert response.status_code == 409 and "changed by someone else" in response.content.decode()
    sign_off = reverse("governance:sop-sign-off", args=[cycle.pk])
    assert client.post(sign_off, {"note": "x"}).status_code == 400  # no version
    assert client.post(reverse("governance:sop-open"), {"month": "Nov"}).status_code == 302
    assert SopCycle.objects.count() == 1


def test_posts_need_the_csrf_token(executive, cycle):
    client = Client(enforce_csrf_checks=True)
    client.force_login(executive)
    response = client.post(
        _area_url(cycle, DiagnosticArea.SUPPLY),
        _area_form(cycle, DiagnosticArea.SUPPLY, observation="Forged."),
    )
    assert response.status_code == 403
    assert cycle.areas.get(area=DiagnosticArea.SUPPLY).observation == ""


# --- A closed cycle shows what was signed off --------------------------------------------


def test_a_closed_cycle_shows_the_stored_summary_not_a_re_evaluation(client, executive, cycle):
    client.force_login(executive)
    client.post(
        _area_url(cycle, DiagnosticArea.OUTCOMES),
        _area_form(cycle, DiagnosticArea.OUTCOMES, decision_needed="Fund the buffer."),
    )
    signed = sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    sop_cycle_close(cycle=cycle, user=executive, version=signed.version)
    # Changes after the close (as if made behind the services' back) are not what was signed.
    ScorecardArea.objects.filter(cycle=cycle).update(decision_needed="Rewritten later.")
    make_exception(make_item("SKU-X"), make_location("DC-X"))
    page = client.get(reverse("governance:scorecard-cycle", args=[cycle.pk])).content.decode()
    assert "Fund the buffer." in page and "Rewritten later." not in page
    assert "as signed off" in page and "No open exceptions" in page
    assert 'id="area-form-' not in page  # final: nothing to edit


# --- The PDF -----------------------------------------------------------------------------


def test_the_pdf_is_one_page(client, executive, cycle):
    client.force_login(executive)
    long_text = "A long observation that an executive wrote at length. " * 12
    for area in DiagnosticArea.values:
        client.post(
            _area_url(cycle, area),
            _area_form(cycle, area, observation=long_text, decision_needed=long_text),
        )
    sop_cycle_sign_off(cycle=cycle, user=executive, note=long_text * 3, version=1)
    response = client.get(reverse("governance:scorecard-pdf", args=[cycle.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="scorecard-2026-11.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
    reader = PdfReader(BytesIO(response.content))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Executive scorecard" in text and "Policy Logic" in text


# --- Constant queries ----------------------------------------------------------------------


def test_the_scorecard_and_gate_queries_do_not_grow_with_rows(client, executive, planner, cycle):
    client.force_login(executive)

    def counted(url: str) -> int:
        cache.clear()  # the diagnostic's evidence is read each time, not reused
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    pages = [
        reverse("governance:scorecard"),
        reverse("governance:sop"),
        reverse("governance:sop-cycle", args=[cycle.pk]),
    ]
    _proposals(planner, 1)
    make_exception(make_item("E-0"), make_location("L-0"))
    few = [counted(url) for url in pages]
    _proposals(planner, 6, start=10)
    for number in range(1, 8):
        make_exception(make_item(f"E-{number}"), make_location(f"L-{number}"),
                       due_date=timezone.localdate() - timedelta(days=number))  # fmt: skip
    sop_cycle_open(month=date(2026, 10, 1), user=executive)
    sop_cycle_open(month=date(2026, 9, 1), user=executive)
    assert [counted(url) for url in pages] == few


# --- Location scope ------------------------------------------------------------------------


def test_a_scoped_executive_sees_their_locations_and_not_a_closed_cycles_network_figures(
    client, django_user_model, executive, cycle
):
    north, south = make_location("DC-NORTH"), make_location("DC-SOUTH")
    make_exception(make_item("N-1"), north, money_at_risk=111)
    make_exception(make_item("S-1"), south, money_at_risk=222)
    scoped = django_user_model.objects.create_user(username="exec-north")
    scoped.groups.add(Group.objects.get(name=Role.EXECUTIVE))
    location_scope_grant(user=scoped, locations=[north])
    client.force_login(scoped)
    page = client.get(reverse("governance:scorecard")).content.decode()
    assert ">111<" in page and ">222<" not in page  # money at risk, their location only
    signed = sop_cycle_sign_off(cycle=cycle, user=executive, note="", version=1)
    sop_cycle_close(cycle=cycle, user=executive, version=signed.version)
    page = client.get(reverse("governance:scorecard")).content.decode()
    assert "beyond your locations" in page and ">333<" not in page  # the network's total
    assert "Policy Logic" in page
    cycle_page = client.get(reverse("governance:sop-cycle", args=[cycle.pk])).content.decode()
    assert "Open exceptions then" not in cycle_page
