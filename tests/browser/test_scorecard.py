"""End to end in a real browser, on the demo network with a run and its KPI snapshots: an
executive lands on the scorecard, opens this month's S&OP cycle, sees the KPI trend charts,
edits an owner and a due date, finds the sign-off held by the open reviews, signs off once a
manager has decided them, and the print layout is saved as a screenshot; and on an empty
database the scorecard shows its empty states without errors."""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from governance.choices import DiagnosticArea, ProposalStatus
from governance.kpis.models import KpiSnapshot
from governance.kpis.services import kpi_refresh_start
from governance.models import PolicyProposal
from governance.proposals import proposal_from_recommendation
from governance.services import location_scope_grant
from governance.sop.models import SopCycle
from inventory.runs.scope import RunScope
from inventory.runs.services import policy_run_start
from tests.browser.conftest import log_in
from tests.browser.test_runs_page import screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("pinned_now"),
]
PASSWORD = "pw-12345-x"
CHARTS = 7  # fill rate, turns, stock-outs, value, excess + obsolete, working capital, bias


def _user(django_user_model, name: str, role: str):
    user = django_user_model.objects.create_user(
        username=name, password=PASSWORD, is_staff=role == "manager"
    )
    user.groups.add(Group.objects.get(name=role))
    location_scope_grant(user=user, whole_network=True)
    return user


@pytest.fixture
def demo_network(settings, django_user_model):
    """The demo network (15 SKUs × 3 locations × 60 weeks), a finished run, its KPI snapshots,
    and two of the run's recommendations proposed this month (the gate's open reviews)."""
    settings.RUNS_SYNC = True
    call_command(
        "load_demo", "--skus", "15", "--locations", "3", "--weeks", "60", "--seed", "3",
        stdout=StringIO(),
    )  # fmt: skip
    run = policy_run_start(scope=RunScope(), parameters={"demand_model": "parametric"})
    kpi_refresh_start(user=None)  # computed here: RUNS_SYNC
    assert KpiSnapshot.objects.exists()
    planner = _user(django_user_model, "sc-planner", "planner")
    recommendations = run.recommendations.filter(is_latest=True, blocked=False).order_by("pk")
    for recommendation in recommendations[:2]:
        proposal_from_recommendation(user=planner, recommendation=recommendation)
    return run


def test_an_executive_reviews_edits_and_signs_off_the_scorecard(
    browser, live_server, demo_network, django_user_model
):
    executive = _user(django_user_model, "sc-executive", "executive")
    manager = _user(django_user_model, "sc-manager", "manager")
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    blocked: list[str] = []  # the Content-Security-Policy refuses nothing on these pages
    page.on("console", lambda m: "Content Security Policy" in m.text and blocked.append(m.text))
    log_in(page, live_server, executive.username, PASSWORD, heading="Executive scorecard")

    # No cycle yet: the scorecard offers to open this month's.
    page.click("button:has-text('Open the S&OP cycle for November 2026')")
    page.wait_for_selector("h1:has-text('S&OP November 2026')")
    assert "2 policy changes proposed in November 2026 await a decision" in page.inner_text(
        ".sc-gate"
    )

    # The scorecard with its charts drawn by plotly.js from our static files.
    page.click("nav >> text=Scorecard")
    page.wait_for_selector("h1:has-text('Executive scorecard · November 2026')")
    page.locator(".sc-kpi").nth(CHARTS - 1).locator(".main-svg").first.wait_for()
    assert page.locator(".sc-kpi .js-plotly-plot").count() == CHARTS
    assert page.locator(".sc-table tbody tr").count() == len(DiagnosticArea.values)
    assert page.locator(".sc-check-table tbody tr").count() == 15
    assert "Maturity: level" in page.inner_text(".sc-maturity")

    # An owner and a due date for Supply Constraints, saved and shown again.
    page.select_option("#id_supply-owner", manager.username)
    page.fill("#id_supply-due_date", "2026-12-18")
    page.fill("#id_supply-decision_needed", "Fund the lead-time study of the long lanes.")
    page.click("#area-supply button:has-text('Save')")
    page.wait_for_selector("#id_supply-due_date[value='2026-12-18']")
    area = SopCycle.objects.get().areas.get(area=DiagnosticArea.SUPPLY)
    assert (area.owner, area.due_date) == (manager, date(2026, 12, 18))
    assert area.history.first().history_user == executive

    # The print layout: one page, no navigation, static charts.
    page.emulate_media(media="print")
    assert not page.locator("header.topbar").is_visible()
    assert page.locator(".sc-kpi .print-only svg.spark").first.is_visible()
    screenshot(page, "scorecard-print")
    page.emulate_media(media="screen")
    screenshot(page, "scorecard")

    # The sign-off waits for the open reviews; a manager decides them in the admin.
    page.click("text=The S&OP gate of November 2026")
    assert page.locator("button:has-text('Sign off the cycle')").is_disabled()
    admin = log_in(browser.new_context().new_page(), live_server, manager.username, PASSWORD)
    admin.goto(f"{live_server.url}{page.url.removeprefix(live_server.url)}")
    admin.click("a:has-text('Pending approvals')")
    admin.check("#action-toggle")
    admin.select_option("select[name=action]", "approve_selected")
    admin.click("button[name=index]")
    admin.wait_for_selector(".messagelist")
    assert not PolicyProposal.objects.filter(status=ProposalStatus.PROPOSED).exists()

    page.reload()
    page.wait_for_selector("text=Every policy change proposed in November 2026 is decided.")
    page.fill("#id_note", "Lead-time study funded; review in December.")
    page.click("button:has-text('Sign off the cycle')")
    page.wait_for_selector("text=What was signed off")
    cycle = SopCycle.objects.get()
    assert cycle.signed_off_by == executive and cycle.summary["rows"]
    assert "Fund the lead-time study" in page.inner_text(".sc-summary")
    screenshot(page, "sop-cycle-signed-off")
    assert blocked == []


def test_the_scorecard_on_an_empty_database_shows_its_empty_states(
    browser, live_server, django_user_model
):
    executive = _user(django_user_model, "sc-empty", "executive")
    page = browser.new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server, executive.username, PASSWORD, heading="Executive scorecard")
    assert "No S&OP cycle is open yet" in page.inner_text("main")
    page.click("button:has-text('Open the S&OP cycle for November 2026')")
    page.wait_for_selector("text=Every policy change proposed in November 2026 is decided.")
    page.click("nav >> text=Scorecard")
    page.wait_for_selector("h1:has-text('Executive scorecard · November 2026')")
    main = page.inner_text("main")
    assert "No KPI snapshots yet" in main and "No open exceptions" in main
    assert page.locator(".sc-check-table tbody tr").count() == 15
    screenshot(page, "scorecard-empty")
    assert errors == []
